// Top values of one field in bounded memory (Misra-Gries "frequent items"). Exact while the
// number of distinct values stays within `capacity`; beyond that each count may be low by at
// most error_bound() and every value more frequent than total/(capacity+1) is still kept.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace ki {

class HeavyHitters {
 public:
  explicit HeavyHitters(size_t capacity = 50000) : capacity_(capacity < 1 ? 1 : capacity) {}

  void add(std::string_view key, uint64_t n = 1);
  // The n largest counts, largest first (ties by key, so output is deterministic).
  std::vector<std::pair<std::string, uint64_t>> top(size_t n) const;

  bool exact() const { return decrements_ == 0; }
  uint64_t error_bound() const { return decrements_; }  // the most any count can be low by
  uint64_t total() const { return total_; }
  size_t distinct_kept() const { return counts_.size(); }

 private:
  void decrement_all();
  struct Hash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };
  size_t capacity_;
  std::unordered_map<std::string, uint64_t, Hash, std::equal_to<>> counts_;
  uint64_t total_ = 0, decrements_ = 0;
};

}  // namespace ki
