#include "elasticsearch/offsets.h"

namespace ki::es {

void OffsetTracker::started(const Key& tp, int64_t offset) { parts_[tp].open.insert(offset); }

void OffsetTracker::finished(const Key& tp, int64_t offset) {
  auto it = parts_.find(tp);
  if (it == parts_.end()) return;  // revoked meanwhile
  it->second.open.erase(offset);
  if (offset > it->second.highest_finished) it->second.highest_finished = offset;
}

std::map<OffsetTracker::Key, int64_t> OffsetTracker::take_commits() {
  std::map<Key, int64_t> out;
  for (auto& [tp, p] : parts_) {
    int64_t next = p.open.empty() ? p.highest_finished + 1 : *p.open.begin();
    if (next > 0 && next > p.committed) {
      p.committed = next;
      out[tp] = next;
    }
  }
  return out;
}

void OffsetTracker::drop(const Key& tp) { parts_.erase(tp); }

size_t OffsetTracker::pending() const {
  size_t n = 0;
  for (const auto& [_, p] : parts_) n += p.open.size();
  return n;
}

}  // namespace ki::es
