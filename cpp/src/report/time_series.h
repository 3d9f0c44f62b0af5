// Counts per time bucket for a stream of unknown time span, in bounded memory: buckets start
// at one second and widen along a chain of steps (each a multiple of the one before) whenever
// more than max_buckets would be needed, so a year of logs costs no more than a minute.
#pragma once
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace ki {

class TimeSeries {
 public:
  // columns: counters per bucket. max_buckets: the most buckets ever held.
  TimeSeries(size_t columns, size_t max_buckets = 4096);

  void add(int64_t epoch_sec, size_t column, uint64_t n = 1);
  // Widens the step until at most max_points buckets cover the data (for a chart).
  void coarsen_to(size_t max_points);

  int64_t step() const { return step_; }
  size_t columns() const { return columns_; }
  // bucket start (epoch seconds, a multiple of step()) -> one counter per column
  const std::map<int64_t, std::vector<uint64_t>>& buckets() const { return buckets_; }

  // The chain of steps in seconds: 1s 5s 10s 30s 1m 5m 10m 30m 1h 3h 6h 12h 1d 7d ...
  static int64_t next_step(int64_t step);

 private:
  void widen();
  static int64_t floor_to(int64_t t, int64_t step) { return t >= 0 ? t / step * step : -((-t + step - 1) / step) * step; }
  size_t columns_, max_buckets_;
  int64_t step_ = 1;
  std::map<int64_t, std::vector<uint64_t>> buckets_;
};

}  // namespace ki
