#include "parse/level.h"

#include <cstring>

namespace ki {

namespace {
struct Name {
  std::string_view name;
  int severity;
};
// Lower-case; looked up after folding the input's case.
constexpr Name kNames[] = {
    {"emerg", 0},    {"emergency", 0}, {"panic", 0},    {"alert", 1},   {"crit", 2},
    {"critical", 2}, {"fatal", 2},     {"dpanic", 2},   {"severe", 3},  {"failure", 3},  {"err", 3},
    {"error", 3},    {"eror", 3},      {"warning", 4},  {"warn", 4},    {"wrn", 4},
    {"notice", 5},   {"info", 6},      {"informational", 6}, {"information", 6}, {"inf", 6},
    {"config", 6},   {"debug", 7},     {"dbg", 7},      {"trace", 7},   {"verbose", 7},
    {"fine", 7},     {"finer", 7},     {"finest", 7},   {"all", 7},     {"ftl", 2},
    {"crt", 2},      {"vrb", 7},       {"trc", 7},      {"ntc", 5},
    {"trce", 7},     {"dbug", 7},      {"fail", 3},  // .NET's console logger
    {"log", 6},      {"note", 5},      {"system", 5},  // PostgreSQL's LOG; MySQL's Note and System
    {"fatal error", 2}, {"parse error", 2}, {"deprecated", 5}, {"strict standards", 5},  // PHP
};
constexpr std::string_view kPino[7] = {"", "trace", "debug", "info", "warn", "error", "fatal"};
constexpr std::string_view kSyslog[8] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};

int from_letter(char c) {
  switch (c) {
    case 'a': return 1;  // Android's Assert (logcat's highest)
    case 'f': return 2;
    case 'c': return 2;
    case 'e': return 3;
    case 'w': return 4;
    case 'n': return 5;
    case 'i': return 6;
    case 'd': case 't': case 'v': return 7;
    default: return -1;
  }
}
}  // namespace

std::string_view level_name_from_number(int64_t n) {
  if (n >= 0 && n <= 7) return kSyslog[n];
  if (n >= 10 && n <= 60 && n % 10 == 0) return kPino[n / 10];
  return {};
}

int severity_from_level(std::string_view l) {
  while (!l.empty() && (l.front() == ' ' || l.front() == '[')) l.remove_prefix(1);
  while (!l.empty() && (l.back() == ' ' || l.back() == ']')) l.remove_suffix(1);
  if (l.empty() || l.size() > 16) return -1;
  if (l[0] >= '0' && l[0] <= '9') {
    int64_t n = 0;
    for (char c : l) {
      if (c < '0' || c > '9') return -1;
      n = n * 10 + (c - '0');
    }
    if (n <= 7) return static_cast<int>(n);
    // pino/bunyan; values between the named ones round to the nearer lower name
    if (n >= 10 && n <= 60) {
      static constexpr int kSev[7] = {-1, 7, 7, 6, 4, 3, 2};
      return kSev[n / 10];
    }
    return -1;
  }
  char low[16];
  size_t n = 0;
  for (char c : l) low[n++] = static_cast<char>(c >= 'A' && c <= 'Z' ? c + 32 : c);
  std::string_view s(low, n);
  // Go slog writes levels between the named ones as "INFO+2" / "ERROR-4": the base name counts.
  size_t sign = s.find_first_of("+-");
  if (sign != std::string_view::npos && sign > 0) s = s.substr(0, sign);
  // Apache 2.4 trace1..trace8
  if (s.size() == 6 && s.starts_with("trace") && s[5] >= '1' && s[5] <= '8') return 7;
  // PostgreSQL's DEBUG1..DEBUG5
  if (s.size() == 6 && s.starts_with("debug") && s[5] >= '1' && s[5] <= '5') return 7;
  for (const Name& x : kNames)
    if (x.name == s) return x.severity;
  if (s.size() == 1) return from_letter(s[0]);
  return -1;
}

int severity_with_trace(std::string_view l) {
  int s = severity_from_level(l);
  if (s != 7) return s;
  std::string_view t = l.substr(0, 5);
  return t == "trace" || t == "TRACE" || t == "Trace" || l == "10" ? 8 : 7;
}

}  // namespace ki
