// A ColumnTable as Arrow, through the Arrow C Data Interface (a stable C ABI: the two structs
// below are copied from the specification). The arrays point into the table's buffers; the
// table stays alive until the consumer (pyarrow, polars) releases them. No copy is made.
#pragma once
#include <cstdint>
#include <memory>

#include "encode/columns.h"

#ifndef ARROW_C_DATA_INTERFACE
#define ARROW_C_DATA_INTERFACE
#define ARROW_FLAG_DICTIONARY_ORDERED 1
#define ARROW_FLAG_NULLABLE 2
#define ARROW_FLAG_MAP_KEYS_SORTED 4
extern "C" {
struct ArrowSchema {
  const char* format;
  const char* name;
  const char* metadata;
  int64_t flags;
  int64_t n_children;
  struct ArrowSchema** children;
  struct ArrowSchema* dictionary;
  void (*release)(struct ArrowSchema*);
  void* private_data;
};
struct ArrowArray {
  int64_t length;
  int64_t null_count;
  int64_t offset;
  int64_t n_buffers;
  int64_t n_children;
  const void** buffers;
  struct ArrowArray** children;
  struct ArrowArray* dictionary;
  void (*release)(struct ArrowArray*);
  void* private_data;
};
}
#endif

namespace ki {

// The table as one record batch (a struct array, one child per column). flatten: columns
// named by dotted path ("http.response.status_code"); otherwise nested struct columns.
// Types: String -> large_utf8, Dict -> dictionary<int32, large_utf8>, Int -> int64, Float ->
// float64, Bool -> bool, Timestamp -> timestamp[ns, UTC], Json -> large_utf8 (the JSON text). The table must be finish()ed and not change after.
void export_arrow(std::shared_ptr<const ColumnTable> table, bool flatten, ArrowSchema* schema, ArrowArray* array);

}  // namespace ki
