#include "watch/alert_state.h"

#include <nlohmann/json.hpp>

#include <cmath>
#include <set>

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
  const std::string name(rule.name());
  std::set<std::string> seen;
  for (auto& f : findings) {
    seen.insert(f.key);
    auto id = std::make_pair(name, f.key);
    auto it = firing_.find(id);
    if (f.active && it == firing_.end()) {
      firing_.emplace(id, Firing{end_ms});
      out.push_back({name, f.key, true, alert_json(rule, f, true, end_ms, end_ms, now_wall_ms)});
    } else if (!f.active && it != firing_.end()) {
      out.push_back({name, f.key, false, alert_json(rule, f, false, end_ms, it->second.since_ms, now_wall_ms)});
      firing_.erase(it);
    }
  }
  // Keys that fired and now have no data at all: resolved with an empty window.
  for (auto it = firing_.lower_bound({name, ""}); it != firing_.end() && it->first.first == name;) {
    if (seen.count(it->first.second)) {
      ++it;
      continue;
    }
    Finding f;
    f.key = it->first.second;
    out.push_back({name, f.key, false, alert_json(rule, f, false, end_ms, it->second.since_ms, now_wall_ms)});
    it = firing_.erase(it);
  }
}

std::map<std::string, uint64_t> AlertState::active_by_rule() const {
  std::map<std::string, uint64_t> m;
  for (const auto& [id, _] : firing_) ++m[id.first];
  return m;
}

}  // namespace ki::watch
