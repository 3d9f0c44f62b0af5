// Watch side of the module: the rule engine over a topic (WatchPipeline) and over files or
// lines (offline). Conversions only; the GIL is released while C++ runs.
#include <pybind11/functional.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include "group_runner.h"
#include "convert.h"
#include "watch/watch_pipeline.h"

namespace py = pybind11;
using namespace ki;
using namespace ki::watch;

namespace {

// Offline evaluation's stats: the engine's counters and the input's line counts.
py::dict offline_stats(const EngineStats& engine, uint64_t lines, uint64_t parsed, uint64_t failed) {
  py::dict d = ki_py::to_dict(py::cast(engine));
  d["lines"] = lines;
  d["parsed"] = parsed;
  d["failed"] = failed;
  return d;
}

class PyWatch : public ki_py::GroupRunner<WatchPipeline, WatchStats, WatchHooks> {
 public:
  explicit PyWatch(WatchConfig w) : GroupRunner(connect(std::move(w))) {}
  WatchStats run(uint64_t max_messages, double idle_timeout_s, bool stop_at_end, py::object on_alert,
                 py::object progress) {
    return GroupRunner::run(max_messages, idle_timeout_s, stop_at_end, std::move(progress),
                            [&](WatchHooks& hooks, ki_py::Interrupt& intr) {
                              if (on_alert.is_none()) return;
                              hooks.on_alert = [&](const Alert& a) {
                                py::gil_scoped_acquire gil;
                                intr.call([&] { on_alert(py::str(a.json)); });  // surfaces after the run, like a signal
                              };
                            });
  }

 private:
  static std::unique_ptr<WatchPipeline> connect(WatchConfig w) {
    py::gil_scoped_release release;
    return std::make_unique<WatchPipeline>(std::move(w));
  }
};

class PyLineEvaluator {
 public:
  PyLineEvaluator(const std::string& rules_path, const std::string& rules_text, const std::string& format, int tz,
                  int year, const std::string& source, const ki_py::FieldOptions& fields)
      : ev_(ki_py::load_rules(rules_path, rules_text), ki_py::parser_config(format, tz, year, fields), source) {}
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
  py::dict stats() const { return offline_stats(ev_.stats(), ev_.lines, ev_.parsed, ev_.failed); }

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
        RulesConfig c = ki_py::load_rules(path, text);
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
         const std::string& format, int tz, int year, const ki_py::FieldOptions& fields, const GrokConfig& grok,
         const MultilineConfig& multiline, const std::string& encoding) {
        RulesConfig rules = ki_py::load_rules(rules_path, rules_text);
        ParserConfig pc = ki_py::parser_config(format, tz, year, fields, grok, multiline, encoding);
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
        d["stats"] = offline_stats(r.engine, r.lines, r.parsed, r.failed);
        return d;
      },
      py::arg("paths"), py::arg("rules_path") = "", py::arg("rules_text") = "", py::arg("format") = "auto",
      py::arg("tz") = 0, py::arg("year") = 0, py::arg_v("fields", ki_py::FieldOptions{}, "FieldOptions()"),
      py::arg_v("grok", GrokConfig(), "GrokConfig()"), py::arg_v("multiline", MultilineConfig(), "MultilineConfig()"),
      py::arg("encoding") = "");
  py::class_<PyLineEvaluator>(m, "LineEvaluator")
      .def(py::init<const std::string&, const std::string&, const std::string&, int, int, const std::string&,
                    const ki_py::FieldOptions&>(),
           py::arg("rules_path") = "", py::arg("rules_text") = "", py::arg("format") = "auto", py::arg("tz") = 0,
           py::arg("year") = 0, py::arg("source") = "lines", py::arg_v("fields", ki_py::FieldOptions{}, "FieldOptions()"))
      .def("add_lines", &PyLineEvaluator::add_lines, py::arg("lines"))
      .def("add_documents", &PyLineEvaluator::add_documents, py::arg("docs"))
      .def("finish", &PyLineEvaluator::finish)
      .def("stats", &PyLineEvaluator::stats);
  py::class_<PyWatch> pipeline(m, "WatchPipeline", "Kafka consumer group -> rule engine -> alert sinks (ki::watch::WatchPipeline).");
  pipeline.def(py::init<WatchConfig>(), py::arg("config"))
      .def("run", &PyWatch::run, py::arg("max_messages") = 0, py::arg("idle_timeout") = 0.0,
           py::arg("stop_at_end") = false, py::arg("on_alert") = py::none(), py::arg("progress") = py::none(),
           "Runs until stopped or a limit; progress(dict) gets WatchStats.to_dict() snapshots.");
  PyWatch::bind_common(pipeline);
}
