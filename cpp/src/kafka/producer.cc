#include "kafka/producer.h"

#include <spdlog/spdlog.h>

#include <chrono>
#include <thread>

namespace ki {

KafkaProducer::KafkaProducer(const ProducerConfig& cfg) : cfg_(cfg) {
  // Throughput defaults with no loss: idempotent, acks=all, compressed, batched.
  Properties defaults = {
      {"bootstrap.servers", cfg.bootstrap},
      {"client.id", "kafkainsight-producer"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"compression.type", "lz4"},
      {"linger.ms", "20"},
      {"batch.size", "1000000"},
      {"batch.num.messages", "10000"},
      {"queue.buffering.max.messages", "500000"},
      {"queue.buffering.max.kbytes", "262144"},
      // librdkafka's sticky partitioner (10 ms per partition) spreads unkeyed lines over time;
      // forcing 0 cost ~25% CPU per line in the benchmark (docs/BENCH_PRODUCE.md).
  };
  rd_kafka_conf_t* conf = make_conf(defaults, cfg.properties);
  rd_kafka_conf_set_dr_msg_cb(conf, &KafkaProducer::on_delivery);
  rd_kafka_conf_set_opaque(conf, this);
  set_log_callbacks(conf);
  char err[512];
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk_) {
    rd_kafka_conf_destroy(conf);
    throw KafkaError(KafkaError::Kind::Config, std::string("cannot create Kafka producer: ") + err);
  }
}

KafkaProducer::~KafkaProducer() {
  for (auto& [_, t] : topics_) rd_kafka_topic_destroy(t);
  if (rk_) rd_kafka_destroy(rk_);
}

rd_kafka_topic_t* KafkaProducer::topic_handle(const std::string& name) {
  auto it = topics_.find(name);
  if (it != topics_.end()) return it->second;
  rd_kafka_topic_t* t = rd_kafka_topic_new(rk_, name.c_str(), nullptr);
  if (!t) throw KafkaError(KafkaError::Kind::Config, "bad topic name '" + name + "'");
  topics_.emplace(name, t);
  return t;
}

int KafkaProducer::check_topic(const std::string& topic) {
  rd_kafka_topic_t* rkt = topic_handle(topic);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(cfg_.connect_timeout_ms);
  rd_kafka_resp_err_t last = RD_KAFKA_RESP_ERR_NO_ERROR;
  bool reached = false;
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) break;
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, rkt, &md, static_cast<int>(left.count()));
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      reached = true;
      last = md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      int parts = md->topic_cnt == 1 ? md->topics[0].partition_cnt : 0;
      rd_kafka_metadata_destroy(md);
      if (last == RD_KAFKA_RESP_ERR_NO_ERROR && parts > 0) return parts;
      // A topic being auto-created answers LEADER_NOT_AVAILABLE for a moment.
      if (last != RD_KAFKA_RESP_ERR_LEADER_NOT_AVAILABLE && last != RD_KAFKA_RESP_ERR_NO_ERROR) break;
    } else {
      last = err;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
  if (!reached)
    throw KafkaError(KafkaError::Kind::Unreachable,
                     "cannot reach Kafka at " + cfg_.bootstrap + " within " +
                         std::to_string(cfg_.connect_timeout_ms / 1000) + " s (" + rd_kafka_err2str(last) + "). " +
                         how_to_start(cfg_.bootstrap));
  if (last == RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    throw KafkaError(KafkaError::Kind::UnknownTopic,
                     "topic '" + topic + "' does not exist on " + cfg_.bootstrap +
                         " and the cluster does not create topics automatically. Create it first, e.g. "
                         "kafka-topics.sh --bootstrap-server " + cfg_.bootstrap + " --create --topic " + topic +
                         " --partitions 4");
  throw KafkaError(KafkaError::Kind::Other, "topic '" + topic + "' on " + cfg_.bootstrap +
                                                " is not usable: " + rd_kafka_err2str(last));
}

void KafkaProducer::produce(const std::string& topic, std::string_view key, std::string_view value,
                            int64_t timestamp_ms, const Header* headers, size_t n_headers, uint64_t tag) {
  produce_raw(topic, key, value, timestamp_ms, headers, n_headers, RD_KAFKA_MSG_F_COPY,
              reinterpret_cast<void*>((tag << 1) | 1));
}

void KafkaProducer::produce_nocopy(const std::string& topic, std::string_view key, std::string_view value,
                                   int64_t timestamp_ms, const Header* headers, size_t n_headers, MessageRef* ref) {
  ref->owner->retain();  // released by the delivery report, or at once if refused
  produce_raw(topic, key, value, timestamp_ms, headers, n_headers, 0, ref);
}

namespace {
uint64_t tag_of(void* opaque) {
  auto v = reinterpret_cast<uintptr_t>(opaque);
  return (v & 1) ? v >> 1 : static_cast<MessageRef*>(opaque)->tag;
}
void release(void* opaque) {
  auto v = reinterpret_cast<uintptr_t>(opaque);
  if (!(v & 1) && v) static_cast<MessageRef*>(opaque)->owner->release();
}
}  // namespace

void KafkaProducer::produce_raw(const std::string& topic, std::string_view key, std::string_view value,
                                int64_t timestamp_ms, const Header* headers, size_t n_headers, int msgflags,
                                void* opaque) {
  rd_kafka_topic_t* rkt = topic_handle(topic);
  for (;;) {
    rd_kafka_headers_t* hdrs = nullptr;
    if (n_headers) {
      hdrs = rd_kafka_headers_new(n_headers);
      for (size_t i = 0; i < n_headers; ++i)
        rd_kafka_header_add(hdrs, headers[i].name, -1, headers[i].value.data(),
                            static_cast<ssize_t>(headers[i].value.size()));
    }
    rd_kafka_resp_err_t err = rd_kafka_producev(
        rk_, RD_KAFKA_V_RKT(rkt), RD_KAFKA_V_MSGFLAGS(msgflags),
        RD_KAFKA_V_VALUE(const_cast<char*>(value.data()), value.size()),
        RD_KAFKA_V_KEY(key.empty() ? nullptr : key.data(), key.size()), RD_KAFKA_V_TIMESTAMP(timestamp_ms),
        RD_KAFKA_V_HEADERS(hdrs), RD_KAFKA_V_OPAQUE(opaque), RD_KAFKA_V_END);
    if (err == RD_KAFKA_RESP_ERR_NO_ERROR) {
      ++queued_;
      if ((queued_ & 0x3ff) == 0) rd_kafka_poll(rk_, 0);
      return;
    }
    if (hdrs) rd_kafka_headers_destroy(hdrs);
    if (err == RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      rd_kafka_poll(rk_, 50);  // back-pressure: let deliveries drain
      continue;
    }
    // Refused locally: librdkafka holds nothing of it.
    record_failure(tag_of(opaque), err);
    release(opaque);
    if (err == RD_KAFKA_RESP_ERR__FATAL)
      throw KafkaError(KafkaError::Kind::Fatal, "Kafka producer fatal error: " + fatal_error());
    return;  // e.g. larger than message.max.bytes: this message fails, the run goes on
  }
}

void KafkaProducer::record_failure(uint64_t tag, rd_kafka_resp_err_t err) {
  ++counts_.failed;
  if (counts_.first_errors.size() >= 10) return;
  uint64_t file = tag >> 40, line = (tag >> 1) & ((1ULL << 39) - 1);
  std::string src = file < sources_.size() ? sources_[file] : "?";
  counts_.first_errors.push_back(src + ":" + std::to_string(line) + ": delivery failed: " + rd_kafka_err2str(err));
}

void KafkaProducer::on_delivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<KafkaProducer*>(opaque);
  uint64_t tag = tag_of(m->_private);
  bool dlq = tag & 1;
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR)
    ++(dlq ? self->counts_.acked_dlq : self->counts_.acked);
  else
    self->record_failure(tag, m->err);
  if (self->on_report) self->on_report(tag, m->err == RD_KAFKA_RESP_ERR_NO_ERROR);
  release(m->_private);
}

int KafkaProducer::flush(int timeout_ms) {
  rd_kafka_flush(rk_, timeout_ms);
  rd_kafka_poll(rk_, 0);
  return rd_kafka_outq_len(rk_);
}

std::string KafkaProducer::fatal_error() const {
  char buf[512] = "";
  if (rd_kafka_fatal_error(rk_, buf, sizeof buf) == RD_KAFKA_RESP_ERR_NO_ERROR) return "";
  return buf;
}

}  // namespace ki
