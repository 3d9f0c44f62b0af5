// Parse / encode throughput of the C++ core (Google Benchmark).
//
// For each format, 100k lines are generated once with a fixed seed and kept in memory; the
// benchmarks then loop over those lines with ONE Parser, ONE Record and ONE output string
// (cleared per line), so the numbers are the cost of the parser and the encoder alone: no
// I/O, no allocation in steady state. Items = lines, bytes = input bytes (line ends excluded).
//
//   cmake -S . -B /tmp/bench-build -G Ninja -DKI_BUILD_PYTHON=OFF -DKI_BUILD_BENCH=ON
//   ninja -C /tmp/bench-build ki_parse_bench
//   /tmp/bench-build/cpp/ki_parse_bench --benchmark_min_time=0.3s
//
// Environment: KI_BENCH_LINES overrides the 100k lines per format (e.g. for callgrind runs).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdlib>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "encode/encoder.h"
#include "generate/generator.h"
#include "parse/parser.h"

namespace {

constexpr uint64_t kSeed = 42;
constexpr int64_t kStart = 1700000000;  // 2023-11-14T22:13:20Z
constexpr int kYear = 2023;             // rfc3164 carries no year: fix it for reproducibility

size_t corpus_lines() {
  if (const char* s = std::getenv("KI_BENCH_LINES")) {
    long n = std::strtol(s, nullptr, 10);
    if (n > 0) return static_cast<size_t>(n);
  }
  return 100000;
}

// All lines of one format in one buffer; `lines` are views into it.
struct Corpus {
  std::string data;
  std::vector<std::string_view> lines;
  size_t bytes = 0;  // sum of line sizes (no line ends)
};

const Corpus& corpus(ki::Format f) {
  static std::map<ki::Format, Corpus> cache;
  auto it = cache.find(f);
  if (it != cache.end()) return it->second;

  const size_t n = corpus_lines();
  ki::GeneratorConfig gc;
  gc.format = f;
  gc.seed = kSeed;
  gc.start_epoch_sec = kStart;
  gc.interval_ns = 1'000'000'000;
  ki::Generator gen(gc);

  Corpus c;
  std::vector<size_t> ends;
  ends.reserve(n);
  c.data.reserve(n * 320);
  for (size_t i = 0; i < n; ++i) {
    gen.next(c.data);
    ends.push_back(c.data.size());
  }
  c.lines.reserve(n);
  size_t begin = 0;
  for (size_t e : ends) {
    c.lines.emplace_back(c.data.data() + begin, e - begin);
    begin = e;
  }
  c.bytes = c.data.size();

  // Sanity: every generated line must parse with the forced format; a benchmark of the
  // failure path would be meaningless.
  ki::ParserConfig pc{f, 0, kYear};
  ki::Parser p(pc);
  ki::Record rec;
  for (std::string_view l : c.lines) {
    if (p.parse(l, rec) != ki::ParseStatus::Ok) {
      throw std::runtime_error(std::string(ki::format_name(f)) + ": generated line does not parse: " +
                               p.error_message() + "\n  " + std::string(l));
    }
  }
  return cache.emplace(f, std::move(c)).first->second;
}

enum class Mode { ParseOnly, Ecs, KafkaInsight };

// format == Unknown in `parse_as` means auto-detect per line.
void run(benchmark::State& state, ki::Format data_format, ki::Format parse_as, Mode mode) {
  const Corpus* c = nullptr;
  try {
    c = &corpus(data_format);
  } catch (const std::exception& e) {
    state.SkipWithError(e.what());
    return;
  }
  ki::Parser parser(ki::ParserConfig{parse_as, 0, kYear});
  ki::Encoder encoder(ki::EncoderConfig{mode == Mode::KafkaInsight ? ki::Schema::KafkaInsight : ki::Schema::Ecs, false});
  ki::Record rec;
  std::string out;
  out.reserve(4096);

  const size_t n = c->lines.size();
  size_t i = 0;
  int64_t items = 0, failed = 0;
  for (auto _ : state) {
    std::string_view line = c->lines[i];
    if (++i == n) i = 0;
    ki::ParseStatus st = parser.parse(line, rec);
    if (st != ki::ParseStatus::Ok) {
      ++failed;
    } else if (mode != Mode::ParseOnly) {
      out.clear();
      encoder.encode(rec, out);
      benchmark::DoNotOptimize(out.data());
    }
    benchmark::DoNotOptimize(rec);
    benchmark::ClobberMemory();
    ++items;
  }
  if (failed) state.SkipWithError("some lines failed to parse");
  state.SetItemsProcessed(items);
  // Bytes: the average line size times the lines done (exact when iterations is a multiple
  // of n; the corpus is 100k lines, so the error is negligible either way).
  state.SetBytesProcessed(static_cast<int64_t>(static_cast<double>(items) * static_cast<double>(c->bytes) / static_cast<double>(n)));
  state.counters["avg_line_B"] = static_cast<double>(c->bytes) / static_cast<double>(n);
  // Set in every run (0 when parse only): the CSV reporter wants the same counters everywhere.
  state.counters["last_doc_B"] = static_cast<double>(out.size());
}

constexpr ki::Format kFormats[] = {ki::Format::ApacheCommon, ki::Format::ApacheCombined, ki::Format::ApacheError,
                                   ki::Format::Rfc3164,      ki::Format::Rfc5424,        ki::Format::Json};

void register_all() {
  for (ki::Format f : kFormats) {
    const std::string name(ki::format_name(f));
    benchmark::RegisterBenchmark(("parse/" + name).c_str(),
                                 [f](benchmark::State& s) { run(s, f, f, Mode::ParseOnly); });
    benchmark::RegisterBenchmark(("parse+ecs/" + name).c_str(),
                                 [f](benchmark::State& s) { run(s, f, f, Mode::Ecs); });
    benchmark::RegisterBenchmark(("parse+kafkainsight/" + name).c_str(),
                                 [f](benchmark::State& s) { run(s, f, f, Mode::KafkaInsight); });
  }
  // Format detection cost: the same apache_combined lines, forced vs detected per line.
  const ki::Format ac = ki::Format::ApacheCombined;
  benchmark::RegisterBenchmark("detect/apache_combined/forced",
                               [ac](benchmark::State& s) { run(s, ac, ac, Mode::ParseOnly); });
  benchmark::RegisterBenchmark("detect/apache_combined/auto",
                               [ac](benchmark::State& s) { run(s, ac, ki::Format::Unknown, Mode::ParseOnly); });
  benchmark::RegisterBenchmark("detect+ecs/apache_combined/forced",
                               [ac](benchmark::State& s) { run(s, ac, ac, Mode::Ecs); });
  benchmark::RegisterBenchmark("detect+ecs/apache_combined/auto",
                               [ac](benchmark::State& s) { run(s, ac, ki::Format::Unknown, Mode::Ecs); });
}

}  // namespace

int main(int argc, char** argv) {
  register_all();
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
