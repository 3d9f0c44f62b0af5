#include "encode/json_writer.h"

#include <cmath>

#include <charconv>
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>  // 16 bytes at a time on the hot scanning loops
#endif

#include "parse/scan.h"

namespace ki {

namespace {
// 0: copy as is; 1: needs escaping (control, '"', '\\'); 2: start of a multi-byte sequence.
constexpr auto kClass = [] {
  struct T {
    unsigned char v[256];
  } t{};
  for (int c = 0; c < 0x20; ++c) t.v[c] = 1;
  t.v['"'] = 1;
  t.v['\\'] = 1;
  t.v[0x7f] = 0;
  for (int c = 0x80; c < 256; ++c) t.v[c] = 2;
  return t;
}();

// Length of a valid UTF-8 sequence at s[i], 0 if invalid (overlongs, surrogates, > U+10FFFF).
size_t utf8_len(const unsigned char* s, size_t i, size_t n) {
  unsigned c = s[i];
  auto cont = [&](size_t k) { return i + k < n && (s[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return (cont(1) && s[i + 1] >= 0xA0 && cont(2)) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return (cont(1) && cont(2)) ? 3 : 0;
  if (c == 0xED) return (cont(1) && s[i + 1] < 0xA0 && cont(2)) ? 3 : 0;
  if (c == 0xF0) return (cont(1) && s[i + 1] >= 0x90 && cont(2) && cont(3)) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return (cont(1) && cont(2) && cont(3)) ? 4 : 0;
  if (c == 0xF4) return (cont(1) && s[i + 1] < 0x90 && cont(2) && cont(3)) ? 4 : 0;
  return 0;
}
}  // namespace

namespace {
// Where the escaper writes: a std::string, or room reserved at a pointer.
struct StringSink {
  std::string& out;
  void put(const char* p, size_t n) { out.append(p, n); }
};
struct PtrSink {
  char* w;
  void put(const char* p, size_t n) {
    std::memcpy(w, p, n);
    w += n;
  }
};

template <class Sink>
void escape_into(Sink& out, std::string_view sv) {
  const auto* s = reinterpret_cast<const unsigned char*>(sv.data());
  const size_t n = sv.size();
  size_t run = 0;  // start of the pending run of plain bytes
  size_t i = 0;
#if defined(__SSE2__)
  const __m128i lo = _mm_set1_epi8(0x1f), q = _mm_set1_epi8('"'), bs = _mm_set1_epi8('\\');
#endif
  while (i < n) {
#if defined(__SSE2__)
    // 16 plain printable ASCII bytes at a time (no control, '"', '\\', >= 0x80).
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      // signed compare: bytes >= 0x80 are negative, so v <= 0x1f catches them too
      __m128i bad = _mm_or_si128(_mm_cmpgt_epi8(_mm_add_epi8(lo, _mm_set1_epi8(1)), v),
                                 _mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, bs)));
      unsigned m = static_cast<unsigned>(_mm_movemask_epi8(bad));
      if (m == 0) { i += 16; continue; }
      i += static_cast<size_t>(__builtin_ctz(m));
      break;
    }
    if (i >= n) break;
#endif
    unsigned char cls = kClass.v[s[i]];
    if (cls == 0) {
      ++i;
      continue;
    }
    if (cls == 2) {
      size_t len = utf8_len(s, i, n);
      if (len) {
        i += len;
        continue;
      }
    }
    out.put(sv.data() + run, i - run);
    unsigned char c = s[i];
    if (cls == 2) {
      out.put("\xEF\xBF\xBD", 3);  // U+FFFD for an invalid byte
    } else {
      switch (c) {
        case '"': out.put("\\\"", 2); break;
        case '\\': out.put("\\\\", 2); break;
        case '\n': out.put("\\n", 2); break;
        case '\r': out.put("\\r", 2); break;
        case '\t': out.put("\\t", 2); break;
        case '\b': out.put("\\b", 2); break;
        case '\f': out.put("\\f", 2); break;
        default: {
          static const char hex[] = "0123456789abcdef";
          char u[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
          out.put(u, 6);
        }
      }
    }
    ++i;
    run = i;
  }
  out.put(sv.data() + run, n - run);
}
}  // namespace

void append_json_escaped_any(std::string& out, std::string_view s) {
  StringSink sink{out};
  escape_into(sink, s);
}

char* write_json_escaped_any(char* w, std::string_view s) {
  PtrSink sink{w};
  escape_into(sink, s);
  return sink.w;
}

bool append_utf8_repaired(std::string& out, std::string_view sv) {
  const auto* s = reinterpret_cast<const unsigned char*>(sv.data());
  const size_t n = sv.size();
  if (scan::is_ascii(sv.data(), n)) {  // the common case for log fields
    out.append(sv);
    return false;
  }
  size_t run = 0, i = 0;
  bool repaired = false;
  while (i < n) {
#if defined(__SSE2__)
    // 16 ASCII bytes at a time: the common case for log fields.
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(s + i));
      if (_mm_movemask_epi8(v)) break;
      i += 16;
    }
#endif
    while (i + 8 <= n) {
      uint64_t w;
      std::memcpy(&w, s + i, 8);
      if (w & 0x8080808080808080ULL) break;
      i += 8;
    }
    if (i >= n) break;
    if (s[i] < 0x80) { ++i; continue; }
    if (size_t len = utf8_len(s, i, n)) { i += len; continue; }
    out.append(sv.data() + run, i - run);
    out.append("\xEF\xBF\xBD", 3);  // U+FFFD for an invalid byte, as in JSON output
    repaired = true;
    run = ++i;
  }
  out.append(sv.data() + run, n - run);
  return repaired;
}

void JsonWriter::integer(int64_t v) {
  comma();
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out_.append(buf, static_cast<size_t>(r.ptr - buf));
}

char* write_double(char* w, double v) {
  auto r = std::to_chars(w, w + kDoubleRoom, v);
  if (std::string_view(w, static_cast<size_t>(r.ptr - w)).find_first_of(".e") == std::string_view::npos) {
    if (std::fabs(v) < 1e16) {
      *r.ptr++ = '.';
      *r.ptr++ = '0';
    } else {
      r = std::to_chars(w, w + kDoubleRoom, v, std::chars_format::scientific);
    }
  }
  return r.ptr;
}

void append_double(std::string& out, double v) {
  char b[kDoubleRoom];
  out.append(b, static_cast<size_t>(write_double(b, v) - b));
}

// RFC 8259 number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && s[i] == '-') ++i;
  if (i >= n) return false;
  if (s[i] == '0') ++i;
  else if (s[i] >= '1' && s[i] <= '9') while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
  else return false;
  if (i < n && s[i] == '.') {
    size_t st = ++i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == st) return false;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t st = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == st) return false;
  }
  return i == n;
}

}  // namespace ki
