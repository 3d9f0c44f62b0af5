// Watch side of the module: the rule engine over a topic (WatchPipeline) and over files or
// lines (offline). Conversions only; the GIL is released while C++ runs.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
#include "line_options.h"
#include "typed.h"
#include "watch/watch_pipeline.h"

namespace py = pybind11;
using namespace ki;
using namespace ki::watch;

namespace {

RulesConfig load_rules(const std::string& path, const std::string& text) {
  if (!path.empty()) return load_rules_file(path);
  if (!text.empty()) return load_rules_yaml(text, "<rules>");
  return RulesConfig{};
}

ParserConfig parser_config(const std::string& format, int tz, int year) {
  ParserConfig p;
  auto f = format_from_name(format);
  if (!f) throw py::value_error("unknown format '" + format + "'");
  p.format = *f;
  p.default_offset_min = tz;
  p.default_year = year;
  return p;
}

class PyWatch {
 public:
  explicit PyWatch(WatchConfig w) {
    py::gil_scoped_release release;
    pipeline_ = std::make_unique<WatchPipeline>(std::move(w));
  }

  WatchStats run(uint64_t max_messages, double idle_timeout_s, bool stop_at_end, py::object on_alert,
               py::object progress) {
    GroupLimits lim{max_messages, static_cast<int>(idle_timeout_s * 1000), stop_at_end};
    ki_py::Interrupt intr;
    WatchHooks hooks;
    hooks.stop = [&]() {
      py::gil_scoped_acquire gil;
      return intr.check();
    };
    if (!on_alert.is_none())
      hooks.on_alert = [&](const Alert& a) {
        py::gil_scoped_acquire gil;
        intr.call([&] { on_alert(py::str(a.json)); });  // surfaces after the run, like a signal
      };
    if (!progress.is_none())
      hooks.progress = [&](const WatchStats& s) {
        py::gil_scoped_acquire gil;
        intr.call([&] { progress(ki_py::to_dict(py::cast(s))); });
      };
    WatchStats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->run(lim, hooks);
    }
    keyboard_interrupt_ = intr.keyboard_interrupt();  // stats survive Ctrl-C; Python re-raises
    intr.finish();
    return st;
  }
  bool keyboard_interrupt() const { return keyboard_interrupt_; }
  void request_stop() { pipeline_->request_stop(); }

 private:
  std::unique_ptr<WatchPipeline> pipeline_;
  bool keyboard_interrupt_ = false;
};

class PyLineEvaluator {
 public:
  PyLineEvaluator(const std::string& rules_path, const std::string& rules_text, const std::string& format, int tz,
                  int year, const std::string& source)
      : ev_(load_rules(rules_path, rules_text), parser_config(format, tz, year), source) {}
  std::vector<std::string> add_lines(const std::vector<std::string>& lines) {
    std::vector<Alert> out;
    {
      py::gil_scoped_release release;
      for (const auto& l : lines) ev_.add(l, out);
    }
    return jsons(out);
  }
  std::vector<std::string> add_documents(const std::vector<std::string>& docs) {
    std::vector<Alert> out;
    {
      py::gil_scoped_release release;
      for (const auto& d : docs) ev_.add_document(d, out);
    }
    return jsons(out);
  }
  std::vector<std::string> finish() {
    std::vector<Alert> out;
    ev_.finish(out);
    return jsons(out);
  }
  py::dict stats() const {
    py::dict d = ki_py::to_dict(py::cast(ev_.stats()));
    d["lines"] = ev_.lines;
    d["parsed"] = ev_.parsed;
    d["failed"] = ev_.failed;
    return d;
  }

 private:
  static std::vector<std::string> jsons(const std::vector<Alert>& a) {
    std::vector<std::string> v;
    for (const auto& x : a) v.push_back(x.json);
    return v;
  }
  LineEvaluator ev_;
};

}  // namespace

void bind_watch(py::module_& m) {
  py::register_exception_translator([](std::exception_ptr p) {
    try {
      if (p) std::rethrow_exception(p);
    } catch (const RulesError& e) {
      py::set_error(PyExc_ValueError, e.what());
    }
  });
  using ki_py::Fields;
  py::class_<WebhookConfig> wh(m, "WebhookConfig", "Where alerts are POSTed (ki::watch::WebhookConfig).");
  wh.def(py::init<>());
  Fields<WebhookConfig>(wh)
      .rw("url", &WebhookConfig::url, "http(s)://host:port/path")
      .rw("ca_path", &WebhookConfig::ca_path, "CA file that verifies the webhook's TLS certificate")
      .rw("insecure", &WebhookConfig::insecure, "do NOT verify the webhook's TLS certificate")
      .rw("timeout_ms", &WebhookConfig::timeout_ms, "request timeout (ms)")
      .rw("max_attempts", &WebhookConfig::max_attempts, "attempts per alert (bounded: a dead webhook never blocks)")
      .rw("backoff_initial_ms", &WebhookConfig::backoff_initial_ms, "first retry delay (ms)")
      .rw("backoff_max_ms", &WebhookConfig::backoff_max_ms, "longest retry delay (ms)")
      .done();

  py::class_<WatchConfig> wc(m, "WatchConfig", "The watcher: consumer group, rules and alert sinks (ki::watch::WatchConfig).");
  wc.def(py::init<>());
  Fields<WatchConfig>(wc)
      .rw("bootstrap", &WatchConfig::bootstrap, "Kafka bootstrap servers, host:port[,host:port]")
      .rw("topics", &WatchConfig::topics, "topic names; one starting with ^ is a regex")
      .rw("group", &WatchConfig::group, "consumer group id")
      .rw("auto_offset_reset", &WatchConfig::auto_offset_reset, "where a new group starts: latest (now) or earliest (replay)")
      .rw_prop("properties", [](const WatchConfig& c) { return ki_py::properties_dict(c.properties); },
               [](WatchConfig& c, const py::dict& d) { c.properties = ki_py::properties_from(d); },
               "librdkafka properties passed through (-X), consumer and alert producer; keys and values become strings")
      .rw("alerts_topic", &WatchConfig::alerts_topic, "topic alerts go to; empty: not to Kafka")
      .rw("webhook", &WatchConfig::webhook, "WebhookConfig, or None: no webhook (assign a whole WebhookConfig)")
      .rw_prop("lateness_ms", [](const WatchConfig& c) { return c.rules.lateness_ms; },
               [](WatchConfig& c, int64_t v) { c.rules.lateness_ms = v; },
               "events older than the newest event time minus this are dropped (ms); set after load_rules")
      .done();
  wc.def(
      "load_rules", [](WatchConfig& c, const std::string& path, const std::string& text) { c.rules = load_rules(path, text); },
      py::arg("path") = "", py::arg("text") = "",
      "Rules from a YAML file, or YAML text, or the built-in defaults (both empty); ValueError names file, key, line.");

  py::class_<SinkStats> ss(m, "SinkStats", "Alert deliveries of one sink (ki::watch::SinkStats).");
  ss.def(py::init<>());
  Fields<SinkStats>(ss)
      .ro("sent", &SinkStats::sent, "alerts delivered")
      .ro("failed", &SinkStats::failed, "alerts not delivered")
      .ro("retries", &SinkStats::retries, "attempts retried")
      .ro("last_error", &SinkStats::last_error, "the last delivery error, in words")
      .done();

  py::class_<EngineStats> eng(m, "EngineStats", "The rule engine's counters (ki::watch::EngineStats).");
  eng.def(py::init<>());
  Fields<EngineStats>(eng)
      .ro("events", &EngineStats::events, "events evaluated (on time)")
      .ro("late", &EngineStats::late, "events older than the watermark: dropped")
      .ro("no_timestamp", &EngineStats::no_timestamp, "events without an event time: dropped")
      .ro("evaluations", &EngineStats::evaluations, "window ends evaluated")
      .ro("skipped_seconds", &EngineStats::skipped_seconds, "window ends not evaluated after a jump in event time")
      .ro("fired", &EngineStats::fired, "alerts fired")
      .ro("resolved", &EngineStats::resolved, "alerts resolved")
      .ro("fired_by_rule", &EngineStats::fired_by_rule, "rule -> alerts fired")
      .ro("resolved_by_rule", &EngineStats::resolved_by_rule, "rule -> alerts resolved")
      .ro("active_by_rule", &EngineStats::active_by_rule, "rule -> conditions firing now")
      .ro("max_event_ms", &EngineStats::max_event_ms, "newest event time seen (ms since the epoch; 0: none yet)")
      .ro("watermark_ms", &EngineStats::watermark_ms, "event-time watermark (ms since the epoch; 0: none yet)")
      .done();

  py::class_<WatchStats> ws(m, "WatchStats", "What a watch run did (ki::watch::WatchStats).");
  ws.def(py::init<>());
  Fields<WatchStats>(ws)
      .ro("consumed", &WatchStats::consumed, "messages taken from Kafka")
      .ro("undecodable", &WatchStats::undecodable, "messages that are not JSON documents")
      .ro("engine", &WatchStats::engine, "the rule engine's counters (EngineStats)")
      .ro("kafka_sink", &WatchStats::kafka_sink, "alerts to the alerts topic (SinkStats)")
      .ro("webhook_sink", &WatchStats::webhook_sink, "alerts to the webhook (SinkStats)")
      .ro("lag", &WatchStats::lag, "topic[partition] -> high watermark - position")
      .ro_prop("e2e_latency", [](const WatchStats& s) { return ki_py::histogram_dict(s.e2e_latency); },
               "histogram (seconds) of producer read the line (ki.ts header, else message time) -> evaluated")
      .ro("seconds", &WatchStats::seconds, "run time")
      .ro("errors", &WatchStats::errors, "errors seen, in words")
      .ro("fatal", &WatchStats::fatal, "why the run stopped early; empty otherwise")
      .ro("interrupted", &WatchStats::interrupted, "stopped by a signal or stop()")
      .done();

  m.def("watch_default_rules", &default_rules_yaml, "The built-in rules as YAML.");
  m.def(
      "watch_check_rules",
      [](const std::string& path, const std::string& text) {
        RulesConfig c = load_rules(path, text);
        py::dict d;
        d["lateness_s"] = static_cast<double>(c.lateness_ms) / 1000;
        py::list rules;
        for (const auto& r : make_rules(c)) rules.append(std::string(r->name()));
        d["rules"] = rules;
        return d;
      },
      py::arg("path") = "", py::arg("text") = "");
  m.def(
      "watch_evaluate_files",
      [](const std::vector<std::string>& paths, const std::string& rules_path, const std::string& rules_text,
         const std::string& format, int tz, int year, const GrokConfig& grok, const MultilineConfig& multiline) {
        RulesConfig rules = load_rules(rules_path, rules_text);
        ParserConfig pc = parser_config(format, tz, year);
        ki_py::apply_line_options(pc, grok, multiline);
        ki_py::Interrupt intr;
        auto stop = [&]() {
          py::gil_scoped_acquire gil;
          return intr.check();
        };
        OfflineResult r;
        {
          py::gil_scoped_release release;
          r = evaluate_files(paths, rules, pc, stop);
        }
        intr.raise_if_pending();
        py::dict d;
        py::list alerts;
        for (const auto& a : r.alerts) alerts.append(py::str(a.json));
        d["alerts"] = alerts;
        py::dict st = ki_py::to_dict(py::cast(r.engine));
        st["lines"] = r.lines;
        st["parsed"] = r.parsed;
        st["failed"] = r.failed;
        d["stats"] = st;
        return d;
      },
      py::arg("paths"), py::arg("rules_path") = "", py::arg("rules_text") = "", py::arg("format") = "auto",
      py::arg("tz") = 0, py::arg("year") = 0, py::arg("grok") = GrokConfig(), py::arg("multiline") = MultilineConfig());
  py::class_<PyLineEvaluator>(m, "LineEvaluator")
      .def(py::init<const std::string&, const std::string&, const std::string&, int, int, const std::string&>(),
           py::arg("rules_path") = "", py::arg("rules_text") = "", py::arg("format") = "auto", py::arg("tz") = 0,
           py::arg("year") = 0, py::arg("source") = "lines")
      .def("add_lines", &PyLineEvaluator::add_lines)
      .def("add_documents", &PyLineEvaluator::add_documents)
      .def("finish", &PyLineEvaluator::finish)
      .def("stats", &PyLineEvaluator::stats);
  py::class_<PyWatch>(m, "WatchPipeline")
      .def(py::init<WatchConfig>(), py::arg("config"))
      .def("run", &PyWatch::run, py::arg("max_messages") = 0, py::arg("idle_timeout") = 0.0,
           py::arg("stop_at_end") = false, py::arg("on_alert") = py::none(), py::arg("progress") = py::none(),
           "Runs until stopped or a limit; progress(dict) gets WatchStats.to_dict() snapshots.")
      .def_property_readonly("keyboard_interrupt", &PyWatch::keyboard_interrupt,
                             "the last run() ended on Ctrl-C (its stats are returned; the caller re-raises)")
      .def("request_stop", &PyWatch::request_stop);
}
