#include "kafka/client_config.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>

namespace ki {

namespace {
void log_cb(const rd_kafka_t*, int level, const char* fac, const char* buf) {
  // librdkafka syslog levels: 0-3 error, 4 warning, 5-6 info, 7 debug. Connection failures
  // are retried by librdkafka; they are warnings until a timeout turns them into an error.
  if (level <= 4)
    spdlog::warn("kafka {}: {}", fac, buf);
  else
    spdlog::debug("kafka {}: {}", fac, buf);
}

void error_cb(rd_kafka_t*, int err, const char* reason, void*) {
  auto e = static_cast<rd_kafka_resp_err_t>(err);
  if (e == RD_KAFKA_RESP_ERR__TRANSPORT || e == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
    spdlog::debug("kafka: {} ({})", reason, rd_kafka_err2name(e));  // the log line above said it
  else
    spdlog::warn("kafka: {} ({})", reason, rd_kafka_err2name(e));
}
}  // namespace

void set_log_callbacks(rd_kafka_conf_t* conf) {
  rd_kafka_conf_set_log_cb(conf, log_cb);
  rd_kafka_conf_set_error_cb(conf, error_cb);
}

std::string how_to_start(const std::string& bootstrap) {
  return "Is a broker running at " + bootstrap +
         "? Start the embedded one with `kafkainsight broker` (then use the address it prints), or set "
         "bootstrap (--bootstrap-servers, KAFKA_BOOTSTRAP_SERVERS) to your cluster.";
}

void require_cluster(rd_kafka_t* rk, const std::string& bootstrap, int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR__TIMED_OUT;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const rd_kafka_metadata_t* md = nullptr;
    // Brokers only (no topics): any answer proves the cluster is there.
    last = rd_kafka_metadata(rk, 0, nullptr, &md, static_cast<int>(left.count()));
    if (last == RD_KAFKA_RESP_ERR_NO_ERROR) {
      rd_kafka_metadata_destroy(md);
      return;
    }
    if (last != RD_KAFKA_RESP_ERR__TRANSPORT && last != RD_KAFKA_RESP_ERR__TIMED_OUT &&
        last != RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
      break;
  }
  throw KafkaError(KafkaError::Kind::Unreachable, "cannot reach Kafka at " + bootstrap + " within " +
                                                      std::to_string(timeout_ms / 1000) + " s (" +
                                                      rd_kafka_err2str(last) + "). " + how_to_start(bootstrap));
}

std::string resolve_instance_id(const std::string& configured, const std::vector<std::string>& topics) {
  if (configured == "none") return "";
  if (!configured.empty()) return configured;
  char host[256] = {0};
  if (gethostname(host, sizeof host - 1) != 0) host[0] = 0;
  // Kafka allows [a-zA-Z0-9._-] in an instance id.
  std::string h;
  for (const char* c = host; *c && h.size() < 100; ++c)
    h += (std::isalnum(static_cast<unsigned char>(*c)) || *c == '.' || *c == '_' || *c == '-') ? *c : '_';
  std::vector<std::string> sorted(topics);
  std::sort(sorted.begin(), sorted.end());
  uint32_t fnv = 2166136261u;  // FNV-1a over the sorted topic list: stable, short
  for (const auto& t : sorted)
    for (unsigned char c : t + ",") fnv = (fnv ^ c) * 16777619u;
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", fnv);
  return "ki-" + (h.empty() ? std::string("host") : h) + "-" + hex;
}

bool is_secret_property(const std::string& name) {
  for (const char* s : {"password", "secret", "sasl.oauthbearer.config", "ssl.key.pem", "ssl_key", "token"})
    if (name.find(s) != std::string::npos) return true;
  return false;
}

std::string redacted(const Properties& props) {
  std::string out;
  for (const auto& [k, v] : props) {
    if (!out.empty()) out += ", ";
    out += k + "=" + (is_secret_property(k) ? "***" : v);
  }
  return out;
}

rd_kafka_conf_t* make_conf(const Properties& defaults, const Properties& overrides) {
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  char err[512];
  for (const Properties* props : {&defaults, &overrides}) {
    for (const auto& [k, v] : *props) {
      rd_kafka_conf_res_t res = rd_kafka_conf_set(conf, k.c_str(), v.c_str(), err, sizeof err);
      if (res != RD_KAFKA_CONF_OK) {
        rd_kafka_conf_destroy(conf);
        // An unknown name may be a misspelt secret (sasl.passwd=...): its value is not shown either.
        bool hide = is_secret_property(k) || res == RD_KAFKA_CONF_UNKNOWN;
        std::string why = err;
        for (size_t at; hide && !v.empty() && (at = why.find(v)) != std::string::npos;) why.replace(at, v.size(), "***");
        throw KafkaError(KafkaError::Kind::Config, "Kafka property " + k + "=" + (hide ? "***" : v) + ": " + why);
      }
    }
  }
  return conf;
}

Properties group_consumer_defaults(const std::string& bootstrap, const std::string& group,
                                   const std::string& client_id, const std::string& auto_offset_reset,
                                   bool auto_commit, const std::string& instance_id) {
  Properties p = {{"bootstrap.servers", bootstrap},
          {"group.id", group},
          {"client.id", client_id},
          {"enable.auto.commit", auto_commit ? "true" : "false"},
          {"enable.auto.offset.store", "false"},
          {"auto.offset.reset", auto_offset_reset},
          {"fetch.wait.max.ms", "100"},
          {"enable.partition.eof", "true"}};
  if (!instance_id.empty()) p.emplace_back("group.instance.id", instance_id);
  return p;
}

rd_kafka_t* subscribed_consumer(const Properties& defaults, const Properties& overrides, void* opaque,
                                void (*rebalance_cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                     rd_kafka_topic_partition_list_t*, void*),
                                const std::vector<std::string>& topics) {
  rd_kafka_conf_t* conf = make_conf(defaults, overrides);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
  set_log_callbacks(conf);
  char errstr[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(KafkaError::Kind::Config, std::string("cannot create Kafka consumer: ") + errstr);
  }
  rd_kafka_poll_set_consumer(rk);
  auto* list = rd_kafka_topic_partition_list_new(static_cast<int>(topics.size()));
  for (const auto& t : topics) rd_kafka_topic_partition_list_add(list, t.c_str(), RD_KAFKA_PARTITION_UA);
  rd_kafka_resp_err_t e = rd_kafka_subscribe(rk, list);
  rd_kafka_topic_partition_list_destroy(list);
  if (e) {
    rd_kafka_destroy(rk);
    throw KafkaError(KafkaError::Kind::Config, std::string("cannot subscribe: ") + rd_kafka_err2str(e));
  }
  return rk;
}

}  // namespace ki
