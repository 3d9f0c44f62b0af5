#include "pipeline/batcher.h"

#include <algorithm>
#include <iterator>

namespace ki::consume {

void Batcher::add(Item it, Clock::time_point now) {
  if (batch_.empty()) started_ = now;
  bytes_ += it.doc.size() + it.index.size() + it.id.size() + 40;  // + the action line
  batch_.push_back(std::move(it));
}

std::vector<Item> Batcher::take() {
  std::vector<Item> out = std::move(batch_);
  batch_.clear();
  bytes_ = 0;
  return out;
}

void Batcher::move_due_retries(Clock::time_point now) {
  for (size_t i = 0; i < retry_.size() && !full();) {
    if (retry_[i].due <= now) {
      add(std::move(retry_[i]), now);
      retry_[i] = std::move(retry_.back());
      retry_.pop_back();
    } else {
      ++i;
    }
  }
}

void Batcher::split(std::vector<Item>& items) {
  auto mid = items.begin() + static_cast<long>(items.size() / 2);
  halves_.emplace_front(std::make_move_iterator(mid), std::make_move_iterator(items.end()));
  halves_.emplace_front(std::make_move_iterator(items.begin()), std::make_move_iterator(mid));
}

std::vector<Item> Batcher::next_half() {
  std::vector<Item> h = std::move(halves_.front());
  halves_.pop_front();
  return h;
}

void Batcher::halves_to_retries() {
  for (auto& h : halves_)
    for (auto& it : h) retry_.push_back(std::move(it));
  halves_.clear();
}

size_t Batcher::drop(const std::string& topic, int32_t partition) {
  size_t freed = 0;
  auto gone = [&](const Item& it) { return it.topic == topic && it.partition == partition; };
  for (const Item& it : retry_)
    if (gone(it)) freed += it.cost;
  retry_.erase(std::remove_if(retry_.begin(), retry_.end(), gone), retry_.end());
  return freed;
}

}  // namespace ki::consume
