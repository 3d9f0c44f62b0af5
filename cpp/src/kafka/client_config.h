// librdkafka configuration: our defaults, then user properties (-X key=value), with errors
// that name the property, and a redacted view for logs.
#pragma once
#include <librdkafka/rdkafka.h>

#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace ki {

using Properties = std::vector<std::pair<std::string, std::string>>;

class KafkaError : public std::runtime_error {
 public:
  enum class Kind { Config, Unreachable, UnknownTopic, Fatal, Other };
  KafkaError(Kind kind, const std::string& what) : std::runtime_error(what), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

// True for properties whose values must never be printed (passwords, keys, tokens).
bool is_secret_property(const std::string& name);
// "key=value, key=***" for logs and reprs.
std::string redacted(const Properties& props);

// Builds a conf from defaults + overrides (later entries win). Throws KafkaError(Config).
rd_kafka_conf_t* make_conf(const Properties& defaults, const Properties& overrides);

// The settings our group consumers share: stores offsets by hand, stops at partition ends on
// request, fetches with a short wait; auto_commit says whether librdkafka commits what was stored.
Properties group_consumer_defaults(const std::string& bootstrap, const std::string& group,
                                   const std::string& client_id, const std::string& auto_offset_reset,
                                   bool auto_commit);

// A group consumer from defaults + overrides, subscribed to topics ("^regex" allowed), with the
// rebalance callback and its opaque. Throws KafkaError(Config).
rd_kafka_t* subscribed_consumer(const Properties& defaults, const Properties& overrides, void* opaque,
                                void (*rebalance_cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                     rd_kafka_topic_partition_list_t*, void*),
                                const std::vector<std::string>& topics);

}  // namespace ki
