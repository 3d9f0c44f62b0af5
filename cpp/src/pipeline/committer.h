// Commits only what is finished: indexed, a duplicate, or on the dead-letter topic. Per
// partition, the offset past the lowest unfinished message (OffsetTracker).
#pragma once
#include <functional>
#include <map>
#include <string>

#include "elasticsearch/offsets.h"
#include "kafka/group_consumer.h"
#include "pipeline/consume_item.h"

namespace ki::consume {

class Committer {
 public:
  // committed: "topic[partition]" -> the last offset committed (the stats' map, also used for lag).
  Committer(GroupConsumer& group, std::map<std::string, int64_t>& committed,
            std::function<void(const std::string&)> error)
      : group_(group), committed_(committed), error_(std::move(error)) {}

  void started(const Item& it) { tracker_.started({it.topic, it.partition}, it.offset); }
  void finished(const Item& it) { tracker_.finished({it.topic, it.partition}, it.offset); }
  void commit(bool sync);                        // what moved since the last commit
  void drop(const TopicPartition& tp) { tracker_.drop(tp); }  // revoked

 private:
  GroupConsumer& group_;
  std::map<std::string, int64_t>& committed_;
  std::function<void(const std::string&)> error_;
  es::OffsetTracker tracker_;
};

}  // namespace ki::consume
