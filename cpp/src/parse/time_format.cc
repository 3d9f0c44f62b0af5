#include "parse/time_format.h"

#include <cctype>
#include <ctime>
#include <stdexcept>

#include "parse/timestamp.h"
#include "util/timefmt.h"

namespace ki {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }

// Up to max digits (at least min); -1 if fewer.
int64_t digits(std::string_view s, size_t& i, int min, int max) {
  int64_t v = 0;
  int n = 0;
  while (i < s.size() && n < max && std::isdigit(static_cast<unsigned char>(s[i]))) {
    v = v * 10 + (s[i] - '0');
    ++i, ++n;
  }
  return n < min ? -1 : v;
}

int month_of(std::string_view s, size_t& i, bool full) {
  if (i + 3 > s.size()) return 0;
  char m[3];
  for (int k = 0; k < 3; ++k) m[k] = static_cast<char>(std::tolower(static_cast<unsigned char>(s[i + k])));
  for (int k = 0; k < 12; ++k) {
    const char* a = kMonthAbbrev[k];
    if (std::tolower(a[0]) == m[0] && a[1] == m[1] && a[2] == m[2]) {
      i += 3;
      if (full)
        while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
      return k + 1;
    }
  }
  return 0;
}

}  // namespace

TimeFormat::TimeFormat(std::string format) : format_(std::move(format)) {
  const std::string& f = format_;
  for (size_t i = 0; i < f.size(); ++i) {
    char c = f[i];
    if (c == '%') {
      if (i + 1 >= f.size()) throw std::invalid_argument("--time-format '" + f + "': ends with a lone %");
      char d = f[++i];
      if (d == '%') {
        tokens_.push_back({0, "%"});
      } else if (d == 'T') {
        for (const char* p : {"H", ":", "M", ":", "S"}) tokens_.push_back(p[0] == ':' ? Token{0, ":"} : Token{p[0], {}});
      } else if (d == 'F') {
        for (const char* p : {"Y", "-", "m", "-", "d"}) tokens_.push_back(p[0] == '-' ? Token{0, "-"} : Token{p[0], {}});
      } else if (std::string_view("YymdeHIMSfLpbhBaAzZsj").find(d) != std::string_view::npos) {
        tokens_.push_back({d, {}});
      } else {
        throw std::invalid_argument("--time-format '" + f + "': %" + std::string(1, d) + " is not supported (column " +
                                    std::to_string(i) + ")");
      }
    } else if (c == 'S' && i > 0 && (f[i - 1] == '.' || f[i - 1] == ',')) {
      while (i + 1 < f.size() && f[i + 1] == 'S') ++i;
      tokens_.push_back({'f', {}});
    } else if (is_blank(c)) {
      while (i + 1 < f.size() && is_blank(f[i + 1])) ++i;
      tokens_.push_back({' ', {}});
    } else if (!tokens_.empty() && tokens_.back().directive == 0) {
      tokens_.back().literal += c;
    } else {
      tokens_.push_back({0, std::string(1, c)});
    }
  }
  dateless_ = true;
  for (const Token& t : tokens_)
    if (t.directive && std::string_view("YymdebhBsj").find(t.directive) != std::string_view::npos) dateless_ = false;
}

bool TimeFormat::parse(std::string_view s, int default_offset_min, int default_year, Timestamp& ts) const {
  int64_t year = -1, month = 1, day = 1, hour = 0, minute = 0, second = 0, epoch = -1, yday = -1;
  uint32_t nanos = 0;
  uint8_t frac = 0;
  int offset = default_offset_min;
  int pm = -1;  // %p: 0 am, 1 pm
  size_t i = 0;
  for (const Token& t : tokens_) {
    switch (t.directive) {
      case 0:
        if (s.substr(i, t.literal.size()) != t.literal) return false;
        i += t.literal.size();
        break;
      case ' ':
        while (i < s.size() && is_blank(s[i])) ++i;
        break;
      case 'Y': year = digits(s, i, 4, 4); if (year < 0) return false; break;
      case 'y': year = digits(s, i, 2, 2); if (year < 0) return false; year += year < 69 ? 2000 : 1900; break;
      case 'm': month = digits(s, i, 1, 2); break;
      case 'd': day = digits(s, i, 1, 2); break;
      case 'e':
        if (i < s.size() && s[i] == ' ') ++i;
        day = digits(s, i, 1, 2);
        break;
      case 'H': case 'I': hour = digits(s, i, 1, 2); break;
      case 'M': minute = digits(s, i, 1, 2); break;
      case 'S': second = digits(s, i, 1, 2); break;
      case 'j': yday = digits(s, i, 1, 3); break;
      case 'f': {
        size_t b = i;
        int64_t v = digits(s, i, 1, 9);
        if (v < 0) return false;
        frac = static_cast<uint8_t>(i - b);
        nanos = static_cast<uint32_t>(v);
        for (int k = frac; k < 9; ++k) nanos *= 10;
        while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;  // beyond ns: dropped
        break;
      }
      case 'L': {  // milliseconds as a count, padded or not (Java's "S": "41:3" is 3 ms, not 300)
        const int64_t ms = digits(s, i, 1, 3);
        if (ms < 0) return false;
        nanos = static_cast<uint32_t>(ms) * 1000000u;
        frac = 3;
        break;
      }
      case 'p':
        if (i + 2 > s.size()) return false;
        if ((s[i] | 0x20) == 'a') pm = 0;
        else if ((s[i] | 0x20) == 'p') pm = 1;
        else return false;
        if ((s[i + 1] | 0x20) != 'm') return false;
        i += 2;
        break;
      case 'b': case 'h': case 'B':
        month = month_of(s, i, t.directive == 'B');
        if (month == 0) return false;
        break;
      case 'a': case 'A':
        if (!std::isalpha(static_cast<unsigned char>(i < s.size() ? s[i] : ' '))) return false;
        while (i < s.size() && std::isalpha(static_cast<unsigned char>(s[i]))) ++i;
        break;
      case 'z': {
        if (i < s.size() && s[i] == 'Z') {
          offset = 0, ++i;
          break;
        }
        if (i >= s.size() || (s[i] != '+' && s[i] != '-')) return false;
        int sign = s[i++] == '-' ? -1 : 1;
        int64_t hh = digits(s, i, 2, 2);
        if (i < s.size() && s[i] == ':') ++i;
        size_t b = i;
        int64_t mm = digits(s, i, 2, 2);
        if (mm < 0) i = b, mm = 0;
        if (hh < 0 || hh > 23 || mm > 59) return false;
        offset = sign * static_cast<int>(hh * 60 + mm);
        break;
      }
      case 'Z':
        if (s.substr(i, 3) == "UTC" || s.substr(i, 3) == "GMT") i += 3;
        else if (s.substr(i, 1) == "Z") i += 1;
        else return false;
        offset = 0;
        break;
      case 's': {
        bool neg = i < s.size() && s[i] == '-';
        if (neg) ++i;
        epoch = digits(s, i, 1, 12);
        if (epoch < 0) return false;
        if (neg) epoch = -epoch;
        break;
      }
    }
    if (month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || yday < -1) return false;
  }
  if (i != s.size()) return false;
  ts = Timestamp{};
  ts.nanos = nanos;
  ts.frac_digits = frac;
  if (epoch != -1 || (tokens_.size() == 1 && tokens_[0].directive == 's')) {
    ts.epoch_sec = epoch;
    ts.offset_min = 0;
    ts.valid = true;
    return true;
  }
  if (pm == 1 && hour < 12) hour += 12;
  if (pm == 0 && hour == 12) hour = 0;
  if (dateless_) {  // "%H:%M:%S": its day from the clock
    if (hour > 23 || minute > 59 || second > 60) return false;
    ts.offset_min = static_cast<int16_t>(offset);
    ts.epoch_sec = place_time_of_day(hour * 3600 + minute * 60 + second, offset, std::time(nullptr));
    ts.valid = true;
    return true;
  }
  if (year < 0) year = default_year > 0 ? default_year : current_utc_year();
  if (yday > 0) {
    int64_t days = days_from_civil(year, 1, 1) + yday - 1;
    int64_t y;
    unsigned m, d;
    civil_from_days(days, y, m, d);
    month = m, day = d;
  }
  ts.offset_min = static_cast<int16_t>(offset);
  return set_civil(ts, static_cast<int>(year), static_cast<int>(month), static_cast<int>(day), static_cast<int>(hour),
                   static_cast<int>(minute), static_cast<int>(second));
}

std::optional<int> zone_abbreviation(std::string_view name) {
  struct ZoneName {
    std::string_view name;
    int offset_min;
  };
  static constexpr ZoneName kZones[] = {
      {"UTC", 0},     {"GMT", 0},      {"WET", 0},      {"WEST", 60},    {"BST", 60},    {"CET", 60},
      {"CEST", 120},  {"MET", 60},     {"MEST", 120},   {"EET", 120},    {"EEST", 180},  {"MSK", 180},
      {"EST", -300},  {"EDT", -240},   {"CDT", -300},   {"MST", -420},   {"MDT", -360},  {"PST", -480},
      {"PDT", -420},  {"AKST", -540},  {"AKDT", -480},  {"HST", -600},   {"AST", -240},  {"NST", -210},
      {"JST", 540},   {"KST", 540},    {"HKT", 480},    {"SGT", 480},    {"AEST", 600},  {"AEDT", 660},
      {"ACST", 570},  {"AWST", 480},   {"NZST", 720},   {"NZDT", 780},   {"CST", kAmbiguousZone},
      {"IST", kAmbiguousZone}};
  for (const ZoneName& k : kZones)
    if (k.name == name) return k.offset_min;
  return std::nullopt;
}

std::optional<int> zone_word_offset(std::string_view zone, int default_offset_min) {
  if (zone.size() >= 3 && (zone[0] == '+' || zone[0] == '-')) {
    if (zone.size() != 3 && zone.size() != 5 && !(zone.size() == 6 && zone[3] == ':')) return std::nullopt;
    const int hh = parse_fixed(zone.data() + 1, 2);
    const int mm = zone.size() == 3 ? 0 : parse_fixed(zone.data() + zone.size() - 2, 2);
    if (hh < 0 || hh > 14 || mm < 0 || mm > 59) return std::nullopt;
    return (zone[0] == '-' ? -1 : 1) * (hh * 60 + mm);
  }
  const std::optional<int> z = zone_abbreviation(zone);
  if (z && *z == kAmbiguousZone) return default_offset_min;
  return z;
}

}  // namespace ki
