#include "util/timefmt.h"

#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>

namespace ki {

const char* const kMonthAbbrev[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                      "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int64_t days_from_civil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void civil_from_days(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<int64_t>(yoe) + era * 400 + (m <= 2);
}

int month_from_abbrev(const char* p) {
  // Switch on the first letter keeps this branch-light on the hot path.
  switch (p[0]) {
    case 'J':
      if (p[1] == 'a' && p[2] == 'n') return 1;
      if (p[1] == 'u' && p[2] == 'n') return 6;
      if (p[1] == 'u' && p[2] == 'l') return 7;
      return 0;
    case 'F': return (p[1] == 'e' && p[2] == 'b') ? 2 : 0;
    case 'M':
      if (p[1] == 'a' && p[2] == 'r') return 3;
      if (p[1] == 'a' && p[2] == 'y') return 5;
      return 0;
    case 'A':
      if (p[1] == 'p' && p[2] == 'r') return 4;
      if (p[1] == 'u' && p[2] == 'g') return 8;
      return 0;
    case 'S': return (p[1] == 'e' && p[2] == 'p') ? 9 : 0;
    case 'O': return (p[1] == 'c' && p[2] == 't') ? 10 : 0;
    case 'N': return (p[1] == 'o' && p[2] == 'v') ? 11 : 0;
    case 'D': return (p[1] == 'e' && p[2] == 'c') ? 12 : 0;
    default: return 0;
  }
}

int month_from_abbrev_or_caps(const char* p) {
  if (int m = month_from_abbrev(p)) return m;
  if (p[1] < 'A' || p[1] > 'Z' || p[2] < 'A' || p[2] > 'Z') return 0;
  const char t[3] = {p[0], static_cast<char>(p[1] + ('a' - 'A')), static_cast<char>(p[2] + ('a' - 'A'))};
  return month_from_abbrev(t);
}

void append_padded(std::string& out, int64_t v, int width) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v < 0 ? -v : v);
  int len = static_cast<int>(r.ptr - buf);
  if (v < 0) out.push_back('-');
  for (int i = len; i < width; ++i) out.push_back('0');
  out.append(buf, static_cast<size_t>(len));
}

void append_int(std::string& out, int64_t v) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, static_cast<size_t>(r.ptr - buf));
}

int current_utc_year() {
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  return tm.tm_year + 1900;
}

}  // namespace ki

namespace ki {

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace ki
