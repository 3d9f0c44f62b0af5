// pybind11 face of the core: type conversion, GIL release and Ctrl-C only; no logic here.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <spdlog/cfg/env.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <fstream>
#include <iostream>

#include "encode/json_writer.h"
#include "columns_py.h"
#include "interrupt.h"
#include "convert.h"
#include "line_options.h"
#include "generate/generator.h"
#include "elasticsearch/client.h"
#include "kafka/topic_reader.h"
#include "pipeline/parse_pipeline.h"
#include "pipeline/read_columns.h"
#include "source/line_reader.h"

namespace py = pybind11;
using namespace ki;

void bind_types(py::module_& m);          // bind_types.cc
void bind_kafka(py::module_& m);          // bind_kafka.cc
void bind_elasticsearch(py::module_& m);  // bind_elasticsearch.cc
void bind_report(py::module_& m);         // bind_report.cc
void bind_watch(py::module_& m);          // bind_watch.cc
void bind_defaults(py::module_& m);       // bind_defaults.cc
void bind_http(py::module_& m);           // bind_http.cc
void bind_lines(py::module_& m);          // bind_lines.cc


namespace {

using ki_py::parser_config;
using ki_py::to_format;
using ki_py::to_schema;
using ki_py::FieldOptions;

// Polled from C++ with the GIL released: re-acquires it to let Python run signal handlers.
// A raised KeyboardInterrupt is held and re-raised (or reported) once the C++ call returns.
struct SignalPoll {
  ki_py::Interrupt intr;
  bool operator()() {
    py::gil_scoped_acquire gil;
    return intr.check();
  }
};

// Everything read_logs() returns, held compactly in C++ (typed columns) until Python asks.
using ReadResult = ColumnsResult;

void throw_input_error(const std::string& err) {
  if (err.empty()) return;
  if (err.find("cannot open") != std::string::npos || err.find("directory") != std::string::npos)
    throw py::value_error(err);  // re-raised as FileNotFoundError by Python
  throw std::runtime_error(err);  // damaged input: names the file and the byte offset
}

// Reads files in batches of up to `batch` documents (iter_batches), one batch ahead on a thread
// of its own (started by the first next(): its batch size holds for every batch).
class FileBatches {
 public:
  FileBatches(const std::vector<std::string>& paths, const std::string& format, const std::string& schema,
              bool include_original, int tz, int year, const FieldOptions& fields, const GrokConfig& grok,
              const MultilineConfig& multiline, const std::string& encoding)
      : paths_(paths),
        pcfg_(parser_config(format, tz, year, fields, grok, multiline, encoding)),
        ecfg_{to_schema(schema), include_original} {}
  // The next batch, or None once the input is done.
  std::shared_ptr<ReadResult> next(uint64_t batch) {
    if (done_) return nullptr;
    std::shared_ptr<ReadResult> res;
    {
      py::gil_scoped_release release;
      if (!reader_) reader_ = std::make_unique<ColumnsPrefetch>(paths_, pcfg_, ecfg_, batch, estimate_lines(paths_));
      while (true) {
        auto got = reader_->take(res, std::chrono::milliseconds(50));
        if (got != ColumnsPrefetch::Got::NotYet) {
          done_ = got == ColumnsPrefetch::Got::Done || reader_->last();
          break;
        }
        bool interrupted;
        {
          py::gil_scoped_acquire gil;
          interrupted = intr_.check();
        }
        if (interrupted) {  // Ctrl-C: the thread stops at its next poll
          reader_.reset();
          done_ = true;
          break;
        }
      }
    }
    intr_.raise_if_pending();
    if (!res) return nullptr;
    throw_input_error(res->stats.error);
    return res;
  }
  std::pair<size_t, uint64_t> progress() const {
    return reader_ ? reader_->progress() : std::pair<size_t, uint64_t>{0, 0};
  }

 private:
  std::vector<std::string> paths_;
  ParserConfig pcfg_;
  EncoderConfig ecfg_;
  ki_py::Interrupt intr_;
  std::unique_ptr<ColumnsPrefetch> reader_;
  bool done_ = false;
};

std::shared_ptr<ReadResult> read_files(const std::vector<std::string>& paths, const std::string& format,
                                       const std::string& schema, bool include_original, int tz, int year,
                                       const FieldOptions& fields, const GrokConfig& grok,
                                       const MultilineConfig& multiline, unsigned threads, uint64_t min_part_bytes,
                                       const std::string& encoding) {
  SignalPoll poll;
  ReadColumnsConfig cfg;
  cfg.threads = threads;
  cfg.min_part_bytes = min_part_bytes;
  cfg.stop = std::ref(poll);
  auto pcfg = parser_config(format, tz, year, fields, grok, multiline, encoding);
  std::shared_ptr<ReadResult> res;
  {
    py::gil_scoped_release release;
    res = std::make_shared<ReadResult>(read_columns(paths, pcfg, EncoderConfig{to_schema(schema), include_original}, cfg));
  }
  poll.intr.raise_if_pending();
  throw_input_error(res->stats.error);
  return res;
}

// A topic from its start to its end at the call: one row per message, the document's fields
// plus kafka.topic / partition / offset / timestamp / key. A message that is not a JSON object
// is a failed line (source "topic/partition", line_no = offset).
std::shared_ptr<ReadResult> read_topic_table(const std::string& bootstrap, const std::string& topic,
                                             const std::map<std::string, std::string>& props, double timeout_s) {
  auto res = std::make_shared<ReadResult>();
  ColumnTable& t = *res->table;
  Properties p;
  for (const auto& [k, v] : props) p.emplace_back(k, v);
  {
    py::gil_scoped_release release;
    auto t0 = std::chrono::steady_clock::now();
    ColumnWriter w(t);
    std::string error;
    Field topic_f{"kafka.topic", Field::Kind::String, topic};
    auto each = [&](const MessageView& m) {
      ++res->stats.lines;
      res->stats.bytes += m.value.size();
      std::string source = topic + "/" + std::to_string(m.partition);
      auto kafka_fields = [&] {
        w.add(topic_f, true);
        Field f{"kafka.partition", Field::Kind::Int};
        f.i = m.partition;
        w.add(f);
        f.name = "kafka.offset";
        f.i = m.offset;
        w.add(f);
        Timestamp ts;
        ts.epoch_sec = m.timestamp_ms >= 0 ? m.timestamp_ms / 1000 : 0;
        ts.nanos = static_cast<uint32_t>(m.timestamp_ms >= 0 ? m.timestamp_ms % 1000 * 1000000 : 0);
        ts.frac_digits = 3;
        ts.valid = m.timestamp_ms >= 0;
        if (ts.valid) w.add_time("kafka.timestamp", ts);
        if (m.has_key) w.add(Field{"kafka.key", Field::Kind::String, m.key});
      };
      if (add_json_document(w, m.value, error, kafka_fields)) {
        ++res->stats.parsed;
        res->add_doc(source, static_cast<uint64_t>(m.offset));
      } else {
        ++res->stats.failed;
        res->failures.push_back(FailedLine{source, static_cast<uint64_t>(m.offset), error, std::string(m.value)});
      }
    };
    read_topic(bootstrap, topic, p, 0, static_cast<int>(timeout_s * 1000), each);
    res->stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  }
  t.finish();
  return res;
}

// Every hit of a query as a table, by scroll (Elasticsearch and OpenSearch both have it) over
// the consumer's client (TLS, CA / pin, basic auth or API key). A missing index and a query the
// engine rejects raise with the engine's reason; more hits than max_rows raise before any row is
// added. progress(rows, total) is called after each page.
//
// Speed: `slices` sliced scrolls run at once (the engine works on one page per slice in
// parallel), and a slice's next page is requested as soon as its page arrives, so the engine
// works while we turn pages into rows. Rows come in a fixed order all the same: page 0 of each
// slice in slice order, then page 1, ... (a page that comes early waits its turn). Responses are
// not gzipped unless `compress`: on a fast network compressing costs the engine more than it saves.
std::shared_ptr<ReadResult> search_table(es::ClientConfig cfg, const std::string& index, const std::string& query,
                                         const std::vector<std::string>& fields, int64_t page_size, int64_t max_rows,
                                         int slices, bool compress, py::object progress) {
  if (page_size < 1) throw py::value_error("page_size must be at least 1, not " + std::to_string(page_size));
  if (slices < 1) throw py::value_error("slices must be at least 1, not " + std::to_string(slices));
  auto res = std::make_shared<ReadResult>();
  ColumnTable& t = *res->table;
  cfg.max_in_flight = slices;
  es::EsClient client(std::move(cfg));
  client.set_accept_gzip(compress);
  std::string rest = ",\"sort\":[\"_doc\"],\"track_total_hits\":true,\"query\":" +
                     (query.empty() ? std::string("{\"match_all\":{}}") : query);
  if (!fields.empty()) {
    rest += ",\"_source\":[";
    for (size_t i = 0; i < fields.size(); ++i) {
      if (i) rest.push_back(',');
      rest.push_back('"');
      append_json_escaped(rest, fields[i]);
      rest.push_back('"');
    }
    rest.push_back(']');
  }
  rest.push_back('}');
  // No filter_path: the engine's filtering of every token cost more than the 5% of bytes it saves
  // (100k documents on OpenSearch 3.8: 0.5-0.75 s without, 0.7-1.2 s with).
  const std::string where = "index '" + index + "' on " + client.config().url;
  struct Slice {
    std::string scroll_id;
    int64_t total = -1, fetched = 0;
    uint64_t request = 0;  // the one in flight (0: none)
    bool done = false;     // nothing more to ask for
    std::deque<std::string> pages;  // arrived, waiting for their turn
  };
  std::vector<Slice> sl(static_cast<size_t>(slices));
  auto next_page = [&](Slice& s) {
    s.request = client.submit("POST", "/_search/scroll",
                              "{\"scroll\":\"2m\",\"scroll_id\":\"" + s.scroll_id + "\"}");
  };
  // A response: an error raises, a page is queued and the slice's next page asked for at once.
  auto take = [&](es::HttpResponse& r) {
    auto it = std::find_if(sl.begin(), sl.end(), [&](const Slice& s) { return s.request == r.id; });
    if (it == sl.end()) return;
    Slice& s = *it;
    s.request = 0;
    if (r.status == 0) throw std::runtime_error("search on " + where + ": " + r.error);
    if (r.status == 404 && r.body.find("index_not_found") != std::string::npos)
      throw py::value_error("no such index: " + where + " (" + search_error(r.body) + ")");
    if (r.status < 200 || r.status >= 300)
      throw py::value_error("search on " + where + " failed, HTTP " + std::to_string(r.status) + ": " +
                            search_error(r.body));
    SearchPage page;
    std::string error;
    size_t n = search_page_info(r.body, page, error);
    if (!error.empty()) throw std::runtime_error("search on " + where + ": " + error);
    if (!page.scroll_id.empty()) s.scroll_id = page.scroll_id;
    if (s.total < 0) s.total = page.total;
    s.fetched += static_cast<int64_t>(n);
    s.done = n == 0 || page.scroll_id.empty() || (s.total >= 0 && s.fetched >= s.total);
    if (!s.done) next_page(s);
    if (n) s.pages.push_back(std::move(r.body));
  };
  // Every scroll is cleared: requests still in flight are let finish to learn their scroll ids.
  auto clear_scrolls = [&] {
    while (client.in_flight())
      for (auto& r : client.poll(100)) {
        SearchPage page;
        std::string error;
        if (r.status >= 200 && r.status < 300) search_page_info(r.body, page, error);
        for (auto& s : sl)
          if (s.request == r.id && !page.scroll_id.empty()) s.scroll_id = page.scroll_id;
      }
    std::string b;
    for (const auto& s : sl)
      if (!s.scroll_id.empty()) b += (b.empty() ? "{\"scroll_id\":[\"" : ",\"") + s.scroll_id + "\"";
    if (!b.empty()) client.request("DELETE", "/_search/scroll", b + "]}", "application/json", {});
  };
  SignalPoll poll;
  auto t0 = std::chrono::steady_clock::now();
  bool interrupted = false;
  try {
    py::gil_scoped_release release;
    for (int i = 0; i < slices; ++i) {
      std::string body = "{\"size\":" + std::to_string(page_size);
      if (slices > 1) body += ",\"slice\":{\"id\":" + std::to_string(i) + ",\"max\":" + std::to_string(slices) + "}";
      sl[i].request = client.submit("POST", "/" + index + "/_search?scroll=2m", body + rest);
    }
    ColumnWriter w(t);
    int64_t total = -1;  // known once every slice's first page is in
    size_t turn = 0;
    auto finished = [](const Slice& s) { return s.done && s.request == 0 && s.pages.empty(); };
    while (true) {
      if (total < 0 && std::all_of(sl.begin(), sl.end(), [](const Slice& s) { return s.request == 0; })) {
        total = 0;
        for (const auto& s : sl) total += std::max<int64_t>(s.total, 0);
        t.expect_rows = static_cast<size_t>(total);  // columns sized once
        if (max_rows >= 0 && total > max_rows)
          throw py::value_error("the query matches " + std::to_string(total) + " documents in " + where +
                                ", more than max_rows=" + std::to_string(max_rows) +
                                ": narrow the query or raise max_rows");
      }
      size_t k = 0;
      while (k < sl.size() && finished(sl[turn])) turn = (turn + 1) % sl.size(), ++k;
      if (k == sl.size()) break;  // every slice read
      if (total >= 0 && !sl[turn].pages.empty()) {
        std::string body = std::move(sl[turn].pages.front());
        sl[turn].pages.pop_front();
        SearchPage page;
        std::string error;
        size_t n = add_search_hits(w, body, page, error);
        if (!error.empty()) throw std::runtime_error("search on " + where + ": " + error);
        res->stats.lines += n;
        res->stats.parsed += n;
        turn = (turn + 1) % sl.size();
        if (!progress.is_none()) {
          py::gil_scoped_acquire gil;
          progress(t.rows, total);
        }
      } else {
        for (auto& r : client.poll(100)) take(r);
      }
      if (poll()) {
        interrupted = true;
        break;
      }
    }
  } catch (...) {
    // Every scroll is cleared: the requests in flight are let finish to learn their scroll ids.
    py::gil_scoped_release release;
    clear_scrolls();
    throw;
  }
  {
    py::gil_scoped_release release;
    clear_scrolls();
  }
  if (interrupted) poll.intr.raise_if_pending();
  res->stats.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  t.finish();
  return res;
}

// Parses lines handed over from Python (an iterable, a notebook cell) in chunks.
class LineParser {
 public:
  LineParser(const std::string& format, const std::string& schema, bool include_original, int tz, int year,
             const FieldOptions& fields, const GrokConfig& grok, const MultilineConfig& multiline)
      : LineParser(parser_config(format, tz, year, fields, grok, multiline),
                   EncoderConfig{to_schema(schema), include_original}) {}
  void feed(const std::vector<std::string>& lines) {
    py::gil_scoped_release release;
    for (const auto& full : lines)
      if (joiner_.push(strip_line_end(full), ++line_no_)) handle(joiner_.event());
  }
  // The documents so far; the parser starts a new result after this.
  std::shared_ptr<ReadResult> result() {
    if (joiner_.flush()) handle(joiner_.event());  // the last event ends with the input
    auto res = std::move(res_);
    res->stats = stage_.stats();
    res->table->finish();
    res_ = std::make_shared<ReadResult>();
    stage_.set_columns(res_->table.get());
    return res;
  }

 private:
  LineParser(const ParserConfig& pcfg, const EncoderConfig& ecfg)
      : stage_(pcfg, ecfg), joiner_(pcfg.multiline), res_(std::make_shared<ReadResult>()) {
    stage_.set_columns(res_->table.get());
  }
  void handle(const MultilineEvent& ev) {
    ParseStatus st = stage_.process(ev.text, ev.truncated, ev.lines);
    if (st == ParseStatus::Ok)
      res_->add_doc("<lines>", ev.first_line);
    else if (st == ParseStatus::Failed)
      res_->failures.push_back(FailedLine{"<lines>", ev.first_line, stage_.reason(), std::string(ev.text)});
  }
  ParseStage stage_;
  MultilineJoiner joiner_;
  std::shared_ptr<ReadResult> res_;
  uint64_t line_no_ = 0;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "KafkaInsight C++ core (parsing, encoding, generation).";
  // Diagnostics to stderr: stdout carries data (documents, alert lines).
  spdlog::set_default_logger(spdlog::stderr_color_mt("kafkainsight"));
  // SPDLOG_LEVEL=debug shows what is logged at debug, librdkafka's -X debug=… output among it.
  spdlog::cfg::load_env_levels();
  bind_lines(m);  // first: the typed classes and the parse functions take its classes
  bind_types(m);  // then: the signatures below name these classes (docstrings, generated stubs)

  m.def(
      "parse_line",
      [](std::string_view line, const std::string& format, const std::string& schema, bool include_original,
         int tz, int year, const FieldOptions& fields, const GrokConfig& grok) {
        Parser parser(parser_config(format, tz, year, fields, grok));
        Encoder encoder(EncoderConfig{to_schema(schema), include_original});
        Record rec;
        ParseStatus st = parser.parse(line, rec);
        if (st != ParseStatus::Ok) return py::tuple(py::make_tuple(false, parser.error_message(), ""));
        std::string doc;
        encoder.encode(rec, doc);
        return py::tuple(py::make_tuple(true, doc, std::string(format_name(rec.format))));
      },
      py::arg("line"), py::arg("format") = "auto", py::arg("schema") = "ecs", py::arg("include_original") = false,
      py::arg("tz_offset_min") = 0, py::arg("year") = 0, py::arg_v("fields", FieldOptions{}, "FieldOptions()"), py::arg_v("grok", GrokConfig(), "GrokConfig()"),
      "Parse one line. Returns (ok, document JSON or failure reason, format name).");

  m.def("detect_format",
        [](std::string_view line) { return std::string(format_name(Parser::detect(line))); }, py::arg("line"),
        "The format a line looks like (unknown: none fits).");

  py::class_<ReadResult, std::shared_ptr<ReadResult>>(m, "ReadResult")
      .def("__len__", [](const ReadResult& r) { return r.rows(); })
      .def("docs", [](const ReadResult& r) { return table_docs(r.parts()); },
           "The documents as JSON strings, in input order.")
      .def("ndjson", [](const ReadResult& r) { return py::bytes(table_ndjson(r.parts())); })
      .def("records", [](const ReadResult& r) { return table_records(r.parts()); },
           "The documents as dicts (nested like the JSON), built in C++.")
      .def("arrow",
           [](const ReadResult& r, bool flatten) {
             py::list out;
             out.append(arrow_batch(r.table, flatten));
             for (const auto& t : r.more) out.append(arrow_batch(t, flatten));
             return out;
           },
           py::arg("flatten") = true,
           "The documents as Arrow record batches of one schema (PyCapsule interface): one per part.")
      .def("line_numbers", [](const ReadResult& r) { return r.line_nos; })
      .def("sources",
           [](const ReadResult& r) {
             py::list out(r.source_ids.size());
             for (size_t i = 0; i < r.source_ids.size(); ++i) out[i] = r.sources[r.source_ids[i]];
             return out;
           })
      .def("failures",
           [](const ReadResult& r) {
             py::list out;
             for (const auto& f : r.failures) {
               py::dict d;
               d["source"] = f.source;
               d["line_no"] = f.line_no;
               d["reason"] = f.reason;
               // The raw bytes may not be UTF-8: decode with replacement, keep the bytes too.
               d["line"] = py::reinterpret_steal<py::str>(
                   PyUnicode_DecodeUTF8(f.raw.data(), static_cast<Py_ssize_t>(f.raw.size()), "replace"));
               d["raw"] = py::bytes(f.raw);
               out.append(d);
             }
             return out;
           })
      .def("stats", [](const ReadResult& r) { return r.stats; }, "What parsing counted (ParseStats).");

  m.def("read_files", &read_files, py::arg("paths"), py::arg("format") = "auto", py::arg("schema") = "ecs",
        py::arg("include_original") = false, py::arg("tz_offset_min") = 0, py::arg("year") = 0,
        py::arg_v("fields", FieldOptions{}, "FieldOptions()"), py::arg_v("grok", GrokConfig(), "GrokConfig()"), py::arg_v("multiline", MultilineConfig(), "MultilineConfig()"),
        py::arg("threads") = 1, py::arg("min_part_bytes") = ReadColumnsConfig{}.min_part_bytes, py::arg("encoding") = "",
        "Files into typed columns; threads > 1 parses parts of plain files at once (same result).");

  py::class_<LineParser>(m, "LineParser")
      .def(py::init<const std::string&, const std::string&, bool, int, int, const FieldOptions&, const GrokConfig&,
                    const MultilineConfig&>(),
           py::arg("format") = "auto", py::arg("schema") = "ecs", py::arg("include_original") = false,
           py::arg("tz_offset_min") = 0, py::arg("year") = 0, py::arg_v("fields", FieldOptions{}, "FieldOptions()"),
           py::arg_v("grok", GrokConfig(), "GrokConfig()"), py::arg_v("multiline", MultilineConfig(), "MultilineConfig()"))
      .def("feed", &LineParser::feed, py::arg("lines"))
      .def("result", &LineParser::result);

  m.def("read_topic_table", &read_topic_table, py::arg("bootstrap"), py::arg("topic"),
        py::arg("properties") = std::map<std::string, std::string>{}, py::arg("timeout") = 30.0,
        "A topic from its start to its current end as a ReadResult (columns + kafka.* columns).");

  m.def("search_table", &search_table, py::arg("config"), py::arg("index"), py::arg("query") = "",
        py::arg("fields") = std::vector<std::string>{}, py::arg("page_size") = 5000, py::arg("max_rows") = -1,
        py::arg("slices") = 1, py::arg("compress") = false, py::arg("progress") = py::none(),
        "Every hit of a query (sliced scroll) as a ReadResult: _index, _id and the _source fields as columns.");

  py::class_<FileBatches>(m, "FileBatches", "Files parsed batch by batch (bounded memory).")
      .def(py::init<const std::vector<std::string>&, const std::string&, const std::string&, bool, int, int,
                    const FieldOptions&, const GrokConfig&, const MultilineConfig&, const std::string&>(),
           py::arg("paths"), py::arg("format") = "auto", py::arg("schema") = "ecs",
           py::arg("include_original") = false, py::arg("tz_offset_min") = 0, py::arg("year") = 0,
           py::arg_v("fields", FieldOptions{}, "FieldOptions()"), py::arg_v("grok", GrokConfig(), "GrokConfig()"),
           py::arg_v("multiline", MultilineConfig(), "MultilineConfig()"), py::arg("encoding") = "")
      .def("next", &FileBatches::next, py::arg("batch_size"),
           "Up to batch_size documents as a ReadResult (its stats are the running totals); None at the end.")
      .def("progress", &FileBatches::progress, "(index of the current file, its uncompressed bytes read)");
  bind_columns(m);

  m.def(
      "convert",
      [](const std::vector<std::string>& paths, const std::string& output, const std::string& failed_output,
         const std::string& format, const std::string& schema, bool include_original, int tz, int year,
         const FieldOptions& fields, const GrokConfig& grok, const MultilineConfig& multiline,
         const std::string& encoding) {
        ParserConfig pcfg = parser_config(format, tz, year, fields, grok, multiline, encoding);
        EncoderConfig ecfg{to_schema(schema), include_original};
        SignalPoll poll;
        ParseStats stats;
        {
          py::gil_scoped_release release;
          std::ofstream out_file, fail_file;
          std::ostream* out = &std::cout;
          if (!output.empty() && output != "-") {
            out_file.open(output, std::ios::binary);
            if (!out_file) throw std::runtime_error("cannot write '" + output + "'");
            out = &out_file;
          }
          if (!failed_output.empty()) {
            fail_file.open(failed_output, std::ios::binary);
            if (!fail_file) throw std::runtime_error("cannot write '" + failed_output + "'");
          }
          std::string buf;
          ParseFilesCallbacks cb;
          cb.on_doc = [&](const ParseStage& st, const std::string&, uint64_t) {
            buf += st.doc();
            buf.push_back('\n');
            if (buf.size() > (1 << 20)) {
              out->write(buf.data(), static_cast<std::streamsize>(buf.size()));
              buf.clear();
            }
          };
          cb.on_fail = [&](FailedLine&& f) {
            if (!fail_file.is_open()) return;
            std::string j = "{\"source\":\"";
            append_json_escaped(j, f.source);
            j += "\",\"line_no\":" + std::to_string(f.line_no) + ",\"reason\":\"";
            append_json_escaped(j, f.reason);
            j += "\",\"line\":\"";
            append_json_escaped(j, f.raw);
            j += "\"}\n";
            fail_file << j;
          };
          cb.stop = std::ref(poll);
          stats = parse_files(paths, pcfg, ecfg, cb);  // stops at damaged input: what came before is kept
          out->write(buf.data(), static_cast<std::streamsize>(buf.size()));
          out->flush();
        }
        // Ctrl-C / SIGTERM: the documents so far are written; the stats say "interrupted".
        stats.interrupted = stats.interrupted || poll.intr.keyboard_interrupt();
        poll.intr.finish();
        return stats;
      },
      py::arg("paths"), py::arg("output") = "-", py::arg("failed_output") = "", py::arg("format") = "auto",
      py::arg("schema") = "ecs", py::arg("include_original") = false, py::arg("tz_offset_min") = 0,
      py::arg("year") = 0, py::arg_v("fields", FieldOptions{}, "FieldOptions()"), py::arg_v("grok", GrokConfig(), "GrokConfig()"),
      py::arg_v("multiline", MultilineConfig(), "MultilineConfig()"), py::arg("encoding") = "",
      "Parse files to NDJSON (output '-' = stdout); failures as JSON lines to failed_output.");

  m.def(
      "generate",
      [](const GeneratorConfig& config, int64_t number, int64_t bytes, const std::string& output,
         const std::string& type, double delay, bool loop) {
        GenerateOptions o;
        o.gen = config;
        o.number = number;
        o.bytes = bytes;
        o.output = output;
        o.type = type;
        o.delay_sec = delay;
        o.loop = loop;
        SignalPoll poll;
        GenerateStats st;
        {
          py::gil_scoped_release release;
          st = ki::generate(o, std::ref(poll));
        }
        poll.intr.raise_if_pending();
        py::dict d;
        d["lines"] = st.lines;
        d["bytes"] = st.bytes;
        return d;
      },
      py::arg("config"), py::arg("number") = 1000, py::arg("bytes") = 0, py::arg("output") = "",
      py::arg("type") = "stdout", py::arg("delay") = 0.0, py::arg("loop") = false,
      "flog-compatible log generator (see kafkainsight generate --help).");

  m.def(
      "generate_lines",
      [](const GeneratorConfig& config, int64_t number) {
        Generator g(config);
        py::list out;
        std::string line;
        for (int64_t i = 0; i < number; ++i) {
          line.clear();
          g.next(line);
          out.append(py::str(line));
        }
        return out;
      },
      py::arg("config"), py::arg("number") = 10, "`number` generated lines as a list.");

  bind_kafka(m);
  bind_elasticsearch(m);
  bind_report(m);
  bind_watch(m);
  bind_defaults(m);
  bind_http(m);

  m.attr("FORMATS") = py::make_tuple("apache_common", "common_log", "apache_combined", "apache_error", "nginx_error",
                                     "rfc3164", "rfc5424", "json", "app_json", "logfmt", "cri", "grok", "w3c", "klog",
                                     "zeek", "cef", "mysql_slow", "auditd", "compose");
  m.attr("SCHEMAS") = py::make_tuple("ecs", "kafkainsight");
}
