#include "pipeline/produce_pipeline.h"

#include <chrono>
#include <thread>

#include "source/line_reader.h"

namespace ki {

namespace {
using Clock = std::chrono::steady_clock;

int64_t wall_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

uint64_t make_tag(uint32_t src, uint64_t line_no, bool dlq) {
  return (static_cast<uint64_t>(src) << 40) | ((line_no & ((1ULL << 39) - 1)) << 1) | (dlq ? 1 : 0);
}

// Calls the hooks at most every 100 ms; remembers a stop request.
struct HookTimer {
  const ProduceHooks& hooks;
  Clock::time_point last = Clock::now();
  bool stopped = false;
  bool due() {
    auto now = Clock::now();
    if (now - last < std::chrono::milliseconds(100)) return false;
    last = now;
    return true;
  }
  bool poll(const ProduceStats& st, const KafkaProducer& p) {
    if (!stopped && hooks.stop && hooks.stop()) stopped = true;
    if (hooks.progress) hooks.progress(st, p.queued());
    return stopped;
  }
};
}  // namespace

ProducePipeline::ProducePipeline(ProduceConfig cfg)
    : cfg_(std::move(cfg)), stage_(cfg_.parser, cfg_.encoder) {
  if (cfg_.dlq_topic.empty()) cfg_.dlq_topic = cfg_.topic + ".dlq";
  if (!cfg_.key_field.empty() && !is_key_field(cfg_.key_field))
    throw KafkaError(KafkaError::Kind::Config,
                     "--key " + cfg_.key_field +
                         ": not a field we can key by (source.ip, user.name, host.hostname, process.name, "
                         "url.original, http.request.method, log.level, kafkainsight.format)");
  producer_ = std::make_unique<KafkaProducer>(cfg_.producer);
  partitions_ = producer_->check_topic(cfg_.topic);
  if (cfg_.on_parse_error == OnParseError::DeadLetter) producer_->check_topic(cfg_.dlq_topic);
}

ProducePipeline::~ProducePipeline() = default;

bool ProducePipeline::handle_line(std::string_view line, bool truncated, uint32_t src, uint64_t line_no,
                                  ProduceStats& st) {
  line = strip_line_end(line);
  if ((st.read & 0x3f) == 0) read_ms_ = wall_ms();  // a coarse clock: 64 lines are microseconds apart
  ++st.read;
  st.bytes += line.size() + 1;
  ParseStatus status = stage_.process(line, truncated);
  const std::string& source = producer_->sources()[src];
  char line_buf[24];
  int n = std::snprintf(line_buf, sizeof line_buf, "%llu", static_cast<unsigned long long>(line_no));
  std::string_view line_no_sv(line_buf, static_cast<size_t>(n));
  switch (status) {
    case ParseStatus::Ok: {
      const Record& rec = stage_.record();
      std::string_view key;
      if (!cfg_.key_field.empty()) key = *record_field(rec, cfg_.key_field);
      // ki.ts: when the line was read (ms), so the consumer can measure end-to-end latency
      // even for old logs whose message timestamp (the event time) is long past.
      char ts_buf[24];
      int ts_n = std::snprintf(ts_buf, sizeof ts_buf, "%lld", static_cast<long long>(read_ms_));
      Header h[4] = {{"ki.source", source},
                     {"ki.line", line_no_sv},
                     {"ki.format", format_name(rec.format)},
                     {"ki.ts", std::string_view(ts_buf, static_cast<size_t>(ts_n))}};
      producer_->produce(cfg_.topic, key, stage_.doc(), rec.ts.valid ? rec.ts.epoch_ms() : 0, h, 4,
                         make_tag(src, line_no, false));
      ++st.by_format[static_cast<int>(rec.format)];
      return true;
    }
    case ParseStatus::Empty: ++st.empty; return true;
    case ParseStatus::Failed: break;
  }
  ++st.parse_errors;
  std::string reason = stage_.reason();
  if (st.errors.size() < 10) st.errors.push_back(source + ":" + std::string(line_no_sv) + ": " + reason);
  switch (cfg_.on_parse_error) {
    case OnParseError::DeadLetter: {
      Header h[4] = {{"ki.source", source},
                     {"ki.line", line_no_sv},
                     {"ki.error.stage", "parse"},
                     {"ki.error.reason", reason}};
      producer_->produce(cfg_.dlq_topic, {}, line, 0, h, 4, make_tag(src, line_no, true));
      return true;
    }
    case OnParseError::Skip: ++st.skipped; return true;
    case OnParseError::Fail:
      st.stopped_reason = source + ":" + std::string(line_no_sv) + ": " + reason;
      return false;
  }
  return true;
}

ProduceStats ProducePipeline::finish(ProduceStats st, const DeliveryCounts& before, double started) {
  int left = producer_->flush(cfg_.flush_timeout_ms);
  const DeliveryCounts& c = producer_->counts();
  st.produced = c.acked - before.acked;
  st.dead_lettered = c.acked_dlq - before.acked_dlq;
  st.failed_delivery = c.failed - before.failed + static_cast<uint64_t>(left);
  for (size_t i = before.first_errors.size(); i < c.first_errors.size(); ++i) st.errors.push_back(c.first_errors[i]);
  if (left > 0)
    st.errors.push_back(std::to_string(left) + " message(s) not acknowledged within " +
                        std::to_string(cfg_.flush_timeout_ms / 1000) + " s of flushing");
  std::string fatal = producer_->fatal_error();
  if (!fatal.empty()) st.errors.push_back("fatal producer error: " + fatal);
  st.seconds = std::chrono::duration<double>(Clock::now().time_since_epoch()).count() - started;
  return st;
}

ProduceStats ProducePipeline::produce_files(const std::vector<std::string>& paths, const ProduceHooks& hooks) {
  ProduceStats st;
  DeliveryCounts before = producer_->counts();
  double started = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  auto t0 = Clock::now();
  HookTimer timer{hooks};
  uint64_t n = 0;
  // --rate: line n is due at t0 + n / rate; sleep in short slices so Ctrl-C stays quick.
  auto wait_turn = [&]() {
    if (cfg_.rate <= 0) return;
    auto due = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(n / cfg_.rate));
    while (!timer.stopped) {
      auto now = Clock::now();
      if (now >= due) break;
      std::this_thread::sleep_for(std::min<Clock::duration>(due - now, std::chrono::milliseconds(50)));
      producer_->poll(0);
      if (timer.due()) timer.poll(st, *producer_);
    }
  };
  for (const auto& path : paths) {
    if (timer.stopped || !st.stopped_reason.empty()) break;
    producer_->sources().push_back(path);
    uint32_t src = static_cast<uint32_t>(producer_->sources().size() - 1);
    std::string_view line;
    if (cfg_.follow) {
      FollowReader reader(path, cfg_.follow_cfg);
      auto idle = [&]() {
        producer_->poll(0);
        return timer.poll(st, *producer_);
      };
      while (!timer.stopped) {
        wait_turn();
        if (timer.stopped || !reader.next(line, idle)) break;
        if (!handle_line(line, reader.truncated(), src, reader.line_no(), st)) break;
        ++n;
        if (timer.due() && timer.poll(st, *producer_)) break;
      }
      st.rotations += reader.rotations();
      st.truncations += reader.truncations();
    } else {
      LineReader reader(path);
      while (!timer.stopped) {
        wait_turn();
        if (timer.stopped || !reader.next(line)) break;
        if (!handle_line(line, reader.truncated(), src, reader.line_no(), st)) break;
        ++n;
        if ((n & 0xff) == 0 && timer.due() && timer.poll(st, *producer_)) break;
      }
    }
  }
  st.interrupted = timer.stopped;
  return finish(std::move(st), before, started);
}

ProduceStats ProducePipeline::produce_lines(const std::vector<std::string>& lines, const ProduceHooks& hooks) {
  ProduceStats st;
  DeliveryCounts before = producer_->counts();
  double started = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  if (producer_->sources().empty() || producer_->sources().back() != "<lines>") producer_->sources().push_back("<lines>");
  uint32_t src = static_cast<uint32_t>(producer_->sources().size() - 1);
  HookTimer timer{hooks};
  for (const auto& l : lines) {
    if (!handle_line(l, false, src, ++lines_fed_, st)) break;
    if ((lines_fed_ & 0xff) == 0 && timer.due() && timer.poll(st, *producer_)) break;
  }
  st.interrupted = timer.stopped;
  return finish(std::move(st), before, started);
}

int ProducePipeline::flush(int timeout_ms) { return producer_->flush(timeout_ms); }

}  // namespace ki
