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

// librdkafka's log lines and errors through spdlog (warnings), not raw on stderr: a broker that
// cannot be reached is retried, and a timeout turns it into one clear error.
void set_log_callbacks(rd_kafka_conf_t* conf);
// The advice given with "cannot reach Kafka at <bootstrap>".
std::string how_to_start(const std::string& bootstrap);
// Throws KafkaError(Unreachable) with that advice unless a broker of rk answers within timeout_ms.
void require_cluster(rd_kafka_t* rk, const std::string& bootstrap, int timeout_ms);

// Static group membership (KIP-345, group.instance.id). "" picks the default: stable across
// restarts on this host for these topics, "ki-<host>-<8 hex of the topic list>" (so a restarted
// member gets its partitions back at once); "none" = dynamic membership.
std::string resolve_instance_id(const std::string& configured, const std::vector<std::string>& topics);

// The settings our group consumers share: stores offsets by hand, stops at partition ends on
// request, fetches with a short wait; auto_commit says whether librdkafka commits what was stored;
// instance_id (resolved, "" = dynamic) is group.instance.id.
Properties group_consumer_defaults(const std::string& bootstrap, const std::string& group,
                                   const std::string& client_id, const std::string& auto_offset_reset,
                                   bool auto_commit, const std::string& instance_id = "");

// A group consumer from defaults + overrides, subscribed to topics ("^regex" allowed), with the
// rebalance callback and its opaque. Throws KafkaError(Config).
rd_kafka_t* subscribed_consumer(const Properties& defaults, const Properties& overrides, void* opaque,
                                void (*rebalance_cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                     rd_kafka_topic_partition_list_t*, void*),
                                const std::vector<std::string>& topics);

}  // namespace ki
