// A table as text, for comparing two tables built two ways (access_columns_test,
// fuzz_access_columns): its columns in order (path, type, nulls, dictionary) and every row as
// JSON. A row stamped with the time it was read (event.ingested) shows "<read>" for that time:
// two ways read the clock a moment apart.
#pragma once
#include <string>

#include "encode/columns.h"
#include "encode/encoder.h"

namespace ki::test {

// The read time of row r (event.ingested's text; none: empty) replaced by "<read>" in its JSON.
// Found by the column, not by a key in the text: a line may have a key of that name too.
inline void mask_read_time(const ColumnTable& t, size_t r, std::string& row) {
  for (size_t n = 0; n < t.nodes.size(); ++n) {
    if (t.nodes[n].col < 0 || t.path(static_cast<int>(n)) != "event.ingested") continue;
    const Column& c = t.cols[static_cast<size_t>(t.nodes[n].col)];
    Timestamp ts;
    if (c.type != ColType::Timestamp || !c.is_valid(r) || !c.timestamp(r, ts)) return;
    std::string stamp;
    append_iso8601(stamp, ts);
    for (size_t p = row.find(stamp); p != std::string::npos; p = row.find(stamp, p + 6)) row.replace(p, stamp.size(), "<read>");
    return;
  }
}

inline std::string table_dump(ColumnTable& t) {
  t.finish();
  std::string o;
  for (size_t n = 0; n < t.nodes.size(); ++n) {
    const ColumnNode& node = t.nodes[n];
    if (node.col < 0) continue;
    const Column& c = t.cols[static_cast<size_t>(node.col)];
    o += t.path(static_cast<int>(n)) + " type " + std::to_string(static_cast<int>(c.type)) + " nulls " +
         std::to_string(c.nulls);
    if (c.type == ColType::Dict)
      for (size_t d = 0; d < c.dict_size(); ++d) o += " [" + std::string(c.str(d)) + "]";
    if (c.type == ColType::String) {  // the bytes as stored (rows as JSON below would hide a missed repair)
      o += " bytes ";
      for (unsigned char ch : c.data) {
        static const char* hex = "0123456789abcdef";
        if (ch >= 0x20 && ch < 0x7f) o += static_cast<char>(ch);
        else o += {'\\', 'x', hex[ch >> 4], hex[ch & 15]};
      }
    }
    o += "\n";
  }
  for (size_t r = 0; r < t.rows; ++r) {
    std::string row;
    row_json(t, r, row);
    mask_read_time(t, r, row);
    o += row + "\n";
  }
  return o;
}

}  // namespace ki::test
