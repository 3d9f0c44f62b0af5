// Calendar arithmetic and fixed-width number helpers shared by parsers and encoders.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace ki {

// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
int64_t days_from_civil(int64_t y, unsigned m, unsigned d);
void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d);

// "Jan".."Dec" -> 1..12, 0 if not a month abbreviation (case-sensitive, as servers write it).
int month_from_abbrev(const char* p);
// The same, also in capitals ("AUG"): some network devices write BSD syslog times so.
int month_from_abbrev_or_caps(const char* p);
extern const char* const kMonthAbbrev[12];

// Parses exactly n ASCII digits at p; returns -1 if any is not a digit.
inline int parse_fixed(const char* p, int n) {
  int v = 0;
  for (int i = 0; i < n; ++i) {
    unsigned c = static_cast<unsigned char>(p[i]) - '0';
    if (c > 9) return -1;
    v = v * 10 + static_cast<int>(c);
  }
  return v;
}

// Appends v zero-padded to width digits.
void append_padded(std::string& out, int64_t v, int width);
void append_int(std::string& out, int64_t v);

// The current year in UTC (for syslog timestamps that carry no year).
int current_utc_year();

// Wall-clock milliseconds since the epoch (latency stamps).
int64_t wall_ms();

}  // namespace ki
