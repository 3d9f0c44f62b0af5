// The parse stage as a unit: lines in -> (document | failure) out, with stats. Sources and
// sinks (files, Kafka, Elasticsearch) wrap around it.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "encode/encoder.h"
#include "parse/parser.h"

namespace ki {

struct ParseStats {
  uint64_t lines = 0;   // every line read (= parsed + failed + empty + joined)
  uint64_t parsed = 0;
  uint64_t failed = 0;
  uint64_t empty = 0;   // blank lines: counted, not documents
  uint64_t joined = 0;  // lines joined to the event before them (multi-line events)
  uint64_t bytes = 0;   // input bytes (uncompressed, with line ends)
  uint64_t doc_bytes = 0;
  std::array<uint64_t, kFormatCount> by_format{};
  double seconds = 0;
  bool interrupted = false;  // stopped (Ctrl-C / SIGTERM) before the end of the input
  std::string error;  // input that could not be read to its end (file, byte offset): the run ended there
};

struct FailedLine {
  std::string source;
  uint64_t line_no = 0;
  std::string reason;
  std::string raw;
};

// Parses and encodes one line at a time; owns its Parser, Encoder, Record and buffers.
class ParseStage {
 public:
  ParseStage(ParserConfig pcfg, EncoderConfig ecfg) : parser_(pcfg), encoder_(ecfg) {}
  // Returns Ok with doc() filled, Empty, or Failed with reason(). `lines`: how many input lines
  // the text is (a multi-line event: they are joined with '\n').
  ParseStatus process(std::string_view line, bool truncated = false, uint32_t lines = 1);
  const std::string& doc() const { return doc_; }
  const Record& record() const { return rec_; }
  std::string reason() const;
  ParseStats& stats() { return stats_; }

 private:
  Parser parser_;
  Encoder encoder_;
  Record rec_;
  std::string doc_;
  bool truncated_ = false;
  ParseStats stats_;
};

// Reads files ("-" = stdin; plain or .gz) through a ParseStage. on_doc / on_fail receive each
// outcome; `stop` is polled about every 50 ms, also while waiting for input (Ctrl-C from
// Python), and ends the run. Unreadable or damaged input ends the run too, with
// ParseStats::error; the lines before it are handed out first.
struct ParseFilesCallbacks {
  std::function<void(const ParseStage&, const std::string& source, uint64_t line_no)> on_doc;
  std::function<void(FailedLine&&)> on_fail;
  std::function<bool()> stop;
};
ParseStats parse_files(const std::vector<std::string>& paths, const ParserConfig& pcfg,
                       const EncoderConfig& ecfg, const ParseFilesCallbacks& cb);

}  // namespace ki
