// A minimal streaming JSON writer that appends to a std::string. Output is always valid
// UTF-8 JSON: invalid input bytes become U+FFFD, control characters are escaped.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace ki {

// Appends s as a JSON string body (no quotes), escaping and repairing UTF-8.
void append_json_escaped_any(std::string& out, std::string_view s);
#if defined(__SSE2__)
// The bytes of v that JSON must escape or that may start a UTF-8 sequence (control, '"', '\\',
// >= 0x80), one bit each. Signed compare: bytes >= 0x80 are negative, so v < 0x20 catches them.
inline unsigned json_special_bits(__m128i v) {
  const __m128i esc = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')), _mm_cmpeq_epi8(v, _mm_set1_epi8('\\')));
  return static_cast<unsigned>(_mm_movemask_epi8(_mm_or_si128(_mm_cmplt_epi8(v, _mm_set1_epi8(0x20)), esc)));
}
// 4 to 15 bytes at p as two overlapping words a and b, in one vector (the unused half blanks).
inline __m128i load_4_to_15(const char* p, size_t n, int64_t& a, int64_t& b) {
  if (n >= 8) {
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + n - 8, 8);
    return _mm_set_epi64x(b, a);
  }
  uint32_t x, y;
  std::memcpy(&x, p, 4);
  std::memcpy(&y, p + n - 4, 4);
  a = x, b = y;
  return _mm_set_epi64x(0x2020202020202020, static_cast<int64_t>(x | static_cast<uint64_t>(y) << 32));
}
#endif

// True if the n <= 32 bytes at p are plain printable ASCII (no control, '"', '\\', >= 0x80),
// checked 16 bytes at a time with overlapping loads (a byte loop cost 9 instructions a byte).
inline bool plain_short(const char* p, size_t n) {
#if defined(__SSE2__)
  if (n >= 16)
    return !(json_special_bits(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))) |
             json_special_bits(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16))));
  int64_t a, b;
  if (n >= 4) return !json_special_bits(load_4_to_15(p, n, a, b));
#endif
  unsigned any = 0;
  for (size_t i = 0; i < n; ++i) {
    const unsigned char c = static_cast<unsigned char>(p[i]);
    any |= (c < 0x20) | (c >= 0x80) | (c == '"') | (c == '\\');
  }
  return !any;
}

// As append_json_escaped_any, written at w (room for 6 bytes a byte, the longest escape);
// returns the end.
char* write_json_escaped_any(char* w, std::string_view s);
// The same; a value of up to 32 plain printable ASCII bytes is checked and copied with the same
// loads (no call).
inline char* write_json_escaped(char* w, std::string_view s) {
  const char* p = s.data();
  const size_t n = s.size();
#if defined(__SSE2__)
  if (n >= 16 && n <= 32) {
    const __m128i x = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i y = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + n - 16));
    if (!(json_special_bits(x) | json_special_bits(y))) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(w), x);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(w + n - 16), y);
      return w + n;
    }
  } else if (n >= 4 && n < 16) {
    int64_t a, b;
    if (!json_special_bits(load_4_to_15(p, n, a, b))) {
      if (n >= 8) {
        std::memcpy(w, &a, 8);
        std::memcpy(w + n - 8, &b, 8);
      } else {
        const auto x = static_cast<uint32_t>(a), y = static_cast<uint32_t>(b);
        std::memcpy(w, &x, 4);
        std::memcpy(w + n - 4, &y, 4);
      }
      return w + n;
    }
  }
#endif
  if (n < 4 && plain_short(p, n)) {
    for (size_t i = 0; i < n; ++i) w[i] = p[i];
    return w + n;
  }
  return write_json_escaped_any(w, s);
}

// The same as append_json_escaped_any; a short value of plain printable ASCII (most keys and many
// values: "log", "emerg", a host name) is appended at once, without a call.
inline void append_json_escaped(std::string& out, std::string_view s) {
  if (s.size() <= 32 && plain_short(s.data(), s.size())) {
    out.append(s.data(), s.size());
    return;
  }
  append_json_escaped_any(out, s);
}

// Appends s with each invalid UTF-8 byte replaced by U+FFFD (what the JSON output shows);
// true if anything was replaced.
bool append_utf8_repaired(std::string& out, std::string_view s);

// RFC 8259 number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
bool is_json_number(std::string_view s);

// A finite double in its shortest form, always read back as a double: a whole number gets
// ".0" (5.0, -0.0) or an exponent (1.5107222222222223e+20), never 21 bare digits that a reader
// takes for an integer (beyond int64: refused by Elasticsearch for a long, or by the reader).
void append_double(std::string& out, double v);
// The same at w (room for kDoubleRoom bytes); returns the end.
constexpr size_t kDoubleRoom = 40;
char* write_double(char* w, double v);

class JsonWriter {
 public:
  explicit JsonWriter(std::string& out) : out_(out) {}

  void begin_object() {
    comma();
    out_.push_back('{');
    push();
  }
  void begin_object(std::string_view key) {
    this->key(key);
    after_key_ = false;
    out_.push_back('{');
    push();
  }
  void end_object() {
    out_.push_back('}');
    --depth_;
  }
  void key(std::string_view k) {
    open_key();
    out_.append(k);  // keys are our own ASCII names; other text goes through escaped_key
    close_key();
  }
  void escaped_key(std::string_view k) {
    open_key();
    append_json_escaped(out_, k);
    close_key();
  }
  void string(std::string_view v) {
    comma();
    out_.push_back('"');
    append_json_escaped(out_, v);
    out_.push_back('"');
  }
  void integer(int64_t v);
  void boolean(bool v) {
    comma();
    out_.append(v ? "true" : "false");
  }
  void null() {
    comma();
    out_.append("null");
  }
  // key + value in one call
  void field(std::string_view k, std::string_view v) { key(k), string(v); }
  void field(std::string_view k, int64_t v) { key(k), integer(v); }
  void field_bool(std::string_view k, bool v) { key(k), boolean(v); }
  // "obj": {"k": v}, an object holding one field
  template <class V>
  void object_field(std::string_view obj, std::string_view k, V v) {
    begin_object(obj);
    field(k, v);
    end_object();
  }

  // For a value the caller appends itself (e.g. a timestamp written in place).
  std::string& raw_value() {
    comma();
    return out_;
  }

 private:
  void open_key() {
    comma();
    out_.push_back('"');
  }
  void close_key() {
    out_.append("\":", 2);
    after_key_ = true;
  }
  void push() {
    first_[++depth_] = true;
  }
  void comma() {
    if (after_key_) {
      after_key_ = false;
      return;
    }
    if (depth_ >= 0) {
      if (!first_[depth_]) out_.push_back(',');
      first_[depth_] = false;
    }
  }
  std::string& out_;
  bool first_[32] = {};
  int depth_ = -1;
  bool after_key_ = false;
};

}  // namespace ki
