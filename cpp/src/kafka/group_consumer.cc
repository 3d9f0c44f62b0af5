#include "kafka/group_consumer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <cstdint>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace ki {

namespace {
using Clock = std::chrono::steady_clock;
constexpr size_t kMaxBatch = 1000;

// group.instance.id slots on this host: two members with one id fence each other, so a second
// consumer of the same group and id on this host (another process, thread or Consumer object)
// takes "<id>.2", "<id>.3"... Each slot is an flock() on a file in a per-user directory: the kernel
// frees it when the process dies, so a consumer restarted after kill -9 takes its old slot (its
// old id) back. Where no lock can be taken, the id is used as given.
struct Slot {
  std::string id;
  int fd = -1;
};

Slot reserve_instance_id(const std::string& group, const std::string& id) {
  const char* base = std::getenv("XDG_RUNTIME_DIR");
  std::string dir = std::string(base && *base ? base : "/tmp") + "/kafkainsight-ids-" + std::to_string(getuid());
  struct stat st {};
  if (mkdir(dir.c_str(), 0700) != 0 && errno != EEXIST) return {id, -1};
  // Only a directory of our own (not one another user planted in /tmp).
  if (lstat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid != getuid()) return {id, -1};
  std::string g;
  for (char c : group) g += std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' ? c : '_';
  for (int n = 1; n < 1000; ++n) {
    std::string slot = n == 1 ? id : id + "." + std::to_string(n);
    int fd = open((dir + "/" + g + "." + slot + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0) return {id, -1};
    if (flock(fd, LOCK_EX | LOCK_NB) == 0) return {slot, fd};
    ::close(fd);
  }
  return {id, -1};
}

std::string property(const Properties& defaults, const Properties& overrides, const std::string& key) {
  std::string v;
  for (const Properties* p : {&defaults, &overrides})
    for (const auto& [k, val] : *p)
      if (k == key) v = val;
  return v;
}

struct ListGuard {
  rd_kafka_topic_partition_list_t* l;
  ~ListGuard() {
    if (l) rd_kafka_topic_partition_list_destroy(l);
  }
};
}  // namespace

std::string tp_name(const std::string& t, int32_t p) { return t + "[" + std::to_string(p) + "]"; }

std::string_view message_header(rd_kafka_headers_t* hdrs, const char* name) {
  const void* v = nullptr;
  size_t n = 0;
  if (!hdrs || rd_kafka_header_get_last(hdrs, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR || !v) return {};
  return {static_cast<const char*>(v), n};
}

std::optional<int64_t> read_time_header(rd_kafka_headers_t* hdrs) {
  std::string_view kts = message_header(hdrs, "ki.ts");
  if (kts.empty() || kts.size() >= 20) return std::nullopt;
  int64_t x = 0;
  for (char c : kts) x = x * 10 + (c - '0');
  return x;
}

void keep_error(std::vector<std::string>& errors, const std::string& e) {
  spdlog::warn("{}", e);
  if (errors.size() < 20) errors.push_back(e);
}

std::function<void(const std::string&, bool)> errors_into(std::vector<std::string>& errors, std::string& fatal) {
  return [&errors, &fatal](const std::string& e, bool is_fatal) {
    keep_error(errors, e);
    if (is_fatal) fatal = "Kafka consumer fatal error (" + e + ")";
  };
}

GroupConsumer::GroupConsumer(Properties defaults, Properties overrides, std::vector<std::string> topics,
                             GroupLimits limits, GroupSink sink)
    : defaults_(std::move(defaults)), overrides_(std::move(overrides)), topics_(std::move(topics)),
      limits_(limits), sink_(std::move(sink)), msgs_(kMaxBatch), idle_(limits.idle_timeout_ms, Clock::now()) {}

GroupConsumer::~GroupConsumer() { close(); }

void GroupConsumer::join(int connect_timeout_ms) {
  std::string id = property(defaults_, overrides_, "group.instance.id");
  if (!id.empty()) {
    Slot s = reserve_instance_id(property(defaults_, overrides_, "group.id"), id);
    instance_id_ = s.id;
    slot_fd_ = s.fd;
    if (instance_id_ != id) {
      spdlog::info("group.instance.id {} is in use on this host: using {}", id, instance_id_);
      overrides_.emplace_back("group.instance.id", instance_id_);
    }
  }
  try {
    rk_ = subscribed_consumer(defaults_, overrides_, this, rebalance_cb, topics_);
    require_cluster(rk_, property(defaults_, overrides_, "bootstrap.servers"), connect_timeout_ms);
  } catch (...) {
    close();
    throw;
  }
  queue_ = rd_kafka_queue_get_consumer(rk_);
  std::string eof = property(defaults_, overrides_, "enable.partition.eof");
  eof_events_ = eof != "false" && eof != "0" && !eof.empty();
  std::string session = property(defaults_, overrides_, "session.timeout.ms");
  auto grace = std::max<std::chrono::milliseconds>(
      IdleRule::kJoinGrace, std::chrono::milliseconds((session.empty() ? 45000 : std::stoll(session)) + 5000));
  idle_ = IdleRule(limits_.idle_timeout_ms, Clock::now(), grace);
}

void GroupConsumer::close() {
  if (rk_) {
    if (queue_) rd_kafka_queue_destroy(queue_);
    queue_ = nullptr;
    rd_kafka_consumer_close(rk_);
    rd_kafka_destroy(rk_);
    rk_ = nullptr;
  }
  if (slot_fd_ >= 0) ::close(slot_fd_);  // the slot is free again
  slot_fd_ = -1;
  instance_id_.clear();
}

bool GroupConsumer::idle(bool busy) {
  auto now = Clock::now();
  // Assigned partitions not yet read to their end: the consumer is catching up, not idle.
  // (Without partition-end events, -X enable.partition.eof=false, idle counts from the last message.)
  bool drained = !eof_events_ || ends_.assigned_count() == 0 || ends_.all_at_end();
  if (idle_.assigned_once() && (busy || paused_ || !drained)) {
    idle_.activity(now);
    return false;
  }
  return idle_.expired(now, busy || paused_);
}

std::string GroupConsumer::unassigned_error() const {
  if (idle_.assigned_once()) return "";
  auto s = std::chrono::duration_cast<std::chrono::seconds>(idle_.waited_for_assignment()).count();
  return "no partition was assigned within " + std::to_string(s) + " s (--idle-timeout + the join grace): the group " +
         property(defaults_, overrides_, "group.id") +
         " gave this member none (do the topics exist? do other members hold every partition? a member killed "
         "without leaving holds its partitions until its session times out unless restarted with its --instance-id)";
}

void GroupConsumer::rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                                 void* opaque) {
  auto* self = static_cast<GroupConsumer*>(opaque);
  if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
    for (int i = 0; i < parts->cnt; ++i) spdlog::info("assigned {}", tp_name(parts->elems[i].topic, parts->elems[i].partition));
    rd_kafka_assign(rk, parts);
    if (self->paused_) rd_kafka_pause_partitions(rk, parts);  // still paused (e.g. --max-buffered-bytes)
    for (int i = 0; i < parts->cnt; ++i) self->ends_.assigned({parts->elems[i].topic, parts->elems[i].partition});
    // Joining took a while: idle time starts now. An empty assignment does not count: a run
    // that never had a partition says so instead of ending "idle" with nothing done.
    if (parts->cnt > 0) self->idle_.assigned(Clock::now());
    if (self->sink_.assigned) self->sink_.assigned(parts);
  } else if (self->retiring_) {  // the fenced client's close after rejoin() revoked for the sink
    rd_kafka_assign(rk, nullptr);
  } else {
    // The sink finishes and commits while the partitions are still ours.
    if (self->sink_.revoking) self->sink_.revoking(parts);
    for (int i = 0; i < parts->cnt; ++i) {
      self->ends_.revoked({parts->elems[i].topic, parts->elems[i].partition});
      spdlog::info("revoked {}", tp_name(parts->elems[i].topic, parts->elems[i].partition));
    }
    rd_kafka_assign(rk, nullptr);
  }
}

ssize_t GroupConsumer::poll(int wait_ms, size_t max, const std::function<void(rd_kafka_message_t*)>& on_message) {
  ssize_t got = rd_kafka_consume_batch_queue(queue_, wait_ms, msgs_.data(), std::min(max, msgs_.size()));
  for (ssize_t i = 0; i < got; ++i) {
    rd_kafka_message_t* m = msgs_[static_cast<size_t>(i)];
    if (!m->err) {
      ends_.message({rd_kafka_topic_name(m->rkt), m->partition});
      on_message(m);
      idle_.activity(Clock::now());
    } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      if (m->rkt) {
        TopicPartition tp{rd_kafka_topic_name(m->rkt), m->partition};
        ends_.end(tp);
        if (sink_.at_end) sink_.at_end(tp);
      }
    } else if (m->err != RD_KAFKA_RESP_ERR__FATAL && sink_.error) {  // a fatal one: below
      sink_.error(std::string("kafka: ") + rd_kafka_message_errstr(m), false);
    }
    rd_kafka_message_destroy(m);
  }
  report_fatal();  // after the batch: every message of the old client is gone before a rejoin
  return got;
}

bool GroupConsumer::may_rejoin(rd_kafka_resp_err_t e) const {
  // Fenced by its own id: no other consumer on this host holds it (we hold its lock). A broker
  // that loses a static member's join answer in a coordinator failover fences the member that
  // asked (seen with Kafka 3.9 after a leader SIGKILL). Another host with the same id would be
  // fenced in turn and fence us back: a second fence soon after a rejoin is fatal.
  if (e != RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID || slot_fd_ < 0) return false;
  return rejoins_ == 0 || Clock::now() - last_rejoin_ >= kRejoinQuiet;
}

void GroupConsumer::rejoin() {
  // The new client first: if it cannot be made, the old one stays and its error is reported.
  rd_kafka_t* fresh = subscribed_consumer(defaults_, overrides_, this, rebalance_cb, topics_);
  ++rejoins_;
  last_rejoin_ = Clock::now();
  // The sink finishes what it holds of the assignment (a fenced client cannot commit: what was
  // done after the last commit is read again and lands on the same documents).
  // Ours as the rebalance callback saw them: a fenced client's own assignment may be gone already.
  const std::set<TopicPartition> held = ends_.assigned();
  if (!held.empty()) {
    ListGuard a{rd_kafka_topic_partition_list_new(static_cast<int>(held.size()))};
    for (const auto& [topic, partition] : held) rd_kafka_topic_partition_list_add(a.l, topic.c_str(), partition);
    if (sink_.revoking) sink_.revoking(a.l);
    for (const auto& tp : held) {
      ends_.revoked(tp);
      spdlog::info("revoked {}", tp_name(tp.first, tp.second));
    }
  }
  rd_kafka_queue_destroy(queue_);
  retiring_ = true;  // its close may revoke again: nothing left for the sink
  rd_kafka_consumer_close(rk_);  // fatal: neither commits nor leaves the group
  rd_kafka_destroy(rk_);
  retiring_ = false;
  rk_ = fresh;
  queue_ = rd_kafka_queue_get_consumer(rk_);
  paused_ = false;
  idle_.rejoined(Clock::now());
}

void GroupConsumer::report_fatal() {
  char why[512] = {0};
  rd_kafka_resp_err_t e = rd_kafka_fatal_error(rk_, why, sizeof why);
  if (!e || fatal_reported_) return;
  std::string rejoin_failed;
  if (may_rejoin(e)) {
    std::string what = "kafka: fenced by this consumer's own group.instance.id " + instance_id_ +
                       " (no other consumer on this host holds it): joined group " +
                       property(defaults_, overrides_, "group.id") + " again with a new client (rejoin " +
                       std::to_string(rejoins_ + 1) + ")";
    try {
      rejoin();
      if (sink_.error) sink_.error(what, false);
      return;
    } catch (const std::exception& x) {  // no new client: fatal after all
      rejoin_failed = x.what();
    }
  }
  fatal_reported_ = true;
  std::string what = std::string("kafka: fatal: ") + why;
  if (e == RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID)
    what = "kafka: fenced: another consumer joined group " + property(defaults_, overrides_, "group.id") +
           " with the same group.instance.id " + instance_id_ +
           (rejoins_ ? " (fenced again within " + std::to_string(kRejoinQuiet.count()) +
                           " minutes of joining again: on another host?)"
                     : std::string()) +
           " (give each consumer of a group its own --instance-id / KAFKA_GROUP_INSTANCE_ID)";
  if (!rejoin_failed.empty()) what += "; joining again failed: " + rejoin_failed;
  if (sink_.error) sink_.error(what, true);
}

size_t GroupConsumer::room(uint64_t taken) const {
  if (!limits_.max_messages) return SIZE_MAX;
  return taken >= limits_.max_messages ? 0 : static_cast<size_t>(limits_.max_messages - taken);
}

bool GroupConsumer::set_paused(bool pause) {
  ListGuard a{nullptr};
  if (rd_kafka_assignment(rk_, &a.l) != RD_KAFKA_RESP_ERR_NO_ERROR || !a.l) return false;
  if (pause) rd_kafka_pause_partitions(rk_, a.l);
  else rd_kafka_resume_partitions(rk_, a.l);
  paused_ = pause;
  idle_.activity(Clock::now());  // a paused stretch is not idle time
  return true;
}

bool GroupConsumer::pause() { return set_paused(true); }
bool GroupConsumer::resume() { return set_paused(false); }

std::string GroupConsumer::commit(const std::map<TopicPartition, int64_t>& offsets, bool sync) {
  if (offsets.empty()) return "";
  ListGuard l{rd_kafka_topic_partition_list_new(static_cast<int>(offsets.size()))};
  for (const auto& [tp, off] : offsets) rd_kafka_topic_partition_list_add(l.l, tp.first.c_str(), tp.second)->offset = off;
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_, l.l, sync ? 0 : 1);
  if (e == RD_KAFKA_RESP_ERR__FATAL) return fatal_commit_error();
  return e && e != RD_KAFKA_RESP_ERR__NO_OFFSET ? rd_kafka_err2str(e) : "";
}

std::string GroupConsumer::fatal_commit_error() const {
  char why[512] = {0};
  rd_kafka_fatal_error(rk_, why, sizeof why);
  return std::string("the client has a fatal error (") + why + "): what was done since the last commit is read again";
}

std::string GroupConsumer::commit_stored(bool sync) {
  rd_kafka_resp_err_t e = rd_kafka_commit(rk_, nullptr, sync ? 0 : 1);
  return e && e != RD_KAFKA_RESP_ERR__NO_OFFSET ? rd_kafka_err2str(e) : "";
}

void GroupConsumer::store_offset(const rd_kafka_message_t* m) {
  ListGuard l{rd_kafka_topic_partition_list_new(1)};
  rd_kafka_topic_partition_list_add(l.l, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset + 1;
  rd_kafka_offsets_store(rk_, l.l);
}

GroupLag GroupConsumer::lag(LagFrom from, bool ask_broker, const std::map<std::string, int64_t>& ours) const {
  GroupLag out;
  ListGuard a{nullptr};
  if (!rk_ || rd_kafka_assignment(rk_, &a.l) != RD_KAFKA_RESP_ERR_NO_ERROR || !a.l) return out;
  // The assignment's own offsets say nothing; fetch the ones asked for.
  bool fetched = from == LagFrom::Position || ask_broker;
  if (from == LagFrom::Position) rd_kafka_position(rk_, a.l);
  else if (ask_broker && a.l->cnt > 0) rd_kafka_committed(rk_, a.l, 5000);
  for (int i = 0; i < a.l->cnt; ++i) {
    int64_t lo = -1, hi = -1;
    const auto& e = a.l->elems[i];
    std::string name = tp_name(e.topic, e.partition);
    // Not fetched yet: the cached watermarks are invalid (negative), not a lag of 0.
    if (rd_kafka_get_watermark_offsets(rk_, e.topic, e.partition, &lo, &hi) || hi < 0) {
      if (!ask_broker || rd_kafka_query_watermark_offsets(rk_, e.topic, e.partition, &lo, &hi, 5000) || hi < 0) {
        out.unknown.push_back(name);
        continue;
      }
    }
    auto c = ours.find(name);
    int64_t done = c != ours.end() ? c->second : (fetched && e.offset >= 0 ? e.offset : lo);
    out.known[name] = std::max<int64_t>(0, hi - done);
  }
  return out;
}

}  // namespace ki
