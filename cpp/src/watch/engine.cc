#include "watch/engine.h"

#include <algorithm>

namespace ki::watch {

Engine::Engine(RulesConfig cfg) : cfg_(std::move(cfg)), rules_(make_rules(cfg_)) {}

void Engine::push(const WatchEvent& ev, int64_t now_wall_ms, std::vector<Alert>& out, int stream) {
  last_input_wall_ms_ = now_wall_ms;
  if (!ev.has_ts) {
    ++st_.no_timestamp;
    return;
  }
  if (started_ && ev.ts_ms < watermark_ms_) {
    ++st_.late;
    return;
  }
  ++st_.events;
  for (auto& r : rules_) r->observe(ev);
  Stream& s = streams_[stream];
  s.idle = false;
  s.at_end_since = 0;
  s.max_ms = std::max(s.max_ms, ev.ts_ms);
  min_event_ms_ = std::min(min_event_ms_, ev.ts_ms);
  st_.max_event_ms = started_ ? std::max(st_.max_event_ms, ev.ts_ms) : ev.ts_ms;
  started_ = true;
  advance_from_streams(now_wall_ms, out);
  input_wm_ = watermark_ms_;
}

void Engine::advance_from_streams(int64_t now_wall_ms, std::vector<Alert>& out) {
  // The slowest active stream decides; when every stream is idle, the newest event does.
  int64_t slowest = INT64_MAX;
  for (const auto& [id, s] : streams_) {
    if (s.idle) continue;
    if (s.max_ms == INT64_MIN) return;  // an active stream without events yet: wait for it
    slowest = std::min(slowest, s.max_ms);
  }
  if (slowest == INT64_MAX) slowest = st_.max_event_ms;
  advance(slowest - cfg_.lateness_ms, now_wall_ms, out);
}

void Engine::set_idle(int stream, int64_t now_wall_ms, std::vector<Alert>& out) {
  auto it = streams_.find(stream);
  if (it == streams_.end() || it->second.idle) return;
  if (cfg_.partition_idle_ms > 0) {  // idle once it stays at its end (tick)
    if (it->second.at_end_since == 0) it->second.at_end_since = now_wall_ms;
    return;
  }
  it->second.idle = true;
  if (started_) advance_from_streams(now_wall_ms, out);
}

void Engine::add_stream(int stream) { streams_.try_emplace(stream); }

void Engine::remove_stream(int stream, int64_t now_wall_ms, std::vector<Alert>& out) {
  if (streams_.erase(stream) && started_) advance_from_streams(now_wall_ms, out);
}

void Engine::tick(int64_t now_wall_ms, std::vector<Alert>& out) {
  bool became_idle = false;
  for (auto& [id, s] : streams_)
    if (!s.idle && s.at_end_since > 0 && now_wall_ms - s.at_end_since >= cfg_.partition_idle_ms) {
      s.idle = true;
      s.at_end_since = 0;
      became_idle = true;
    }
  if (became_idle && started_) advance_from_streams(now_wall_ms, out);
  if (!started_ || cfg_.idle_advance_ms <= 0 || now_wall_ms - last_input_wall_ms_ < cfg_.idle_advance_ms) return;
  // Silent input: the watermark moves on with the wall clock from where the last event left it,
  // still `lateness` behind, so the last event's window closes lateness + 1 s after it came.
  advance(input_wm_ + (now_wall_ms - last_input_wall_ms_), now_wall_ms, out);
}

void Engine::finish(int64_t now_wall_ms, std::vector<Alert>& out) {
  // Past the whole second of the newest event: its own window end is evaluated too.
  if (started_) advance(std::max((floor_sec(st_.max_event_ms) + 1) * 1000, watermark_ms_ + 1), now_wall_ms, out);
}

void Engine::advance(int64_t wm, int64_t now_wall_ms, std::vector<Alert>& out) {
  if (wm <= watermark_ms_) return;
  watermark_ms_ = wm;
  st_.watermark_ms = wm;
  int64_t target = floor_sec(wm);
  if (!evaluating_) {  // the first window end evaluated is the second after the oldest event
    evaluating_ = true;
    evaluated_sec_ = floor_sec(min_event_ms_);
  }
  if (target - evaluated_sec_ > kMaxStepsPerAdvance) {
    st_.skipped_seconds += static_cast<uint64_t>(target - evaluated_sec_ - kMaxStepsPerAdvance);
    evaluated_sec_ = target - kMaxStepsPerAdvance;
  }
  size_t from = out.size();
  while (evaluated_sec_ < target) {
    ++evaluated_sec_;
    ++st_.evaluations;
    for (auto& r : rules_) {
      findings_.clear();
      const std::string_view name = r->name();
      r->evaluate(evaluated_sec_ * 1000, [&](std::string_view key) { return state_.is_firing(name, key); }, findings_);
      state_.apply(*r, evaluated_sec_ * 1000, findings_, now_wall_ms, out);
    }
  }
  record(out, from);
}

void Engine::record(const std::vector<Alert>& out, size_t from) {
  for (size_t i = from; i < out.size(); ++i) {
    if (out[i].firing) {
      ++st_.fired;
      ++st_.fired_by_rule[out[i].rule];
    } else {
      ++st_.resolved;
      ++st_.resolved_by_rule[out[i].rule];
    }
  }
  if (out.size() > from) st_.active_by_rule = state_.active_by_rule();
}

}  // namespace ki::watch
