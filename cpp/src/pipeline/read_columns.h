// Files into typed columns (read_logs): the documents as rows with the file and line each came
// from, the lines that failed, the counts. With threads > 1 the files are cut into parts at line
// starts, parsed at once and put in input order: the same rows one thread would give (parts of
// one schema stay apart as chunks; others are joined into one table).
#pragma once
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "encode/columns.h"
#include "pipeline/parse_pipeline.h"

namespace ki {

struct ColumnsResult {
  std::shared_ptr<ColumnTable> table = std::make_shared<ColumnTable>();
  // The rows after table's, as parts of the same schema (threads: each part as its thread built
  // it, dictionaries shared; exported as further Arrow batches, so nothing is copied to join).
  std::vector<std::shared_ptr<ColumnTable>> more;
  std::vector<uint64_t> line_nos;    // per row: its (first) line in its file
  std::vector<uint32_t> source_ids;  // per row: index into sources
  std::vector<std::string> sources;  // runs of one path
  std::vector<FailedLine> failures;
  ParseStats stats;

  size_t rows() const {
    size_t n = table->rows;
    for (const auto& t : more) n += t->rows;
    return n;
  }
  std::vector<const ColumnTable*> parts() const {
    std::vector<const ColumnTable*> out{table.get()};
    for (const auto& t : more) out.push_back(t.get());
    return out;
  }

  void add_doc(const std::string& source, uint64_t line_no) {
    if (sources.empty() || sources.back() != source) sources.push_back(source);
    line_nos.push_back(line_no);
    source_ids.push_back(static_cast<uint32_t>(sources.size() - 1));
  }
};

// Files into columns batch by batch: parse_files with a ColumnsResult as the sink (iter_batches
// reads with one; read_columns gives each thread one over its part).
class ColumnsReader {
 public:
  // ranges: per path, the bytes [first, second) to read (a FilePart); empty: whole files.
  ColumnsReader(std::vector<std::string> paths, const ParserConfig& pcfg, const EncoderConfig& ecfg,
                std::function<bool()> stop, std::vector<std::pair<uint64_t, uint64_t>> ranges = {});
  // Up to max_docs more documents into `into` (its table sized for `expect` rows, then finished;
  // stats: the totals so far). False once the input is done (its end, a stop or an error).
  bool next(ColumnsResult& into, uint64_t max_docs, uint64_t expect);
  // Per path read to its end: the lines it held, and the rows / failures `into` had after it.
  struct FileEnd {
    uint64_t lines = 0;
    size_t rows = 0, failures = 0;
  };
  const std::vector<FileEnd>& file_ends() const { return ends_; }
  std::pair<size_t, uint64_t> progress() const { return {run_.file_index(), run_.file_bytes()}; }

 private:
  ColumnsResult* into_ = nullptr;
  std::vector<FileEnd> ends_;
  ParseFilesRun run_;
};

// A ColumnsReader on a thread of its own, one batch ahead (iter_batches): the next batch is read
// while the caller works on the one it took. Memory: the batch taken and the one being read.
// The thread never calls back into the caller (a Python caller may hold its GIL meanwhile).
class ColumnsPrefetch {
 public:
  ColumnsPrefetch(std::vector<std::string> paths, const ParserConfig& pcfg, const EncoderConfig& ecfg,
                  uint64_t max_docs, uint64_t expect);
  ~ColumnsPrefetch();  // stops the thread (the reader polls about every 50 ms) and joins it
  ColumnsPrefetch(const ColumnsPrefetch&) = delete;
  ColumnsPrefetch& operator=(const ColumnsPrefetch&) = delete;

  enum class Got { Batch, Done, NotYet };
  // Waits up to `wait` for the next batch. Batch: `into` holds it (stats: the totals so far), and
  // last() says whether it was the input's last. Done: nothing more. NotYet: ask again (a caller
  // checks for Ctrl-C between waits). The reader's exception, if any, is rethrown here.
  Got take(std::shared_ptr<ColumnsResult>& into, std::chrono::milliseconds wait);
  bool last() const { return last_; }
  // (file index, bytes read in it) when the batch last taken was done.
  std::pair<size_t, uint64_t> progress() const { return progress_; }

 private:
  void run();
  ColumnsReader reader_;
  const uint64_t max_docs_, expect_;
  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::condition_variable cv_;
  // The batch read ahead (guarded by mu_), with what the reader said when it was done.
  std::shared_ptr<ColumnsResult> ready_;
  bool ready_more_ = true, finished_ = false;
  std::pair<size_t, uint64_t> ready_progress_{0, 0};
  std::exception_ptr error_;
  // The caller's side.
  bool last_ = false;
  std::pair<size_t, uint64_t> progress_{0, 0};
  std::thread thread_;  // last: started once the members above exist
};

struct ReadColumnsConfig {
  unsigned threads = 1;
  // A part gets at least this much input: below it a thread costs more than it saves.
  uint64_t min_part_bytes = 4u << 20;
  // Polled about every 50 ms from the calling thread only (it may be Python's signal check).
  std::function<bool()> stop;
};

// Threads are used for regular files only: a plain file is cut at line starts; with gzip files or
// multi-line joining, each thread reads whole files (several files are needed). Stdin, FIFOs:
// one thread reads everything.
ColumnsResult read_columns(const std::vector<std::string>& paths, const ParserConfig& pcfg,
                           const EncoderConfig& ecfg, const ReadColumnsConfig& cfg);

}  // namespace ki
