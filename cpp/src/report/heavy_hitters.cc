#include "report/heavy_hitters.h"

#include <algorithm>

namespace ki {

void HeavyHitters::add(std::string_view key, uint64_t n) {
  total_ += n;
  if (auto it = counts_.find(key); it != counts_.end()) {
    it->second += n;
    return;
  }
  while (n > 0 && counts_.size() >= capacity_) {
    // Misra-Gries: take one from every counter (and from the newcomer) until there is room.
    // Each pass removes `capacity_+1` units of count, so passes are bounded by total/capacity.
    decrement_all();
    --n;
  }
  if (n > 0) counts_.emplace(std::string(key), n);
}

void HeavyHitters::decrement_all() {
  ++decrements_;
  for (auto it = counts_.begin(); it != counts_.end();) {
    if (--it->second == 0)
      it = counts_.erase(it);
    else
      ++it;
  }
}

std::vector<std::pair<std::string, uint64_t>> HeavyHitters::top(size_t n) const {
  std::vector<std::pair<std::string, uint64_t>> v(counts_.begin(), counts_.end());
  auto by_count = [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; };
  if (v.size() > n) {
    std::partial_sort(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(n), v.end(), by_count);
    v.resize(n);
  } else {
    std::sort(v.begin(), v.end(), by_count);
  }
  return v;
}

}  // namespace ki
