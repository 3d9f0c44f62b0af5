// Columns: documents as typed columns (Arrow layout), filled by the encoder instead of JSON
// text. One column per leaf field, named by its dotted path; a field missing from a row is a
// null there. The buffers are laid out as the Arrow C Data Interface wants them, so exporting
// (arrow_export.h) hands pointers over without copying.
#pragma once
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "parse/record.h"  // Timestamp, Field

namespace ki {

// Bit i of a bitmap (validity, booleans, object presence) set to v; the bitmap grows as needed.
inline void set_bit(std::vector<uint8_t>& bits, size_t i, bool v) {
  if ((i >> 3) >= bits.size()) bits.resize((i >> 3) + 1, 0);
  if (v)
    bits[i >> 3] |= static_cast<uint8_t>(1u << (i & 7));
  else
    bits[i >> 3] &= static_cast<uint8_t>(~(1u << (i & 7)));
}

// Dictionary values are short (a method, a level, a status class): compared word by word inline,
// not by a memcmp call (a quarter of a dictionary value's cost went to the call).
inline bool short_equal(std::string_view a, std::string_view b) {
  const size_t n = a.size();
  if (n != b.size()) return false;
  const char *p = a.data(), *q = b.data();
  if (n >= 8) {
    uint64_t x, y;
    for (size_t i = 0; i + 8 <= n; i += 8) {
      std::memcpy(&x, p + i, 8);
      std::memcpy(&y, q + i, 8);
      if (x != y) return false;
    }
    std::memcpy(&x, p + n - 8, 8);  // the last 8 bytes (overlapping the loop's)
    std::memcpy(&y, q + n - 8, 8);
    return x == y;
  }
  if (n >= 4) {
    uint32_t x, y, u, v;
    std::memcpy(&x, p, 4);
    std::memcpy(&y, q, 4);
    std::memcpy(&u, p + n - 4, 4);
    std::memcpy(&v, q + n - 4, 4);
    return x == y && u == v;
  }
  for (size_t i = 0; i < n; ++i)
    if (p[i] != q[i]) return false;
  return true;
}

// Texts of some rows, packed (a row number, an end offset and the bytes: 16 bytes + the text).
struct SparseText {
  std::vector<size_t> rows;  // ascending
  std::vector<uint64_t> ends;
  std::string data;
  void add(size_t row, std::string_view text) {
    rows.push_back(row);
    data.append(text);
    ends.push_back(data.size());
  }
  bool find(size_t row, std::string_view& out) const {
    auto it = std::lower_bound(rows.begin(), rows.end(), row);
    if (it == rows.end() || *it != row) return false;
    out = at(static_cast<size_t>(it - rows.begin()));
    return true;
  }
  void append(const SparseText& o, size_t base) {
    for (size_t i = 0; i < o.rows.size(); ++i) add(o.rows[i] + base, o.at(i));
  }
  std::string_view at(size_t i) const {
    const size_t b = i ? static_cast<size_t>(ends[i - 1]) : 0;
    return std::string_view(data).substr(b, static_cast<size_t>(ends[i]) - b);
  }
};

// True if t is the text to_chars gives for the double it names (checked without converting).
bool shortest_form(std::string_view t);

// Json: a value written as JSON text (an object or array of the input, structured data): kept
// as text in the column, decoded again for records.
enum class ColType : uint8_t { Null, Bool, Int, Float, String, Dict, Timestamp, Json };

struct Column {
  ColType type = ColType::Null;
  size_t len = 0;                 // rows filled, nulls included
  size_t nulls = 0;
  std::vector<uint8_t> valid;     // validity bitmap; empty while the column has no null
  std::vector<int64_t> ints;      // Int; Timestamp: ns since the epoch (UTC)
  std::vector<double> floats;     // Float
  std::vector<uint8_t> bools;     // Bool: bit-packed values
  std::vector<int64_t> offsets{0};  // String / Json values, or the dictionary of a Dict column
  std::string data;
  std::vector<int32_t> codes;     // Dict: index into the dictionary
  std::vector<int16_t> ts_offset; // Timestamp: UTC offset and fraction digits as written,
  std::vector<uint8_t> ts_frac;   // so records/docs keep the text of the JSON path
  std::vector<std::pair<size_t, Timestamp>> ts_far;  // outside the ns range: null in Arrow
  std::vector<size_t> null_rows;  // rows where the input wrote null: a null in Arrow, None / null in records and docs
  // Float rows whose number as written is not the double's shortest text ("1.0", "5.50", "-0.0",
  // "1E5", an integer past 2^53 or with trailing zeros): should the column turn to text, each
  // shows as written, whether it came before or after the first string and on either side of a
  // thread's cut.
  SparseText float_text;
  size_t expect = 0;  // rows the table is expected to reach (0: unknown): buffers are sized once

  bool is_valid(size_t row) const {
    return row < len && (valid.empty() || (valid[row >> 3] >> (row & 7) & 1));
  }
  std::string_view str(size_t i) const {  // String value i, or dictionary entry i of a Dict
    return {data.data() + offsets[i], static_cast<size_t>(offsets[i + 1] - offsets[i])};
  }
  size_t dict_size() const { return offsets.size() - 1; }
  // A Timestamp value (Timestamp column), also one outside the Arrow ns range.
  bool timestamp(size_t row, Timestamp& ts) const;

  // Appending at `row` (rows before it become nulls); false if the row has a value already.
  bool start(size_t row, ColType t) {
    if (len == row && type == t) return true;  // the common case: next row, same type
    return start_slow(row, t);
  }
  void put_string(std::string_view v);
  void put_dict(std::string_view v);
  // v as entry `code` of this Dict column's dictionary, when it is that entry and the column is at
  // `row` (what start + put_dict would write, without looking the value up); false otherwise.
  bool put_known_code(size_t row, std::string_view v, int32_t code) {
    if (len != row || type != ColType::Dict || code < 0 || static_cast<size_t>(code) >= dict_size() ||
        !short_equal(str(static_cast<size_t>(code)), v))
      return false;
    set_valid();
    codes.push_back(code);
    ++len;
    return true;
  }
  // A String column's next value, known to be valid UTF-8 (ASCII, say): no check, no repair.
  void put_valid_string(std::string_view v) {
    set_valid();
    if (data.size() + v.size() > data.capacity()) grow_data(v.size());
    data.append(v);
    offsets.push_back(static_cast<int64_t>(data.size()));
    ++len;
  }
  void put_int(int64_t v) {
    set_valid();
    ints.push_back(v);
    ++len;
  }
  void put_bool(bool v);
  void put_int_as_float(int64_t v) {  // an integer in a float column: its digits kept if needed
    keep_int_text(len, v);
    put_float(static_cast<double>(v));
  }
  // written: the number's text in the input (empty: none)
  void put_float(double v, std::string_view written = {}) {
    if (!written.empty()) keep_float_text(len, v, written);
    set_valid();
    floats.push_back(v);
    ++len;
  }
  void put_timestamp(const Timestamp& ts);
  void put_input_null() {  // a null written by the input (JSON null), not a missing field
    null_rows.push_back(len);
    put_null();
  }
  bool input_null(size_t row) const;
  void pad_to(size_t rows);
  // The rows of `src` (a finished column of another table) after the first `base` rows of this
  // one; types merge as when the values are written row by row. src is left empty.
  void append(Column&& src, size_t base);
  // Dict columns of later parts of one input (same name): their codes re-coded into this
  // column's dictionary, grown by their values in order, which each of them then holds too.
  // False, with no code changed, if the union would pass the size a dictionary may have.
  bool share_dictionary(const std::vector<Column*>& later);

 private:
  void set_valid() {
    if (!valid.empty()) set_valid_bit();
  }
  void set_valid_bit();
  bool start_slow(size_t row, ColType t);
  void put_null();
  void to_string_column();  // two types written to one name: keep every value as text
  void keep_float_text(size_t row, double v, std::string_view written);
  void keep_int_text(size_t row, int64_t v);  // an integer stored as a float: its digits, if the double's text differs
  // Integers of rows row0.. as floats (a column of numbers that met a fraction), their text kept.
  void add_ints_as_floats(const std::vector<int64_t>& src, size_t row0);
  void ints_to_floats();  // this Int column becomes a Float one: 5 then 5.2, all numbers
  void reserve_values();     // for `expect` rows, once the type is known
  Column empty_of(ColType t);  // an empty column of type t for this one's place (expect, input nulls kept)
  void take_type(ColType t);   // a column of nulls only becomes one of type t (as many nulls)
  int32_t dict_code(std::string_view v);  // v's code, added if new; -1: the dictionary is full
  int32_t dict_find(std::string_view v, uint64_t& h) const;  // v's code or -1; h: its hash if needed
  void append_text(const Column& src);    // src's values as text (this is a String column)
  void grow_data(size_t more);  // string bytes: sized by the values so far once they outgrow it
  std::string text(size_t row) const;
  std::unordered_multimap<uint64_t, int32_t> dict_hash_;  // (hash, code), for dictionaries > 16
  std::string key_;
};

// A field path: the root (node 0), objects and leaves. A new child goes right after the
// sibling written before it in its document, so the kids keep the encoder's order.
struct ColumnNode {
  std::string name;
  int col = -1;                    // leaf: index into ColumnTable::cols
  std::vector<int> kids;
  std::vector<uint8_t> present;    // object: bitmap of the rows that wrote it (maybe empty)
};

struct ColumnTable {
  std::vector<ColumnNode> nodes{ColumnNode{}};
  std::vector<Column> cols;
  size_t rows = 0;
  size_t expect_rows = 0;  // a guess (read_logs: from the file sizes); new columns are sized for it

  // Per column (+1; 0 = a document's start): the field that followed it last time and where
  // it went. Documents repeat their names, so ColumnWriter finds most fields here with one
  // compare instead of walking the path; an optional field only misses its own neighbours.
  struct Slot {
    std::string name;
    const char* ptr = nullptr;  // where the name was (a literal of ours stays put)
    int col = -1;
    int depth = 0;
    int open[8] = {}, pos[8] = {};  // the writer's path state after this field
    int leaf = -1;                   // the field's node (pos[depth] is where it was among its siblings)
    int marks[8] = {}, n_marks = 0;  // objects this field opens after the previous one: present
    uint8_t victim = 0;              // (first of a pair) which of the two a miss replaces
  };
  std::vector<Slot> slots;  // two per column (+1): an optional field's row has one follower, the next row another

  // The child named `name`, looked for from position pos + 1 (where the previous field of the
  // document was: rows repeat one order), made there if new; pos becomes its position.
  int child(int node, std::string_view name, int& pos);
  int child(int node, std::string_view name) {
    int pos = -1;
    return child(node, name, pos);
  }
  Column& leaf(int node, std::string_view name, int& pos);
  void finish();  // pads every column to `rows`
  // Dotted path of a node ("http.response.status_code").
  std::string path(int node) const;
  bool present(int node, size_t row) const {
    const auto& p = nodes[node].present;
    return (row >> 3) < p.size() && (p[row >> 3] >> (row & 7) & 1);
  }
  size_t bytes() const;  // memory held by the buffers
};

// The rows of `src` after those of `dst` (both finish()ed; the parts of one input read by
// several threads): columns and objects matched by path, a column only one side has is null on
// the other's rows, types merge as when written row by row. Columns are copied by up to
// `threads` threads; src is left empty (its buffers freed as they are copied).
void append_table(ColumnTable& dst, ColumnTable&& src, unsigned threads = 1);

// True if b has a's objects and columns, in a's order, with a's types: the two export as Arrow
// batches of one schema, so the parts of an input can be handed over as chunks without joining.
// pairs: (a's column, b's column) of each leaf.
bool same_schema(const ColumnTable& a, const ColumnTable& b, std::vector<std::pair<int, int>>& pairs);

// Fills a ColumnTable from the encoder's fields, one document (row) at a time. A dotted name
// is a path of objects ("http.response.status_code"); an empty segment is "_" as in JSON.
class ColumnWriter {
 public:
  // A writer is made per row: only the root's entries need a value (deeper ones are set as a
  // path enters them), so the arrays are not cleared.
  explicit ColumnWriter(ColumnTable& t) : t_(t) {
    open_[0] = 0;
    pos_[0] = -1;
  }
  // category: a String from a small set (method, level, format) -> a dictionary column.
  // stable_name: f.name is a literal of ours (same address, same text every row): found by address.
  void add(const Field& f, bool category = false, bool stable_name = false);
  void add_time(std::string_view name, const Timestamp& ts, bool stable_name = false);
  // What add / add_time do once they have the column: the value into row `row` of c (rows
  // before it become nulls; types merge). Also for writers that find their columns themselves.
  static void put(Column& c, size_t row, const Field& f, bool category);
  static void put_time(Column& c, size_t row, const Timestamp& ts);
  void end_row() {
    ++t_.rows;
    depth_ = 0;
    pos_[0] = -1;
    prev_ = -1;
    taken_ = -1;
  }

 private:
  // The column of a field: found by slot (inline, the common case) or by walking its path.
  [[gnu::always_inline]] Column& leaf(std::string_view name, bool stable) {
    const size_t i = 2 * static_cast<size_t>(prev_ + 1);
    if (i + 1 < t_.slots.size()) {
      if (taken(i, name, stable) || taken(i + 1, name, stable)) return t_.cols[static_cast<size_t>(prev_)];
    }
    return leaf_slow(name, stable, i);
  }
  bool taken(size_t k, std::string_view name, bool stable) {
    const ColumnTable::Slot& s = t_.slots[k];
    if (s.col < 0 || !((stable && s.ptr == name.data() && s.name.size() == name.size()) || s.name == name))
      return false;
    for (int m = 0; m < s.n_marks; ++m) set_bit(t_.nodes[static_cast<size_t>(s.marks[m])].present, t_.rows, true);
    taken_ = static_cast<int>(k);
    depth_ = s.depth;
    prev_ = s.col;
    return true;
  }
  [[gnu::noinline]] Column& leaf_slow(std::string_view name, bool stable, size_t i);
  Column& walk(std::string_view name);
  void sync();  // open_ / pos_ from the slot taken last (found fields leave them behind)
  ColumnTable& t_;
  int prev_ = -1;  // column of the previous field in this document
  int taken_ = -1;  // slot of the previous field when found by slot: open_ / pos_ not updated yet
  // The objects open in this document (root first) and where their last field was.
  int open_[32];
  int pos_[32];
  int depth_ = 0;
};

// Walks one row in field order, calling V with node ids: begin(node) / end() /
// str(node, value, dict code or -1) / integer / number / boolean / ts / json (text) / null.
template <class V>
void visit_row(const ColumnTable& t, int node, size_t row, V& v) {
  for (int k : t.nodes[node].kids) {
    const ColumnNode& n = t.nodes[k];
    if (n.col >= 0) {
      const Column& c = t.cols[n.col];
      Timestamp ts;
      switch (c.type) {
        case ColType::String:
          if (c.is_valid(row)) { v.str(k, c.str(row), -1); continue; }
          break;
        case ColType::Dict:
          if (c.is_valid(row)) { v.str(k, c.str(c.codes[row]), c.codes[row]); continue; }
          break;
        case ColType::Int:
          if (c.is_valid(row)) { v.integer(k, c.ints[row]); continue; }
          break;
        case ColType::Bool:
          if (c.is_valid(row)) { v.boolean(k, c.bools[row >> 3] >> (row & 7) & 1); continue; }
          break;
        case ColType::Float:
          if (c.is_valid(row)) { v.number(k, c.floats[row]); continue; }
          break;
        case ColType::Json:
          if (c.is_valid(row)) { v.json(k, c.str(row)); continue; }
          break;
        case ColType::Timestamp:
          if (c.timestamp(row, ts)) { v.ts(k, ts); continue; }
          break;
        case ColType::Null: break;
      }
      if (c.input_null(row)) {
        v.null(k);
        continue;
      }
    }
    if (!n.kids.empty() && t.present(k, row)) {
      v.begin(k);
      visit_row(t, k, row, v);
      v.end();
    }
  }
}

// Row `row` as one JSON document (what the encoder writes, keys in the table's order).
void row_json(const ColumnTable& t, size_t row, std::string& out);

}  // namespace ki

namespace ki {
// One JSON document (an object, e.g. a message our producer wrote) as one row: nested objects
// become dotted names, arrays stay JSON text, "@timestamp" / "event.ingested" become timestamps,
// our small-set fields (method, level, format, ...) dictionary columns. False with `error` set
// (and no row added) if the text is not a JSON object. `first` adds fields of its own before
// the document's (once the text parsed).
bool add_json_document(ColumnWriter& w, std::string_view json, std::string& error,
                       const std::function<void()>& first = {});

// One page of an Elasticsearch / OpenSearch search response: each hit a row (_index, _id and the
// _source's fields as add_json_document makes them). Returns the hits added; error if the body
// is not a search response.
struct SearchPage {
  std::string scroll_id;
  int64_t total = -1;  // hits.total.value
};
size_t add_search_hits(ColumnWriter& w, std::string_view body, SearchPage& page, std::string& error);
// The same page's scroll id, total and number of hits, without adding rows.
size_t search_page_info(std::string_view body, SearchPage& page, std::string& error);
// "type: reason" of an error response (the root cause first), or the body's start.
std::string search_error(std::string_view body);
}  // namespace ki
