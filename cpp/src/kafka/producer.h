// KafkaProducer: a librdkafka producer with delivery accounting. Every produced message is
// counted exactly once as acknowledged or failed, when its delivery report arrives.
#pragma once
#include <librdkafka/rdkafka.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kafka/client_config.h"

namespace ki {

struct ProducerConfig {
  std::string bootstrap = "localhost:9093";
  Properties properties;         // -X pass-through, applied after our defaults
  int connect_timeout_ms = 10000;
};

struct Header {
  const char* name;
  std::string_view value;
};

// The owner of payloads produced without a copy: retained once per message produced and
// released when librdkafka no longer needs it (delivered, failed or refused), so it can
// reuse the memory. Both are called on the producing thread (delivery reports are served
// by poll/flush).
class PayloadOwner {
 public:
  virtual void retain() = 0;
  virtual void release() = 0;

 protected:
  ~PayloadOwner() = default;
};

// One message produced without a copy: lives (at a stable address) with its payload.
struct MessageRef {
  uint64_t tag = 0;
  PayloadOwner* owner = nullptr;
};

struct DeliveryCounts {
  uint64_t acked = 0, acked_dlq = 0, failed = 0;
  std::vector<std::string> first_errors;  // up to 10, with the line they belong to
};

class KafkaProducer {
 public:
  explicit KafkaProducer(const ProducerConfig& cfg);
  ~KafkaProducer();
  KafkaProducer(const KafkaProducer&) = delete;
  KafkaProducer& operator=(const KafkaProducer&) = delete;

  // Within connect_timeout_ms: the cluster answers and the topic exists (or was auto-created).
  // Throws KafkaError(Unreachable | UnknownTopic) with a message that says what to do.
  int check_topic(const std::string& topic);  // returns the partition count

  // Queues one message; waits (serving delivery reports) while the local queue is full.
  // tag is returned in the delivery report: (file << 40) | (line << 1) | is_dlq.
  void produce(const std::string& topic, std::string_view key, std::string_view value, int64_t timestamp_ms,
               const Header* headers, size_t n_headers, uint64_t tag);
  // The same without copying key and value: they must stay valid until ref->owner is released.
  void produce_nocopy(const std::string& topic, std::string_view key, std::string_view value, int64_t timestamp_ms,
                      const Header* headers, size_t n_headers, MessageRef* ref);
  void poll(int timeout_ms = 0) { rd_kafka_poll(rk_, timeout_ms); }
  // Waits for outstanding deliveries; returns how many are still unacknowledged.
  int flush(int timeout_ms);
  int in_flight() const { return rd_kafka_outq_len(rk_); }
  uint64_t queued() const { return queued_; }

  const DeliveryCounts& counts() const { return counts_; }
  // Source names used in the tags' file field, for error messages.
  std::vector<std::string>& sources() { return sources_; }
  // A fatal error (e.g. idempotence broken) ends the run.
  std::string fatal_error() const;
  const std::string& bootstrap() const { return cfg_.bootstrap; }
  // Sees every delivery report (tag, acknowledged?) after the counts: the --resume checkpoint.
  std::function<void(uint64_t tag, bool ok)> on_report;

 private:
  static void on_delivery(rd_kafka_t*, const rd_kafka_message_t*, void* opaque);
  rd_kafka_topic_t* topic_handle(const std::string& name);
  // opaque: (tag << 1) | 1 for copied messages, else a MessageRef* (aligned: low bit 0).
  void produce_raw(const std::string& topic, std::string_view key, std::string_view value, int64_t timestamp_ms,
                   const Header* headers, size_t n_headers, int msgflags, void* opaque);
  void record_failure(uint64_t tag, rd_kafka_resp_err_t err);

  ProducerConfig cfg_;
  rd_kafka_t* rk_ = nullptr;
  std::unordered_map<std::string, rd_kafka_topic_t*> topics_;
  DeliveryCounts counts_;
  std::vector<std::string> sources_;
  uint64_t queued_ = 0;
};

}  // namespace ki
