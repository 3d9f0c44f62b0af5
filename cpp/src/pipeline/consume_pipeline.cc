#include "pipeline/consume_pipeline.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <deque>
#include <set>
#include <thread>

#include "elasticsearch/bulk.h"
#include "elasticsearch/index_name.h"
#include "elasticsearch/offsets.h"
#include "elasticsearch/retry.h"
#include "kafka/producer.h"
#include "util/timefmt.h"

namespace ki {

namespace {
using Clock = std::chrono::steady_clock;

struct Item {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0, ts_ms = 0;
  // When the producer read the line (header ki.ts, sent when following), else 0: the message
  // timestamp is the event time, years off for replayed files, so it measures no latency.
  int64_t sent_ms = 0;
  std::string index, id, doc;
  size_t cost = 0;  // bytes it holds while waiting (--max-buffered-bytes)
  uint32_t attempts = 0;
  Clock::time_point due{};
};

std::string tp_name(const std::string& t, int32_t p) { return t + "[" + std::to_string(p) + "]"; }

double mib(size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }

using Rejects = std::vector<std::pair<Item, std::string>>;  // item, reason

// A stable _id for a message whose topic-partition-offset _id already names another document:
// the same message always gets the same one, so redeliveries still land on it once.
std::string content_id(const std::string& id, std::string_view doc) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : doc) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return id + "~" + hex;
}
}  // namespace

struct ConsumePipeline::Impl {
  ConsumerConfig ccfg;
  EsSinkConfig scfg;
  es::EsClient client;
  es::OffsetTracker tracker;
  es::Backoff backoff;
  rd_kafka_t* rk = nullptr;
  std::unique_ptr<KafkaProducer> dlq;
  std::vector<Item> batch;
  size_t batch_bytes = 0;
  Clock::time_point batch_started{};
  std::map<uint64_t, std::vector<Item>> in_flight;
  std::map<uint64_t, Clock::time_point> submitted;  // bulk id -> when sent (bulk latency)
  std::vector<Item> retry;
  std::deque<std::vector<Item>> halves;  // parts of a request refused whole, sent on their own
  Rejects rejected;                       // not JSON objects: to the DLQ before any bulk
  size_t held_bytes = 0;                  // taken, not yet acknowledged or dead-lettered
  bool paused = false;
  // Whole-request failures (Elasticsearch down, 5xx): nothing is sent before this time.
  Clock::time_point hold_until{};
  uint32_t request_fail_streak = 0;
  bool conflict_warned = false;
  ConsumeStats st;
  Clock::time_point last_activity = Clock::now();  // last message or assignment (idle timeout)
  bool assigned_once = false;
  std::set<std::pair<std::string, int32_t>> assigned, at_end;  // for stop_at_end
  std::vector<double> latencies;  // ms, a bounded sample
  uint64_t latency_seen = 0;

  Impl(ConsumerConfig c, EsSinkConfig s)
      : ccfg(std::move(c)), scfg(std::move(s)), client(scfg.client),
        backoff(scfg.backoff_initial_ms, scfg.backoff_max_ms) {
    if (scfg.dlq_topic.empty()) scfg.dlq_topic = ccfg.topics.at(0) + ".dlq";
    if (scfg.op != "create" && scfg.op != "index") throw std::invalid_argument("op must be create or index");
    if (scfg.bulk_max_docs < 1) throw std::invalid_argument("bulk_max_docs must be at least 1");
    es::validate_index_pattern(scfg.index);  // before any name reaches a URL path
  }
  ~Impl() {
    if (rk) {
      rd_kafka_consumer_close(rk);
      rd_kafka_destroy(rk);
    }
  }

  void error(const std::string& e) {
    spdlog::warn("{}", e);
    if (st.errors.size() < 20) st.errors.push_back(e);
  }

  // --- start-up: Elasticsearch first (clear errors before joining the group) ---------------
  void check_elasticsearch() {
    auto deadline = Clock::now() + std::chrono::milliseconds(scfg.startup_timeout_ms);
    for (uint32_t attempt = 0;; ++attempt) {
      es::HttpResponse r = client.request("GET", "/");
      if (r.status >= 200 && r.status < 300) return;
      if (r.status == 401 || r.status == 403)
        throw KafkaError(KafkaError::Kind::Config,
                         "Elasticsearch at " + scfg.client.url + " refused the credentials (HTTP " +
                             std::to_string(r.status) + ", " + es::error_summary(r.body) + "): check " +
                             (scfg.client.api_key.empty() ? "password (ELASTIC_PASSWORD) of user '" + scfg.client.user + "'"
                                                          : std::string("api_key (ELASTIC_API_KEY)")));
      if (r.tls_error) throw KafkaError(KafkaError::Kind::Config, r.error);
      std::string why = r.status ? "HTTP " + std::to_string(r.status) + " " + es::error_summary(r.body) : r.error;
      if (Clock::now() >= deadline)
        throw KafkaError(KafkaError::Kind::Unreachable,
                         "Elasticsearch is not available: " + why + " (gave up after " +
                             std::to_string(scfg.startup_timeout_ms / 1000) + " s)");
      uint32_t d = backoff.delay_ms(attempt);
      spdlog::warn("Elasticsearch not ready ({}); retrying in {} ms", why, d);
      std::this_thread::sleep_for(std::chrono::milliseconds(d));
    }
  }

  void prepare_index() {
    if (!scfg.template_name.empty()) {
      auto r = client.request("PUT", "/_index_template/" + scfg.template_name, scfg.template_body);
      if (r.status < 200 || r.status >= 300)
        throw KafkaError(KafkaError::Kind::Config, "installing index template '" + scfg.template_name +
                                                       "' failed: " + (r.status ? es::error_summary(r.body) : r.error));
    }
    if (scfg.index.find('%') != std::string::npos) return;  // dated indices: created on first write
    const std::string path = "/" + scfg.index;
    if (scfg.recreate_index) {
      auto r = client.request("DELETE", path);
      if (r.status != 404 && (r.status < 200 || r.status >= 300))
        throw KafkaError(KafkaError::Kind::Config, "deleting index '" + scfg.index + "' failed: " +
                                                       (r.status ? es::error_summary(r.body) : r.error));
      spdlog::warn("deleted index '{}' (recreate_index, --recreate-index)", scfg.index);
    }
    auto head = client.request("HEAD", path);
    if (head.status == 404) {
      auto r = client.request("PUT", path, scfg.index_settings.empty() ? "{}" : scfg.index_settings);
      if ((r.status < 200 || r.status >= 300) && r.body.find("resource_already_exists_exception") == std::string::npos)
        throw KafkaError(KafkaError::Kind::Config, "creating index '" + scfg.index + "' failed: " +
                                                       (r.status ? es::error_summary(r.body) : r.error));
    } else if (head.status < 200 || head.status >= 300) {
      throw KafkaError(KafkaError::Kind::Config, "checking index '" + scfg.index + "' failed: " +
                                                     (head.status ? "HTTP " + std::to_string(head.status) : head.error));
    }
  }

  // --- Kafka consumer -----------------------------------------------------------------
  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      for (int i = 0; i < parts->cnt; ++i)
        spdlog::info("assigned {}", tp_name(parts->elems[i].topic, parts->elems[i].partition));
      rd_kafka_assign(rk, parts);
      if (self->paused) rd_kafka_pause_partitions(rk, parts);  // still over --max-buffered-bytes
      for (int i = 0; i < parts->cnt; ++i) self->assigned.insert({parts->elems[i].topic, parts->elems[i].partition});
      self->last_activity = Clock::now();  // joining took a while: idle time starts now
      self->assigned_once = true;
    } else {
      self->on_revoke(parts);
      rd_kafka_assign(rk, nullptr);
    }
  }

  void join() {
    // Commits are ours: only offsets acknowledged by Elasticsearch or dead-lettered.
    Properties defaults =
        group_consumer_defaults(ccfg.bootstrap, ccfg.group, "kafkainsight-consumer", ccfg.auto_offset_reset, false);
    rk = subscribed_consumer(defaults, ccfg.properties, this, rebalance_cb, ccfg.topics);
  }

  void take_message(rd_kafka_message_t* m) {
    Item it;
    it.topic = rd_kafka_topic_name(m->rkt);
    it.partition = m->partition;
    it.offset = m->offset;
    it.ts_ms = rd_kafka_message_timestamp(m, nullptr);
    rd_kafka_headers_t* hdrs = nullptr;
    const void* v = nullptr;
    size_t vlen = 0;
    if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
        rd_kafka_header_get_last(hdrs, "ki.ts", &v, &vlen) == RD_KAFKA_RESP_ERR_NO_ERROR && v && vlen < 20) {
      int64_t x = 0;
      for (size_t i = 0; i < vlen; ++i) x = x * 10 + (static_cast<const char*>(v)[i] - '0');
      it.sent_ms = x;
    }
    it.id = it.topic + "-" + std::to_string(it.partition) + "-" + std::to_string(it.offset);
    it.index = es::index_for(scfg.index, it.ts_ms > 0 ? it.ts_ms : wall_ms());
    std::string_view value = m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len)
                                        : std::string_view();
    ++st.consumed;
    tracker.started({it.topic, it.partition}, it.offset);
    std::string why = es::prepare_document(value, it.doc);
    if (!why.empty()) {
      it.doc.assign(value);  // the DLQ keeps the value as it came
      ++st.rejected;
      rejected.emplace_back(std::move(it), std::move(why));
      return;
    }
    it.cost = it.doc.size() + it.index.size() + it.id.size() + 64;
    held_bytes += it.cost;
    add_to_batch(std::move(it));
  }

  void add_to_batch(Item it) {
    if (batch.empty()) batch_started = Clock::now();
    batch_bytes += it.doc.size() + it.index.size() + it.id.size() + 40;
    batch.push_back(std::move(it));
  }

  bool batch_full() const { return batch.size() >= scfg.bulk_max_docs || batch_bytes >= scfg.bulk_max_bytes; }

  bool may_submit() const { return client.can_submit() && Clock::now() >= hold_until; }

  void submit(std::vector<Item> items) {
    std::string body;
    for (const auto& it : items) es::append_bulk_item(body, scfg.op, it.index, it.id, it.doc);
    uint64_t id = client.submit_bulk(std::move(body));
    submitted[id] = Clock::now();
    ++st.bulk_requests;
    in_flight.emplace(id, std::move(items));
  }

  void submit() {
    submit(std::move(batch));
    batch.clear();
    batch_bytes = 0;
  }

  void schedule_retry(Item&& it) {
    it.due = Clock::now() + std::chrono::milliseconds(backoff.delay_ms(it.attempts++));
    retry.push_back(std::move(it));
  }

  void finished(const Item& it) {
    tracker.finished({it.topic, it.partition}, it.offset);
    held_bytes -= std::min(held_bytes, it.cost);
  }

  // Fetching pauses while too much waits for Elasticsearch (an outage with a backlog), and
  // resumes at half: librdkafka drops what it prefetched and fetches again from our position.
  void apply_backpressure() {
    bool over = held_bytes >= scfg.max_buffered_bytes, drained = held_bytes <= scfg.max_buffered_bytes / 2;
    if (over == paused || (!over && !drained)) return;
    rd_kafka_topic_partition_list_t* a = nullptr;
    if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a) return;
    if (over) {
      rd_kafka_pause_partitions(rk, a);
      ++st.fetch_pauses;
      spdlog::warn("paused fetching: {:.1f} MiB wait for Elasticsearch (max_buffered_bytes, --max-buffered-bytes: {:.1f} MiB)",
                   mib(held_bytes), mib(scfg.max_buffered_bytes));
    } else {
      rd_kafka_resume_partitions(rk, a);
      spdlog::info("resumed fetching ({:.1f} MiB waiting)", mib(held_bytes));
    }
    paused = over;
    last_activity = Clock::now();  // a paused stretch is not idle time (--idle-timeout)
    rd_kafka_topic_partition_list_destroy(a);
  }

  void record_latency(const Item& it) {
    if (it.sent_ms <= 0) return;
    double ms = static_cast<double>(wall_ms() - it.sent_ms);
    st.e2e_latency.observe(ms / 1000.0);
    ++latency_seen;
    if (latencies.size() < 100000) latencies.push_back(ms);
    else latencies[latency_seen % latencies.size()] = ms;
  }

  void dead_letter(Rejects& bad, const char* stage = "index") {
    if (bad.empty()) return;
    if (!dlq) {
      ProducerConfig pc;
      pc.bootstrap = ccfg.bootstrap;
      pc.properties = ccfg.properties;
      dlq = std::make_unique<KafkaProducer>(pc);
      dlq->check_topic(scfg.dlq_topic);
    }
    uint64_t failed_before = dlq->counts().failed;
    for (auto& [it, reason] : bad) {
      std::string part = std::to_string(it.partition), off = std::to_string(it.offset);
      Header h[5] = {{"ki.error.stage", stage},
                     {"ki.error.reason", reason},
                     {"ki.topic", it.topic},
                     {"ki.partition", part},
                     {"ki.offset", off}};
      dlq->produce(scfg.dlq_topic, it.id, it.doc, it.ts_ms, h, 5, 0);
    }
    int left = dlq->flush(30000);
    if (left > 0 || dlq->counts().failed != failed_before) {
      // Not on the dead-letter topic: not finished, so never committed; stop the run.
      st.fatal = "cannot write to the dead-letter topic '" + scfg.dlq_topic + "'";
      return;
    }
    for (auto& [it, reason] : bad) {
      ++st.dead_lettered;
      finished(it);
    }
    bad.clear();
  }

  // A whole request failed (no answer, 429, 5xx): its documents wait, and nothing is sent until
  // the backoff step is over. One log line per step, not per request.
  void hold_and_retry(std::vector<Item>& items, const std::string& why) {
    ++st.request_retries;
    auto now = Clock::now();
    if (now >= hold_until) {
      uint32_t d = backoff.delay_ms(request_fail_streak++);
      hold_until = now + std::chrono::milliseconds(d);
      error(fmt::format("{}; {} documents ({:.1f} MiB) wait, next try in {} ms", why,
                        items.size() + retry.size() + batch.size(), mib(held_bytes), d));
    }
    for (auto& it : items) {
      ++it.attempts;
      it.due = hold_until;
      retry.push_back(std::move(it));
    }
  }

  // A request refused whole (400, 413) says nothing about which document it could not take:
  // send each half on its own until the refused ones stand alone, then dead-letter them.
  void bisect(std::vector<Item>& items, const es::HttpResponse& r, Rejects& bad) {
    std::string why = "HTTP " + std::to_string(r.status) + " " + es::error_summary(r.body);
    if (items.size() == 1) {
      bad.emplace_back(std::move(items[0]), "refused on its own (" + why + ")");
      return;
    }
    error("bulk request of " + std::to_string(items.size()) + " documents refused whole (" + why +
          "); splitting it to find the documents Elasticsearch refuses");
    size_t mid = items.size() / 2;
    halves.emplace_front(std::make_move_iterator(items.begin() + static_cast<long>(mid)),
                         std::make_move_iterator(items.end()));
    halves.emplace_front(std::make_move_iterator(items.begin()), std::make_move_iterator(items.begin() + static_cast<long>(mid)));
  }

  // 409 on create: a redelivered message (the stored document is the same) or another message
  // under the same _id (a re-created topic restarts at offset 0): never count that as a duplicate.
  void check_conflicts(std::vector<Item>& items, Rejects& bad) {
    if (items.empty()) return;
    std::vector<std::pair<std::string, std::string>> keys;
    for (const auto& it : items) keys.emplace_back(it.index, it.id);
    es::HttpResponse r = client.request("POST", "/_mget", es::mget_body(keys));
    if (r.status < 200 || r.status >= 300) {
      hold_and_retry(items, "checking " + std::to_string(items.size()) + " conflicting documents failed (" +
                                (r.status ? "HTTP " + std::to_string(r.status) : r.error) + ")");
      return;
    }
    std::vector<bool> found;
    std::vector<std::string> stored = es::mget_sources(r.body, items.size(), found);
    for (size_t i = 0; i < items.size(); ++i) {
      Item& it = items[i];
      if (found[i] && es::same_document(stored[i], it.doc)) {
        ++st.duplicates;
        finished(it);
      } else if (!found[i]) {
        schedule_retry(std::move(it));  // gone since (deleted): write it again
      } else if (it.id.find('~') != std::string::npos) {
        bad.emplace_back(std::move(it), "409: documents with other content hold both its _id and its content _id");
      } else {
        ++st.id_conflicts;
        std::string alt = content_id(it.id, it.doc);
        if (!conflict_warned) {
          conflict_warned = true;
          spdlog::warn("_id {} already names a document with other content (was the topic re-created, or does another "
                       "writer use these ids?): such messages are indexed under a content _id, e.g. {}",
                       it.id, alt);
        }
        it.id = std::move(alt);
        it.due = Clock::now();
        retry.push_back(std::move(it));
      }
    }
  }

  void on_response(const es::HttpResponse& r) {
    auto node = in_flight.extract(r.id);
    if (node.empty()) return;
    if (auto sent = submitted.extract(r.id))
      st.bulk_latency.observe(std::chrono::duration<double>(Clock::now() - sent.mapped()).count());
    std::vector<Item>& items = node.mapped();
    es::RequestOutcome ro = es::classify_request(r.status);
    if (ro == es::RequestOutcome::AuthFatal) {
      st.fatal = "Elasticsearch refused the credentials (HTTP " + std::to_string(r.status) + ", " +
                 es::error_summary(r.body) + ")";
      return;  // nothing finished: nothing committed
    }
    Rejects bad;
    if (ro == es::RequestOutcome::Fatal && (r.status == 400 || r.status == 413)) {
      bisect(items, r, bad);
      dead_letter(bad);
      return;
    }
    if (ro == es::RequestOutcome::Fatal) {
      st.fatal = "bulk request rejected (HTTP " + std::to_string(r.status) + "): " + es::error_summary(r.body);
      return;
    }
    if (ro == es::RequestOutcome::Retry) {
      hold_and_retry(items, r.status ? "bulk request got HTTP " + std::to_string(r.status) + " (" +
                                           es::error_summary(r.body) + ")"
                                     : r.error);
      return;
    }
    es::BulkResponse br = es::parse_bulk_response(r.body);
    if (!br.ok || br.items.size() != items.size()) {
      hold_and_retry(items, "unreadable bulk response (" +
                                (br.ok ? std::string("item count differs") : br.parse_error) + ")");
      return;
    }
    request_fail_streak = 0;
    std::vector<Item> conflicts;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& res = br.items[i];
      switch (es::classify_item(res.status, res.error_type, scfg.op == "create")) {
        case es::ItemOutcome::Indexed:
          ++st.indexed;
          record_latency(items[i]);
          finished(items[i]);
          break;
        case es::ItemOutcome::Duplicate:
          conflicts.push_back(std::move(items[i]));
          break;
        case es::ItemOutcome::Retry:
          ++st.item_retries;
          schedule_retry(std::move(items[i]));
          break;
        case es::ItemOutcome::Permanent:
          bad.emplace_back(std::move(items[i]), std::to_string(res.status) + " " + res.error_type + ": " +
                                                    res.error_reason);
          break;
      }
    }
    check_conflicts(conflicts, bad);
    dead_letter(bad);
  }

  void pump(int wait_ms) {
    for (auto& r : client.poll(wait_ms)) on_response(r);
  }

  void move_due_retries() {
    auto now = Clock::now();
    for (size_t i = 0; i < retry.size() && !batch_full();) {
      if (retry[i].due <= now) {
        add_to_batch(std::move(retry[i]));
        retry[i] = std::move(retry.back());
        retry.pop_back();
      } else {
        ++i;
      }
    }
  }

  void commit(bool sync) {
    auto commits = tracker.take_commits();
    if (commits.empty()) return;
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(static_cast<int>(commits.size()));
    for (const auto& [tp, off] : commits) {
      rd_kafka_topic_partition_list_add(l, tp.first.c_str(), tp.second)->offset = off;
      st.committed[tp_name(tp.first, tp.second)] = off;
    }
    rd_kafka_resp_err_t e = rd_kafka_commit(rk, l, sync ? 0 : 1);
    rd_kafka_topic_partition_list_destroy(l);
    if (e && e != RD_KAFKA_RESP_ERR__NO_OFFSET) error(std::string("offset commit failed: ") + rd_kafka_err2str(e));
  }

  // Finish what is in flight (bounded), commit, forget the partitions being taken away.
  void on_revoke(rd_kafka_topic_partition_list_t* parts) {
    auto deadline = Clock::now() + std::chrono::seconds(30);
    for (auto& h : halves)  // bisecting starts again from the remaining partitions' documents
      for (auto& it : h) retry.push_back(std::move(it));
    halves.clear();
    if (!batch.empty() && st.fatal.empty()) submit();
    while (!in_flight.empty() && Clock::now() < deadline && st.fatal.empty()) pump(50);
    commit(true);
    for (int i = 0; i < parts->cnt; ++i) {
      std::string t = parts->elems[i].topic;
      int32_t p = parts->elems[i].partition;
      assigned.erase({t, p});
      at_end.erase({t, p});
      auto gone = [&](const Item& it) { return it.topic == t && it.partition == p; };
      for (const Item& it : retry)
        if (gone(it)) held_bytes -= std::min(held_bytes, it.cost);
      retry.erase(std::remove_if(retry.begin(), retry.end(), gone), retry.end());
      tracker.drop({t, p});
      spdlog::info("revoked {}", tp_name(t, p));
    }
  }

  // Lag = high watermark - the group's committed offset (as the broker has it).
  void fill_lag(bool ask_broker) {
    rd_kafka_topic_partition_list_t* a = nullptr;
    if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a) return;
    if (ask_broker && a->cnt > 0) rd_kafka_committed(rk, a, 5000);
    std::vector<std::string> unknown;
    for (int i = 0; i < a->cnt; ++i) {
      int64_t lo = -1, hi = -1;
      const auto& e = a->elems[i];
      std::string name = tp_name(e.topic, e.partition);
      // Not fetched yet: the cached watermarks are invalid (negative), not a lag of 0.
      if (rd_kafka_get_watermark_offsets(rk, e.topic, e.partition, &lo, &hi) || hi < 0) {
        if (!ask_broker || rd_kafka_query_watermark_offsets(rk, e.topic, e.partition, &lo, &hi, 5000) || hi < 0) {
          st.lag.erase(name);
          unknown.push_back(name);
          continue;
        }
      }
      auto c = st.committed.find(name);
      int64_t done = c != st.committed.end() ? c->second : (ask_broker && e.offset >= 0 ? e.offset : lo);
      st.lag[name] = std::max<int64_t>(0, hi - done);
    }
    st.lag_unknown = std::move(unknown);
    rd_kafka_topic_partition_list_destroy(a);
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

  ConsumeStats run(const RunLimits& lim, const ConsumeHooks& hooks, std::atomic<bool>& stop_requested) {
    auto t0 = Clock::now();
    check_elasticsearch();
    prepare_index();
    join();
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
    std::unique_ptr<rd_kafka_queue_t, void (*)(rd_kafka_queue_t*)> queue_guard(queue, rd_kafka_queue_destroy);
    std::vector<rd_kafka_message_t*> msgs(1000);
    auto last_commit = Clock::now(), last_hook = Clock::now();
    auto joined = Clock::now();
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
      bool want_more = !stopping && !(lim.max_messages && st.consumed >= lim.max_messages);
      move_due_retries();  // retries first: they are older than anything Kafka still has
      // Take what Kafka has, in batches; wait only when there is nothing else to do: for
      // Kafka while no bulk is in flight, for Elasticsearch while one is.
      bool can_take = want_more && !batch_full();  // a full batch goes out first: never over --bulk-max-docs
      ssize_t got = 0;
      if (can_take) {
        int wait_kafka = !in_flight.empty() ? 0 : (batch.empty() && retry.empty() ? 100 : 5);
        size_t room = std::min(scfg.bulk_max_docs - batch.size(), msgs.size());
        if (lim.max_messages) room = std::min<size_t>(room, lim.max_messages - st.consumed);
        got = rd_kafka_consume_batch_queue(queue, wait_kafka, msgs.data(), room);
        for (ssize_t i = 0; i < got; ++i) {
          rd_kafka_message_t* m = msgs[static_cast<size_t>(i)];
          if (!m->err) {
            if (lim.stop_at_end) at_end.erase({rd_kafka_topic_name(m->rkt), m->partition});
            take_message(m);
            last_activity = Clock::now();
          } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            if (m->rkt) at_end.insert({rd_kafka_topic_name(m->rkt), m->partition});
          } else {
            error(std::string("kafka: ") + rd_kafka_message_errstr(m));
            if (m->err == RD_KAFKA_RESP_ERR__FATAL) st.fatal = "Kafka consumer fatal error";
          }
          rd_kafka_message_destroy(m);
        }
      }
      if (!rejected.empty()) dead_letter(rejected, "validate");
      apply_backpressure();
      while (!halves.empty() && may_submit()) {
        submit(std::move(halves.front()));
        halves.pop_front();
      }
      bool linger_over = !batch.empty() && Clock::now() - batch_started >= std::chrono::milliseconds(scfg.linger_ms);
      // Paused: nothing more is coming until this goes out, so no linger.
      if (!batch.empty() && may_submit() && (batch_full() || linger_over || !want_more || paused)) submit();
      int wait_http = in_flight.empty() ? 0 : (!can_take ? 50 : (got <= 0 ? 5 : 0));
      pump(wait_http);
      if (Clock::now() - last_commit >= std::chrono::seconds(1)) {
        commit(false);
        last_commit = Clock::now();
      }
      // Paused: what Kafka still has is not read yet, so neither idle nor at its end.
      bool busy = !batch.empty() || !in_flight.empty() || !retry.empty() || !halves.empty() || paused;
      // Stopping: retries, and a batch held back while Elasticsearch is failing, are not waited
      // for (they are not committed, so they come again).
      if (!want_more && stopping && in_flight.empty() && (batch.empty() || Clock::now() < hold_until)) break;
      if (!want_more && !stopping && !busy) break;                               // --max-messages reached
      if (lim.stop_at_end && assigned_once && !busy && !assigned.empty() && at_end.size() >= assigned.size())
        break;  // --stop-at-end: every assigned partition read to its end and indexed
      // Idle: nothing for idle_timeout since the last message or assignment (a group join can
      // take seconds); without any assignment, give up after idle_timeout + 30 s.
      auto idle = std::chrono::milliseconds(lim.idle_timeout_ms);
      if (lim.idle_timeout_ms > 0 && !busy &&
          ((assigned_once && Clock::now() - last_activity >= idle) ||
           (!assigned_once && Clock::now() - joined >= idle + std::chrono::seconds(30))))
        break;
      if (!can_take && in_flight.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(5));
      if (!want_more && busy && in_flight.empty() && batch.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    if (st.fatal.empty()) commit(true);
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

ConsumeStats ConsumePipeline::run(const RunLimits& limits, const ConsumeHooks& hooks) {
  return impl_->run(limits, hooks, stop_requested_);
}

}  // namespace ki
