// Ctrl-C / SIGTERM (a KeyboardInterrupt raised by the CLI's handler) and Python hooks, seen
// from C++ loops that run with the GIL released.
#pragma once
#include <pybind11/pybind11.h>

#include <memory>

namespace ki_py {

namespace py = pybind11;

// The first Python exception (a signal handler's, or a hook's) is taken out of the interpreter
// at once and held here until the C++ call returns. Left pending, the next call into Python
// (a progress hook feeding /metrics) would return "a result with an exception set" and turn
// it into SystemError. All members need the GIL.
class Interrupt {
 public:
  // Runs pending signal handlers; true once one raised (or a hook did).
  bool check() {
    if (!pending_ && PyErr_CheckSignals() != 0) pending_ = std::make_unique<py::error_already_set>();
    return bool(pending_);
  }
  // Calls a Python hook unless already interrupted; what it raises is held like a signal.
  template <class F>
  void call(F&& f) {
    if (pending_) return;
    try {
      f();
    } catch (py::error_already_set& e) {
      pending_ = std::make_unique<py::error_already_set>(std::move(e));
    }
  }
  bool pending() const { return bool(pending_); }
  bool keyboard_interrupt() const { return pending_ && pending_->matches(PyExc_KeyboardInterrupt); }
  // Drops a KeyboardInterrupt (the caller reports it in its stats); re-raises anything else.
  void finish() {
    if (!pending_) return;
    if (!keyboard_interrupt()) {
      py::error_already_set e = std::move(*pending_);
      pending_.reset();
      throw e;
    }
    pending_.reset();
  }
  // Re-raises whatever is held (for calls that report Ctrl-C as KeyboardInterrupt).
  void raise_if_pending() {
    if (!pending_) return;
    py::error_already_set e = std::move(*pending_);
    pending_.reset();
    throw e;
  }

 private:
  std::unique_ptr<py::error_already_set> pending_;
};

}  // namespace ki_py
