// Fuzzes the line reader on a real file with a tiny buffer and line limit, so every input
// crosses buffer refills and the limit: the lines it returns are exactly the input split at
// '\n' (a final line without one included), a line longer than the limit comes back cut to
// the limit and flagged, and no byte is counted twice or lost.
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
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  if (in.size() >= 2 && in[0] == '\x1f' && in[1] == '\x8b') return 0;  // gzip magic: read as .gz
  {
    FILE* f = std::fopen(path().c_str(), "wb");
    std::fwrite(data, 1, size, f);
    std::fclose(f);
  }
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
