#include "report/traffic_summary.h"

#include "parse/level.h"

#include <nlohmann/json.hpp>
#include <simdjson.h>

#include <algorithm>

#include "parse/timestamp.h"
#include "source/line_reader.h"
#include "util/ip.h"

namespace ki {

namespace {

constexpr std::string_view kSeverity[8] = {"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"};
constexpr std::string_view kStatusNames[TrafficSummary::kStatusCols] = {"1xx", "2xx", "3xx", "4xx", "5xx", "other"};

// The levels of every format on one scale (event.severity), most severe first, for the chart's
// order; trace after debug, unknown names last.
int level_rank(std::string_view l) {
  int s = severity_with_trace(l);
  return s >= 0 ? s : 9;
}

size_t status_column(int status) {
  if (status >= 100 && status <= 599) return static_cast<size_t>(status / 100 - 1);
  return TrafficSummary::kOtherStatus;
}

std::string_view str_at(simdjson::dom::element doc, std::string_view pointer) {
  std::string_view s;
  if (doc.at_pointer(pointer).get_string().get(s) == simdjson::SUCCESS) return s;
  return {};
}

nlohmann::ordered_json top_json(const HeavyHitters& hh, size_t n) {
  nlohmann::ordered_json rows = nlohmann::ordered_json::array();
  for (auto& [k, c] : hh.top(n)) rows.push_back({k, c});
  return {{"rows", rows}, {"exact", hh.exact()}, {"error_bound", hh.error_bound()}, {"total", hh.total()}};
}

}  // namespace

TrafficSummary::TrafficSummary(SummaryConfig cfg)
    : cfg_(cfg),
      series_(kStatusCols + cfg.max_levels + 1, cfg.max_buckets),
      paths_(cfg.top_capacity),
      clients_(cfg.top_capacity),
      agents_(cfg.top_capacity),
      level_totals_(cfg.max_levels + 1, 0) {}

TrafficSummary::~TrafficSummary() = default;

size_t TrafficSummary::level_column(std::string_view level) {
  for (size_t i = 0; i < levels_.size(); ++i)
    if (levels_[i] == level) return i;
  if (levels_.size() < cfg_.max_levels) {
    levels_.emplace_back(level);
    return levels_.size() - 1;
  }
  return cfg_.max_levels;  // "other"
}

void TrafficSummary::add_event(const Event& e) {
  ++events_;
  if (e.timed) {
    if (events_ - untimed_ == 1 || e.epoch_sec < first_) first_ = e.epoch_sec;
    if (events_ - untimed_ == 1 || e.epoch_sec > last_) last_ = e.epoch_sec;
  } else {
    ++untimed_;
  }
  if (!e.format.empty()) {
    auto it = std::find_if(formats_.begin(), formats_.end(), [&](const auto& p) { return p.first == e.format; });
    if (it == formats_.end()) formats_.emplace_back(std::string(e.format), 1);
    else ++it->second;
  }
  if (e.status >= 0) {
    size_t col = status_column(e.status);
    ++status_totals_[col];
    if (e.timed) series_.add(e.epoch_sec, col);
    if (!e.path.empty()) paths_.add(e.path);
    if (!e.client.empty()) clients_.add(e.client);
    if (!e.agent.empty()) agents_.add(e.agent);
  }
  if (!e.level.empty()) {
    size_t col = level_column(e.level);
    ++level_totals_[col];
    if (e.timed) series_.add(e.epoch_sec, kStatusCols + col);
  }
}

void TrafficSummary::add(const Record& r) {
  Event e;
  e.timed = r.ts.valid;
  e.epoch_sec = r.ts.epoch_sec;
  e.status = r.status;
  // Same value as the document's url.original: the path, or the whole request when it is junk.
  e.path = !r.path.empty() ? r.path : (r.method.empty() ? r.request : std::string_view{});
  if (e.path == "-") e.path = {};
  e.client = r.forwarded_for.empty() ? r.client_ip : list_client(r.forwarded_for, true);  // as the alert rules count
  e.agent = r.user_agent;
  e.level = r.level;
  if (e.level.empty() && r.priority >= 0) e.level = kSeverity[r.priority % 8];
  e.format = format_name(r.format);
  add_event(e);
}

bool TrafficSummary::add_document(std::string_view json) {
  if (!json_) json_ = std::make_unique<simdjson::dom::parser>();
  simdjson::dom::element doc;
  simdjson::dom::object obj;
  std::string_view ts;
  if (json_->parse(json.data(), json.size(), true).get(doc) != simdjson::SUCCESS ||
      doc.get_object().get(obj) != simdjson::SUCCESS || obj["@timestamp"].get_string().get(ts) != simdjson::SUCCESS) {
    ++rejected_;
    return false;
  }
  Event e;
  Timestamp t;
  if (parse_iso8601(ts.data(), ts.size(), t) != ts.size()) {
    ++rejected_;
    return false;
  }
  e.timed = true;
  e.epoch_sec = t.epoch_sec;
  int64_t status = -1;
  if (obj["http"].error() == simdjson::SUCCESS || obj["log"].error() == simdjson::SUCCESS ||
      obj["kafkainsight"].error() == simdjson::SUCCESS) {  // ecs
    if (doc.at_pointer("/http/response/status_code").get_int64().get(status) != simdjson::SUCCESS) status = -1;
    e.path = str_at(doc, "/url/original");
    e.client = str_at(doc, "/network/forwarded_ip");
    if (e.client.empty()) e.client = str_at(doc, "/source/ip");
    if (e.client.empty()) e.client = str_at(doc, "/source/domain");
    e.agent = str_at(doc, "/user_agent/original");
    e.level = str_at(doc, "/log/level");
    e.format = str_at(doc, "/kafkainsight/format");
  } else {  // the flat kafkainsight layout
    std::string_view code = str_at(doc, "/status_code");
    if (!code.empty()) {
      status = 0;
      for (char c : code) status = (c >= '0' && c <= '9' && status < 10000) ? status * 10 + (c - '0') : 100000;
    }
    e.path = str_at(doc, "/source");
    e.client = str_at(doc, "/ip_address");
    e.agent = str_at(doc, "/user_agent");
    e.level = str_at(doc, "/level");
    e.format = str_at(doc, "/format");
  }
  e.status = static_cast<int>(status > 100000 ? 0 : status);
  add_event(e);
  return true;
}

void TrafficSummary::set_line_counts(uint64_t lines, uint64_t parsed, uint64_t failed, uint64_t empty) {
  have_lines_ = true;
  lines_ = lines;
  parsed_ = parsed;
  failed_ = failed;
  empty_ = empty;
}

std::string TrafficSummary::to_json() {
  using J = nlohmann::ordered_json;
  series_.coarsen_to(cfg_.max_points);
  const auto& b = series_.buckets();
  const int64_t step = series_.step();
  const int64_t lo = b.empty() ? 0 : b.begin()->first, hi = b.empty() ? -1 : b.rbegin()->first;
  const size_t n = b.empty() ? 0 : static_cast<size_t>((hi - lo) / step + 1);
  // Every bucket from the first to the last, empty ones included (a gap is news too).
  std::vector<std::vector<uint64_t>> cols(series_.columns(), std::vector<uint64_t>(n, 0));
  for (const auto& [start, counts] : b)
    for (size_t c = 0; c < counts.size(); ++c) cols[c][static_cast<size_t>((start - lo) / step)] = counts[c];
  std::vector<int64_t> starts(n);
  for (size_t i = 0; i < n; ++i) starts[i] = lo + static_cast<int64_t>(i) * step;

  // Level columns in severity order, "other" last.
  std::vector<size_t> order(levels_.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t c) { return level_rank(levels_[a]) < level_rank(levels_[c]); });
  if (level_totals_[cfg_.max_levels]) order.push_back(cfg_.max_levels);
  auto level_name = [&](size_t i) { return i < levels_.size() ? levels_[i] : std::string("other"); };

  J status = J::object(), status_totals = J::object(), levels = J::object(), level_totals = J::object();
  uint64_t requests = 0;
  for (size_t c = 0; c < kStatusCols; ++c) {
    status[std::string(kStatusNames[c])] = cols[c];
    status_totals[std::string(kStatusNames[c])] = status_totals_[c];
    requests += status_totals_[c];
  }
  for (size_t i : order) {
    levels[level_name(i)] = cols[kStatusCols + i];
    level_totals[level_name(i)] = level_totals_[i];
  }
  J formats = J::object();
  for (const auto& [f, c] : formats_) formats[f] = c;
  J totals = {{"events", events_}, {"requests", requests}, {"status", status_totals}, {"levels", level_totals},
              {"formats", formats}, {"untimed", untimed_}, {"rejected", rejected_}};
  if (have_lines_) {
    totals["lines"] = lines_;
    totals["parsed"] = parsed_;
    totals["failed"] = failed_;
    totals["empty"] = empty_;
  }
  J out = {{"step_seconds", step}, {"buckets", starts}, {"status", status}, {"levels", levels}, {"totals", totals}};
  if (events_ > untimed_) {
    out["first"] = first_;
    out["last"] = last_;
  }
  out["top"] = {{"paths", top_json(paths_, cfg_.top_n)},
                {"clients", top_json(clients_, cfg_.top_n)},
                {"agents", top_json(agents_, cfg_.top_n)}};
  // Log lines may hold any bytes: invalid UTF-8 becomes U+FFFD so the output is always valid JSON.
  return out.dump(-1, ' ', false, J::error_handler_t::replace);
}

void summarize_files(const std::vector<std::string>& paths, const ParserConfig& pcfg, TrafficSummary& out,
                     const std::function<bool()>& stop) {
  Parser parser(pcfg);
  Record rec;
  uint64_t lines = 0, parsed = 0, failed = 0, empty = 0;
  // Counted per event; the lines joined into an event are counted with it (as parsed, failed...).
  auto count = [&](const MultilineEvent& ev) {
    ParseStatus st = parser.parse(ev.text, rec);
    uint64_t& bucket = st == ParseStatus::Ok && !ev.truncated                          ? parsed
                       : st == ParseStatus::Empty || st == ParseStatus::Partial ? empty
                                                                                : failed;
    bucket += ev.lines;
    if (&bucket == &parsed) out.add(rec);
  };
  uint32_t source = 0;
  for (const auto& path : paths) {
    LineReaderConfig rcfg;
    rcfg.encoding = pcfg.encoding;
    LineReader reader(path, rcfg);
    MultilineJoiner joiner(pcfg.multiline);
    parser.set_source(source++);  // a W3C log's #Fields: holds for its own file
    std::string_view line;
    while (reader.next(line)) {
      ++lines;
      if (joiner.push(line, reader.line_no(), reader.truncated())) count(joiner.event());
      if ((lines & 0x1fff) == 0 && stop && stop()) {
        if (joiner.flush()) count(joiner.event());
        out.set_line_counts(lines, parsed, failed, empty);
        return;
      }
    }
    if (joiner.flush()) count(joiner.event());
  }
  out.set_line_counts(lines, parsed, failed, empty);
}

}  // namespace ki
