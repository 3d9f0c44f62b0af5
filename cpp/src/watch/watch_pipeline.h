// Kafka -> rule engine -> alerts. A consumer-group member (its own group, so it never takes
// messages from the Elasticsearch consumer) that decodes each document the producer wrote
// (ecs or kafkainsight schema; the ki.source header names the file it came from), feeds the
// engine, and sends alerts to the caller, an `alerts` topic and a webhook.
// Offsets are stored after a message is evaluated and auto-committed: at-least-once; the
// window state lives in memory and starts empty after a restart.
#pragma once
#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "kafka/client_config.h"
#include "kafka/group_consumer.h"
#include "kafka/producer.h"
#include "parse/parser.h"
#include "util/histogram.h"
#include "watch/engine.h"
#include "watch/sinks.h"

namespace ki::watch {

struct WatchConfig {
  std::string bootstrap = "localhost:9093";
  std::vector<std::string> topics = {"data_log"};
  std::string group = "kafkainsight-watch";
  std::string auto_offset_reset = "latest";  // alerts are about now; earliest replays history
  std::string instance_id;                    // group.instance.id: "" = ki-<host>-<topics hash>, "none" = dynamic
  int connect_timeout_ms = 10000;             // the cluster must answer within this at start
  Properties properties;                      // -X pass-through (consumer and alert producer)
  std::string alerts_topic = "alerts";        // "" = no Kafka sink
  std::optional<WebhookConfig> webhook;
  RulesConfig rules;
};

struct WatchStats {
  uint64_t consumed = 0, undecodable = 0;
  EngineStats engine;
  SinkStats kafka_sink, webhook_sink;
  std::map<std::string, int64_t> lag;  // "topic[partition]" -> high watermark - position
  std::vector<std::string> lag_unknown;  // assigned partitions whose high watermark is not known yet
  Histogram e2e_latency;               // now - ki.ts header (read by the producer), else message time
  double seconds = 0;
  std::vector<std::string> errors;
  std::string fatal;
  bool interrupted = false;
};

struct WatchHooks {
  std::function<bool()> stop;
  std::function<void(const Alert&)> on_alert;
  std::function<void(const WatchStats&)> progress;  // ~every 500 ms
};

class WatchPipeline {
 public:
  explicit WatchPipeline(WatchConfig cfg);  // connects the sinks; throws KafkaError
  ~WatchPipeline();
  WatchStats run(const GroupLimits& limits, const WatchHooks& hooks);
  void request_stop() { stop_requested_ = true; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_requested_{false};
};

// Offline: parse files (plain or .gz), merged by event time, and evaluate them; alerts in
// order. The event "source" is the file path. The windows are flushed at the end of the input.
struct OfflineResult {
  std::vector<Alert> alerts;
  EngineStats engine;
  uint64_t lines = 0, parsed = 0, failed = 0;
};
OfflineResult evaluate_files(const std::vector<std::string>& paths, const RulesConfig& rules,
                             const ParserConfig& parser, const std::function<bool()>& stop = {});

// Offline on lines handed over by the caller, for tests and notebooks.
class LineEvaluator {
 public:
  LineEvaluator(const RulesConfig& rules, const ParserConfig& parser, std::string source);
  void add(std::string_view line, std::vector<Alert>& out);
  // A JSON document as the producer writes it (ecs or kafkainsight); false if not JSON.
  bool add_document(std::string_view json, std::vector<Alert>& out);
  void finish(std::vector<Alert>& out);
  const EngineStats& stats() const { return engine_.stats(); }
  uint64_t lines = 0, parsed = 0, failed = 0;

 private:
  Engine engine_;
  Parser parser_;
  Record rec_;
  DocumentDecoder decoder_;
  WatchEvent ev_;
  std::string source_;
};

}  // namespace ki::watch
