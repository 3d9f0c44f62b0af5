// What the HTML report shows, counted in one pass with bounded memory: requests per time
// bucket by status class, error-log levels per bucket, and the top paths, client addresses and
// user agents. Fed by parsed records (log files) or by documents read from Kafka (either layout).
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "parse/parser.h"
#include "report/heavy_hitters.h"
#include "report/time_series.h"

namespace simdjson::dom {
class parser;
}

namespace ki {

struct SummaryConfig {
  size_t max_buckets = 4096;     // time buckets held while counting
  size_t max_points = 360;       // time buckets in the charts
  size_t top_n = 15;             // rows in each top list
  size_t top_capacity = 50000;   // distinct values counted exactly per top list
  size_t max_levels = 24;        // distinct log levels charted; the rest count as "other"
};

class TrafficSummary {
 public:
  // Status-class columns of the time series; the level columns follow them.
  enum Col : size_t { k1xx, k2xx, k3xx, k4xx, k5xx, kOtherStatus, kStatusCols };

  explicit TrafficSummary(SummaryConfig cfg = {});
  ~TrafficSummary();

  void add(const Record& rec);
  // A document as produced to Kafka (ecs or kafkainsight layout). False if it is not a JSON
  // object or has no usable @timestamp (counted in `rejected`).
  bool add_document(std::string_view json);
  // Lines / parsed / failed / empty of the input, when the summary was fed from files.
  void set_line_counts(uint64_t lines, uint64_t parsed, uint64_t failed, uint64_t empty);

  // Everything the report needs, as one JSON object (valid UTF-8 whatever the input held).
  std::string to_json();

  uint64_t events() const { return events_; }

 private:
  struct Event {
    int64_t epoch_sec = 0;
    bool timed = false;
    int status = -1;
    std::string_view path, client, agent, level, format;
  };
  void add_event(const Event& e);
  size_t level_column(std::string_view level);

  SummaryConfig cfg_;
  TimeSeries series_;
  HeavyHitters paths_, clients_, agents_;
  std::vector<std::string> levels_;  // column names after the status columns
  std::array<uint64_t, kStatusCols> status_totals_{};
  std::vector<uint64_t> level_totals_;
  std::vector<std::pair<std::string, uint64_t>> formats_;
  uint64_t events_ = 0, untimed_ = 0, rejected_ = 0;
  int64_t first_ = 0, last_ = 0;
  bool have_lines_ = false;
  uint64_t lines_ = 0, parsed_ = 0, failed_ = 0, empty_ = 0;
  std::unique_ptr<simdjson::dom::parser> json_;
};

// Streams files ("-" = stdin, .gz) through the parser into a summary; no documents are kept.
// `stop` is polled every few thousand lines (Ctrl-C from Python).
void summarize_files(const std::vector<std::string>& paths, const ParserConfig& pcfg, TrafficSummary& out,
                     const std::function<bool()>& stop = {});

}  // namespace ki
