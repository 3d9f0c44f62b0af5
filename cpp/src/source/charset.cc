#include "source/charset.h"

#include <iconv.h>

#include "parse/scan.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ki {

namespace {
iconv_t to_iconv(void* cd) { return static_cast<iconv_t>(cd); }

// "UTF-8", "utf_8", "Utf8" -> "utf8": names compared without case, '-', '_' or spaces.
std::string squeeze(std::string_view name) {
  std::string s;
  for (char c : name)
    if (c != '-' && c != '_' && c != ' ') s += static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return s;
}

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// The name iconv is asked for. glibc's SHIFT_JIS is JIS X 0201's, '\\' and '~' there being '¥'
// and '‾'; files called Shift_JIS are Windows' (and Python's, Java's): ASCII, with Windows'
// extensions. The WHATWG Encoding Standard (browsers, Vector's encoding_rs) reads them the same.
std::string iconv_name(const std::string& name) {
  const std::string s = squeeze(name);
  if (s == "shiftjis" || s == "sjis" || s == "mskanji" || s == "csshiftjis" || s == "xsjis") return "CP932";
  return name;
}
}  // namespace

Encoding encoding_kind(std::string_view name) {
  const std::string s = squeeze(name);
  if (s.empty() || s == "utf8") return Encoding::Utf8;
  if (s == "utf16le") return Encoding::Utf16Le;
  if (s == "utf16be") return Encoding::Utf16Be;
  if (s == "utf16") return Encoding::Utf16;
  return Encoding::Other;
}

void check_encoding(const std::string& name) {
  if (encoding_kind(name) == Encoding::Other) Charset check(name);
}

Charset::Charset(const std::string& name) : name_(name), cd_(iconv_open("UTF-8", iconv_name(name).c_str())) {
  if (cd_ == reinterpret_cast<void*>(-1))
    throw std::invalid_argument("unknown encoding '" + name + "': iconv does not know it (`iconv -l` lists the names, "
                                "e.g. latin1, windows-1252, shift_jis, gbk)");
  // What each byte is on its own: a character (one-byte charset), none (EILSEQ), or the start of a
  // longer sequence (EINVAL: a multi-byte charset, or a shift sequence of a stateful one).
  one_byte_ = true;
  for (int b = 0; b < 256; ++b) {
    char c = static_cast<char>(b), buf[8];
    char* src = &c;
    char* dst = buf;
    size_t left = 1, room = sizeof buf;
    iconv(to_iconv(cd_), nullptr, nullptr, nullptr, nullptr);
    const size_t n = iconv(to_iconv(cd_), &src, &left, &dst, &room);
    const size_t len = sizeof buf - room;
    if (n == static_cast<size_t>(-1) && errno == EINVAL) {
      one_byte_ = false;
      if (b == 0x1b || b == 0x0e || b == 0x0f) stateful_ = true;
    } else if (n != static_cast<size_t>(-1) && len >= 1 && len <= 3) {
      table_[static_cast<size_t>(b)][0] = static_cast<char>(len);
      std::memcpy(&table_[static_cast<size_t>(b)][1], buf, len);
    } else if (n != static_cast<size_t>(-1) && len != 0) {
      one_byte_ = false;  // (a byte of more than one BMP character: leave it to iconv)
    }
  }
  // Lines are cut at their '\n' byte before they are decoded, and ASCII lines are passed as they
  // are: the charset must write every ASCII character as that one byte.
  for (int b = 0; b < 127; ++b) {
    if (b < ' ' && b != '\t' && b != '\n' && b != '\r') continue;
    const std::array<char, 4>& t = table_[static_cast<size_t>(b)];
    if (t[0] != 1 || t[1] != static_cast<char>(b)) {
      iconv_close(to_iconv(cd_));
      throw std::invalid_argument("encoding '" + name + "' cannot be read line by line: it does not write ASCII as "
                                  "one byte each (UTF-16 is read as utf-16, utf-16le or utf-16be; convert other such "
                                  "files with iconv first)");
    }
  }
}

Charset::~Charset() { iconv_close(to_iconv(cd_)); }

std::string_view Charset::decode(std::string_view line) {
  // ASCII (without the shift bytes of a stateful charset: ESC of ISO-2022, SO / SI) is itself.
  if (scan::is_ascii(line.data(), line.size()) &&
      (!stateful_ || line.find_first_of("\x1b\x0e\x0f") == std::string_view::npos))
    return line;
  if (one_byte_) {
    if (out_.size() < line.size() * 3) out_.resize(line.size() * 3);
    char* o = out_.data();
    for (char ch : line) {
      if (static_cast<unsigned char>(ch) < 0x80) {  // (every charset here has ASCII as itself)
        *o++ = ch;
        continue;
      }
      const std::array<char, 4>& t = table_[static_cast<unsigned char>(ch)];
      if (t[0] == 0) {  // a byte the charset does not have
        std::memcpy(o, kReplacement, 3);
        o += 3;
        ++replaced_;
        continue;
      }
      std::memcpy(o, &t[1], 3);  // (all three: the next writes past what is not this one's)
      o += t[0];
    }
    return {out_.data(), static_cast<size_t>(o - out_.data())};
  }
  size_t i = 0;
  while (i < line.size()) {
    const auto c = static_cast<unsigned char>(line[i]);
    if (c >= 0x80 || c == 0x1b || c == 0x0e || c == 0x0f) break;
    ++i;
  }
  iconv_t cd = to_iconv(cd_);
  iconv(cd, nullptr, nullptr, nullptr, nullptr);  // each line starts in the initial shift state
  if (out_.size() < line.size() * 3 + 8) out_.resize(line.size() * 3 + 8);
  std::memcpy(out_.data(), line.data(), i);
  char* in = const_cast<char*>(line.data()) + i;
  size_t in_left = line.size() - i, used = i;
  while (in_left > 0) {
    char* o = out_.data() + used;
    size_t out_left = out_.size() - used;
    const size_t r = iconv(cd, &in, &in_left, &o, &out_left);
    used = static_cast<size_t>(o - out_.data());
    if (r != static_cast<size_t>(-1)) break;
    const int err = errno;
    if (err == E2BIG) {
      out_.resize(out_.size() * 2);
      continue;
    }
    if (out_.size() - used < 3) out_.resize(out_.size() * 2);
    std::memcpy(out_.data() + used, kReplacement, 3);
    used += 3;
    ++replaced_;
    if (err == EINVAL) break;  // a sequence the line's end cut short: one U+FFFD for it
    ++in, --in_left;           // EILSEQ: a byte the charset does not have here
    iconv(cd, nullptr, nullptr, nullptr, nullptr);
  }
  return {out_.data(), used};
}

}  // namespace ki
