// pybind11 face of the report's counting (cpp/src/report): type conversion and GIL release only.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "convert.h"
#include "report/traffic_summary.h"

namespace py = pybind11;
using namespace ki;

void bind_report(py::module_& m) {
  m.def(
      "summarize_files",
      [](const std::vector<std::string>& paths, const std::string& format, int tz, int year,
         const SummaryConfig& config, const ki_py::FieldOptions& fields, const GrokConfig& grok,
         const MultilineConfig& multiline, const std::string& encoding) {
        ParserConfig pcfg = ki_py::parser_config(format, tz, year, fields, grok, multiline, encoding);
        TrafficSummary summary(config);
        ki_py::Interrupt intr;
        std::string out;
        {
          py::gil_scoped_release release;
          auto poll = [&] {
            py::gil_scoped_acquire gil;
            return intr.check();
          };
          try {
            summarize_files(paths, pcfg, summary, poll);
          } catch (const std::runtime_error& e) {  // a missing file, a directory, a read error
            py::gil_scoped_acquire gil;
            throw py::value_error(e.what());
          }
          out = summary.to_json();
        }
        intr.raise_if_pending();
        return out;
      },
      py::arg("paths"), py::arg("format") = "auto", py::arg("tz_offset_min") = 0, py::arg("year") = 0,
      py::arg_v("config", SummaryConfig{}, "SummaryConfig()"), py::arg_v("fields", ki_py::FieldOptions{}, "FieldOptions()"),
      py::arg_v("grok", GrokConfig(), "GrokConfig()"),
      py::arg_v("multiline", MultilineConfig(), "MultilineConfig()"), py::arg("encoding") = "",
      "Stream log files through the parser into the report's counts; returns them as JSON.");

  py::class_<TrafficSummary>(m, "TrafficSummary", "The report's counts, fed documents from Kafka.")
      .def(py::init<SummaryConfig>(), py::arg_v("config", SummaryConfig{}, "SummaryConfig()"))
      .def(
          "add_documents",
          [](TrafficSummary& s, const std::vector<std::string>& docs) {
            py::gil_scoped_release release;
            size_t ok = 0;
            for (const auto& d : docs) ok += s.add_document(d);
            return ok;
          },
          py::arg("docs"), "Count documents read from Kafka (JSON, ecs or kafkainsight layout); returns how many were usable.")
      .def("to_json", [](TrafficSummary& s) { return s.to_json(); })
      .def_property_readonly("events", &TrafficSummary::events);
}
