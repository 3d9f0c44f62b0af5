// Event-time counts per whole second, summed over [from, to) seconds: the sliding windows
// of the rules. Out-of-order events within the allowed lateness land in their own second.
#pragma once
#include <cstdint>
#include <deque>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "watch/event.h"

namespace ki::watch {

inline int64_t floor_sec(int64_t ms) { return ms >= 0 ? ms / 1000 : (ms - 999) / 1000; }

class SecondCounts {
 public:
  void add(int64_t ts_ms, uint64_t n = 1) { buckets_[floor_sec(ts_ms)] += n; }
  // Events with a second in [from_sec, to_sec).
  uint64_t sum(int64_t from_sec, int64_t to_sec) const {
    uint64_t s = 0;
    for (auto it = buckets_.lower_bound(from_sec); it != buckets_.end() && it->first < to_sec; ++it) s += it->second;
    return s;
  }
  void evict_before(int64_t sec) { buckets_.erase(buckets_.begin(), buckets_.lower_bound(sec)); }
  bool empty() const { return buckets_.empty(); }

 private:
  std::map<int64_t, uint64_t> buckets_;
};

// The last few matching events of a key, for the alert's samples (rendered to JSON only
// when an alert is sent).
class SampleRing {
 public:
  explicit SampleRing(size_t cap = 3) : cap_(cap) {}
  void add(const WatchEvent& ev) {
    if (cap_ == 0) return;
    if (ring_.size() == cap_) ring_.pop_front();
    ring_.push_back(ev);
  }
  // Samples with a time in [from_ms, to_ms).
  std::vector<std::string> in(int64_t from_ms, int64_t to_ms) const {
    std::vector<std::string> out;
    for (const auto& ev : ring_)
      if (ev.ts_ms >= from_ms && ev.ts_ms < to_ms) out.push_back(sample_json(ev));
    return out;
  }
  std::vector<std::string> all() const {
    std::vector<std::string> out;
    for (const auto& ev : ring_) out.push_back(sample_json(ev));
    return out;
  }

 private:
  size_t cap_;
  std::deque<WatchEvent> ring_;
};

}  // namespace ki::watch
