// A grok match -> Record. Captures named like our own fields fill them (message, log.level,
// log.logger, service.name, host.hostname, process.*, source.ip); `timestamp` becomes
// @timestamp; every other capture is a field of the document, typed as the pattern says.
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <string>
#include <vector>

#include "parse/exception_text.h"
#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/time_format.h"
#include "parse/timestamp.h"
#include "util/timefmt.h"

namespace ki {

namespace {

bool to_int(std::string_view s, int64_t& v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

bool to_float(std::string_view s, double& v) {
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size() && s.find_first_of("nN") == std::string_view::npos;
}

// Layouts tried after the general parser (ISO 8601, epoch, Apache): the ones grok users meet.
const TimeFormat& nginx_error_time() {
  static const TimeFormat f("%Y/%m/%d %H:%M:%S");
  return f;
}
const TimeFormat& go_micro_time() {  // Go's log package with Lmicroseconds
  static const TimeFormat f("%Y/%m/%d %H:%M:%S.%f");
  return f;
}
const TimeFormat& haproxy_time() {
  static const TimeFormat f("%d/%b/%Y:%H:%M:%S.%f");
  return f;
}
const TimeFormat& airflow_time() {  // Apache Airflow 2.2-2.6's task logs: "2024-03-01, 12:34:56 UTC"
  static const TimeFormat f("%Y-%m-%d, %H:%M:%S %Z");
  return f;
}
const TimeFormat& mysql_old_time() {  // MySQL's error log before 5.7: "161209 13:08:33", "191015  9:46:45"
  static const TimeFormat f("%y%m%d %H:%M:%S");
  return f;
}
const TimeFormat& redis_time() {  // Redis 4.0 and later: "30 May 2018 15:35:36.213"
  static const TimeFormat f("%d %b %Y %H:%M:%S.%f");
  return f;
}
const TimeFormat& redis_yearless_time() {  // Redis 3.x: "30 May 12:23:52.442"; 2.x: "31 May 04:32:08"
  static const TimeFormat f("%d %b %H:%M:%S");
  return f;
}
const TimeFormat& redis_yearless_ms_time() {
  static const TimeFormat f("%d %b %H:%M:%S.%f");
  return f;
}
const TimeFormat& bacula_time() {  // Bacula's and Bareos' daemons: "09-Jan 19:54", older "17-Jan-2003 16:45"
  static const TimeFormat f("%d-%b %H:%M");
  return f;
}
const TimeFormat& bacula_year_time() {
  static const TimeFormat f("%d-%b-%Y %H:%M");
  return f;
}
const TimeFormat& jul_time() {  // java.util.logging's SimpleFormatter default
  static const TimeFormat f("%b %d, %Y %I:%M:%S %p");
  return f;
}

// Captures that are fields the encoder writes from the record itself.
std::string_view Record::*own_text_field(std::string_view name) {
  static constexpr std::pair<std::string_view, std::string_view Record::*> kOwn[] = {
      {"log.level", &Record::level},        {"level", &Record::level},         {"log.logger", &Record::logger},
      {"service.name", &Record::service},   {"host.hostname", &Record::hostname}, {"process.name", &Record::app},
      {"source.ip", &Record::client_ip}};
  for (const auto& [n, m] : kOwn)
    if (n == name) return m;
  return nullptr;
}

// The layouts programs write at the start of a line (fail2ban's default date templates and lnav's
// time formats), after the ones above. Two numbers and a year: the month first (as US programs
// write them: SquirrelMail, PortSentry, SkyDrive; lnav and plaso read them so), the day first when
// the first number cannot be a month or with dots ("11.10.2018"). --time-format settles the rest.
const std::vector<TimeFormat>& line_start_times() {
  static const std::vector<TimeFormat> v = [] {
    std::vector<TimeFormat> out;
    for (const char* date : {"%Y-%m-%d ", "%Y.%m.%d ", "%d-%b-%Y ", "%d/%b/%Y ", "%d/%b/%Y:", "%m/%d/%Y ",
                             "%d/%m/%Y ", "%m/%d/%y ", "%d/%m/%y ", "%m/%d/%Y:", "%d/%m/%Y:", "%m-%d-%Y ",
                             "%d-%m-%Y ", "%m-%d-%y ", "%d-%m-%y ", "%d.%m.%Y ", "%b %d %Y ", "%a %b %d %Y ",
                             "%b-%d-%y ", "%Y%m%d-", "%Y%m%dT"})
      for (const char* time : {"%H:%M:%S", "%H:%M:%S.%f"}) out.emplace_back(std::string(date) + time);
    for (const char* f : {"%a %b %e %H:%M:%S %Y", "%a %b %e %H:%M:%S.%f %Y", "%b %d %H:%M:%S", "%b %d %H:%M:%S.%f",
                          "%Y%m%d %H%M%S", "%Y%m%d-%H%M%S", "%Y%m%dT%H%M%S"})
      out.emplace_back(f);
    return out;
  }();
  return v;
}

bool parse_line_start_time(std::string_view s, int default_offset_min, int year, Timestamp& ts) {
  for (const TimeFormat& f : line_start_times())
    if (f.parse(s, default_offset_min, year, ts)) return true;
  return false;
}

// TAI64N, as daemontools' multilog and runit's svlogd -t write it: '@', 16 hex digits of seconds
// (2^62 + 10 + Unix time: tai64nlocal's reading), 8 of nanoseconds.
bool parse_tai64n(std::string_view s, Timestamp& ts) {
  if (s.size() != 25 || s[0] != '@') return false;
  uint64_t sec = 0, ns = 0;
  for (size_t i = 1; i < 25; ++i) {
    const int d = scan::hex_digit(s[i]);
    if (d < 0) return false;
    (i <= 16 ? sec : ns) = (i <= 16 ? sec : ns) * 16 + static_cast<uint64_t>(d);
  }
  constexpr uint64_t kBase = (uint64_t{1} << 62) + 10;
  if (sec < kBase || sec - kBase > 253402300799ull || ns > 999999999) return false;
  ts = Timestamp{};
  ts.epoch_sec = static_cast<int64_t>(sec - kBase);
  ts.nanos = static_cast<uint32_t>(ns);
  ts.frac_digits = 9;
  ts.offset_min = 0;
  ts.valid = true;
  return true;
}

// "2017-07-31 13:36:42.585 CEST" (PostgreSQL's %m: a zone's name after the time), "… +03" (a zone
// without a name), "PDT Apr 16 21:05:29" (monit: the zone first) or "Sun Jan 23 21:59:59 CET 2005"
// (date(1)): the time without that word (in layout f, else any layout parse_time_text or
// parse_line_start_time reads), at the zone's offset (CST, IST: --tz).
bool time_then_zone(std::string_view s, int default_offset_min, const TimeFormat* f, int year, Timestamp& ts) {
  const auto without = [&](size_t b, size_t e) {  // s without the word [b, e) and one blank next to it
    std::string rest(s.substr(0, b > 0 ? b - 1 : 0));
    if (e < s.size()) rest.append(s.substr(b > 0 ? e : e + 1));
    return rest;
  };
  const auto parse = [&](std::string_view rest, int offset) {
    return f ? f->parse(rest, offset, year, ts)
             : parse_time_text(rest, offset, ts) || parse_line_start_time(rest, offset, year, ts);
  };
  const size_t sp = s.rfind(' ');
  if (sp != std::string_view::npos && sp + 3 <= s.size()) {
    if (const std::optional<int> offset = zone_word_offset(s.substr(sp + 1), default_offset_min))
      return parse(s.substr(0, sp), *offset);
  }
  if (f) return false;
  for (size_t b = 0; b < s.size();) {  // a zone's name as another word (not a number: "+03" is last)
    size_t e = s.find(' ', b);
    if (e == std::string_view::npos) break;
    if (e - b >= 3 && std::isupper(static_cast<unsigned char>(s[b])))
      if (const std::optional<int> offset = zone_word_offset(s.substr(b, e - b), default_offset_min))
        return parse(without(b, e), *offset);
    b = e + 1;
  }
  return false;
}

bool parse_capture_time(std::string_view s, const ParseContext& ctx, Timestamp& ts) {
  const ParserConfig& c = ctx.cfg;
  if (ctx.by_recipe) {  // (--time-format is the user's patterns' layout, not a recipe's)
    const int year = ctx.recipe_year > 0 ? ctx.recipe_year : c.default_year;
    if (ctx.recipe_time)
      return ctx.recipe_time->parse(s, c.default_offset_min, year, ts) ||
             time_then_zone(s, c.default_offset_min, ctx.recipe_time, year, ts);
  } else if (c.time_fmt) {
    return c.time_fmt->parse(s, c.default_offset_min, c.default_year, ts);
  }
  if (parse_time_text(s, c.default_offset_min, ts)) return true;
  // A recipe without its own layout (GENERICLOG's "03-07-2005 …"): the user's --time-format
  // first, to settle what only they know (day or month first).
  if (ctx.by_recipe && c.time_fmt &&
      (c.time_fmt->parse(s, c.default_offset_min, c.default_year, ts) ||
       time_then_zone(s, c.default_offset_min, c.time_fmt.get(), c.default_year, ts)))
    return true;
  const int year = ctx.by_recipe && ctx.recipe_year > 0 ? ctx.recipe_year : c.default_year;  // (December in January)
  if (time_then_zone(s, c.default_offset_min, nullptr, year, ts)) return true;
  if (s.size() >= 6) {
    int month = month_from_abbrev(s.data());
    if (month && s[3] == ' ') {
      int day = s[4] == ' ' ? s[5] - '0' : (s[4] - '0') * 10 + (s[5] - '0');
      if (day >= 1 && day <= 31 &&
          parse_bsd_time(s.data(), s.size(), ctx.bsd_year(month, day), c.default_offset_min, ts) == s.size())
        return true;
    }
  }
  if (parse_ctime(s.data(), s.size(), c.default_offset_min, ts) == s.size()) return true;
  for (const TimeFormat* f : {&nginx_error_time(), &go_micro_time(), &haproxy_time(), &jul_time(), &airflow_time(),
                              &mysql_old_time(), &redis_time(), &redis_yearless_ms_time(), &redis_yearless_time(),
                              &bacula_time(), &bacula_year_time()})
    if (f->parse(s, c.default_offset_min, year, ts)) return true;
  if (parse_time_of_day(s, c.default_offset_min, ts)) return true;  // "12:34:56.789": its day from the clock
  if (parse_line_start_time(s, c.default_offset_min, year, ts) || parse_tai64n(s, ts)) return true;
  ts = Timestamp{};
  return false;
}

}  // namespace

GrokResult parse_grok(std::string_view line, const ParseContext& ctx, GrokMatcher& m, Record& rec,
                      std::string& why) {
  GrokResult r = m.match(line);
  if (r != GrokResult::Matched) {
    why = m.reason();
    return r;
  }
  return read_grok_match(line, ctx, m, rec, why);
}

namespace {
bool captures_message(const GrokMatcher& m) {  // the pattern that matched has a message capture
  for (const GrokCapture& c : m.set().patterns()[m.which()]->captures())
    if (c.field == "message") return true;
  return false;
}
}  // namespace

GrokResult read_grok_match(std::string_view line, const ParseContext& ctx, const GrokMatcher& m, Record& rec,
                           std::string& why) {
  rec.format = Format::Grok;
  const size_t first_nl = line.find('\n');
  size_t message_end = std::string_view::npos;
  bool have_ts = false;
  for (const GrokValue& v : m.values()) {
    const std::string& name = v.capture->field;
    // The first value of a field wins (alternatives in one pattern may capture the same name).
    bool seen = false;
    for (const GrokValue& w : m.values()) {
      if (&w == &v) break;
      if (w.capture->field == name) seen = true;
    }
    if (seen) continue;
    std::string_view t = v.text;
    int64_t iv = 0;
    if (name == "timestamp" || name == "@timestamp") {
      if (!parse_capture_time(t, ctx, rec.ts)) {
        why = "the timestamp capture '" + std::string(t.substr(0, 64)) +
              "' is in no layout we know (give its layout with --time-format)";
        return GrokResult::Limit;  // a failure of this line, not a reason to try other formats
      }
      have_ts = true;
      continue;
    }
    if (name == "message") {
      rec.message = t;
      message_end = static_cast<size_t>(t.data() + t.size() - line.data());
      continue;
    }
    if (std::string_view Record::*own = own_text_field(name)) {
      rec.*own = t;
      continue;
    }
    if ((name == "process.pid" || name == "process.thread.id") && to_int(t, iv)) {
      (name == "process.pid" ? rec.pid : rec.tid) = iv;
      continue;
    }
    // HTTP fields: kept as fields of the document, and in the record for the report and rules.
    if (name == "http.response.status_code" && to_int(t, iv) && iv >= 0 && iv < 1000) rec.status = static_cast<int>(iv);
    else if (name == "http.request.method") rec.method = t;
    else if (name == "url.original") rec.path = t;
    else if (name == "http.response.body.bytes" && to_int(t, iv)) rec.bytes = iv;
    else if (name == "user_agent.original") rec.user_agent = t;
    else if (name == "source.address" && rec.client_ip.empty()) rec.client_ip = t;
    Field f;
    f.name = name;
    f.text = t;
    if (v.capture->type == GrokCapture::Type::Int && to_int(t, f.i)) {
      f.kind = Field::Kind::Int;
    } else if (v.capture->type == GrokCapture::Type::Float && to_float(t, f.f)) {
      f.kind = Field::Kind::Float;
    }  // a value that is not a number stays text: nothing is lost
    rec.fields.push_back(f);
    add_destination_ip(rec, name, t);
  }
  if (rec.message.empty() && first_nl != std::string_view::npos && m.match_end() <= first_nl &&
      line.find_first_not_of("\r\n", first_nl) != std::string_view::npos && captures_message(m)) {
    // A message that begins on the line after its record's (Spring Boot's reports: "…Logger : " and
    // then "\n\nDescription: …"): the rest of the event.
    rec.message = line.substr(line.find_first_not_of("\r\n", first_nl));
  } else if (rec.message.empty()) {
    rec.message = line;  // no message capture: the whole event is the message
  } else if (first_nl != std::string_view::npos && message_end <= first_nl) {
    // A multi-line event whose message ends on its first line: the rest is the stack trace.
    Field f;
    f.name = "error.stack_trace";
    f.text = line.substr(first_nl + 1);
    while (!f.text.empty() && f.text[0] == '\n') f.text.remove_prefix(1);  // (a Go panic's blank line)
    rec.fields.push_back(f);
    // The JVM's or CPython's exception, named as ECS loggers name it; or a JavaScript error whose
    // first line ends the record's message, its own message going on below (assert's diffs).
    if (!add_exception_fields(rec, f.text))
      if (const size_t at = js_error_at_end(rec.message); at != std::string_view::npos)
        add_exception_fields(rec, rec.keep(std::string(rec.message.substr(at)) + "\n" + std::string(f.text)));
  }
  if (!have_ts) {  // no time in the line: stamped with the read time (event.ingested says so)
    rec.ts = read_time();
    rec.time_from_read = true;
  }
  return GrokResult::Matched;
}

void compile_grok(ParserConfig& cfg) {
  if (!cfg.grok.patterns.empty() && !cfg.grok_set) cfg.grok_set = make_grok_set(cfg.grok.patterns, cfg.grok.patterns_dir);
  if (!cfg.grok.time_format.empty() && !cfg.time_fmt) cfg.time_fmt = std::make_shared<const TimeFormat>(cfg.grok.time_format);
}

}  // namespace ki
