// Alert state: one alert per (rule, key) while its condition holds. A finding that becomes
// active fires once (later evaluations of the same condition are de-duplicated); when it
// clears, or its key has no data left, one "resolved" alert follows.
#pragma once
#include <cstdint>
#include <map>
#include <string_view>
#include <string>
#include <utility>
#include <vector>

#include "watch/rules.h"

namespace ki::watch {

struct Alert {
  std::string rule, key;
  bool firing = true;
  std::string json;  // one line, no newline
};

class AlertState {
 public:
  // Findings of one rule for the window ending at end_ms; appends the alerts to send.
  void apply(const Rule& rule, int64_t end_ms, std::vector<Finding>& findings, int64_t now_wall_ms,
             std::vector<Alert>& out);
  bool is_firing(std::string_view rule, std::string_view key) const;
  std::map<std::string, uint64_t> active_by_rule() const;

 private:
  struct Firing {
    int64_t since_ms = 0;  // end of the window it first fired on
    uint64_t seen = 0;     // the last apply() that had a finding for it
  };
  using Keys = std::map<std::string, Firing, std::less<>>;
  std::map<std::string, Keys, std::less<>> firing_;  // rule -> key -> state (lookups without copies)
  uint64_t applies_ = 0;
};

// The alert line (documented in README, "Alerts, heartbeats and metrics").
std::string alert_json(const Rule& rule, const Finding& f, bool firing, int64_t end_ms, int64_t fired_at_ms,
                       int64_t now_wall_ms);

}  // namespace ki::watch
