// Bulk requests in flight and what their answers mean: per item indexed, a duplicate (a 409 on
// the same stored document), a retry (429/5xx, with backoff) or refused for good; a request
// refused whole with 400/413 is split in halves; whole-request failures hold all sending for a
// backoff step; 401/403 and other 4xx stop the run (st.fatal).
#pragma once
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "elasticsearch/client.h"
#include "elasticsearch/retry.h"
#include "pipeline/batcher.h"
#include "pipeline/consume_pipeline.h"

namespace ki::consume {

// Finished documents of the answers read; retries and halves went back to the batcher.
struct Answered {
  std::vector<Item> indexed, duplicates;
  Rejects refused;  // for the dead-letter topic
};

class BulkSender {
 public:
  // held_bytes: what the run holds (for the log line of a failing request).
  BulkSender(es::EsClient& client, const EsSinkConfig& cfg, es::Backoff& backoff, Batcher& batcher, ConsumeStats& st,
             const size_t& held_bytes, std::function<void(const std::string&)> error)
      : client_(client), create_(cfg.op == "create"), op_(cfg.op), backoff_(backoff), batcher_(batcher), st_(st),
        held_bytes_(held_bytes), error_(std::move(error)) {}

  // A free connection, and not holding back after a whole-request failure.
  bool may_submit() const { return client_.can_submit() && Clock::now() >= hold_until_; }
  bool holding() const { return Clock::now() < hold_until_; }
  void submit(std::vector<Item> items);
  bool idle() const { return in_flight_.empty(); }
  // Reads the answers that come within wait_ms.
  void pump(int wait_ms, Answered& out);

 private:
  void on_response(const es::HttpResponse& r, Answered& out);
  void schedule_retry(Item&& it);
  void hold_and_retry(std::vector<Item>& items, const std::string& why);
  void bisect(std::vector<Item>& items, const es::HttpResponse& r, Rejects& bad);
  void check_conflicts(std::vector<Item>& items, Answered& out);

  es::EsClient& client_;
  bool create_;
  std::string op_;
  es::Backoff& backoff_;
  Batcher& batcher_;
  ConsumeStats& st_;
  const size_t& held_bytes_;
  std::function<void(const std::string&)> error_;
  std::map<uint64_t, std::vector<Item>> in_flight_;
  std::map<uint64_t, Clock::time_point> submitted_;  // bulk id -> when sent (bulk latency)
  Clock::time_point hold_until_{};  // whole-request failures: nothing is sent before this
  uint32_t request_fail_streak_ = 0;
  bool conflict_warned_ = false;
};

// A stable _id for a message whose topic-partition-offset _id already names another document:
// the same message always gets the same one, so redeliveries still land on it once.
std::string content_id(const std::string& id, std::string_view doc);

}  // namespace ki::consume
