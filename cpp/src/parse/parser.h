// Parser: one log line -> Record. Detects the format per line (format "auto") or takes it
// as given. Never throws on bad input: a failure carries a reason and a column.
#pragma once
#include <memory>
#include <string>
#include <vector>
#include <string_view>

#include "parse/grok.h"
#include "parse/record.h"
#include "source/multiline.h"

namespace simdjson::dom {
class parser;
}

namespace ki {

class TimeFormat;

struct ParserConfig {
  Format format = Format::Unknown;  // Unknown = detect per line
  int default_offset_min = 0;       // zone of timestamps that carry none (apache error, BSD syslog)
  int default_year = 0;             // year of BSD syslog timestamps; 0 = infer from the clock
  // How lines become events (joined by the readers before parsing; the parser sees one event).
  MultilineConfig multiline;
  // Grok patterns: with format auto they are tried first and a line none matches goes on to
  // the built-in formats; with format grok such a line fails.
  GrokConfig grok;
  // Compiled from `grok` by compile_grok(), shared by every Parser made from this config.
  std::shared_ptr<const GrokSet> grok_set;
  std::shared_ptr<const TimeFormat> time_fmt;
};

// Compiles cfg.grok once (no-op when done or when there are no patterns). Throws GrokError
// (invalid pattern, unknown name, unreadable --patterns-dir; the message names the pattern and
// the column or the closest names) or std::invalid_argument (--time-format).
void compile_grok(ParserConfig& cfg);

enum class ParseStatus : uint8_t { Ok, Empty, Failed };

struct ParseError {
  Format format = Format::Unknown;  // the format that was tried
  const char* reason = "";
  size_t column = 0;  // 1-based byte column where parsing stopped
};

// What the per-format parsers share: the config and a place to report failure.
struct ParseContext {
  const ParserConfig& cfg;
  ParseError& err;
  simdjson::dom::parser* json = nullptr;
  int bsd_year(int month, int day) const;

  bool fail(Format f, const char* reason, size_t column) const {
    err.format = f;
    err.reason = reason;
    err.column = column + 1;
    return false;
  }
};

bool parse_apache_access(std::string_view line, const ParseContext& ctx, Record& rec);
bool parse_apache_error(std::string_view line, const ParseContext& ctx, Record& rec);
bool parse_syslog(std::string_view line, const ParseContext& ctx, Record& rec);
bool parse_json_line(std::string_view line, const ParseContext& ctx, Record& rec);
// Grok: Matched fills rec (format grok); NoMatch leaves it for the other formats; Limit fails.
GrokResult parse_grok(std::string_view line, const ParseContext& ctx, GrokMatcher& m, Record& rec, std::string& why);

// Drops a trailing "\n" or "\r\n" (the line end is not part of the line).
inline std::string_view strip_line_end(std::string_view line) {
  if (!line.empty() && line.back() == '\n') line.remove_suffix(1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

class Parser {
 public:
  explicit Parser(ParserConfig cfg = {});
  ~Parser();
  Parser(Parser&&) noexcept;
  Parser& operator=(Parser&&) noexcept;

  // Strips a trailing "\n" / "\r\n" and a leading UTF-8 BOM. Views in rec point into line.
  ParseStatus parse(std::string_view line, Record& rec);
  const ParseError& error() const { return err_; }
  // "apache_combined: expected '\"' before the request at column 41"
  std::string error_message() const;

  // The format a line looks like, from its first bytes (cheap; the parser then validates).
  static Format detect(std::string_view line);
  const ParserConfig& config() const { return cfg_; }

 private:
  ParserConfig cfg_;
  ParseError err_;
  std::unique_ptr<simdjson::dom::parser> json_;
  std::unique_ptr<GrokMatcher> grok_;
  std::string grok_reason_;  // a grok failure's reason (ParseError::reason points here)
};

}  // namespace ki
