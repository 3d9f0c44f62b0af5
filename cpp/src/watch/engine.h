// The rule engine: events in (any order), alerts out, by event time. The watermark is the
// newest event time seen minus the allowed lateness; an event older than the watermark is
// late, counted and dropped. With several input streams (Kafka partitions: ordered within,
// not across) the newest time is taken per stream and the watermark follows the slowest
// stream that is not idle (as Flink does), so a partition read behind the others is not late. Every whole second the watermark passes closes a window end, at
// which each rule is evaluated and AlertState de-duplicates / resolves.
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "watch/alert_state.h"
#include "watch/rules.h"

namespace ki::watch {

struct EngineStats {
  uint64_t events = 0;        // evaluated (on time)
  uint64_t late = 0;          // older than the watermark: dropped
  uint64_t no_timestamp = 0;  // no event time at all: dropped
  uint64_t evaluations = 0;   // window ends evaluated
  uint64_t skipped_seconds = 0;  // window ends not evaluated after a jump in event time
  uint64_t fired = 0, resolved = 0;
  std::map<std::string, uint64_t> fired_by_rule, resolved_by_rule, active_by_rule;
  int64_t max_event_ms = 0, watermark_ms = 0;  // 0 before the first event
};

class Engine {
 public:
  explicit Engine(RulesConfig cfg);
  // One event; alerts that became due are appended to out.
  void push(const WatchEvent& ev, int64_t now_wall_ms, std::vector<Alert>& out, int stream = 0);
  // A stream with nothing to read (end of partition) stops holding the watermark back once it
  // has stayed at its end for partition_idle (at once when that is 0): a partition is often at
  // its end for a moment between two bursts, and its next events must not be late for that. It
  // becomes active again with its next event. remove_stream: the partition was revoked.
  void set_idle(int stream, int64_t now_wall_ms, std::vector<Alert>& out);
  // A stream known before its first event (an assigned partition) holds the watermark back
  // until it delivers an event or goes idle.
  void add_stream(int stream);
  void remove_stream(int stream, int64_t now_wall_ms, std::vector<Alert>& out);
  // Live input, called regularly: after idle_advance without events, the watermark follows the
  // wall clock from where the last event left it (still `lateness` behind it), so the windows
  // of the last events before a silence close lateness + 1 s later, and a source that stops
  // entirely trips the heartbeat `silence` after that.
  void tick(int64_t now_wall_ms, std::vector<Alert>& out);
  // End of a finite input: the watermark moves to the newest event (nothing can be late now).
  void finish(int64_t now_wall_ms, std::vector<Alert>& out);
  const EngineStats& stats() const { return st_; }
  const RulesConfig& config() const { return cfg_; }

  static constexpr int64_t kMaxStepsPerAdvance = 3600;  // window ends evaluated per jump

 private:
  void advance(int64_t watermark_ms, int64_t now_wall_ms, std::vector<Alert>& out);
  void advance_from_streams(int64_t now_wall_ms, std::vector<Alert>& out);
  struct Stream {
    int64_t max_ms = INT64_MIN;
    bool idle = false;
    int64_t at_end_since = 0;  // wall ms it reached its end; idle once it stays there idle_advance
  };
  std::map<int, Stream> streams_;
  void record(const std::vector<Alert>& out, size_t from);

  RulesConfig cfg_;
  std::vector<std::unique_ptr<Rule>> rules_;
  AlertState state_;
  EngineStats st_;
  bool started_ = false, evaluating_ = false;
  int64_t watermark_ms_ = INT64_MIN / 4, evaluated_sec_ = 0, min_event_ms_ = INT64_MAX;
  int64_t last_input_wall_ms_ = 0, input_wm_ = 0;  // wall time of the last input, the watermark it left
  std::vector<Finding> findings_;
};

}  // namespace ki::watch
