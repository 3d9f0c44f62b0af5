// Reads a topic from its low to its high watermark at the time of the call (no consumer
// group, nothing committed): the demo's "read back" and a quick way to count what arrived.
#pragma once
#include <cstdint>
#include <functional>
#include <string_view>
#include <map>
#include <string>
#include <vector>

#include "kafka/client_config.h"

namespace ki {

struct TopicMessage {
  int partition;
  int64_t offset, timestamp_ms;
  std::string key, value;
  std::vector<std::pair<std::string, std::string>> headers;
};

struct TopicReadResult {
  uint64_t messages = 0, bytes = 0;
  std::map<int, uint64_t> per_partition;
  std::vector<TopicMessage> kept;  // the first `keep` messages
};

// One message as read (views valid during the call).
struct MessageView {
  int partition;
  int64_t offset, timestamp_ms;
  bool has_key;
  std::string_view key, value;
};

// each: called for every message, in the order read (per partition: offset order).
TopicReadResult read_topic(const std::string& bootstrap, const std::string& topic, const Properties& props,
                           size_t keep, int timeout_ms, const std::function<void(const MessageView&)>& each = {});

}  // namespace ki
