#include "watch/rules_config.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <map>
#include <sstream>

#include "watch/event.h"

namespace ki::watch {

int64_t parse_duration_ms(const std::string& s) {
  size_t i = 0;
  while (i < s.size() && (std::isdigit(static_cast<unsigned char>(s[i])) || s[i] == '.')) ++i;
  if (i == 0) throw std::invalid_argument("expected a duration like 30s, 5m, 250ms or 1h, got '" + s + "'");
  double v = std::stod(s.substr(0, i));
  std::string unit = s.substr(i);
  double mult = unit.empty() || unit == "s" ? 1000 : unit == "ms" ? 1 : unit == "m" ? 60000 : unit == "h" ? 3600000 : -1;
  if (mult < 0) throw std::invalid_argument("unknown unit '" + unit + "' in '" + s + "' (use ms, s, m or h)");
  return static_cast<int64_t>(std::llround(v * mult));
}

std::string_view group_by_name(GroupBy g) {
  switch (g) {
    case GroupBy::None: return "none";
    case GroupBy::Host: return "host";
    case GroupBy::App: return "app";
    case GroupBy::Source: return "source";
    case GroupBy::Format: return "format";
  }
  return "";
}

namespace {

// Reads one mapping: each key must be known; errors say file, dotted key and line.
class Reader {
 public:
  Reader(const std::string& file) : file_(file) {}

  [[noreturn]] void fail(const YAML::Node& n, const std::string& key, const std::string& msg) const {
    std::string where = n.Mark().line >= 0 ? " (line " + std::to_string(n.Mark().line + 1) + ")" : "";
    throw RulesError(file_ + ": " + key + ": " + msg + where);
  }

  using Handler = std::function<void(const YAML::Node&, const std::string& key)>;
  void mapping(const YAML::Node& n, const std::string& prefix, const std::map<std::string, Handler>& handlers) const {
    if (n.IsNull()) return;
    if (!n.IsMap()) fail(n, prefix.empty() ? "(top level)" : prefix, "expected a mapping of keys to values");
    for (const auto& kv : n) {
      std::string k = kv.first.as<std::string>();
      std::string full = prefix.empty() ? k : prefix + "." + k;
      auto h = handlers.find(k);
      if (h == handlers.end()) {
        std::string known;
        for (const auto& [name, _] : handlers) known += (known.empty() ? "" : ", ") + name;
        fail(kv.first, full, "unknown key (known here: " + known + ")");
      }
      h->second(kv.second, full);
    }
  }

  std::string scalar(const YAML::Node& n, const std::string& key) const {
    if (!n.IsScalar()) fail(n, key, "expected a single value");
    return n.Scalar();
  }
  bool boolean(const YAML::Node& n, const std::string& key) const {
    std::string s = scalar(n, key);
    if (s == "true" || s == "yes" || s == "on") return true;
    if (s == "false" || s == "no" || s == "off") return false;
    fail(n, key, "expected true or false, got '" + s + "'");
  }
  double number(const YAML::Node& n, const std::string& key, double lo, double hi) const {
    std::string s = scalar(n, key);
    char* end = nullptr;
    double v = std::strtod(s.c_str(), &end);
    if (s.empty() || *end || !std::isfinite(v)) fail(n, key, "expected a number, got '" + s + "'");
    if (v < lo || v > hi) {
      std::ostringstream o;
      o << "must be between " << lo << " and " << hi << ", got " << s;
      fail(n, key, o.str());
    }
    return v;
  }
  uint64_t count(const YAML::Node& n, const std::string& key, uint64_t lo = 1) const {
    double v = number(n, key, static_cast<double>(lo), 1e12);
    if (v != std::floor(v)) fail(n, key, "expected a whole number, got '" + n.Scalar() + "'");
    return static_cast<uint64_t>(v);
  }
  int64_t duration(const YAML::Node& n, const std::string& key, int64_t min_ms) const {
    int64_t ms;
    try {
      ms = parse_duration_ms(scalar(n, key));
    } catch (const std::invalid_argument& e) {
      fail(n, key, e.what());
    }
    if (ms < min_ms) fail(n, key, "must be at least " + std::to_string(min_ms) + " ms, got '" + n.Scalar() + "'");
    return ms;
  }
  GroupBy group_by(const YAML::Node& n, const std::string& key) const {
    std::string s = scalar(n, key);
    for (GroupBy g : {GroupBy::None, GroupBy::Host, GroupBy::App, GroupBy::Source, GroupBy::Format})
      if (s == group_by_name(g)) return g;
    fail(n, key, "expected one of none, host, app, source, format; got '" + s + "'");
  }
  // A window is evaluated per whole second of event time.
  int64_t window(const YAML::Node& n, const std::string& key) const {
    int64_t ms = duration(n, key, 1000);
    if (ms % 1000) fail(n, key, "must be whole seconds, got '" + n.Scalar() + "'");
    return ms;
  }

 private:
  std::string file_;
};

}  // namespace

RulesConfig load_rules_yaml(const std::string& text, const std::string& name) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw RulesError(name + ": not valid YAML: " + e.what());
  }
  RulesConfig c;
  Reader r(name);
  auto& el = c.error_levels;
  auto& sh = c.http_5xx_share;
  auto& sp = c.http_4xx_spike;
  auto& au = c.auth_failures;
  auto& hb = c.heartbeat;
  std::map<std::string, Reader::Handler> rules = {
      {"error_levels",
       [&](const YAML::Node& n, const std::string& p) {
         r.mapping(n, p,
                   {{"enabled", [&](auto& v, auto& k) { el.enabled = r.boolean(v, k); }},
                    {"window", [&](auto& v, auto& k) { el.window_ms = r.window(v, k); }},
                    {"threshold", [&](auto& v, auto& k) { el.threshold = r.count(v, k); }},
                    {"group_by", [&](auto& v, auto& k) { el.group_by = r.group_by(v, k); }},
                    {"max_severity", [&](auto& v, auto& k) {
                       std::string s = r.scalar(v, k);
                       int sev = severity_from_level(s);
                       if (sev < 0 && !s.empty() && std::isdigit(static_cast<unsigned char>(s[0])))
                         sev = static_cast<int>(r.number(v, k, 0, 7));
                       if (sev < 0 || sev > 7)
                         r.fail(v, k, "expected a syslog severity (emerg, alert, crit, err, warning, notice, info, "
                                      "debug) or 0-7, got '" + s + "'");
                       el.max_severity = sev;
                     }}});
       }},
      {"http_5xx_share",
       [&](const YAML::Node& n, const std::string& p) {
         r.mapping(n, p,
                   {{"enabled", [&](auto& v, auto& k) { sh.enabled = r.boolean(v, k); }},
                    {"window", [&](auto& v, auto& k) { sh.window_ms = r.window(v, k); }},
                    {"threshold", [&](auto& v, auto& k) { sh.threshold = r.number(v, k, 0, 1); }},
                    {"min_requests", [&](auto& v, auto& k) { sh.min_requests = r.count(v, k); }}});
       }},
      {"http_4xx_spike",
       [&](const YAML::Node& n, const std::string& p) {
         r.mapping(n, p,
                   {{"enabled", [&](auto& v, auto& k) { sp.enabled = r.boolean(v, k); }},
                    {"window", [&](auto& v, auto& k) { sp.window_ms = r.window(v, k); }},
                    {"min_count", [&](auto& v, auto& k) { sp.min_count = r.count(v, k); }},
                    {"factor", [&](auto& v, auto& k) { sp.factor = r.number(v, k, 1, 1e6); }}});
       }},
      {"auth_failures",
       [&](const YAML::Node& n, const std::string& p) {
         r.mapping(n, p,
                   {{"enabled", [&](auto& v, auto& k) { au.enabled = r.boolean(v, k); }},
                    {"window", [&](auto& v, auto& k) { au.window_ms = r.window(v, k); }},
                    {"threshold", [&](auto& v, auto& k) { au.threshold = r.count(v, k); }},
                    {"statuses",
                     [&](auto& v, auto& k) {
                       if (!v.IsSequence() || v.size() == 0) r.fail(v, k, "expected a list of HTTP statuses, e.g. [401, 403]");
                       au.statuses.clear();
                       for (const auto& s : v) au.statuses.push_back(static_cast<int>(r.number(s, k, 100, 599)));
                     }},
                    {"by", [&](auto& v, auto& k) {
                       if (!v.IsSequence() || v.size() == 0) r.fail(v, k, "expected a list of client_ip and/or user");
                       au.by_client_ip = au.by_user = false;
                       for (const auto& s : v) {
                         std::string x = r.scalar(s, k);
                         if (x == "client_ip") au.by_client_ip = true;
                         else if (x == "user") au.by_user = true;
                         else r.fail(s, k, "expected client_ip or user, got '" + x + "'");
                       }
                     }}});
       }},
      {"heartbeat",
       [&](const YAML::Node& n, const std::string& p) {
         r.mapping(n, p,
                   {{"enabled", [&](auto& v, auto& k) { hb.enabled = r.boolean(v, k); }},
                    {"silence", [&](auto& v, auto& k) { hb.silence_ms = r.duration(v, k, 1000); }},
                    {"group_by", [&](auto& v, auto& k) {
                       hb.group_by = r.group_by(v, k);
                       if (hb.group_by == GroupBy::None) r.fail(v, k, "a heartbeat needs a key: host, app, source or format");
                     }}});
       }},
  };
  r.mapping(root, "",
            {{"lateness", [&](auto& v, auto& k) { c.lateness_ms = r.duration(v, k, 0); }},
             {"idle_advance", [&](auto& v, auto& k) { c.idle_advance_ms = r.duration(v, k, 0); }},
             {"partition_idle", [&](auto& v, auto& k) { c.partition_idle_ms = r.duration(v, k, 0); }},
             {"samples", [&](auto& v, auto& k) { c.samples = static_cast<size_t>(r.number(v, k, 0, 100)); }},
             {"rules", [&](auto& v, auto& k) { r.mapping(v, k, rules); }}});
  return c;
}

RulesConfig load_rules_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw RulesError(path + ": cannot read the rules file");
  std::stringstream ss;
  ss << in.rdbuf();
  return load_rules_yaml(ss.str(), path);
}

std::string default_rules_yaml() {
  return R"(# KafkaInsight watch rules (the built-in defaults). Durations: 250ms, 30s, 5m, 1h.
lateness: 10s        # event-time lateness allowed; older events are counted and dropped
idle_advance: 1s     # live: no input for this long -> the watermark follows the wall clock (0 = off)
partition_idle: 10s  # live: a partition read to its end stops holding the watermark back after this long
samples: 3           # sample events per alert
rules:
  error_levels:      # apache_error levels / syslog severities at or above max_severity
    enabled: true
    window: 60s
    max_severity: err
    threshold: 1
    group_by: source # none | host | app | source (file / ki.source header) | format
  http_5xx_share:    # share of 5xx responses among all requests
    enabled: true
    window: 60s
    threshold: 0.2
    min_requests: 20
  http_4xx_spike:    # 4xx count vs the window before
    enabled: true
    window: 60s
    min_count: 20
    factor: 3.0
  auth_failures:     # one client IP / user with too many 401/403 or failed sshd logins
    enabled: true
    window: 60s
    threshold: 10
    statuses: [401, 403]
    by: [client_ip, user]
  heartbeat:         # a host/app that logged and then went silent
    enabled: true
    silence: 300s
    group_by: source
)";
}

}  // namespace ki::watch
