// One table after another: the parts of an input that several threads parsed at once become
// the table one thread would have built (read_logs with threads > 1).
#include <algorithm>
#include <atomic>
#include <thread>

#include "encode/columns.h"

namespace ki {

namespace {

// Bits [0, n) of src (ones where src is shorter, all ones without src) after bit `at` of dst.
void append_bits(std::vector<uint8_t>& dst, size_t at, const std::vector<uint8_t>* src, size_t n) {
  if (n == 0) return;
  const size_t byte = at >> 3, sh = at & 7;
  dst.resize((at + n + 7) >> 3, 0);
  // Bits past `at` may be set (put_null fills a whole byte with ones before clearing its bit).
  dst[byte] &= static_cast<uint8_t>((1u << sh) - 1);
  std::fill(dst.begin() + static_cast<std::ptrdiff_t>(byte) + 1, dst.end(), 0);
  const size_t whole = (n + 7) >> 3;
  for (size_t i = 0; i < whole; ++i) {
    unsigned b = !src ? 0xFFu : (i < src->size() ? (*src)[i] : 0u);
    if (i + 1 == whole && (n & 7)) b &= (1u << (n & 7)) - 1;
    dst[byte + i] |= static_cast<uint8_t>(b << sh);
    if (sh && byte + i + 1 < dst.size()) dst[byte + i + 1] |= static_cast<uint8_t>(b >> (8 - sh));
  }
}

// Leaves of src's node `s` paired with dst's columns (made where missing) under dst's node `d`;
// objects' presence copied. dst's kids keep src's order for names they did not have.
void pair_nodes(ColumnTable& dst, const ColumnTable& src, int d, int s, size_t base,
                std::vector<std::pair<int, int>>& pairs) {
  int pos = -1;
  for (int k : src.nodes[static_cast<size_t>(s)].kids) {
    const ColumnNode& sn = src.nodes[static_cast<size_t>(k)];
    const int dk = dst.child(d, sn.name, pos);
    if (sn.col >= 0) {
      if (dst.nodes[static_cast<size_t>(dk)].col < 0) {
        dst.nodes[static_cast<size_t>(dk)].col = static_cast<int>(dst.cols.size());
        dst.cols.emplace_back().expect = dst.expect_rows;
      }
      pairs.emplace_back(dst.nodes[static_cast<size_t>(dk)].col, sn.col);
    }
    if (!sn.kids.empty()) {
      if (!sn.present.empty()) append_bits(dst.nodes[static_cast<size_t>(dk)].present, base, &sn.present, src.rows);
      pair_nodes(dst, src, dk, k, base, pairs);
    }
  }
}

}  // namespace

namespace {
// Nodes x of a and y of b hold the same names in the same order, down to the leaves, and their
// leaves have the same types (node ids may differ: a part meets optional fields in its own order).
bool same_tree(const ColumnTable& a, int x, const ColumnTable& b, int y, std::vector<std::pair<int, int>>& pairs) {
  const ColumnNode &n = a.nodes[static_cast<size_t>(x)], &m = b.nodes[static_cast<size_t>(y)];
  if (n.name != m.name || (n.col < 0) != (m.col < 0) || n.kids.size() != m.kids.size()) return false;
  if (n.col >= 0) {
    if (a.cols[static_cast<size_t>(n.col)].type != b.cols[static_cast<size_t>(m.col)].type) return false;
    pairs.emplace_back(n.col, m.col);
  }
  for (size_t i = 0; i < n.kids.size(); ++i)
    if (!same_tree(a, n.kids[i], b, m.kids[i], pairs)) return false;
  return true;
}
}  // namespace

bool same_schema(const ColumnTable& a, const ColumnTable& b, std::vector<std::pair<int, int>>& pairs) {
  pairs.clear();
  return a.cols.size() == b.cols.size() && same_tree(a, 0, b, 0, pairs);
}

void Column::append_text(const Column& s) {
  Timestamp ts;
  for (size_t r = 0; r < s.len; ++r) {
    bool has = s.type == ColType::Timestamp ? s.timestamp(r, ts) : s.is_valid(r);
    if (has)
      put_string(s.text(r));
    else
      put_null();
  }
}

void Column::append(Column&& s, size_t base) {
  const size_t n = s.len;
  if (type == ColType::Null || (nulls == len && ts_far.empty() && type != s.type)) {
    // Nothing but nulls here yet: the column takes src's type.
    expect = std::max(expect, base + n);
    take_type(s.type == ColType::Null ? ColType::String : s.type);
  }
  while (len < base) put_null();
  if (n == 0) return;
  for (size_t r : s.null_rows) null_rows.push_back(r + base);
  if (s.type == ColType::Null || (s.nulls == n && s.ts_far.empty())) {  // src has no value here
    for (size_t r = 0; r < n; ++r) put_null();
    s = Column{};
    return;
  }
  if (type == ColType::Int && s.type == ColType::Float) ints_to_floats();
  if (type == ColType::Dict && s.type == ColType::Dict) {
    std::vector<int32_t> code(s.dict_size());
    bool full = false;
    for (size_t i = 0; i < code.size() && !full; ++i) full = (code[i] = dict_code(s.str(i))) < 0;
    if (!full) {
      codes.reserve(len + n);
      for (size_t r = 0; r < n; ++r) codes.push_back(code.empty() ? 0 : code[static_cast<size_t>(s.codes[r])]);
    } else {
      to_string_column();
    }
  } else if (type == ColType::Dict && s.type == ColType::String) {
    to_string_column();
  }
  bool bulk = true;  // values copied here; validity below
  if (type == s.type) {
    switch (type) {
      case ColType::Int: ints.insert(ints.end(), s.ints.begin(), s.ints.end()); break;
      case ColType::Float:
        floats.insert(floats.end(), s.floats.begin(), s.floats.end());
        float_text.append(s.float_text, base);
        break;
      case ColType::Bool: append_bits(bools, len, &s.bools, n); break;
      case ColType::String:
      case ColType::Json: {
        const auto shift = static_cast<int64_t>(data.size());
        data.append(s.data);
        offsets.reserve(offsets.size() + n);
        for (size_t r = 1; r <= n; ++r) offsets.push_back(s.offsets[r] + shift);
        break;
      }
      case ColType::Timestamp:
        ints.insert(ints.end(), s.ints.begin(), s.ints.end());
        ts_offset.insert(ts_offset.end(), s.ts_offset.begin(), s.ts_offset.end());
        ts_frac.insert(ts_frac.end(), s.ts_frac.begin(), s.ts_frac.end());
        for (const auto& [row, ts] : s.ts_far) ts_far.emplace_back(row + base, ts);
        break;
      case ColType::Dict: break;  // codes mapped above
      case ColType::Null: break;
    }
  } else if (type == ColType::Float && s.type == ColType::Int) {
    add_ints_as_floats(s.ints, base);
  } else if (type == ColType::String && s.type == ColType::Dict) {
    offsets.reserve(offsets.size() + n);
    for (size_t r = 0; r < n; ++r) {
      if (s.is_valid(r)) data.append(s.str(static_cast<size_t>(s.codes[r])));
      offsets.push_back(static_cast<int64_t>(data.size()));
    }
  } else {  // two types under one name: every value as text
    if (type != ColType::String) to_string_column();
    append_text(s);
    bulk = false;
  }
  if (bulk) {
    if (!s.valid.empty() || !valid.empty()) {
      if (valid.empty()) append_bits(valid, 0, nullptr, len);
      append_bits(valid, len, s.valid.empty() ? nullptr : &s.valid, n);
    }
    nulls += s.nulls;
    len += n;
  }
  s = Column{};
}

void append_table(ColumnTable& dst, ColumnTable&& src, unsigned threads) {
  const size_t base = dst.rows;
  std::vector<std::pair<int, int>> pairs;
  pair_nodes(dst, src, 0, 0, base, pairs);
  // Columns are independent: each thread takes the next one (sizes differ a lot).
  std::atomic<size_t> next{0};
  auto work = [&] {
    for (size_t i; (i = next.fetch_add(1)) < pairs.size();)
      dst.cols[static_cast<size_t>(pairs[i].first)].append(std::move(src.cols[static_cast<size_t>(pairs[i].second)]),
                                                           base);
  };
  std::vector<std::thread> helpers;
  for (unsigned t = 1; t < std::min<size_t>(threads, pairs.size()); ++t) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  dst.rows += src.rows;
  src = ColumnTable{};
  dst.finish();
}

}  // namespace ki
