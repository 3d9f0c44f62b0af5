// A minimal streaming JSON writer that appends to a std::string. Output is always valid
// UTF-8 JSON: invalid input bytes become U+FFFD, control characters are escaped.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace ki {

// Appends s as a JSON string body (no quotes), escaping and repairing UTF-8.
void append_json_escaped_any(std::string& out, std::string_view s);
// The same; a short value of plain printable ASCII (most keys and many values: "log", "emerg",
// a host name) is appended at once, without a call.
inline void append_json_escaped(std::string& out, std::string_view s) {
  if (s.size() <= 32) {
    unsigned bad = 0;
    for (unsigned char c : s) bad |= (c < 0x20) | (c >= 0x80) | (c == '"') | (c == '\\');
    if (!bad) {
      out.append(s.data(), s.size());
      return;
    }
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
