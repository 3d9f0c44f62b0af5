// Multi-line events: consecutive lines joined into one event (a Java or Python stack trace
// under the log line that announced it). Either a line matching `start` begins an event and
// every other line continues the one before (--multiline-start), or, for the presets, a line
// matching the preset's continuation pattern continues it and every other line begins one.
// Events are bounded by max_lines and max_bytes: the line that would pass a bound begins the
// next event, so nothing is dropped. Line numbers of the first and last line are kept, which
// keeps --resume checkpoints exact (an event counts as sent once its last line is).
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace ki {

class GrokMatcher;

struct MultilineConfig {
  std::string start;   // PCRE2 regex (grok %{NAME} allowed); "" and no preset: one line per event
  std::string preset;  // "java" | "python" | "go" | "node" | "rust" | "elixir" | "mysql" | "json" | "apt" (a continuation pattern each); "" = none
  uint32_t max_lines = 500;
  uint32_t max_bytes = 1u << 20;
  int flush_ms = 1000;  // --follow: a pending event is complete after this long with no new line
  bool enabled() const { return !start.empty() || !preset.empty(); }
};

// The continuation patterns of the presets; nullptr if `name` is not one.
const char* multiline_preset(std::string_view name);

struct MultilineEvent {
  std::string_view text;  // lines joined with '\n' (no trailing line end)
  uint64_t first_line = 0, last_line = 0;
  uint32_t lines = 0;
  uint64_t bytes = 0;      // input bytes of all its lines, with their line ends
  bool truncated = false;  // a line of it was cut at the reader's limit
  bool capped = false;     // ended by max_lines / max_bytes, not by the next event's start
  uint64_t offset = 0;     // byte offset of its first line in its file (the event id's offset)
  int64_t read_ms = 0;     // when its last line was read (ki.ts)
};

class MultilineJoiner {
 public:
  // Throws GrokError (--multiline-start invalid) or std::invalid_argument (unknown preset).
  explicit MultilineJoiner(const MultilineConfig& cfg);
  ~MultilineJoiner();
  MultilineJoiner(MultilineJoiner&&) noexcept;
  // One line (without its line end). True when it completed the event before it: event() holds
  // that one until the next call. Off (no pattern): every line is its own event, and event().text
  // is `line` itself (no copy).
  // offset / read_ms: the line's byte offset and read time, kept for the event (first / last line).
  bool push(std::string_view line, uint64_t line_no, bool truncated = false, uint64_t offset = 0,
            int64_t read_ms = 0);
  // End of input, or the flush timeout: the pending event (if any) becomes event(). True if there was one.
  bool flush();
  bool pending() const { return cur_.lines > 0; }
  const MultilineEvent& event() const { return ev_; }

 private:
  bool starts_event(std::string_view line);
  void begin(std::string_view line, uint64_t line_no, bool truncated, uint64_t offset, int64_t read_ms);
  void complete(bool capped);

  MultilineConfig cfg_;
  std::unique_ptr<GrokMatcher> matcher_;
  bool match_starts_ = true;  // true: the pattern marks starts; false: continuations
  bool python_ = false, node_ = false, java_ = false, rust_ = false, elixir_ = false, mysql_ = false, json_ = false;  // the preset's rules beyond its pattern (see starts_event)
  struct Pending {
    std::string text;
    uint64_t first = 0, last = 0;
    uint32_t lines = 0;
    uint64_t bytes = 0;
    bool truncated = false;
    uint64_t offset = 0;
    int64_t read_ms = 0;
    bool traceback = false;      // python: a line of it is "Traceback (most recent call last):"
    bool last_indented = false;  // its last line starts with a blank
    int node_report = 0;         // node: 1 after a location line, 2 after its source line, 3 past the error line
    bool js_message = false;     // node: an error's message goes on below its line (see note)
    bool open_message = false;   // java: the first line ends where its message would start (see opens_message)
    bool rust_message = false;   // rust: a panic's message goes on below its first line
    bool in_json = false;        // json: the event starts with '{' or '['
    int json_depth = 0;          // json: its brackets open so far
  } cur_;
  void note(std::string_view line);
  std::string out_;
  MultilineEvent ev_;
};

}  // namespace ki
