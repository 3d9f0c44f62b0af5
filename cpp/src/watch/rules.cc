#include "watch/rules.h"

#include <algorithm>
#include <cstdio>
#include <map>

namespace ki::watch {

std::string group_key(const WatchEvent& ev, GroupBy by) {
  if (by == GroupBy::None) return "*";
  const std::string* order[4] = {&ev.host, &ev.app, &ev.source, &ev.format};
  int first = by == GroupBy::App ? 1 : by == GroupBy::Source ? 2 : by == GroupBy::Format ? 3 : 0;
  if (!order[first]->empty()) return *order[first];
  for (const auto* s : order)
    if (!s->empty()) return *s;
  return "-";
}

namespace {

std::string fmt(const char* f, auto... args) {
  char buf[256];
  std::snprintf(buf, sizeof buf, f, args...);
  return buf;
}

// Per-key counts + samples over event-time seconds; the building block of the count rules.
struct KeyedCounts {
  struct Entry {
    SecondCounts counts;
    SampleRing samples;
  };
  size_t samples = 3;
  std::unordered_map<std::string, Entry> keys;

  void add(const std::string& key, const WatchEvent& ev) {
    auto it = keys.find(key);
    if (it == keys.end()) it = keys.emplace(key, Entry{SecondCounts{}, SampleRing(samples)}).first;
    it->second.counts.add(ev.ts_ms);
    it->second.samples.add(ev);
  }
  // Drops seconds before keep_from_sec and keys left without any.
  void evict(int64_t keep_from_sec) {
    for (auto it = keys.begin(); it != keys.end();) {
      it->second.counts.evict_before(keep_from_sec);
      it->second.samples.evict_before(keep_from_sec);
      it = it->second.counts.empty() ? keys.erase(it) : std::next(it);
    }
  }
};

class CountRule : public Rule {
 public:
  CountRule(std::string name, int64_t window_ms, uint64_t threshold, size_t samples)
      : name_(std::move(name)), window_ms_(window_ms), threshold_(threshold) {
    kc_.samples = samples;
  }
  std::string_view name() const override { return name_; }
  int64_t window_ms() const override { return window_ms_; }
  void evaluate(int64_t end_ms, const IsFiring& firing, std::vector<Finding>& out) override {
    int64_t to = floor_sec(end_ms), from = to - window_ms_ / 1000;
    kc_.evict(from);
    for (auto& [key, e] : kc_.keys) {
      uint64_t n = e.counts.sum(from, to);
      if (n < threshold_ && !firing(key)) continue;  // quiet and not firing: nothing to say
      Finding f;
      f.key = key;
      f.count = n;
      f.observed = static_cast<double>(n);
      f.threshold = static_cast<double>(threshold_);
      f.active = n >= threshold_;
      if (f.active) {
        f.message = describe(key, n);
        f.samples = e.samples.in(from * 1000, to * 1000);
      }
      out.push_back(std::move(f));
    }
  }

 protected:
  virtual std::string describe(const std::string& key, uint64_t n) const = 0;
  std::string name_;
  int64_t window_ms_;
  uint64_t threshold_;
  KeyedCounts kc_;
};

class ErrorLevels : public CountRule {
 public:
  ErrorLevels(const ErrorLevelsRule& c, size_t samples)
      : CountRule("error_levels", c.window_ms, c.threshold, samples), c_(c) {}
  void observe(const WatchEvent& ev) override {
    if (ev.severity >= 0 && ev.severity <= c_.max_severity) kc_.add(group_key(ev, c_.group_by), ev);
  }

 private:
  std::string describe(const std::string& key, uint64_t n) const override {
    return fmt("%llu log event(s) at level %s or worse from %s in %llds", static_cast<unsigned long long>(n),
               std::string(severity_name(c_.max_severity)).c_str(), key.c_str(),
               static_cast<long long>(window_ms_ / 1000));
  }
  ErrorLevelsRule c_;
};

class AuthFailures : public CountRule {
 public:
  AuthFailures(const AuthFailuresRule& c, size_t samples)
      : CountRule("auth_failures", c.window_ms, c.threshold, samples), c_(c) {}
  void observe(const WatchEvent& ev) override {
    if (!ev.login_failed && std::find(c_.statuses.begin(), c_.statuses.end(), ev.status) == c_.statuses.end())
      return;
    if (c_.by_client_ip && !ev.client_ip.empty()) kc_.add("client_ip=" + ev.client_ip, ev);
    if (c_.by_user && !ev.user.empty()) kc_.add("user=" + ev.user, ev);
  }

 private:
  std::string describe(const std::string& key, uint64_t n) const override {
    std::string st;
    for (int s : c_.statuses) st += (st.empty() ? "" : "/") + std::to_string(s);
    return fmt("%s got %llu %s response(s) or failed login(s) in %llds", key.c_str(), static_cast<unsigned long long>(n), st.c_str(),
               static_cast<long long>(window_ms_ / 1000));
  }
  AuthFailuresRule c_;
};

class Http5xxShare : public Rule {
 public:
  Http5xxShare(const Http5xxShareRule& c, size_t samples) : c_(c), samples_(samples) {}
  std::string_view name() const override { return "http_5xx_share"; }
  int64_t window_ms() const override { return c_.window_ms; }
  void observe(const WatchEvent& ev) override {
    if (ev.status < 100) return;
    total_.add(ev.ts_ms);
    if (ev.status >= 500 && ev.status <= 599) {
      bad_.add(ev.ts_ms);
      samples_.add(ev);
    }
  }
  void evaluate(int64_t end_ms, const IsFiring& firing, std::vector<Finding>& out) override {
    int64_t to = floor_sec(end_ms), from = to - c_.window_ms / 1000;
    total_.evict_before(from);
    bad_.evict_before(from);
    samples_.evict_before(from);
    if (total_.empty()) return;
    uint64_t n = total_.sum(from, to), b = bad_.sum(from, to);
    Finding f;
    f.key = "*";
    f.count = n;
    f.observed = n ? static_cast<double>(b) / static_cast<double>(n) : 0.0;
    f.threshold = c_.threshold;
    f.active = n >= c_.min_requests && f.observed > c_.threshold;
    if (f.active) {
      f.message = fmt("%.1f%% of %llu requests were 5xx in %llds (threshold %.1f%%)", f.observed * 100,
                      static_cast<unsigned long long>(n), static_cast<long long>(c_.window_ms / 1000),
                      c_.threshold * 100);
      f.samples = samples_.in(from * 1000, to * 1000);
    }
    out.push_back(std::move(f));
  }

 private:
  Http5xxShareRule c_;
  SecondCounts total_, bad_;
  SampleRing samples_;
};

class Http4xxSpike : public Rule {
 public:
  Http4xxSpike(const Http4xxSpikeRule& c, size_t samples) : c_(c), samples_(samples) {}
  std::string_view name() const override { return "http_4xx_spike"; }
  int64_t window_ms() const override { return c_.window_ms; }
  void observe(const WatchEvent& ev) override {
    if (ev.status < 400 || ev.status > 499) return;
    counts_.add(ev.ts_ms);
    samples_.add(ev);
  }
  void evaluate(int64_t end_ms, const IsFiring& firing, std::vector<Finding>& out) override {
    int64_t w = c_.window_ms / 1000, to = floor_sec(end_ms), from = to - w;
    counts_.evict_before(from - w);  // the window before is the reference
    samples_.evict_before(from);
    if (counts_.empty()) return;
    uint64_t cur = counts_.sum(from, to), prev = counts_.sum(from - w, from);
    Finding f;
    f.key = "*";
    f.count = cur;
    f.observed = static_cast<double>(cur);
    f.threshold = std::max(static_cast<double>(c_.min_count), c_.factor * static_cast<double>(prev));
    f.active = cur >= c_.min_count && static_cast<double>(cur) > c_.factor * static_cast<double>(prev);
    if (f.active) {
      f.message = fmt("%llu 4xx responses in %llds, %llu in the %llds before (factor %.1f)",
                      static_cast<unsigned long long>(cur), static_cast<long long>(w),
                      static_cast<unsigned long long>(prev), static_cast<long long>(w), c_.factor);
      f.samples = samples_.in(from * 1000, to * 1000);
    }
    out.push_back(std::move(f));
  }

 private:
  Http4xxSpikeRule c_;
  SecondCounts counts_;
  SampleRing samples_;
};

// Silence is measured in event time: a key is silent when the watermark (the newest event
// time of ANY key, minus the lateness) is `silence` past its own newest event. Event time
// stands still when every source stops; the engine's idle_advance then moves it with the
// wall clock (live only), like Kibana / ElastAlert "flatline" queries that count over now-N.
class Heartbeat : public Rule {
 public:
  explicit Heartbeat(const HeartbeatRule& c) : c_(c) {}
  std::string_view name() const override { return "heartbeat"; }
  int64_t window_ms() const override { return c_.silence_ms; }
  void observe(const WatchEvent& ev) override {
    // Not yet part of a closed window: kept (the newest per second) until the watermark passes.
    // One sample event per second is copied; later ones of that second only move its time.
    auto& slot = keys_[group_key(ev, c_.group_by)].pending[floor_sec(ev.ts_ms)];
    if (!slot.sample.has_ts) slot.sample = ev;
    slot.ts_ms = std::max(slot.ts_ms, ev.ts_ms);
  }
  void evaluate(int64_t end_ms, const IsFiring& firing, std::vector<Finding>& out) override {
    for (auto& [key, k] : keys_) {
      // Events before the window end now count: the key is heard from at its newest one.
      auto stop = k.pending.lower_bound(floor_sec(end_ms));
      for (auto it = k.pending.begin(); it != stop; ++it)
        if (it->second.ts_ms >= k.last.ts_ms) k.last = std::move(it->second);
      k.pending.erase(k.pending.begin(), stop);
      if (!k.last.sample.has_ts) continue;
      int64_t silent = end_ms - k.last.ts_ms;
      if (silent < c_.silence_ms && !firing(key)) continue;
      Finding f;
      f.key = key;
      f.observed = static_cast<double>(silent) / 1000.0;
      f.threshold = static_cast<double>(c_.silence_ms) / 1000.0;
      f.active = silent >= c_.silence_ms;
      if (f.active) {
        f.message = fmt("no logs from %s '%s' for %.0fs (last at %s)",
                        std::string(group_by_name(c_.group_by)).c_str(), key.c_str(), f.observed,
                        iso_ms(k.last.ts_ms).c_str());
        f.samples = {sample_json(k.last.sample)};
      }
      out.push_back(std::move(f));
    }
  }

 private:
  struct Seen {
    int64_t ts_ms = INT64_MIN;  // the newest event time
    WatchEvent sample;          // an event of that second
  };
  struct Key {
    Seen last;                          // heard from last, before the last window end
    std::map<int64_t, Seen> pending;    // second -> newest event, not yet in a window
  };
  HeartbeatRule c_;
  std::unordered_map<std::string, Key> keys_;
};

}  // namespace

std::unique_ptr<Rule> make_error_levels_rule(const ErrorLevelsRule& c, size_t s) { return std::make_unique<ErrorLevels>(c, s); }
std::unique_ptr<Rule> make_http_5xx_share_rule(const Http5xxShareRule& c, size_t s) { return std::make_unique<Http5xxShare>(c, s); }
std::unique_ptr<Rule> make_http_4xx_spike_rule(const Http4xxSpikeRule& c, size_t s) { return std::make_unique<Http4xxSpike>(c, s); }
std::unique_ptr<Rule> make_auth_failures_rule(const AuthFailuresRule& c, size_t s) { return std::make_unique<AuthFailures>(c, s); }
std::unique_ptr<Rule> make_heartbeat_rule(const HeartbeatRule& c) { return std::make_unique<Heartbeat>(c); }

std::vector<std::unique_ptr<Rule>> make_rules(const RulesConfig& c) {
  std::vector<std::unique_ptr<Rule>> r;
  if (c.error_levels.enabled) r.push_back(make_error_levels_rule(c.error_levels, c.samples));
  if (c.http_5xx_share.enabled) r.push_back(make_http_5xx_share_rule(c.http_5xx_share, c.samples));
  if (c.http_4xx_spike.enabled) r.push_back(make_http_4xx_spike_rule(c.http_4xx_spike, c.samples));
  if (c.auth_failures.enabled) r.push_back(make_auth_failures_rule(c.auth_failures, c.samples));
  if (c.heartbeat.enabled) r.push_back(make_heartbeat_rule(c.heartbeat));
  return r;
}

}  // namespace ki::watch
