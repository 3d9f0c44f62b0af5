// _core.GrokConfig and _core.MultilineConfig: typed classes (typed.h) for the grok and
// multi-line options; apply_line_options puts them into a ParserConfig.
#include <pybind11/stl.h>

#include "line_options.h"
#include "source/charset.h"
#include "source/multiline.h"
#include "typed.h"

namespace py = pybind11;
using namespace ki;

namespace ki_py {

void apply_line_options(ParserConfig& p, const GrokConfig& grok, const MultilineConfig& multiline) {
  p.grok = grok;
  p.multiline = multiline;
  p.grok_set = nullptr;
  p.time_fmt = nullptr;
  compile_grok(p);  // GrokError / std::invalid_argument -> ValueError
  MultilineJoiner check(multiline);
}

void apply_encoding(ParserConfig& p, const std::string& encoding) {
  check_encoding(encoding);  // std::invalid_argument -> ValueError
  p.encoding = encoding;
}

}  // namespace ki_py

void bind_lines(py::module_& m) {
  using ki_py::Fields;
  py::class_<GrokConfig> g(m, "GrokConfig", "Grok patterns (ki::GrokConfig): --grok, --patterns-dir, --time-format.");
  g.def(py::init<>());
  Fields<GrokConfig>(g)
      .rw("patterns", &GrokConfig::patterns, "grok patterns, tried in order (first match wins)")
      .rw("patterns_dir", &GrokConfig::patterns_dir,
          "directory of pattern files (`NAME regex` lines) added to the built-in library")
      .rw("time_format", &GrokConfig::time_format,
          "strptime-style layout of the `timestamp` capture (%f / ,SSS fractions); empty: the known layouts")
      .done();
  py::class_<MultilineConfig> ml(m, "MultilineConfig",
                                 "Multi-line events (ki::MultilineConfig): --multiline-start, --multiline, bounds.");
  ml.def(py::init<>());
  Fields<MultilineConfig>(ml)
      .rw("start", &MultilineConfig::start, "regex (grok names allowed): a line matching it starts an event")
      .rw("preset", &MultilineConfig::preset, "java or python: stack-trace lines continue the event before them")
      .rw("max_lines", &MultilineConfig::max_lines, "lines per event at most (the next line starts a new one)")
      .rw("max_bytes", &MultilineConfig::max_bytes, "bytes per event at most (the next line starts a new one)")
      .rw("flush_ms", &MultilineConfig::flush_ms,
          "following: a pending event is complete after this long without a new line (ms)")
      .done();
  m.def(
      "grok_regex",
      [](const std::string& pattern, const std::string& patterns_dir) {
        GrokLibrary lib = GrokLibrary::builtin();
        if (!patterns_dir.empty()) lib.add_dir(patterns_dir);
        GrokPattern p(pattern, lib);
        py::list caps;
        for (const auto& c : p.captures())
          caps.append(py::make_tuple(c.field, c.type == GrokCapture::Type::Int     ? "int"
                                              : c.type == GrokCapture::Type::Float ? "float"
                                                                                   : "string"));
        return py::make_tuple(p.regex(), caps);
      },
      py::arg("pattern"), py::arg("patterns_dir") = "",
      "A grok pattern expanded to its PCRE2 regex: (regex, [(field, type)]); capture N is the group named gN.");
  m.def("grok_builtin_patterns", [] { return std::string(GrokLibrary::builtin_text()); },
        "The built-in grok pattern library (Logstash's `NAME regex` file format).");
}
