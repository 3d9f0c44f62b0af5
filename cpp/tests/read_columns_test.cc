// Reading with several threads: files cut at line starts, tables joined in input order; the
// result must be the one a single thread gives, row for row, type for type, line for line.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>
#include <zlib.h>

#include "encode/arrow_export.h"
#include "encode/columns.h"
#include "encode/encoder.h"
#include "generate/generator.h"
#include "parse/parser.h"
#include "pipeline/read_columns.h"
#include "source/line_reader.h"
#include "test_util.h"

using namespace ki;

namespace {

// A row: a JSON object (add_json_document) or a log line (parsed and encoded).
void add_row(ColumnTable& t, const std::string& row) {
  ColumnWriter w(t);
  if (row.starts_with("{")) {
    std::string err;
    ASSERT_TRUE(add_json_document(w, row, err)) << err << ": " << row;
    return;
  }
  ParserConfig pc;
  pc.default_year = 2024;
  Parser p(pc);
  Record rec;
  ASSERT_EQ(p.parse(row, rec), ParseStatus::Ok) << row;
  Encoder().encode(rec, w);
}

ColumnTable table_of(const std::vector<std::string>& rows, size_t from, size_t to) {
  ColumnTable t;
  for (size_t i = from; i < to; ++i) add_row(t, rows[i]);
  t.finish();
  return t;
}

// What a user sees of a table: each row's document, and each column's Arrow type and nulls.
struct Seen {
  std::vector<std::string> docs;
  std::map<std::string, std::string> types;
  std::map<std::string, int64_t> nulls;
};
Seen seen(const ColumnTable& t) {
  Seen s;
  for (size_t r = 0; r < t.rows; ++r) row_json(t, r, s.docs.emplace_back());
  auto keep = std::make_shared<ColumnTable>(t);
  ArrowSchema schema;
  ArrowArray array;
  export_arrow(keep, true, &schema, &array);
  for (int64_t i = 0; i < schema.n_children; ++i) {
    std::string type = schema.children[i]->format;
    if (schema.children[i]->dictionary) type += std::string("<") + schema.children[i]->dictionary->format + ">";
    s.types[schema.children[i]->name] = type;
    s.nulls[schema.children[i]->name] = array.children[i]->null_count;
  }
  schema.release(&schema);
  array.release(&array);
  return s;
}

// The dictionary of a Dict column, by dotted path.
std::vector<std::string> dictionary(const ColumnTable& t, const std::string& name) {
  std::vector<std::string> out;
  for (size_t i = 0; i < t.nodes.size(); ++i)
    if (t.nodes[i].col >= 0 && t.path(static_cast<int>(i)) == name) {
      const Column& c = t.cols[static_cast<size_t>(t.nodes[i].col)];
      EXPECT_EQ(c.type, ColType::Dict) << name;
      for (size_t k = 0; c.type == ColType::Dict && k < c.dict_size(); ++k) out.emplace_back(c.str(k));
    }
  EXPECT_FALSE(out.empty()) << name;
  return out;
}

// A result's parts in order, as the Arrow table made of their batches shows them: every part
// must export the same types (one schema) and hold the same dictionaries.
Seen seen(const ColumnsResult& res) {
  Seen all;
  for (const ColumnTable* t : res.parts()) {
    Seen s = seen(*t);
    all.docs.insert(all.docs.end(), s.docs.begin(), s.docs.end());
    if (t == res.table.get()) {
      all.types = s.types;
    } else {
      EXPECT_EQ(all.types, s.types) << "a part with another schema";
      for (const ColumnNode& n : t->nodes)
        if (n.col >= 0 && t->cols[static_cast<size_t>(n.col)].type == ColType::Dict) {
          const std::string name = t->path(static_cast<int>(&n - t->nodes.data()));
          EXPECT_EQ(dictionary(*t, name), dictionary(*res.table, name)) << "a part with another dictionary";
        }
    }
    for (const auto& [name, n] : s.nulls) all.nulls[name] += n;
  }
  return all;
}

// Documents of different shapes in one table: a part may meet their names in another order, so
// the columns (and the keys of a row) can come in another order; values and types may not.
void expect_same(const Seen& want, const Seen& got, const std::string& what) {
  ASSERT_EQ(want.docs.size(), got.docs.size()) << what;
  for (size_t r = 0; r < want.docs.size(); ++r)
    ASSERT_EQ(nlohmann::json::parse(want.docs[r]), nlohmann::json::parse(got.docs[r])) << what << ", row " << r;
  EXPECT_EQ(want.types, got.types) << what;
  EXPECT_EQ(want.nulls, got.nulls) << what;
}

// Rows that make every kind of column, and every clash of kinds, across any cut.
std::vector<std::string> mixed_rows() {
  std::vector<std::string> rows;
  GeneratorConfig gc;
  gc.seed = 5;
  for (Format f : {Format::ApacheCombined, Format::Rfc5424, Format::ApacheError}) {
    gc.format = f;
    Generator g(gc);
    for (int i = 0; i < 6; ++i) g.next(rows.emplace_back());
  }
  const char* json[] = {
      R"({"v": 1, "n": 1, "b": true, "log": {"level": "info"}, "o": {"a": 1}})",
      R"({"v": "x", "n": 2.5, "b": false, "log": {"level": "warn"}, "o": 5})",
      R"({"@timestamp": "9999-01-01T00:00:00Z", "tags": [1, 2], "v": 3})",
      R"({"@timestamp": "2024-01-01T00:00:00.5+01:00", "log": {"level": 7}, "only_here": null})",
      R"({"n": 3, "b": true, "deep": {"a": {"b": {"c": "d"}}}})",
      R"({"i": 4})",
      R"({"i": 4.5, "s": "late", "deep": {"a": 1}})",
      R"({"t": "2024-01-01T00:00:00Z"})",
      // Numbers whose text as written is not a double's shortest form, then text under the same
      // name: the text column shows each as written, whichever side of a cut it was on.
      R"({"f": 1.0, "g": 5, "h": 2.5})",
      R"({"f": 5.50, "g": 9007199254740993, "h": 100000000000000000})",
      R"({"f": -0.0, "g": 0.1, "h": 1E5})",
      R"({"f": 123456789012345678901234, "g": 1.0e-7, "k": [1, 123456789012345678901234, {"x": 1E5}], "m": 1e400})",
      R"({"f": "n/a", "g": "n/a", "h": "n/a"})",
      R"({"f": 2.50, "g": 7, "h": 3.0})",
  };
  for (const char* j : json) rows.emplace_back(j);
  for (int i = 0; i < 9; ++i) rows.push_back(R"({"i": )" + std::to_string(i) + R"(, "b": null})");
  return rows;
}

}  // namespace

TEST(AppendTable, AnyCutGivesTheTableOneThreadBuilds) {
  const auto rows = mixed_rows();
  const Seen want = seen(table_of(rows, 0, rows.size()));
  // Rows of one shape: the very same text, key for key.
  const Seen logs = seen(table_of(rows, 0, 6));
  ColumnTable l = table_of(rows, 0, 2);
  append_table(l, table_of(rows, 2, 6));
  EXPECT_EQ(logs.docs, seen(l).docs);
  for (size_t cut = 0; cut <= rows.size(); ++cut) {
    ColumnTable a = table_of(rows, 0, cut);
    append_table(a, table_of(rows, cut, rows.size()), 2);
    expect_same(want, seen(a), "cut at " + std::to_string(cut));
  }
  // Three parts, one of them empty, joined one after the other.
  for (size_t c1 = 0; c1 <= rows.size(); c1 += 5)
    for (size_t c2 = c1; c2 <= rows.size(); c2 += 3) {
      ColumnTable a = table_of(rows, 0, c1);
      append_table(a, table_of(rows, c1, c2));
      append_table(a, table_of(rows, c2, rows.size()), 3);
      expect_same(want, seen(a), "cuts at " + std::to_string(c1) + ", " + std::to_string(c2));
    }
}

TEST(AppendTable, DictionariesJoinAndTurnToTextPastTheLimitAsOneThreadWould) {
  std::vector<std::string> rows;
  for (int i = 0; i < 6000; ++i)  // 3000 distinct in each half: a dictionary each, text together
    rows.push_back(R"({"log": {"level": "l)" + std::to_string(i) + R"("}, "k": {"level": 1}})");
  const Seen want = seen(table_of(rows, 0, rows.size()));
  ColumnTable a = table_of(rows, 0, 3000);
  EXPECT_EQ(a.cols[a.nodes[a.child(a.child(0, "log"), "level")].col].type, ColType::Dict);
  append_table(a, table_of(rows, 3000, rows.size()));
  EXPECT_EQ(want.types.at("log.level"), "U");
  expect_same(want, seen(a), "6000 levels");
  // Few values: one dictionary, the codes of the second part mapped to the first's.
  std::vector<std::string> few;
  for (int i = 0; i < 100; ++i) few.push_back(R"({"log": {"level": ")" + std::string(i % 3 ? "info" : "error") + R"("}})");
  ColumnTable b = table_of(few, 0, 37);
  append_table(b, table_of(few, 37, few.size()));
  expect_same(seen(table_of(few, 0, few.size())), seen(b), "3 levels");
  EXPECT_EQ(b.cols[0].dict_size(), 2u);
}

TEST(SplitFiles, PartsCoverEveryByteOnceAndStartAtLines) {
  test::TempDir dir;
  std::string a, b = "", c;
  for (int i = 0; i < 300; ++i) a += "line " + std::to_string(i) + std::string(i % 17, 'x') + "\n";
  c = std::string(5000, 'y') + "\nshort\n" + std::string(3000, 'z');  // a long line, no final newline
  std::vector<std::string> paths = {dir.path + "/a", dir.path + "/b", dir.path + "/c"};
  for (auto [p, text] : {std::pair{paths[0], a}, {paths[1], b}, {paths[2], c}}) {
    std::ofstream(p, std::ios::binary) << text;
  }
  const std::string all[] = {a, b, c};
  for (size_t parts = 2; parts <= 12; ++parts) {
    auto runs = split_files(paths, parts, 1);
    ASSERT_GE(runs.size(), 2u) << parts;
    EXPECT_LE(runs.size(), parts);
    std::string joined;
    size_t file = 0;
    uint64_t at = 0;
    for (const auto& run : runs)
      for (const FilePart& f : run) {
        // In order, no gap, no overlap.
        if (f.file != file) {
          EXPECT_EQ(at, all[file].size()) << parts;
          file = f.file, at = 0;
        }
        EXPECT_EQ(f.start, at) << parts;
        EXPECT_TRUE(f.start == 0 || all[f.file][f.start - 1] == '\n') << parts << ": cut inside a line";
        joined += all[f.file].substr(f.start, f.end - f.start);
        at = f.end;
      }
    EXPECT_EQ(joined, a + b + c) << parts;
  }
  // Too little input for two parts of the minimum, stdin, one gzip file: read as one.
  EXPECT_TRUE(split_files(paths, 4, 1 << 20).empty());
  EXPECT_TRUE(split_files({"-"}, 4, 1).empty());
  gzFile gz = gzopen((dir.path + "/d.gz").c_str(), "wb");
  gzwrite(gz, a.data(), static_cast<unsigned>(a.size()));
  gzclose(gz);
  EXPECT_TRUE(split_files({dir.path + "/d.gz"}, 4, 1).empty());
  // A gzip file among them, or whole files asked for: runs of whole files, in order, each once.
  std::vector<std::string> four = {paths[0], dir.path + "/d.gz", paths[2], paths[0]};
  for (bool ask : {false, true})
    for (size_t parts = 2; parts <= 6; ++parts) {
      auto runs = split_files(ask ? paths : four, parts, 1, ask);
      const size_t n = ask ? paths.size() : four.size();
      ASSERT_GE(runs.size(), 2u);
      EXPECT_LE(runs.size(), std::min(parts, n));
      size_t next = 0;
      for (const auto& run : runs)
        for (const FilePart& f : run) {
          EXPECT_EQ(f.file, next++);
          EXPECT_EQ(f.start, 0u);
          EXPECT_EQ(f.end, std::filesystem::file_size((ask ? paths : four)[f.file]));
        }
      EXPECT_EQ(next, n);
    }
}

TEST(ReadColumns, ThreadsGiveTheResultOfOneThreadLineForLine) {
  test::TempDir dir;
  GeneratorConfig gc;
  gc.seed = 11;
  std::vector<std::string> paths;
  for (Format f : {Format::ApacheCombined, Format::Rfc3164, Format::Json}) {
    gc.format = f;
    Generator g(gc);
    std::string text, line;
    for (int i = 0; i < 700; ++i) {
      line.clear();
      g.next(line);
      text += line + "\n";
      if (i % 97 == 5) text += "not a log line " + std::to_string(i) + "\n";  // failed, with its line number
      if (i % 131 == 3) text += "\n";                                          // blank: counted, no row
    }
    paths.push_back(dir.path + "/" + std::string(format_name(f)) + ".log");
    std::ofstream(paths.back(), std::ios::binary) << text;
  }
  paths.push_back(paths[0]);  // a file twice: its rows twice, numbered alike
  ParserConfig pc;
  pc.default_year = 2024;
  ReadColumnsConfig one;
  const ColumnsResult want = read_columns(paths, pc, EncoderConfig{}, one);
  ASSERT_GT(want.failures.size(), 20u);
  ASSERT_GT(want.stats.empty, 5u);
  for (unsigned threads : {2u, 3u, 7u}) {
    ReadColumnsConfig cfg;
    cfg.threads = threads;
    cfg.min_part_bytes = 1000;
    const ColumnsResult got = read_columns(paths, pc, EncoderConfig{}, cfg);
    const std::string what = std::to_string(threads) + " threads";
    expect_same(seen(want), seen(got), what);
    EXPECT_EQ(want.line_nos, got.line_nos) << what;
    ASSERT_EQ(want.source_ids.size(), got.source_ids.size());
    for (size_t r = 0; r < want.source_ids.size(); ++r)
      ASSERT_EQ(want.sources[want.source_ids[r]], got.sources[got.source_ids[r]]) << what << ", row " << r;
    ASSERT_EQ(want.failures.size(), got.failures.size()) << what;
    for (size_t i = 0; i < want.failures.size(); ++i) {
      EXPECT_EQ(want.failures[i].source, got.failures[i].source) << what;
      EXPECT_EQ(want.failures[i].line_no, got.failures[i].line_no) << what;
      EXPECT_EQ(want.failures[i].raw, got.failures[i].raw) << what;
      EXPECT_EQ(want.failures[i].reason, got.failures[i].reason) << what;
    }
    EXPECT_EQ(want.stats.lines, got.stats.lines) << what;
    EXPECT_EQ(want.stats.parsed, got.stats.parsed) << what;
    EXPECT_EQ(want.stats.failed, got.stats.failed) << what;
    EXPECT_EQ(want.stats.empty, got.stats.empty) << what;
    EXPECT_EQ(want.stats.bytes, got.stats.bytes) << what;
    EXPECT_EQ(want.stats.by_format, got.stats.by_format) << what;
  }
}

// The table is sized once from the file's size and its first 64 KiB. When those lines are longer
// than the rest, the guess is low; the rows past it must still fit the first buffers (each one
// regrown would copy the whole column and fault in its pages twice).
TEST(ReadColumns, RowsPastTheSizeGuessFitTheFirstBuffers) {
  test::TempDir dir;
  const std::string path = dir.path + "/access.log";
  {
    std::ofstream out(path, std::ios::binary);
    const std::string ua(60, 'x');
    for (int i = 0; i < 20000; ++i)  // ~3% longer in the sampled start
      out << "10.0.0." << i % 250 << " - - [05/Dec/2026:05:52:26 +0000] \"GET /p" << i
          << " HTTP/1.1\" 200 " << i << " \"-\" \"" << (i < 400 ? ua + "yyyyy" : ua) << "\"\n";
  }
  const uint64_t guess = estimate_lines({path});
  ASSERT_LT(guess, 20000u);  // the case under test: more rows than guessed
  const ColumnsResult r = read_columns({path}, ParserConfig{}, EncoderConfig{}, ReadColumnsConfig{});
  ASSERT_EQ(r.rows(), 20000u);
  for (const Column& c : r.table->cols) {
    if (c.type == ColType::Int || c.type == ColType::Timestamp) {
      EXPECT_GE(c.ints.capacity(), 20000u);
      EXPECT_LT(c.ints.capacity(), 2 * guess) << "regrown";
    }
    if (c.type == ColType::String) EXPECT_LT(c.offsets.capacity(), 2 * guess) << "regrown";
  }
}

// One format (the usual input): each thread's part is kept as a chunk of one schema, with one
// dictionary per column (a value first seen in a later part is added to it), not copied into one
// table; a part whose columns differ is joined instead.
TEST(ReadColumns, PartsOfOneSchemaStayChunksWithOneDictionary) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 3000; ++i) {
    // a method and a status class only the later part has, so its dictionary must grow; the
    // first part meets a client's host name before a user name, the later ones a user name first
    const char* method = i < 2000 ? "GET" : (i % 2 ? "PATCH" : "POST");
    const std::string user = i >= 500 && i % 100 == 0 ? "bob" : "-";
    const std::string client = i % 500 == 499 ? "client.example.com" : "10.0.0." + std::to_string(i % 250);
    text += client + " - " + user + " [22/Apr/2018:09:30:00 +0200] \"" + method + " /p/" + std::to_string(i) +
            " HTTP/1.1\" " + (i < 2500 ? "200" : "503") + " " + std::to_string(i) + " \"-\" \"agent " +
            std::to_string(i % 7) + "\"\n";
  }
  const std::string path = dir.path + "/one.log";
  std::ofstream(path, std::ios::binary) << text;
  const ColumnsResult want = read_columns({path}, ParserConfig{}, EncoderConfig{}, ReadColumnsConfig{});
  ASSERT_TRUE(want.more.empty());
  for (unsigned threads : {2u, 3u}) {
    ReadColumnsConfig cfg;
    cfg.threads = threads;
    cfg.min_part_bytes = 1000;
    const ColumnsResult got = read_columns({path}, ParserConfig{}, EncoderConfig{}, cfg);
    ASSERT_EQ(got.more.size(), threads - 1);
    EXPECT_EQ(got.rows(), 3000u);
    std::vector<std::string> first, second;  // the parts made their nodes in another order
    for (size_t n = 0; n < got.table->nodes.size(); ++n) first.push_back(got.table->path(static_cast<int>(n)));
    for (size_t n = 0; n < got.more[0]->nodes.size(); ++n) second.push_back(got.more[0]->path(static_cast<int>(n)));
    EXPECT_NE(first, second);
    const std::string what = std::to_string(threads) + " threads";
    expect_same(seen(want), seen(got), what);
    EXPECT_EQ(want.line_nos, got.line_nos) << what;
    for (const char* name : {"http.request.method", "kafkainsight.status_class"})  // one thread's, in its order
      EXPECT_EQ(dictionary(*want.table, name), dictionary(*got.table, name)) << what << ", " << name;
  }
  // A part with a column the others lack: joined into one table, the rows unchanged.
  std::ofstream(path, std::ios::app) << "{\"time\": \"2024-01-02T03:04:05Z\", \"message\": \"x\", \"extra\": 1}\n";
  ReadColumnsConfig cfg;
  cfg.threads = 2;
  cfg.min_part_bytes = 1000;
  const ColumnsResult joined = read_columns({path}, ParserConfig{}, EncoderConfig{}, cfg);
  EXPECT_TRUE(joined.more.empty());
  EXPECT_EQ(joined.table->rows, 3001u);
  expect_same(seen(read_columns({path}, ParserConfig{}, EncoderConfig{}, ReadColumnsConfig{})), seen(joined), "joined");
}

TEST(ReadColumns, GzipFilesAndMultiLineEventsAreReadAsWholeFilesByEachThread) {
  test::TempDir dir;
  std::vector<std::string> paths;
  for (int f = 0; f < 5; ++f) {
    std::string text;
    for (int i = 0; i < 300; ++i) {
      text += "2024-01-02 03:04:05 ERROR event " + std::to_string(f) + "/" + std::to_string(i) + "\n";
      if (i % 3 == 0) text += "java.lang.IllegalStateException: x\n\tat a.B.c(B.java:1)\n";
      if (i % 50 == 7) text += "\n";
    }
    paths.push_back(dir.path + "/" + std::to_string(f) + (f % 2 ? ".log.gz" : ".log"));
    if (f % 2) {
      gzFile gz = gzopen(paths.back().c_str(), "wb");
      gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
      gzclose(gz);
    } else {
      std::ofstream(paths.back(), std::ios::binary) << text;
    }
  }
  ParserConfig pc;
  pc.grok.patterns = {"%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:level} %{GREEDYDATA:message}"};
  pc.multiline.preset = "java";
  const ColumnsResult want = read_columns(paths, pc, EncoderConfig{}, ReadColumnsConfig{});
  ASSERT_EQ(want.table->rows, 1500u);
  ASSERT_GE(want.stats.joined, 5u * 100 * 2);  // the trace lines (and the blank lines after them)
  for (unsigned threads : {2u, 3u, 8u}) {
    ReadColumnsConfig cfg;
    cfg.threads = threads;
    cfg.min_part_bytes = 100;
    const ColumnsResult got = read_columns(paths, pc, EncoderConfig{}, cfg);
    expect_same(seen(want), seen(got), std::to_string(threads) + " threads");
    EXPECT_EQ(want.line_nos, got.line_nos);
    EXPECT_EQ(want.stats.joined, got.stats.joined);
    EXPECT_EQ(want.stats.lines, got.stats.lines);
  }
}

TEST(ReadColumns, AStopEndsEveryThreadAndAMissingFileIsNamed) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 20000; ++i)
    text += "1.2.3.4 - - [22/Apr/2018:09:30:00 +0200] \"GET /" + std::to_string(i) + " HTTP/1.1\" 200 5\n";
  std::string path = dir.path + "/a.log";
  std::ofstream(path, std::ios::binary) << text;
  ReadColumnsConfig cfg;
  cfg.threads = 4;
  cfg.min_part_bytes = 1000;
  cfg.stop = [] { return true; };
  ColumnsResult r = read_columns({path}, ParserConfig{}, EncoderConfig{}, cfg);
  EXPECT_TRUE(r.stats.interrupted);
  EXPECT_LT(r.stats.parsed, 20000u);
  cfg.stop = nullptr;
  r = read_columns({path, dir.path + "/missing.log"}, ParserConfig{}, EncoderConfig{}, cfg);
  EXPECT_NE(r.stats.error.find("missing.log"), std::string::npos) << r.stats.error;
}

// iter_batches reads one batch ahead on a thread of its own: the batches are those a ColumnsReader
// gives, in order, with their failures and running totals; dropping it mid-way stops the thread.
TEST(ColumnsPrefetch, GivesTheBatchesOfAReaderInOrderAndStopsWhenDropped) {
  test::TempDir dir;
  std::string text;
  for (int i = 0; i < 2500; ++i) {
    text += "1.2.3.4 - - [22/Apr/2018:09:30:00 +0200] \"GET /" + std::to_string(i) + " HTTP/1.1\" 200 5\n";
    if (i % 300 == 7) text += "junk " + std::to_string(i) + "\n";
  }
  const std::string a = dir.path + "/a.log", b = dir.path + "/b.log";
  std::ofstream(a, std::ios::binary) << text;
  std::ofstream(b, std::ios::binary) << text.substr(0, text.size() / 3);
  const std::vector<std::string> paths{a, b, a};
  std::vector<ColumnsResult> want;
  {
    ColumnsReader r(paths, ParserConfig{}, EncoderConfig{}, nullptr);
    bool more = true;
    while (more) more = r.next(want.emplace_back(), 700, 10000);
  }
  ASSERT_GT(want.size(), 8u);
  ColumnsPrefetch p(paths, ParserConfig{}, EncoderConfig{}, 700, 10000);
  size_t k = 0;
  while (true) {
    std::shared_ptr<ColumnsResult> got;
    auto g = p.take(got, std::chrono::milliseconds(50));
    if (g == ColumnsPrefetch::Got::NotYet) continue;
    if (g == ColumnsPrefetch::Got::Done) break;
    ASSERT_LT(k, want.size());
    const ColumnsResult& w = want[k];
    EXPECT_EQ(seen(*w.table).docs, seen(*got->table).docs) << "batch " << k;
    EXPECT_EQ(w.line_nos, got->line_nos) << "batch " << k;
    ASSERT_EQ(w.failures.size(), got->failures.size()) << "batch " << k;
    for (size_t i = 0; i < w.failures.size(); ++i) EXPECT_EQ(w.failures[i].line_no, got->failures[i].line_no);
    EXPECT_EQ(w.stats.lines, got->stats.lines) << "batch " << k;
    EXPECT_EQ(p.last(), k + 1 == want.size()) << "batch " << k;
    ++k;
  }
  EXPECT_EQ(k, want.size());
  // Dropped after its first batch: the destructor returns (the thread stopped and joined).
  for (int i = 0; i < 20; ++i) {
    ColumnsPrefetch q(paths, ParserConfig{}, EncoderConfig{}, 100, 10000);
    std::shared_ptr<ColumnsResult> got;
    while (q.take(got, std::chrono::milliseconds(50)) == ColumnsPrefetch::Got::NotYet) {
    }
    EXPECT_EQ(got->table->rows, 100u);
  }
  // A missing file: named in the batch's error, then the input is done.
  ColumnsPrefetch m({dir.path + "/missing.log"}, ParserConfig{}, EncoderConfig{}, 100, 10);
  std::shared_ptr<ColumnsResult> got;
  ColumnsPrefetch::Got g;
  while ((g = m.take(got, std::chrono::milliseconds(50))) == ColumnsPrefetch::Got::NotYet) {
  }
  ASSERT_EQ(g, ColumnsPrefetch::Got::Batch);
  EXPECT_NE(got->stats.error.find("missing.log"), std::string::npos) << got->stats.error;
  EXPECT_TRUE(m.last());
}

TEST(LineReaderRange, ReadsTheLinesOfItsPartWithTheFilesOffsets) {
  test::TempDir dir;
  const std::string text = "one\ntwo\nthree\nfour";  // no final newline
  std::string path = dir.path + "/a.log";
  std::ofstream(path, std::ios::binary) << text;
  LineReaderConfig cfg;
  cfg.start = 4;  // "two\n"
  cfg.end = 14;   // up to "four"
  LineReader r(path, cfg);
  std::string_view line;
  std::vector<std::pair<std::string, uint64_t>> got;
  while (r.next(line)) got.emplace_back(std::string(line), r.line_offset());
  EXPECT_EQ(got, (std::vector<std::pair<std::string, uint64_t>>{{"two", 4}, {"three", 8}}));
  EXPECT_EQ(r.line_no(), 2u);  // counted from the part's start
  cfg.start = 14;
  cfg.end = UINT64_MAX;
  LineReader last(path, cfg);
  ASSERT_TRUE(last.next(line));
  EXPECT_EQ(line, "four");
  EXPECT_FALSE(last.next(line));
}
