#include "watch/alert_state.h"

#include <nlohmann/json.hpp>

#include <cmath>

namespace ki::watch {

std::string alert_json(const Rule& rule, const Finding& f, bool firing, int64_t end_ms, int64_t fired_at_ms,
                       int64_t now_wall_ms) {
  nlohmann::ordered_json j;
  j["rule"] = rule.name();
  j["key"] = f.key;
  j["state"] = firing ? "firing" : "resolved";
  j["observed"] = std::round(f.observed * 10000) / 10000;
  j["threshold"] = std::round(f.threshold * 10000) / 10000;
  j["count"] = f.count;
  j["window"] = {{"start", iso_ms(end_ms - rule.window_ms())},
                 {"end", iso_ms(end_ms)},
                 {"seconds", rule.window_ms() / 1000}};
  j["fired_at"] = iso_ms(fired_at_ms);
  if (!firing) j["resolved_at"] = iso_ms(end_ms);
  j["emitted_at"] = iso_ms(now_wall_ms);
  j["message"] = firing ? f.message : std::string(rule.name()) + " for " + f.key + " resolved";
  auto samples = nlohmann::ordered_json::array();
  for (const auto& s : f.samples) samples.push_back(nlohmann::ordered_json::parse(s));
  j["samples"] = std::move(samples);
  return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

void AlertState::apply(const Rule& rule, int64_t end_ms, std::vector<Finding>& findings, int64_t now_wall_ms,
                       std::vector<Alert>& out) {
  const std::string_view name = rule.name();
  auto r = firing_.find(name);
  if (r == firing_.end()) r = firing_.emplace(std::string(name), Keys{}).first;
  Keys& keys = r->second;
  const uint64_t epoch = ++applies_;
  for (auto& f : findings) {
    auto it = keys.find(f.key);
    if (f.active && it == keys.end()) {
      keys.emplace(f.key, Firing{end_ms, epoch});
      out.push_back({std::string(name), f.key, true, alert_json(rule, f, true, end_ms, end_ms, now_wall_ms)});
    } else if (!f.active && it != keys.end()) {
      out.push_back({std::string(name), f.key, false, alert_json(rule, f, false, end_ms, it->second.since_ms, now_wall_ms)});
      keys.erase(it);
    } else if (it != keys.end()) {
      it->second.seen = epoch;
    }
  }
  // Keys that fired and now have no data at all: resolved with an empty window.
  for (auto it = keys.begin(); it != keys.end();) {
    if (it->second.seen == epoch) {
      ++it;
      continue;
    }
    Finding f;
    f.key = it->first;
    out.push_back({std::string(name), f.key, false, alert_json(rule, f, false, end_ms, it->second.since_ms, now_wall_ms)});
    it = keys.erase(it);
  }
}

bool AlertState::is_firing(std::string_view rule, std::string_view key) const {
  auto r = firing_.find(rule);
  return r != firing_.end() && r->second.find(key) != r->second.end();
}

std::map<std::string, uint64_t> AlertState::active_by_rule() const {
  std::map<std::string, uint64_t> m;
  for (const auto& [rule, keys] : firing_)
    if (!keys.empty()) m[rule] = keys.size();
  return m;
}

}  // namespace ki::watch
