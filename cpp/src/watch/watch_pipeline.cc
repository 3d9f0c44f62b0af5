#include "watch/watch_pipeline.h"

#include <librdkafka/rdkafka.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>

#include "source/line_reader.h"
#include "source/multiline.h"
#include "util/timefmt.h"

namespace ki::watch {

namespace {
using Clock = std::chrono::steady_clock;

}  // namespace

struct WatchPipeline::Impl {
  WatchConfig cfg;
  Engine engine;
  DocumentDecoder decoder;
  WatchEvent ev;
  std::unique_ptr<KafkaAlertSink> kafka_sink;
  std::unique_ptr<WebhookSink> webhook;
  WatchStats st;
  std::vector<Alert> pending;
  std::map<TopicPartition, int> stream_ids;  // partition -> engine stream
  std::unique_ptr<GroupConsumer> group;     // last: its close() revokes into the members above

  int stream_of(const TopicPartition& tp) {
    auto [it, fresh] = stream_ids.try_emplace(tp, static_cast<int>(stream_ids.size()));
    return it->second;
  }

  explicit Impl(WatchConfig c) : cfg(std::move(c)), engine(cfg.rules) {
    if (!cfg.alerts_topic.empty()) {
      ProducerConfig pc;
      pc.bootstrap = cfg.bootstrap;
      pc.properties = cfg.properties;
      pc.connect_timeout_ms = cfg.connect_timeout_ms;
      kafka_sink = std::make_unique<KafkaAlertSink>(pc, cfg.alerts_topic);
    }
    if (cfg.webhook) webhook = std::make_unique<WebhookSink>(*cfg.webhook);
  }
  ~Impl() {
    if (group) group->close();
  }

  void error(const std::string& e) { keep_error(st.errors, e); }

  void join(const GroupLimits& lim) {
    GroupSink sink;
    sink.assigned = [this](const rd_kafka_topic_partition_list_t* parts) {
      for (int i = 0; i < parts->cnt; ++i) engine.add_stream(stream_of({parts->elems[i].topic, parts->elems[i].partition}));
    };
    sink.revoking = [this](const rd_kafka_topic_partition_list_t* parts) {
      group->commit_stored(true);  // what was evaluated, before the partitions go
      for (int i = 0; i < parts->cnt; ++i)
        engine.remove_stream(stream_of({parts->elems[i].topic, parts->elems[i].partition}), wall_ms(), pending);
    };
    sink.at_end = [this](const TopicPartition& tp) { engine.set_idle(stream_of(tp), wall_ms(), pending); };
    sink.error = errors_into(st.errors, st.fatal);
    group = group_member(cfg, "kafkainsight-watch", true, lim, std::move(sink));
    group->join(cfg.connect_timeout_ms);
  }

  void take(rd_kafka_message_t* m) {
    ++st.consumed;
    rd_kafka_headers_t* hdrs = nullptr;
    if (rd_kafka_message_headers(m, &hdrs) != RD_KAFKA_RESP_ERR_NO_ERROR) hdrs = nullptr;
    int64_t msg_ts = rd_kafka_message_timestamp(m, nullptr);
    int64_t sent_ms = read_time_header(hdrs).value_or(msg_ts);
    int64_t now = wall_ms();
    if (sent_ms > 0) st.e2e_latency.observe(static_cast<double>(now - sent_ms) / 1000.0);
    std::string_view value(m->payload ? static_cast<const char*>(m->payload) : "", m->len);
    // The source is the file (ki.source, sent with --headers all), else the topic.
    std::string_view source = message_header(hdrs, "ki.source");
    if (source.empty()) source = rd_kafka_topic_name(m->rkt);
    if (decoder.decode(value, source, msg_ts, ev)) {
      engine.push(ev, now, pending, stream_of({rd_kafka_topic_name(m->rkt), m->partition}));
    } else {
      ++st.undecodable;
    }
    group->store_offset(m);  // evaluated: auto-commit may commit it
  }

  void deliver(const WatchHooks& hooks) {
    for (const auto& a : pending) {
      if (hooks.on_alert) hooks.on_alert(a);
      if (kafka_sink) kafka_sink->send(a);
      if (webhook && !webhook->send(a)) error("alert not delivered to the webhook: " + webhook->stats().last_error);
    }
    pending.clear();
  }

  // Lag = high watermark - our fetch position.
  void fill_lag() {
    GroupLag l = group->lag(GroupConsumer::LagFrom::Position, false);
    for (const auto& name : l.unknown) st.lag.erase(name);
    for (const auto& [name, lag] : l.known) st.lag[name] = lag;
    st.lag_unknown = std::move(l.unknown);
  }

  void snapshot() {
    st.engine = engine.stats();
    if (kafka_sink) {
      kafka_sink->poll();
      st.kafka_sink = kafka_sink->stats();
    }
    if (webhook) st.webhook_sink = webhook->stats();
  }

  WatchStats run(const GroupLimits& lim, const WatchHooks& hooks, std::atomic<bool>& stop_requested) {
    auto t0 = Clock::now();
    join(lim);
    auto last_hook = Clock::now();
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
      group->poll(100, group->room(st.consumed), [this](rd_kafka_message_t* m) { take(m); });
      deliver(hooks);
      if (group->limit_reached(st.consumed) || group->read_to_end()) {
        end_of_input = true;
        break;
      }
      if (group->idle(false)) {
        st.fatal = group->unassigned_error();  // "" if it had partitions
        break;
      }
    }
    // A finite run (end of the topic, --max-messages) closes its last windows; a live run
    // stopped by Ctrl-C or idleness does not invent the silence it did not see.
    if (end_of_input) engine.finish(wall_ms(), pending);
    deliver(hooks);
    if (kafka_sink) kafka_sink->flush(30000);
    group->commit_stored(true);
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
WatchStats WatchPipeline::run(const GroupLimits& limits, const WatchHooks& hooks) {
  return impl_->run(limits, hooks, stop_requested_);
}

LineEvaluator::LineEvaluator(const RulesConfig& rules, const ParserConfig& parser, std::string source)
    : engine_(rules), parser_(parser), source_(std::move(source)) {}

void LineEvaluator::add(std::string_view line, std::vector<Alert>& out) {
  ++lines;
  ParseStatus s = parser_.parse(line, rec_);
  if (s == ParseStatus::Empty || s == ParseStatus::Partial) return;
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
    MultilineJoiner joiner;  // lines -> events (multi-line stack traces)
    Record rec;
    WatchEvent next;
    bool has_next = false;
    bool at_end = false;
  };
  OfflineResult r;
  Engine engine(rules);
  std::vector<Input> in;
  ParserConfig pcfg = parser;
  compile_grok(pcfg);
  LineReaderConfig rcfg;
  rcfg.encoding = pcfg.encoding;
  for (const auto& path : paths)
    in.push_back({std::make_unique<LineReader>(path, rcfg), Parser(pcfg), MultilineJoiner(pcfg.multiline), {}, {}, false, false});
  uint64_t n = 0;
  bool stopped = false;
  auto fill = [&](size_t i) {
    Input& x = in[i];
    std::string_view line;
    while (!x.has_next && !x.at_end) {
      // The next event: the one a line completes, or at the end of the file the last one.
      if (x.reader->next(line)) {
        ++r.lines;
        if (!x.joiner.push(line, x.reader->line_no(), x.reader->truncated())) continue;
      } else {
        x.at_end = true;
        if (!x.joiner.flush()) break;
      }
      if ((++n & 0xfff) == 0 && stop && stop()) {
        stopped = true;
        return;
      }
      const MultilineEvent& ev = x.joiner.event();
      ParseStatus s = x.parser.parse(ev.text, x.rec);
      if (s == ParseStatus::Empty || s == ParseStatus::Partial) continue;
      if (s == ParseStatus::Failed) {
        r.failed += ev.lines;
        continue;
      }
      r.parsed += ev.lines;
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
