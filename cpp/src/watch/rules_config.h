// The watcher's configuration: which rules run, their windows and thresholds, the allowed
// lateness. Built-in defaults, overridden by a small YAML file; every unknown key or bad value
// is an error naming the file, the key and the line.
#pragma once
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace ki::watch {

class RulesError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Which field identifies "who" produced an event (heartbeat, error levels): the first that is
// set of the chosen field, then host, app, the source (file or ki.source header), the format.
enum class GroupBy : uint8_t { None, Host, App, Source, Format };

struct ErrorLevelsRule {
  bool enabled = true;
  int64_t window_ms = 60000;
  int max_severity = 3;  // err: emerg, alert, crit, err (Apache "error" too)
  uint64_t threshold = 1;  // at least this many such events in the window
  GroupBy group_by = GroupBy::Source;
};

struct Http5xxShareRule {
  bool enabled = true;
  int64_t window_ms = 60000;
  double threshold = 0.2;       // fires when the 5xx share is above this
  uint64_t min_requests = 20;   // ... and the window has at least this many requests
};

struct Http4xxSpikeRule {
  bool enabled = true;
  int64_t window_ms = 60000;
  uint64_t min_count = 20;  // at least this many 4xx in the window
  double factor = 3.0;      // ... and more than factor x the 4xx of the window before
};

struct AuthFailuresRule {
  bool enabled = true;
  int64_t window_ms = 60000;
  uint64_t threshold = 10;               // at least this many from one client IP / user
  std::vector<int> statuses = {401, 403};
  bool by_client_ip = true, by_user = true;
};

struct HeartbeatRule {
  bool enabled = true;
  int64_t silence_ms = 300000;  // a key that logged and then nothing for this long
  GroupBy group_by = GroupBy::Source;
};

struct RulesConfig {
  int64_t lateness_ms = 10000;     // events older than max event time - lateness are dropped (counted)
  int64_t idle_advance_ms = 1000;  // live: no input for this long -> the watermark follows the wall clock (0 = off)
  // live: a partition read to its end stops holding the watermark back after this long there
  // (0 = at once); shorter would let a partition that is empty for a moment, then gets older
  // events than the others, see them dropped as late
  int64_t partition_idle_ms = 10000;
  size_t samples = 3;              // sample events per alert
  ErrorLevelsRule error_levels;
  Http5xxShareRule http_5xx_share;
  Http4xxSpikeRule http_4xx_spike;
  AuthFailuresRule auth_failures;
  HeartbeatRule heartbeat;
};

// Defaults overridden by the YAML text; `name` (the file) prefixes every error.
RulesConfig load_rules_yaml(const std::string& text, const std::string& name);
RulesConfig load_rules_file(const std::string& path);
// "10s", "5m", "250ms", "1h", or a bare number of seconds. Throws std::invalid_argument.
int64_t parse_duration_ms(const std::string& s);
std::string_view group_by_name(GroupBy g);
// The defaults as YAML (documentation, `kafkainsight watch --print-rules`).
std::string default_rules_yaml();

}  // namespace ki::watch
