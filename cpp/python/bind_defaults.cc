// _core.cpp_defaults(): the defaults of the C++ config structs, as C++ has them. They matter where
// C++ runs without Python (the C++ tests and benchmarks); from Python every value comes from the
// settings table (python/kafkainsight/config.py), and tests/test_settings_table.py checks that the
// two agree wherever a struct field has a table entry. Every struct here has a typed binding
// (typed.h): its default-constructed instance gives the fields.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "generate/generator.h"
#include "pipeline/consume_pipeline.h"
#include "pipeline/produce_pipeline.h"
#include "report/traffic_summary.h"
#include "typed.h"
#include "watch/watch_pipeline.h"

namespace py = pybind11;
using namespace ki;

namespace {

py::dict all_defaults() {
  py::dict d;
  d["ProduceConfig"] = ki_py::default_fields<ProduceConfig>();
  d["ConsumerConfig"] = ki_py::default_fields<ConsumerConfig>();
  py::dict sink = ki_py::default_fields<EsSinkConfig>();  // the client's fields flattened into it
  for (auto [k, v] : py::dict(sink["client"])) sink[k] = v;
  PyDict_DelItemString(sink.ptr(), "client");
  d["EsSinkConfig"] = sink;
  d["WatchConfig"] = ki_py::default_fields<watch::WatchConfig>();
  d["WebhookConfig"] = ki_py::default_fields<watch::WebhookConfig>();
  d["MultilineConfig"] = ki_py::default_fields<MultilineConfig>();
  d["SummaryConfig"] = ki_py::default_fields<SummaryConfig>();
  d["GeneratorConfig"] = ki_py::default_fields<GeneratorConfig>();
  return d;
}

}  // namespace

void bind_defaults(py::module_& m) {
  m.def("cpp_defaults", &all_defaults,
        "The defaults of the C++ config structs (struct -> field -> value), for the check against the "
        "settings table (python/kafkainsight/config.py).");
}
