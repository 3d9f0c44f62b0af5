// Grok: Logstash's pattern syntax (%{NAME}, %{NAME:field}, %{NAME:field:int|float}, raw regex
// with named groups) compiled to PCRE2 with its JIT. A GrokSet (the --grok patterns, first
// match wins) is immutable and shared by every parser thread; each thread matches with its
// own GrokMatcher (match data, JIT stack). Every match is bounded by PCRE2's match limit.
#pragma once
#include <bitset>
#include <cstdint>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ki {

// Invalid pattern, unknown pattern name, unreadable pattern file: the message names the
// pattern and the position (1-based column) or the closest names. The CLI exits 2 with it.
class GrokError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// Named definitions: NAME -> regex (Logstash's `NAME regex` file format).
class GrokLibrary {
 public:
  // KafkaInsight's own library (python/kafkainsight/patterns/grok-patterns, built in).
  static GrokLibrary builtin();
  static std::string_view builtin_text();
  // Adds every `NAME regex` line; a name defined again replaces the earlier definition.
  // `origin` names the file in errors.
  void add_text(std::string_view text, const std::string& origin);
  void add_file(const std::string& path);
  void add_dir(const std::string& dir);  // every regular file in dir, in name order
  void add(std::string name, std::string regex) { defs_[std::move(name)] = std::move(regex); }
  const std::string* find(std::string_view name) const;
  std::vector<std::string> closest(std::string_view name, size_t n = 3) const;
  size_t size() const { return defs_.size(); }

 private:
  std::map<std::string, std::string, std::less<>> defs_;
};

// What the user gives (--grok, repeatable; --patterns-dir; --time-format).
struct GrokConfig {
  std::vector<std::string> patterns;  // tried in order, first match wins
  std::string patterns_dir;           // more `NAME regex` files (they win over the built-in ones)
  std::string time_format;            // strptime-style layout of the `timestamp` capture ("": known layouts)
};

struct GrokLimits {
  uint32_t match_limit = 1000000;  // backtracking steps per match (PCRE2 match limit)
  uint32_t depth_limit = 10000;    // nested backtracking (interpreter; the JIT uses its stack)
  size_t jit_stack_bytes = 1 << 20;
};

// One capture of a pattern: the field it fills and its type.
struct GrokCapture {
  enum class Type : uint8_t { String, Int, Float };
  std::string field;  // dotted ("log.level"); [a][b] is written as a.b
  Type type = Type::String;
};

// One compiled --grok pattern.
class GrokPattern {
 public:
  // Throws GrokError naming the pattern and the column of the error.
  GrokPattern(std::string pattern, const GrokLibrary& lib);
  ~GrokPattern();
  GrokPattern(const GrokPattern&) = delete;
  GrokPattern& operator=(const GrokPattern&) = delete;
  const std::string& pattern() const { return pattern_; }
  const std::string& regex() const { return regex_; }  // the expanded PCRE2 regex
  const std::vector<GrokCapture>& captures() const { return captures_; }
  // PCRE2 group number -> index into captures() (-1: not a field).
  const std::vector<int>& group_capture() const { return group_capture_; }
  void* code() const { return code_; }  // pcre2_code_8*
  bool jit() const { return jit_; }
  uint32_t max_groups() const { return groups_; }
  // False when no match can start with byte c (an anchored pattern whose first bytes PCRE2 knows).
  bool may_start(unsigned char c) const { return !filtered_ || first_.test(c); }

 private:
  std::string pattern_, regex_;
  std::vector<GrokCapture> captures_;
  std::vector<int> group_capture_;
  void* code_ = nullptr;
  bool jit_ = false;
  uint32_t groups_ = 0;
  std::bitset<256> first_;  // the bytes a match may start with, when filtered_
  bool filtered_ = false;
};

// The --grok patterns of a run, in order (first match wins).
class GrokSet {
 public:
  GrokSet(const std::vector<std::string>& patterns, const GrokLibrary& lib, GrokLimits limits = {});
  const std::vector<std::unique_ptr<GrokPattern>>& patterns() const { return patterns_; }
  const GrokLimits& limits() const { return limits_; }

 private:
  std::vector<std::unique_ptr<GrokPattern>> patterns_;
  GrokLimits limits_;
};

// Builds a GrokSet from --grok patterns, the built-in library and --patterns-dir (may be empty).
std::shared_ptr<const GrokSet> make_grok_set(const std::vector<std::string>& patterns,
                                             const std::string& patterns_dir, GrokLimits limits = {});

// One value a match produced (views into the matched text).
struct GrokValue {
  const GrokCapture* capture;
  std::string_view text;
};

enum class GrokResult : uint8_t { Matched, NoMatch, Limit };

// Per-thread matcher over a shared set.
class GrokMatcher {
 public:
  explicit GrokMatcher(std::shared_ptr<const GrokSet> set);
  ~GrokMatcher();
  GrokMatcher(const GrokMatcher&) = delete;
  GrokMatcher& operator=(const GrokMatcher&) = delete;
  // Tries the patterns in order. Matched: values() and which() and match_end() describe the
  // match. Limit: a pattern hit the match/depth limit or the JIT stack; reason() says which.
  GrokResult match(std::string_view text);
  const std::vector<GrokValue>& values() const { return values_; }
  size_t which() const { return which_; }
  size_t match_end() const { return end_; }  // byte offset where the match ended
  const std::string& reason() const { return reason_; }
  const GrokSet& set() const { return *set_; }

 private:
  std::shared_ptr<const GrokSet> set_;
  void* match_data_ = nullptr;  // pcre2_match_data_8*
  void* match_ctx_ = nullptr;   // pcre2_match_context_8*
  void* jit_stack_ = nullptr;   // pcre2_jit_stack_8*
  std::vector<GrokValue> values_;
  size_t which_ = 0, end_ = 0;
  std::string reason_;
};

}  // namespace ki
