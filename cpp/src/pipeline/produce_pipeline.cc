#include "pipeline/produce_pipeline.h"

#include <atomic>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <unordered_map>

#include "pipeline/checkpoint.h"
#include "source/charset.h"
#include "source/event_id.h"
#include "source/file_set.h"
#include "source/line_reader.h"
#include "util/timefmt.h"

namespace ki {

namespace {
using Clock = std::chrono::steady_clock;

// A line cut at the reader's limit (64 MiB) goes to the dead-letter topic with its first 64 KiB:
// enough to see what it was, and within Kafka's default message.max.bytes (1 MB).
constexpr size_t kCutLineKeep = 64 * 1024;
// Following (or a pipe) when the input has nothing more: flush() sends without waiting for linger.ms;
// wait this long for the acknowledgements (they come in a few ms), the rest come later.
constexpr int kIdleFlushMs = 5;

uint64_t make_tag(uint32_t src, uint64_t line_no, bool dlq) {
  return (static_cast<uint64_t>(src) << 40) | ((line_no & ((1ULL << 39) - 1)) << 1) | (dlq ? 1 : 0);
}

}  // namespace

// What the parse stage hands to delivery for one line; strings live in a batch arena.
struct ProducePipeline::Prepared {
  uint32_t src = 0;
  ParseStatus status = ParseStatus::Empty;
  Format format = Format::Unknown;
  uint64_t line_no = 0;    // first line of the event (ki.line, errors)
  uint64_t last_line = 0;  // its last line (delivery tag, --resume checkpoint)
  uint32_t lines = 1;
  int64_t ts_ms = 0;
  size_t line_bytes = 0;
  uint32_t renamed = 0;  // fields of the document moved to kafkainsight.renamed
  bool not_utf8 = false;  // the line has bytes that are not UTF-8
  bool cut = false;  // longer than the reader's limit
  LineOrigin origin;
  std::string_view doc, key, raw, reason;
};

// Calls the hooks at most every 100 ms; remembers a stop request.
struct ProducePipeline::HookTimer {
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
    if (hooks.progress) {  // with the deliveries acknowledged so far (since the producer started): /metrics
      ProduceStats live = st;
      live.produced = p.counts().acked, live.dead_lettered = p.counts().acked_dlq, live.failed_delivery = p.counts().failed;
      hooks.progress(live, p.queued());
    }
    return stopped;
  }
};

// Lines of one file, parsed and encoded by the parse thread and produced by the caller's
// thread straight from the arena (no copy). A batch returns to the pool when librdkafka
// has let go of all its messages.
struct ProducePipeline::Batch final : PayloadOwner {
  struct Item {
    Prepared p;
    std::array<size_t, 8> off;  // doc, key, raw, reason: offset and size in the arena
    MessageRef ref;
  };
  std::string arena;
  std::vector<Item> items;
  std::string error;  // the reader failed (missing file...)
  bool input_paused = false;  // handed over because the input paused (a pipe): send without linger
  uint32_t holds = 0;  // messages librdkafka holds, +1 while the batch is being produced
  BatchPool* pool = nullptr;
  void retain() override { ++holds; }
  void release() override;
};

// Reused batches: their memory stays mapped and warm instead of being faulted in anew.
// The producing thread puts back, the parse thread takes. At most kMaxBatches exist (about
// 4 MB each): that bounds the memory of documents waiting for Kafka's acknowledgement.
class ProducePipeline::BatchPool {
 public:
  static constexpr size_t kMaxBatches = 16;
  // Waits while all batches are out; nullptr once cancelled.
  Batch* take(const std::atomic<bool>& cancelled) {
    std::unique_lock<std::mutex> lk(mu_);
    for (;;) {
      if (!free_.empty()) {
        Batch* b = free_.back();
        free_.pop_back();
        return b;
      }
      if (all_.size() < kMaxBatches) {
        all_.push_back(std::make_unique<Batch>());
        all_.back()->pool = this;
        return all_.back().get();
      }
      if (cancelled) return nullptr;
      cv_.wait_for(lk, std::chrono::milliseconds(20));
    }
  }
  void put_back(Batch* b) {
    b->arena.clear();
    b->items.clear();
    b->error.clear();
    b->input_paused = false;
    std::lock_guard<std::mutex> lk(mu_);
    free_.push_back(b);
    cv_.notify_one();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Batch>> all_;
  std::vector<Batch*> free_;
};

void ProducePipeline::Batch::release() {
  if (--holds == 0) pool->put_back(this);
}

std::optional<HeaderMode> header_mode_from_name(std::string_view name) {
  if (name == "none") return HeaderMode::None;
  if (name == "ts") return HeaderMode::Time;
  if (name == "all") return HeaderMode::All;
  return std::nullopt;
}

std::optional<EventIds> event_ids_from_name(std::string_view name) {
  if (name == "none") return EventIds::None;
  if (name == "follow") return EventIds::Follow;
  if (name == "files") return EventIds::Files;
  return std::nullopt;
}

const char* event_ids_name(EventIds e) {
  switch (e) {
    case EventIds::None: return "none";
    case EventIds::Follow: return "follow";
    case EventIds::Files: return "files";
  }
  return "?";
}

namespace {
ProduceConfig compiled(ProduceConfig c) {
  compile_grok(c.parser);  // once, shared by the parse threads' parsers
  return c;
}
}  // namespace

ProducePipeline::ProducePipeline(ProduceConfig cfg)
    : cfg_(compiled(std::move(cfg))), pool_(std::make_unique<BatchPool>()), stage_(cfg_.parser, cfg_.encoder) {
  if (cfg_.dlq_topic.empty()) cfg_.dlq_topic = cfg_.topic + ".dlq";
  if (!cfg_.key_field.empty() && !is_key_field(cfg_.key_field))
    throw KafkaError(KafkaError::Kind::Config,
                     "key (--key) '" + cfg_.key_field +
                         "': not a field we can key by (source.ip, user.name, host.hostname, process.name, "
                         "url.original, http.request.method, log.level, kafkainsight.format)");
  if (cfg_.follow && (cfg_.rescan_ms < 100 || cfg_.max_open_files < 1))
    throw KafkaError(KafkaError::Kind::Config,
                     "--rescan-interval must be at least 0.1 s and --max-open-files at least 1 (got " +
                         std::to_string(cfg_.rescan_ms) + " ms, " + std::to_string(cfg_.max_open_files) + ")");
  if (cfg_.follow && is_utf16(cfg_.parser.encoding))
    throw KafkaError(KafkaError::Kind::Config, "--encoding " + cfg_.parser.encoding +
                                                   " with --follow: UTF-16 files are read whole (without --follow), "
                                                   "or converted to UTF-8 first");
  producer_ = std::make_unique<KafkaProducer>(cfg_.producer);
  partitions_ = producer_->check_topic(cfg_.topic);
  if (cfg_.on_parse_error == OnParseError::DeadLetter) producer_->check_topic(cfg_.dlq_topic);
}

ProducePipeline::~ProducePipeline() {
  if (producer_) producer_->on_report = nullptr;  // the checkpoint goes first
}

void ProducePipeline::set_checkpoint(const std::string& path) {
  checkpoint_ = std::make_unique<Checkpoint>(path);
  producer_->on_report = [c = checkpoint_.get()](uint64_t tag, bool ok) {
    c->acked(static_cast<uint32_t>(tag >> 40), (tag >> 1) & ((1ULL << 39) - 1), ok);
  };
}


// Parse + encode one event (a line, or lines joined) into p (views into stage_ or the given arena).
void ProducePipeline::prepare(ParseStage& stage, const MultilineEvent& ev, uint32_t src, std::string_view fingerprint,
                              Prepared& p) {
  std::string_view line = strip_line_end(ev.text);
  bool truncated = ev.truncated;
  p.src = src;
  p.origin = {fingerprint, ev.offset, ev.read_ms};
  p.line_no = ev.first_line;
  p.last_line = ev.last_line;
  p.lines = ev.lines;
  p.line_bytes = ev.bytes;
  p.cut = truncated;
  p.raw = truncated ? line.substr(0, kCutLineKeep) : line;
  uint64_t renamed_before = stage.stats().renamed_fields, not_utf8_before = stage.stats().not_utf8;
  stage.set_source(src);
  p.status = stage.process(line, truncated, ev.lines);
  p.renamed = static_cast<uint32_t>(stage.stats().renamed_fields - renamed_before);
  p.not_utf8 = stage.stats().not_utf8 != not_utf8_before;
  if (p.status == ParseStatus::Ok) {
    const Record& rec = stage.record();
    p.format = rec.format;
    p.ts_ms = rec.ts.valid ? rec.ts.epoch_ms() : 0;
    p.doc = stage.doc();
    p.key = cfg_.key_field.empty() ? std::string_view{} : *record_field(rec, cfg_.key_field);
  }
}

std::string ProducePipeline::reason(const ParseStage& stage, const Prepared& p) const {
  if (p.status != ParseStatus::Failed) return {};
  if (p.cut)
    return "line longer than the reader's limit (" + std::to_string(p.line_bytes - 1) +
           " bytes) and cut there; its first " + std::to_string(p.raw.size()) + " bytes are kept here";
  return stage.reason();
}

bool ProducePipeline::deliver(const Prepared& p, std::string_view reason, ProduceStats& st, MessageRef* ref) {
  if (checkpoint_)  // lines that need no message (blank, skipped) are done at once
    checkpoint_->sent(p.src, p.line_no, p.last_line,
                      p.status == ParseStatus::Ok ||
                          (p.status == ParseStatus::Failed && cfg_.on_parse_error != OnParseError::Skip));
  st.read += p.lines;
  st.joined += p.lines - 1;
  st.bytes += p.line_bytes;
  st.not_utf8 += p.not_utf8;
  const std::string& source = producer_->sources()[p.src];
  char line_buf[24];
  std::string_view line_no_sv(line_buf, std::to_chars(line_buf, line_buf + sizeof line_buf, p.line_no).ptr - line_buf);
  switch (p.status) {
    case ParseStatus::Ok: {
      // ki.ts (live sources): when the line was read (ms), so the consumer can measure the
      // end-to-end latency of live logs. ki.id: the consumer's _id (exactly-once across our restarts).
      Header h[5];
      size_t nh = 0;
      char ts_buf[24];
      EventIdBuf id_buf;
      if (cfg_.headers != HeaderMode::None) {
        if (live_)
          h[nh++] = {"ki.ts", std::string_view(ts_buf, std::to_chars(ts_buf, ts_buf + sizeof ts_buf, p.origin.read_ms).ptr - ts_buf)};
        if (ids_ && !p.origin.fingerprint.empty()) h[nh++] = {"ki.id", event_id(id_buf, p.origin.fingerprint, p.origin.offset)};
      }
      if (cfg_.headers == HeaderMode::All) {
        h[nh++] = {"ki.source", source};
        h[nh++] = {"ki.line", line_no_sv};
        h[nh++] = {"ki.format", format_name(p.format)};
      }
      uint64_t tag = make_tag(p.src, p.last_line, false);
      if (ref) {
        ref->tag = tag;
        producer_->produce_nocopy(cfg_.topic, p.key, p.doc, p.ts_ms, h, nh, ref);
      } else {
        producer_->produce(cfg_.topic, p.key, p.doc, p.ts_ms, h, nh, tag);
      }
      ++st.by_format[static_cast<int>(p.format)];
      st.renamed_fields += p.renamed;
      return true;
    }
    case ParseStatus::Partial:  // a CRI P line: its text goes with the next line's document
    case ParseStatus::Empty: ++st.empty; return true;
    case ParseStatus::Failed: break;
  }
  ++st.parse_errors;
  if (st.errors.size() < 10) st.errors.push_back(source + ":" + std::string(line_no_sv) + ": " + std::string(reason));
  switch (cfg_.on_parse_error) {
    case OnParseError::DeadLetter: {
      Header h[4] = {{"ki.source", source},
                     {"ki.line", line_no_sv},
                     {"ki.error.stage", "parse"},
                     {"ki.error.reason", reason}};
      uint64_t tag = make_tag(p.src, p.last_line, true);
      if (ref) {
        ref->tag = tag;
        producer_->produce_nocopy(cfg_.dlq_topic, {}, p.raw, 0, h, 4, ref);
      } else {
        producer_->produce(cfg_.dlq_topic, {}, p.raw, 0, h, 4, tag);
      }
      return true;
    }
    case OnParseError::Skip: ++st.skipped; return true;
    case OnParseError::Fail:
      st.stopped_reason = source + ":" + std::string(line_no_sv) + ": " + std::string(reason);
      st.stopped_lines = p.lines;
      return false;
  }
  return true;
}

bool ProducePipeline::handle_event(const MultilineEvent& ev, uint32_t src, std::string_view fingerprint,
                                   ProduceStats& st) {
  Prepared p;
  prepare(stage_, ev, src, fingerprint, p);
  return deliver(p, reason(stage_, p), st);
}

ProduceStats ProducePipeline::finish(ProduceStats st, const DeliveryCounts& before, double started) {
  int left = producer_->flush(cfg_.flush_timeout_ms);
  if (checkpoint_) checkpoint_->save();
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
  if (cfg_.follow) {
    follow_files(paths, st, timer, wait_turn, n);
  } else {
    std::vector<std::string> expanded;
    try {
      expanded = expand_paths(paths);
    } catch (const std::exception& e) {  // a pattern that matches nothing: nothing read
      st.input_error = e.what();
    }
    live_ = false;
    ids_ = cfg_.event_ids == EventIds::Files;
    for (const auto& path : expanded) {
      if (timer.stopped || !st.stopped_reason.empty()) break;
      producer_->sources().push_back(path);
      uint32_t src = static_cast<uint32_t>(producer_->sources().size() - 1);
      const uint64_t skip = checkpoint_ ? checkpoint_->begin_file(src, path) : 0;
      live_ = path == "-";
      if (!produce_file_batched(path, src, skip, st, timer, wait_turn, n)) break;  // stopped, --on-parse-error fail, or input_error
    }
  }
  st.interrupted = timer.stopped;
  return finish(std::move(st), before, started);
}

// Follows every file named or matched at once (source/file_set.h); each file keeps its own line
// numbers (--resume) and fingerprint (event ids). Returns false to stop.
bool ProducePipeline::follow_files(const std::vector<std::string>& args, ProduceStats& st, HookTimer& timer,
                                   const std::function<void()>& wait_turn, uint64_t& n) {
  live_ = true;
  ids_ = cfg_.event_ids != EventIds::None;
  FileSetConfig fc{cfg_.follow_cfg, cfg_.rescan_ms, static_cast<size_t>(cfg_.max_open_files)};
  fc.follow.encoding = cfg_.parser.encoding;
  // Source indexes (the delivery tags' 24 bits, the names in producer_->sources()) of files no
  // longer read are used again once librdkafka has nothing of theirs left (no message, no
  // delivery report): weeks of rotations would otherwise use them up, and the names' memory.
  std::vector<uint32_t> retired, free_srcs;
  auto take_src = [&](const std::string& path) {
    if (free_srcs.empty()) {
      producer_->sources().push_back(path);
      return static_cast<uint32_t>(producer_->sources().size() - 1);
    }
    uint32_t s = free_srcs.back();
    free_srcs.pop_back();
    producer_->sources()[s] = path;
    return s;
  };
  // A file before a rotation, or closed because it went away: its resume position names no file any more.
  auto retire = [&](const FileSet::File& f) {
    if (f.fingerprint.empty()) return;  // never read a line: never had a source
    if (checkpoint_) checkpoint_->forget(f.src);
    retired.push_back(f.src);
  };
  // Multi-line events being joined, one joiner per open file; an event is complete when the next
  // one starts, its file goes quiet for flush_ms, rotates or closes. Without a multi-line pattern
  // the joiner passes each line through.
  struct Joining {
    MultilineJoiner joiner;
    Clock::time_point last;
    uint32_t src;
    std::string fingerprint;
  };
  std::unordered_map<const FileSet::File*, Joining> joining;
  bool go_on = true;
  auto send_pending = [&](Joining& j) {
    if (go_on && j.joiner.flush()) {
      go_on = handle_event(j.joiner.event(), j.src, j.fingerprint, st);
      ++n;
    }
  };
  auto end_joining = [&](const FileSet::File& f) {
    auto it = joining.find(&f);
    if (it == joining.end()) return;
    send_pending(it->second);
    joining.erase(it);
  };
  auto on_close = [&](FileSet::File& f) {
    end_joining(f);
    retire(f);
  };
  FileSet files(args, fc, {}, on_close);
  auto sync = [&]() {
    FileSetStats fs = files.stats();
    st.files_opened = fs.opened, st.files_closed = fs.closed, st.files_followed = fs.open;
    st.rotations = fs.rotations, st.truncations = fs.truncations;
  };
  uint64_t sent_at_idle = producer_->queued();
  auto idle = [&]() {
    // Caught up with every file: what waits for linger.ms goes out now (at a low rate the
    // linger is only latency; under load the reader is never idle and batches still form).
    if (producer_->queued() != sent_at_idle) {
      sent_at_idle = producer_->queued();
      producer_->flush(kIdleFlushMs);
    } else {
      producer_->poll(0);
    }
    if (!retired.empty() && producer_->in_flight() == 0) {
      free_srcs.insert(free_srcs.end(), retired.begin(), retired.end());
      retired.clear();
    }
    if (cfg_.parser.multiline.enabled()) {
      auto now = Clock::now();
      for (auto& [_, j] : joining)
        if (j.joiner.pending() && now - j.last >= std::chrono::milliseconds(cfg_.parser.multiline.flush_ms))
          send_pending(j);
    }
    sync();
    return !go_on || timer.poll(st, *producer_);
  };
  std::string_view line;
  while (!timer.stopped && go_on) {
    wait_turn();
    FileSet::File* f = timer.stopped ? nullptr : files.next(line, idle);
    if (!f) break;
    const FollowReader& r = *f->reader;
    if (r.fingerprint() != f->fingerprint) {
      // Its first line, or a new file under the name (rotated, truncated): a source of its own,
      // with its own line numbers and resume position. Known only now: a file is often created
      // empty and written a moment later, and its identity is its first bytes.
      uint32_t src = take_src(f->path);
      f->skip = checkpoint_ ? checkpoint_->begin_file(src, f->path) : 0;
      end_joining(*f);  // the last event of the file before
      retire(*f);  // the file before (after begin_file: the checkpoint keeps the path's entry)
      f->src = src;
      f->base = r.line_no() - 1;
      f->fingerprint = r.fingerprint();
    }
    const uint64_t line_no = r.line_no() - f->base;
    if (line_no <= f->skip) {  // acknowledged in an earlier run (--resume)
      ++st.resumed;
      continue;
    }
    auto it = joining.find(f);
    if (it == joining.end())
      it = joining.emplace(f, Joining{MultilineJoiner(cfg_.parser.multiline), {}, f->src, f->fingerprint}).first;
    Joining& j = it->second;
    j.last = Clock::now();
    if (j.joiner.push(strip_line_end(line), line_no, r.truncated(), r.line_offset(), r.read_ms())) {
      if (!(go_on = handle_event(j.joiner.event(), j.src, j.fingerprint, st))) break;
      ++n;
    }
    if (timer.due()) {
      sync();
      if (timer.poll(st, *producer_)) break;
    }
  }
  // Stopped or at the end: the events being joined are sent too (their lines were read).
  if (st.stopped_reason.empty())
    for (auto& [_, j] : joining) send_pending(j);
  sync();
  return go_on && !timer.stopped;
}

// Two stages on two threads: the parse thread reads, parses and encodes into batches; the
// caller's thread produces them. A bounded queue (two batches) keeps memory flat, as does
// librdkafka's own queue limit for the batches it still holds. Returns false to stop.
bool ProducePipeline::produce_file_batched(const std::string& path, uint32_t src, uint64_t skip, ProduceStats& st,
                                           HookTimer& timer, const std::function<void()>& wait_turn, uint64_t& n) {
  std::mutex mu;
  std::condition_variable cv;
  std::deque<Batch*> queue;
  bool done = false;
  std::atomic<bool> cancel{false};
  uint64_t resumed = 0;  // the parser thread's count, read after it is joined
  std::string fingerprint;  // the file's, for event ids; set before the first batch is queued
  std::thread parser([&]() {
    ParseStage stage(cfg_.parser, cfg_.encoder);
    Batch* b = pool_->take(cancel);
    if (!b) return;
    auto push = [&]() {
      std::unique_lock<std::mutex> lk(mu);
      cv.wait(lk, [&] { return queue.size() < 2 || cancel; });
      if (cancel) {
        pool_->put_back(b);
        return false;
      }
      queue.push_back(b);
      cv.notify_all();
      return true;
    };
    // Hands the batch to the producing thread and takes a fresh one; false once cancelled.
    auto hand_over = [&]() {
      if (!push()) {
        b = nullptr;
        return false;
      }
      b = pool_->take(cancel);  // waits while every batch awaits Kafka's acknowledgement
      return b != nullptr;
    };
    try {
      LineReaderConfig rcfg;
      rcfg.encoding = cfg_.parser.encoding;
      rcfg.stop = [&] { return cancel.load(); };  // also while waiting for input (FIFO, stdin, endless line)
      // A pipe or FIFO that pauses: send what was read instead of holding it for 4096 more lines.
      rcfg.idle = [&] {
        if (b && !b->items.empty()) {
          b->input_paused = true;
          hand_over();
        }
      };
      LineReader reader(path, rcfg);
      fingerprint = reader.fingerprint();  // outlives the reader: batches are produced after it ends
      MultilineJoiner joiner(cfg_.parser.multiline);
      std::string_view line;
      bool more = true;
      while (more) {
        more = reader.next(line);
        if (!b) return;  // cancelled while idle
        if (more && reader.line_no() <= skip) {  // acknowledged in an earlier run (--resume)
          ++resumed;
          continue;
        }
        // The event a line completes; at the end, the last one.
        if (more ? !joiner.push(strip_line_end(line), reader.line_no(), reader.truncated(), reader.line_offset(), reader.read_ms()) : !joiner.flush()) continue;
        Prepared p;
        prepare(stage, joiner.event(), src, fingerprint, p);
        std::string reason = this->reason(stage, p);
        auto put = [&](std::string_view v) {
          b->arena.append(v);
          return v.size();
        };
        std::array<size_t, 8> off{};
        off[0] = b->arena.size(), off[1] = put(p.doc);
        off[2] = b->arena.size(), off[3] = put(p.key);
        off[4] = b->arena.size(), off[5] = p.status == ParseStatus::Failed ? put(p.raw) : 0;
        off[6] = b->arena.size(), off[7] = put(reason);
        b->items.push_back({p, off, {}});
        // A cut line at once: the rest of it may take long to skip (an endless line).
        if ((b->items.size() >= 4096 || b->arena.size() >= (4u << 20) || p.cut) && !hand_over()) return;
      }
    } catch (const std::exception& e) {
      if (!b) return;
      b->error = e.what();
    }
    if (!b || !push()) return;
    std::lock_guard<std::mutex> lk(mu);
    done = true;
    cv.notify_all();
  });
  // Whatever happens here (a fatal producer error throws), stop and join the parser.
  struct Joiner {
    std::mutex& mu;
    std::condition_variable& cv;
    std::atomic<bool>& cancel;
    std::thread& t;
    ~Joiner() {
      {
        std::lock_guard<std::mutex> lk(mu);
        cancel = true;
        cv.notify_all();
      }
      if (t.joinable()) t.join();
    }
  } joiner{mu, cv, cancel, parser};
  std::string error;
  bool go_on = true;
  while (go_on) {
    Batch* b = nullptr;
    {
      std::unique_lock<std::mutex> lk(mu);
      // Serve delivery reports while waiting: they give the parse thread its batches back.
      // Look for a stop too: the parse thread may wait for input that never comes.
      bool stop_now = false;
      while (!cv.wait_for(lk, std::chrono::milliseconds(5), [&] { return !queue.empty() || done; })) {
        lk.unlock();
        producer_->poll(0);
        stop_now = timer.due() && timer.poll(st, *producer_);
        lk.lock();
        if (stop_now) break;
      }
      if (stop_now || queue.empty()) break;
      b = queue.front();
      queue.pop_front();
      cv.notify_all();
    }
    b->retain();  // until every item is produced
    for (auto& item : b->items) {
      wait_turn();
      if (timer.stopped) {
        go_on = false;
        break;
      }
      Prepared& p = item.p;
      const auto& off = item.off;
      const char* a = b->arena.data();
      p.doc = std::string_view(a + off[0], off[1]);
      p.key = std::string_view(a + off[2], off[3]);
      if (p.status == ParseStatus::Failed) p.raw = std::string_view(a + off[4], off[5]);
      item.ref.owner = b;
      if (!deliver(p, std::string_view(a + off[6], off[7]), st, &item.ref)) {
        go_on = false;
        break;
      }
      ++n;
      if ((n & 0xff) == 0 && timer.due() && timer.poll(st, *producer_)) {
        go_on = false;
        break;
      }
    }
    if (!b->error.empty()) {
      error = b->error;
      go_on = false;
    }
    // The input paused: nothing more is coming for now, so what waits for linger.ms goes out.
    if (go_on && b->input_paused) producer_->flush(kIdleFlushMs);
    b->release();
  }
  {
    std::lock_guard<std::mutex> lk(mu);
    cancel = true;
    cv.notify_all();
  }
  parser.join();
  st.resumed += resumed;
  // Batches the parser queued but nobody produced go back to the pool.
  for (Batch* b : queue) pool_->put_back(b);
  if (!error.empty()) {  // unreadable or damaged input ends the run; what came before is flushed
    st.input_error = error;
    return false;
  }
  return !timer.stopped && st.stopped_reason.empty();
}

ProduceStats ProducePipeline::produce_lines(const std::vector<std::string>& lines, const ProduceHooks& hooks) {
  ProduceStats st;
  DeliveryCounts before = producer_->counts();
  double started = std::chrono::duration<double>(Clock::now().time_since_epoch()).count();
  if (producer_->sources().empty() || producer_->sources().back() != "<lines>") producer_->sources().push_back("<lines>");
  uint32_t src = static_cast<uint32_t>(producer_->sources().size() - 1);
  live_ = true;  // lines handed over now: a live source
  ids_ = false;
  HookTimer timer{hooks};
  // Lines handed over in one call are joined among themselves (the last event ends with the call).
  MultilineJoiner joiner(cfg_.parser.multiline);
  bool go_on = true;
  const int64_t now_ms = wall_ms();  // handed over at once: read now; no file, no event id
  for (const auto& l : lines) {
    if (joiner.push(strip_line_end(l), ++lines_fed_, false, 0, now_ms) && !(go_on = handle_event(joiner.event(), src, {}, st)))
      break;
    if ((lines_fed_ & 0xff) == 0 && timer.due() && timer.poll(st, *producer_)) break;
  }
  if (go_on && joiner.flush()) handle_event(joiner.event(), src, {}, st);
  st.interrupted = timer.stopped;
  return finish(std::move(st), before, started);
}

int ProducePipeline::flush(int timeout_ms) { return producer_->flush(timeout_ms); }

}  // namespace ki
