// The dead-letter topic: documents Elasticsearch will never take, and values that are not one
// JSON object, with why (ki.error.* headers) and where they came from (ki.topic/partition/offset).
#pragma once
#include <memory>
#include <string>

#include "kafka/producer.h"
#include "pipeline/consume_item.h"

namespace ki::consume {

class DeadLetterWriter {
 public:
  DeadLetterWriter(ProducerConfig pc, std::string topic) : pc_(std::move(pc)), topic_(std::move(topic)) {}
  // Writes them all and waits for the acknowledgements; false if any is not on the topic
  // (then none may be committed). The producer is made on first use.
  bool write(const Rejects& bad, const char* stage);
  const std::string& topic() const { return topic_; }

 private:
  ProducerConfig pc_;
  std::string topic_;
  std::unique_ptr<KafkaProducer> producer_;
};

}  // namespace ki::consume
