// What the formats with no fixed schema share: which of their fields are the time, level,
// message, logger and service (by the names the common logging libraries use), the read time
// for lines with none, and the container-log wrappers (Docker json-file, CRI) whose inner line
// is parsed again.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>

#include "encode/json_writer.h"
#include <array>
#include <ctime>

#include "parse/exception_text.h"
#include "parse/level.h"
#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"

namespace ki {

namespace {

enum Role : uint8_t { Time, Level, Message, Logger, Service, Host, Pid, kRoles };

struct Name {
  std::string_view name;
  Role role;
};
// In rank order within a role (earlier = preferred when a line has several).
constexpr Name kNames[] = {
    {"StartUTC", Time},  // Traefik's access log: the request's start to the ns ("time": when it was written, in s)
    {"@timestamp", Time}, {"timestamp", Time}, {"time", Time}, {"ts", Time}, {"@t", Time},
    {"timeMillis", Time}, {"asctime", Time}, {"Timestamp", Time}, {"datetime", Time}, {"date", Time},
    {"created", Time}, {"t", Time}, {"t.$date", Time},  // MongoDB 4.4+: {"t":{"$date":…}}
    {"time_local", Time}, {"time_iso8601", Time},  // nginx's variables
    {"log.level", Level}, {"level", Level}, {"levelname", Level}, {"@l", Level}, {"severity", Level},
    {"Level", Level}, {"lvl", Level}, {"loglevel", Level}, {"level_name", Level},
    {"message", Message}, {"msg", Message}, {"@m", Message}, {"Message", Message},
    {"RenderedMessage", Message}, {"event", Message}, {"@mt", Message}, {"MessageTemplate", Message},
    {"short_message", Message},
    {"log.logger", Logger}, {"logger", Logger}, {"logger_name", Logger}, {"loggerName", Logger},
    {"name", Logger}, {"component", Logger}, {"SourceContext", Logger},
    {"service.name", Service}, {"service", Service}, {"application", Service},
    {"hostname", Host}, {"host.hostname", Host}, {"pid", Pid}, {"process.pid", Pid},
};
constexpr int kNameCount = sizeof(kNames) / sizeof(kNames[0]);
constexpr int kNone = 1 << 30;
constexpr size_t kMaxPending = 16 << 20;  // a P-line run longer than this keeps its first 16 MiB

int lookup(std::string_view name) {
  if (name.empty() || name.size() > 16) return -1;
  for (int i = 0; i < kNameCount; ++i)
    if (kNames[i].name.size() == name.size() && kNames[i].name == name) return i;
  return -1;
}

// journalctl -o json (every value a string): which of the journal's own fields a line has. Read
// only when it has __REALTIME_TIMESTAMP, so another log's "PRIORITY" or "MESSAGE" is left alone.
struct Journald {
  int realtime = -1, source_realtime = -1, message = -1, hostname = -1, pid = -1, priority = -1, ident = -1, comm = -1;
  void see(std::string_view n, int i) {
    if (n == "__REALTIME_TIMESTAMP") realtime = i;
    else if (n == "_SOURCE_REALTIME_TIMESTAMP") source_realtime = i;
    else if (n == "MESSAGE") message = i;
    else if (n == "_HOSTNAME") hostname = i;
    else if (n == "_PID") pid = i;
    else if (n == "PRIORITY") priority = i;
    else if (n == "SYSLOG_IDENTIFIER") ident = i;
    else if (n == "_COMM") comm = i;
  }
  static bool text(const std::vector<Field>& fs, int i) {
    return i >= 0 && fs[i].kind == Field::Kind::String && !fs[i].text.empty();
  }
  static bool digits(std::string_view t, int64_t& v) { return scan::uint_at(t.data(), 0, t.size(), v) == t.size(); }
  // "[72,105,255]" (numbers 0..255) -> those bytes as rec.message (invalid UTF-8 in it becomes
  // U+FFFD when written, as anywhere else).
  static bool bytes_of(std::string_view a, Record& rec) {
    if (a.size() < 2 || a.front() != '[' || a.back() != ']') return false;
    std::string out;
    out.reserve(a.size() / 2);
    size_t i = 1;
    while (i + 1 < a.size()) {
      while (a[i] == ' ' || a[i] == '\n' || a[i] == '\t' || a[i] == '\r') ++i;
      int64_t v = 0;
      size_t e = scan::uint_at(a.data(), i, a.size() - 1, v);
      if (e == std::string_view::npos || v > 255) return false;
      out.push_back(static_cast<char>(v));
      i = e;
      while (i + 1 < a.size() && (a[i] == ' ' || a[i] == '\n' || a[i] == '\t' || a[i] == '\r')) ++i;
      if (i + 1 < a.size()) {
        if (a[i] != ',') return false;
        ++i;
      }
    }
    if (out.empty()) return false;
    rec.message = rec.keep(out);
    return true;
  }
  // message, host.hostname, process.pid / .name, and the syslog severity as log.level
  void apply(const std::vector<Field>& fs, std::vector<uint8_t>& used, bool over_msg, bool over_level, Record& rec) const {
    auto take = [&](int i, std::string_view& out) {
      if (out.empty() && text(fs, i)) {
        out = fs[i].text;
        used[i] = 1;
      }
    };
    if (!over_msg) take(message, rec.message);
    if (!over_msg && rec.message.empty() && message >= 0 && fs[message].kind == Field::Kind::Json &&
        bytes_of(fs[message].text, rec)) {
      used[message] = 1;  // not UTF-8: journalctl printed the bytes as an array of numbers
    }
    take(hostname, rec.hostname);
    take(ident, rec.app);
    take(comm, rec.app);
    int64_t v = 0;
    if (rec.pid < 0 && text(fs, pid) && digits(fs[pid].text, v)) {
      rec.pid = v;
      used[pid] = 1;
    }
    if (!over_level && rec.level.empty() && text(fs, priority) && digits(fs[priority].text, v) && v <= 7) {
      rec.priority = static_cast<int>(v);  // log.level and event.severity follow from it
      used[priority] = 1;
    }
  }
};

// ASCII letters equal in either case ("CRON" and cron's _COMM "cron").
bool same_letters(std::string_view a, std::string_view b) {
  auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + ('a' - 'A')) : c; };
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

// journald's _COMM (the process, at most 15 bytes) fits the SYSLOG_IDENTIFIER it sent: the same
// name, both sshd's, Postfix's "postfix/submission/smtpd" from smtpd, Dovecot's from its processes.
bool sender_agrees(std::string_view comm, std::string_view ident) {
  if (same_letters(comm, ident) || (is_sshd(comm) && is_sshd(ident))) return true;
  if (ident.starts_with("postfix")) return comm == ident.substr(ident.rfind('/') + 1);
  if (ident == "dovecot") return comm == "dovecot" || comm.ends_with("-login") || comm.starts_with("auth");
  return false;
}

// "18ms", "1.5s", "250us": a number and a unit of time.
bool duration_text(std::string_view t) {
  size_t i = 0;
  while (i < t.size() && ((t[i] >= '0' && t[i] <= '9') || t[i] == '.')) ++i;
  const std::string_view unit = t.substr(i);
  return i > 0 && (unit == "ms" || unit == "s" || unit == "us" || unit == "µs" || unit == "ns" || unit == "m" || unit == "h");
}

bool time_of(const Field& f, int tz, Timestamp& ts) {
  if (f.kind == Field::Kind::String) return parse_time_text(f.text, tz, ts);
  if (f.kind == Field::Kind::Int || f.kind == Field::Kind::Float) return time_from_epoch_text(f.text, ts);
  return false;
}

// A web server's access log written as JSON (or logfmt): nginx's log_format with its variables'
// names (escape=json), Traefik's access log, Caddy's, Node's pino-http, Rails' lograge. With a
// status (100-599) and a request (its line, or its method) the keys are read as the access line's
// fields are: the record's client, user, request and status (the report and the alert rules use
// them) and the ECS fields, typed.
struct AccessKey {
  std::string_view name;
  enum What { Client, Port, User, Request, Method, Url, Protocol, Status, Bytes, Referrer, Agent, Took, Count } what;
};
constexpr AccessKey kAccessKeys[] = {
    {"remote_addr", AccessKey::Client}, {"ClientHost", AccessKey::Client}, {"request.remote_ip", AccessKey::Client},
    {"request.client_ip", AccessKey::Client}, {"req.remoteAddress", AccessKey::Client}, {"fwd", AccessKey::Client},
    {"remote_port", AccessKey::Port}, {"ClientPort", AccessKey::Port}, {"request.remote_port", AccessKey::Port},
    {"req.remotePort", AccessKey::Port}, {"remote_user", AccessKey::User}, {"ClientUsername", AccessKey::User},
    {"request", AccessKey::Request}, {"request_method", AccessKey::Method}, {"RequestMethod", AccessKey::Method},
    {"request.method", AccessKey::Method}, {"req.method", AccessKey::Method}, {"method", AccessKey::Method},
    {"request_uri", AccessKey::Url}, {"RequestPath", AccessKey::Url}, {"request.uri", AccessKey::Url},
    {"req.url", AccessKey::Url}, {"path", AccessKey::Url}, {"server_protocol", AccessKey::Protocol},
    {"RequestProtocol", AccessKey::Protocol}, {"request.proto", AccessKey::Protocol}, {"status", AccessKey::Status},
    {"DownstreamStatus", AccessKey::Status}, {"res.statusCode", AccessKey::Status},
    {"body_bytes_sent", AccessKey::Bytes}, {"DownstreamContentSize", AccessKey::Bytes}, {"size", AccessKey::Bytes},
    {"bytes", AccessKey::Bytes},
    {"http_referer", AccessKey::Referrer}, {"http_referrer", AccessKey::Referrer}, {"request_Referer", AccessKey::Referrer},
    {"req.headers.referer", AccessKey::Referrer}, {"http_user_agent", AccessKey::Agent},
    {"request_User-Agent", AccessKey::Agent}, {"req.headers.user-agent", AccessKey::Agent},
    {"request_time", AccessKey::Took}, {"duration", AccessKey::Took}, {"Duration", AccessKey::Took},
    {"responseTime", AccessKey::Took},
};

bool whole_int(const Field& f, int64_t& v) {
  if (f.kind == Field::Kind::Int) {
    v = f.i;
    return true;
  }
  return f.kind == Field::Kind::String && !f.text.empty() &&
         scan::uint_at(f.text.data(), 0, f.text.size(), v) == f.text.size();
}

// A method as HTTP writes one: capitals (GET, PROPFIND), nothing else.
bool http_method(std::string_view m) {
  if (m.empty() || m.size() > 16) return false;
  for (char c : m)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

// A duration of `unit` ns per unit as written (an integer or a decimal fraction): ns, or -1.
int64_t duration_ns(const Field& f, double unit) {
  if (f.kind == Field::Kind::Int) return f.i >= 0 && static_cast<double>(f.i) * unit < 9e18 ? static_cast<int64_t>(f.i * unit) : -1;
  const std::string_view t = f.text;
  if ((f.kind != Field::Kind::Float && f.kind != Field::Kind::String) || t.empty() || t.size() > 18 ||
      t.find_first_not_of("0123456789.") != std::string_view::npos || t.find('.') != t.rfind('.') || t == ".")
    return -1;
  const double v = std::strtod(std::string(t).c_str(), nullptr) * unit;
  return v < 9e18 ? static_cast<int64_t>(std::llround(v)) : -1;
}

void read_access_json(std::vector<Field>& fs, std::vector<uint8_t>& used, Record& rec) {
  // Most lines have no status: that is looked for first, the other keys only beside one.
  bool any_status = false;
  for (const Field& f : fs)
    any_status = any_status || f.name == "status" || f.name == "DownstreamStatus" || f.name == "res.statusCode";
  if (!any_status) return;
  int at[AccessKey::Count];
  std::fill(std::begin(at), std::end(at), -1);
  for (size_t i = 0; i < fs.size(); ++i)
    if (!used[i])
      for (const AccessKey& k : kAccessKeys)
        if (fs[i].name == k.name && at[k.what] < 0) at[k.what] = static_cast<int>(i);
  int64_t status = -1;
  if (at[AccessKey::Status] < 0 || !whole_int(fs[at[AccessKey::Status]], status) || status < 100 || status > 599) return;
  auto text = [&](int w) -> std::string_view {
    return at[w] >= 0 && fs[at[w]].kind == Field::Kind::String ? fs[at[w]].text : std::string_view{};
  };
  RequestParts req;
  const bool line = !text(AccessKey::Request).empty() && !(req = split_request(text(AccessKey::Request))).method.empty();
  if (!line && !http_method(text(AccessKey::Method))) return;
  // Whose log: a duration's unit and Caddy's "size" follow from it.
  const std::string_view method_key = at[AccessKey::Method] >= 0 ? fs[at[AccessKey::Method]].name : std::string_view{};
  const bool caddy = method_key == "request.method";
  auto take = [&](int w) { used[static_cast<size_t>(at[w])] = 1; };
  auto rename = [&](int w, std::string_view ecs) { fs[static_cast<size_t>(at[w])].name = ecs; };
  auto add = [&](std::string_view name, std::string_view v) {
    fs.push_back(Field::string(name, v));
    used.push_back(0);
  };
  rec.status = static_cast<int>(status);
  fs[static_cast<size_t>(at[AccessKey::Status])] = Field::integer("http.response.status_code", status);
  if (line) {
    rec.request = text(AccessKey::Request);
    rec.method = req.method;
    rec.path = req.path;
    rec.protocol = req.protocol;
    take(AccessKey::Request);
    add("http.request.method", req.method);
    if (!req.path.empty()) add("url.original", req.path);
    if (req.protocol.starts_with("HTTP/")) add("http.version", req.protocol.substr(5));
  }
  if (const std::string_view m = text(AccessKey::Method); http_method(m) && rec.method.empty()) {
    rec.method = m;
    rename(AccessKey::Method, "http.request.method");
  }
  if (const std::string_view u = text(AccessKey::Url); !u.empty() && rec.path.empty()) {
    rec.path = u;
    rename(AccessKey::Url, "url.original");
  }
  if (const std::string_view v = text(AccessKey::Protocol); v.starts_with("HTTP/") && rec.protocol.empty()) {
    rec.protocol = v;
    Field& f = fs[static_cast<size_t>(at[AccessKey::Protocol])];
    f.name = "http.version";
    f.text = v.substr(5);
  }
  if (const std::string_view c = text(AccessKey::Client); is_ip(c)) {
    rec.client_ip = c;  // source.ip, as the access parsers set it
    take(AccessKey::Client);
    int64_t port = -1;
    if (at[AccessKey::Port] >= 0 && whole_int(fs[at[AccessKey::Port]], port) && port <= 65535) {
      rec.port = static_cast<int>(port);  // source.port
      take(AccessKey::Port);
    }
  }
  // No user, referrer or agent ("", or "-" for the user as the access line writes it): nothing to keep.
  if (const std::string_view u = text(AccessKey::User); u == "-" || (u.empty() && at[AccessKey::User] >= 0 &&
                                                                      fs[at[AccessKey::User]].kind == Field::Kind::String)) {
    take(AccessKey::User);
  } else if (!u.empty()) {
    rec.user = u;  // user.name
    take(AccessKey::User);
  }
  for (int w : {int{AccessKey::Referrer}, int{AccessKey::Agent}})
    if (at[w] >= 0 && fs[at[w]].kind == Field::Kind::String && fs[at[w]].text.empty()) take(w);
  int64_t v = 0;
  if (at[AccessKey::Bytes] >= 0 && (caddy || fs[at[AccessKey::Bytes]].name != "size") && whole_int(fs[at[AccessKey::Bytes]], v)) {
    rec.bytes = v;
    fs[static_cast<size_t>(at[AccessKey::Bytes])] = Field::integer("http.response.body.bytes", v);
  }
  if (const std::string_view r = text(AccessKey::Referrer); !r.empty()) {
    rec.referrer = r;
    rename(AccessKey::Referrer, "http.request.referrer");
  }
  if (const std::string_view a = text(AccessKey::Agent); !a.empty()) {
    rec.user_agent = a;
    rename(AccessKey::Agent, "user_agent.original");
  }
  // The time the request took, in its writer's unit: nginx's request_time and Caddy's duration in
  // s, Traefik's Duration in ns, pino-http's responseTime and lograge's duration in ms.
  if (at[AccessKey::Took] >= 0) {
    Field& f = fs[static_cast<size_t>(at[AccessKey::Took])];
    const std::string_view k = f.name;
    const double unit = k == "request_time" || (k == "duration" && caddy)                            ? 1e9
                        : k == "Duration"                                                          ? 1
                        : (k == "responseTime" && method_key == "req.method") || (k == "duration" && method_key == "method") ? 1e6
                                                                                                   : 0;
    if (const int64_t ns = unit > 0 ? duration_ns(f, unit) : -1; ns >= 0) f = Field::integer("event.duration", ns);
  }
}

// An error as the logging libraries write it beside the message, as ECS's error.* (Kibana's
// errors; and a text "error" would clash with the error object of other documents in an index):
// pino's and bunyan's err serializer (err.type or err.name, err.message, err.stack), log4j2
// JsonLayout's thrown (name, message), a stack trace under zap's, logstash-logback-encoder's,
// winston's, python-json-logger's, structlog's or Serilog's key (error.stack_trace, its exception's
// type and message read from it), a plain "error" text (logrus' WithError, zap.Error): its message.
// Not when the line has error.* fields of its own (an ECS logger's).
void read_error_fields(std::vector<Field>& fs, std::vector<uint8_t>& used, Record& rec) {
  for (const Field& f : fs)
    if (f.name.starts_with("error.")) return;
  struct Map {
    std::string_view from, to;
    bool multiline;  // a key too common to take unless its text is a trace (several lines)
  };
  static constexpr Map kMap[] = {
      {"err.type", "error.type", false},        {"err.name", "error.type", false},
      {"err.message", "error.message", false},  {"err.stack", "error.stack_trace", false},
      {"thrown.name", "error.type", false},     {"thrown.message", "error.message", false},
      {"stacktrace", "error.stack_trace", false}, {"stack_trace", "error.stack_trace", false},
      {"exc_info", "error.stack_trace", false}, {"@x", "error.stack_trace", false},
      {"exception", "error.stack_trace", true}, {"stack", "error.stack_trace", true},
      {"error", "error.message", false},
  };
  // The lengths of those names: a field of another length is none of them (most are not).
  constexpr uint32_t kLengths = 1u << 2 | 1u << 5 | 1u << 8 | 1u << 9 | 1u << 10 | 1u << 11 | 1u << 14;
  auto maybe = [](std::string_view n) { return n.size() <= 14 && (kLengths >> n.size() & 1); };
  bool err_object = false;  // err.* only as pino's and bunyan's serializer writes it
  for (const Field& f : fs) err_object = err_object || (maybe(f.name) && (f.name == "err.message" || f.name == "err.stack"));
  bool have_type = false, have_message = false;
  int trace = -1;
  for (size_t i = 0; i < fs.size(); ++i) {
    Field& f = fs[i];
    if (!maybe(f.name) || used[i] || f.kind != Field::Kind::String || f.text.empty()) continue;
    for (const Map& m : kMap) {
      if (f.name != m.from) continue;
      if ((m.multiline && f.text.find('\n') == std::string_view::npos) || (m.from.starts_with("err.") && !err_object)) break;
      // The first key of each kind that the line has.
      if (m.to == "error.stack_trace") {
        if (trace < 0) {
          trace = static_cast<int>(i);
          f.name = m.to;
        }
      } else if (bool& have = m.to == "error.type" ? have_type : have_message; !have) {
        have = true;
        f.name = m.to;
      }
      break;
    }
  }
  if (trace >= 0 && !(have_type && have_message)) {
    // The exception the trace reports (a JVM's, CPython's, Node's): its type and message.
    add_exception_fields(rec, fs[static_cast<size_t>(trace)].text);
    used.resize(fs.size(), 0);
  }
}

// date=2020-05-18 time=14:38:37 (Sophos, FortiGate's kin, scripts): the day and the time of day
// in two fields, with the zone's offset in a third when it is one (tz="+0200"; a zone's name,
// timezone="CEST", is no offset: --tz). Marks the fields it used.
bool date_and_time(const std::vector<Field>& fs, int tz, std::vector<uint8_t>& used, Timestamp& ts) {
  int date = -1, time = -1, zone = -1;
  for (size_t i = 0; i < fs.size(); ++i) {
    if (fs[i].kind != Field::Kind::String) continue;
    if (fs[i].name == "date") date = static_cast<int>(i);
    else if (fs[i].name == "time") time = static_cast<int>(i);
    else if (fs[i].name == "tz" || fs[i].name == "timezone") zone = static_cast<int>(i);
  }
  if (date < 0 || time < 0) return false;
  const std::string_view d = fs[date].text, t = fs[time].text;
  if (d.size() != 10 || d[4] != '-' || d[7] != '-' || t.size() < 8 || t[2] != ':') return false;
  std::string text = std::string(d) + "T" + std::string(t);
  bool zone_used = false;
  if (zone >= 0) {
    const std::string_view z = fs[zone].text;
    if ((z.size() == 5 || z.size() == 6) && (z[0] == '+' || z[0] == '-') && z[1] >= '0' && z[1] <= '9') {
      text += z;
      zone_used = true;
    }
  }
  if (!parse_time_text(text, tz, ts)) {
    ts = Timestamp{};
    return false;
  }
  used[static_cast<size_t>(date)] = used[static_cast<size_t>(time)] = 1;
  if (zone_used) used[static_cast<size_t>(zone)] = 1;
  return true;
}

}  // namespace

void apply_roles(const ParseContext& ctx, Record& rec, WrappedLine* docker) {
  const ParserConfig& cfg = ctx.cfg;
  auto& fs = rec.fields;
  struct C {
    int rank = kNone;
    uint32_t field = 0;
  };
  std::array<C, kRoles> best{};
  std::array<C, 4> times{};
  int ntime = 0;
  // A time as whole seconds and nanoseconds in two fields: log4j2 JsonLayout's "instant", Google
  // Cloud Logging's "timestamp": {"seconds", "nanos"} and "timestampSeconds" + "timestampNanos".
  static constexpr std::string_view kSecondNames[] = {"instant.epochSecond", "timestamp.seconds", "timestampSeconds"};
  static constexpr std::string_view kNanoNames[] = {"instant.nanoOfSecond", "timestamp.nanos", "timestampNanos"};
  int epoch_second[3] = {-1, -1, -1}, nano_of_second[3] = {-1, -1, -1};
  int dlog = -1, dstream = -1;
  int mongo_time = -1, mongo_level = -1;  // MongoDB 4.4+: "s" is the level only beside "t.$date"
  Journald jd;
  const bool over_time = !cfg.json_time_field.empty(), over_level = !cfg.json_level_field.empty(),
             over_msg = !cfg.json_message_field.empty();
  for (uint32_t i = 0; i < fs.size(); ++i) {
    std::string_view n = fs[i].name;
    // An override takes its role alone.
    if (over_time && n == cfg.json_time_field) {
      if (ntime < 4) times[ntime++] = {-1, i};
      continue;
    }
    if (over_level && n == cfg.json_level_field) {
      if (best[Level].rank > -1) best[Level] = {-1, i};
      continue;
    }
    if (over_msg && n == cfg.json_message_field) {
      if (best[Message].rank > -1) best[Message] = {-1, i};
      continue;
    }
    for (int p = 0; p < 3; ++p) {
      if (n == kSecondNames[p]) epoch_second[p] = static_cast<int>(i);
      if (n == kNanoNames[p]) nano_of_second[p] = static_cast<int>(i);
    }
    if (n == "t.$date") mongo_time = static_cast<int>(i);
    else if (n == "s") mongo_level = static_cast<int>(i);
    if (n == "log") dlog = static_cast<int>(i);
    else if (n == "stream") dstream = static_cast<int>(i);
    else if (!n.empty() && (n[0] == '_' || (n[0] >= 'A' && n[0] <= 'Z'))) jd.see(n, static_cast<int>(i));
    int k = lookup(n);
    if (k < 0) continue;
    Role r = kNames[k].role;
    if ((r == Time && over_time) || (r == Level && over_level) || (r == Message && over_msg)) continue;
    if (r == Time) {
      if (ntime < 4) times[ntime++] = {k, i};
    } else if (k < best[r].rank) {
      best[r] = {k, i};
    }
  }
  thread_local std::vector<uint8_t> used;
  used.assign(fs.size(), 0);
  // Time: the best-ranked candidate that parses.
  for (int i = 1; i < ntime; ++i)  // at most 4: insertion sort, stable
    for (int j = i; j > 0 && times[j].rank < times[j - 1].rank; --j) std::swap(times[j], times[j - 1]);
  for (int i = 0; i < ntime && !rec.ts.valid; ++i) {
    if (time_of(fs[times[i].field], cfg.default_offset_min, rec.ts)) used[times[i].field] = 1;
    else rec.ts = Timestamp{};
  }
  for (int p = 0; p < 3 && !rec.ts.valid && !over_time; ++p) {
    const int sec = epoch_second[p], nano = nano_of_second[p];
    if (sec < 0 || fs[sec].kind != Field::Kind::Int) continue;
    const int64_t ns = nano >= 0 && fs[nano].kind == Field::Kind::Int ? fs[nano].i : 0;
    if (ns < 0 || ns >= 1000000000) continue;
    rec.ts.epoch_sec = fs[sec].i;
    rec.ts.nanos = static_cast<uint32_t>(ns);
    rec.ts.frac_digits = ns % 1000000 == 0 ? 3 : ns % 1000 == 0 ? 6 : 9;
    rec.ts.valid = true;
    used[sec] = 1;
    if (nano >= 0) used[nano] = 1;
  }
  if (!rec.ts.valid && !over_time) date_and_time(fs, cfg.default_offset_min, used, rec.ts);
  read_access_json(fs, used, rec);
  read_error_fields(fs, used, rec);
  if (jd.realtime >= 0 && !over_time) {
    // journalctl -o json: the time the program logged (else when journald got it), in µs
    for (int f : {jd.source_realtime, jd.realtime})
      if (!rec.ts.valid && f >= 0 && fs[f].kind == Field::Kind::String && time_from_epoch_text(fs[f].text, rec.ts))
        used[f] = 1;
  }
  auto take = [&](Role r, std::string_view& out) {
    if (best[r].rank == kNone) return;
    const Field& f = fs[best[r].field];
    if (f.kind != Field::Kind::String || f.text.empty()) return;
    out = f.text;
    used[best[r].field] = 1;
  };
  if (best[Level].rank != kNone) {
    const Field& f = fs[best[Level].field];
    if (f.kind == Field::Kind::String && !f.text.empty()) {
      rec.level = f.text;
      used[best[Level].field] = 1;
    } else if (f.kind == Field::Kind::Int) {
      std::string_view name = level_name_from_number(f.i);
      rec.level = name.empty() ? f.text : name;  // pino 50 -> "error"
      rec.severity = severity_from_level(f.text);
      used[best[Level].field] = 1;
    }
  }
  if (rec.level.empty() && !over_level && mongo_time >= 0 && mongo_level >= 0 &&
      fs[mongo_level].kind == Field::Kind::String && !fs[mongo_level].text.empty()) {
    rec.level = fs[mongo_level].text;  // F E W I D1..D5
    used[mongo_level] = 1;
  }
  take(Message, rec.message);
  take(Logger, rec.logger);
  // (Heroku's router writes service=18ms: a time, not a service's name)
  if (best[Service].rank != kNone && !duration_text(fs[best[Service].field].text)) take(Service, rec.service);
  take(Host, rec.hostname);
  if (best[Pid].rank != kNone && fs[best[Pid].field].kind == Field::Kind::Int && fs[best[Pid].field].i >= 0) {
    rec.pid = fs[best[Pid].field].i;
    used[best[Pid].field] = 1;
  }
  if (jd.realtime >= 0) jd.apply(fs, used, over_msg, over_level, rec);
  // Serilog compact leaves out @l at Information.
  if (rec.level.empty() && best[Message].rank >= 0 && best[Message].rank != kNone &&
      (kNames[best[Message].rank].name == "@m" || kNames[best[Message].rank].name == "@mt"))
    rec.level = "Information";
  // Docker json-file: {"log": "<line>\n", "stream": "stdout", "time": "..."}
  const bool is_docker = docker && dlog >= 0 && dstream >= 0 && rec.message.empty() &&
                         fs[dlog].kind == Field::Kind::String && fs[dstream].kind == Field::Kind::String && rec.ts.valid;
  if (is_docker) {
    docker->found = true;
    docker->inner = strip_line_end(fs[dlog].text);
    docker->stream = fs[dstream].text;
    docker->ts = rec.ts;
    used[dlog] = used[dstream] = 1;
  }
  // journalctl -o json: sshd's, PAM's, sudo's lines read as from syslog. SYSLOG_IDENTIFIER is the
  // sender's word (`logger -t sshd` by anyone); journald's own _COMM, when there, must agree.
  const bool journal_program = jd.realtime >= 0 && !rec.app.empty() && !rec.message.empty() &&
                               (!Journald::text(fs, jd.comm) || sender_agrees(fs[jd.comm].text, rec.app));
  size_t out = 0;
  for (size_t i = 0; i < fs.size(); ++i)
    if (!used[i]) fs[out++] = fs[i];
  fs.resize(out);
  if (journal_program) {
    read_system_message(rec);
    if (rec.app == "kernel") read_netfilter(rec.message, rec);
  }
  if (!rec.ts.valid) {
    // No recognisable time: the read time, and event.ingested says so.
    rec.ts = read_time();
    rec.time_from_read = true;
  }
}

bool parse_wrapped(const WrappedLine& w, std::string_view wrapper, const ParseContext& ctx, Record& rec) {
  // The inner line is parsed with the same parser state, which invalidates views into the
  // JSON parser's buffers: copy what we keep first.
  std::string_view inner = rec.keep(w.inner), stream = rec.keep(w.stream);
  std::vector<Field> extra;
  for (const Field& f : rec.fields) extra.push_back(f);  // the wrapper's other keys (attrs, ...)
  for (Field& f : extra)
    if (f.kind == Field::Kind::String || f.kind == Field::Kind::Json || f.kind == Field::Kind::Float) f.text = rec.keep(f.text);
  for (Field& f : extra) f.name = rec.keep(f.name);
  Timestamp outer = w.ts;
  rec.clear_values();
  bool ok = false;
  if (inner.find_first_not_of(" \t") != std::string_view::npos && ctx.depth < 4) {
    ParseError saved = ctx.err;
    ParseContext inner_ctx = ctx;
    ++inner_ctx.depth;
    ok = parse_format(Parser::detect(inner), inner, inner_ctx, rec);
    if (!ok && ctx.recipes) {  // an application's text log: a recipe may read it
      rec.clear_values();
      ok = ctx.recipes->read(inner, inner_ctx, rec);
    }
    if (!ok) {
      ctx.err = saved;
      rec.clear_values();
    }
  }
  if (!ok) {
    rec.message = inner;  // plain text: the message as written
    rec.format = wrapper == "cri" ? Format::Cri : wrapper == "compose" ? Format::Compose : Format::AppJson;
  }
  // klog's time has no year (glog's no zone), an application's text layout seldom a zone: the
  // runtime's stamp is the better one.
  if (outer.valid && (!rec.ts.valid || rec.time_from_read || rec.format == Format::Klog || rec.format == Format::Grok)) {
    rec.ts = outer;
    rec.time_from_read = false;
  } else if (!rec.ts.valid) {  // (compose without --timestamps: no time but the inner line's)
    rec.ts = read_time();
    rec.time_from_read = true;
  }
  for (const Field& f : extra) rec.fields.push_back(f);
  if (!stream.empty()) rec.fields.push_back({"stream", Field::Kind::String, stream});
  rec.fields.push_back({"kafkainsight.wrapper", Field::Kind::String, wrapper});
  return true;
}

// CRI (Kubernetes /var/log/containers): "<RFC 3339 time> <stdout|stderr> <F|P>[:flags] <line>".
bool split_cri(std::string_view line, WrappedLine& w, bool& partial) {
  size_t sp = line.find(' ');
  if (sp == std::string_view::npos || sp < 20) return false;
  if (!parse_time_text(line.substr(0, sp), 0, w.ts)) return false;
  std::string_view rest = line.substr(sp + 1);
  if (!rest.starts_with("stdout ") && !rest.starts_with("stderr ")) return false;
  w.stream = rest.substr(0, 6);
  rest.remove_prefix(7);
  if (rest.empty() || (rest[0] != 'F' && rest[0] != 'P')) return false;
  partial = rest[0] == 'P';
  size_t t = rest.find(' ');
  w.inner = t == std::string_view::npos ? std::string_view{} : rest.substr(t + 1);
  w.found = true;
  return true;
}

bool looks_cri(std::string_view line) {
  WrappedLine w;
  bool partial = false;
  return line.size() > 30 && line[4] == '-' && line[10] == 'T' && split_cri(line, w, partial);
}

bool parse_cri(std::string_view line, const ParseContext& ctx, Record& rec) {
  WrappedLine w;
  bool partial = false;
  if (!split_cri(line, w, partial))
    return ctx.fail(Format::Cri, "expected <time> <stdout|stderr> <F|P> <line>", 0);
  if (ctx.pending) {  // the partial lines of this line's own input only
    std::string* pending = ctx.pending->find(ctx.source);
    if (partial) {
      // P: the runtime split a long line; the rest follows on the next line(s).
      if (!pending) {
        ctx.pending->set(ctx.source, std::make_unique<std::string>());
        pending = ctx.pending->find(ctx.source);
      }
      if (pending->size() + w.inner.size() <= kMaxPending) pending->append(w.inner);
      return ctx.fail(Format::Cri, kCriPartial, 0);
    }
    if (pending) {
      if (pending->size() + w.inner.size() <= kMaxPending) pending->append(w.inner);
      w.inner = rec.keep(*pending);
      ctx.pending->set(ctx.source, nullptr);
    }
  }
  return parse_wrapped(w, "cri", ctx, rec);
}

// `docker compose logs`: "<container><blanks> | [<RFC 3339 time> ]<line>". Compose pads each name
// to the longest one's length plus one, so two blanks at least come before the bar; docker-compose
// 1.x padded to the longest exactly, so one blank is taken only after a name ending in its
// "_<n>" ("web_1 | …"). The time is there with --timestamps.
bool split_compose(std::string_view line, WrappedLine& w, std::string_view& name) {
  const size_t n = line.size();
  auto name_char = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
  };
  size_t i = 0;
  while (i < n && i <= 128 && name_char(line[i])) ++i;
  if (i == 0 || i > 128 || line[0] == '_' || line[0] == '-' || line[0] == '.') return false;
  size_t bar = i;
  while (bar < n && line[bar] == ' ') ++bar;
  if (bar == i || bar >= n || line[bar] != '|' || (bar + 1 < n && line[bar + 1] != ' ')) return false;
  if (bar - i == 1) {  // docker-compose 1.x: the name must end in _<n> (or Compose's -<n>)
    size_t d = i;
    while (d > 0 && line[d - 1] >= '0' && line[d - 1] <= '9') --d;
    if (d == i || d < 2 || (line[d - 1] != '_' && line[d - 1] != '-')) return false;
  }
  name = line.substr(0, i);
  // log4j's "%-5p | %m": ActiveMQ's and Karaf's "INFO  | …" are no container's lines
  if (severity_from_level(name) >= 0) return false;
  std::string_view inner = line.substr(std::min(n, bar + 2));
  const size_t sp = inner.find(' ');
  if (inner.size() >= 20 && inner[4] == '-' && inner[10] == 'T' && sp != std::string_view::npos &&
      parse_time_text(inner.substr(0, sp), 0, w.ts))
    inner.remove_prefix(sp + 1);
  else
    w.ts = Timestamp{};
  w.inner = inner;
  w.found = true;
  return true;
}

bool looks_compose(std::string_view line) {
  // (first a bar after a blank within the name's reach: most lines have none, and detection
  // asks of every line)
  const auto* bar = static_cast<const char*>(std::memchr(line.data(), '|', std::min<size_t>(line.size(), 132)));
  if (bar == nullptr || bar - line.data() < 2 || bar[-1] != ' ') return false;
  WrappedLine w;
  std::string_view name;
  return split_compose(line, w, name);
}

bool parse_compose(std::string_view line, const ParseContext& ctx, Record& rec) {
  WrappedLine w;
  std::string_view name;
  if (!split_compose(line, w, name))
    return ctx.fail(Format::Compose, "expected <container>  | <line> (docker compose logs)", 0);
  name = rec.keep(name);
  parse_wrapped(w, "compose", ctx, rec);
  rec.fields.push_back({"container.name", Field::Kind::String, name});
  return true;
}

bool unquote_value(std::string_view s, size_t& i, std::string& out, const char*& why) {
  const size_t n = s.size();
  while (i < n) {
    char c = s[i++];
    if (c == '"') return true;
    if (c != '\\' || i >= n) {
      out.push_back(c);
      continue;
    }
    char e = s[i++];
    switch (e) {
      case 'n': out.push_back('\n'); break;
      case 't': out.push_back('\t'); break;
      case 'r': out.push_back('\r'); break;
      case 'u': {
        unsigned cp = 0;
        size_t k = 0;
        for (; k < 4 && i + k < n; ++k) {
          const int v = scan::hex_digit(s[i + k]);
          if (v < 0) break;
          cp = cp * 16 + static_cast<unsigned>(v);
        }
        if (k < 4) {
          why = "bad \\u escape";
          return false;
        }
        i += 4;
        if (cp < 0x80) {
          out.push_back(static_cast<char>(cp));
        } else if (cp < 0x800) {
          out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        } else {
          out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
          out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
          out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
        }
        break;
      }
      default: out.push_back(e);  // \" \\ and anything else: the character
    }
  }
  why = "unterminated quoted value";
  return false;
}

namespace {
bool pair_key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '/';
}
}  // namespace

size_t trailing_pairs_start(std::string_view s, char after) {
  constexpr size_t npos = std::string_view::npos;
  size_t start = npos;
  bool quotes_dead = false;  // a quoted value found no end: no later one can
  std::string scratch;
  for (size_t b = s.find(' '); b != npos;) {
    size_t i = b + 1;
    const size_t k = i;
    while (i < s.size() && pair_key_char(s[i])) ++i;
    bool pair = i > k && i < s.size() && s[i] == '=';
    if (pair && ++i < s.size() && s[i] == '"') {
      ++i;
      scratch.clear();
      const char* why = nullptr;
      if (quotes_dead || !unquote_value(s, i, scratch, why)) pair = false, quotes_dead = true;
    } else if (pair) {
      while (i < s.size() && s[i] != ' ') ++i;
    }
    if (pair && (i == s.size() || s[i] == ' ')) {
      if (start == npos && (after == 0 || (b > 0 && s[b - 1] == after))) start = b;
      b = i < s.size() ? i : npos;
    } else {
      start = npos;
      b = s.find(' ', b + 1);
    }
  }
  return start;
}

bool read_pairs(std::string_view s, size_t i, Record& rec) {
  struct Pair {
    std::string_view key;
    std::string value;
    bool quoted;
  };
  std::vector<Pair> pairs;
  const char* why = nullptr;
  while (i < s.size()) {
    if (s[i] != ' ') return false;
    ++i;
    const size_t k = i;
    while (i < s.size() && pair_key_char(s[i])) ++i;
    if (i == k || i >= s.size() || s[i] != '=') return false;
    Pair p{s.substr(k, i - k), {}, false};
    ++i;
    if (i < s.size() && s[i] == '"') {
      ++i;
      if (!unquote_value(s, i, p.value, why)) return false;
      p.quoted = true;
    } else {  // a number, a bool, <nil>, a word: up to the next blank
      const size_t v = i;
      while (i < s.size() && s[i] != ' ') ++i;
      p.value.assign(s.substr(v, i - v));
    }
    pairs.push_back(std::move(p));
  }
  if (pairs.empty()) return false;
  for (const Pair& p : pairs) {
    Field f = Field::string(rec.input_key(p.key), rec.keep(p.value));
    if (!p.quoted) type_bare_value(f);
    rec.fields.push_back(f);
  }
  return true;
}

void type_bare_value(Field& f) {
  std::string_view v = f.text;
  if (v == "true" || v == "false") {
    f.kind = Field::Kind::Bool;
    f.b = v == "true";
  } else if (!v.empty() && (v[0] == '-' || (v[0] >= '0' && v[0] <= '9'))) {
    size_t d = v[0] == '-' ? 1 : 0;
    bool digits = d < v.size() && v.size() - d <= 18 && (v.size() - d == 1 || v[d] != '0');
    for (size_t k = d; k < v.size() && digits; ++k) digits = v[k] >= '0' && v[k] <= '9';
    if (digits) {
      int64_t x = 0;
      for (size_t k = d; k < v.size(); ++k) x = x * 10 + (v[k] - '0');
      f.kind = Field::Kind::Int;
      f.i = d ? -x : x;
    } else if (is_json_number(v) && v.find_first_of(".eE") != std::string_view::npos) {  // else: text
      f.kind = Field::Kind::Float;
      f.f = std::strtod(std::string(v).c_str(), nullptr);
      if (!std::isfinite(f.f)) f.kind = Field::Kind::String;
    }
  }
}

namespace {
// logfmt's pairs as fields of rec (nothing else set): key=value key="quoted \"value\"" key (no
// value: empty string). False, with the reason in ctx, if the text is not such pairs.
bool logfmt_pairs(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::Logfmt;
  size_t i = 0, n = line.size();
  auto is_space = [](char c) { return c == ' ' || c == '\t'; };
  while (true) {
    while (i < n && is_space(line[i])) ++i;
    if (i >= n) break;
    size_t ks = i;
    while (i < n && !is_space(line[i]) && line[i] != '=' && line[i] != '"') ++i;
    if (i == ks) return ctx.fail(F, "expected a key", i);
    std::string_view key = line.substr(ks, i - ks);
    Field f{key, Field::Kind::String, {}};
    if (i < n && line[i] == '=') {
      ++i;
      if (i < n && line[i] == '"') {
        // Quoted: unescape into scratch (never longer than the line, reserved to its size).
        size_t at = rec.scratch.size();
        const char* why = nullptr;
        ++i;
        if (!unquote_value(line, i, rec.scratch, why)) return ctx.fail(F, why, i);
        f.text = std::string_view(rec.scratch.data() + at, rec.scratch.size() - at);
      } else {
        size_t vs = i;
        while (i < n && !is_space(line[i])) ++i;
        f.text = line.substr(vs, i - vs);
        type_bare_value(f);  // numbers and booleans keep their type
      }
    }
    if (i < n && !is_space(line[i])) return ctx.fail(F, "expected a space between pairs", i);
    f.name = rec.input_key(f.name);
    rec.fields.push_back(f);
  }
  return true;
}
}  // namespace

bool parse_logfmt(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::Logfmt;
  if (looks_fortigate(line) && read_fortigate(line, ctx, rec)) {  // a FortiGate's pairs, as a file holds them
    rec.format = F;
    return true;
  }
  if (!logfmt_pairs(line, ctx, rec)) return false;
  if (rec.fields.empty()) return ctx.fail(F, "no key=value pairs", 0);
  rec.format = F;
  apply_roles(ctx, rec, nullptr);
  return true;
}

bool read_logfmt_message(std::string_view message, const ParseContext& ctx, Record& rec) {
  if (!looks_logfmt(message)) return false;
  const size_t fields = rec.fields.size();
  const ParseError saved = ctx.err;
  if (!logfmt_pairs(message, ctx, rec) || rec.fields.size() < fields + 2) {  // one "a=b" is no evidence
    rec.fields.resize(fields);  // the message stays text
    ctx.err = saved;
    return false;
  }
  apply_roles_over_header(ctx, rec);
  return true;
}

void apply_roles_over_header(const ParseContext& ctx, Record& rec) {
  const Timestamp header_time = rec.ts;
  const std::string_view header_host = rec.hostname, header_level = rec.level;
  const int64_t header_pid = rec.pid;
  rec.ts = Timestamp{};
  rec.message = {};
  rec.level = {};
  apply_roles(ctx, rec, nullptr);
  if (rec.time_from_read) {
    rec.ts = header_time;
    rec.time_from_read = false;
  }
  if (rec.hostname.empty()) rec.hostname = header_host;
  if (rec.pid < 0) rec.pid = header_pid;
  if (rec.level.empty()) rec.level = header_level;
}

bool looks_logfmt(std::string_view line) {
  // key=... first, with a key of identifier characters: Apache and syslog lines never start so.
  size_t i = 0;
  if (line.empty() || !((line[0] >= 'a' && line[0] <= 'z') || (line[0] >= 'A' && line[0] <= 'Z') || line[0] == '_'))
    return false;
  while (i < line.size() && ((line[i] >= 'a' && line[i] <= 'z') || (line[i] >= 'A' && line[i] <= 'Z') ||
                             (line[i] >= '0' && line[i] <= '9') || line[i] == '_' || line[i] == '.' || line[i] == '-'))
    ++i;
  return i < line.size() && line[i] == '=';
}

}  // namespace ki
