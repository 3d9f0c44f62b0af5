#include "encode/encoder.h"

#include <arpa/inet.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <climits>

#include "encode/columns.h"
#include "encode/json_writer.h"
#include "util/timefmt.h"

namespace ki {

namespace {

constexpr std::string_view kSeverity[8] = {"emerg", "alert", "crit", "err",
                                           "warning", "notice", "info", "debug"};
constexpr std::string_view kFacility[24] = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",      "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6",   "local7"};

bool is_ipv4_fast(std::string_view s) {
  int parts = 0; size_t i = 0, n = s.size();
  while (true) {
    size_t st = i; unsigned v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 3) v = v * 10 + unsigned(s[i++] - '0');
    if (i == st || v > 255 || (i - st > 1 && s[st] == '0')) return false;
    if (++parts == 4) return i == n;
    if (i >= n || s[i] != '.') return false;
    ++i;
  }
}
bool is_ip(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  if (s.find(':') == std::string_view::npos) return is_ipv4_fast(s);
  char buf[48];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  unsigned char addr[16];
  if (s.find(':') != std::string_view::npos) return inet_pton(AF_INET6, buf, addr) == 1;
  return inet_pton(AF_INET, buf, addr) == 1;
}

bool is_access(Format f) {
  return f == Format::ApacheCommon || f == Format::ApacheCombined || f == Format::Json;
}
bool is_syslog(Format f) { return f == Format::Rfc3164 || f == Format::Rfc5424; }

// Local wall clock of the event as the log wrote it.
struct Civil {
  int64_t year;
  unsigned month, day;
  int hour, minute, second;
};
Civil local_civil(const Timestamp& ts) {
  int64_t local = ts.epoch_sec + ts.offset_min * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  Civil c{};
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

}  // namespace

std::string_view schema_name(Schema s) { return s == Schema::Ecs ? "ecs" : "kafkainsight"; }

std::optional<Schema> schema_from_name(std::string_view name) {
  if (name == "ecs") return Schema::Ecs;
  if (name == "kafkainsight" || name == "flat") return Schema::KafkaInsight;
  return std::nullopt;
}

std::string_view status_class(int status) {
  switch (status / 100) {
    case 1: return "Informational";
    case 2: return "Successful";
    case 3: return "Redirection";
    case 4: return "Client Error";
    case 5: return "Server Error";
    default: return "Unknown";
  }
}

std::optional<std::string_view> record_field(const Record& r, std::string_view name) {
  if (name == "source.ip" || name == "source.address") return r.client_ip;
  if (name == "user.name") return r.user == "-" ? std::string_view{} : r.user;
  if (name == "host.hostname") return r.hostname;
  if (name == "process.name") return r.app;
  if (name == "url.original") return r.path;
  if (name == "http.request.method") return r.method;
  if (name == "log.level") return r.level;
  if (name == "log.syslog.msgid") return r.msgid;
  if (name == "kafkainsight.format") return format_name(r.format);
  return std::nullopt;
}

bool is_key_field(std::string_view name) { return record_field(Record{}, name).has_value(); }

namespace {
inline char* put2(char* p, unsigned v) { p[0] = char('0' + v / 10); p[1] = char('0' + v % 10); return p + 2; }
}  // namespace

void append_iso8601(std::string& out, const Timestamp& ts) {
  // Date part cached per (local) day: civil_from_days runs once a day, not once a line.
  thread_local int64_t cached_day = INT64_MIN;
  thread_local char date[16];
  thread_local size_t date_len = 0;
  int64_t local = ts.epoch_sec + ts.offset_min * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  unsigned secs = static_cast<unsigned>(local - days * 86400);
  if (days != cached_day) {
    Civil c = local_civil(ts);
    std::string tmp;
    append_padded(tmp, c.year, 4);
    tmp.push_back('-');
    append_padded(tmp, c.month, 2);
    tmp.push_back('-');
    append_padded(tmp, c.day, 2);
    tmp.push_back('T');
    if (tmp.size() <= sizeof date) {
      std::memcpy(date, tmp.data(), tmp.size());
      date_len = tmp.size();
      cached_day = days;
    } else {
      out += tmp;  // absurd year: no cache
      date_len = 0;
      cached_day = INT64_MIN;
    }
  }
  char buf[48];
  char* p = buf;
  std::memcpy(p, date, date_len);
  p += date_len;
  p = put2(p, secs / 3600);
  *p++ = ':';
  p = put2(p, secs / 60 % 60);
  *p++ = ':';
  p = put2(p, secs % 60);
  if (ts.frac_digits > 0) {
    *p++ = '.';
    uint32_t v = ts.nanos;
    char f[9];
    for (int i = 8; i >= 0; --i) { f[i] = static_cast<char>('0' + v % 10); v /= 10; }
    std::memcpy(p, f, ts.frac_digits);
    p += ts.frac_digits;
  }
  if (ts.offset_min == 0) {
    *p++ = 'Z';
  } else {
    int off = ts.offset_min < 0 ? -ts.offset_min : ts.offset_min;
    *p++ = ts.offset_min < 0 ? '-' : '+';
    p = put2(p, static_cast<unsigned>(off / 60));
    *p++ = ':';
    p = put2(p, static_cast<unsigned>(off % 60));
  }
  out.append(buf, static_cast<size_t>(p - buf));
}

namespace {

// The encoder's output interface over JsonWriter (ColumnWriter is the other one): the
// document's shape is written once, in emit_ecs / emit_kafkainsight.
struct JsonSink {
  JsonWriter w;
  std::string& out;
  explicit JsonSink(std::string& o) : w(o), out(o) {}
  void begin_object() { w.begin_object(); }
  void begin_object(std::string_view k) { w.begin_object(k); }
  void begin_object_escaped(std::string_view k) { w.escaped_key(k); w.begin_object(); }
  void end_object() { w.end_object(); }
  void field(std::string_view k, std::string_view v) { w.field(k, v); }
  void field(std::string_view k, int64_t v) { w.field(k, v); }
  void field_bool(std::string_view k, bool v) { w.field_bool(k, v); }
  void field_escaped(std::string_view k, std::string_view v) { w.escaped_key(k); w.string(v); }
  void field_cat(std::string_view k, std::string_view v) { w.field(k, v); }
  void field_ts(std::string_view k, const Timestamp& ts) {
    w.key(k);
    w.raw_value().push_back('"');
    append_iso8601(out, ts);
    out.push_back('"');
  }
};

template <class W>
void emit_ecs(const Record& r, const EncoderConfig& cfg, W& w);
template <class W>
void emit_kafkainsight(const Record& r, W& w);

}  // namespace

void Encoder::encode(const Record& rec, std::string& out) const {
  JsonSink w(out);
  if (cfg_.schema == Schema::Ecs)
    emit_ecs(rec, cfg_, w);
  else
    emit_kafkainsight(rec, w);
}

void Encoder::encode(const Record& rec, ColumnWriter& w) const {
  if (cfg_.schema == Schema::Ecs)
    emit_ecs(rec, cfg_, w);
  else
    emit_kafkainsight(rec, w);
}

namespace {

template <class W>
void emit_ecs(const Record& r, const EncoderConfig& cfg, W& w) {
  w.begin_object();
  if (r.ts.valid) w.field_ts("@timestamp", r.ts);
  const bool access = is_access(r.format);
  if (!r.message.empty() || r.format == Format::ApacheError || is_syslog(r.format))
    w.field("message", r.message);

  if (!r.client_ip.empty()) {
    w.begin_object("source");
    if (is_ip(r.client_ip))
      w.field("ip", r.client_ip);
    else
      w.field("domain", r.client_ip);  // HostnameLookups On writes names, not addresses
    if (r.port >= 0) w.field("port", r.port);
    w.end_object();
  }
  if (access) {
    if (!r.user.empty() && r.user != "-") {
      w.begin_object("user");
      w.field("name", r.user);
      w.end_object();
    }
    w.begin_object("http");
    if (!r.method.empty() || r.has_referrer) {
      w.begin_object("request");
      if (!r.method.empty()) w.field_cat("method", r.method);
      if (r.has_referrer) w.field("referrer", r.referrer);
      w.end_object();
    }
    if (!r.protocol.empty()) {
      std::string_view v = r.protocol;
      if (v.starts_with("HTTP/")) v.remove_prefix(5);
      w.field_cat("version", v);
    }
    w.begin_object("response");
    if (r.status >= 0) w.field("status_code", r.status);
    if (r.bytes >= 0) {
      w.begin_object("body");
      w.field("bytes", r.bytes);
      w.end_object();
    }
    w.end_object();
    w.end_object();
    // A request that is not "METHOD PATH PROTO" (TLS bytes, junk) is kept whole.
    std::string_view url = !r.path.empty() ? r.path : (r.method.empty() ? r.request : std::string_view{});
    if (!url.empty() && url != "-") {
      w.begin_object("url");
      w.field("original", url);
      w.end_object();
    }
    if (r.has_referrer && !r.user_agent.empty()) {
      w.begin_object("user_agent");
      w.field("original", r.user_agent);
      w.end_object();
    }
  }

  const bool has_sev = r.priority >= 0;
  if (!r.level.empty() || !r.module.empty() || is_syslog(r.format)) {
    w.begin_object("log");
    if (!r.level.empty())
      w.field_cat("level", r.level);
    else if (has_sev)
      w.field_cat("level", kSeverity[r.priority % 8]);
    if (!r.module.empty()) w.field("logger", r.module);
    if (is_syslog(r.format)) {
      w.begin_object("syslog");
      if (has_sev) {
        w.field("priority", r.priority);
        w.begin_object("facility");
        w.field("code", r.priority / 8);
        w.field_cat("name", kFacility[r.priority / 8]);
        w.end_object();
        w.begin_object("severity");
        w.field("code", r.priority % 8);
        w.field_cat("name", kSeverity[r.priority % 8]);
        w.end_object();
      }
      if (r.version >= 0) w.field("version", std::to_string(r.version));
      if (!r.msgid.empty()) w.field("msgid", r.msgid);
      if (!r.procid.empty() && r.pid < 0) w.field("procid", r.procid);
      if (!r.sd.empty()) {
        // {"id": {"name": "value"}}; a repeated SD-ID or name keeps its first value
        // (Elasticsearch rejects duplicate keys).
        w.begin_object("structured_data");
        for (size_t a = 0; a < r.sd.size(); ++a) {
          bool seen = false;
          for (size_t b = 0; b < a && !seen; ++b) seen = r.sd[b].id == r.sd[a].id;
          if (seen) continue;
          w.begin_object_escaped(r.sd[a].id);
          for (size_t b = a; b < r.sd.size(); ++b) {
            if (r.sd[b].id != r.sd[a].id || r.sd[b].name.empty()) continue;
            bool dup = false;
            for (size_t c = a; c < b && !dup; ++c) dup = r.sd[c].id == r.sd[a].id && r.sd[c].name == r.sd[b].name;
            if (dup) continue;
            w.field_escaped(r.sd[b].name, r.sd[b].value);
          }
          w.end_object();
        }
        w.end_object();
      }
      w.end_object();
    }
    w.end_object();
  }
  if (!r.hostname.empty()) {
    w.begin_object("host");
    w.field("hostname", r.hostname);
    w.end_object();
  }
  if (!r.app.empty() || r.pid >= 0 || r.tid >= 0) {
    w.begin_object("process");
    if (!r.app.empty()) w.field("name", r.app);
    if (r.pid >= 0) w.field("pid", r.pid);
    if (r.tid >= 0) {
      w.begin_object("thread");
      w.field("id", r.tid);
      w.end_object();
    }
    w.end_object();
  }
  if (cfg.include_original) {
    w.begin_object("event");
    w.field("original", r.raw);
    w.end_object();
  }
  w.begin_object("kafkainsight");
  w.field_cat("format", format_name(r.format));
  if (access) {
    if (r.status >= 0) w.field_cat("status_class", status_class(r.status));
    w.field_bool("anonymous", r.user.empty() || r.user == "-");
  }
  w.end_object();
  w.end_object();
}

template <class W>
void emit_kafkainsight(const Record& r, W& w) {
  // Field for field what the original producer's serialize_log() built, plus @timestamp.
  w.begin_object();
  if (r.ts.valid) w.field_ts("@timestamp", r.ts);
  const bool access = is_access(r.format);
  if (!r.client_ip.empty()) w.field("ip_address", r.client_ip);
  if (access) {
    std::string_view user = r.user.empty() ? std::string_view("-") : r.user;
    w.field("username", user);
    w.field_cat("is_user", user == "-" ? "Anonymous" : "User Exists");
  }
  if (r.ts.valid) {
    // "2024-1-24 12:39:13": month not padded, the rest as Apache writes it.
    Civil c = local_civil(r.ts);
    thread_local std::string out;
    out.clear();
    append_int(out, c.year);
    out.push_back('-');
    append_int(out, c.month);
    out.push_back('-');
    append_padded(out, c.day, 2);
    out.push_back(' ');
    append_padded(out, c.hour, 2);
    out.push_back(':');
    append_padded(out, c.minute, 2);
    out.push_back(':');
    append_padded(out, c.second, 2);
    w.field("timestamp", out);
    // "GMT+8.0": hours plus minutes/60 rounded to one decimal, as the original computed it.
    thread_local int cached_off = INT32_MIN;
    thread_local char tz[32];
    if (r.ts.offset_min != cached_off) {
      int off = r.ts.offset_min < 0 ? -r.ts.offset_min : r.ts.offset_min;
      char frac[16];
      std::snprintf(frac, sizeof frac, "%.1f", (off % 60) / 60.0);
      std::snprintf(tz, sizeof tz, "GMT%c%.1f", r.ts.offset_min < 0 ? '-' : '+', off / 60 + std::strtod(frac, nullptr));
      cached_off = r.ts.offset_min;
    }
    w.field_cat("timezone", std::string_view(tz));
  }
  if (access) {
    w.field_cat("operation", r.method);
    w.field("source", r.path);
    w.field_cat("network_protocol", r.protocol);
    w.field("status_code", std::to_string(r.status));
    std::string_view cls = status_class(r.status);
    w.field_cat("status", r.status / 100 == 1 ? std::string_view("informational") : cls);
    if (r.bytes >= 0) w.field("bytes", r.bytes);
    if (r.has_referrer) w.field("referrer", r.referrer);
    if (!r.user_agent.empty()) w.field("user_agent", r.user_agent);
  } else {
    // Formats the original never handled: the same flat style.
    if (r.port >= 0) w.field("port", r.port);
    std::string_view level = r.level;
    if (level.empty() && r.priority >= 0) level = kSeverity[r.priority % 8];
    if (!level.empty()) w.field_cat("level", level);
    if (r.priority >= 0) w.field("priority", r.priority);
    if (!r.module.empty()) w.field("module", r.module);
    if (!r.hostname.empty()) w.field("hostname", r.hostname);
    if (!r.app.empty()) w.field("app", r.app);
    if (r.pid >= 0) w.field("pid", r.pid);
    if (r.tid >= 0) w.field("tid", r.tid);
    if (!r.msgid.empty()) w.field("msgid", r.msgid);
    w.field("message", r.message);
  }
  w.field_cat("format", format_name(r.format));
  w.end_object();
}

}  // namespace

}  // namespace ki
