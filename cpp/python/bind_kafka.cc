// Kafka side of the module: embedded broker, produce pipeline, topic reader.
#include <pybind11/functional.h>

#include <atomic>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "typed.h"
#include "kafka/mock_cluster.h"
#include "kafka/topic_reader.h"
#include "pipeline/produce_pipeline.h"

namespace py = pybind11;
using namespace ki;

namespace {

py::dict by_format_dict(const ProduceStats& s) {
  py::dict by;
  for (int i = 1; i < kFormatCount; ++i)
    if (s.by_format[i]) by[py::str(std::string(format_name(static_cast<Format>(i))))] = s.by_format[i];
  return by;
}

std::string format_text(Format f) { return f == Format::Unknown ? "auto" : std::string(format_name(f)); }

const char* on_parse_error_name(OnParseError e) {
  return e == OnParseError::DeadLetter ? "dlq" : e == OnParseError::Skip ? "skip" : "fail";
}

const char* header_mode_name(HeaderMode h) {
  return h == HeaderMode::Time ? "ts" : h == HeaderMode::All ? "all" : "none";
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
      .def("broker_down", &MockCluster::broker_down)
      .def("broker_up", &MockCluster::broker_up)
      .def("set_rtt", &MockCluster::set_rtt)
      .def("set_leader", &MockCluster::set_leader)
      .def("push_request_errors", &MockCluster::push_request_errors)
      .def("set_topic_error", &MockCluster::set_topic_error);

  using ki_py::Fields;
  py::class_<ProduceConfig> pc(m, "ProduceConfig",
                               "The produce pipeline: Kafka producer, parser, encoder, delivery (ki::ProduceConfig), "
                               "seen flat; names and units as in the settings table.");
  pc.def(py::init<>());
  Fields<ProduceConfig>(pc)
      .rw_prop("bootstrap", [](const ProduceConfig& c) { return c.producer.bootstrap; },
               [](ProduceConfig& c, std::string v) { c.producer.bootstrap = std::move(v); },
               "Kafka bootstrap servers, host:port[,host:port]")
      .rw_prop("properties", [](const ProduceConfig& c) { return ki_py::properties_dict(c.producer.properties); },
               [](ProduceConfig& c, const py::dict& d) { c.producer.properties = ki_py::properties_from(d); },
               "librdkafka properties passed through (-X), after ours; keys and values become strings")
      .rw_prop("timeout_ms", [](const ProduceConfig& c) { return c.producer.connect_timeout_ms; },
               [](ProduceConfig& c, int v) { c.producer.connect_timeout_ms = v; },
               "how long to wait for a broker to answer at start (ms)")
      .rw("topic", &ProduceConfig::topic, "topic the documents go to")
      .rw("dlq_topic", &ProduceConfig::dlq_topic, "dead-letter topic for lines that do not parse; empty: <topic>.dlq")
      .rw_prop("format", [](const ProduceConfig& c) { return format_text(c.parser.format); },
               [](ProduceConfig& c, const std::string& v) {
                 auto f = format_from_name(v);
                 if (!f) throw py::value_error("unknown format '" + v + "'");
                 c.parser.format = *f;
               },
               "log format, or auto (detect per line)")
      .rw_prop("tz_offset_min", [](const ProduceConfig& c) { return c.parser.default_offset_min; },
               [](ProduceConfig& c, int v) { c.parser.default_offset_min = v; },
               "zone (minutes east of UTC) of timestamps that carry none")
      .rw_prop("year", [](const ProduceConfig& c) { return c.parser.default_year; },
               [](ProduceConfig& c, int v) { c.parser.default_year = v; },
               "year of BSD syslog timestamps; 0: inferred from the clock")
      .rw_prop("schema", [](const ProduceConfig& c) { return std::string(schema_name(c.encoder.schema)); },
               [](ProduceConfig& c, const std::string& v) {
                 auto s = schema_from_name(v);
                 if (!s) throw py::value_error("unknown schema '" + v + "'; choose ecs or kafkainsight");
                 c.encoder.schema = *s;
               },
               "document schema: ecs or kafkainsight")
      .rw_prop("include_original", [](const ProduceConfig& c) { return c.encoder.include_original; },
               [](ProduceConfig& c, bool v) { c.encoder.include_original = v; }, "ecs: event.original = the raw line")
      .rw("key", &ProduceConfig::key_field, "ECS field whose value keys each message (empty: no key)")
      .rw_prop("on_parse_error", [](const ProduceConfig& c) { return std::string(on_parse_error_name(c.on_parse_error)); },
               [](ProduceConfig& c, const std::string& v) {
                 if (v == "dlq") c.on_parse_error = OnParseError::DeadLetter;
                 else if (v == "skip") c.on_parse_error = OnParseError::Skip;
                 else if (v == "fail") c.on_parse_error = OnParseError::Fail;
                 else throw py::value_error("on_parse_error must be dlq, skip or fail");
               },
               "a line that does not parse: dlq (dead-letter topic), skip (count it) or fail (stop)")
      .rw("rate", &ProduceConfig::rate, "lines per second; 0: as fast as possible")
      .rw("follow", &ProduceConfig::follow, "follow the file as it grows (tail -F)")
      .rw_prop("from_end", [](const ProduceConfig& c) { return c.follow_cfg.from_end; },
               [](ProduceConfig& c, bool v) { c.follow_cfg.from_end = v; }, "following: start at the current end")
      .rw_prop("poll_ms", [](const ProduceConfig& c) { return c.follow_cfg.poll_ms; },
               [](ProduceConfig& c, int v) { c.follow_cfg.poll_ms = v; }, "following: how often to look for new data (ms)")
      .rw("rescan_ms", &ProduceConfig::rescan_ms, "following patterns: how often to look for new matching files (ms)")
      .rw("max_open_files", &ProduceConfig::max_open_files, "following: at most this many files at a time")
      .rw("flush_timeout_ms", &ProduceConfig::flush_timeout_ms, "how long to wait for in-flight messages at the end (ms)")
      .rw_prop("headers", [](const ProduceConfig& c) { return std::string(header_mode_name(c.headers)); },
               [](ProduceConfig& c, const std::string& v) {
                 auto hm = header_mode_from_name(v);
                 if (!hm) throw py::value_error("headers must be ts, all or none; got '" + v + "'");
                 c.headers = *hm;
               },
               "message headers: ts (ki.ts on live sources), all (also ki.source, ki.line, ki.format) or none")
      .rw_prop("event_ids", [](const ProduceConfig& c) { return std::string(event_ids_name(c.event_ids)); },
               [](ProduceConfig& c, const std::string& v) {
                 auto e = event_ids_from_name(v);
                 if (!e) throw py::value_error("event_ids must be follow, files or none; got '" + v + "'");
                 c.event_ids = *e;
               },
               "which lines carry ki.id (file fingerprint + byte offset, the consumer's _id): follow (lines of "
               "followed files), files (of every regular file) or none")
      .done();

  py::class_<ProduceStats> ps(m, "ProduceStats",
                              "What happened to every line (ki::ProduceStats): "
                              "read = produced + dead_lettered + skipped + empty + failed_delivery.");
  ps.def(py::init<>());
  Fields<ProduceStats>(ps)
      .ro("read", &ProduceStats::read, "lines read")
      .ro("produced", &ProduceStats::produced, "documents acknowledged by Kafka")
      .ro("dead_lettered", &ProduceStats::dead_lettered, "bad lines acknowledged on the dead-letter topic")
      .ro("skipped", &ProduceStats::skipped, "bad lines counted and dropped (on_parse_error=skip)")
      .ro("empty", &ProduceStats::empty, "blank lines")
      .ro("failed_delivery", &ProduceStats::failed_delivery, "not acknowledged by Kafka")
      .ro("parse_errors", &ProduceStats::parse_errors, "lines that did not parse (dead-lettered, skipped or stopped on)")
      .ro("bytes", &ProduceStats::bytes, "bytes read")
      .ro("seconds", &ProduceStats::seconds, "run time")
      .ro("interrupted", &ProduceStats::interrupted, "stopped by a signal or stop()")
      .ro("stopped_reason", &ProduceStats::stopped_reason, "on_parse_error=fail: which line, why")
      .ro("errors", &ProduceStats::errors, "first delivery errors / parse errors with their line")
      .ro_prop("by_format", &by_format_dict, "format -> lines parsed in it")
      .ro("rotations", &ProduceStats::rotations, "following: files rotated")
      .ro("truncations", &ProduceStats::truncations, "following: files truncated")
      .ro("files_opened", &ProduceStats::files_opened, "following: files opened (named or matched by a pattern)")
      .ro("files_closed", &ProduceStats::files_closed, "following: matched files closed after they went away")
      .ro("files_followed", &ProduceStats::files_followed, "following: files open now")
      .ro("resumed", &ProduceStats::resumed, "lines not sent again: acknowledged in an earlier run (resume=)")
      .ro("input_error", &ProduceStats::input_error,
          "the input could not be read to its end: where and why (the lines before it were sent)")
      .done();

  py::class_<PyProducer>(m, "Producer")
      .def(py::init<ProduceConfig>(), py::arg("config"))
      .def_property_readonly("keyboard_interrupt", &PyProducer::keyboard_interrupt,
                             "the last call ended on Ctrl-C (its stats are returned; the caller re-raises)")
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
