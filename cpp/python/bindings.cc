// pybind11 face of the core: type conversion, GIL release and Ctrl-C only; no logic here.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <fstream>
#include <iostream>

#include "encode/json_writer.h"
#include "interrupt.h"
#include "line_options.h"
#include "typed.h"
#include "generate/generator.h"
#include "pipeline/parse_pipeline.h"

namespace py = pybind11;
using namespace ki;

void bind_kafka(py::module_& m);          // bind_kafka.cc
void bind_elasticsearch(py::module_& m);  // bind_elasticsearch.cc
void bind_report(py::module_& m);         // bind_report.cc
void bind_watch(py::module_& m);          // bind_watch.cc
void bind_defaults(py::module_& m);       // bind_defaults.cc
void bind_http(py::module_& m);           // bind_http.cc
void bind_lines(py::module_& m);          // bind_lines.cc

namespace {

Format to_format(const std::string& name) {
  auto f = format_from_name(name);
  if (!f)
    throw py::value_error("unknown format '" + name +
                          "'; choose auto, apache_common, common_log, apache_combined, apache_error, "
                          "rfc3164, rfc5424, json, app_json, logfmt, cri or grok (with grok patterns)");
  return *f;
}

Schema to_schema(const std::string& name) {
  auto s = schema_from_name(name);
  if (!s) throw py::value_error("unknown schema '" + name + "'; choose ecs or kafkainsight");
  return *s;
}

// The app_json / logfmt overrides and --add-field, for the calls that parse lines.
struct FieldOptions {
  std::string json_time_field, json_level_field, json_message_field;
  std::vector<std::string> add_fields;  // "name=value"
};

ParserConfig parser_config(const std::string& format, int tz_offset_min, int year, const FieldOptions& o = {},
                           const GrokConfig& grok = {}, const MultilineConfig& multiline = {}) {
  ParserConfig c;
  c.format = to_format(format);
  c.default_offset_min = tz_offset_min;
  c.default_year = year;
  c.json_time_field = o.json_time_field;
  c.json_level_field = o.json_level_field;
  c.json_message_field = o.json_message_field;
  for (const auto& a : o.add_fields) {
    auto kv = parse_add_field(a);
    if (!kv) throw py::value_error("add_field '" + a + "': expected name=value (name a dotted field path)");
    c.add_fields.push_back(*kv);
  }
  ki_py::apply_line_options(c, grok, multiline);
  return c;
}

// Polled from C++ with the GIL released: re-acquires it to let Python run signal handlers.
// A raised KeyboardInterrupt is held and re-raised (or reported) once the C++ call returns.
struct SignalPoll {
  ki_py::Interrupt intr;
  bool operator()() {
    py::gil_scoped_acquire gil;
    return intr.check();
  }
};

py::dict stats_dict(const ParseStats& s) {
  py::dict d;
  d["lines"] = s.lines;
  d["parsed"] = s.parsed;
  d["failed"] = s.failed;
  d["empty"] = s.empty;
  d["joined"] = s.joined;
  d["bytes"] = s.bytes;
  d["doc_bytes"] = s.doc_bytes;
  d["seconds"] = s.seconds;
  d["interrupted"] = s.interrupted;
  d["error"] = s.error;
  py::dict by;
  for (int i = 1; i < kFormatCount; ++i)
    if (s.by_format[i]) by[py::str(std::string(format_name(static_cast<Format>(i))))] = s.by_format[i];
  d["by_format"] = by;
  return d;
}

// Everything read_logs() returns, held compactly in C++ until Python asks for it.
struct ReadResult {
  std::string docs;              // documents, each followed by '\n'
  std::vector<size_t> ends;      // end offset of each document
  std::vector<uint64_t> line_nos;
  std::vector<uint32_t> source_ids;
  std::vector<std::string> sources;
  std::vector<FailedLine> failures;
  ParseStats stats;
  size_t limit_failures = 100000;

  void add_doc(const std::string& doc, uint32_t src, uint64_t line_no) {
    docs += doc;
    docs.push_back('\n');
    ends.push_back(docs.size());
    line_nos.push_back(line_no);
    source_ids.push_back(src);
  }
};

std::shared_ptr<ReadResult> read_files(const std::vector<std::string>& paths, const std::string& format,
                                       const std::string& schema, bool include_original, int tz, int year,
                                       const FieldOptions& fields, const GrokConfig& grok,
                                       const MultilineConfig& multiline) {
  auto res = std::make_shared<ReadResult>();
  ParserConfig pcfg = parser_config(format, tz, year, fields, grok, multiline);
  EncoderConfig ecfg{to_schema(schema), include_original};
  SignalPoll poll;
  {
    py::gil_scoped_release release;
    ParseFilesCallbacks cb;
    uint32_t src = 0;
    std::string current;
    cb.on_doc = [&](const ParseStage& st, const std::string& source, uint64_t line_no) {
      if (source != current) {
        current = source;
        res->sources.push_back(source);
        src = static_cast<uint32_t>(res->sources.size() - 1);
      }
      res->add_doc(st.doc(), src, line_no);
    };
    cb.on_fail = [&](FailedLine&& f) { res->failures.push_back(std::move(f)); };
    cb.stop = std::ref(poll);
    res->stats = parse_files(paths, pcfg, ecfg, cb);
  }
  poll.intr.raise_if_pending();
  const std::string& err = res->stats.error;
  if (!err.empty()) {
    if (err.find("cannot open") != std::string::npos || err.find("directory") != std::string::npos)
      throw py::value_error(err);  // re-raised as FileNotFoundError by Python
    throw std::runtime_error(err);  // damaged input: names the file and the byte offset
  }
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
  std::shared_ptr<ReadResult> result() {
    if (joiner_.flush()) handle(joiner_.event());  // the last event ends with the input
    res_->stats = stage_.stats();
    return res_;
  }

 private:
  LineParser(const ParserConfig& pcfg, const EncoderConfig& ecfg)
      : stage_(pcfg, ecfg), joiner_(pcfg.multiline), res_(std::make_shared<ReadResult>()) {
    res_->sources.push_back("<lines>");
  }
  void handle(const MultilineEvent& ev) {
    ParseStatus st = stage_.process(ev.text, ev.truncated, ev.lines);
    if (st == ParseStatus::Ok)
      res_->add_doc(stage_.doc(), 0, ev.first_line);
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
  bind_lines(m);  // first: the parse functions take its classes as defaults

  py::class_<FieldOptions> fo(m, "FieldOptions", "app_json / logfmt field overrides and fields added to every document.");
  fo.def(py::init([](std::string t, std::string l, std::string msg, std::vector<std::string> add) {
           FieldOptions o{std::move(t), std::move(l), std::move(msg), std::move(add)};
           parser_config("auto", 0, 0, o);  // validates add_fields now
           return o;
         }),
         py::arg("json_time_field") = "", py::arg("json_level_field") = "", py::arg("json_message_field") = "",
         py::arg("add_fields") = std::vector<std::string>{});
  ki_py::Fields<FieldOptions>(fo)
      .rw("json_time_field", &FieldOptions::json_time_field, "field holding the time (dotted path); empty: by name")
      .rw("json_level_field", &FieldOptions::json_level_field, "field holding the level; empty: by name")
      .rw("json_message_field", &FieldOptions::json_message_field, "field holding the message; empty: by name")
      .rw("add_fields", &FieldOptions::add_fields, "name=value fields added to every document")
      .done();

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
      py::arg("tz_offset_min") = 0, py::arg("year") = 0, py::arg("fields") = FieldOptions{}, py::arg("grok") = GrokConfig(),
      "Parse one line. Returns (ok, document JSON or failure reason, format name).");

  m.def("detect_format",
        [](std::string_view line) { return std::string(format_name(Parser::detect(line))); });

  py::class_<ReadResult, std::shared_ptr<ReadResult>>(m, "ReadResult")
      .def("__len__", [](const ReadResult& r) { return r.ends.size(); })
      .def("docs",
           [](const ReadResult& r) {
             py::list out(r.ends.size());
             size_t start = 0;
             for (size_t i = 0; i < r.ends.size(); ++i) {
               out[i] = py::str(r.docs.data() + start, r.ends[i] - start - 1);
               start = r.ends[i];
             }
             return out;
           },
           "The documents as JSON strings, in input order.")
      .def("ndjson", [](const ReadResult& r) { return py::bytes(r.docs); })
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
      .def("stats", [](const ReadResult& r) { return stats_dict(r.stats); });

  m.def("read_files", &read_files, py::arg("paths"), py::arg("format") = "auto", py::arg("schema") = "ecs",
        py::arg("include_original") = false, py::arg("tz_offset_min") = 0, py::arg("year") = 0,
        py::arg("fields") = FieldOptions{}, py::arg("grok") = GrokConfig(), py::arg("multiline") = MultilineConfig());

  py::class_<LineParser>(m, "LineParser")
      .def(py::init<const std::string&, const std::string&, bool, int, int, const FieldOptions&, const GrokConfig&,
                    const MultilineConfig&>(),
           py::arg("format") = "auto", py::arg("schema") = "ecs", py::arg("include_original") = false,
           py::arg("tz_offset_min") = 0, py::arg("year") = 0, py::arg("fields") = FieldOptions{},
           py::arg("grok") = GrokConfig(), py::arg("multiline") = MultilineConfig())
      .def("feed", &LineParser::feed)
      .def("result", &LineParser::result);

  m.def(
      "convert",
      [](const std::vector<std::string>& paths, const std::string& output, const std::string& failed_output,
         const std::string& format, const std::string& schema, bool include_original, int tz, int year,
         const FieldOptions& fields, const GrokConfig& grok, const MultilineConfig& multiline) {
        ParserConfig pcfg = parser_config(format, tz, year, fields, grok, multiline);
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
        return stats_dict(stats);
      },
      py::arg("paths"), py::arg("output") = "-", py::arg("failed_output") = "", py::arg("format") = "auto",
      py::arg("schema") = "ecs", py::arg("include_original") = false, py::arg("tz_offset_min") = 0,
      py::arg("year") = 0, py::arg("fields") = FieldOptions{}, py::arg("grok") = GrokConfig(),
      py::arg("multiline") = MultilineConfig(),
      "Parse files to NDJSON (output '-' = stdout); failures as JSON lines to failed_output.");

  m.def(
      "generate",
      [](const std::string& format, int64_t number, int64_t bytes, const std::string& output,
         const std::string& type, double sleep, double delay, bool loop, uint64_t seed, int64_t start_epoch,
         int tz_offset_min) {
        GenerateOptions o;
        auto f = to_format(format);
        if (f == Format::Unknown) throw py::value_error("generate needs a concrete format, not 'auto'");
        o.gen.format = f;
        o.gen.seed = seed;
        o.gen.start_epoch_sec = start_epoch;
        o.gen.interval_ns = static_cast<int64_t>(sleep * 1e9);
        o.gen.tz_offset_min = tz_offset_min;
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
      py::arg("format") = "apache_common", py::arg("number") = 1000, py::arg("bytes") = 0,
      py::arg("output") = "", py::arg("type") = "stdout", py::arg("sleep") = 0.0, py::arg("delay") = 0.0,
      py::arg("loop") = false, py::arg("seed") = 0, py::arg("start_epoch") = -1, py::arg("tz_offset_min") = 0,
      "flog-compatible log generator (see kafkainsight generate --help).");

  m.def(
      "generate_lines",
      [](const std::string& format, int64_t number, uint64_t seed, int64_t start_epoch, double sleep,
         int tz_offset_min) {
        GeneratorConfig c;
        c.format = to_format(format);
        if (c.format == Format::Unknown) throw py::value_error("generate needs a concrete format, not 'auto'");
        c.seed = seed;
        c.start_epoch_sec = start_epoch;
        c.interval_ns = static_cast<int64_t>(sleep * 1e9);
        c.tz_offset_min = tz_offset_min;
        Generator g(c);
        py::list out;
        std::string line;
        for (int64_t i = 0; i < number; ++i) {
          line.clear();
          g.next(line);
          out.append(py::str(line));
        }
        return out;
      },
      py::arg("format") = "apache_common", py::arg("number") = 10, py::arg("seed") = 0, py::arg("start_epoch") = -1,
      py::arg("sleep") = 0.0, py::arg("tz_offset_min") = 0);

  bind_kafka(m);
  bind_elasticsearch(m);
  bind_report(m);
  bind_watch(m);
  bind_defaults(m);
  bind_http(m);

  m.attr("FORMATS") = py::make_tuple("apache_common", "common_log", "apache_combined", "apache_error", "rfc3164",
                                     "rfc5424", "json", "app_json", "logfmt", "cri", "grok");
  m.attr("SCHEMAS") = py::make_tuple("ecs", "kafkainsight");
}
