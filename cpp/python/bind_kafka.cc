// Kafka side of the module: embedded broker, produce pipeline, topic reader.
#include <pybind11/functional.h>

#include <atomic>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "kafka/mock_cluster.h"
#include "kafka/topic_reader.h"
#include "pipeline/produce_pipeline.h"

namespace py = pybind11;
using namespace ki;

namespace {

py::dict produce_stats_dict(const ProduceStats& s) {
  py::dict d;
  d["read"] = s.read;
  d["produced"] = s.produced;
  d["dead_lettered"] = s.dead_lettered;
  d["skipped"] = s.skipped;
  d["empty"] = s.empty;
  d["failed_delivery"] = s.failed_delivery;
  d["parse_errors"] = s.parse_errors;
  d["bytes"] = s.bytes;
  d["seconds"] = s.seconds;
  d["interrupted"] = s.interrupted;
  d["stopped_reason"] = s.stopped_reason;
  d["input_error"] = s.input_error;
  d["errors"] = s.errors;
  d["rotations"] = s.rotations;
  d["truncations"] = s.truncations;
  d["resumed"] = s.resumed;
  d["balanced"] = s.balanced();
  py::dict by;
  for (int i = 1; i < kFormatCount; ++i)
    if (s.by_format[i]) by[py::str(std::string(format_name(static_cast<Format>(i))))] = s.by_format[i];
  d["by_format"] = by;
  return d;
}

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
          if (!stats.is_none()) stats(produce_stats_dict(s));
          if (!progress.is_none()) progress(s.read, s.bytes, queued);
        });
      };
    return h;
  }
};

class PyProducer {
 public:
  PyProducer(const std::string& bootstrap, const std::string& topic, const std::map<std::string, std::string>& props,
             const std::string& dlq_topic, const std::string& format, const std::string& schema, bool include_original,
             int tz, int year, const std::string& key, const std::string& on_parse_error, double rate, double timeout_s,
             bool follow, bool from_end, double poll_s, double flush_timeout_s, const std::string& headers) {
    ProduceConfig c;
    c.producer.bootstrap = bootstrap;
    c.producer.properties = to_props(props);
    c.producer.connect_timeout_ms = static_cast<int>(timeout_s * 1000);
    c.topic = topic;
    c.dlq_topic = dlq_topic;
    auto f = format_from_name(format);
    if (!f) throw py::value_error("unknown format '" + format + "'");
    c.parser.format = *f;
    c.parser.default_offset_min = tz;
    c.parser.default_year = year;
    auto s = schema_from_name(schema);
    if (!s) throw py::value_error("unknown schema '" + schema + "'; choose ecs or kafkainsight");
    c.encoder = EncoderConfig{*s, include_original};
    c.key_field = key;
    if (on_parse_error == "dlq") c.on_parse_error = OnParseError::DeadLetter;
    else if (on_parse_error == "skip") c.on_parse_error = OnParseError::Skip;
    else if (on_parse_error == "fail") c.on_parse_error = OnParseError::Fail;
    else throw py::value_error("on_parse_error must be dlq, skip or fail");
    c.rate = rate;
    c.follow = follow;
    c.follow_cfg.from_end = from_end;
    c.follow_cfg.poll_ms = static_cast<int>(poll_s * 1000);
    c.flush_timeout_ms = static_cast<int>(flush_timeout_s * 1000);
    auto hm = header_mode_from_name(headers);
    if (!hm) throw py::value_error("headers must be ts, all or none; got '" + headers + "'");
    c.headers = *hm;
    py::gil_scoped_release release;
    pipeline_ = std::make_unique<ProducePipeline>(std::move(c));
  }

  py::dict produce_files(const std::vector<std::string>& paths, py::object progress, py::object stats) {
    PyHooks hooks{std::move(progress), &stop_, std::move(stats)};
    ProduceStats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->produce_files(paths, hooks.make());
    }
    return finish(st, hooks);
  }

  py::dict produce_lines(const std::vector<std::string>& lines) {
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

 private:
  // Stats survive a Ctrl-C: they are returned with "interrupted" set and the KeyboardInterrupt
  // is dropped here; the Python layer decides whether to re-raise.
  py::dict finish(const ProduceStats& st, PyHooks& hooks) {
    py::dict d = produce_stats_dict(st);
    if (hooks.intr.keyboard_interrupt()) {
      d["interrupted"] = true;
      d["exception"] = py::reinterpret_borrow<py::object>(PyExc_KeyboardInterrupt);
    }
    hooks.intr.finish();
    return d;
  }
  std::unique_ptr<ProducePipeline> pipeline_;
  std::atomic<bool> stop_{false};
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
      .def("broker_down", &MockCluster::broker_down)
      .def("broker_up", &MockCluster::broker_up)
      .def("set_rtt", &MockCluster::set_rtt)
      .def("set_leader", &MockCluster::set_leader)
      .def("push_request_errors", &MockCluster::push_request_errors)
      .def("set_topic_error", &MockCluster::set_topic_error);

  py::class_<PyProducer>(m, "Producer")
      .def(py::init<const std::string&, const std::string&, const std::map<std::string, std::string>&,
                    const std::string&, const std::string&, const std::string&, bool, int, int, const std::string&,
                    const std::string&, double, double, bool, bool, double, double, const std::string&>(),
           py::arg("bootstrap"), py::arg("topic"), py::arg("properties"), py::arg("dlq_topic"), py::arg("format"),
           py::arg("schema"), py::arg("include_original"), py::arg("tz_offset_min"), py::arg("year"),
           py::arg("key"), py::arg("on_parse_error"), py::arg("rate"), py::arg("timeout"), py::arg("follow"),
           py::arg("from_end"), py::arg("poll_interval"), py::arg("flush_timeout"), py::arg("headers") = "ts")
      .def("produce_files", &PyProducer::produce_files, py::arg("paths"), py::arg("progress") = py::none(),
           py::arg("stats") = py::none())
      .def("produce_lines", &PyProducer::produce_lines)
      .def("flush", &PyProducer::flush, py::arg("timeout") = 30.0)
      .def("request_stop", &PyProducer::request_stop)
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
