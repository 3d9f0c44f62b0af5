#include "parse/timestamp.h"

#include <ctime>
#include <string>

#include "util/timefmt.h"

namespace ki {

namespace {
constexpr unsigned char kDaysIn[13] = {0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

// Reads ".fffffffff" (1..9 digits) at p; more digits are consumed but ignored.
size_t parse_fraction(const char* p, size_t n, Timestamp& ts) {
  if (n < 2 || (p[0] != '.' && p[0] != ',')) return 0;
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

namespace {
// 02/Jan/2006:15:04:05.fff -0700 (Apache's %{msec_frac}t after the seconds). Apart from the
// plain form's code, which stays small enough to be inlined whole.
[[gnu::noinline]] size_t apache_time_with_fraction(const char* p, size_t n, Timestamp& ts) {
  size_t i = 20;  // at the '.'
  if (!optional_fraction(p, n, i, ts)) return 0;
  if (i + 6 > n || p[i] != ' ' || (p[i + 1] != '+' && p[i + 1] != '-')) return 0;
  int day = parse_fixed(p, 2), month = month_from_abbrev(p + 3), year = parse_fixed(p + 7, 4);
  int hh = parse_fixed(p + 12, 2), mm = parse_fixed(p + 15, 2), ss = parse_fixed(p + 18, 2);
  int oh = parse_fixed(p + i + 2, 2), om = parse_fixed(p + i + 4, 2);
  if (day < 0 || year < 0 || oh < 0 || om < 0 || oh > 23 || om > 59) return 0;
  ts.offset_min = static_cast<int16_t>((p[i + 1] == '-' ? -1 : 1) * (oh * 60 + om));
  return set_civil(ts, year, month, day, hh, mm, ss) ? i + 6 : 0;
}
}  // namespace

size_t parse_apache_time(const char* p, size_t n, Timestamp& ts) {
  // 02/Jan/2006:15:04:05 -0700
  if (n < 26 || p[2] != '/' || p[6] != '/' || p[11] != ':' || p[14] != ':' || p[17] != ':') return 0;
  if (p[20] == '.') return apache_time_with_fraction(p, n, ts);
  if (p[20] != ' ' || (p[21] != '+' && p[21] != '-')) return 0;
  int day = parse_fixed(p, 2), month = month_from_abbrev(p + 3), year = parse_fixed(p + 7, 4);
  int hh = parse_fixed(p + 12, 2), mm = parse_fixed(p + 15, 2), ss = parse_fixed(p + 18, 2);
  int oh = parse_fixed(p + 22, 2), om = parse_fixed(p + 24, 2);
  if (day < 0 || year < 0 || oh < 0 || om < 0 || oh > 23 || om > 59) return 0;
  ts.offset_min = static_cast<int16_t>((p[21] == '-' ? -1 : 1) * (oh * 60 + om));
  ts.nanos = 0;
  ts.frac_digits = 0;
  return set_civil(ts, year, month, day, hh, mm, ss) ? 26 : 0;
}

size_t parse_apache_time_no_zone(const char* p, size_t n, int default_offset_min, Timestamp& ts) {
  // 06/Oct/2026 16:28:29 (Python's http.server, Werkzeug), or Apache's layout without its zone
  // (06/Oct/2026:16:28:29: a LogFormat of %{%d/%b/%Y:%H:%M:%S}t): no zone
  if (n < 20 || p[2] != '/' || p[6] != '/' || (p[11] != ' ' && p[11] != ':') || p[14] != ':' || p[17] != ':') return 0;
  int day = parse_fixed(p, 2), month = month_from_abbrev(p + 3), year = parse_fixed(p + 7, 4);
  int hh = parse_fixed(p + 12, 2), mm = parse_fixed(p + 15, 2), ss = parse_fixed(p + 18, 2);
  if (day < 0 || year < 0) return 0;
  ts.offset_min = static_cast<int16_t>(default_offset_min);
  ts.nanos = 0;
  ts.frac_digits = 0;
  return set_civil(ts, year, month, day, hh, mm, ss) ? 20 : 0;
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
  int month = month_from_abbrev_or_caps(p);
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

namespace {
// +hh:mm, +hhmm, +hh, Z at p; returns bytes read, 0 if none.
size_t parse_zone(const char* p, size_t n, int16_t& off) {
  if (n == 0) return 0;
  if (p[0] == 'Z' || p[0] == 'z') {
    off = 0;
    return 1;
  }
  if (p[0] != '+' && p[0] != '-') return 0;
  if (n < 3) return 0;
  int oh = parse_fixed(p + 1, 2), om = 0;
  size_t used = 3;
  if (n >= 6 && p[3] == ':') {
    om = parse_fixed(p + 4, 2);
    used = 6;
  } else if (n >= 5 && p[3] >= '0' && p[3] <= '9') {
    om = parse_fixed(p + 3, 2);
    used = 5;
  }
  if (oh < 0 || om < 0 || oh > 23 || om > 59) return 0;
  off = static_cast<int16_t>((p[0] == '-' ? -1 : 1) * (oh * 60 + om));
  return used;
}
}  // namespace

size_t parse_iso8601_lenient(const char* p, size_t n, int default_offset_min, Timestamp& ts, size_t* zone_bytes) {
  // 2006-01-02[T ]15:04[:05][(.|,)f...][ ][Z|+hh:mm|+hhmm|+hh]
  if (n < 16 || p[4] != '-' || p[7] != '-' || (p[10] != 'T' && p[10] != 't' && p[10] != ' ') ||
      p[13] != ':')
    return 0;
  int year = parse_fixed(p, 4), month = parse_fixed(p + 5, 2), day = parse_fixed(p + 8, 2);
  int hh = parse_fixed(p + 11, 2), mm = parse_fixed(p + 14, 2), ss = 0;
  if (year < 0 || month < 0 || day < 0 || hh < 0 || mm < 0) return 0;
  size_t i = 16;
  if (i < n && p[i] == ':') {
    if (i + 3 > n || (ss = parse_fixed(p + i + 1, 2)) < 0) return 0;
    i += 3;
  }
  ts.nanos = 0;
  ts.frac_digits = 0;
  if (i < n && (p[i] == '.' || p[i] == ',')) {
    size_t f = parse_fraction(p + i, n - i, ts);
    if (f == 0) return 0;
    i += f;
  }
  ts.offset_min = static_cast<int16_t>(default_offset_min);
  size_t z = parse_zone(p + i, n - i, ts.offset_min);
  size_t blank = 0;
  if (z == 0 && i + 1 < n && p[i] == ' ') {  // "2006-01-02 15:04:05 +0100"
    z = parse_zone(p + i + 1, n - i - 1, ts.offset_min);
    if (z) blank = 1;
  }
  i += blank + z;
  if (zone_bytes) *zone_bytes = z ? blank + z : 0;
  return set_civil(ts, year, month, day, hh, mm, ss) ? i : 0;
}

bool time_from_epoch_text(std::string_view s, Timestamp& ts) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (const size_t ex = s.find_first_of("eE"); ex != std::string_view::npos) {
    // Scientific notation, as Go's %g writes big floats (zap's epoch times: 1.6561386938716278e+09):
    // the point moved by the exponent in the text, no rounding through a double.
    std::string_view mant = s.substr(0, ex), exp = s.substr(ex + 1);
    if (!exp.empty() && exp[0] == '+') exp.remove_prefix(1);
    if (exp.empty() || exp.size() > 2 || mant.empty() || mant.size() > 40) return false;
    int shift = 0;
    for (char c : exp) {
      if (c < '0' || c > '9') return false;
      shift = shift * 10 + (c - '0');
    }
    const size_t dot = mant.find('.');
    const std::string_view whole = mant.substr(0, dot);
    const std::string_view frac = dot == std::string_view::npos ? std::string_view{} : mant.substr(dot + 1);
    if (whole.empty() || (dot != std::string_view::npos && frac.empty())) return false;
    std::string digits = std::string(whole) + std::string(frac), text = neg ? "-" : "";
    const size_t point = whole.size() + static_cast<size_t>(shift);
    if (digits.size() < point) digits.append(point - digits.size(), '0');
    text += digits.substr(0, point);
    if (digits.size() > point) text += "." + digits.substr(point);
    return time_from_epoch_text(text, ts);
  }
  size_t dot = s.find('.');
  std::string_view whole = s.substr(0, dot), frac = dot == std::string_view::npos ? std::string_view{} : s.substr(dot + 1);
  if (whole.empty() || whole.size() > 19) return false;
  uint64_t w = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return false;
    w = w * 10 + static_cast<uint64_t>(c - '0');
  }
  for (char c : frac)
    if (c < '0' || c > '9') return false;
  if (dot != std::string_view::npos && frac.empty()) return false;
  // Unit from magnitude: seconds until the year 5138, then ms, us, ns.
  int e = w < 100000000000ULL ? 0 : w < 100000000000000ULL ? 3 : w < 100000000000000000ULL ? 6 : 9;
  uint64_t unit = 1;
  for (int k = 0; k < e; ++k) unit *= 10;
  uint64_t sec = w / unit, sub = w % unit;  // sub: units below one second
  uint64_t nanos = sub * (1000000000ULL / unit);
  // The fraction is of one unit: scale its first digits down to nanoseconds.
  uint64_t fnanos = 0, scale = 1000000000ULL / unit;
  size_t fd = 0;
  for (char c : frac) {
    if (scale < 10) break;
    scale /= 10;
    fnanos += static_cast<uint64_t>(c - '0') * scale;
    ++fd;
  }
  nanos += fnanos;
  int64_t esec = static_cast<int64_t>(sec);
  if (neg) {  // before 1970: whole seconds down, the fraction counts up
    esec = -esec;
    if (nanos > 0) {
      esec -= 1;
      nanos = 1000000000ULL - nanos;
    }
  }
  ts.epoch_sec = esec;
  ts.nanos = static_cast<uint32_t>(nanos);
  size_t digits = static_cast<size_t>(e) + fd;
  ts.frac_digits = static_cast<uint8_t>(digits > 9 ? 9 : digits);
  ts.offset_min = 0;
  ts.valid = true;
  return true;
}

namespace {
// What Go's time.Time.String() writes after "2006-01-02 15:04:05.999999999 -0700": " MST" (the
// zone's abbreviation: capitals, or "+03" where the zone has none) and, for a time read from the
// clock, " m=+0.000012345" (the monotonic reading). The offset before it is what counts.
bool go_time_tail(std::string_view t) {
  if (t.size() < 3 || t[0] != ' ') return false;
  t.remove_prefix(1);
  size_t i = 0;
  if (t[0] == '+' || t[0] == '-') {
    for (i = 1; i < t.size() && i <= 5 && t[i] >= '0' && t[i] <= '9'; ++i) {
    }
    if (i != 3 && i != 5) return false;
  } else {
    for (; i < t.size() && i < 6 && t[i] >= 'A' && t[i] <= 'Z'; ++i) {
    }
    if (i < 2) return false;
  }
  t.remove_prefix(i);
  if (t.empty()) return true;
  if (t.size() < 6 || t.substr(0, 3) != " m=" || (t[3] != '+' && t[3] != '-')) return false;
  const std::string_view reading = t.substr(4);
  const size_t dot = reading.find('.');
  if (dot == 0 || dot == std::string_view::npos || dot + 1 == reading.size()) return false;
  for (size_t k = 0; k < reading.size(); ++k)
    if (k != dot && (reading[k] < '0' || reading[k] > '9')) return false;
  return true;
}
}  // namespace

bool parse_time_text(std::string_view s, int default_offset_min, Timestamp& ts) {
  while (!s.empty() && s.back() == ' ') s.remove_suffix(1);
  if (s.empty()) return false;
  const char* p = s.data();
  size_t n = s.size();
  if (n >= 16 && p[4] == '-') {
    size_t zone_bytes = 0;
    const size_t used = parse_iso8601_lenient(p, n, default_offset_min, ts, &zone_bytes);
    if (used == n) return true;
    if (used == 0) return false;
    const std::string_view zone = s.substr(used - zone_bytes, zone_bytes), tail = s.substr(used);
    if (zone.empty() && (tail == " UTC" || tail == " GMT")) {  // Ruby's Time#to_s, PostgreSQL's log_timezone UTC
      ts.epoch_sec += ts.offset_min * 60;
      ts.offset_min = 0;
      return true;
    }
    // Go's time.Time.String(): a "-0700" offset, then the zone's name.
    const bool go_offset = zone.size() == 6 && zone[0] == ' ' && (zone[1] == '+' || zone[1] == '-');
    return go_offset && go_time_tail(tail);
  }
  if ((p[0] >= '0' && p[0] <= '9') || p[0] == '-') {
    if (n >= 26 && p[2] == '/') return parse_apache_time(p, n, ts) == n;
    return time_from_epoch_text(s, ts);
  }
  if (p[0] == '[' && n >= 28 && p[n - 1] == ']') return parse_apache_time(p + 1, n - 2, ts) == n - 2;
  return false;
}

int64_t place_time_of_day(int64_t seconds_of_day, int offset_min, int64_t now) {
  const int64_t local_now = now + offset_min * 60;
  int64_t day = local_now / 86400 - (local_now % 86400 < 0 ? 1 : 0);
  int64_t t = day * 86400 + seconds_of_day;
  if (t - local_now > kDaylessAhead) t -= 86400;
  else if (local_now - t >= 86400 - kDaylessAhead) t += 86400;
  return t - offset_min * 60;
}

bool parse_time_of_day(std::string_view s, int default_offset_min, Timestamp& ts) {
  const char* p = s.data();
  const size_t n = s.size();
  if (n < 8 || p[2] != ':' || p[5] != ':') return false;
  const int hh = parse_fixed(p, 2), mm = parse_fixed(p + 3, 2), ss = parse_fixed(p + 6, 2);
  if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 60) return false;
  Timestamp t;
  if (n > 8 && parse_fraction(p + 8, n - 8, t) != n - 8) return false;
  t.offset_min = static_cast<int16_t>(default_offset_min);
  t.epoch_sec = place_time_of_day(hh * 3600 + mm * 60 + ss, default_offset_min, std::time(nullptr));
  t.valid = true;
  ts = t;
  return true;
}

Timestamp read_time() {
  timespec t{};
  clock_gettime(CLOCK_REALTIME, &t);
  Timestamp ts;
  ts.epoch_sec = t.tv_sec;
  ts.nanos = static_cast<uint32_t>(t.tv_nsec / 1000000 * 1000000);
  ts.frac_digits = 3;
  ts.valid = true;
  return ts;
}

}  // namespace ki
