// The watch rule engine without a network: each rule fires on a crafted stream and stays quiet
// on a clean one; de-duplication, resolve, heartbeat silence, lateness; the rules file; the
// documents the producer writes decode back to the same fields.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <set>

#include "encode/encoder.h"
#include "parse/parser.h"
#include "watch/engine.h"
#include "watch/event.h"
#include "watch/rules_config.h"
#include "watch/watch_pipeline.h"

#include <cstdio>
#include <ctime>

using namespace ki::watch;
using json = nlohmann::json;

namespace {

constexpr int64_t kT0 = 1700000000000;  // ms

WatchEvent http(int64_t sec, int status, std::string ip = "10.0.0.1", std::string user = "") {
  WatchEvent e;
  e.ts_ms = kT0 + sec * 1000;
  e.has_ts = true;
  e.status = status;
  e.client_ip = std::move(ip);
  e.user = std::move(user);
  e.source = "access.log";
  e.format = "apache_common";
  e.path = "/x";
  return e;
}

WatchEvent logline(int64_t sec, int severity, std::string source = "app.log") {
  WatchEvent e;
  e.ts_ms = kT0 + sec * 1000;
  e.has_ts = true;
  e.severity = severity;
  e.level = std::string(severity_name(severity));
  e.source = std::move(source);
  e.format = "rfc5424";
  return e;
}

// Only the named rule enabled; lateness 0 unless given.
RulesConfig only(const std::string& rule, int64_t lateness_ms = 0) {
  RulesConfig c;
  c.lateness_ms = lateness_ms;
  c.error_levels.enabled = rule == "error_levels";
  c.http_5xx_share.enabled = rule == "http_5xx_share";
  c.http_4xx_spike.enabled = rule == "http_4xx_spike";
  c.auth_failures.enabled = rule == "auth_failures";
  c.heartbeat.enabled = rule == "heartbeat";
  return c;
}

struct Outcome {
  std::vector<json> alerts;
  EngineStats stats;
};

Outcome run(const RulesConfig& c, const std::vector<WatchEvent>& events, bool finish = true) {
  Engine e(c);
  std::vector<Alert> out;
  for (const auto& ev : events) e.push(ev, 0, out);
  if (finish) e.finish(0, out);
  Outcome r;
  for (const auto& a : out) r.alerts.push_back(json::parse(a.json));
  r.stats = e.stats();
  return r;
}

std::vector<WatchEvent> clean_traffic(int seconds) {
  std::vector<WatchEvent> v;
  for (int s = 0; s < seconds; ++s)
    for (int i = 0; i < 5; ++i) v.push_back(http(s, i == 4 && s % 10 == 0 ? 404 : 200, "10.0.0." + std::to_string(i)));
  return v;
}

}  // namespace

TEST(WatchRules, CleanTrafficRaisesNothing) {
  RulesConfig c;  // every rule, defaults
  c.heartbeat.silence_ms = 60000;
  auto v = clean_traffic(300);
  for (int s = 0; s < 300; s += 7) v.push_back(logline(s, 6));  // info logs only
  std::stable_sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.ts_ms < b.ts_ms; });
  Outcome r = run(c, v);
  EXPECT_TRUE(r.alerts.empty()) << r.alerts.front().dump();
  EXPECT_EQ(r.stats.events, v.size());
}

TEST(WatchRules, ErrorLevelsFireOncePerSourceAndResolve) {
  RulesConfig c = only("error_levels");
  std::vector<WatchEvent> v;
  for (int s = 0; s < 200; ++s) v.push_back(logline(s, 6));
  for (int s = 50; s < 55; ++s) v.push_back(logline(s, 3));        // err from app.log, 5 s
  v.push_back(logline(60, 2, "db.log"));                            // crit from db.log
  std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.ts_ms < b.ts_ms; });
  Outcome r = run(c, v);
  ASSERT_EQ(r.alerts.size(), 4u);
  EXPECT_EQ(r.alerts[0]["rule"], "error_levels");
  EXPECT_EQ(r.alerts[0]["key"], "app.log");
  EXPECT_EQ(r.alerts[0]["state"], "firing");
  EXPECT_EQ(r.alerts[0]["window"]["end"], iso_ms(kT0 + 51000));  // the first window holding second 50
  EXPECT_EQ(r.alerts[1]["key"], "db.log");
  EXPECT_EQ(r.alerts[1]["samples"][0]["log.level"], "crit");
  // 60 s after the last error each source resolves.
  EXPECT_EQ(r.alerts[2]["key"], "app.log");
  EXPECT_EQ(r.alerts[2]["state"], "resolved");
  EXPECT_EQ(r.alerts[2]["resolved_at"], iso_ms(kT0 + (54 + 61) * 1000));
  EXPECT_EQ(r.alerts[3]["key"], "db.log");
  EXPECT_EQ(r.alerts[3]["state"], "resolved");
  // warning is not error: quiet
  std::vector<WatchEvent> warn;
  for (int s = 0; s < 100; ++s) warn.push_back(logline(s, 4));
  EXPECT_TRUE(run(c, warn).alerts.empty());
}

TEST(WatchRules, Http5xxShareNeedsShareAndVolume) {
  RulesConfig c = only("http_5xx_share");
  std::vector<WatchEvent> v = clean_traffic(120);
  for (int s = 120; s < 150; ++s)
    for (int i = 0; i < 5; ++i) v.push_back(http(s, i < 2 ? 503 : 200));  // 40 % 5xx for 30 s
  for (int s = 150; s < 300; ++s) v.push_back(http(s, 200));
  Outcome r = run(c, v);
  ASSERT_EQ(r.alerts.size(), 2u) << r.alerts.size();
  EXPECT_EQ(r.alerts[0]["state"], "firing");
  EXPECT_EQ(r.alerts[0]["key"], "*");
  EXPECT_GT(r.alerts[0]["observed"].get<double>(), 0.2);
  EXPECT_EQ(r.alerts[0]["threshold"], 0.2);
  EXPECT_EQ(r.alerts[0]["samples"].size(), 3u);
  EXPECT_EQ(r.alerts[0]["samples"][0]["http.response.status_code"], 503);
  EXPECT_EQ(r.alerts[1]["state"], "resolved");
  EXPECT_LE(r.alerts[1]["observed"].get<double>(), 0.2);

  // All 5xx but fewer requests than min_requests: quiet.
  std::vector<WatchEvent> few;
  for (int s = 0; s < 100; s += 10) few.push_back(http(s, 500));
  EXPECT_TRUE(run(c, few).alerts.empty());
}

TEST(WatchRules, Http4xxSpikeAgainstThePreviousWindow) {
  RulesConfig c = only("http_4xx_spike");
  std::vector<WatchEvent> v;
  for (int s = 0; s < 300; ++s) v.push_back(http(s, s % 6 == 0 ? 404 : 200));  // steady 10 per minute
  Outcome quiet = run(c, v);
  EXPECT_TRUE(quiet.alerts.empty());
  for (int s = 300; s < 320; ++s)
    for (int i = 0; i < 4; ++i) v.push_back(http(s, 404));  // 80 in 20 s
  for (int s = 320; s < 500; ++s) v.push_back(http(s, s % 6 == 0 ? 404 : 200));
  Outcome r = run(c, v);
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0]["rule"], "http_4xx_spike");
  EXPECT_EQ(r.alerts[0]["state"], "firing");
  EXPECT_GE(r.alerts[0]["observed"].get<double>(), 20);
  EXPECT_EQ(r.alerts[1]["state"], "resolved");
}

TEST(WatchRules, AuthFailuresPerClientAndUser) {
  RulesConfig c = only("auth_failures");
  std::vector<WatchEvent> v;
  for (int s = 0; s < 120; ++s) {
    v.push_back(http(s, 200, "10.0.0.1", "alice"));
    if (s >= 30 && s < 42) v.push_back(http(s, s % 2 ? 401 : 403, "6.6.6.6", "mallory"));  // 12 in 12 s
    if (s % 20 == 0) v.push_back(http(s, 401, "10.0.0.2", "bob"));  // 1 per 20 s: fine
  }
  Outcome r = run(c, v);
  std::set<std::string> fired, resolved;
  for (auto& a : r.alerts) (a["state"] == "firing" ? fired : resolved).insert(a["key"].get<std::string>());
  EXPECT_EQ(fired, (std::set<std::string>{"client_ip=6.6.6.6", "user=mallory"}));
  EXPECT_EQ(resolved, fired);
  EXPECT_EQ(r.alerts[0]["count"], 10);  // fires on the window where the 10th arrived
  ASSERT_EQ(r.alerts[0]["samples"].size(), 3u);  // the last three of the window, oldest first
  EXPECT_EQ(r.alerts[0]["samples"][2]["@timestamp"], iso_ms(kT0 + 39000));
  EXPECT_EQ(r.alerts[0]["samples"][0]["@timestamp"], iso_ms(kT0 + 37000));
}

// Each line as the watcher sees it reading the file and reading the document the producer wrote.
struct BothWays {
  std::vector<WatchEvent> from_lines, from_docs;
};
BothWays events_both_ways(const std::vector<std::string>& lines, const char* source) {
  ki::Parser parser;
  ki::Encoder enc(ki::EncoderConfig{ki::Schema::Ecs, false});
  DocumentDecoder dec;
  BothWays out;
  for (const std::string& line : lines) {
    ki::Record r;
    EXPECT_EQ(parser.parse(line, r), ki::ParseStatus::Ok) << line;
    out.from_lines.push_back(event_from_record(r, source));
    std::string doc;
    enc.encode(r, doc);
    WatchEvent ev;
    EXPECT_TRUE(dec.decode(doc, source, 0, ev)) << doc;
    out.from_docs.push_back(ev);
  }
  return out;
}

std::set<std::string> fired_keys(const Outcome& r) {
  std::set<std::string> fired;
  for (auto& a : r.alerts)
    if (a["state"] == "firing") fired.insert(a["key"].get<std::string>());
  return fired;
}

// Second s after kT0 in strftime's layout.
std::string at_second(int s, const char* layout) {
  std::time_t t = static_cast<std::time_t>(kT0 / 1000 + s);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char when[40];
  std::strftime(when, sizeof when, layout, &tm);
  return when;
}

TEST(WatchRules, AuthFailuresCountSshdLoginsFromLinesAndFromDocuments) {
  // sshd's failed logins (a guessing client) count like 401/403s, whether the watcher reads the
  // log lines or the documents the producer wrote; accepted logins do not.
  RulesConfig c = only("auth_failures");
  std::vector<std::string> lines;
  for (int s = 0; s < 60; ++s) {
    char line[200];
    const std::string when = at_second(s, "%b %d %H:%M:%S");
    if (s >= 10 && s < 22)
      std::snprintf(line, sizeof line, "%s bastion sshd[%d]: Failed password for invalid user admin%d from 203.0.113.66 port %d ssh2", when.c_str(), 100 + s, s, 40000 + s);
    else
      std::snprintf(line, sizeof line, "%s bastion sshd[%d]: Accepted publickey for deploy from 10.0.0.%d port 22 ssh2: ED25519 SHA256:x", when.c_str(), 100 + s, s);
    lines.emplace_back(line);
  }
  BothWays ev = events_both_ways(lines, "auth.log");
  for (size_t i = 0; i < lines.size(); ++i) EXPECT_EQ(ev.from_docs[i].login_failed, ev.from_lines[i].login_failed) << lines[i];
  for (const auto* v : {&ev.from_lines, &ev.from_docs}) {
    Outcome r = run(c, *v);
    EXPECT_EQ(fired_keys(r), (std::set<std::string>{"client_ip=203.0.113.66"}));  // 12 tries, each as another user
    ASSERT_FALSE(r.alerts.empty());
    EXPECT_EQ(r.alerts[0]["message"], "client_ip=203.0.113.66 got 10 401/403 response(s) or failed login(s) in 60s");
  }
}

TEST(WatchRules, BehindAProxyTheClientIsTheOneXForwardedForNames) {
  // nginx's "main" format behind a load balancer (10.0.0.9): every line's peer is the balancer;
  // the guessing client is the one X-Forwarded-For names, from lines and from documents alike.
  RulesConfig c = only("auth_failures");
  std::vector<std::string> lines;
  for (int s = 0; s < 60; ++s) {
    char line[300];
    const bool guess = s >= 10 && s < 22;
    std::snprintf(line, sizeof line, "10.0.0.9 - - [%s] \"POST /login HTTP/1.1\" %d 12 \"-\" \"ua\" \"%s, 10.0.0.9\"",
                  at_second(s, "%d/%b/%Y:%H:%M:%S +0000").c_str(), guess ? 401 : 200,
                  guess ? "198.51.100.77" : "192.0.2.10");
    lines.emplace_back(line);
  }
  BothWays ev = events_both_ways(lines, "access.log");
  for (const auto* v : {&ev.from_lines, &ev.from_docs})
    EXPECT_EQ(fired_keys(run(c, *v)), (std::set<std::string>{"client_ip=198.51.100.77"}));
}

TEST(WatchRules, HeartbeatFiresAfterSilenceAndResolvesOnReturn) {
  RulesConfig c = only("heartbeat");
  c.heartbeat.silence_ms = 30000;
  std::vector<WatchEvent> v;
  for (int s = 0; s < 200; ++s) {
    v.push_back(logline(s, 6, "web.log"));
    if (s < 50 || s >= 120) v.push_back(logline(s, 6, "worker.log"));  // silent 50..119
  }
  Outcome r = run(c, v);
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(r.alerts[0]["key"], "worker.log");
  EXPECT_EQ(r.alerts[0]["state"], "firing");
  EXPECT_EQ(r.alerts[0]["window"]["end"], iso_ms(kT0 + 79000));  // last event at 49 s + 30 s
  EXPECT_EQ(r.alerts[0]["observed"], 30);
  EXPECT_EQ(r.alerts[0]["samples"][0]["ki.source"], "worker.log");
  EXPECT_EQ(r.alerts[1]["state"], "resolved");
  EXPECT_EQ(r.alerts[1]["resolved_at"], iso_ms(kT0 + 121000));
}

TEST(WatchRules, HeartbeatDetectsATotalStopThroughIdleAdvance) {
  RulesConfig c = only("heartbeat");
  c.heartbeat.silence_ms = 30000;
  c.idle_advance_ms = 5000;
  Engine e(c);
  std::vector<Alert> out;
  const int64_t wall = 5'000'000;
  for (int s = 0; s < 10; ++s) e.push(logline(s, 6, "only.log"), wall, out);
  e.tick(wall + 4000, out);  // not idle long enough
  EXPECT_TRUE(out.empty());
  e.tick(wall + 5000, out);   // idle: event time follows the wall clock from the last event
  e.tick(wall + 29000, out);  // 29 s after the last event (lateness 0): not yet 30 s of silence
  EXPECT_TRUE(out.empty());
  e.tick(wall + 30000, out);  // 30 s of silence
  e.tick(wall + 45000, out);  // still silent: no second alert
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(json::parse(out[0].json)["key"], "only.log");
  EXPECT_TRUE(out[0].firing);
}

// The end of a finite input (watch --logs, --stop-at-end) closes the window of its newest second:
// an emergency on the very last line alerts, also when it is the only line.
TEST(WatchRules, EndOfInputClosesTheLastSecond) {
  std::vector<WatchEvent> v;
  for (int s = 0; s < 120; ++s) v.push_back(logline(s, s == 119 ? 0 : 6));
  Outcome r = run(only("error_levels", 10000), v);
  ASSERT_EQ(r.alerts.size(), 1u);
  EXPECT_EQ(r.alerts[0]["samples"][0]["@timestamp"], iso_ms(kT0 + 119000));
  EXPECT_EQ(run(only("error_levels", 10000), {logline(0, 0)}).alerts.size(), 1u);
  EXPECT_EQ(run(only("error_levels", 10000), {logline(0, 6)}).alerts.size(), 0u);
}

// Live: when the input falls silent, the watermark follows the wall clock from where the last
// event left it, so the last event's window closes lateness + 1 s later (the ticks come every
// 200 ms): an application's last line before it dies alerts, then its silence trips the heartbeat.
TEST(WatchRules, LastLineBeforeSilenceAlertsWithinLatenessPlusOneStep) {
  RulesConfig c = only("error_levels", 10000);
  c.heartbeat.enabled = true;
  c.heartbeat.silence_ms = 5000;
  ASSERT_EQ(c.idle_advance_ms, 1000);  // the default
  Engine e(c);
  std::vector<Alert> out;
  const int64_t wall = 7'000'000;
  for (int s = 0; s <= 60; ++s) e.push(logline(s, s == 60 ? 2 : 6), wall + s * 1000, out);  // crit, then dies
  EXPECT_TRUE(out.empty());
  int64_t error_at = -1, heartbeat_at = -1;
  for (int64_t t = wall + 60000; t <= wall + 60000 + 30000; t += 200) {
    e.tick(t, out);
    for (const auto& a : out) {
      if (a.rule == "error_levels" && error_at < 0) error_at = t - (wall + 60000);
      if (a.rule == "heartbeat" && heartbeat_at < 0) heartbeat_at = t - (wall + 60000);
    }
  }
  EXPECT_GT(error_at, 10000);                   // not before the lateness has passed
  EXPECT_LE(error_at, 10000 + 1000 + 200);      // lateness + 1 window step (+ one tick)
  EXPECT_GE(heartbeat_at, 10000 + 5000);        // lateness + silence
  EXPECT_LE(heartbeat_at, 10000 + 5000 + 1200);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(json::parse(out[0].json)["samples"][0]["@timestamp"], iso_ms(kT0 + 60000));
}

TEST(WatchRules, LateEventsAreDroppedAndCountedOutOfOrderOnesCount) {
  RulesConfig c = only("auth_failures", 10000);
  c.auth_failures.threshold = 5;
  std::vector<WatchEvent> v;
  for (int s = 0; s < 100; ++s) v.push_back(http(s, 200));
  // 5 failures written out of order but within the 10 s lateness: they count.
  for (int s : {95, 93, 91, 92, 94}) v.push_back(http(s, 401, "7.7.7.7"));
  // Failures 30 s behind the newest event: late, dropped.
  for (int i = 0; i < 5; ++i) v.push_back(http(70, 401, "8.8.8.8"));
  Outcome r = run(c, v);
  ASSERT_EQ(r.alerts.size(), 1u);  // still firing at the end of the input
  EXPECT_EQ(r.alerts[0]["samples"].size(), 3u);
  EXPECT_EQ(r.alerts[0]["key"], "client_ip=7.7.7.7");
  EXPECT_EQ(r.alerts[0]["count"], 5);
  EXPECT_EQ(r.stats.late, 5u);
  EXPECT_EQ(r.stats.events, 105u);
}

TEST(WatchRules, EventsWithoutTimeAreCounted) {
  WatchEvent e = http(0, 500);
  e.has_ts = false;
  Outcome r = run(RulesConfig{}, {e});
  EXPECT_EQ(r.stats.no_timestamp, 1u);
  EXPECT_EQ(r.stats.events, 0u);
}

TEST(WatchRulesFile, DefaultsAndOverrides) {
  RulesConfig d = load_rules_yaml("", "empty.yaml");
  EXPECT_EQ(d.lateness_ms, 10000);
  EXPECT_EQ(d.http_5xx_share.threshold, 0.2);
  RulesConfig from_doc = load_rules_yaml(default_rules_yaml(), "defaults.yaml");
  EXPECT_EQ(from_doc.heartbeat.silence_ms, d.heartbeat.silence_ms);
  EXPECT_EQ(from_doc.auth_failures.statuses, d.auth_failures.statuses);
  RulesConfig c = load_rules_yaml(R"(
lateness: 2m
rules:
  http_5xx_share: {threshold: 0.05, min_requests: 100, window: 5m}
  error_levels: {max_severity: crit, group_by: host}
  auth_failures: {statuses: [401], by: [user]}
  heartbeat: {enabled: false}
)", "r.yaml");
  EXPECT_EQ(c.lateness_ms, 120000);
  EXPECT_EQ(c.http_5xx_share.threshold, 0.05);
  EXPECT_EQ(c.http_5xx_share.window_ms, 300000);
  EXPECT_EQ(c.error_levels.max_severity, 2);
  EXPECT_EQ(c.error_levels.group_by, GroupBy::Host);
  EXPECT_FALSE(c.auth_failures.by_client_ip);
  EXPECT_FALSE(c.heartbeat.enabled);
  EXPECT_EQ(make_rules(c).size(), 4u);
}

TEST(WatchRulesFile, ErrorsNameFileKeyAndLine) {
  auto err = [](const std::string& text) {
    try {
      load_rules_yaml(text, "rules.yaml");
    } catch (const RulesError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(err("rules:\n  http_5xx_shar: {threshold: 0.1}\n"),
            "rules.yaml: rules.http_5xx_shar: unknown key (known here: auth_failures, error_levels, heartbeat, "
            "http_4xx_spike, http_5xx_share) (line 2)");
  EXPECT_EQ(err("rules:\n  http_5xx_share:\n    threshold: lots\n"),
            "rules.yaml: rules.http_5xx_share.threshold: expected a number, got 'lots' (line 3)");
  EXPECT_EQ(err("rules:\n  http_5xx_share: {threshold: 1.5}\n"),
            "rules.yaml: rules.http_5xx_share.threshold: must be between 0 and 1, got 1.5 (line 2)");
  EXPECT_EQ(err("lateness: soon\n"),
            "rules.yaml: lateness: expected a duration like 30s, 5m, 250ms or 1h, got 'soon' (line 1)");
  EXPECT_EQ(err("rules:\n  heartbeat: {silence: 10x}\n"),
            "rules.yaml: rules.heartbeat.silence: unknown unit 'x' in '10x' (use ms, s, m or h) (line 2)");
  EXPECT_EQ(err("rules:\n  error_levels: {max_severity: loud}\n").rfind("rules.yaml: rules.error_levels.max_severity: expected a syslog severity", 0), 0u);
  EXPECT_EQ(err("rules: [1, 2]\n"), "rules.yaml: rules: expected a mapping of keys to values (line 1)");
  EXPECT_EQ(err("a: [\n").rfind("rules.yaml: not valid YAML", 0), 0u);
  EXPECT_THROW(load_rules_file("/nonexistent/rules.yaml"), RulesError);
}

// What the producer writes (both schemas) decodes back into the fields the rules use.
TEST(WatchDecode, BothSchemasRoundTrip) {
  const char* lines[] = {
      R"(46.119.215.19 - bell1597 [24/Jan/2024:20:39:13 +0800] "DELETE /bricks-and-clicks HTTP/1.0" 403 1520)",
      R"(<10>3 2024-01-24T12:39:13.000Z chiefincubate.org ea 3944 ID258 - Use the asynchronous SMTP socket!)",
      R"([Wed Jan 24 20:39:17 2024] [maiores:error] [pid 5107:tid 5852] [client 111.108.111.104:32923] Compiling!)",
  };
  ki::Parser p;
  ki::Record rec;
  DocumentDecoder dec;
  for (const char* line : lines) {
    ASSERT_EQ(p.parse(line, rec), ki::ParseStatus::Ok) << line;
    WatchEvent want = event_from_record(rec, "f.log");
    for (auto schema : {ki::Schema::Ecs, ki::Schema::KafkaInsight}) {
      std::string doc;
      ki::Encoder({schema, false}).encode(rec, doc);
      WatchEvent got;
      ASSERT_TRUE(dec.decode(doc, "f.log", 0, got)) << doc;
      EXPECT_EQ(got.ts_ms, want.ts_ms) << doc;
      EXPECT_TRUE(got.has_ts);
      EXPECT_EQ(got.status, want.status) << doc;
      EXPECT_EQ(got.severity, want.severity) << doc;
      EXPECT_EQ(got.client_ip, want.client_ip) << doc;
      EXPECT_EQ(got.user, want.user) << doc;
      EXPECT_EQ(got.host, want.host) << doc;
      EXPECT_EQ(got.source, "f.log");
    }
  }
  WatchEvent e;
  EXPECT_FALSE(dec.decode("not json", "", 0, e));
  EXPECT_TRUE(dec.decode(R"({"message":"no time"})", "", 1234, e));
  EXPECT_EQ(e.ts_ms, 1234);  // the Kafka message timestamp stands in
}

TEST(WatchDecode, SeverityNames) {
  EXPECT_EQ(severity_from_level("error"), 3);
  EXPECT_EQ(severity_from_level("err"), 3);
  EXPECT_EQ(severity_from_level("ERROR"), 3);
  EXPECT_EQ(severity_from_level("warn"), 4);
  EXPECT_EQ(severity_from_level("trace5"), 8);
  EXPECT_EQ(severity_from_level("emerg"), 0);
  EXPECT_EQ(severity_from_level("nonsense"), -1);
}

// Kafka partitions are ordered within, not across: a partition read behind the others is not
// late, the watermark follows the slowest active one; an idle (fully read) one stops counting.
TEST(WatchRules, WatermarkFollowsTheSlowestActiveStream) {
  RulesConfig c = only("auth_failures", 5000);
  c.auth_failures.threshold = 3;
  Engine e(c);
  std::vector<Alert> out;
  e.add_stream(0);  // both partitions assigned before any message
  e.add_stream(1);
  for (int s = 0; s < 100; ++s) e.push(http(s, 200), 0, out, /*stream=*/0);  // partition 0 read first
  for (int s = 0; s < 100; ++s) e.push(http(s, s >= 50 && s < 53 ? 401 : 200, "9.9.9.9"), 0, out, 1);
  EXPECT_EQ(e.stats().late, 0u);
  e.set_idle(0, 0, out);
  e.set_idle(1, 0, out);
  e.finish(0, out);
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(json::parse(out[0].json)["key"], "client_ip=9.9.9.9");
  EXPECT_EQ(json::parse(out[0].json)["count"], 3);

  // The same events on ONE stream: the second pass is far behind the watermark, late.
  Engine one(c);
  std::vector<Alert> o2;
  for (int s = 0; s < 100; ++s) one.push(http(s, 200), 0, o2);
  for (int s = 0; s < 100; ++s) one.push(http(s, s >= 50 && s < 53 ? 401 : 200, "9.9.9.9"), 0, o2);
  EXPECT_EQ(one.stats().late, 94u);  // seconds 0..93: older than 99 - 5
}

// Files written side by side are merged by event time: one file's past is not late for another.
TEST(WatchOffline, FilesAreMergedByEventTime) {
  std::string dir = ::testing::TempDir();
  auto line = [](int sec, int status, const char* ip) {
    char ts[64];
    time_t t = kT0 / 1000 + sec;
    std::strftime(ts, sizeof ts, "%d/%b/%Y:%H:%M:%S +0000", std::gmtime(&t));
    return std::string(ip) + " - - [" + ts + "] \"GET / HTTP/1.1\" " + std::to_string(status) + " 5\n";
  };
  std::string a = dir + "/merge_a.log", b = dir + "/merge_b.log";
  {
    std::FILE* fa = std::fopen(a.c_str(), "w");
    std::FILE* fb = std::fopen(b.c_str(), "w");
    for (int s = 0; s < 300; ++s) {
      std::fputs(line(s, 200, "10.0.0.1").c_str(), fa);
      if (s >= 100 && s < 112) std::fputs(line(s, 401, "6.6.6.6").c_str(), fb);  // b: the same hours
    }
    std::fclose(fa);
    std::fclose(fb);
  }
  RulesConfig c = only("auth_failures");
  OfflineResult r = evaluate_files({a, b}, c, ki::ParserConfig{});
  EXPECT_EQ(r.engine.late, 0u);
  EXPECT_EQ(r.parsed, 312u);
  ASSERT_EQ(r.alerts.size(), 2u);
  EXPECT_EQ(json::parse(r.alerts[0].json)["key"], "client_ip=6.6.6.6");
  EXPECT_FALSE(r.alerts[1].firing);
}

// A webhook that is down: bounded retries for the first alert, then one attempt per alert for a
// while, everything counted (a closed local port: connection refused at once).
TEST(WatchSinks, DeadWebhookIsRetriedBoundedlyAndCounted) {
  WebhookConfig w;
  w.url = "http://127.0.0.1:9/hook";  // discard port: nothing listens here
  w.max_attempts = 3;
  w.backoff_initial_ms = 5;
  w.timeout_ms = 2000;
  WebhookSink sink(w);
  Alert a{"heartbeat", "db1", true, R"({"rule":"heartbeat"})"};
  EXPECT_FALSE(sink.send(a));
  EXPECT_FALSE(sink.send(a));
  EXPECT_EQ(sink.stats().failed, 2u);
  EXPECT_EQ(sink.stats().sent, 0u);
  EXPECT_EQ(sink.stats().retries, 2u);  // 3 attempts for the first, 1 for the second
  EXPECT_NE(sink.stats().last_error.find("webhook http://127.0.0.1:9/hook"), std::string::npos);
}
