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
#include "convert.h"
#include "generate/generator.h"
#include "pipeline/parse_pipeline.h"

namespace py = pybind11;
using namespace ki;

void bind_types(py::module_& m);          // bind_types.cc
void bind_kafka(py::module_& m);          // bind_kafka.cc
void bind_elasticsearch(py::module_& m);  // bind_elasticsearch.cc
void bind_report(py::module_& m);         // bind_report.cc
void bind_watch(py::module_& m);          // bind_watch.cc
void bind_defaults(py::module_& m);       // bind_defaults.cc
void bind_http(py::module_& m);           // bind_http.cc

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
                                       const FieldOptions& fields) {
  auto res = std::make_shared<ReadResult>();
  ParserConfig pcfg = parser_config(format, tz, year, fields);
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
             const FieldOptions& fields)
      : stage_(parser_config(format, tz, year, fields), EncoderConfig{to_schema(schema), include_original}),
        res_(std::make_shared<ReadResult>()) {
    res_->sources.push_back("<lines>");
  }
  void feed(const std::vector<std::string>& lines) {
    py::gil_scoped_release release;
    for (const auto& full : lines) {
      std::string_view l = strip_line_end(full);
      ++line_no_;
      ParseStatus st = stage_.process(l);
      if (st == ParseStatus::Ok)
        res_->add_doc(stage_.doc(), 0, line_no_);
      else if (st == ParseStatus::Failed)
        res_->failures.push_back(FailedLine{"<lines>", line_no_, stage_.reason(), std::string(l)});
    }
  }
  std::shared_ptr<ReadResult> result() {
    res_->stats = stage_.stats();
    return res_;
  }

 private:
  ParseStage stage_;
  std::shared_ptr<ReadResult> res_;
  uint64_t line_no_ = 0;
};

}  // namespace

PYBIND11_MODULE(_core, m) {
  m.doc() = "KafkaInsight C++ core (parsing, encoding, generation).";
  // Diagnostics to stderr: stdout carries data (documents, alert lines).
  spdlog::set_default_logger(spdlog::stderr_color_mt("kafkainsight"));
  bind_types(m);  // first: the signatures below name these classes (docstrings, generated stubs)

  m.def(
      "parse_line",
      [](std::string_view line, const std::string& format, const std::string& schema, bool include_original,
         int tz, int year, const FieldOptions& fields) {
        Parser parser(parser_config(format, tz, year, fields));
        Encoder encoder(EncoderConfig{to_schema(schema), include_original});
        Record rec;
        ParseStatus st = parser.parse(line, rec);
        if (st != ParseStatus::Ok) return py::tuple(py::make_tuple(false, parser.error_message(), ""));
        std::string doc;
        encoder.encode(rec, doc);
        return py::tuple(py::make_tuple(true, doc, std::string(format_name(rec.format))));
      },
      py::arg("line"), py::arg("format") = "auto", py::arg("schema") = "ecs", py::arg("include_original") = false,
      py::arg("tz_offset_min") = 0, py::arg("year") = 0, py::arg_v("fields", FieldOptions{}, "FieldOptions()"),
      "Parse one line. Returns (ok, document JSON or failure reason, format name).");

  m.def("detect_format",
        [](std::string_view line) { return std::string(format_name(Parser::detect(line))); }, py::arg("line"),
        "The format a line looks like (unknown: none fits).");

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
      .def("stats", [](const ReadResult& r) { return r.stats; }, "What parsing counted (ParseStats).");

  m.def("read_files", &read_files, py::arg("paths"), py::arg("format") = "auto", py::arg("schema") = "ecs",
        py::arg("include_original") = false, py::arg("tz_offset_min") = 0, py::arg("year") = 0,
        py::arg_v("fields", FieldOptions{}, "FieldOptions()"));

  py::class_<LineParser>(m, "LineParser")
      .def(py::init<const std::string&, const std::string&, bool, int, int, const FieldOptions&>(),
           py::arg("format") = "auto", py::arg("schema") = "ecs", py::arg("include_original") = false,
           py::arg("tz_offset_min") = 0,
           py::arg("year") = 0, py::arg_v("fields", FieldOptions{}, "FieldOptions()"))
      .def("feed", &LineParser::feed, py::arg("lines"))
      .def("result", &LineParser::result);

  m.def(
      "convert",
      [](const std::vector<std::string>& paths, const std::string& output, const std::string& failed_output,
         const std::string& format, const std::string& schema, bool include_original, int tz, int year,
         const FieldOptions& fields) {
        ParserConfig pcfg = parser_config(format, tz, year, fields);
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
      py::arg("year") = 0, py::arg_v("fields", FieldOptions{}, "FieldOptions()"),
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

  m.attr("FORMATS") = py::make_tuple("apache_common", "common_log", "apache_combined", "apache_error", "rfc3164",
                                     "rfc5424", "json", "app_json", "logfmt", "cri");
  m.attr("SCHEMAS") = py::make_tuple("ecs", "kafkainsight");
}
