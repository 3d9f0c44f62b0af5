// The alert rules, each a small unit: observe() the events of its kind, evaluate() a complete
// event-time window ending at a whole second. A rule reports a Finding for every active key
// and for the inactive keys `firing` says are firing now (their resolve); AlertState turns
// findings into firing / resolved alerts.
#pragma once
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "watch/event.h"
#include "watch/rules_config.h"
#include "watch/window.h"

namespace ki::watch {

struct Finding {
  std::string key;
  bool active = false;
  double observed = 0, threshold = 0;
  uint64_t count = 0;  // events the observed value is made of
  std::string message;
  std::vector<std::string> samples;  // JSON objects
};

class Rule {
 public:
  virtual ~Rule() = default;
  virtual std::string_view name() const = 0;
  virtual int64_t window_ms() const = 0;
  virtual void observe(const WatchEvent& ev) = 0;
  using IsFiring = std::function<bool(std::string_view key)>;
  // The window [end_ms - window_ms(), end_ms) is complete (no more events will land in it).
  virtual void evaluate(int64_t end_ms, const IsFiring& firing, std::vector<Finding>& out) = 0;
};

// The value of the chosen field, falling back to host, app, source, format; "*" for None.
std::string group_key(const WatchEvent& ev, GroupBy by);

std::unique_ptr<Rule> make_error_levels_rule(const ErrorLevelsRule& c, size_t samples);
std::unique_ptr<Rule> make_http_5xx_share_rule(const Http5xxShareRule& c, size_t samples);
std::unique_ptr<Rule> make_http_4xx_spike_rule(const Http4xxSpikeRule& c, size_t samples);
std::unique_ptr<Rule> make_auth_failures_rule(const AuthFailuresRule& c, size_t samples);
std::unique_ptr<Rule> make_heartbeat_rule(const HeartbeatRule& c);
// Every enabled rule of the config.
std::vector<std::unique_ptr<Rule>> make_rules(const RulesConfig& c);

}  // namespace ki::watch
