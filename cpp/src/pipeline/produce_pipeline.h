// Source -> parse -> encode -> Kafka. One message per log line: the document to the topic,
// a line that does not parse to the dead-letter topic (raw line + reason in headers), or
// skipped / stopped on, as configured. Every line read ends up in exactly one counter.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kafka/producer.h"
#include "pipeline/parse_pipeline.h"
#include "source/follow_reader.h"

namespace ki {

class Checkpoint;  // pipeline/checkpoint.h (--resume)

enum class OnParseError : uint8_t { DeadLetter, Skip, Fail };

enum class HeaderMode { None, Time, All };
std::optional<HeaderMode> header_mode_from_name(std::string_view name);  // none | ts | all

// Which lines carry an event id (header ki.id): lines of followed files (default), of every
// regular file, or none. Stdin, pipes and lines handed over never do (no file identity).
enum class EventIds { None, Follow, Files };
std::optional<EventIds> event_ids_from_name(std::string_view name);  // none | follow | files
const char* event_ids_name(EventIds e);

struct ProduceConfig {
  ProducerConfig producer;
  std::string topic = "data_log";
  std::string dlq_topic;  // empty: <topic>.dlq
  ParserConfig parser;
  EncoderConfig encoder;
  std::string key_field;  // ECS field whose value keys each message ("" = no key)
  OnParseError on_parse_error = OnParseError::DeadLetter;
  double rate = 0;        // lines per second, 0 = as fast as possible
  bool follow = false;
  FollowConfig follow_cfg;
  // Following patterns (source/file_set.h): look for new matching files this often (inotify
  // sees most at once), and follow at most this many files at a time.
  int rescan_ms = 10000;
  int max_open_files = 1024;
  int flush_timeout_ms = 60000;
  // Time (default): ki.ts, when the line was read, on lines from live sources (--follow, stdin,
  // lines handed over), for end-to-end latency; none on whole files. All: also ki.source,
  // ki.line, ki.format on every message. None: no headers at all (no ki.id either). Opt-in, as in rsyslog, Vector or Filebeat: librdkafka 2.0.2
  // allocates and frees each header per message, so the three cost ~25 % of the producer's CPU
  // (docs/BENCHMARKS_PROFILE.md).
  HeaderMode headers = HeaderMode::Time;
  // ki.id, the line's event id (file fingerprint + byte offset, source/event_id.h): the
  // consumer's _id, so a producer killed and run again on the same file writes each line once.
  // Off for whole files by default: one more header costs producer CPU (see above), and --resume
  // already bounds what a re-run sends again.
  EventIds event_ids = EventIds::Follow;
};

struct ProduceStats {
  uint64_t read = 0;           // lines read
  uint64_t produced = 0;       // documents acknowledged by Kafka
  uint64_t dead_lettered = 0;  // bad lines acknowledged on the DLQ topic
  uint64_t skipped = 0;        // bad lines counted and dropped (--on-parse-error skip)
  uint64_t empty = 0;          // blank lines
  uint64_t joined = 0;         // lines joined to the event before them (multi-line events): no message of their own
  uint64_t failed_delivery = 0;  // not acknowledged: the exit code is non-zero
  uint64_t parse_errors = 0;     // lines that did not parse (dead-lettered, skipped or stopped on)
  uint64_t bytes = 0;
  uint64_t renamed_fields = 0;   // line fields that collided with ours, sent under kafkainsight.renamed.<name>
  uint64_t not_utf8 = 0;         // lines (events) with bytes that are not UTF-8: sent with U+FFFD
  double seconds = 0;
  bool interrupted = false;
  std::string stopped_reason;  // --on-parse-error fail: which line, why
  // Input that could not be read to its end (missing, I/O error, damaged gzip: names the file and
  // the byte offset). The run ended there; the lines before it were sent and flushed.
  std::string input_error;
  std::vector<std::string> errors;  // first delivery errors / parse errors with their line
  std::array<uint64_t, kFormatCount> by_format{};
  uint64_t rotations = 0, truncations = 0;
  uint64_t files_opened = 0, files_closed = 0, files_followed = 0;  // following: followed = open now
  uint64_t resumed = 0;  // lines not read again: acknowledged in an earlier run (--resume)
  // read == produced + dead_lettered + skipped + empty + joined + failed_delivery (+ the event stopped on)
  bool balanced() const {
    return read == produced + dead_lettered + skipped + empty + joined + failed_delivery + stopped_lines;
  }
  uint64_t stopped_lines = 0;  // lines of the event --on-parse-error fail stopped on
};

// Where a line came from: its event id's parts and its read time (LineReader / FollowReader).
struct LineOrigin {
  std::string_view fingerprint;  // empty: no event id (stdin, a pipe, lines handed over)
  uint64_t offset = 0;
  int64_t read_ms = 0;
};

struct ProduceHooks {
  std::function<bool()> stop;  // polled ~every 100 ms, also while waiting for input; true ends reading (in-flight is flushed)
  std::function<void(const ProduceStats&, uint64_t queued)> progress;  // ~every 200 ms
};

class ProducePipeline {
 public:
  // Connects and checks the topic (and the DLQ topic) within the connect timeout; throws KafkaError.
  explicit ProducePipeline(ProduceConfig cfg);
  ~ProducePipeline();

  // Reads each path ("-" = stdin, plain or .gz) to the end (or until stopped), flushes, and
  // returns the stats of this call. A path with glob characters is a pattern (source/file_set.h);
  // with follow, every file named or matched is followed at once, new matches as they appear.
  ProduceStats produce_files(const std::vector<std::string>& paths, const ProduceHooks& hooks);
  // Produces lines handed over by the caller (line numbers continue across calls), flushes.
  ProduceStats produce_lines(const std::vector<std::string>& lines, const ProduceHooks& hooks);
  // Waits for in-flight messages; returns how many are still unacknowledged.
  int flush(int timeout_ms);
  const ProduceConfig& config() const { return cfg_; }
  // --resume: skip what an earlier run got acknowledged; record what this one does.
  void set_checkpoint(const std::string& path);
  int partitions() const { return partitions_; }

 private:
  struct Prepared;
  struct Batch;
  class BatchPool;
  struct HookTimer;
  // fingerprint: of the event's file (its event id with ev.offset); empty: no event id.
  void prepare(ParseStage& stage, const MultilineEvent& ev, uint32_t src, std::string_view fingerprint, Prepared& p);
  std::string reason(const ParseStage& stage, const Prepared& p) const;
  // ref: produce from memory that outlives delivery (a batch), else copy.
  bool deliver(const Prepared& p, std::string_view reason, ProduceStats& st, MessageRef* ref = nullptr);
  bool produce_file_batched(const std::string& path, uint32_t src, uint64_t skip, ProduceStats& st, HookTimer& timer,
                            const std::function<void()>& wait_turn, uint64_t& n);
  bool handle_event(const MultilineEvent& ev, uint32_t src, std::string_view fingerprint, ProduceStats& st);
  bool follow_files(const std::vector<std::string>& args, ProduceStats& st, HookTimer& timer,
                    const std::function<void()>& wait_turn, uint64_t& n);
  ProduceStats finish(ProduceStats st, const DeliveryCounts& before, double started);

  ProduceConfig cfg_;
  std::unique_ptr<BatchPool> pool_;  // before producer_: librdkafka may point into batches until it is destroyed
  std::unique_ptr<KafkaProducer> producer_;
  ParseStage stage_;
  int partitions_ = 0;
  uint64_t lines_fed_ = 0;
  bool live_ = false;  // a live source (--follow, stdin, produce_lines): ki.ts carries the read time
  bool ids_ = false;   // this source's lines carry ki.id (event_ids, headers)
  std::unique_ptr<Checkpoint> checkpoint_;
};

}  // namespace ki
