#include "report/time_series.h"

namespace ki {

TimeSeries::TimeSeries(size_t columns, size_t max_buckets)
    : columns_(columns), max_buckets_(max_buckets < 2 ? 2 : max_buckets) {}

int64_t TimeSeries::next_step(int64_t step) {
  static constexpr int64_t kChain[] = {1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800};
  for (int64_t s : kChain)
    if (s > step) return s;
  return step * 4;  // 4 weeks, 16 weeks, ...: still multiples of the step before
}

void TimeSeries::add(int64_t epoch_sec, size_t column, uint64_t n) {
  int64_t start = floor_to(epoch_sec, step_);
  auto it = buckets_.find(start);
  if (it == buckets_.end()) {
    while (buckets_.size() >= max_buckets_) {
      widen();
      start = floor_to(epoch_sec, step_);
      if (buckets_.count(start)) break;
    }
    it = buckets_.try_emplace(start, columns_, 0).first;
  }
  it->second[column] += n;
}

void TimeSeries::widen() {
  step_ = next_step(step_);
  std::map<int64_t, std::vector<uint64_t>> merged;
  for (auto& [start, counts] : buckets_) {
    auto& dst = merged.try_emplace(floor_to(start, step_), columns_, 0).first->second;
    for (size_t c = 0; c < columns_; ++c) dst[c] += counts[c];
  }
  buckets_.swap(merged);
}

void TimeSeries::coarsen_to(size_t max_points) {
  if (max_points < 1) max_points = 1;
  // The chart shows every bucket between the first and the last, empty ones included.
  auto span = [&] { return buckets_.empty() ? 0 : (buckets_.rbegin()->first - buckets_.begin()->first) / step_ + 1; };
  while (static_cast<size_t>(span()) > max_points) widen();
}

}  // namespace ki
