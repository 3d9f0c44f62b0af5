// Python views of a ColumnTable (bind_columns.cc): used by read_logs, iter_batches, read_topic.
#pragma once
#include <pybind11/pybind11.h>

#include <memory>
#include <string>
#include <vector>

#include "encode/columns.h"

// The rows of one table or of its parts in order (ColumnsResult::parts()).
using TableParts = std::vector<const ki::ColumnTable*>;
// One dict per row (nested like the JSON documents), built in C++: no JSON text, no json.loads.
pybind11::list table_records(const TableParts& parts);
// One JSON document per row, and all of them as NDJSON.
pybind11::list table_docs(const TableParts& parts);
std::string table_ndjson(const TableParts& parts);
// An object with __arrow_c_array__ (pa.record_batch(obj)); the table lives as long as Arrow needs it.
pybind11::object arrow_batch(std::shared_ptr<const ki::ColumnTable> t, bool flatten);
void bind_columns(pybind11::module_& m);
