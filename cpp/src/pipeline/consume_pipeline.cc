#include "pipeline/consume_pipeline.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
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
  uint32_t attempts = 0;
  Clock::time_point due{};
};

std::string tp_name(const std::string& t, int32_t p) { return t + "[" + std::to_string(p) + "]"; }
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
                             (scfg.client.api_key.empty() ? "ELASTIC_PASSWORD for user '" + scfg.client.user + "'"
                                                          : std::string("ELASTIC_API_KEY")));
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
      spdlog::warn("deleted index '{}' (--recreate-index)", scfg.index);
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
    if (m->payload) it.doc.assign(static_cast<const char*>(m->payload), m->len);
    ++st.consumed;
    tracker.started({it.topic, it.partition}, it.offset);
    add_to_batch(std::move(it));
  }

  void add_to_batch(Item it) {
    if (batch.empty()) batch_started = Clock::now();
    batch_bytes += it.doc.size() + it.index.size() + it.id.size() + 40;
    batch.push_back(std::move(it));
  }

  bool batch_full() const { return batch.size() >= scfg.bulk_max_docs || batch_bytes >= scfg.bulk_max_bytes; }

  void submit() {
    std::string body;
    body.reserve(batch_bytes + batch.size() * 16);
    for (const auto& it : batch) es::append_bulk_item(body, scfg.op, it.index, it.id, it.doc);
    uint64_t id = client.submit_bulk(std::move(body));
    submitted[id] = Clock::now();
    ++st.bulk_requests;
    in_flight.emplace(id, std::move(batch));
    batch.clear();
    batch_bytes = 0;
  }

  void schedule_retry(Item&& it) {
    it.due = Clock::now() + std::chrono::milliseconds(backoff.delay_ms(it.attempts++));
    retry.push_back(std::move(it));
  }

  void finished(const Item& it) { tracker.finished({it.topic, it.partition}, it.offset); }

  void record_latency(const Item& it) {
    if (it.sent_ms <= 0) return;
    double ms = static_cast<double>(wall_ms() - it.sent_ms);
    st.e2e_latency.observe(ms / 1000.0);
    ++latency_seen;
    if (latencies.size() < 100000) latencies.push_back(ms);
    else latencies[latency_seen % latencies.size()] = ms;
  }

  void dead_letter(std::vector<std::pair<Item, std::string>>& bad) {
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
      Header h[5] = {{"ki.error.stage", "index"},
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
    if (ro == es::RequestOutcome::Fatal) {
      st.fatal = "bulk request rejected (HTTP " + std::to_string(r.status) + "): " + es::error_summary(r.body) +
                 (r.status == 413 ? "; lower --bulk-max-bytes" : "");
      return;
    }
    if (ro == es::RequestOutcome::Retry) {
      ++st.request_retries;
      error(r.status ? "bulk request got HTTP " + std::to_string(r.status) + " (" + es::error_summary(r.body) +
                           "); retrying " + std::to_string(items.size()) + " documents"
                     : r.error + "; retrying " + std::to_string(items.size()) + " documents");
      for (auto& it : items) schedule_retry(std::move(it));
      return;
    }
    es::BulkResponse br = es::parse_bulk_response(r.body);
    if (!br.ok || br.items.size() != items.size()) {
      ++st.request_retries;
      error("unreadable bulk response (" + (br.ok ? std::string("item count differs") : br.parse_error) +
            "); retrying");
      for (auto& it : items) schedule_retry(std::move(it));
      return;
    }
    std::vector<std::pair<Item, std::string>> bad;
    for (size_t i = 0; i < items.size(); ++i) {
      const auto& res = br.items[i];
      switch (es::classify_item(res.status, res.error_type, scfg.op == "create")) {
        case es::ItemOutcome::Indexed:
          ++st.indexed;
          record_latency(items[i]);
          finished(items[i]);
          break;
        case es::ItemOutcome::Duplicate:
          ++st.duplicates;
          finished(items[i]);
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
    dead_letter(bad);
  }

  void pump(int wait_ms) {
    for (auto& r : client.poll(wait_ms)) on_response(r);
  }

  void move_due_retries(bool all) {
    auto now = Clock::now();
    for (size_t i = 0; i < retry.size();) {
      if (all || retry[i].due <= now) {
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
    if (!batch.empty() && st.fatal.empty()) submit();
    while (!in_flight.empty() && Clock::now() < deadline && st.fatal.empty()) pump(50);
    commit(true);
    for (int i = 0; i < parts->cnt; ++i) {
      std::string t = parts->elems[i].topic;
      int32_t p = parts->elems[i].partition;
      assigned.erase({t, p});
      at_end.erase({t, p});
      auto gone = [&](const Item& it) { return it.topic == t && it.partition == p; };
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
    for (int i = 0; i < a->cnt; ++i) {
      int64_t lo = 0, hi = 0;
      const auto& e = a->elems[i];
      if (rd_kafka_get_watermark_offsets(rk, e.topic, e.partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      std::string name = tp_name(e.topic, e.partition);
      auto c = st.committed.find(name);
      int64_t done = c != st.committed.end() ? c->second : (ask_broker && e.offset >= 0 ? e.offset : lo);
      st.lag[name] = std::max<int64_t>(0, hi - done);
    }
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
      // Take what Kafka has, in batches; wait only when there is nothing else to do: for
      // Kafka while no bulk is in flight, for Elasticsearch while one is.
      bool can_take = want_more && !(batch_full() && !client.can_submit());
      ssize_t got = 0;
      if (can_take) {
        int wait_kafka = !in_flight.empty() ? 0 : (batch.empty() && retry.empty() ? 100 : 5);
        size_t room = std::clamp<size_t>(scfg.bulk_max_docs - std::min(batch.size(), scfg.bulk_max_docs), 1, msgs.size());
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
      move_due_retries(false);
      bool linger_over = !batch.empty() && Clock::now() - batch_started >= std::chrono::milliseconds(scfg.linger_ms);
      if (!batch.empty() && client.can_submit() && (batch_full() || linger_over || !want_more)) submit();
      int wait_http = in_flight.empty() ? 0 : (!can_take ? 50 : (got <= 0 ? 5 : 0));
      pump(wait_http);
      if (Clock::now() - last_commit >= std::chrono::seconds(1)) {
        commit(false);
        last_commit = Clock::now();
      }
      bool busy = !batch.empty() || !in_flight.empty() || !retry.empty();
      if (!want_more && stopping && batch.empty() && in_flight.empty()) break;  // retries are not waited for
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
      if (!can_take && in_flight.empty() && !batch.empty() && !client.can_submit())
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
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
