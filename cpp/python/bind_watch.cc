// Watch side of the module: the rule engine over a topic (WatchPipeline) and over files or
// lines (offline). Conversions only; the GIL is released while C++ runs.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "interrupt.h"
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

py::dict histogram_dict(const Histogram& h) {
  py::list buckets;
  uint64_t cum = 0;
  for (size_t i = 0; i < Histogram::kBounds.size(); ++i) {
    cum += h.counts[i];
    buckets.append(py::make_tuple(Histogram::kBounds[i], cum));
  }
  py::dict d;
  d["buckets"] = buckets;  // (upper bound, cumulative count); +Inf is "count"
  d["sum"] = h.sum;
  d["count"] = h.count;
  return d;
}

py::dict engine_dict(const EngineStats& e) {
  py::dict d;
  d["events"] = e.events;
  d["late"] = e.late;
  d["no_timestamp"] = e.no_timestamp;
  d["evaluations"] = e.evaluations;
  d["skipped_seconds"] = e.skipped_seconds;
  d["fired"] = e.fired;
  d["resolved"] = e.resolved;
  d["fired_by_rule"] = e.fired_by_rule;
  d["resolved_by_rule"] = e.resolved_by_rule;
  d["active_by_rule"] = e.active_by_rule;
  d["max_event_ms"] = e.max_event_ms;
  d["watermark_ms"] = e.watermark_ms;
  return d;
}

py::dict sink_dict(const SinkStats& s) {
  py::dict d;
  d["sent"] = s.sent;
  d["failed"] = s.failed;
  d["retries"] = s.retries;
  d["last_error"] = s.last_error;
  return d;
}

py::dict watch_stats_dict(const WatchStats& s) {
  py::dict d;
  d["consumed"] = s.consumed;
  d["undecodable"] = s.undecodable;
  d["engine"] = engine_dict(s.engine);
  d["kafka_sink"] = sink_dict(s.kafka_sink);
  d["webhook_sink"] = sink_dict(s.webhook_sink);
  d["lag"] = s.lag;
  d["e2e_latency"] = histogram_dict(s.e2e_latency);
  d["seconds"] = s.seconds;
  d["errors"] = s.errors;
  d["fatal"] = s.fatal;
  d["interrupted"] = s.interrupted;
  return d;
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
  explicit PyWatch(py::dict c) {
    WatchConfig w;
    w.bootstrap = c["bootstrap"].cast<std::string>();
    w.topics = c["topics"].cast<std::vector<std::string>>();
    w.group = c["group"].cast<std::string>();
    w.auto_offset_reset = c["auto_offset_reset"].cast<std::string>();
    auto props = c["properties"].cast<std::map<std::string, std::string>>();
    w.properties.assign(props.begin(), props.end());
    w.alerts_topic = c["alerts_topic"].cast<std::string>();
    std::string hook = c["webhook"].cast<std::string>();
    if (!hook.empty()) {
      WebhookConfig wc;
      wc.url = hook;
      std::string ca = c["webhook_ca"].cast<std::string>();
      if (!ca.empty()) wc.ca_path = ca;
      wc.insecure = c["webhook_insecure"].cast<bool>();
      wc.timeout_ms = static_cast<int>(c["webhook_timeout"].cast<double>() * 1000);
      wc.max_attempts = c["webhook_attempts"].cast<uint32_t>();
      w.webhook = wc;
    }
    w.rules = load_rules(c["rules_path"].cast<std::string>(), c["rules_text"].cast<std::string>());
    if (c.contains("lateness") && !c["lateness"].is_none())
      w.rules.lateness_ms = static_cast<int64_t>(c["lateness"].cast<double>() * 1000);
    py::gil_scoped_release release;
    pipeline_ = std::make_unique<WatchPipeline>(std::move(w));
  }

  py::dict run(uint64_t max_messages, double idle_timeout_s, bool stop_at_end, py::object on_alert,
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
        intr.call([&] { progress(watch_stats_dict(s)); });
      };
    WatchStats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->run(lim, hooks);
    }
    py::dict d = watch_stats_dict(st);
    if (intr.keyboard_interrupt()) d["keyboard_interrupt"] = true;  // stats survive Ctrl-C; Python re-raises
    intr.finish();
    return d;
  }
  void request_stop() { pipeline_->request_stop(); }

 private:
  std::unique_ptr<WatchPipeline> pipeline_;
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
    py::dict d = engine_dict(ev_.stats());
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
         const std::string& format, int tz, int year) {
        RulesConfig rules = load_rules(rules_path, rules_text);
        ParserConfig pc = parser_config(format, tz, year);
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
        py::dict st = engine_dict(r.engine);
        st["lines"] = r.lines;
        st["parsed"] = r.parsed;
        st["failed"] = r.failed;
        d["stats"] = st;
        return d;
      },
      py::arg("paths"), py::arg("rules_path") = "", py::arg("rules_text") = "", py::arg("format") = "auto",
      py::arg("tz") = 0, py::arg("year") = 0);
  py::class_<PyLineEvaluator>(m, "LineEvaluator")
      .def(py::init<const std::string&, const std::string&, const std::string&, int, int, const std::string&>(),
           py::arg("rules_path") = "", py::arg("rules_text") = "", py::arg("format") = "auto", py::arg("tz") = 0,
           py::arg("year") = 0, py::arg("source") = "lines")
      .def("add_lines", &PyLineEvaluator::add_lines)
      .def("add_documents", &PyLineEvaluator::add_documents)
      .def("finish", &PyLineEvaluator::finish)
      .def("stats", &PyLineEvaluator::stats);
  py::class_<PyWatch>(m, "WatchPipeline")
      .def(py::init<py::dict>(), py::arg("config"))
      .def("run", &PyWatch::run, py::arg("max_messages") = 0, py::arg("idle_timeout") = 0.0,
           py::arg("stop_at_end") = false, py::arg("on_alert") = py::none(), py::arg("progress") = py::none())
      .def("request_stop", &PyWatch::request_stop);
}
