// Event-time counts per whole second, summed over [from, to) seconds: the sliding windows
// of the rules. Out-of-order events within the allowed lateness land in their own second.
#pragma once
#include <cstdint>
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

// Sample events of a key: at most `cap` per event-time second (so events still inside the
// lateness buffer cannot push the window's own samples out), rendered to JSON only when an
// alert is sent. Evicted with the counts.
class SampleRing {
 public:
  explicit SampleRing(size_t cap = 3) : cap_(cap) {}
  void add(const WatchEvent& ev) {
    if (cap_ == 0) return;
    auto& v = by_sec_[floor_sec(ev.ts_ms)];
    if (v.size() < cap_) v.push_back(ev);
  }
  // The last `cap` samples with a time in [from_ms, to_ms), oldest first.
  std::vector<std::string> in(int64_t from_ms, int64_t to_ms) const {
    std::vector<const WatchEvent*> picked;
    for (auto it = by_sec_.lower_bound(floor_sec(to_ms)); it != by_sec_.begin() && picked.size() < cap_;) {
      --it;
      for (auto e = it->second.rbegin(); e != it->second.rend() && picked.size() < cap_; ++e)
        if (e->ts_ms >= from_ms && e->ts_ms < to_ms) picked.push_back(&*e);
      if (it->first * 1000 < from_ms) break;
    }
    std::vector<std::string> out;
    for (auto p = picked.rbegin(); p != picked.rend(); ++p) out.push_back(sample_json(**p));
    return out;
  }
  void evict_before(int64_t sec) { by_sec_.erase(by_sec_.begin(), by_sec_.lower_bound(sec)); }

 private:
  size_t cap_;
  std::map<int64_t, std::vector<WatchEvent>> by_sec_;
};

}  // namespace ki::watch
