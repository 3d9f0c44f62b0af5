// Which offset may be committed: per partition, the lowest offset not yet finished
// (indexed, duplicate or dead-lettered). Out-of-order completions wait for the gap to close.
#pragma once
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <utility>

namespace ki::es {

class OffsetTracker {
 public:
  using Key = std::pair<std::string, int32_t>;  // topic, partition
  // A message was taken in; its offset must finish before anything past it is committed.
  void started(const Key& tp, int64_t offset);
  void finished(const Key& tp, int64_t offset);
  // Offsets to commit (Kafka's convention: the next offset to read) that moved since last time.
  std::map<Key, int64_t> take_commits();
  // Forget partitions (revoked).
  void drop(const Key& tp);
  size_t pending() const;

 private:
  struct Part {
    std::set<int64_t> open;          // started, not finished
    int64_t highest_finished = -1;   // for a partition with nothing open
    int64_t committed = -1;          // last value handed out by take_commits
  };
  std::map<Key, Part> parts_;
};

}  // namespace ki::es
