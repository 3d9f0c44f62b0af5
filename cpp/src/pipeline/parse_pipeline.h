// The parse stage as a unit: lines in -> (document | failure) out, with stats. Sources and
// sinks (files, Kafka, Elasticsearch) wrap around it.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "encode/access_columns.h"
#include "encode/columns.h"
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
  uint64_t renamed_fields = 0;  // line fields that collided with ours, kept under kafkainsight.renamed.<name>
  uint64_t not_utf8 = 0;  // lines (events) with bytes that are not UTF-8: U+FFFD in their documents
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
  ParseStage(ParserConfig pcfg, EncoderConfig ecfg);
  // Returns Ok with doc() filled, Empty, or Failed with reason(). `lines`: how many input lines
  // the text is (a multi-line event: they are joined with '\n').
  ParseStatus process(std::string_view line, bool truncated = false, uint32_t lines = 1);
  // The input the next lines come from (Parser::set_source: a W3C log's #Fields: is its own).
  void set_source(uint32_t source) { parser_.set_source(source); }
  const std::string& doc() const { return doc_; }
  const Record& record() const { return rec_; }
  std::string reason() const;
  ParseStats& stats() { return stats_; }
  const ParseStats& stats() const { return stats_; }
  // Documents become rows of `cols` instead of doc() text (nullptr: JSON text, the default).
  // direct: plain combined access lines go straight into the columns (AccessColumns) when the
  // configuration lets them (ECS, no grok, no added fields, no event.original); false only to
  // compare the two ways in tests. record() is then not filled for them.
  void set_columns(ColumnTable* cols, bool direct = true);
  uint64_t direct_rows() const { return direct_ ? direct_->rows() : 0; }  // rows AccessColumns wrote

 private:
  Parser parser_;
  Encoder encoder_;
  Record rec_;
  std::string doc_;
  bool truncated_ = false;
  ParseStats stats_;
  ColumnTable* cols_ = nullptr;
  bool direct_ok_ = false;                 // the configuration allows AccessColumns
  std::unique_ptr<AccessColumns> direct_;  // set with columns when direct_ok_
};

// Reads files ("-" = stdin; plain or .gz) through a ParseStage. on_doc / on_fail receive each
// outcome; `stop` is polled about every 50 ms, also while waiting for input (Ctrl-C from
// Python), and ends the run. Unreadable or damaged input ends the run too, with
// ParseStats::error; the lines before it are handed out first.
struct ParseFilesCallbacks {
  std::function<void(const ParseStage&, const std::string& source, uint64_t line_no)> on_doc;
  std::function<void(FailedLine&&)> on_fail;
  std::function<bool()> stop;
  // After each path: its index and the lines read from it.
  std::function<void(size_t index, uint64_t lines)> on_file_end;
};
ParseStats parse_files(const std::vector<std::string>& paths, const ParserConfig& pcfg,
                       const EncoderConfig& ecfg, const ParseFilesCallbacks& cb);

class LineReader;

// parse_files in steps: run() stops after max_docs documents and the next run() goes on from
// there (streaming a file larger than memory batch by batch).
class ParseFilesRun {
 public:
  ParseFilesRun(std::vector<std::string> paths, const ParserConfig& pcfg, const EncoderConfig& ecfg,
                ParseFilesCallbacks cb);
  ~ParseFilesRun();
  // False once the input is done (its end, a stop or an error: see stats()).
  bool run(uint64_t max_docs = UINT64_MAX);
  ParseStage& stage() { return stage_; }
  // Read only bytes [first, second) of paths[i] (a FilePart; set before run()).
  void set_ranges(std::vector<std::pair<uint64_t, uint64_t>> ranges) { ranges_ = std::move(ranges); }
  ParseStats stats() const;
  // Uncompressed bytes consumed in the current file, and its index.
  uint64_t file_bytes() const;
  size_t file_index() const { return idx_; }

 private:
  std::vector<std::string> paths_;
  std::vector<std::pair<uint64_t, uint64_t>> ranges_;
  ParseStage stage_;
  ParseFilesCallbacks cb_;
  std::unique_ptr<LineReader> reader_;
  std::unique_ptr<MultilineJoiner> joiner_;  // kept across run() calls: an event may span a batch end
  std::string encoding_;                     // of the files (source/charset.h)
  void handle(const std::string& path, const MultilineEvent& ev, uint64_t& docs);
  size_t idx_ = 0;
  bool done_ = false, stopped_ = false;
  std::string error_;
  double seconds_ = 0;
};

}  // namespace ki
