// A consumer-group pipeline (consume, watch) seen from Python: run() with the GIL released,
// Ctrl-C and hook exceptions held by Interrupt, progress snapshots handed over as dicts.
#pragma once
#include <pybind11/pybind11.h>

#include <memory>

#include "interrupt.h"
#include "kafka/group_consumer.h"
#include "typed.h"

namespace ki_py {

namespace py = pybind11;

template <class Pipeline, class Stats, class Hooks>
class GroupRunner {
 public:
  explicit GroupRunner(std::unique_ptr<Pipeline> p) : pipeline_(std::move(p)) {}
  bool keyboard_interrupt() const { return keyboard_interrupt_; }
  void request_stop() { pipeline_->request_stop(); }

  // more_hooks(hooks, intr) adds the pipeline's own hooks (watch: on_alert) before the run.
  template <class MoreHooks>
  Stats run(uint64_t max_messages, double idle_timeout_s, bool stop_at_end, py::object progress,
            MoreHooks more_hooks) {
    ki::GroupLimits lim{max_messages, static_cast<int>(idle_timeout_s * 1000), stop_at_end};
    Interrupt intr;
    Hooks hooks;
    hooks.stop = [&]() {
      py::gil_scoped_acquire gil;
      return intr.check();
    };
    if (!progress.is_none())
      hooks.progress = [&](const Stats& s) {
        py::gil_scoped_acquire gil;
        intr.call([&] { progress(to_dict(py::cast(s))); });
      };
    more_hooks(hooks, intr);
    Stats st;
    {
      py::gil_scoped_release release;
      st = pipeline_->run(lim, hooks);
    }
    keyboard_interrupt_ = intr.keyboard_interrupt();  // stats survive Ctrl-C; Python re-raises
    intr.finish();
    return st;
  }

  // The methods both bound pipelines share (run itself differs in its hook arguments).
  template <class Cls>
  static Cls& bind_common(Cls& cls) {
    return cls
        .def_property_readonly("keyboard_interrupt", &GroupRunner::keyboard_interrupt,
                               "the last run() ended on Ctrl-C (its stats are returned; the caller re-raises)")
        .def("request_stop", &GroupRunner::request_stop, "Ask a running run() to stop (from another thread).");
  }

 private:
  std::unique_ptr<Pipeline> pipeline_;
  bool keyboard_interrupt_ = false;
};

}  // namespace ki_py
