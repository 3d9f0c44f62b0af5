// Kafka -> Elasticsearch side of the module: the consume pipeline.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "group_runner.h"
#include "pipeline/consume_pipeline.h"
#include "pipeline/es_setup.h"

namespace py = pybind11;
using namespace ki;

namespace {

class PyConsumer : public ki_py::GroupRunner<ConsumePipeline, ConsumeStats, ConsumeHooks> {
 public:
  PyConsumer(ConsumerConfig consumer, EsSinkConfig sink)
      : GroupRunner(std::make_unique<ConsumePipeline>(std::move(consumer), std::move(sink))) {}
  ConsumeStats run(uint64_t max_messages, double idle_timeout_s, bool stop_at_end, py::object progress) {
    return GroupRunner::run(max_messages, idle_timeout_s, stop_at_end, std::move(progress),
                            [](ConsumeHooks&, ki_py::Interrupt&) {});
  }
};

}  // namespace

void bind_elasticsearch(py::module_& m) {
  py::class_<PyConsumer> pipeline(m, "ConsumePipeline", "Kafka consumer group -> Elasticsearch bulk (ki::ConsumePipeline).");
  pipeline.def(py::init<ConsumerConfig, EsSinkConfig>(), py::arg("consumer"), py::arg("sink"))
      .def("run", &PyConsumer::run, py::arg("max_messages") = 0, py::arg("idle_timeout") = 0.0,
           py::arg("stop_at_end") = false, py::arg("progress") = py::none(),
           "Runs until stopped or a limit; progress(dict) gets ConsumeStats.to_dict() snapshots.");
  PyConsumer::bind_common(pipeline);
  m.def("template_for_engine", &consume::template_for_engine, py::arg("template"), py::arg("info"),
        "An index template (JSON text) for the engine whose GET / answered `info`: OpenSearch gets "
        "'flat_object' where Elasticsearch has 'flattened' (the sink's --install-template does the same).");
}
