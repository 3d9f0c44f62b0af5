// Charset: lines written in a legacy character set (Latin-1, Windows-1252, Shift_JIS, GBK, ...)
// decoded to UTF-8 as they are read, with glibc's iconv: what Filebeat's `encoding`, Fluent
// Bit's `Generic.Encoding` and Vector's `encoding.charset` do for their file inputs.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace ki {

class Charset {
 public:
  // `name` as iconv knows it (`iconv -l`): latin1, iso-8859-15, windows-1252, cp1251, shift_jis,
  // cp932, gbk, gb18030, big5, euc-jp, euc-kr, koi8-r, ... Throws std::invalid_argument for a
  // name iconv does not know, and for one that does not write ASCII as itself, a byte each
  // (UTF-16, UTF-32, UTF-7, EBCDIC): lines are found by their '\n' byte before they are decoded.
  explicit Charset(const std::string& name);
  ~Charset();
  Charset(const Charset&) = delete;
  Charset& operator=(const Charset&) = delete;

  // `line` as UTF-8: the line itself when it is ASCII, else its decoding, valid until the next
  // call. A byte sequence the charset does not have becomes U+FFFD (counted in replaced()).
  std::string_view decode(std::string_view line);
  uint64_t replaced() const { return replaced_; }
  const std::string& name() const { return name_; }

 private:
  std::string name_;
  void* cd_;  // iconv_t
  // A charset of one byte a character (Latin-1, Windows-125x, KOI8-R, ...): each byte's UTF-8,
  // asked of iconv once (length 0: a byte it does not have); decoding is then a table walk.
  bool one_byte_ = false;
  std::array<std::array<char, 4>, 256> table_{};
  bool stateful_ = false;  // ESC / SO / SI switch its state (ISO-2022): such lines go to iconv
  std::string out_;
  uint64_t replaced_ = 0;
};

// How a reader treats `encoding`: "" or a name of UTF-8 itself: as written (invalid bytes become
// U+FFFD where documents are written); a UTF-16 name: the reader's own UTF-16 decoding (1
// little-endian, 2 big-endian, 3 by the byte-order mark, else little-endian); else a Charset.
enum class Encoding { Utf8, Utf16Le, Utf16Be, Utf16, Other };
Encoding encoding_kind(std::string_view name);
inline bool is_utf16(std::string_view name) {
  const Encoding k = encoding_kind(name);
  return k == Encoding::Utf16Le || k == Encoding::Utf16Be || k == Encoding::Utf16;
}

// Throws std::invalid_argument if `name` is neither UTF-8, UTF-16 nor a Charset (the message names
// it and says where the names come from); nothing if it is fine. For options, before any file opens.
void check_encoding(const std::string& name);

}  // namespace ki
