#include "kafka/client_config.h"

namespace ki {

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
                                   bool auto_commit) {
  return {{"bootstrap.servers", bootstrap},
          {"group.id", group},
          {"client.id", client_id},
          {"enable.auto.commit", auto_commit ? "true" : "false"},
          {"enable.auto.offset.store", "false"},
          {"auto.offset.reset", auto_offset_reset},
          {"fetch.wait.max.ms", "100"},
          {"enable.partition.eof", "true"}};
}

rd_kafka_t* subscribed_consumer(const Properties& defaults, const Properties& overrides, void* opaque,
                                void (*rebalance_cb)(rd_kafka_t*, rd_kafka_resp_err_t,
                                                     rd_kafka_topic_partition_list_t*, void*),
                                const std::vector<std::string>& topics) {
  rd_kafka_conf_t* conf = make_conf(defaults, overrides);
  rd_kafka_conf_set_opaque(conf, opaque);
  rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
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
