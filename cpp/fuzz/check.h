// What every fuzz target asserts about a JSON document we produced: valid UTF-8, valid JSON (RFC
// 8259, numbers of any size), an object, and no object with a repeated key (a repeated or extra key is what field injection
// looks like). A violation aborts, so libFuzzer records the input as a crash.
#pragma once
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace ki::fuzz {

[[noreturn]] inline void die(const char* what, std::string_view doc) {
  std::fprintf(stderr, "fuzz check failed: %s\n  document: %.*s\n", what, static_cast<int>(doc.size()), doc.data());
  std::abort();
}

// A strict RFC 8259 reader of our own, independent of simdjson (which the code under test uses):
// numbers of any size are JSON (simdjson's DOM parser refuses 1e400 or 2^70 inside an array we
// keep as written); keys are compared after unescaping, so "a" and "\u0061" are one key.
class Strict {
 public:
  explicit Strict(std::string_view doc) : s_(doc) {}
  // "" if doc is one JSON object with no repeated key, else what is wrong.
  const char* check() {
    ws();
    if (i_ >= s_.size() || s_[i_] != '{') return "not a JSON object";
    if (!value(0)) return why_;
    ws();
    return i_ == s_.size() ? "" : "text after the value";
  }

 private:
  bool fail(const char* why) {
    why_ = why;
    return false;
  }
  void ws() {
    while (i_ < s_.size() && (s_[i_] == ' ' || s_[i_] == '\t' || s_[i_] == '\n' || s_[i_] == '\r')) ++i_;
  }
  bool lit(std::string_view w) {
    if (s_.substr(i_, w.size()) != w) return fail("not valid JSON");
    i_ += w.size();
    return true;
  }
  static int hex(char c) {
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
  }
  bool u4(unsigned& cp) {
    if (i_ + 4 > s_.size()) return fail("not valid JSON");
    cp = 0;
    for (int k = 0; k < 4; ++k) {
      int h = hex(s_[i_++]);
      if (h < 0) return fail("not valid JSON");
      cp = cp * 16 + static_cast<unsigned>(h);
    }
    return true;
  }
  bool string(std::string& out) {  // at the opening quote
    ++i_;
    out.clear();
    while (true) {
      if (i_ >= s_.size()) return fail("not valid JSON");
      unsigned char c = static_cast<unsigned char>(s_[i_++]);
      if (c == '"') return true;
      if (c < 0x20) return fail("not valid JSON");
      if (c != '\\') {
        out += static_cast<char>(c);
        continue;
      }
      if (i_ >= s_.size()) return fail("not valid JSON");
      char e = s_[i_++];
      switch (e) {
        case '"': case '\\': case '/': out += e; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          unsigned cp;
          if (!u4(cp)) return false;
          if (cp >= 0xD800 && cp < 0xDC00 && s_.substr(i_, 2) == "\\u") {
            size_t at = i_;
            i_ += 2;
            unsigned lo;
            if (!u4(lo)) return false;
            if (lo >= 0xDC00 && lo < 0xE000) cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            else i_ = at;  // a lone high surrogate, then another escape
          }
          // A lone surrogate: as its own bytes (JSON allows it; only equality matters here).
          if (cp < 0x80) out += static_cast<char>(cp);
          else if (cp < 0x800) out += {static_cast<char>(0xC0 | cp >> 6), static_cast<char>(0x80 | (cp & 63))};
          else if (cp < 0x10000)
            out += {static_cast<char>(0xE0 | cp >> 12), static_cast<char>(0x80 | (cp >> 6 & 63)), static_cast<char>(0x80 | (cp & 63))};
          else
            out += {static_cast<char>(0xF0 | cp >> 18), static_cast<char>(0x80 | (cp >> 12 & 63)),
                    static_cast<char>(0x80 | (cp >> 6 & 63)), static_cast<char>(0x80 | (cp & 63))};
          break;
        }
        default: return fail("not valid JSON");
      }
    }
  }
  bool digits() {
    size_t at = i_;
    while (i_ < s_.size() && s_[i_] >= '0' && s_[i_] <= '9') ++i_;
    return i_ > at || fail("not valid JSON");
  }
  bool number() {
    if (s_[i_] == '-') ++i_;
    if (i_ < s_.size() && s_[i_] == '0') ++i_;
    else if (!digits()) return false;
    if (i_ < s_.size() && s_[i_] == '.' && (++i_, !digits())) return false;
    if (i_ < s_.size() && (s_[i_] == 'e' || s_[i_] == 'E')) {
      ++i_;
      if (i_ < s_.size() && (s_[i_] == '+' || s_[i_] == '-')) ++i_;
      if (!digits()) return false;
    }
    return true;
  }
  bool value(int depth) {
    if (depth > 1000) return fail("nested too deep");
    ws();
    if (i_ >= s_.size()) return fail("not valid JSON");
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      std::set<std::string> keys;
      std::string k;
      ws();
      if (i_ < s_.size() && s_[i_] == '}') return ++i_, true;
      while (true) {
        ws();
        if (i_ >= s_.size() || s_[i_] != '"' || !string(k)) return fail("not valid JSON");
        if (!keys.insert(k).second) return fail("repeated key");
        ws();
        if (!lit(":") || !value(depth + 1)) return false;
        ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        return lit("}");
      }
    }
    if (c == '[') {
      ++i_;
      ws();
      if (i_ < s_.size() && s_[i_] == ']') return ++i_, true;
      while (true) {
        if (!value(depth + 1)) return false;
        ws();
        if (i_ < s_.size() && s_[i_] == ',') { ++i_; continue; }
        return lit("]");
      }
    }
    if (c == '"') {
      std::string v;
      return string(v);
    }
    if (c == '-' || (c >= '0' && c <= '9')) return number();
    if (c == 't') return lit("true");
    if (c == 'f') return lit("false");
    if (c == 'n') return lit("null");
    return fail("not valid JSON");
  }
  std::string_view s_;
  size_t i_ = 0;
  const char* why_ = "not valid JSON";
};

inline void check_document(std::string_view doc) {
  if (!simdjson::validate_utf8(doc.data(), doc.size())) die("not valid UTF-8", doc);
  if (doc.find('\n') != std::string_view::npos) die("raw newline (breaks NDJSON / bulk bodies)", doc);
  if (const char* why = Strict(doc).check(); *why) die(why, doc);
}

}  // namespace ki::fuzz
