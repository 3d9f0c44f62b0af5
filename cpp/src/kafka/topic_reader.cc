#include "kafka/topic_reader.h"

#include <librdkafka/rdkafka.h>

#include <chrono>
#include <memory>

namespace ki {

TopicReadResult read_topic(const std::string& bootstrap, const std::string& topic, const Properties& props,
                           size_t keep, int timeout_ms, const std::function<void(const MessageView&)>& each) {
  Properties defaults = {{"bootstrap.servers", bootstrap},
                         {"group.id", "kafkainsight-reader"},  // required by the API; never joined
                         {"enable.auto.commit", "false"},
                         {"enable.partition.eof", "true"}};
  rd_kafka_conf_t* conf = make_conf(defaults, props);
  char err[512];
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (!rk) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(KafkaError::Kind::Config, err);
  }
  std::unique_ptr<rd_kafka_t, void (*)(rd_kafka_t*)> guard(rk, [](rd_kafka_t* k) {
    rd_kafka_consumer_close(k);
    rd_kafka_destroy(k);
  });
  const rd_kafka_metadata_t* md = nullptr;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  rd_kafka_resp_err_t e = rd_kafka_metadata(rk, 0, rkt, &md, timeout_ms);
  rd_kafka_topic_destroy(rkt);
  if (e) throw KafkaError(KafkaError::Kind::Unreachable, "cannot read metadata of '" + topic + "' from " + bootstrap + ": " + rd_kafka_err2str(e));
  int parts = md->topic_cnt == 1 && !md->topics[0].err ? md->topics[0].partition_cnt : 0;
  rd_kafka_metadata_destroy(md);
  if (parts == 0) throw KafkaError(KafkaError::Kind::UnknownTopic, "topic '" + topic + "' not found on " + bootstrap);

  TopicReadResult res;
  rd_kafka_topic_partition_list_t* tpl = rd_kafka_topic_partition_list_new(parts);
  int remaining = 0;
  for (int p = 0; p < parts; ++p) {
    int64_t lo = 0, hi = 0;
    rd_kafka_query_watermark_offsets(rk, topic.c_str(), p, &lo, &hi, timeout_ms);
    res.per_partition[p] = 0;
    if (hi > lo) {
      rd_kafka_topic_partition_list_add(tpl, topic.c_str(), p)->offset = lo;
      ++remaining;
    }
  }
  rd_kafka_assign(rk, tpl);
  rd_kafka_topic_partition_list_destroy(tpl);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (remaining > 0 && std::chrono::steady_clock::now() < deadline) {
    rd_kafka_message_t* m = rd_kafka_consumer_poll(rk, 200);
    if (!m) continue;
    if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
      --remaining;
    } else if (!m->err) {
      ++res.messages;
      res.bytes += m->len;
      ++res.per_partition[m->partition];
      if (each)
        each(MessageView{m->partition, m->offset, rd_kafka_message_timestamp(m, nullptr), m->key != nullptr,
                         m->key ? std::string_view(static_cast<const char*>(m->key), m->key_len) : std::string_view{},
                         m->payload ? std::string_view(static_cast<const char*>(m->payload), m->len)
                                    : std::string_view{}});
      if (res.kept.size() < keep) {
        TopicMessage tm{m->partition, m->offset, rd_kafka_message_timestamp(m, nullptr), {}, {}, {}};
        if (m->key) tm.key.assign(static_cast<const char*>(m->key), m->key_len);
        if (m->payload) tm.value.assign(static_cast<const char*>(m->payload), m->len);
        rd_kafka_headers_t* hdrs = nullptr;
        if (rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR) {
          const char* name;
          const void* val;
          size_t sz;
          for (size_t i = 0; rd_kafka_header_get_all(hdrs, i, &name, &val, &sz) == RD_KAFKA_RESP_ERR_NO_ERROR; ++i)
            tm.headers.emplace_back(name, std::string(static_cast<const char*>(val), sz));
        }
        res.kept.push_back(std::move(tm));
      }
    }
    rd_kafka_message_destroy(m);
  }
  return res;
}

}  // namespace ki
