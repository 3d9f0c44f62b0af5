// A ColumnTable seen from Python: Arrow (PyCapsule interface), dicts built here, JSON text.
#include "columns_py.h"

#include <string>
#include <vector>

#include "encode/arrow_export.h"
#include "encode/encoder.h"

namespace py = pybind11;
using namespace ki;

namespace {

// The Arrow PyCapsule interface: pa.record_batch(obj) / pa.table(obj) / polars call
// __arrow_c_array__ and take ownership of the two structs; a capsule nobody took releases them.
struct ArrowBatch {
  std::shared_ptr<const ColumnTable> table;
  bool flatten = true;
};

void release_schema_capsule(PyObject* cap) {
  auto* s = static_cast<ArrowSchema*>(PyCapsule_GetPointer(cap, "arrow_schema"));
  if (s->release) s->release(s);
  delete s;
}
void release_array_capsule(PyObject* cap) {
  auto* a = static_cast<ArrowArray*>(PyCapsule_GetPointer(cap, "arrow_array"));
  if (a->release) a->release(a);
  delete a;
}

py::tuple arrow_c_array(const ArrowBatch& b, py::object requested_schema) {
  if (!requested_schema.is_none())
    throw py::type_error("kafkainsight exports its own schema; cast with pyarrow afterwards");
  auto* s = new ArrowSchema;
  auto* a = new ArrowArray;
  export_arrow(b.table, b.flatten, s, a);
  py::capsule sc(s, "arrow_schema", &release_schema_capsule);
  py::capsule ac(a, "arrow_array", &release_array_capsule);
  return py::make_tuple(sc, ac);
}

// Nested dicts for one row; keys and dictionary values are made once per table.
struct DictRow {
  const ColumnTable& t;
  std::vector<py::object>& keys;                      // per node
  std::vector<std::vector<py::object>>& dict_values;  // per column, per dictionary code
  std::vector<PyObject*> stack;
  std::string buf;
  py::object loads;  // json.loads, for values kept as JSON text

  void put(int node, PyObject* v) {  // steals v
    if (!v) throw py::error_already_set();
    PyDict_SetItem(stack.back(), keys[node].ptr(), v);
    Py_DECREF(v);
  }
  void begin(int node) {
    PyObject* d = PyDict_New();
    PyDict_SetItem(stack.back(), keys[node].ptr(), d);
    Py_DECREF(d);
    stack.push_back(d);
  }
  void end() { stack.pop_back(); }
  void str(int node, std::string_view v, int32_t code) {
    if (code >= 0) {
      auto& cache = dict_values[t.nodes[node].col];
      if (static_cast<size_t>(code) >= cache.size()) cache.resize(code + 1);
      if (!cache[code]) cache[code] = py::str(v.data(), v.size());
      PyDict_SetItem(stack.back(), keys[node].ptr(), cache[code].ptr());
      return;
    }
    put(node, PyUnicode_DecodeUTF8(v.data(), static_cast<Py_ssize_t>(v.size()), "replace"));
  }
  void integer(int node, int64_t v) { put(node, PyLong_FromLongLong(v)); }
  void number(int node, double v) { put(node, PyFloat_FromDouble(v)); }
  void json(int node, std::string_view text) {
    if (!loads) loads = py::module_::import("json").attr("loads");
    py::object o = loads(py::str(text.data(), text.size()));
    PyDict_SetItem(stack.back(), keys[node].ptr(), o.ptr());
  }
  void null(int node) { PyDict_SetItem(stack.back(), keys[node].ptr(), Py_None); }
  void boolean(int node, bool v) {
    PyDict_SetItem(stack.back(), keys[node].ptr(), v ? Py_True : Py_False);
  }
  void ts(int node, const Timestamp& v) {
    buf.clear();
    append_iso8601(buf, v);
    put(node, PyUnicode_FromStringAndSize(buf.data(), static_cast<Py_ssize_t>(buf.size())));
  }
};

}  // namespace

namespace {
size_t total_rows(const TableParts& parts) {
  size_t n = 0;
  for (const ColumnTable* t : parts) n += t->rows;
  return n;
}
}  // namespace

py::list table_records(const TableParts& parts) {
  py::list out(total_rows(parts));
  // The cyclic GC would rescan the growing list again and again (8x slower): our dicts hold
  // no cycles, so it stays off while they are built.
#if PY_VERSION_HEX >= 0x030A0000
  struct GcOff {
    int was = PyGC_Disable();
    ~GcOff() { if (was) PyGC_Enable(); }
  } gc_off;
#endif
  size_t at = 0;
  for (const ColumnTable* part : parts) {
    const ColumnTable& t = *part;
    std::vector<py::object> keys(t.nodes.size());
    for (size_t i = 0; i < t.nodes.size(); ++i) {
      keys[i] = py::str(t.nodes[i].name);
      PyUnicode_InternInPlace(&keys[i].ptr());
    }
    std::vector<std::vector<py::object>> dict_values(t.cols.size());
    DictRow v{t, keys, dict_values, {}, {}, {}};
    for (size_t r = 0; r < t.rows; ++r) {
      py::dict d;
      v.stack.assign(1, d.ptr());
      visit_row(t, 0, r, v);
      out[at++] = std::move(d);
    }
  }
  return out;
}

py::list table_docs(const TableParts& parts) {
  py::list out(total_rows(parts));
  std::string doc;
  size_t at = 0;
  for (const ColumnTable* t : parts)
    for (size_t r = 0; r < t->rows; ++r) {
      doc.clear();
      row_json(*t, r, doc);
      out[at++] = py::str(doc);
    }
  return out;
}

std::string table_ndjson(const TableParts& parts) {
  std::string out;
  for (const ColumnTable* t : parts)
    for (size_t r = 0; r < t->rows; ++r) {
      row_json(*t, r, out);
      out.push_back('\n');
    }
  return out;
}

py::object arrow_batch(std::shared_ptr<const ColumnTable> t, bool flatten) {
  return py::cast(ArrowBatch{std::move(t), flatten});
}

void bind_columns(py::module_& m) {
  py::class_<ArrowBatch>(m, "ArrowBatch", "Documents as one Arrow record batch (the Arrow PyCapsule interface).")
      .def("__arrow_c_array__", &arrow_c_array, py::arg("requested_schema") = py::none())
      .def_property_readonly("num_rows", [](const ArrowBatch& b) { return b.table->rows; })
      .def_property_readonly("nbytes", [](const ArrowBatch& b) { return b.table->bytes(); },
                             "Bytes held by the column buffers.");
}
