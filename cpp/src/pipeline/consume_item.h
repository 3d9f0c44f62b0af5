// One Kafka message on its way to Elasticsearch, as the consume units pass it along.
#pragma once
#include <chrono>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace ki::consume {

using Clock = std::chrono::steady_clock;

struct Item {
  std::string topic;
  int32_t partition = 0;
  int64_t offset = 0, ts_ms = 0;
  // When the producer read the line (header ki.ts, sent when following), else 0: the message
  // timestamp is the event time, years off for replayed files, so it measures no latency.
  int64_t sent_ms = 0;
  std::string index, id, doc;
  size_t cost = 0;  // bytes it holds while waiting (--max-buffered-bytes)
  uint32_t attempts = 0;
  Clock::time_point due{};
};

using Rejects = std::vector<std::pair<Item, std::string>>;  // item, reason

}  // namespace ki::consume
