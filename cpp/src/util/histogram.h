// A fixed-bucket latency histogram (seconds) in the shape Prometheus exposes: counts per upper
// bound, a sum and a count. Single-threaded; pipelines copy it into their stats snapshots.
#pragma once
#include <array>
#include <cstdint>

namespace ki {

struct Histogram {
  static constexpr std::array<double, 14> kBounds = {0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                     0.5,   1,     2.5,  5,     10,   30,  60};
  std::array<uint64_t, kBounds.size() + 1> counts{};  // per bucket, not cumulative; last = +Inf
  double sum = 0;
  uint64_t count = 0;

  void observe(double seconds) {
    if (seconds < 0) seconds = 0;
    size_t i = 0;
    while (i < kBounds.size() && seconds > kBounds[i]) ++i;
    ++counts[i];
    sum += seconds;
    ++count;
  }
};

}  // namespace ki
