// Fuzzes the line reader on a real file with a tiny buffer and line limit, so every input
// crosses buffer refills and the limit: the lines it returns are exactly the input split at
// '\n' (a final line without one included), a line longer than the limit comes back cut to
// the limit and flagged, and no byte is counted twice or lost. UTF-16 input: the same of its
// UTF-8 decoding by glibc's iconv.
#include <iconv.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "check.h"
#include "source/line_reader.h"

namespace {
constexpr size_t kMax = 64;
const std::string& path() {
  // Never destroyed: the atexit handler (libFuzzer ends with exit()) still needs it.
  static const std::string* p = [] {
    auto* s = new std::string("/tmp/ki-fuzz-line-reader-" + std::to_string(getpid()));
    std::atexit([] { std::remove(path().c_str()); });
    return s;
  }();
  return *p;
}

// UTF-16 input as glibc's iconv decodes it (false: not valid UTF-16, which iconv refuses and the
// reader reads with U+FFFD in place of what is not).
bool iconv_utf8(const uint8_t* data, size_t size, int order, size_t bom, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", order == 1 ? "UTF-16LE" : "UTF-16BE");
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string in(reinterpret_cast<const char*>(data) + bom, size - bom);
  out.assign(in.size() * 2 + 4, '\0');
  char* src = in.data();
  char* dst = out.data();
  size_t left = in.size(), room = out.size();
  const bool ok = iconv(cd, &src, &left, &dst, &room) != static_cast<size_t>(-1) && left == 0;
  iconv_close(cd);
  out.resize(out.size() - room);
  return ok;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.size() >= 2 && in[0] == '\x1f' && in[1] == '\x8b') return 0;  // gzip magic: read as .gz
  size_t bom = 0;
  const int order = ki::utf16_order(data, size, &bom);
  std::string decoded;
  if (order != 0) {  // read decoded: the lines are iconv's reading's, or (invalid) whatever is valid UTF-8
    const bool valid = iconv_utf8(data, size, order, bom, decoded);
    if (!valid) {
      FILE* f = std::fopen(path().c_str(), "wb");
      std::fwrite(data, 1, size, f);
      std::fclose(f);
      ki::LineReaderConfig cfg;
      cfg.buffer_bytes = 16;
      cfg.max_line_bytes = kMax;
      ki::LineReader reader(path(), cfg);
      std::string_view line;
      while (reader.next(line))
        if (line.find('\n') != std::string_view::npos) ki::fuzz::die("a UTF-16 line holds a newline", in);
      return 0;
    }
    in = decoded;
  }
  {
    FILE* f = std::fopen(path().c_str(), "wb");
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
  size = in.size();  // (decoded UTF-16: the bytes the reader hands out)
  ki::LineReaderConfig cfg;
  cfg.buffer_bytes = 16;
  cfg.max_line_bytes = kMax;
  ki::LineReader reader(path(), cfg);

  std::vector<std::string_view> want;
  for (size_t at = 0; at < in.size();) {
    size_t nl = in.find('\n', at);
    if (nl == std::string_view::npos) nl = in.size();
    want.push_back(in.substr(at, nl - at));
    at = nl + 1;
  }
  std::string_view line;
  size_t i = 0;
  while (reader.next(line)) {
    if (i >= want.size()) ki::fuzz::die("more lines than the input has", in);
    std::string_view w = want[i++];
    bool cut = w.size() > kMax;
    if (reader.truncated() != cut) ki::fuzz::die(cut ? "long line not flagged" : "whole line flagged as cut", in);
    if (line != (cut ? w.substr(0, kMax) : w)) ki::fuzz::die("line differs from the input", in);
    if (reader.line_no() != i) ki::fuzz::die("line number off", in);
  }
  if (i != want.size()) ki::fuzz::die("lines lost", in);
  if (reader.bytes_read() != size) ki::fuzz::die("bytes read differ from the file size", in);
  return 0;
}
