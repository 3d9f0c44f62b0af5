#include "watch/watch_pipeline.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <set>

#include "source/line_reader.h"
#include "util/timefmt.h"

namespace ki::watch {

namespace {
using Clock = std::chrono::steady_clock;
std::string tp_name(const std::string& t, int32_t p) { return t + "[" + std::to_string(p) + "]"; }

std::string_view header(rd_kafka_headers_t* hdrs, const char* name) {
  const void* v = nullptr;
  size_t n = 0;
  if (!hdrs || rd_kafka_header_get_last(hdrs, name, &v, &n) != RD_KAFKA_RESP_ERR_NO_ERROR || !v) return {};
  return {static_cast<const char*>(v), n};
}
}  // namespace

struct WatchPipeline::Impl {
  WatchConfig cfg;
  Engine engine;
  DocumentDecoder decoder;
  WatchEvent ev;
  std::unique_ptr<KafkaAlertSink> kafka_sink;
  std::unique_ptr<WebhookSink> webhook;
  rd_kafka_t* rk = nullptr;
  WatchStats st;
  std::vector<Alert> pending;
  std::set<std::pair<std::string, int32_t>> assigned, at_end;
  std::map<std::pair<std::string, int32_t>, int> stream_ids;  // partition -> engine stream

  int stream_of(const char* topic, int32_t partition) {
    auto [it, fresh] = stream_ids.try_emplace({topic, partition}, static_cast<int>(stream_ids.size()));
    return it->second;
  }
  bool assigned_once = false;

  explicit Impl(WatchConfig c) : cfg(std::move(c)), engine(cfg.rules) {
    if (!cfg.alerts_topic.empty()) {
      ProducerConfig pc;
      pc.bootstrap = cfg.bootstrap;
      pc.properties = cfg.properties;
      kafka_sink = std::make_unique<KafkaAlertSink>(pc, cfg.alerts_topic);
    }
    if (cfg.webhook) webhook = std::make_unique<WebhookSink>(*cfg.webhook);
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

  static void rebalance_cb(rd_kafka_t* rk, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t* parts,
                           void* opaque) {
    auto* self = static_cast<Impl*>(opaque);
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      rd_kafka_assign(rk, parts);
      for (int i = 0; i < parts->cnt; ++i) {
        self->assigned.insert({parts->elems[i].topic, parts->elems[i].partition});
        self->engine.add_stream(self->stream_of(parts->elems[i].topic, parts->elems[i].partition));
      }
      self->assigned_once = true;
    } else {
      rd_kafka_commit(rk, nullptr, 0);  // what was evaluated, before the partitions go
      for (int i = 0; i < parts->cnt; ++i) {
        self->assigned.erase({parts->elems[i].topic, parts->elems[i].partition});
        self->at_end.erase({parts->elems[i].topic, parts->elems[i].partition});
        self->engine.remove_stream(self->stream_of(parts->elems[i].topic, parts->elems[i].partition), wall_ms(),
                                   self->pending);
      }
      rd_kafka_assign(rk, nullptr);
    }
  }

  void join() {
    Properties defaults =
        group_consumer_defaults(cfg.bootstrap, cfg.group, "kafkainsight-watch", cfg.auto_offset_reset, true);
    rk = subscribed_consumer(defaults, cfg.properties, this, rebalance_cb, cfg.topics);
  }

  void take(rd_kafka_message_t* m) {
    ++st.consumed;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) hdrs = nullptr;
    int64_t msg_ts = rd_kafka_message_timestamp(m, nullptr);
    int64_t sent_ms = msg_ts;
    std::string_view kts = header(hdrs, "ki.ts");
    if (!kts.empty() && kts.size() < 20) {
      int64_t x = 0;
      for (char c : kts) x = x * 10 + (c - '0');
      sent_ms = x;
    }
    int64_t now = wall_ms();
    if (sent_ms > 0) st.e2e_latency.observe(static_cast<double>(now - sent_ms) / 1000.0);
    std::string_view value(m->payload ? static_cast<const char*>(m->payload) : "", m->len);
    // The source is the file (ki.source, sent with --headers all), else the topic.
    std::string_view source = header(hdrs, "ki.source");
    if (source.empty()) source = rd_kafka_topic_name(m->rkt);
    if (decoder.decode(value, source, msg_ts, ev)) {
      engine.push(ev, now, pending, stream_of(rd_kafka_topic_name(m->rkt), m->partition));
    } else {
      ++st.undecodable;
    }
    // Evaluated: the offset may be committed (auto-commit picks stored offsets up).
    rd_kafka_topic_partition_list_t* l = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(l, rd_kafka_topic_name(m->rkt), m->partition)->offset = m->offset + 1;
    rd_kafka_offsets_store(rk, l);
    rd_kafka_topic_partition_list_destroy(l);
  }

  void deliver(const WatchHooks& hooks) {
    for (const auto& a : pending) {
      if (hooks.on_alert) hooks.on_alert(a);
      if (kafka_sink) kafka_sink->send(a);
      if (webhook && !webhook->send(a)) error("alert not delivered to the webhook: " + webhook->stats().last_error);
    }
    pending.clear();
  }

  void fill_lag() {
    rd_kafka_topic_partition_list_t* a = nullptr;
    if (rd_kafka_assignment(rk, &a) != RD_KAFKA_RESP_ERR_NO_ERROR || !a) return;
    rd_kafka_position(rk, a);
    for (int i = 0; i < a->cnt; ++i) {
      int64_t lo = 0, hi = 0;
      const auto& e = a->elems[i];
      if (rd_kafka_get_watermark_offsets(rk, e.topic, e.partition, &lo, &hi) != RD_KAFKA_RESP_ERR_NO_ERROR) continue;
      int64_t pos = e.offset >= 0 ? e.offset : lo;
      st.lag[tp_name(e.topic, e.partition)] = std::max<int64_t>(0, hi - pos);
    }
    rd_kafka_topic_partition_list_destroy(a);
  }

  void snapshot() {
    st.engine = engine.stats();
    if (kafka_sink) st.kafka_sink = kafka_sink->stats();
    if (webhook) st.webhook_sink = webhook->stats();
  }

  WatchStats run(const WatchLimits& lim, const WatchHooks& hooks, std::atomic<bool>& stop_requested) {
    auto t0 = Clock::now();
    join();
    rd_kafka_queue_t* queue = rd_kafka_queue_get_consumer(rk);
    std::unique_ptr<rd_kafka_queue_t, void (*)(rd_kafka_queue_t*)> guard(queue, rd_kafka_queue_destroy);
    std::vector<rd_kafka_message_t*> msgs(1000);
    auto last_hook = Clock::now(), last_msg = Clock::now(), joined = Clock::now();
    bool end_of_input = false;
    while (st.fatal.empty()) {
      auto now = Clock::now();
      if (now - last_hook >= std::chrono::milliseconds(200)) {
        last_hook = now;
        if (stop_requested.exchange(false) || (hooks.stop && hooks.stop())) {
          st.interrupted = true;
          break;
        }
        engine.tick(wall_ms(), pending);
        fill_lag();
        snapshot();
        if (hooks.progress) hooks.progress(st);
      }
      size_t room = msgs.size();
      if (lim.max_messages) room = std::min<size_t>(room, lim.max_messages - st.consumed);
      ssize_t got = rd_kafka_consume_batch_queue(queue, 100, msgs.data(), room);
      for (ssize_t i = 0; i < got; ++i) {
        rd_kafka_message_t* m = msgs[static_cast<size_t>(i)];
        if (!m->err) {
          at_end.erase({rd_kafka_topic_name(m->rkt), m->partition});
          take(m);
          last_msg = Clock::now();
        } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          if (m->rkt) {
            at_end.insert({rd_kafka_topic_name(m->rkt), m->partition});
            engine.set_idle(stream_of(rd_kafka_topic_name(m->rkt), m->partition), wall_ms(), pending);
          }
        } else {
          error(std::string("kafka: ") + rd_kafka_message_errstr(m));
          if (m->err == RD_KAFKA_RESP_ERR__FATAL) st.fatal = "Kafka consumer fatal error";
        }
        rd_kafka_message_destroy(m);
      }
      deliver(hooks);
      if (lim.max_messages && st.consumed >= lim.max_messages) {
        end_of_input = true;
        break;
      }
      if (lim.stop_at_end && assigned_once && !assigned.empty() && at_end.size() >= assigned.size()) {
        end_of_input = true;
        break;
      }
      auto idle = std::chrono::milliseconds(lim.idle_timeout_ms);
      if (lim.idle_timeout_ms > 0 && ((assigned_once && Clock::now() - last_msg >= idle) ||
                                      (!assigned_once && Clock::now() - joined >= idle + std::chrono::seconds(30))))
        break;
    }
    // A finite run (end of the topic, --max-messages) closes its last windows; a live run
    // stopped by Ctrl-C or idleness does not invent the silence it did not see.
    if (end_of_input) engine.finish(wall_ms(), pending);
    deliver(hooks);
    if (kafka_sink) kafka_sink->flush(30000);
    rd_kafka_commit(rk, nullptr, 0);
    fill_lag();
    snapshot();
    if (kafka_sink && st.kafka_sink.failed) error("alerts not delivered to topic '" + cfg.alerts_topic + "': " +
                                                  st.kafka_sink.last_error);
    st.seconds = std::chrono::duration<double>(Clock::now() - t0).count();
    return st;
  }
};

WatchPipeline::WatchPipeline(WatchConfig cfg) : impl_(std::make_unique<Impl>(std::move(cfg))) {}
WatchPipeline::~WatchPipeline() = default;
WatchStats WatchPipeline::run(const WatchLimits& limits, const WatchHooks& hooks) {
  return impl_->run(limits, hooks, stop_requested_);
}

LineEvaluator::LineEvaluator(const RulesConfig& rules, const ParserConfig& parser, std::string source)
    : engine_(rules), parser_(parser), source_(std::move(source)) {}

void LineEvaluator::add(std::string_view line, std::vector<Alert>& out) {
  ++lines;
  ParseStatus s = parser_.parse(line, rec_);
  if (s == ParseStatus::Empty) return;
  if (s == ParseStatus::Failed) {
    ++failed;
    return;
  }
  ++parsed;
  engine_.push(event_from_record(rec_, source_), wall_ms(), out);
}

bool LineEvaluator::add_document(std::string_view json, std::vector<Alert>& out) {
  ++lines;
  if (!decoder_.decode(json, source_, 0, ev_)) {
    ++failed;
    return false;
  }
  ++parsed;
  engine_.push(ev_, wall_ms(), out);
  return true;
}

void LineEvaluator::finish(std::vector<Alert>& out) { engine_.finish(wall_ms(), out); }

OfflineResult evaluate_files(const std::vector<std::string>& paths, const RulesConfig& rules,
                             const ParserConfig& parser, const std::function<bool()>& stop) {
  // Files written side by side (access.log, error.log) cover the same hours: they are merged
  // by event time (each file is read in order, the next event always comes from the file whose
  // next event is oldest), so one file's past is not "late" for another. Memory: one parsed
  // event per file. A line without a time goes through as soon as it is read.
  struct Input {
    std::unique_ptr<LineReader> reader;
    Parser parser;
    Record rec;
    WatchEvent next;
    bool has_next = false;
  };
  OfflineResult r;
  Engine engine(rules);
  std::vector<Input> in;
  for (const auto& path : paths) in.push_back({std::make_unique<LineReader>(path), Parser(parser), {}, {}, false});
  uint64_t n = 0;
  bool stopped = false;
  auto fill = [&](size_t i) {
    Input& x = in[i];
    std::string_view line;
    while (!x.has_next && x.reader->next(line)) {
      ++r.lines;
      if ((++n & 0xfff) == 0 && stop && stop()) {
        stopped = true;
        return;
      }
      ParseStatus s = x.parser.parse(line, x.rec);
      if (s == ParseStatus::Empty) continue;
      if (s == ParseStatus::Failed) {
        ++r.failed;
        continue;
      }
      ++r.parsed;
      x.next = event_from_record(x.rec, paths[i]);
      x.has_next = true;
    }
  };
  for (size_t i = 0; i < in.size() && !stopped; ++i) fill(i);
  while (!stopped) {
    size_t best = in.size();
    for (size_t i = 0; i < in.size(); ++i)
      if (in[i].has_next && (best == in.size() || !in[i].next.has_ts ||
                             (in[best].next.has_ts && in[i].next.ts_ms < in[best].next.ts_ms)))
        best = i;
    if (best == in.size()) break;
    engine.push(in[best].next, wall_ms(), r.alerts);
    in[best].has_next = false;
    fill(best);
  }
  if (!stopped) engine.finish(wall_ms(), r.alerts);
  r.engine = engine.stats();
  return r;
}

}  // namespace ki::watch
