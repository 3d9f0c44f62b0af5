// AccessColumns: a combined access line as flog and most servers write it, straight into the
// columns of a table (the parse stage filling typed columns, no Record, document or field
// list in between). It reads only the plain shape of the line and writes exactly what the
// parser and the ECS encoder would; any other line (a list of addresses, a virtual host, a
// time in another layout, a trailing field, a request of '-') is declined and goes the general
// way. Tested against the general way row by row (access_columns_test, fuzz_access_columns).
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "encode/columns.h"
#include "parse/timestamp.h"

namespace ki {

class AccessColumns {
 public:
  AccessColumns();
  // Adds the line as the next row of t and returns true, or returns false with t untouched.
  // Columns are never made here: until the general way has made those a line needs, it is
  // declined.
  bool add(std::string_view line, ColumnTable& t);
  uint64_t rows() const { return rows_; }  // lines taken
  bool last_ascii() const { return last_ascii_; }  // the line add() last took is ASCII


 private:
  enum Col {
    kTimestamp, kSourceIp, kUserName, kMethod, kReferrer, kVersion, kStatus, kBytes, kUrl, kAgent,
    kFormat, kStatusClass, kAnonymous, kCols
  };
  enum Obj { kSource, kUser, kHttp, kHttpRequest, kHttpResponse, kHttpBody, kUrlObj, kAgentObj, kKi, kObjs };
  bool bind(ColumnTable& t);  // finds the columns and objects; false while one is missing
  const ColumnTable* table_ = nullptr;
  size_t cols_seen_ = 0, nodes_seen_ = 0;  // the table's sizes when bound (a new column: bind again)
  int col_[kCols] = {};                     // index into t.cols, -1 if the table has none yet
  std::vector<uint8_t>* present_[kObjs] = {};  // each object's row bitmap (null: no such object yet)
  // Dictionary codes written last for a value of each small set (a hint: checked before use). The
  // slots of the methods and versions (method_slot, version_slot) differ for the common ones: two
  // values sharing a slot would miss it by turns.
  enum { kHintMethod = 0, kHintVersion = 16, kHintFormat = 24, kHintClass = 25, kHints = 35 };
  int32_t hint_[kHints];
  std::string scratch_;        // unescaped quoted fields
  ApacheTimeCache time_;
  uint64_t rows_ = 0;
  bool last_ascii_ = true;
};

}  // namespace ki
