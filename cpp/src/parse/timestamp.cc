#include "parse/timestamp.h"

#include "util/timefmt.h"

namespace ki {

namespace {
constexpr unsigned char kDaysIn[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// Reads ".fffffffff" (1..9 digits) at p; more digits are consumed but ignored.
size_t parse_fraction(const char* p, size_t n, Timestamp& ts) {
  if (n < 2 || p[0] != '.') return 0;
  size_t i = 1;
  uint32_t v = 0;
  uint8_t digits = 0;
  while (i < n && p[i] >= '0' && p[i] <= '9') {
    if (digits < 9) {
      v = v * 10 + static_cast<uint32_t>(p[i] - '0');
      ++digits;
    }
    ++i;
  }
  if (digits == 0) return 0;
  uint32_t scale = 1;
  for (int d = digits; d < 9; ++d) scale *= 10;
  ts.nanos = v * scale;
  ts.frac_digits = digits;
  return i;
}

// The optional ".fff" after the seconds at p[i]: i moves past it; false when it is malformed.
// No fraction leaves the timestamp at whole seconds.
bool optional_fraction(const char* p, size_t n, size_t& i, Timestamp& ts) {
  ts.nanos = 0;
  ts.frac_digits = 0;
  if (i >= n || p[i] != '.') return true;
  size_t f = parse_fraction(p + i, n - i, ts);
  i += f;
  return f != 0;
}
}  // namespace

bool set_civil(Timestamp& ts, int year, int month, int day, int hour, int minute, int second) {
  if (month < 1 || month > 12 || day < 1 || day > kDaysIn[month] || hour < 0 || hour > 23 ||
      minute < 0 || minute > 59 || second < 0 || second > 60)
    return false;
  int64_t days = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  ts.epoch_sec = days * 86400 + hour * 3600 + minute * 60 + second - ts.offset_min * 60;
  ts.valid = true;
  return true;
}

size_t parse_apache_time(const char* p, size_t n, Timestamp& ts) {
  // 02/Jan/2006:15:04:05 -0700
  if (n < 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':' ||
      p[20] != ' ' || (p[21] != '+' && p[21] != '-'))
    return 0;
  int day = parse_fixed(p, 2), month = month_from_abbrev(p + 3), year = parse_fixed(p + 7, 4);
  int hh = parse_fixed(p + 12, 2), mm = parse_fixed(p + 15, 2), ss = parse_fixed(p + 18, 2);
  int oh = parse_fixed(p + 22, 2), om = parse_fixed(p + 24, 2);
  if (day < 0 || year < 0 || oh < 0 || om < 0 || oh > 23 || om > 59) return 0;
  ts.offset_min = static_cast<int16_t>((p[21] == '-' ? -1 : 1) * (oh * 60 + om));
  ts.nanos = 0;
  ts.frac_digits = 0;
  return set_civil(ts, year, month, day, hh, mm, ss) ? 26 : 0;
}

size_t parse_ctime(const char* p, size_t n, int default_offset_min, Timestamp& ts) {
  // Mon Jan 02 15:04:05[.ffffff] 2006 ; the day may be space padded.
  if (n < 24 || p[3] != ' ' || p[7] != ' ' || p[10] != ' ' || p[13] != ':' || p[16] != ':')
    return 0;
  int month = month_from_abbrev(p + 4);
  int day = p[8] == ' ' ? parse_fixed(p + 9, 1) : parse_fixed(p + 8, 2);
  int hh = parse_fixed(p + 11, 2), mm = parse_fixed(p + 14, 2), ss = parse_fixed(p + 17, 2);
  size_t i = 19;
  if (!optional_fraction(p, n, i, ts)) return 0;
  if (i + 5 > n || p[i] != ' ') return 0;
  int year = parse_fixed(p + i + 1, 4);
  if (day < 0 || year < 0) return 0;
  ts.offset_min = static_cast<int16_t>(default_offset_min);
  return set_civil(ts, year, month, day, hh, mm, ss) ? i + 5 : 0;
}

size_t parse_bsd_time(const char* p, size_t n, int year, int default_offset_min, Timestamp& ts) {
  // Jan 02 15:04:05 / Jan  2 15:04:05 / Jan 2 15:04:05, optionally with .fff
  if (n < 14 || p[3] != ' ') return 0;
  int month = month_from_abbrev(p);
  size_t i = 4;
  if (p[i] == ' ') ++i;  // space-padded day
  int day = -1;
  if (p[i] >= '0' && p[i] <= '9' && p[i + 1] >= '0' && p[i + 1] <= '9') {
    day = parse_fixed(p + i, 2);
    i += 2;
  } else {
    day = parse_fixed(p + i, 1);
    i += 1;
  }
  if (day < 0 || i + 9 > n || p[i] != ' ' || p[i + 3] != ':' || p[i + 6] != ':') return 0;
  int hh = parse_fixed(p + i + 1, 2), mm = parse_fixed(p + i + 4, 2), ss = parse_fixed(p + i + 7, 2);
  i += 9;
  ts.offset_min = static_cast<int16_t>(default_offset_min);
  if (!optional_fraction(p, n, i, ts)) return 0;
  return set_civil(ts, year, month, day, hh, mm, ss) ? i : 0;
}

size_t parse_iso8601(const char* p, size_t n, Timestamp& ts) {
  // 2006-01-02T15:04:05[.f](Z|+hh:mm)
  if (n < 20 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't') || p[13] != ':' ||
      p[16] != ':')
    return 0;
  int year = parse_fixed(p, 4), month = parse_fixed(p + 5, 2), day = parse_fixed(p + 8, 2);
  int hh = parse_fixed(p + 11, 2), mm = parse_fixed(p + 14, 2), ss = parse_fixed(p + 17, 2);
  if (year < 0) return 0;
  size_t i = 19;
  if (!optional_fraction(p, n, i, ts)) return 0;
  if (i >= n) return 0;
  if (p[i] == 'Z' || p[i] == 'z') {
    ts.offset_min = 0;
    ++i;
  } else if (p[i] == '+' || p[i] == '-') {
    if (i + 6 > n || p[i + 3] != ':') return 0;
    int oh = parse_fixed(p + i + 1, 2), om = parse_fixed(p + i + 4, 2);
    if (oh < 0 || om < 0 || oh > 23 || om > 59) return 0;
    ts.offset_min = static_cast<int16_t>((p[i] == '-' ? -1 : 1) * (oh * 60 + om));
    i += 6;
  } else {
    return 0;
  }
  return set_civil(ts, year, month, day, hh, mm, ss) ? i : 0;
}

}  // namespace ki
