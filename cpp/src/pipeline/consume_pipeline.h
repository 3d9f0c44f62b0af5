// Kafka -> Elasticsearch. A consumer group member that bulk-indexes each message as one
// document with _id = the line's event id (header ki.id, sent by our producer for lines of
// regular files) or else topic-partition-offset (op "create"), so a redelivered message, and a
// line sent again by a restarted producer, land on the same document: every line exactly once. Offsets are committed only
// up to messages that Elasticsearch acknowledged (2xx, or 409 on create) or that went to the
// dead-letter topic. A value that is not exactly one JSON object is dead-lettered before it
// reaches a bulk body (no injected actions); a whole request refused with 400/413 is split in
// halves until the refused documents are found. A 409 is a duplicate only when the stored
// document is the same. Per-item 429/5xx are retried with backoff; whole-request failures are
// retried, never dropped; 401/403 stop the run at once.
#pragma once
#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "elasticsearch/client.h"
#include "kafka/client_config.h"
#include "kafka/group_consumer.h"
#include "util/histogram.h"

namespace ki {

struct ConsumerConfig {
  std::string bootstrap = "localhost:9093";
  std::vector<std::string> topics = {"data_log"};  // a name starting with ^ is a regex
  std::string group = "my-group";
  std::string auto_offset_reset = "earliest";
  std::string instance_id;         // group.instance.id: "" = ki-<host>-<topics hash>, "none" = dynamic
  int connect_timeout_ms = 10000;  // the cluster must answer within this at start
  Properties properties;  // -X pass-through
};

struct EsSinkConfig {
  es::ClientConfig client;
  std::string index = "test-log";  // or a pattern of the event date: logs-%Y.%m.%d
  std::string op = "create";
  size_t bulk_max_docs = 1000;
  size_t bulk_max_bytes = 5u << 20;
  int linger_ms = 1000;  // at most, while messages keep coming (see fixed_linger)
  // false (adaptive flush): a partial bulk goes out as soon as Kafka has nothing more for it and
  // a connection is free. true: it waits for linger_ms (or a full bulk).
  bool fixed_linger = false;
  std::string dlq_topic;           // empty: <first topic>.dlq
  std::string index_settings;      // JSON body for creating a missing fixed index ("" = ES defaults)
  std::string template_name, template_body;  // installed at start when set
  bool recreate_index = false;
  bool kafka_metadata = false;     // add kafka.topic / kafka.partition / kafka.offset to each document
  int startup_timeout_ms = 30000;  // how long to wait for Elasticsearch at start
  uint32_t backoff_initial_ms = 200, backoff_max_ms = 30000;
  // Messages taken from Kafka but not yet acknowledged by Elasticsearch (or dead-lettered) may
  // hold this many bytes; past it, fetching pauses until half of it has drained.
  size_t max_buffered_bytes = 64u << 20;
};

struct ConsumeStats {
  uint64_t consumed = 0, indexed = 0, duplicates = 0, dead_lettered = 0;
  uint64_t item_retries = 0, request_retries = 0, bulk_requests = 0, bytes_sent = 0;
  uint64_t rejected = 0;      // not one JSON object: dead-lettered before any bulk (part of dead_lettered)
  uint64_t id_conflicts = 0;  // 409 on a document with other content: indexed under a content-derived _id
  uint64_t fetch_pauses = 0;  // times fetching paused for --max-buffered-bytes
  uint64_t bad_event_ids = 0;  // a ki.id header that is not an event id: _id fell back to topic-partition-offset
  uint64_t rejoins = 0;  // new Kafka clients after being fenced by this consumer's own group.instance.id
  double seconds = 0, latency_p50_ms = 0, latency_p99_ms = 0;
  std::map<std::string, int64_t> committed;  // "topic[partition]" -> next offset
  std::map<std::string, int64_t> lag;        // high watermark - committed (known partitions only)
  std::vector<std::string> lag_unknown;      // assigned partitions whose high watermark is not known yet
  Histogram bulk_latency;  // seconds from submitting a _bulk request to its response (/metrics)
  Histogram e2e_latency;   // seconds from the producer reading a line to Elasticsearch acknowledging it
  std::vector<std::string> errors;
  std::string fatal;  // why the run stopped early (auth, TLS, config); empty otherwise
  bool interrupted = false;
};

struct ConsumeHooks {
  std::function<bool()> stop;
  std::function<void(const ConsumeStats&)> progress;
};

class ConsumePipeline {
 public:
  ConsumePipeline(ConsumerConfig ccfg, EsSinkConfig scfg);
  ~ConsumePipeline();
  // Checks Elasticsearch (reachable, authenticated, TLS), prepares the index / template, joins
  // the group, and moves messages until stopped or a limit is reached. Throws on start-up errors.
  ConsumeStats run(const GroupLimits& limits, const ConsumeHooks& hooks);
  void request_stop() { stop_requested_ = true; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::atomic<bool> stop_requested_{false};
};

}  // namespace ki
