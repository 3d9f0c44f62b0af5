// The data flow: group (kafka/group_consumer) -> take_message (validate, _id, index) -> Batcher
// -> BulkSender (in flight, answers) -> finished (Committer) | dead-lettered (DeadLetterWriter).
#include "pipeline/consume_pipeline.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "elasticsearch/bulk.h"
#include "elasticsearch/index_name.h"
#include "elasticsearch/retry.h"
#include "pipeline/batcher.h"
#include "pipeline/bulk_sender.h"
#include "pipeline/committer.h"
#include "pipeline/dead_letter.h"
#include "pipeline/es_setup.h"
#include "source/event_id.h"
#include "util/timefmt.h"

namespace ki {

namespace {
using consume::Clock;
using consume::Item;
using consume::Rejects;

double mib(size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

ProducerConfig dlq_producer(const ConsumerConfig& c) {
  ProducerConfig pc;
  pc.bootstrap = c.bootstrap;
  pc.properties = c.properties;
  return pc;
}
}  // namespace

struct ConsumePipeline::Impl {
  ConsumerConfig ccfg;
  EsSinkConfig scfg;
  es::EsClient client;
  es::Backoff backoff;
  ConsumeStats st;
  size_t held_bytes = 0;  // taken, not yet acknowledged or dead-lettered (--max-buffered-bytes)
  consume::Batcher batcher;
  consume::BulkSender sender;
  consume::DeadLetterWriter dlq;
  Rejects rejected;  // not JSON objects: to the DLQ before any bulk
  std::vector<double> latencies;  // ms, a bounded sample
  uint64_t latency_seen = 0;
  std::unique_ptr<consume::Committer> committer;
  // Partitions read to their end since their last message (partition EOF); see kafka_drained().
  std::set<TopicPartition> at_end;
  std::unique_ptr<GroupConsumer> group;  // last: its close() revokes into the members above

  Impl(ConsumerConfig c, EsSinkConfig s)
      : ccfg(std::move(c)), scfg(std::move(s)), client(scfg.client), backoff(scfg.backoff_initial_ms, scfg.backoff_max_ms),
        batcher(scfg.bulk_max_docs, scfg.bulk_max_bytes, std::chrono::milliseconds(scfg.linger_ms)),
        sender(client, scfg, backoff, batcher, st, held_bytes, [this](const std::string& e) { error(e); }),
        dlq(dlq_producer(ccfg), scfg.dlq_topic.empty() ? ccfg.topics.at(0) + ".dlq" : scfg.dlq_topic) {
    if (scfg.op != "create" && scfg.op != "index") throw std::invalid_argument("op must be create or index");
    if (scfg.bulk_max_docs < 1) throw std::invalid_argument("bulk_max_docs must be at least 1");
    es::validate_index_pattern(scfg.index);  // before any name reaches a URL path
  }
  ~Impl() {
    if (group) group->close();
  }

  void error(const std::string& e) { keep_error(st.errors, e); }

  void join(const GroupLimits& lim) {
    // Commits are ours: only offsets acknowledged by Elasticsearch or dead-lettered.
    GroupSink sink;
    sink.revoking = [this](const rd_kafka_topic_partition_list_t* parts) { on_revoke(parts); };
    sink.at_end = [this](const TopicPartition& tp) { at_end.insert(tp); };
    sink.error = errors_into(st.errors, st.fatal);
    group = group_member(ccfg, "kafkainsight-consumer", false, lim, std::move(sink));
    committer = std::make_unique<consume::Committer>(*group, st.committed, [this](const std::string& e) { error(e); });
    group->join(ccfg.connect_timeout_ms);
  }

  void take_message(rd_kafka_message_t* m) {
    Item it;
    it.topic = rd_kafka_topic_name(m->rkt);
    it.partition = m->partition;
    it.offset = m->offset;
    it.ts_ms = rd_kafka_message_timestamp(m, nullptr);
    if (!at_end.empty()) at_end.erase(TopicPartition{it.topic, it.partition});
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) hdrs = nullptr;
    it.sent_ms = read_time_header(hdrs).value_or(it.sent_ms);
    // _id: the line's event id (ki.id: file fingerprint + byte offset) when the producer sent
    // one, so a line sent again by a restarted producer lands on the same document; else
    // topic-partition-offset (stdin, lines handed over, other producers).
    const void* v = nullptr;
    size_t vlen = 0;
    if (hdrs && rd_kafka_header_get_last(hdrs, "ki.id", &v, &vlen) == RD_KAFKA_RESP_ERR_NO_ERROR) {
      std::string_view id = v ? std::string_view(static_cast<const char*>(v), vlen) : std::string_view();
      if (valid_event_id(id)) it.id.assign(id);
      else ++st.bad_event_ids;
    }
    if (it.id.empty()) it.id = it.topic + "-" + std::to_string(it.partition) + "-" + std::to_string(it.offset);
    it.index = es::index_for(scfg.index, it.ts_ms > 0 ? it.ts_ms : wall_ms());
    std::string_view value = m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len)
                                        : std::string_view();
    ++st.consumed;
    committer->started(it);
    es::KafkaMetadata meta{it.topic, it.partition, it.offset};
    std::string why = es::prepare_document(value, it.doc, scfg.kafka_metadata ? &meta : nullptr);
    if (!why.empty()) {
      it.doc.assign(value);  // the DLQ keeps the value as it came
      ++st.rejected;
      rejected.emplace_back(std::move(it), std::move(why));
      return;
    }
    it.cost = it.doc.size() + it.index.size() + it.id.size() + 64;
    held_bytes += it.cost;
    batcher.add(std::move(it), Clock::now());
  }

  void finished(const Item& it) {
    committer->finished(it);
    held_bytes -= std::min(held_bytes, it.cost);
  }

  void dead_letter(Rejects& bad, const char* stage) {
    if (bad.empty()) return;
    if (!dlq.write(bad, stage)) {
      // Not on the dead-letter topic: not finished, so never committed; stop the run.
      st.fatal = "cannot write to the dead-letter topic '" + dlq.topic() + "'";
      return;
    }
    for (auto& [it, reason] : bad) {
      ++st.dead_lettered;
      finished(it);
    }
    bad.clear();
  }

  // Answers from Elasticsearch: finished documents are committed later, refused ones dead-lettered.
  void pump(int wait_ms) {
    consume::Answered a;
    sender.pump(wait_ms, a);
    for (const Item& it : a.indexed) {
      ++st.indexed;
      record_latency(it);
      finished(it);
    }
    for (const Item& it : a.duplicates) {
      ++st.duplicates;
      finished(it);
    }
    dead_letter(a.refused, "index");
  }

  // Fetching pauses while too much waits for Elasticsearch (an outage with a backlog), and
  // resumes at half: librdkafka drops what it prefetched and fetches again from our position.
  void apply_backpressure() {
    bool over = held_bytes >= scfg.max_buffered_bytes, drained = held_bytes <= scfg.max_buffered_bytes / 2;
    if (over == group->paused() || (!over && !drained)) return;
    if (over) {
      if (!group->pause()) return;
      ++st.fetch_pauses;
      spdlog::warn("paused fetching: {:.1f} MiB wait for Elasticsearch (max_buffered_bytes, --max-buffered-bytes: {:.1f} MiB)",
                   mib(held_bytes), mib(scfg.max_buffered_bytes));
    } else {
      if (!group->resume()) return;
      spdlog::info("resumed fetching ({:.1f} MiB waiting)", mib(held_bytes));
    }
  }

  // Finish what is in flight (bounded), commit, forget the partitions being taken away.
  void on_revoke(const rd_kafka_topic_partition_list_t* parts) {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    batcher.halves_to_retries();  // bisecting starts again from the remaining partitions' documents
    if (!batcher.empty() && st.fatal.empty()) sender.submit(batcher.take());
    while (!sender.idle() && Clock::now() < deadline && st.fatal.empty()) pump(50);
    committer->commit(true);
    for (int i = 0; i < parts->cnt; ++i) {
      TopicPartition tp{parts->elems[i].topic, parts->elems[i].partition};
      at_end.erase(tp);
      held_bytes -= std::min(held_bytes, batcher.drop(tp.first, tp.second));
      committer->drop(tp);
    }
  }

  // Every assigned partition read to its end (not just the local queue empty: under load the
  // next fetch is on its way, and a bulk sent now would be a small one): our position has reached
  // the high watermark of the last fetch response (known at once; a partition EOF comes only
  // after one more fetch, which the broker holds up to fetch.wait.max.ms), or the partition
  // reported its end since its last message.
  bool kafka_drained() {
    rd_kafka_t* rk = group->handle();
    rd_kafka_topic_partition_list_t* l = nullptr;
    if (rd_kafka_assignment(rk, &l) != RD_KAFKA_RESP_ERR_NO_ERROR || !l) return false;
    bool all = l->cnt > 0 && rd_kafka_position(rk, l) == RD_KAFKA_RESP_ERR_NO_ERROR;
    for (int i = 0; all && i < l->cnt; ++i) {
      const auto& e = l->elems[i];
      int64_t lo = -1, hi = -1;
      bool caught_up = e.offset >= 0 &&
                       rd_kafka_get_watermark_offsets(rk, e.topic, e.partition, &lo, &hi) == RD_KAFKA_RESP_ERR_NO_ERROR &&
                       hi >= 0 && e.offset >= hi;
      all = caught_up || at_end.count(TopicPartition{e.topic, e.partition}) > 0;
    }
    rd_kafka_topic_partition_list_destroy(l);
    return all;
  }

  // Lag = high watermark - the group's committed offset (as the broker has it).
  void fill_lag(bool ask_broker) {
    GroupLag l = group->lag(GroupConsumer::LagFrom::Committed, ask_broker, st.committed);
    for (const auto& name : l.unknown) st.lag.erase(name);
    for (const auto& [name, lag] : l.known) st.lag[name] = lag;
    st.lag_unknown = std::move(l.unknown);
    st.rejoins = group->rejoins();
  }

  void record_latency(const Item& it) {
    if (it.sent_ms <= 0) return;
    double ms = static_cast<double>(wall_ms() - it.sent_ms);
    st.e2e_latency.observe(ms / 1000.0);
    ++latency_seen;
    if (latencies.size() < 100000) latencies.push_back(ms);
    else latencies[latency_seen % latencies.size()] = ms;
  }

  void fill_latency() {
    if (latencies.empty()) return;
    std::vector<double> v = latencies;
    auto at = [&](double q) {
      size_t k = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
      std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
      return v[k];
    };
    st.latency_p50_ms = at(0.50);
    st.latency_p99_ms = at(0.99);
  }

  ConsumeStats run(const GroupLimits& lim, const ConsumeHooks& hooks, std::atomic<bool>& stop_requested) {
    auto t0 = Clock::now();
    const std::string engine = consume::wait_for_elasticsearch(client, scfg, backoff);
    consume::prepare_index(client, scfg, engine);
    join(lim);
    auto last_commit = Clock::now(), last_hook = Clock::now();
    bool stopping = false;
    while (st.fatal.empty()) {
      auto now = Clock::now();
      if (!stopping && now - last_hook >= std::chrono::milliseconds(200)) {
        last_hook = now;
        if (stop_requested.exchange(false) || (hooks.stop && hooks.stop())) {
          stopping = true;
          st.interrupted = true;
        }
        if (hooks.progress) {
          fill_lag(false);
          hooks.progress(st);
        }
      }
      bool want_more = !stopping && !group->limit_reached(st.consumed);
      batcher.move_due_retries(Clock::now());  // retries first: older than anything Kafka still has
      // Take what Kafka has, in batches; wait only when there is nothing else to do: for
      // Kafka while no bulk is in flight, for Elasticsearch while one is.
      bool can_take = want_more && !batcher.full();  // a full batch goes out first: never over --bulk-max-docs
      ssize_t got = 0;
      bool drained = false;  // Kafka has nothing more for us: every assigned partition read to its end
      if (can_take) {
        int wait_kafka = !sender.idle() ? 0 : (batcher.empty() && batcher.retries() == 0 ? 100 : 5);
        size_t room = std::min(batcher.room(), group->room(st.consumed));
        auto take = [this](rd_kafka_message_t* m) { take_message(m); };
        // A batch call waits until it has all it asked for (librdkafka): wait for the first
        // message only, then take what is there without waiting.
        if (wait_kafka > 0) got = group->poll(wait_kafka, 1, take);
        if (got >= 0 && static_cast<size_t>(got) < room) {
          ssize_t more = group->poll(0, room - static_cast<size_t>(got), take);
          got = more < 0 ? more : got + more;
        }
        drained = got >= 0 && static_cast<size_t>(got) < room && !scfg.fixed_linger && kafka_drained();
      }
      dead_letter(rejected, "validate");
      apply_backpressure();
      while (batcher.has_halves() && sender.may_submit()) sender.submit(batcher.next_half());
      // Adaptive flush: a partial bulk goes out once Kafka has nothing more for it and a
      // connection is free (under load connections are busy and bulks fill up); --linger
      // bounds its wait while messages keep coming. Paused: nothing more comes until it goes.
      if (!batcher.empty() && sender.may_submit() &&
          (batcher.full() || drained || batcher.linger_over(Clock::now()) || !want_more ||
           group->paused()))
        sender.submit(batcher.take());
      pump(sender.idle() ? 0 : (!can_take ? 50 : (got <= 0 ? 5 : 0)));
      if (Clock::now() - last_commit >= std::chrono::seconds(1)) {
        committer->commit(false);
        last_commit = Clock::now();
      }
      // Paused: what Kafka still has is not read yet, so neither idle nor at its end.
      bool busy = !batcher.idle() || !sender.idle() || group->paused();
      // Stopping: retries, and a batch held back while Elasticsearch is failing, are not waited
      // for (they are not committed, so they come again).
      if (!want_more && stopping && sender.idle() && (batcher.empty() || sender.holding())) break;
      if (!want_more && !stopping && !busy) break;  // --max-messages reached
      if (!busy && group->read_to_end()) break;     // --stop-at-end: read to its end and indexed
      if (group->idle(busy)) {                      // --idle-timeout
        st.fatal = group->unassigned_error();       // "" if it had partitions
        break;
      }
      if (!can_take && sender.idle()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!want_more && busy && sender.idle() && batcher.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (st.fatal.empty()) committer->commit(true);
    fill_lag(true);
    fill_latency();
    st.bytes_sent = client.bytes_sent();
    st.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return st;
  }
};

ConsumePipeline::ConsumePipeline(ConsumerConfig ccfg, EsSinkConfig scfg)
    : impl_(std::make_unique<Impl>(std::move(ccfg), std::move(scfg))) {}
ConsumePipeline::~ConsumePipeline() = default;

ConsumeStats ConsumePipeline::run(const GroupLimits& limits, const ConsumeHooks& hooks) {
  return impl_->run(limits, hooks, stop_requested_);
}

}  // namespace ki
