// pybind11 face of the report's counting (cpp/src/report): type conversion and GIL release only.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "line_options.h"
#include "report/traffic_summary.h"

namespace py = pybind11;
using namespace ki;

namespace {

SummaryConfig summary_config(size_t max_points, size_t top_n, size_t top_capacity) {
  SummaryConfig c;
  c.max_points = max_points;
  c.top_n = top_n;
  c.top_capacity = top_capacity;
  return c;
}

}  // namespace

void bind_report(py::module_& m) {
  m.def(
      "summarize_files",
      [](const std::vector<std::string>& paths, const std::string& format, int tz, int year, size_t max_points,
         size_t top_n, size_t top_capacity, const GrokConfig& grok, const MultilineConfig& multiline) {
        auto f = format_from_name(format);
        if (!f) throw py::value_error("unknown format '" + format + "'");
        ParserConfig pcfg;
        pcfg.format = *f;
        pcfg.default_offset_min = tz;
        pcfg.default_year = year;
        ki_py::apply_line_options(pcfg, grok, multiline);
        TrafficSummary summary(summary_config(max_points, top_n, top_capacity));
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
      py::arg("max_points") = 360, py::arg("top_n") = 15, py::arg("top_capacity") = 50000,
      py::arg("grok") = GrokConfig(), py::arg("multiline") = MultilineConfig(),
      "Stream log files through the parser into the report's counts; returns them as JSON.");

  py::class_<TrafficSummary>(m, "TrafficSummary")
      .def(py::init([](size_t max_points, size_t top_n, size_t top_capacity) {
             return new TrafficSummary(summary_config(max_points, top_n, top_capacity));
           }),
           py::arg("max_points") = 360, py::arg("top_n") = 15, py::arg("top_capacity") = 50000)
      .def(
          "add_documents",
          [](TrafficSummary& s, const std::vector<std::string>& docs) {
            py::gil_scoped_release release;
            size_t ok = 0;
            for (const auto& d : docs) ok += s.add_document(d);
            return ok;
          },
          "Count documents read from Kafka (JSON, ecs or kafkainsight layout); returns how many were usable.")
      .def("to_json", [](TrafficSummary& s) { return s.to_json(); })
      .def_property_readonly("events", &TrafficSummary::events);
}
