// Typed bindings of the C++ config and stats structs: each field is named and documented once,
// next to its member pointer, with Fields<T> below (all of them in bind_types.cc). The class records the names in order (`_fields`), which
// gives every bound struct the same generic `to_dict()` and a `__repr__` that masks secrets;
// the Python side (kafkainsight/_typed.py) builds its stats dataclasses from `_fields` and the
// default-constructed instance, and _core.cpp_defaults() reads the config defaults the same way.
#pragma once
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <initializer_list>
#include <string>

#include "kafka/client_config.h"
#include "util/histogram.h"

namespace ki_py {

namespace py = pybind11;

// Field names whose values never appear in a repr (non-empty ones are shown as ***).
inline bool is_secret(const std::string& name) { return name == "password" || name == "api_key"; }

// The fields as a dict; a field that is itself a bound struct (has `_fields`) becomes a dict too.
inline py::dict to_dict(py::handle self) {
  py::dict d;
  for (py::handle n : self.attr("_fields")) {
    py::object v = self.attr(n);
    d[n] = py::hasattr(v, "_fields") ? py::object(to_dict(v)) : v;
  }
  return d;
}

inline std::string typed_repr(py::handle self) {
  std::string s = "<" + py::str(py::type::of(self).attr("__name__")).cast<std::string>();
  for (py::handle n : self.attr("_fields")) {
    auto name = n.cast<std::string>();
    py::object v = self.attr(n);
    s += " " + name + "=";
    s += is_secret(name) && py::bool_(v) ? std::string("***") : py::repr(v).cast<std::string>();
  }
  return s + ">";
}

// Histogram -> {"buckets": [(upper bound, cumulative count)...], "sum", "count"} (+Inf is "count"), for /metrics.
inline py::dict histogram_dict(const ki::Histogram& h) {
  py::list b;
  uint64_t cum = 0;
  for (size_t i = 0; i < ki::Histogram::kBounds.size(); ++i)
    b.append(py::make_tuple(ki::Histogram::kBounds[i], cum += h.counts[i]));
  py::dict x;
  x["buckets"] = b;
  x["sum"] = h.sum;
  x["count"] = h.count;
  return x;
}

// librdkafka pass-through properties <-> a dict (in order; keys and values become strings).
inline py::dict properties_dict(const ki::Properties& props) {
  py::dict d;
  for (const auto& [k, v] : props) d[py::str(k)] = v;
  return d;
}

inline ki::Properties properties_from(const py::dict& d) {
  ki::Properties props;
  for (auto [k, v] : d) props.emplace_back(py::str(k).cast<std::string>(), py::str(v).cast<std::string>());
  return props;
}

// Fields<T>(cls).rw("name", &T::name, "doc")...done(): def_readwrite / def_readonly /
// properties (for unit or type conversions), each name recorded in `_fields`.
template <class T>
class Fields {
 public:
  explicit Fields(py::class_<T>& cls) : cls_(cls) {}
  template <class M>
  Fields& rw(const char* name, M T::*pm, const char* doc) {
    cls_.def_readwrite(name, pm, doc);
    return add(name);
  }
  template <class M>
  Fields& ro(const char* name, M T::*pm, const char* doc) {
    cls_.def_readonly(name, pm, doc);
    return add(name);
  }
  template <class Get>
  Fields& ro_prop(const char* name, Get get, const char* doc) {
    cls_.def_property_readonly(name, get, doc);
    return add(name);
  }
  template <class Get, class Set>
  Fields& rw_prop(const char* name, Get get, Set set, const char* doc) {
    cls_.def_property(name, get, set, doc);
    return add(name);
  }
  // Records `_fields` and adds to_dict() and __repr__ (secrets masked).
  py::class_<T>& done() {
    cls_.attr("_fields") = py::tuple(names_);
    cls_.def("to_dict", [](py::handle self) { return to_dict(self); },
             "The fields as a dict (names in `_fields` order; nested structs as dicts); secrets are included, unmasked.");
    cls_.def("__repr__", [](py::handle self) { return typed_repr(self); });
    return cls_;
  }

 private:
  Fields& add(const char* name) {
    names_.append(py::str(name));
    return *this;
  }
  py::class_<T>& cls_;
  py::list names_;
};

// The default-constructed instance of a bound struct, as a dict of its fields.
template <class T>
py::dict default_fields() {
  return to_dict(py::cast(T{}));
}

}  // namespace ki_py
