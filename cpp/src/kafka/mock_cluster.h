// EmbeddedBroker: librdkafka's in-memory Kafka-protocol mock cluster, reachable over TCP on
// loopback by any Kafka client. Zero set-up; data lives in memory and each partition keeps
// only about 5 MB (older batches are dropped). Also the place for fault injection.
#pragma once
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <string>
#include <vector>

namespace ki {

class MockCluster {
 public:
  explicit MockCluster(int brokers = 1);
  ~MockCluster();
  MockCluster(const MockCluster&) = delete;
  MockCluster& operator=(const MockCluster&) = delete;

  std::string bootstrap() const;  // "127.0.0.1:PORT,..."
  int brokers() const { return brokers_; }
  void create_topic(const std::string& name, int partitions, int replication);
  // Fault injection (see rdkafka_mock.h).
  void broker_down(int broker_id);
  void broker_up(int broker_id);
  void set_rtt(int broker_id, int rtt_ms);
  void set_leader(const std::string& topic, int partition, int broker_id);
  void push_request_errors(int api_key, const std::vector<int>& errors);
  void set_topic_error(const std::string& topic, int error);

 private:
  rd_kafka_t* rk_ = nullptr;  // the handle the mock cluster hangs off
  rd_kafka_mock_cluster_t* mc_ = nullptr;
  int brokers_;
};

}  // namespace ki
