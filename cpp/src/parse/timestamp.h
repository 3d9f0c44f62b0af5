// Timestamp layouts the parsers meet. Each returns the number of bytes consumed, 0 on error.
#pragma once
#include <cstddef>
#include <cstring>
#include <string_view>

#include "parse/record.h"

namespace ki {

// 02/Jan/2006:15:04:05 -0700 (Apache %t without brackets).
size_t parse_apache_time(const char* p, size_t n, Timestamp& ts);
// parse_apache_time remembering the last minute it read: the lines of one minute (most lines of
// a busy log) differ from it only in their seconds, and only those are read again.
class ApacheTimeCache {
 public:
  size_t parse(const char* p, size_t n, Timestamp& ts) {
    // The minute ("02/Jan/2006:15:04:") and the zone (" -0700") as last time: the seconds decide.
    if (n >= 26 && filled_ && std::memcmp(p, key_, 18) == 0 && std::memcmp(p + 20, key_ + 20, 6) == 0) {
      const unsigned tens = static_cast<unsigned char>(p[18]) - '0', ones = static_cast<unsigned char>(p[19]) - '0';
      if (tens <= 9 && ones <= 9 && tens * 10 + ones <= 60) {  // set_civil's bound
        ts = minute_;
        ts.epoch_sec += tens * 10 + ones;
        return 26;
      }
    }
    const size_t used = parse_apache_time(p, n, ts);
    filled_ = used == 26 && p[20] == ' ';  // (a fraction is not remembered)
    if (filled_) {
      std::memcpy(key_, p, 26);
      minute_ = ts;
      minute_.epoch_sec -= (p[18] - '0') * 10 + (p[19] - '0');
    }
    return used;
  }

 private:
  bool filled_ = false;
  char key_[26] = {};
  Timestamp minute_;  // the time at second 0 of the minute remembered
};
// 06/Oct/2026 16:28:29 (Python's http.server and Werkzeug write Apache's layout so, without a
// zone): at default_offset_min. Bytes used, 0 if none.
size_t parse_apache_time_no_zone(const char* p, size_t n, int default_offset_min, Timestamp& ts);
// Mon Jan 02 15:04:05[.ffffff] 2006 (Apache error log); the wall clock is at default_offset_min.
size_t parse_ctime(const char* p, size_t n, int default_offset_min, Timestamp& ts);
// Jan 02 15:04:05 or Jan  2 15:04:05 (BSD syslog: no year, no zone).
size_t parse_bsd_time(const char* p, size_t n, int year, int default_offset_min, Timestamp& ts);
// 2006-01-02T15:04:05[.f{1,9}](Z|+hh:mm|-hh:mm) (RFC 3339 / RFC 5424).
size_t parse_iso8601(const char* p, size_t n, Timestamp& ts);
// The general parser the formats with no fixed schema use (app JSON, logfmt, grok):
// 2006-01-02T15:04:05.123Z with 'T' or ' ', '.' or ',' fractions of any precision (first 9
// digits kept), Z / +01:00 / +0100 / +01 / no zone (= default_offset_min), seconds optional;
// epoch seconds, ms, us or ns as digits (unit from the magnitude), optionally with a fraction
// ("1700000000.123456", zap); Apache's 02/Jan/2006:15:04:05 -0700 (bracketed or not).
// True only when the whole text is one time.
bool parse_time_text(std::string_view s, int default_offset_min, Timestamp& ts);
// Epoch number as written (JSON number token or digits): unit from the magnitude as above.
bool time_from_epoch_text(std::string_view digits, Timestamp& ts);
// ISO 8601 as in parse_time_text; bytes consumed, 0 on error. zone_bytes, if given: how many of
// them are the zone (with the blank before "+0100"; 0: none written, default_offset_min used).
size_t parse_iso8601_lenient(const char* p, size_t n, int default_offset_min, Timestamp& ts,
                             size_t* zone_bytes = nullptr);

// A time of day without a date (logback's and log4j 2's default layouts write "HH:mm:ss.SSS"):
// seconds_of_day on the day that puts it in the 24 hours before `now` (epoch seconds), or up to
// kDaylessAhead after it, wall clock at offset_min. Lines read within 21 hours of being written get
// their own day (today's file read in the evening, yesterday's late lines read after midnight); a
// --tz up to 3 hours west of the lines' zone makes them look ahead, and they stay on their day.
inline constexpr int64_t kDaylessAhead = 3 * 3600;
int64_t place_time_of_day(int64_t seconds_of_day, int offset_min, int64_t now);
// HH:MM:SS with an optional '.' or ',' fraction (1..9 digits kept), the whole text: on the day
// place_time_of_day gives it by the clock, at default_offset_min. False if it is no such time.
bool parse_time_of_day(std::string_view s, int default_offset_min, Timestamp& ts);

// Now (UTC, milliseconds): the time a line without one was read (event.ingested).
Timestamp read_time();

// Fills epoch_sec from wall-clock fields at ts.offset_min; false if a field is out of range.
bool set_civil(Timestamp& ts, int year, int month, int day, int hour, int minute, int second);

}  // namespace ki
