#include "kafka/mock_cluster.h"

#include <stdexcept>

namespace ki {

MockCluster::MockCluster(int brokers) : brokers_(brokers) {
  if (brokers < 1 || brokers > 16) throw std::invalid_argument("brokers must be 1..16");
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "log_level", "3", err, sizeof err);
  rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (!rk_) throw std::runtime_error(std::string("embedded broker: ") + err);
  mc_ = rd_kafka_mock_cluster_new(rk_, brokers);
  if (!mc_) {
    rd_kafka_destroy(rk_);
    throw std::runtime_error("embedded broker: could not start the mock cluster");
  }
}

MockCluster::~MockCluster() {
  if (mc_) rd_kafka_mock_cluster_destroy(mc_);
  if (rk_) rd_kafka_destroy(rk_);
}

std::string MockCluster::bootstrap() const { return rd_kafka_mock_cluster_bootstraps(mc_); }

static void check(rd_kafka_resp_err_t err, const std::string& what) {
  if (err) throw std::runtime_error("embedded broker: " + what + ": " + rd_kafka_err2str(err));
}

void MockCluster::create_topic(const std::string& name, int partitions, int replication) {
  check(rd_kafka_mock_topic_create(mc_, name.c_str(), partitions, replication), "create topic " + name);
}
void MockCluster::broker_down(int id) { check(rd_kafka_mock_broker_set_down(mc_, id), "broker down"); }
void MockCluster::broker_up(int id) { check(rd_kafka_mock_broker_set_up(mc_, id), "broker up"); }
void MockCluster::set_rtt(int id, int rtt_ms) { check(rd_kafka_mock_broker_set_rtt(mc_, id, rtt_ms), "rtt"); }
void MockCluster::set_leader(const std::string& topic, int partition, int id) {
  check(rd_kafka_mock_partition_set_leader(mc_, topic.c_str(), partition, id), "set leader");
}
void MockCluster::push_request_errors(int api_key, const std::vector<int>& errors) {
  std::vector<rd_kafka_resp_err_t> errs;
  for (int e : errors) errs.push_back(static_cast<rd_kafka_resp_err_t>(e));
  rd_kafka_mock_push_request_errors_array(mc_, static_cast<int16_t>(api_key), errs.size(), errs.data());
}
void MockCluster::set_topic_error(const std::string& topic, int error) {
  rd_kafka_mock_topic_set_error(mc_, topic.c_str(), static_cast<rd_kafka_resp_err_t>(error));
}

}  // namespace ki
