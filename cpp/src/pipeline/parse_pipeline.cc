#include "pipeline/parse_pipeline.h"

#include <chrono>
#include <tuple>

#include <simdjson.h>

#include "parse/scan.h"
#include "source/line_reader.h"
#include "util/timefmt.h"

namespace ki {

ParseStage::ParseStage(ParserConfig pcfg, EncoderConfig ecfg)
    : parser_(pcfg),
      encoder_(ecfg),
      direct_ok_(ecfg.schema == Schema::Ecs && !ecfg.include_original && !pcfg.grok_set && pcfg.grok.patterns.empty() &&
                 pcfg.add_fields.empty() &&
                 (pcfg.format == Format::Unknown || pcfg.format == Format::ApacheCommon ||
                  pcfg.format == Format::ApacheCombined)) {}

void ParseStage::set_columns(ColumnTable* cols, bool direct) {
  cols_ = cols;
  if (cols && direct && direct_ok_) {
    if (!direct_) direct_ = std::make_unique<AccessColumns>();
  } else {
    direct_.reset();
  }
}

ParseStatus ParseStage::process(std::string_view line, bool truncated, uint32_t lines) {
  stats_.lines += lines;
  stats_.joined += lines - 1;
  stats_.bytes += line.size() + 1;
  // Counted, not refused: its other bytes become U+FFFD; the run's summary points to --encoding.
  auto count_not_utf8 = [&] {
    if (!scan::is_ascii(line.data(), line.size()) && !simdjson::validate_utf8(line.data(), line.size()))
      ++stats_.not_utf8;
  };
  doc_.clear();
  truncated_ = truncated;
  if (direct_ && !truncated && !parser_.layout_active() && direct_->add(line, *cols_)) {
    if (!direct_->last_ascii()) count_not_utf8();
    ++stats_.parsed;
    ++stats_.by_format[static_cast<int>(Format::ApacheCombined)];
    return ParseStatus::Ok;
  }
  count_not_utf8();
  ParseStatus st = parser_.parse(line, rec_);
  if (st == ParseStatus::Ok && truncated) st = ParseStatus::Failed;
  switch (st) {
    case ParseStatus::Ok:
      if (cols_) {
        ColumnWriter w(*cols_);
        encoder_.encode(rec_, w);
        ++stats_.parsed;
        ++stats_.by_format[static_cast<int>(rec_.format)];
        break;
      }
      encoder_.encode(rec_, doc_);
      ++stats_.parsed;
      ++stats_.by_format[static_cast<int>(rec_.format)];
      stats_.doc_bytes += doc_.size();
      break;
    case ParseStatus::Partial:  // a CRI P line: its text goes with the next line's document
    case ParseStatus::Empty: ++stats_.empty; break;
    case ParseStatus::Failed: ++stats_.failed; break;
  }
  stats_.renamed_fields = encoder_.renamed_fields();  // the encoder counts them as it merges
  return st;
}

std::string ParseStage::reason() const {
  if (truncated_) return "line longer than the reader's limit (max_line_bytes); cut";
  return parser_.error_message();
}

namespace {
ParserConfig with_grok(ParserConfig c) {
  compile_grok(c);  // once, shared with the stage's parser
  return c;
}
}  // namespace

ParseFilesRun::ParseFilesRun(std::vector<std::string> paths, const ParserConfig& pcfg,
                             const EncoderConfig& ecfg, ParseFilesCallbacks cb)
    : paths_(std::move(paths)),
      stage_(with_grok(pcfg), ecfg),
      cb_(std::move(cb)),
      joiner_(std::make_unique<MultilineJoiner>(pcfg.multiline)),
      encoding_(pcfg.encoding) {}

ParseFilesRun::~ParseFilesRun() = default;

// One event (a line, or lines joined): numbered by its first line.
void ParseFilesRun::handle(const std::string& path, const MultilineEvent& ev, uint64_t& docs) {
  stage_.set_source(static_cast<uint32_t>(idx_));
  ParseStatus st = stage_.process(ev.text, ev.truncated, ev.lines);
  if (st == ParseStatus::Ok) {
    ++docs;
    if (cb_.on_doc) cb_.on_doc(stage_, path, ev.first_line);
  } else if (st == ParseStatus::Failed && cb_.on_fail) {
    cb_.on_fail(FailedLine{path, ev.first_line, stage_.reason(), std::string(ev.text)});
  }
}

bool ParseFilesRun::run(uint64_t max_docs) {
  auto t0 = std::chrono::steady_clock::now();
  uint64_t docs = 0;
  while (!done_ && docs < max_docs) {
    if (idx_ >= paths_.size()) {
      done_ = true;
      break;
    }
    const std::string& path = paths_[idx_];
    try {
      if (!reader_) {
        LineReaderConfig rcfg;
        rcfg.stop = cb_.stop;
        rcfg.encoding = encoding_;
        if (idx_ < ranges_.size()) std::tie(rcfg.start, rcfg.end) = ranges_[idx_];
        reader_ = std::make_unique<LineReader>(path, rcfg);
      }
      std::string_view line;
      bool more = false;
      while (docs < max_docs && (more = reader_->next(line))) {
        if (joiner_->push(strip_line_end(line), reader_->line_no(), reader_->truncated()))
          handle(path, joiner_->event(), docs);
      }
      if (more) break;  // max_docs reached: this file goes on at the next run()
      stopped_ = reader_->stopped();
    } catch (const InputError& e) {
      error_ = e.what();
    }
    if (joiner_->flush()) handle(path, joiner_->event(), docs);  // the file's last event (also before damage)
    if (cb_.on_file_end) cb_.on_file_end(idx_, reader_ ? reader_->line_no() : 0);
    reader_.reset();
    ++idx_;
    if (stopped_ || !error_.empty()) done_ = true;
  }
  seconds_ += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return !done_;
}

uint64_t ParseFilesRun::file_bytes() const { return reader_ ? reader_->bytes_read() : 0; }

ParseStats ParseFilesRun::stats() const {
  ParseStats s = stage_.stats();
  s.interrupted = stopped_;
  s.error = error_;
  s.seconds = seconds_;
  return s;
}

ParseStats parse_files(const std::vector<std::string>& paths, const ParserConfig& pcfg,
                       const EncoderConfig& ecfg, const ParseFilesCallbacks& cb) {
  ParseFilesRun run(paths, pcfg, ecfg, cb);
  run.run();
  return run.stats();
}

}  // namespace ki
