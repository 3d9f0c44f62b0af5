// Where alerts go besides the caller (stdout / Python): an `alerts` Kafka topic and an HTTP
// webhook. Each sink counts what it delivered and what it could not; neither throws per alert.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "elasticsearch/client.h"
#include "elasticsearch/retry.h"
#include "kafka/producer.h"
#include "watch/alert_state.h"

namespace ki::watch {

struct SinkStats {
  uint64_t sent = 0, failed = 0, retries = 0;
  std::string last_error;
};

// Alert lines to a Kafka topic (key = "rule|key", so one condition stays in one partition).
class KafkaAlertSink {
 public:
  KafkaAlertSink(const ProducerConfig& cfg, std::string topic);  // checks the topic; throws KafkaError
  void send(const Alert& a);
  void flush(int timeout_ms);  // waits for acknowledgements and updates stats
  // Serves delivery reports that arrived since the last send: without it the acknowledgements
  // of the last alerts before a quiet period stay uncounted in stats() (and /metrics).
  void poll();
  SinkStats stats() const;
  const std::string& topic() const { return topic_; }

 private:
  std::unique_ptr<KafkaProducer> producer_;
  std::string topic_;
  uint64_t queued_ = 0;
};

struct WebhookConfig {
  std::string url;                    // http(s)://host:port/path
  std::string ca_path = "/etc/ssl/certs/ca-certificates.crt";
  bool insecure = false;
  int timeout_ms = 5000;
  uint32_t max_attempts = 4;          // bounded: a dead webhook delays alerts, never blocks forever
  uint32_t backoff_initial_ms = 200, backoff_max_ms = 2000;
};

// POSTs each alert line (Content-Type: application/json). 429/5xx/transport errors are retried
// with backoff up to max_attempts; other 4xx are not (the hook refuses the payload). After a
// failed alert, the next ones get one attempt each for 30 s, so a dead webhook cannot stall
// the watcher for minutes.
class WebhookSink {
 public:
  explicit WebhookSink(WebhookConfig cfg);
  bool send(const Alert& a);
  const SinkStats& stats() const { return st_; }

 private:
  WebhookConfig cfg_;
  es::EsClient client_;  // libcurl keep-alive + the same TLS verification as the ES sink
  es::Backoff backoff_;
  SinkStats st_;
  int64_t degraded_until_ms_ = 0;
};

}  // namespace ki::watch
