#include "watch/event.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <array>

#include "parse/level.h"
#include "parse/timestamp.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki::watch {

namespace {
constexpr std::array<std::string_view, 9> kNames = {"emerg", "alert", "crit", "err", "warning",
                                                    "notice", "info", "debug", "trace"};
// The event.action of a login the parsers read: sshd's, Postfix's SASL, Dovecot's IMAP/POP3.
bool login_action(std::string_view a) { return a == "ssh_login" || a == "smtp_auth" || a == "mail_login"; }
}

int severity_from_level(std::string_view l) { return ki::severity_with_trace(l); }

std::string_view severity_name(int s) { return s >= 0 && s <= 8 ? kNames[s] : std::string_view{}; }

WatchEvent event_from_record(const Record& r, std::string_view source) {
  WatchEvent ev;
  ev.has_ts = r.ts.valid;
  ev.ts_ms = r.ts.valid ? r.ts.epoch_ms() : 0;
  ev.status = r.status;
  if (!r.level.empty()) {
    ev.level = r.level;
    ev.severity = severity_from_level(r.level);
    if (r.severity >= 0 && ev.severity != 8) ev.severity = r.severity;  // numeric levels (pino 50)
  } else if (r.severity >= 0) {
    ev.severity = r.severity;
    ev.level = severity_name(ev.severity);
  } else if (r.priority >= 0) {
    ev.severity = r.priority % 8;
    ev.level = severity_name(ev.severity);
  }
  // Behind a proxy (X-Forwarded-For after the user agent) the client is the one the header names.
  ev.client_ip = r.forwarded_for.empty() ? r.client_ip : list_client(r.forwarded_for, true);
  if (r.user != "-") ev.user = r.user;
  ev.host = r.hostname;
  ev.app = !r.app.empty() ? r.app : r.service;  // group_by: app is the syslog app, else the service (app JSON)
  ev.source = source;
  ev.method = r.method;
  ev.path = r.path;
  ev.message = r.message.substr(0, 200);
  ev.format = format_name(r.format);
  bool failure = false, login = false;
  for (const Field& f : r.fields) {
    if (f.name == "event.outcome") failure = f.text == "failure";
    else if (f.name == "event.action") login = login_action(f.text);
  }
  ev.login_failed = failure && login;
  return ev;
}

struct DocumentDecoder::Impl {
  simdjson::dom::parser parser;
};
DocumentDecoder::DocumentDecoder() : impl_(new Impl) {}
DocumentDecoder::~DocumentDecoder() { delete impl_; }

namespace {
using simdjson::dom::element;

std::string_view str_at(element obj, std::string_view pointer) {
  auto v = obj.at_pointer(pointer);
  if (v.error()) return {};
  std::string_view s;
  return v.get(s) ? std::string_view{} : s;
}
int int_at(element obj, std::string_view pointer) {
  auto v = obj.at_pointer(pointer);
  if (v.error()) return -1;
  int64_t i = 0;
  if (!v.get(i)) return static_cast<int>(i);
  std::string_view s;  // the flat schema writes status_code as a string
  if (!v.get(s) && !s.empty() && s.size() < 10) {
    int x = 0;
    for (char c : s) {
      if (c < '0' || c > '9') return -1;
      x = x * 10 + (c - '0');
    }
    return x;
  }
  return -1;
}
// Where each event field is in a document of either layout (JSON pointers).
struct FieldPaths {
  const char *status, *client_ip, *user, *level, *severity, *host, *app, *method, *path, *format;
};
constexpr FieldPaths kEcsPaths{"/http/response/status_code", "/source/ip", "/user/name", "/log/level",
                               "/log/syslog/severity/code", "/host/hostname", "/process/name",
                               "/http/request/method", "/url/original", "/kafkainsight/format"};
constexpr FieldPaths kFlatPaths{"/status_code", "/ip_address", "/username", "/level", "/severity",
                                "/hostname", "/app", "/operation", "/source", "/format"};
}  // namespace

bool DocumentDecoder::decode(std::string_view json, std::string_view source, int64_t fallback_ts_ms, WatchEvent& ev) {
  ev = WatchEvent{};
  element doc;
  if (impl_->parser.parse(json.data(), json.size()).get(doc) || !doc.is_object()) return false;
  std::string_view ts = str_at(doc, "/@timestamp");
  Timestamp t;
  if (!ts.empty() && parse_iso8601(ts.data(), ts.size(), t) == ts.size() && t.valid) {
    ev.ts_ms = t.epoch_ms();
    ev.has_ts = true;
  } else if (fallback_ts_ms > 0) {
    ev.ts_ms = fallback_ts_ms;
    ev.has_ts = true;
  }
  ev.source = source;
  // The flat layout has a top-level "format" string; ECS keeps it in kafkainsight.format.
  const bool ecs = str_at(doc, "/format").empty();
  const FieldPaths& p = ecs ? kEcsPaths : kFlatPaths;
  ev.status = int_at(doc, p.status);
  ev.client_ip = ecs ? str_at(doc, "/network/forwarded_ip") : std::string_view();
  if (ev.client_ip.empty()) ev.client_ip = str_at(doc, p.client_ip);
  ev.user = str_at(doc, p.user);
  if (!ecs && ev.user == "-") ev.user.clear();
  ev.level = str_at(doc, p.level);
  int sev = int_at(doc, p.severity);
  if (sev < 0 && ecs) sev = int_at(doc, "/event/severity");  // any format with a level (app JSON, logfmt, grok)
  ev.severity = sev >= 0 ? sev : severity_from_level(ev.level);
  ev.host = str_at(doc, p.host);
  ev.app = str_at(doc, p.app);
  if (ev.app.empty() && ecs) ev.app = str_at(doc, "/service/name");  // as event_from_record
  ev.method = str_at(doc, p.method);
  ev.path = str_at(doc, p.path);
  ev.format = str_at(doc, p.format);
  ev.message = str_at(doc, "/message").substr(0, 200);
  ev.login_failed = str_at(doc, "/event/outcome") == "failure" && login_action(str_at(doc, "/event/action"));
  return true;
}

std::string iso_ms(int64_t ms) {
  int64_t sec = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
  int64_t days = sec >= 0 ? sec / 86400 : (sec - 86399) / 86400;
  int64_t rem = sec - days * 86400;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ", static_cast<long long>(y), m, d,
                static_cast<long long>(rem / 3600), static_cast<long long>(rem / 60 % 60),
                static_cast<long long>(rem % 60), static_cast<long long>(ms - sec * 1000));
  return buf;
}

std::string sample_json(const WatchEvent& ev) {
  nlohmann::json j;
  j["@timestamp"] = ev.has_ts ? iso_ms(ev.ts_ms) : "";
  auto put = [&](const char* k, const std::string& v) {
    if (!v.empty()) j[k] = v;
  };
  put("source.ip", ev.client_ip);
  put("user.name", ev.user);
  if (ev.status >= 0) j["http.response.status_code"] = ev.status;
  put("http.request.method", ev.method);
  put("url.original", ev.path);
  put("log.level", ev.level);
  put("host.hostname", ev.host);
  put("process.name", ev.app);
  put("message", ev.message);
  put("ki.source", ev.source);
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace ki::watch
