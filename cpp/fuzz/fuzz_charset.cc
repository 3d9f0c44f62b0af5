// Fuzzes --encoding's decoding (source/charset.h): the first byte picks a charset, the rest is a
// line. The result is valid UTF-8; an ASCII line (no shift bytes) is itself; a line glibc's iconv
// decodes whole without error is iconv's reading, byte for byte; a decoder reused after any line
// decodes the next as a fresh one does (no state leaks from line to line).
#include <iconv.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "source/charset.h"

namespace {
constexpr const char* kNames[] = {"latin1", "windows-1252", "iso-8859-15", "koi8-r", "cp1251", "shift_jis",
                                  "euc-jp", "gbk", "gb18030", "big5", "euc-kr", "iso-2022-jp"};
constexpr size_t kCount = sizeof(kNames) / sizeof(kNames[0]);

// iconv's own reading of the whole line, false if it refuses any of it.
bool strict(const char* name, std::string_view line, std::string& out) {
  iconv_t cd = iconv_open("UTF-8", std::string_view(name) == "shift_jis" ? "CP932" : name);
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  std::string in(line);
  out.assign(in.size() * 4 + 8, '\0');
  char* src = in.data();
  char* dst = out.data();
  size_t left = in.size(), room = out.size();
  bool ok = iconv(cd, &src, &left, &dst, &room) != static_cast<size_t>(-1) && left == 0;
  ok = ok && iconv(cd, nullptr, nullptr, &dst, &room) != static_cast<size_t>(-1);
  iconv_close(cd);
  out.resize(out.size() - room);
  return ok;
}
}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static ki::Charset* decoders[kCount] = {};
  const size_t pick = data[0] % kCount;
  if (!decoders[pick]) decoders[pick] = new ki::Charset(kNames[pick]);  // kept: reused across inputs
  std::string_view line(reinterpret_cast<const char*>(data) + 1, size - 1);
  if (line.find('\n') != std::string_view::npos) line = line.substr(0, line.find('\n'));  // the reader cut it there
  const std::string got(decoders[pick]->decode(line));
  if (!simdjson::validate_utf8(got.data(), got.size())) ki::fuzz::die("decoded line is not valid UTF-8", line);
  bool ascii = true;
  for (unsigned char c : line) ascii = ascii && c < 0x80 && c != 0x1b && c != 0x0e && c != 0x0f;
  if (ascii && got != line) ki::fuzz::die("an ASCII line changed", line);
  std::string want;
  if (strict(kNames[pick], line, want) && got != want) ki::fuzz::die("decoded unlike iconv", line);
  ki::Charset fresh(kNames[pick]);
  if (std::string(fresh.decode(line)) != got) ki::fuzz::die("a reused decoder read a line differently", line);
  return 0;
}
