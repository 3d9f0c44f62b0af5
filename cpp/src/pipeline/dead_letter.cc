#include "pipeline/dead_letter.h"

namespace ki::consume {

bool DeadLetterWriter::write(const Rejects& bad, const char* stage) {
  if (!producer_) {
    producer_ = std::make_unique<KafkaProducer>(pc_);
    producer_->check_topic(topic_);
  }
  uint64_t failed_before = producer_->counts().failed;
  for (const auto& [it, reason] : bad) {
    std::string part = std::to_string(it.partition), off = std::to_string(it.offset);
    Header h[5] = {{"ki.error.stage", stage},
                   {"ki.error.reason", reason},
                   {"ki.topic", it.topic},
                   {"ki.partition", part},
                   {"ki.offset", off}};
    producer_->produce(topic_, it.id, it.doc, it.ts_ms, h, 5, 0);
  }
  int left = producer_->flush(30000);
  return left <= 0 && producer_->counts().failed == failed_before;
}

}  // namespace ki::consume
