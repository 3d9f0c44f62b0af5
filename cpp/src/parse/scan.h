// Small scanning helpers shared by the line parsers (header-only: they sit on the hot path).
#pragma once
#include <cstdint>
#include <cstring>
#if defined(__SSE2__)
#include <emmintrin.h>  // 16 bytes at a time on the hot scanning loops
#endif
#include <string>
#include <string_view>

namespace ki::scan {

// Unsigned decimal at p[i..n): value into v, returns end index or npos if no digit / overflow.
inline size_t uint_at(const char* p, size_t i, size_t n, int64_t& v) {
  size_t s = i;
  int64_t x = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9') {
    if (i - s >= 18) return std::string_view::npos;
    x = x * 10 + (p[i] - '0');
    ++i;
  }
  if (i == s) return std::string_view::npos;
  v = x;
  return i;
}

// A hex digit's value (either case); -1 if c is none.
inline int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  const char l = static_cast<char>(c | 0x20);
  return l >= 'a' && l <= 'f' ? l - 'a' + 10 : -1;
}

// No byte >= 0x80 in p[0..n): the bytes are valid UTF-8 as they are (one branch, at the end).
inline bool is_ascii(const char* p, size_t n) {
#if defined(__SSE2__)
  if (n >= 16) {
    __m128i acc = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16));
    for (size_t i = 0; i + 16 <= n; i += 16)
      acc = _mm_or_si128(acc, _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i)));
    return _mm_movemask_epi8(acc) == 0;
  }
#endif
  unsigned char acc = 0;
  for (size_t i = 0; i < n; ++i) acc |= static_cast<unsigned char>(p[i]);
  return acc < 0x80;
}

inline size_t find_char(const char* p, size_t i, size_t n, char c) {
  const void* r = i < n ? std::memchr(p + i, c, n - i) : nullptr;
  return r ? static_cast<size_t>(static_cast<const char*>(r) - p) : std::string_view::npos;
}

// A double-quoted field that starts after the opening quote at p[i]. Apache escapes '"' and
// '\' with a backslash; those are unescaped into scratch (other escapes such as \x16 stay as
// written). Returns the index of the closing quote, or npos. high (if given) becomes nonzero when
// a byte >= 0x80 is among those read (maybe some after the field's end): the scan's own loads
// tell whether the field is ASCII, at no extra pass.
inline size_t quoted(const char* p, size_t i, size_t n, std::string& scratch, std::string_view& out,
                     unsigned* high = nullptr) {
  size_t start = i;
  bool escaped = false;
#if defined(__SSE2__)
  {
    const __m128i q = _mm_set1_epi8('"'), b = _mm_set1_epi8('\\');
    while (i + 16 <= n) {
      __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + i));
      if (high) *high |= static_cast<unsigned>(_mm_movemask_epi8(v));
      unsigned m = static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(v, q), _mm_cmpeq_epi8(v, b))));
      if (m == 0) { i += 16; continue; }
      i += static_cast<size_t>(__builtin_ctz(m));
      if (p[i] == '"') break;
      if (i + 1 < n) {
        if (high) *high |= static_cast<unsigned char>(p[i + 1]) & 0x80u;  // (maybe past this block)
        escaped = true;
        i += 2;
        continue;
      }
      break;
    }
  }
#endif
  while (i < n) {
    char c = p[i];
    if (high) *high |= static_cast<unsigned char>(c) & 0x80u;
    if (c == '"') break;
    if (c == '\\' && i + 1 < n) {
      if (high) *high |= static_cast<unsigned char>(p[i + 1]) & 0x80u;
      escaped = true;
      i += 2;
      continue;
    }
    ++i;
  }
  if (i >= n) return std::string_view::npos;
  if (!escaped) {
    out = std::string_view(p + start, i - start);
    return i;
  }
  size_t from = scratch.size();
  for (size_t j = start; j < i; ++j) {
    if (p[j] == '\\' && j + 1 < i && (p[j + 1] == '"' || p[j + 1] == '\\')) ++j;
    scratch.push_back(p[j]);
  }
  out = std::string_view(scratch.data() + from, scratch.size() - from);
  return i;
}

inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// ASCII letters in lower case (field names and keywords; other bytes as they are).
inline std::string lower_ascii(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return out;
}

inline std::string_view nil_to_empty(std::string_view s) { return s == "-" ? std::string_view{} : s; }

}  // namespace ki::scan
