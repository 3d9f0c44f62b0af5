#include "encode/columns.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <new>

#include "encode/encoder.h"
#include "encode/json_writer.h"

namespace ki {

namespace {

constexpr int64_t kNsPerSec = 1000000000;
// Seconds that fit a timestamp[ns] (years 1678..2261).
constexpr size_t kMaxDict = 4096;  // distinct values a dictionary column holds before it turns to text
constexpr int64_t kMaxNsSec = INT64_MAX / kNsPerSec - 1;


// Sizing ahead is a guess (from the file sizes): a reservation the allocator refuses just
// leaves the buffer to grow as it fills.
template <class V>
void reserve_big(V& v, size_t n) {
  if (v.capacity() >= n) return;
  try {
    v.reserve(n);
  } catch (const std::bad_alloc&) {
  }
}

uint64_t hash_str(std::string_view s) {  // FNV-1a: dictionaries are small, values short
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
  return h;
}

}  // namespace

bool Column::timestamp(size_t row, Timestamp& ts) const {
  if (type != ColType::Timestamp || row >= len) return false;
  if (is_valid(row)) {
    int64_t ns = ints[row];
    int64_t sec = ns >= 0 ? ns / kNsPerSec : -((-ns + kNsPerSec - 1) / kNsPerSec);
    ts.epoch_sec = sec;
    ts.nanos = static_cast<uint32_t>(ns - sec * kNsPerSec);
    ts.offset_min = ts_offset[row];
    ts.frac_digits = ts_frac[row];
    ts.valid = true;
    return true;
  }
  auto it = std::lower_bound(ts_far.begin(), ts_far.end(), row,
                             [](const auto& p, size_t r) { return p.first < r; });
  if (it == ts_far.end() || it->first != row) return false;
  ts = it->second;
  return true;
}

bool Column::start_slow(size_t row, ColType t) {
  if (len > row) return false;  // a name written twice in one document keeps the first value
  if (type != t) {
    if (type == ColType::Null) {
      take_type(t);
    } else if (type == ColType::Int && t == ColType::Float) {
      ints_to_floats();
    } else if (!(type == ColType::Float && t == ColType::Int) && type != ColType::String) {
      to_string_column();
    }
  }
  while (len < row) put_null();
  return true;
}

// True if t is already what to_chars(double) writes for its value: a plain decimal with a
// fraction ("12.5", "-0.001"), no exponent, no leading or trailing zero, at most 15 significant
// digits (no other decimal that short names the same double), and no longer than its scientific
// form (to_chars takes the shorter, fixed on a tie). Spares the to_chars of most floats in logs.
bool shortest_form(std::string_view t) {
  const size_t n = t.size();
  const bool neg = n && t[0] == '-';
  size_t i = neg;
  const size_t int_at = i;
  while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
  const size_t int_len = i - int_at;
  if (int_len == 0 || (int_len > 1 && t[int_at] == '0') || i >= n || t[i] != '.') return false;
  const size_t frac_at = ++i;
  while (i < n && t[i] >= '0' && t[i] <= '9') ++i;
  const size_t frac_len = i - frac_at;
  if (i != n || frac_len == 0 || t[n - 1] == '0') return false;
  size_t sig, exp10;  // significant digits; |decimal exponent| of the first one
  if (t[int_at] != '0') {
    sig = int_len + frac_len;
    exp10 = int_len - 1;
  } else {
    size_t z = 0;
    while (t[frac_at + z] == '0') ++z;  // a non-zero digit ends the fraction
    sig = frac_len - z;
    exp10 = z + 1;
  }
  if (sig > 15) return false;
  const size_t sci = neg + sig + (sig > 1) + 2 + (exp10 >= 100 ? 3 : 2);  // 1.25e+02
  return n <= sci;
}

void Column::keep_float_text(size_t row, double v, std::string_view written) {
  if (shortest_form(written)) return;
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  if (std::string_view(buf, static_cast<size_t>(r.ptr - buf)) != written) float_text.add(row, written);
}

void Column::ints_to_floats() {
  std::vector<int64_t> was = std::move(ints);
  ints = {};
  type = ColType::Float;
  reserve_values();
  add_ints_as_floats(was, 0);
}

void Column::keep_int_text(size_t row, int64_t v) {
  // Below 2^53 without a trailing zero, the digits are to_chars' own text of the double (its
  // scientific form would be longer): nothing to keep, no conversion needed.
  constexpr int64_t k53 = int64_t{1} << 53;
  if (v % 10 != 0 && v > -k53 && v < k53) return;
  char buf[24];
  auto e = std::to_chars(buf, buf + sizeof buf, v);
  keep_float_text(row, static_cast<double>(v), std::string_view(buf, static_cast<size_t>(e.ptr - buf)));
}

void Column::add_ints_as_floats(const std::vector<int64_t>& src, size_t row0) {
  floats.reserve(floats.size() + src.size());
  for (size_t r = 0; r < src.size(); ++r) {
    keep_int_text(row0 + r, src[r]);
    floats.push_back(static_cast<double>(src[r]));
  }
}

void Column::reserve_values() {
  if (expect <= len) return;
  switch (type) {
    case ColType::String:
    case ColType::Json: reserve_big(offsets, expect + 1); break;
    case ColType::Float: reserve_big(floats, expect); break;
    case ColType::Dict: reserve_big(codes, expect); break;
    case ColType::Timestamp: reserve_big(ts_offset, expect); reserve_big(ts_frac, expect); [[fallthrough]];
    case ColType::Int: reserve_big(ints, expect); break;
    case ColType::Bool:
    case ColType::Null: break;
  }
}

void Column::grow_data(size_t more) {
  if (data.size() + more <= data.capacity()) return;
  if (expect > len && len >= 64)  // the mean value length so far, for the rows to come (at least doubled)
    reserve_big(data, std::max(data.size() + more + (data.size() / len + 1) * (expect - len) * 9 / 8,
                               2 * data.capacity()));
}

bool Column::input_null(size_t row) const {
  return !null_rows.empty() && std::binary_search(null_rows.begin(), null_rows.end(), row);
}

void Column::set_valid_bit() { set_bit(valid, len, true); }

void Column::put_null() {
  if (valid.empty()) valid.assign((len >> 3) + 1, 0xFF);
  set_bit(valid, len, false);
  ++nulls;
  switch (type) {
    case ColType::String:
    case ColType::Json: offsets.push_back(offsets.back()); break;
    case ColType::Float: floats.push_back(0); break;
    case ColType::Dict: codes.push_back(0); break;
    case ColType::Bool: set_bit(bools, len, false); break;
    case ColType::Timestamp: ts_offset.push_back(0); ts_frac.push_back(0); [[fallthrough]];
    case ColType::Int: ints.push_back(0); break;
    case ColType::Null: break;
  }
  ++len;
}

Column Column::empty_of(ColType t) {
  Column c;
  c.type = t;
  c.expect = expect;
  c.null_rows = std::move(null_rows);
  c.reserve_values();
  return c;
}

void Column::take_type(ColType t) {
  const size_t rows = len;  // nulls so far: nulls of the new type
  *this = empty_of(t);
  while (len < rows) put_null();
}

void Column::pad_to(size_t rows) {
  if (type == ColType::Null) take_type(ColType::String);  // no value written: all nulls
  while (len < rows) put_null();
  if (!valid.empty()) valid.resize((len + 7) >> 3, 0);
  if (type == ColType::Bool) bools.resize((len + 7) >> 3, 0);
}

void Column::put_string(std::string_view v) {
  set_valid();
  grow_data(v.size());
  append_utf8_repaired(data, v);
  offsets.push_back(static_cast<int64_t>(data.size()));
  ++len;
}

void Column::put_dict(std::string_view raw) {
  if (type == ColType::String) {  // promoted: the value is kept as text
    put_string(raw);
    return;
  }
  set_valid();
  size_t n = dict_size();
  // Runs of one value: the last entry again (entries are valid UTF-8, so raw needs no repair).
  if (!codes.empty() && n && short_equal(str(static_cast<size_t>(codes.back())), raw)) {
    codes.push_back(codes.back());
    ++len;
    return;
  }
  // A value the dictionary holds needs no repair (its entries are valid UTF-8); only a new one is
  // repaired before it is added.
  uint64_t h = 0;
  int32_t code = dict_find(raw, h);
  if (code < 0) {
    key_.clear();
    append_utf8_repaired(key_, raw);
    code = dict_code(key_);
  }
  if (code < 0) {  // not a small set after all: keep the values as text
    to_string_column();
    put_string(raw);
    return;
  }
  codes.push_back(code);
  ++len;
}

int32_t Column::dict_find(std::string_view v, uint64_t& h) const {
  const size_t n = dict_size();
  h = n >= 16 ? hash_str(v) : 0;
  if (n <= 16) {
    for (size_t i = 0; i < n; ++i)
      if (short_equal(str(i), v)) return static_cast<int32_t>(i);
  } else {
    auto [a, b] = dict_hash_.equal_range(h);
    for (; a != b; ++a)
      if (str(static_cast<size_t>(a->second)) == v) return a->second;
  }
  return -1;
}

int32_t Column::dict_code(std::string_view v) {
  uint64_t h = 0;
  if (int32_t found = dict_find(v, h); found >= 0) return found;
  const size_t n = dict_size();
  if (n >= kMaxDict) return -1;
  const auto code = static_cast<int32_t>(n);
  data.append(v);
  offsets.push_back(static_cast<int64_t>(data.size()));
  if (n == 16)  // from now on look values up by hash
    for (size_t i = 0; i < n; ++i) dict_hash_.emplace(hash_str(str(i)), static_cast<int32_t>(i));
  if (n >= 16) dict_hash_.emplace(h, code);
  return code;
}

bool Column::share_dictionary(const std::vector<Column*>& later) {
  size_t grows = 0;  // values of the later parts this dictionary lacks (each counted once)
  for (size_t k = 0; k < later.size(); ++k)
    for (size_t i = 0; i < later[k]->dict_size(); ++i) {
      const std::string_view v = later[k]->str(i);
      uint64_t h = 0;
      bool known = dict_find(v, h) >= 0;
      for (size_t j = 0; j < k && !known; ++j) known = later[j]->dict_find(v, h) >= 0;
      if (!known) ++grows;
    }
  if (dict_size() + grows > kMaxDict) return false;
  for (Column* c : later) {
    std::vector<int32_t> code(c->dict_size());
    for (size_t i = 0; i < code.size(); ++i) code[i] = dict_code(c->str(i));
    if (!code.empty())
      for (int32_t& x : c->codes) x = code[static_cast<size_t>(x)];  // a null's 0 too: any code will do
  }
  for (Column* c : later) {  // the whole dictionary, so that every part's Arrow batch has the same
    c->offsets = offsets;
    c->data = data;
    c->dict_hash_ = dict_hash_;
  }
  return true;
}

void Column::put_bool(bool v) {
  set_valid();
  set_bit(bools, len, v);
  ++len;
}

void Column::put_timestamp(const Timestamp& ts) {
  if (ts.epoch_sec > kMaxNsSec || ts.epoch_sec < -kMaxNsSec) {
    ts_far.emplace_back(len, ts);  // kept for records/docs; a null in Arrow's ns
    put_null();
    return;
  }
  set_valid();
  ints.push_back(ts.epoch_sec * kNsPerSec + ts.nanos);
  ts_offset.push_back(ts.offset_min);
  ts_frac.push_back(ts.frac_digits);
  ++len;
}

std::string Column::text(size_t row) const {
  char buf[24];
  Timestamp ts;
  switch (type) {
    case ColType::Int: {
      auto r = std::to_chars(buf, buf + sizeof buf, ints[row]);
      return std::string(buf, r.ptr);
    }
    case ColType::Bool: return (bools[row >> 3] >> (row & 7) & 1) ? "true" : "false";
    case ColType::Float: {
      std::string_view written;
      if (float_text.find(row, written)) return std::string(written);
      auto r = std::to_chars(buf, buf + sizeof buf, floats[row]);
      return std::string(buf, r.ptr);
    }
    case ColType::Dict: return std::string(str(static_cast<size_t>(codes[row])));
    case ColType::String:
    case ColType::Json: return std::string(str(row));
    case ColType::Timestamp: {
      std::string s;
      if (timestamp(row, ts)) append_iso8601(s, ts);
      return s;
    }
    case ColType::Null: return {};
  }
  return {};
}

void Column::to_string_column() {
  Column s = empty_of(ColType::String);
  s.append_text(*this);
  *this = std::move(s);
}

int ColumnTable::child(int node, std::string_view name, int& pos) {
  auto& kids = nodes[node].kids;
  const size_t k = kids.size();
  // The same child again (fields sharing a prefix: http.request.method, http.version)...
  if (pos >= 0 && static_cast<size_t>(pos) < k && nodes[kids[pos]].name == name) return kids[pos];
  const size_t start = static_cast<size_t>(pos + 1);  // ...or the next one
  for (size_t i = 0; i < k; ++i) {
    size_t j = (start + i) % k;
    if (nodes[kids[j]].name == name) {
      pos = static_cast<int>(j);
      return kids[j];
    }
  }
  int id = static_cast<int>(nodes.size());
  ColumnNode c;
  c.name = std::string(name);
  nodes.push_back(std::move(c));
  auto& kids2 = nodes[node].kids;  // nodes may have moved
  size_t at = std::min(start, kids2.size());
  kids2.insert(kids2.begin() + static_cast<std::ptrdiff_t>(at), id);
  pos = static_cast<int>(at);
  return id;
}

Column& ColumnTable::leaf(int node, std::string_view name, int& pos) {
  int id = child(node, name, pos);
  if (nodes[id].col < 0) {
    nodes[id].col = static_cast<int>(cols.size());
    cols.emplace_back().expect = expect_rows;
  }
  return cols[nodes[id].col];
}

void ColumnTable::finish() {
  for (auto& c : cols) c.pad_to(rows);
  for (auto& n : nodes)
    if (!n.kids.empty()) n.present.resize((rows + 7) >> 3, 0);
}

std::string ColumnTable::path(int node) const {
  // Parents are found by search: paths are built once per export, not per row.
  std::vector<int> chain;
  for (int cur = node; cur > 0;) {
    chain.push_back(cur);
    int parent = 0;
    for (size_t p = 0; p < nodes.size() && !parent; ++p)
      for (int k : nodes[p].kids)
        if (k == cur) { parent = static_cast<int>(p); break; }
    cur = parent;
  }
  std::string out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    if (!out.empty()) out.push_back('.');
    out += nodes[*it].name;
  }
  return out;
}

size_t ColumnTable::bytes() const {
  size_t b = 0;
  for (const auto& c : cols)
    b += c.valid.size() + c.ints.size() * 8 + c.bools.size() + c.offsets.size() * 8 + c.data.size() +
         c.codes.size() * 4 + c.ts_offset.size() * 2 + c.ts_frac.size() + c.float_text.rows.size() * 16 +
         c.float_text.data.size();
  return b;
}

void ColumnWriter::sync() {
  if (taken_ < 0) return;
  const ColumnTable::Slot& s = t_.slots[static_cast<size_t>(taken_)];
  for (int d = 0; d <= s.depth; ++d) {
    open_[d] = s.open[d];
    pos_[d] = s.pos[d];
    // A position is an index among siblings: a sibling made before it since (by a later row)
    // moved it. Looked up again, so that a new field goes right after the one written before it
    // whichever rows came through here.
    const int want = d < s.depth ? s.open[d + 1] : s.leaf;
    const std::vector<int>& kids = t_.nodes[static_cast<size_t>(open_[d])].kids;
    if (pos_[d] < 0 || static_cast<size_t>(pos_[d]) >= kids.size() || kids[static_cast<size_t>(pos_[d])] != want) {
      const auto it = std::find(kids.begin(), kids.end(), want);
      pos_[d] = it == kids.end() ? -1 : static_cast<int>(it - kids.begin());
    }
  }
  depth_ = s.depth;
  taken_ = -1;
}

Column& ColumnWriter::leaf_slow(std::string_view name, bool stable, size_t i) {
  sync();
  const int was = prev_ < 0 ? 0 : depth_;  // objects open before this field
  int before[32];
  for (int d = 0; d <= was; ++d) before[d] = open_[d];
  Column& c = walk(name);
  if (t_.slots.size() < i + 2) t_.slots.resize(i + 2);
  ColumnTable::Slot& s = t_.slots[i + t_.slots[i].victim];
  t_.slots[i].victim ^= 1;
  if (depth_ < 8) {
    s.name.assign(name);
    s.ptr = stable ? name.data() : nullptr;
    s.col = static_cast<int>(&c - t_.cols.data());
    s.depth = depth_;
    s.leaf = t_.nodes[static_cast<size_t>(open_[depth_])].kids[static_cast<size_t>(pos_[depth_])];
    s.n_marks = 0;
    for (int d = 0; d <= depth_; ++d) {
      s.open[d] = open_[d];
      s.pos[d] = pos_[d];
      if (d > 0 && (d > was || before[d] != open_[d])) s.marks[s.n_marks++] = open_[d];
    }
  } else {
    s.col = -1;
  }
  prev_ = static_cast<int>(&c - t_.cols.data());
  return c;
}

Column& ColumnWriter::walk(std::string_view name) {
  size_t p = 0;
  int d = 0;
  const int open = depth_;  // objects still open from the previous field
  while (true) {
    size_t e = d + 1 < 32 ? name.find('.', p) : std::string_view::npos;
    std::string_view seg = name.substr(p, e == std::string_view::npos ? std::string_view::npos : e - p);
    if (seg.empty()) seg = "_";
    if (e == std::string_view::npos) {
      depth_ = d;
      return t_.leaf(open_[d], seg, pos_[d]);
    }
    int n = t_.child(open_[d], seg, pos_[d]);
    set_bit(t_.nodes[n].present, t_.rows, true);
    ++d;
    if (d > open || open_[d] != n) {  // entering another object: its fields start over
      open_[d] = n;
      pos_[d] = -1;
    }
    p = e + 1;
  }
}

void ColumnWriter::add(const Field& f, bool category, bool stable_name) {
  put(leaf(f.name, stable_name), t_.rows, f, category);
}

void ColumnWriter::put(Column& c, size_t row, const Field& f, bool category) {
  using K = Field::Kind;
  if (f.kind == K::Null) {  // a null in Arrow; records and docs keep it
    if (c.start(row, c.type)) c.put_input_null();
    return;
  }
  static constexpr ColType kType[] = {ColType::String, ColType::Int, ColType::Float, ColType::Bool,
                                      ColType::Null, ColType::Json};
  ColType want = f.kind == K::String && category ? ColType::Dict : kType[static_cast<int>(f.kind)];
  if (!c.start(row, want)) return;
  if (c.type == want || (c.type == ColType::Float && want == ColType::Int)) {
    switch (want) {
      case ColType::String:
      case ColType::Json: c.put_string(f.text); return;
      case ColType::Dict: c.put_dict(f.text); return;
      case ColType::Int:
        if (c.type == ColType::Float)
          c.put_int_as_float(f.i);
        else
          c.put_int(f.i);
        return;
      case ColType::Float: c.put_float(f.f, f.text); return;
      case ColType::Bool: c.put_bool(f.b); return;
      default: return;
    }
  }
  // The column became text (two types under one name): this value as text too.
  char buf[32];
  std::string_view v = f.text;
  if (f.kind == K::Int) {
    v = std::string_view(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, f.i).ptr - buf));
  } else if (f.kind == K::Bool) {
    v = f.b ? "true" : "false";
  } else if (f.kind == K::Float && f.text.empty()) {
    v = std::string_view(buf, static_cast<size_t>(std::to_chars(buf, buf + sizeof buf, f.f).ptr - buf));
  }
  c.put_string(v);
}

void ColumnWriter::add_time(std::string_view name, const Timestamp& ts, bool stable_name) {
  put_time(leaf(name, stable_name), t_.rows, ts);
}

void ColumnWriter::put_time(Column& c, size_t row, const Timestamp& ts) {
  if (!c.start(row, ColType::Timestamp)) return;
  if (c.type == ColType::Timestamp) {
    c.put_timestamp(ts);
  } else {
    std::string s;
    append_iso8601(s, ts);
    c.put_string(s);
  }
}

namespace {
struct JsonRow {
  const ColumnTable& t;
  JsonWriter w;
  std::string& out;
  void key(int node) { w.escaped_key(t.nodes[node].name); }
  void begin(int node) { key(node); w.begin_object(); }
  void end() { w.end_object(); }
  void str(int node, std::string_view v, int32_t) { key(node); w.string(v); }
  void null(int node) { key(node); w.null(); }
  void integer(int node, int64_t v) { key(node); w.integer(v); }
  void boolean(int node, bool v) { key(node); w.boolean(v); }
  void number(int node, double v) {
    key(node);
    if (!std::isfinite(v)) {
      w.null();  // as the encoder writes NaN / infinity
      return;
    }
    append_double(w.raw_value(), v);  // 5.0 stays a float when read back
  }
  void json(int node, std::string_view text) {
    key(node);
    w.raw_value().append(text);
  }
  void ts(int node, const Timestamp& ts) {
    key(node);
    w.raw_value().push_back('"');
    append_iso8601(out, ts);
    out.push_back('"');
  }
};
}  // namespace

void row_json(const ColumnTable& t, size_t row, std::string& out) {
  JsonRow v{t, JsonWriter(out), out};
  v.w.begin_object();
  visit_row(t, 0, row, v);
  v.w.end_object();
}

}  // namespace ki
