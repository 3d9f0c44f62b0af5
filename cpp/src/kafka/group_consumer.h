// A consumer-group member as one unit: joining, assignment, the rebalance callback, stop-at-end,
// the idle rule, message limits, pause/resume, commits and lag. The consume and watch commands
// are sinks over it (as Vector splits a sink from its service): they get each good message and
// are told about assignments before and revocations before the partitions go.
#pragma once
#include <librdkafka/rdkafka.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "kafka/client_config.h"

namespace ki {

struct GroupLimits {
  uint64_t max_messages = 0;  // 0: no limit
  int idle_timeout_ms = 0;    // 0: run until stopped
  bool stop_at_end = false;   // stop once every assigned partition is read to its end
};

using TopicPartition = std::pair<std::string, int32_t>;
std::string tp_name(const std::string& topic, int32_t partition);  // "topic[partition]"

// What the sinks over a group (consume, watch) read off a message and keep of a run.
std::string_view message_header(rd_kafka_headers_t* hdrs, const char* name);  // "" when absent
// The ki.ts header: when the producer read the line (ms since the epoch); none when absent.
std::optional<int64_t> read_time_header(rd_kafka_headers_t* hdrs);
// A run's error: logged, and the first 20 kept in the run's stats.
void keep_error(std::vector<std::string>& errors, const std::string& e);

// When a run is idle: idle_timeout counts from the last message, assignment or pause change (a
// group join can take seconds); before any assignment it gives up after idle_timeout + the join
// grace (30 s, or the session timeout + 5 s if longer: a dead member's session may have to
// expire first), and the run then says it never got an assignment.
// A busy or paused consumer is never idle. Pure, so it is tested without a broker.
class IdleRule {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::chrono::seconds kJoinGrace{30};
  IdleRule(int idle_timeout_ms, Clock::time_point start, std::chrono::milliseconds join_grace = kJoinGrace)
      : timeout_(idle_timeout_ms), grace_(join_grace), start_(start), last_(start) {}
  void activity(Clock::time_point t) { last_ = t; }
  void assigned(Clock::time_point t) {
    assigned_once_ = true;
    last_ = t;
  }
  bool assigned_once() const { return assigned_once_; }
  bool expired(Clock::time_point now, bool busy) const {
    if (timeout_.count() <= 0 || busy) return false;
    return assigned_once_ ? now - last_ >= timeout_ : now - start_ >= timeout_ + grace_;
  }
  std::chrono::milliseconds waited_for_assignment() const { return timeout_ + grace_; }
  // A new client joins (after being fenced): before its assignment the join grace applies again.
  void rejoined(Clock::time_point t) {
    assigned_once_ = false;
    start_ = last_ = t;
  }

 private:
  std::chrono::milliseconds timeout_, grace_;
  Clock::time_point start_, last_;
  bool assigned_once_ = false;
};

// Which assigned partitions are read to their end (PARTITION_EOF, and no message since). Pure.
class PartitionEnds {
 public:
  void assigned(const TopicPartition& tp) { assigned_.insert(tp); }
  void revoked(const TopicPartition& tp) {
    assigned_.erase(tp);
    at_end_.erase(tp);
  }
  void message(const TopicPartition& tp) { at_end_.erase(tp); }
  void end(const TopicPartition& tp) { at_end_.insert(tp); }
  bool all_at_end() const { return !assigned_.empty() && at_end_.size() >= assigned_.size(); }
  size_t assigned_count() const { return assigned_.size(); }
  const std::set<TopicPartition>& assigned() const { return assigned_; }

 private:
  std::set<TopicPartition> assigned_, at_end_;
};

// What the group tells its sink; every member may be empty.
struct GroupSink {
  std::function<void(const rd_kafka_topic_partition_list_t*)> assigned;  // after the assignment
  // Before the partitions go: finish in-flight work and commit what is done.
  std::function<void(const rd_kafka_topic_partition_list_t*)> revoking;
  std::function<void(const TopicPartition&)> at_end;  // PARTITION_EOF
  std::function<void(const std::string& error, bool fatal)> error;
};

// GroupSink.error for a run's stats: every error kept (keep_error); a fatal one also sets `fatal`,
// which ends the run.
std::function<void(const std::string&, bool)> errors_into(std::vector<std::string>& errors, std::string& fatal);

struct GroupLag {
  std::map<std::string, int64_t> known;  // "topic[partition]" -> high watermark - done
  std::vector<std::string> unknown;      // high watermark not known yet: not a lag of 0
};

class GroupConsumer {
 public:
  enum class LagFrom { Committed, Position };

  GroupConsumer(Properties defaults, Properties overrides, std::vector<std::string> topics, GroupLimits limits,
                GroupSink sink);
  ~GroupConsumer();  // close(): a last revocation reaches the sink
  GroupConsumer(const GroupConsumer&) = delete;
  GroupConsumer& operator=(const GroupConsumer&) = delete;

  // Checks that the cluster answers within connect_timeout_ms (KafkaError Unreachable, the
  // producer's message), then subscribes; assignments come during poll(). Throws KafkaError.
  // A group.instance.id another consumer of the group holds on this host gets ".2", ".3"...
  // (a lock file per id, freed by the kernel when a process dies: a restart takes its id back).
  void join(int connect_timeout_ms = 10000);
  void close();  // leaves the group (revoking the sink's partitions); idempotent

  // Takes up to `max` (capped at 1000) events, waiting up to wait_ms for the first; each good
  // message goes to on_message, ends and errors to the sink. Returns librdkafka's count.
  ssize_t poll(int wait_ms, size_t max, const std::function<void(rd_kafka_message_t*)>& on_message);

  // --max-messages: how many more may be taken (SIZE_MAX without a limit), and whether it is reached.
  size_t room(uint64_t taken) const;
  bool limit_reached(uint64_t taken) const { return limits_.max_messages && taken >= limits_.max_messages; }
  // --stop-at-end: every assigned partition read to its end (a paused one is not).
  bool read_to_end() const { return limits_.stop_at_end && idle_.assigned_once() && !paused_ && ends_.all_at_end(); }
  // --idle-timeout (IdleRule): counts only while partitions are assigned and every one is read to
  // its end (or the assignment is empty) and the sink holds no work (busy).
  bool idle(bool busy);
  // After idle(): "" if the run had an assignment, else why it stops with nothing done.
  std::string unassigned_error() const;
  const std::string& instance_id() const { return instance_id_; }
  unsigned rejoins() const { return rejoins_; }  // new clients after being fenced by its own id

  // The whole assignment, and partitions assigned while paused. False if the assignment is unknown.
  bool pause();
  bool resume();
  bool paused() const { return paused_; }

  // Explicit offsets (the next offset to read). Returns an error text, "" when done or nothing to do.
  std::string commit(const std::map<TopicPartition, int64_t>& offsets, bool sync);
  std::string commit_stored(bool sync);       // what store_offset recorded
  void store_offset(const rd_kafka_message_t* m);  // this message is done (auto-commit picks it up)

  // Lag per assigned partition: high watermark - done, done being `ours` when it has the partition,
  // else the group's committed offset (Committed, asking the broker) or the fetch position
  // (Position), else the low watermark. ask_broker: query what the cache does not know (blocks).
  GroupLag lag(LagFrom from, bool ask_broker, const std::map<std::string, int64_t>& ours = {}) const;

  rd_kafka_t* handle() const { return rk_; }

 private:
  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque);
  bool set_paused(bool pause);
  void report_fatal();  // once: the fatal error, in words (fenced: a duplicate instance id)
  // Fenced by its own id (it holds the host's slot for it), not just after a rejoin.
  bool may_rejoin(rd_kafka_resp_err_t e) const;
  void rejoin();  // a new client with the same id; throws KafkaError if it cannot be made
  std::string fatal_commit_error() const;
  static constexpr std::chrono::minutes kRejoinQuiet{5};

  Properties defaults_, overrides_;
  std::vector<std::string> topics_;
  GroupLimits limits_;
  GroupSink sink_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_queue_t* queue_ = nullptr;
  std::vector<rd_kafka_message_t*> msgs_;
  IdleRule idle_;
  PartitionEnds ends_;
  bool paused_ = false, fatal_reported_ = false, eof_events_ = true, retiring_ = false;
  unsigned rejoins_ = 0;
  std::chrono::steady_clock::time_point last_rejoin_{};
  std::string instance_id_;  // group.instance.id in use ("" = dynamic membership)
  int slot_fd_ = -1;         // the host-wide lock on it
};

// A member of the group a config names by these fields (ConsumerConfig, WatchConfig): bootstrap,
// group, auto_offset_reset, properties, topics. Not joined yet.
template <class Config>
std::unique_ptr<GroupConsumer> group_member(const Config& c, const char* client_id, bool auto_commit,
                                            const GroupLimits& lim, GroupSink sink) {
  return std::make_unique<GroupConsumer>(
      group_consumer_defaults(c.bootstrap, c.group, client_id, c.auto_offset_reset, auto_commit,
                              resolve_instance_id(c.instance_id, c.topics)),
      c.properties,
      c.topics, lim, std::move(sink));
}

}  // namespace ki
