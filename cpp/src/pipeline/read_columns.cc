#include "pipeline/read_columns.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <exception>
#include <mutex>
#include <thread>
#include <utility>

#include "source/charset.h"
#include "source/line_reader.h"

namespace ki {

namespace {

// One thread's share of the input and what it made of it.
struct Part {
  std::vector<FilePart> files;
  ColumnsResult res;
  std::vector<ColumnsReader::FileEnd> ends;  // per FilePart read
};

void read_part(const std::vector<std::string>& paths, const ParserConfig& pcfg, const EncoderConfig& ecfg,
               uint64_t expect, std::function<bool()> stop, Part& p) {
  std::vector<std::string> names;
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (const FilePart& f : p.files) {
    names.push_back(paths[f.file]);
    ranges.emplace_back(f.start, f.end);
  }
  ColumnsReader reader(std::move(names), pcfg, ecfg, std::move(stop), std::move(ranges));
  reader.next(p.res, UINT64_MAX, expect);
  p.ends = reader.file_ends();
}

void add_stats(ParseStats& a, const ParseStats& b) {
  a.lines += b.lines;
  a.parsed += b.parsed;
  a.failed += b.failed;
  a.empty += b.empty;
  a.joined += b.joined;
  a.bytes += b.bytes;
  a.doc_bytes += b.doc_bytes;
  a.renamed_fields += b.renamed_fields;
  a.not_utf8 += b.not_utf8;
  for (size_t i = 0; i < a.by_format.size(); ++i) a.by_format[i] += b.by_format[i];
  a.interrupted = a.interrupted || b.interrupted;
  if (a.error.empty()) a.error = b.error;
}

}  // namespace

ColumnsReader::ColumnsReader(std::vector<std::string> paths, const ParserConfig& pcfg, const EncoderConfig& ecfg,
                             std::function<bool()> stop, std::vector<std::pair<uint64_t, uint64_t>> ranges)
    : run_(std::move(paths), pcfg, ecfg, [&] {
        ParseFilesCallbacks cb;
        cb.on_doc = [this](const ParseStage&, const std::string& source, uint64_t line_no) {
          into_->add_doc(source, line_no);
        };
        cb.on_fail = [this](FailedLine&& f) { into_->failures.push_back(std::move(f)); };
        cb.on_file_end = [this](size_t, uint64_t lines) {
          ends_.push_back({lines, into_->line_nos.size(), into_->failures.size()});
        };
        cb.stop = std::move(stop);
        return cb;
      }()) {
  run_.set_ranges(std::move(ranges));
}

bool ColumnsReader::next(ColumnsResult& into, uint64_t max_docs, uint64_t expect) {
  into_ = &into;
  // Sized once for the rows to come (the file sizes tell): no regrowing copies. The guess comes
  // from the first 64 KiB; one row past it would copy every buffer into one twice its size (the
  // copies were a fifth of the page faults), while room never written costs no memory.
  into.table->expect_rows = static_cast<size_t>(std::min(max_docs, expect + expect / 8 + 64));
  into.line_nos.reserve(into.table->expect_rows);
  into.source_ids.reserve(into.table->expect_rows);
  run_.stage().set_columns(into.table.get());
  const bool more = run_.run(max_docs);
  run_.stage().set_columns(nullptr);
  into.table->finish();
  into.stats = run_.stats();
  into_ = nullptr;
  return more;
}

ColumnsPrefetch::ColumnsPrefetch(std::vector<std::string> paths, const ParserConfig& pcfg, const EncoderConfig& ecfg,
                                 uint64_t max_docs, uint64_t expect)
    : reader_(std::move(paths), pcfg, ecfg, [this] { return stop_.load(std::memory_order_relaxed); }),
      max_docs_(max_docs),
      expect_(expect),
      thread_([this] { run(); }) {}

ColumnsPrefetch::~ColumnsPrefetch() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  thread_.join();
}

void ColumnsPrefetch::run() {
  bool more = true;
  while (more && !stop_) {
    auto res = std::make_shared<ColumnsResult>();
    std::exception_ptr err;
    try {
      more = reader_.next(*res, max_docs_, expect_);
    } catch (...) {
      err = std::current_exception();
      more = false;
    }
    const auto progress = reader_.progress();
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return !ready_ || stop_; });  // one batch ahead at most
    if (stop_) break;
    ready_ = std::move(res);
    ready_more_ = more;
    ready_progress_ = progress;
    error_ = err;
    cv_.notify_all();
  }
  std::lock_guard<std::mutex> lock(mu_);
  finished_ = true;
  cv_.notify_all();
}

ColumnsPrefetch::Got ColumnsPrefetch::take(std::shared_ptr<ColumnsResult>& into, std::chrono::milliseconds wait) {
  std::unique_lock<std::mutex> lock(mu_);
  if (!cv_.wait_for(lock, wait, [&] { return ready_ || finished_ || error_; })) return Got::NotYet;
  if (error_) {  // the batch it broke off is dropped; the input is done (Done from here on)
    ready_.reset();
    std::rethrow_exception(std::exchange(error_, nullptr));
  }
  if (!ready_) return Got::Done;
  into = std::move(ready_);
  ready_.reset();
  last_ = !ready_more_;
  progress_ = ready_progress_;
  cv_.notify_all();  // the thread may read the next one
  return Got::Batch;
}

ColumnsResult read_columns(const std::vector<std::string>& paths, const ParserConfig& pcfg,
                           const EncoderConfig& ecfg, const ReadColumnsConfig& cfg) {
  const auto t0 = std::chrono::steady_clock::now();
  const uint64_t expect = estimate_lines(paths);
  std::vector<std::vector<FilePart>> split;
  if (cfg.threads > 1) split = split_files(paths, cfg.threads, cfg.min_part_bytes,
                                             pcfg.multiline.enabled() || is_utf16(pcfg.encoding));
  uint64_t total = 0;
  for (const auto& run : split)
    for (const FilePart& f : run) total += f.end - f.start;
  if (split.empty()) {  // one thread, the files as they are (stdin, gzip, FIFOs too)
    split.emplace_back();
    for (size_t i = 0; i < paths.size(); ++i) split.back().push_back({i, 0, UINT64_MAX});
  }
  std::vector<Part> parts(split.size());
  for (size_t k = 0; k < split.size(); ++k) parts[k].files = std::move(split[k]);

  // Parts 1.. on threads of their own, watching `stopping`; part 0 on this thread, the only one
  // that may call cfg.stop.
  std::atomic<bool> stopping{false};
  std::mutex mu;
  std::condition_variable cv;
  size_t running = parts.size() - 1;
  std::vector<std::exception_ptr> errors(parts.size());
  std::vector<std::thread> threads;
  for (size_t k = 1; k < parts.size(); ++k) {
    uint64_t bytes = 0;
    for (const FilePart& f : parts[k].files) bytes += f.end - f.start;
    const uint64_t part_expect = total ? expect * bytes / total + 1 : 0;
    threads.emplace_back([&, k, part_expect] {
      try {
        read_part(paths, pcfg, ecfg, part_expect, [&stopping] { return stopping.load(); }, parts[k]);
      } catch (...) {
        errors[k] = std::current_exception();
        stopping = true;
      }
      std::lock_guard<std::mutex> lock(mu);
      --running;
      cv.notify_all();
    });
  }
  auto stop = [&] {
    if (!stopping && cfg.stop && cfg.stop()) stopping = true;
    return stopping.load();
  };
  try {
    // Part 0's table is the one the others join: sized for every row.
    read_part(paths, pcfg, ecfg, expect, stop, parts[0]);
  } catch (...) {
    errors[0] = std::current_exception();
    stopping = true;
  }
  {
    std::unique_lock<std::mutex> lock(mu);
    while (running > 0)
      if (!cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return running == 0; })) {
        lock.unlock();
        stop();
        lock.lock();
      }
  }
  for (auto& t : threads) t.join();
  for (auto& e : errors)
    if (e) std::rethrow_exception(e);

  // Line numbers count from each part's start: add the lines of the parts of that file before it.
  std::vector<uint64_t> file_lines(paths.size(), 0);
  for (Part& p : parts) {
    size_t row = 0, fail = 0;
    for (size_t j = 0; j < p.ends.size(); ++j) {
      const uint64_t before = file_lines[p.files[j].file];
      file_lines[p.files[j].file] += p.ends[j].lines;
      for (; row < p.ends[j].rows; ++row) p.res.line_nos[row] += before;
      for (; fail < p.ends[j].failures; ++fail) p.res.failures[fail].line_no += before;
    }
  }

  // Parts of one schema (the usual case: one format) stay as they are, to be exported as
  // chunks; otherwise the later ones are copied after the first.
  ColumnTable& first = *parts[0].res.table;
  bool chunks = first.rows > 0;
  std::vector<std::vector<Column*>> same(first.cols.size());  // per column of the first: the later parts'
  std::vector<std::pair<int, int>> pairs;
  for (size_t k = 1; k < parts.size() && chunks; ++k) {
    ColumnTable& t = *parts[k].res.table;
    if (t.rows == 0) continue;
    chunks = same_schema(first, t, pairs);
    for (auto [a, b] : pairs) same[static_cast<size_t>(a)].push_back(&t.cols[static_cast<size_t>(b)]);
  }
  for (size_t c = 0; c < first.cols.size() && chunks; ++c)
    if (first.cols[c].type == ColType::Dict) chunks = first.cols[c].share_dictionary(same[c]);
  ColumnsResult out = std::move(parts[0].res);
  for (size_t k = 1; k < parts.size(); ++k) {
    ColumnsResult& r = parts[k].res;
    if (!chunks)
      append_table(*out.table, std::move(*r.table), cfg.threads);
    else if (r.table->rows > 0)
      out.more.push_back(std::move(r.table));
    std::vector<uint32_t> ids(r.sources.size());
    for (size_t s = 0; s < r.sources.size(); ++s) {
      if (s > 0 || out.sources.empty() || out.sources.back() != r.sources[s]) out.sources.push_back(r.sources[s]);
      ids[s] = static_cast<uint32_t>(out.sources.size() - 1);
    }
    out.line_nos.insert(out.line_nos.end(), r.line_nos.begin(), r.line_nos.end());
    for (uint32_t id : r.source_ids) out.source_ids.push_back(ids[id]);
    for (FailedLine& f : r.failures) out.failures.push_back(std::move(f));
    add_stats(out.stats, r.stats);
    r = ColumnsResult{};
  }
  out.stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return out;
}

}  // namespace ki
