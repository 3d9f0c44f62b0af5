// klog (Kubernetes' components: kubelet, kube-apiserver, controllers, client-go programs) and
// glog (Google's C++ and Go logging) lines:
//   Lmmdd hh:mm:ss.uuuuuu threadid file:line] msg          klog: no year (--year), process id
//   Lyyyymmdd hh:mm:ss.uuuuuu threadid file:line] msg      glog: a thread id
// L is I, W, E or F; the time is the process's local time (--tz); the id is padded with blanks.
// klog's structured calls (InfoS, ErrorS) write the message quoted and key=value pairs after it
// ("Pod status updated" pod="kube-system/kubedns" status="ready"): the message is unquoted and
// each pair becomes a field, when the whole tail reads so; else the text stays the message.
#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/timefmt.h"

namespace ki {

namespace {

constexpr size_t npos = std::string_view::npos;

std::string_view level_name(char c) {
  switch (c) {
    case 'I': return "info";
    case 'W': return "warning";
    case 'E': return "error";
    case 'F': return "fatal";
    default: return {};
  }
}

// The tail of a structured call: "msg" k="v" k=v ...; fields added only if all of it reads.
// Quoted texts are unescaped and bare values typed as logfmt's are.
bool read_structured(std::string_view tail, Record& rec) {
  if (tail.empty() || tail[0] != '"') return false;
  std::string text;
  const char* why = nullptr;
  size_t i = 1;
  if (!unquote_value(tail, i, text, why)) return false;
  if (i < tail.size() && !read_pairs(tail, i, rec)) return false;
  rec.message = rec.keep(text);
  return true;
}

}  // namespace

bool looks_klog(std::string_view l) {
  // "I0505 17:59:40.692994 " or "I20210131 14:48:54.411655 "
  if (l.size() < 22 || level_name(l[0]).empty()) return false;
  const size_t d = l[5] == ' ' ? 5 : l.size() > 26 && l[9] == ' ' ? 9 : 0;
  if (d == 0) return false;
  for (size_t i = 1; i < d; ++i)
    if (l[i] < '0' || l[i] > '9') return false;
  return l[d + 3] == ':' && l[d + 6] == ':' && l[d + 9] == '.';
}

namespace {

// The header's level, time and id read, then file:line] and the message (plain or structured).
// `at` is the index of what failed (with `why`), for the caller's reason.
struct KlogLine {
  bool glog = false;
  int year = -1, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  uint32_t nanos = 0;
  uint8_t digits = 0;
  int64_t id = 0;
  const char* why = nullptr;
  size_t at = 0;
};

bool read_klog(std::string_view line, KlogLine& k, Record& rec) {
  auto fail = [&](const char* why, size_t at) {
    k.why = why;
    k.at = at;
    return false;
  };
  if (!looks_klog(line))
    return fail("expected a klog header: a level letter (I, W, E, F), mmdd or yyyymmdd, hh:mm:ss.uuuuuu", 0);
  const char* p = line.data();
  const size_t n = line.size();
  k.glog = p[5] != ' ';
  const size_t d = k.glog ? 9 : 5;
  k.month = parse_fixed(p + d - 4, 2), k.day = parse_fixed(p + d - 2, 2);
  k.hour = parse_fixed(p + d + 1, 2), k.minute = parse_fixed(p + d + 4, 2), k.second = parse_fixed(p + d + 7, 2);
  if (k.glog) k.year = parse_fixed(p + 1, 4);
  size_t i = d + 10;
  const size_t frac = i;
  while (i < n && i - frac < 9 && p[i] >= '0' && p[i] <= '9') k.nanos = k.nanos * 10 + static_cast<uint32_t>(p[i++] - '0');
  k.digits = static_cast<uint8_t>(i - frac);
  if (k.digits == 0 || k.month < 1 || k.month > 12 || k.day < 1 || k.day > 31 || k.hour < 0 || k.hour > 23 ||
      k.minute < 0 || k.minute > 59 || k.second < 0 || k.second > 60 || (k.glog && k.year < 0))
    return fail("bad klog time, expected mmdd hh:mm:ss.uuuuuu", 1);
  for (size_t j = k.digits; j < 9; ++j) k.nanos *= 10;
  // The id, padded with blanks; then file:line] and the message.
  if (i >= n || p[i] != ' ') return fail("expected a blank and the thread id after the time", i);
  while (i < n && p[i] == ' ') ++i;
  size_t e = scan::uint_at(p, i, n, k.id);
  if (e == npos || e >= n || p[e] != ' ') return fail("expected the thread id after the time", i);
  i = e + 1;
  const size_t close = line.find("] ", i);
  const size_t end = close == npos && n > i && p[n - 1] == ']' ? n - 1 : close;  // an empty message
  if (end == npos) return fail("expected file:line] after the thread id", i);
  const std::string_view origin(p + i, end - i);
  const size_t colon = origin.rfind(':');
  int64_t at_line = 0;
  if (colon == npos || colon == 0 || origin.find(' ') != npos ||
      scan::uint_at(origin.data(), colon + 1, origin.size(), at_line) != origin.size())
    return fail("expected file:line] after the thread id", i);
  rec.level = level_name(p[0]);
  rec.fields.push_back(Field::string("log.origin.file.name", origin.substr(0, colon)));
  rec.fields.push_back(Field::integer("log.origin.file.line", at_line));
  const std::string_view tail = end + 2 <= n ? line.substr(end + 2) : std::string_view{};
  if (!read_structured(tail, rec)) rec.message = tail;
  return true;
}

}  // namespace

bool parse_klog(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::Klog;
  KlogLine k;
  if (!read_klog(line, k, rec)) return ctx.fail(F, k.why, k.at);
  const int year = k.glog ? k.year : ctx.bsd_year(k.month, k.day);
  rec.ts.offset_min = static_cast<int16_t>(ctx.cfg.default_offset_min);
  if (!set_civil(rec.ts, year, k.month, k.day, k.hour, k.minute, k.second))
    return ctx.fail(F, "klog time out of range", 1);
  rec.ts.nanos = k.nanos;
  rec.ts.frac_digits = k.digits;
  (k.glog ? rec.tid : rec.pid) = k.id;  // klog writes the process id, glog the thread's
  rec.format = F;
  return true;
}

bool read_klog_message(std::string_view message, Record& rec) {
  KlogLine k;
  return read_klog(message, k, rec);  // on failure rec is untouched
}

}  // namespace ki
