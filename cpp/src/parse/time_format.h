// --time-format: strptime-style layouts for timestamps no built-in parser knows.
// Directives: %Y %y %m %d %e %H %I %M %S %f (fraction, 1-9 digits) %L (milliseconds, 1-3 digits,
// a count: Java's S) %p %b %h %B %a %A
// %z (Z, +hh, +hhmm, +hh:mm) %Z (UTC, GMT, Z) %s (epoch seconds) %j %T %F %%; a run of S after
// '.' or ',' (Java's ",SSS") is a fraction too. A space matches any run of blanks.
#pragma once
#include <climits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/record.h"

namespace ki {

class TimeFormat {
 public:
  // Throws std::invalid_argument naming the directive that is not supported.
  explicit TimeFormat(std::string format);
  // The whole of `text` must match. A time without a zone is at default_offset_min; without
  // a year, default_year (0: the current UTC year); without a date at all ("%H:%M:%S"), the day
  // the clock gives (place_time_of_day).
  bool parse(std::string_view text, int default_offset_min, int default_year, Timestamp& ts) const;
  const std::string& format() const { return format_; }

 private:
  struct Token {
    char directive;  // 0: literal, ' ': blanks
    std::string literal;
  };
  std::string format_;
  std::vector<Token> tokens_;
  bool dateless_ = false;
};

// A zone abbreviation as servers print it ("UTC", "CEST", "PDT", "JST", …): its offset in
// minutes; kAmbiguousZone for CST and IST, which name more than one zone (read in --tz);
// nullopt for a name we do not know.
inline constexpr int kAmbiguousZone = INT_MIN;
std::optional<int> zone_abbreviation(std::string_view name);
// A zone word written after a time: "+hh", "+hhmm", "+hh:mm" or a name zone_abbreviation knows.
// Its offset in minutes (an ambiguous name: default_offset_min); nullopt for any other word.
std::optional<int> zone_word_offset(std::string_view word, int default_offset_min);

}  // namespace ki
