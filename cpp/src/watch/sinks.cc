#include "watch/sinks.h"

#include <chrono>
#include <thread>

#include "elasticsearch/retry.h"
#include "util/timefmt.h"

namespace ki::watch {

KafkaAlertSink::KafkaAlertSink(const ProducerConfig& cfg, std::string topic)
    : producer_(std::make_unique<KafkaProducer>(cfg)), topic_(std::move(topic)) {
  producer_->check_topic(topic_);
}

void KafkaAlertSink::send(const Alert& a) {
  std::string key = a.rule + "|" + a.key;
  Header h[2] = {{"ki.alert.rule", a.rule}, {"ki.alert.state", a.firing ? "firing" : "resolved"}};
  producer_->produce(topic_, key, a.json, 0, h, 2, 0);
  ++queued_;
  producer_->poll(0);
}

void KafkaAlertSink::flush(int timeout_ms) { producer_->flush(timeout_ms); }

void KafkaAlertSink::poll() { producer_->poll(0); }

SinkStats KafkaAlertSink::stats() const {
  SinkStats s;
  const auto& c = producer_->counts();
  s.sent = c.acked;
  s.failed = c.failed;
  if (!c.first_errors.empty()) s.last_error = c.first_errors.back();
  return s;
}

namespace {
es::ClientConfig webhook_client(const WebhookConfig& w) {
  es::ClientConfig c;
  c.url = w.url;
  c.ca_path = w.ca_path;
  c.insecure = w.insecure;
  c.user.clear();
  c.timeout_ms = w.timeout_ms;
  c.connect_timeout_ms = w.timeout_ms;
  c.max_in_flight = 1;
  return c;
}
}  // namespace

WebhookSink::WebhookSink(WebhookConfig cfg)
    : cfg_(std::move(cfg)), client_(webhook_client(cfg_)), backoff_(cfg_.backoff_initial_ms, cfg_.backoff_max_ms) {}

bool WebhookSink::send(const Alert& a) {
  uint32_t attempts = wall_ms() < degraded_until_ms_ ? 1 : cfg_.max_attempts;
  for (uint32_t attempt = 0; attempt < attempts; ++attempt) {
    if (attempt) {
      ++st_.retries;
      std::this_thread::sleep_for(std::chrono::milliseconds(backoff_.delay_ms(attempt - 1)));
    }
    es::HttpResponse r = client_.request("POST", "", a.json);
    if (r.status >= 200 && r.status < 300) {
      ++st_.sent;
      degraded_until_ms_ = 0;
      return true;
    }
    st_.last_error = "webhook " + cfg_.url + (r.status ? " answered HTTP " + std::to_string(r.status) : ": " + r.error);
    if (r.tls_error) break;
    bool retry = r.status == 0 || r.status == 429 || r.status >= 500;
    if (!retry) break;
  }
  ++st_.failed;
  degraded_until_ms_ = wall_ms() + 30000;
  return false;
}

}  // namespace ki::watch
