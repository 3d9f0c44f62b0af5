#include "pipeline/parse_pipeline.h"

#include <chrono>

#include "source/line_reader.h"
#include "util/timefmt.h"

namespace ki {

ParseStatus ParseStage::process(std::string_view line, bool truncated, uint32_t lines) {
  stats_.lines += lines;
  stats_.joined += lines - 1;
  stats_.bytes += line.size() + 1;
  doc_.clear();
  truncated_ = truncated;
  ParseStatus st = parser_.parse(line, rec_);
  if (st == ParseStatus::Ok && truncated) st = ParseStatus::Failed;
  switch (st) {
    case ParseStatus::Ok:
      encoder_.encode(rec_, doc_);
      ++stats_.parsed;
      ++stats_.by_format[static_cast<int>(rec_.format)];
      stats_.doc_bytes += doc_.size();
      break;
    case ParseStatus::Partial:  // a CRI P line: its text goes with the next line's document
    case ParseStatus::Empty: ++stats_.empty; break;
    case ParseStatus::Failed: ++stats_.failed; break;
  }
  return st;
}

std::string ParseStage::reason() const {
  if (truncated_) return "line longer than the reader's limit (max_line_bytes); cut";
  return parser_.error_message();
}

ParseStats parse_files(const std::vector<std::string>& paths, const ParserConfig& pcfg_in,
                       const EncoderConfig& ecfg, const ParseFilesCallbacks& cb) {
  auto t0 = std::chrono::steady_clock::now();
  ParserConfig pcfg = pcfg_in;
  compile_grok(pcfg);
  ParseStage stage(pcfg, ecfg);
  LineReaderConfig rcfg;
  rcfg.stop = cb.stop;
  bool stopped = false;
  std::string error;
  MultilineJoiner joiner(pcfg.multiline);
  // One event (a line, or lines joined): numbered by its first line.
  auto handle = [&](const std::string& path, const MultilineEvent& ev) {
    ParseStatus st = stage.process(ev.text, ev.truncated, ev.lines);
    if (st == ParseStatus::Ok) {
      if (cb.on_doc) cb.on_doc(stage, path, ev.first_line);
    } else if (st == ParseStatus::Failed && cb.on_fail) {
      cb.on_fail(FailedLine{path, ev.first_line, stage.reason(), std::string(ev.text)});
    }
  };
  for (const auto& path : paths) {
    try {
      LineReader reader(path, rcfg);
      std::string_view line;
      while (reader.next(line)) {
        if (joiner.push(strip_line_end(line), reader.line_no(), reader.truncated())) handle(path, joiner.event());
      }
      stopped = reader.stopped();
    } catch (const InputError& e) {
      error = e.what();
    }
    if (joiner.flush()) handle(path, joiner.event());  // the last event (also before damage)
    if (stopped || !error.empty()) break;
  }
  ParseStats s = stage.stats();
  s.interrupted = stopped;
  s.error = std::move(error);
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return s;
}

}  // namespace ki
