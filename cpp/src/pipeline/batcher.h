// What waits to be sent: the batch being filled (closed by --bulk-max-docs/-bytes or --linger),
// documents waiting for a retry, and the halves of a request refused whole. Pure (no I/O).
#pragma once
#include <deque>
#include <vector>

#include "pipeline/consume_item.h"

namespace ki::consume {

class Batcher {
 public:
  Batcher(size_t max_docs, size_t max_bytes, std::chrono::milliseconds linger)
      : max_docs_(max_docs), max_bytes_(max_bytes), linger_(linger) {}

  void add(Item it, Clock::time_point now);
  bool full() const { return batch_.size() >= max_docs_ || bytes_ >= max_bytes_; }
  bool empty() const { return batch_.empty(); }
  size_t size() const { return batch_.size(); }
  size_t room() const { return full() ? 0 : max_docs_ - batch_.size(); }
  bool linger_over(Clock::time_point now) const { return !batch_.empty() && now - started_ >= linger_; }
  std::vector<Item> take();  // the batch; a new one starts

  // Retries: due ones join the batch first (they are older than anything Kafka still has),
  // never past a full batch.
  void retry(Item it) { retry_.push_back(std::move(it)); }
  void move_due_retries(Clock::time_point now);
  size_t retries() const { return retry_.size(); }

  // A request refused whole goes out again as two halves, before anything else.
  void split(std::vector<Item>& items);
  bool has_halves() const { return !halves_.empty(); }
  std::vector<Item> next_half();
  void halves_to_retries();  // a rebalance: bisecting starts again from what stays ours

  // Forgets the retries of a revoked partition; returns the bytes they held.
  size_t drop(const std::string& topic, int32_t partition);

  bool idle() const { return batch_.empty() && retry_.empty() && halves_.empty(); }

 private:
  size_t max_docs_, max_bytes_;
  std::chrono::milliseconds linger_;
  std::vector<Item> batch_;
  size_t bytes_ = 0;
  Clock::time_point started_{};
  std::vector<Item> retry_;
  std::deque<std::vector<Item>> halves_;
};

}  // namespace ki::consume
