// Kafka side of the module: embedded broker, produce pipeline, topic reader.
#include <pybind11/functional.h>

#include <atomic>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "line_options.h"
#include "typed.h"
#include "kafka/mock_cluster.h"
#include "kafka/topic_reader.h"
#include "pipeline/produce_pipeline.h"

namespace py = pybind11;
using namespace ki;

namespace {

Properties to_props(const std::map<std::string, std::string>& m) { return Properties(m.begin(), m.end()); }

// Hooks run with the GIL released; each call re-acquires it. A KeyboardInterrupt (Ctrl-C,
// or SIGTERM turned into one by the CLI) stops reading; the C++ side then flushes.
struct PyHooks {
  py::object progress;
  std::atomic<bool>* stop_requested;
  py::object stats = py::none();  // receives the whole stats dict (/metrics)
  ki_py::Interrupt intr;
  ProduceHooks make() {
    ProduceHooks h;
    h.stop = [this]() {
      if (stop_requested->exchange(false)) return true;  // Producer.stop() from another thread
      py::gil_scoped_acquire gil;
      return intr.check();
    };
    if (!progress.is_none() || !stats.is_none())
      h.progress = [this](const ProduceStats& s, uint64_t queued) {
        py::gil_scoped_acquire gil;
        intr.call([&] {
          if (!stats.is_none()) stats(ki_py::to_dict(py::cast(s)));
          if (!progress.is_none()) progress(s.read, s.bytes, queued);
        });
      };
    return h;
  }
};

class PyProducer {
 public:
  explicit PyProducer(ProduceConfig c) {
    py::gil_scoped_release release;
    pipeline_ = std::make_unique<ProducePipeline>(std::move(c));
  }

  ProduceStats produce_files(const std::vector<std::string>& paths, py::object progress, py::object stats) {
    PyHooks hooks{std::move(progress), &stop_, std::move(stats)};
    ProduceStats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->produce_files(paths, hooks.make());
    }
    return finish(st, hooks);
  }

  ProduceStats produce_lines(const std::vector<std::string>& lines) {
    PyHooks hooks{py::none(), &stop_};
    ProduceStats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->produce_lines(lines, hooks.make());
    }
    return finish(st, hooks);
  }

  int flush(double timeout_s) {
    py::gil_scoped_release release;
    return pipeline_->flush(static_cast<int>(timeout_s * 1000));
  }
  int partitions() const { return pipeline_->partitions(); }
  std::string dlq_topic() const { return pipeline_->config().dlq_topic; }  // <topic>.dlq unless given
  void request_stop() { stop_ = true; }
  void set_checkpoint(const std::string& path) { pipeline_->set_checkpoint(path); }
  bool keyboard_interrupt() const { return keyboard_interrupt_; }

 private:
  // Stats survive a Ctrl-C: they are returned with "interrupted" set and the KeyboardInterrupt
  // is dropped here (keyboard_interrupt tells); the Python layer decides whether to re-raise.
  ProduceStats finish(ProduceStats st, PyHooks& hooks) {
    keyboard_interrupt_ = hooks.intr.keyboard_interrupt();
    if (keyboard_interrupt_) st.interrupted = true;
    hooks.intr.finish();
    return st;
  }
  std::unique_ptr<ProducePipeline> pipeline_;
  std::atomic<bool> stop_{false};
  bool keyboard_interrupt_ = false;
};

}  // namespace

void bind_kafka(py::module_& m) {
  static py::exception<KafkaError> kafka_error(m, "KafkaError", PyExc_RuntimeError);
  static py::exception<KafkaError> unreachable(m, "KafkaUnreachableError", kafka_error.ptr());
  static py::exception<KafkaError> unknown_topic(m, "KafkaTopicError", kafka_error.ptr());
  static py::exception<KafkaError> config_error(m, "KafkaConfigError", kafka_error.ptr());
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const KafkaError& e) {
      switch (e.kind()) {
        case KafkaError::Kind::Unreachable: py::set_error(unreachable, e.what()); break;
        case KafkaError::Kind::UnknownTopic: py::set_error(unknown_topic, e.what()); break;
        case KafkaError::Kind::Config: py::set_error(config_error, e.what()); break;
        default: py::set_error(kafka_error, e.what());
      }
    }
  });

  py::class_<MockCluster>(m, "MockCluster")
      .def(py::init<int>(), py::arg("brokers") = 1)
      .def_property_readonly("bootstrap", &MockCluster::bootstrap)
      .def_property_readonly("brokers", &MockCluster::brokers)
      .def("create_topic", &MockCluster::create_topic, py::arg("name"), py::arg("partitions") = 4,
           py::arg("replication") = 1)
      .def("broker_down", &MockCluster::broker_down, py::arg("broker_id"))
      .def("broker_up", &MockCluster::broker_up, py::arg("broker_id"))
      .def("set_rtt", &MockCluster::set_rtt, py::arg("broker_id"), py::arg("rtt_ms"))
      .def("set_leader", &MockCluster::set_leader, py::arg("topic"), py::arg("partition"), py::arg("broker_id"))
      .def("push_request_errors", &MockCluster::push_request_errors, py::arg("api_key"), py::arg("errors"))
      .def("set_topic_error", &MockCluster::set_topic_error, py::arg("topic"), py::arg("error"));

  py::class_<PyProducer>(m, "Producer")
      .def(py::init<ProduceConfig>(), py::arg("config"))
      .def_property_readonly("keyboard_interrupt", &PyProducer::keyboard_interrupt,
                             "the last call ended on Ctrl-C (its stats are returned; the caller re-raises)")
      .def("produce_files", &PyProducer::produce_files, py::arg("paths"), py::arg("progress") = py::none(),
           py::arg("stats") = py::none())
      .def("produce_lines", &PyProducer::produce_lines, py::arg("lines"))
      .def("flush", &PyProducer::flush, py::arg("timeout") = 30.0)
      .def("request_stop", &PyProducer::request_stop, "Ask a running call to stop (from another thread).")
      .def("set_checkpoint", &PyProducer::set_checkpoint, py::arg("path"))
      .def_property_readonly("partitions", &PyProducer::partitions)
      .def_property_readonly("dlq_topic", &PyProducer::dlq_topic);

  m.def(
      "read_topic",
      [](const std::string& bootstrap, const std::string& topic, const std::map<std::string, std::string>& props,
         size_t keep, double timeout_s) {
        TopicReadResult r;
        {
          py::gil_scoped_release release;
          r = read_topic(bootstrap, topic, to_props(props), keep, static_cast<int>(timeout_s * 1000));
        }
        py::dict d;
        d["messages"] = r.messages;
        d["bytes"] = r.bytes;
        d["per_partition"] = r.per_partition;
        py::list kept;
        for (auto& tm : r.kept) {
          py::dict x;
          x["partition"] = tm.partition;
          x["offset"] = tm.offset;
          x["timestamp"] = tm.timestamp_ms;
          x["key"] = py::bytes(tm.key);
          x["value"] = py::bytes(tm.value);
          py::dict h;
          for (auto& [k, v] : tm.headers) h[py::str(k)] = py::bytes(v);
          x["headers"] = h;
          kept.append(x);
        }
        d["kept"] = kept;
        return d;
      },
      py::arg("bootstrap"), py::arg("topic"), py::arg("properties") = std::map<std::string, std::string>{},
      py::arg("keep") = 10, py::arg("timeout") = 30.0);
}
