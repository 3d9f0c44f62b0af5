#include "elasticsearch/index_name.h"

#include <stdexcept>

#include "elasticsearch/bulk.h"

namespace ki::es {

namespace {
// Length of the valid UTF-8 sequence at s[i], 0 if invalid.
size_t utf8_len(std::string_view s, size_t i) {
  auto b = [&](size_t k) { return static_cast<unsigned char>(s[i + k]); };
  auto cont = [&](size_t k) { return i + k < s.size() && (b(k) & 0xC0) == 0x80; };
  unsigned c = b(0);
  if (c < 0x80) return 1;
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1) && b(1) >= 0xA0 && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1) && b(1) < 0xA0 && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1) && b(1) >= 0x90 && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1) && b(1) < 0x90 && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

std::string quoted(std::string_view name) {
  std::string q = "'";
  for (unsigned char c : name.substr(0, 80)) {
    if (c < 0x20 || c == 0x7f) {
      static const char hex[] = "0123456789abcdef";
      q += "\\x";
      q += hex[c >> 4];
      q += hex[c & 15];
    } else {
      q += static_cast<char>(c);
    }
  }
  if (name.size() > 80) q += "...";
  return q + "'";
}
}  // namespace

std::string index_name_error(std::string_view name) {
  const std::string pre = "index name " + quoted(name) + " ";
  if (name.empty()) return "index name must not be empty";
  if (name == "." || name == "..") return pre + "must not be '.' or '..'";
  if (name.size() > 255) return pre + "is longer than 255 bytes";
  if (name[0] == '-' || name[0] == '_' || name[0] == '+') return pre + "must not start with '-', '_' or '+'";
  for (size_t i = 0; i < name.size();) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (c >= 'A' && c <= 'Z') return pre + "must be lowercase";
    if (c < 0x20 || c == 0x7f) return pre + "must not contain control characters";
    switch (c) {
      case '\\': case '/': case '*': case '?': case '"': case '<': case '>': case '|': case ',': case '#':
      case ':': case ' ':
        return pre + "must not contain '" + std::string(1, static_cast<char>(c)) +
               "' (nor any of \\ / * ? \" < > | , # : or a space)";
      case '%': return pre + "must not contain '%'";
      default: break;
    }
    size_t len = utf8_len(name, i);
    if (len == 0) return pre + "is not valid UTF-8";
    // Non-ASCII upper case is left to Elasticsearch (it answers invalid_index_name_exception).
    i += len;
  }
  return "";
}

std::string index_pattern_error(std::string_view pattern) {
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%') continue;
    char d = i + 1 < pattern.size() ? pattern[i + 1] : '\0';
    if (d != 'Y' && d != 'm' && d != 'd')
      return "index pattern " + quoted(pattern) + ": only %Y, %m and %d may follow '%' (at byte " +
             std::to_string(i + 1) + ")";
    ++i;
  }
  // The names a valid pattern makes differ only in digits: one sample date checks them all.
  std::string sample = index_for(pattern, 1700000000000);  // 2023-11-14
  std::string e = index_name_error(sample);
  if (!e.empty() && sample != pattern) e = "index pattern " + quoted(pattern) + " makes an invalid name: " + e;
  return e;
}

void validate_index_pattern(std::string_view pattern) {
  std::string e = index_pattern_error(pattern);
  if (!e.empty()) throw std::invalid_argument(e);
}

}  // namespace ki::es
