#include "pipeline/bulk_sender.h"

#include <spdlog/spdlog.h>

#include <cstdio>

#include "elasticsearch/bulk.h"

namespace ki::consume {

namespace {
double mib(size_t bytes) { return static_cast<double>(bytes) / (1 << 20); }
}  // namespace

std::string content_id(const std::string& id, std::string_view doc) {
  uint64_t h = 1469598103934665603ull;  // FNV-1a
  for (unsigned char c : doc) h = (h ^ c) * 1099511628211ull;
  char hex[17];
  snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return id + "~" + hex;
}

void BulkSender::submit(std::vector<Item> items) {
  std::string body;
  for (const auto& it : items) es::append_bulk_item(body, op_, it.index, it.id, it.doc);
  uint64_t id = client_.submit_bulk(std::move(body));
  submitted_[id] = Clock::now();
  ++st_.bulk_requests;
  in_flight_.emplace(id, std::move(items));
}

void BulkSender::pump(int wait_ms, Answered& out) {
  for (auto& r : client_.poll(wait_ms)) on_response(r, out);
}

void BulkSender::schedule_retry(Item&& it) {
  it.due = Clock::now() + std::chrono::milliseconds(backoff_.delay_ms(it.attempts++));
  batcher_.retry(std::move(it));
}

// A whole request failed (no answer, 429, 5xx): its documents wait, and nothing is sent until
// the backoff step is over. One log line per step, not per request.
void BulkSender::hold_and_retry(std::vector<Item>& items, const std::string& why) {
  ++st_.request_retries;
  auto now = Clock::now();
  if (now >= hold_until_) {
    uint32_t d = backoff_.delay_ms(request_fail_streak_++);
    hold_until_ = now + std::chrono::milliseconds(d);
    error_(fmt::format("{}; {} documents ({:.1f} MiB) wait, next try in {} ms", why,
                       items.size() + batcher_.retries() + batcher_.size(), mib(held_bytes_), d));
  }
  for (auto& it : items) {
    ++it.attempts;
    it.due = hold_until_;
    batcher_.retry(std::move(it));
  }
}

// A request refused whole (400, 413) says nothing about which document it could not take:
// send each half on its own until the refused ones stand alone, then dead-letter them.
void BulkSender::bisect(std::vector<Item>& items, const es::HttpResponse& r, Rejects& bad) {
  std::string why = "HTTP " + std::to_string(r.status) + " " + es::error_summary(r.body);
  if (items.size() == 1) {
    bad.emplace_back(std::move(items[0]), "refused on its own (" + why + ")");
    return;
  }
  error_("bulk request of " + std::to_string(items.size()) + " documents refused whole (" + why +
         "); splitting it to find the documents Elasticsearch refuses");
  batcher_.split(items);
}

// 409 on create: a redelivered message (the stored document is the same) or another message
// under the same _id (a re-created topic restarts at offset 0): never count that as a duplicate.
void BulkSender::check_conflicts(std::vector<Item>& items, Answered& out) {
  if (items.empty()) return;
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& it : items) keys.emplace_back(it.index, it.id);
  es::HttpResponse r = client_.request("POST", "/_mget", es::mget_body(keys));
  if (r.status < 200 || r.status >= 300) {
    hold_and_retry(items, "checking " + std::to_string(items.size()) + " conflicting documents failed (" +
                              (r.status ? "HTTP " + std::to_string(r.status) : r.error) + ")");
    return;
  }
  std::vector<bool> found;
  std::vector<std::string> stored = es::mget_sources(r.body, items.size(), found);
  for (size_t i = 0; i < items.size(); ++i) {
    Item& it = items[i];
    if (found[i] && es::same_document(stored[i], it.doc)) {
      out.duplicates.push_back(std::move(it));
    } else if (!found[i]) {
      schedule_retry(std::move(it));  // gone since (deleted): write it again
    } else if (it.id.find('~') != std::string::npos) {
      out.refused.emplace_back(std::move(it), "409: documents with other content hold both its _id and its content _id");
    } else {
      ++st_.id_conflicts;
      std::string alt = content_id(it.id, it.doc);
      if (!conflict_warned_) {
        conflict_warned_ = true;
        spdlog::warn("_id {} already names a document with other content (was the topic re-created, or does another "
                     "writer use these ids?): such messages are indexed under a content _id, e.g. {}",
                     it.id, alt);
      }
      it.id = std::move(alt);
      it.due = Clock::now();
      batcher_.retry(std::move(it));
    }
  }
}

void BulkSender::on_response(const es::HttpResponse& r, Answered& out) {
  auto node = in_flight_.extract(r.id);
  if (node.empty()) return;
  if (auto sent = submitted_.extract(r.id))
    st_.bulk_latency.observe(std::chrono::duration<double>(Clock::now() - sent.mapped()).count());
  std::vector<Item>& items = node.mapped();
  es::RequestOutcome ro = es::classify_request(r.status);
  if (ro == es::RequestOutcome::AuthFatal) {
    st_.fatal = "Elasticsearch refused the credentials (HTTP " + std::to_string(r.status) + ", " +
                es::error_summary(r.body) + ")";
    return;  // nothing finished: nothing committed
  }
  if (ro == es::RequestOutcome::Fatal && (r.status == 400 || r.status == 413)) {
    bisect(items, r, out.refused);
    return;
  }
  if (ro == es::RequestOutcome::Fatal) {
    st_.fatal = "bulk request rejected (HTTP " + std::to_string(r.status) + "): " + es::error_summary(r.body);
    return;
  }
  if (ro == es::RequestOutcome::Retry) {
    hold_and_retry(items, r.status ? "bulk request got HTTP " + std::to_string(r.status) + " (" +
                                         es::error_summary(r.body) + ")"
                                   : r.error);
    return;
  }
  es::BulkResponse br = es::parse_bulk_response(r.body);
  if (!br.ok || br.items.size() != items.size()) {
    hold_and_retry(items, "unreadable bulk response (" + (br.ok ? std::string("item count differs") : br.parse_error) +
                              ")");
    return;
  }
  request_fail_streak_ = 0;
  std::vector<Item> conflicts;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& res = br.items[i];
    switch (es::classify_item(res.status, res.error_type, create_)) {
      case es::ItemOutcome::Indexed:
        out.indexed.push_back(std::move(items[i]));
        break;
      case es::ItemOutcome::Duplicate:
        conflicts.push_back(std::move(items[i]));
        break;
      case es::ItemOutcome::Retry:
        ++st_.item_retries;
        schedule_retry(std::move(items[i]));
        break;
      case es::ItemOutcome::Permanent:
        out.refused.emplace_back(std::move(items[i]),
                                 std::to_string(res.status) + " " + res.error_type + ": " + res.error_reason);
        break;
    }
  }
  check_conflicts(conflicts, out);
}

}  // namespace ki::consume
