#include "encode/access_columns.h"

#include <algorithm>
#include <iterator>

#include "encode/encoder.h"
#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"

namespace ki {

namespace {
constexpr size_t npos = std::string_view::npos;

int find_kid(const ColumnTable& t, int node, std::string_view name) {
  if (node < 0) return -1;
  for (int k : t.nodes[static_cast<size_t>(node)].kids)
    if (t.nodes[static_cast<size_t>(k)].name == name) return k;
  return -1;
}

// The node of a dotted path ("http.request.method"), -1 if the table has none.
int find_path(const ColumnTable& t, std::string_view path) {
  int node = 0;
  while (node >= 0) {
    const size_t dot = path.find('.');
    node = find_kid(t, node, path.substr(0, dot));
    if (dot == npos) break;
    path.remove_prefix(dot + 1);
  }
  return node;
}

Field text_field(std::string_view v) { return Field{{}, Field::Kind::String, v}; }

// Hint slots, one each for GET POST PUT PATCH DELETE HEAD OPTIONS CONNECT TRACE PROPFIND (0..15)
// and for the versions 1.0 1.1 2.0 2 3 0.9 (0..7); others may share one.
unsigned method_slot(std::string_view m) {
  const unsigned c0 = static_cast<unsigned char>(m[0]), c1 = m.size() > 1 ? static_cast<unsigned char>(m[1]) : 0;
  return ((c0 * 8 + c1) ^ static_cast<unsigned>(m.size())) % 16;
}
unsigned version_slot(std::string_view v) {
  return v.empty() ? 0 : (static_cast<unsigned char>(v.front()) * 4u + static_cast<unsigned char>(v.back())) % 8;
}
}  // namespace

AccessColumns::AccessColumns() { std::fill(std::begin(hint_), std::end(hint_), -1); }

bool AccessColumns::bind(ColumnTable& t) {
  table_ = &t;
  cols_seen_ = t.cols.size();
  static constexpr std::string_view kPaths[kCols] = {
      "@timestamp",          "source.ip",           "user.name",         "http.request.method",
      "http.request.referrer", "http.version",      "http.response.status_code", "http.response.body.bytes",
      "url.original",        "user_agent.original", "kafkainsight.format", "kafkainsight.status_class",
      "kafkainsight.anonymous"};
  for (int c = 0; c < kCols; ++c) {
    const int node = find_path(t, kPaths[c]);
    col_[c] = node < 0 ? -1 : t.nodes[static_cast<size_t>(node)].col;
  }
  static constexpr std::string_view kObjects[kObjs] = {
      "source", "user", "http", "http.request", "http.response", "http.response.body", "url", "user_agent",
      "kafkainsight"};
  nodes_seen_ = t.nodes.size();
  for (int o = 0; o < kObjs; ++o) {
    const int node = find_path(t, kObjects[o]);
    present_[o] = node < 0 ? nullptr : &t.nodes[static_cast<size_t>(node)].present;
  }
  return true;
}

bool AccessColumns::add(std::string_view line, ColumnTable& t) {
  const char* p = line.data();
  const size_t n = line.size();
  // %h: an IPv4 address (a list, a virtual host, a name, IPv6: the general way). %l: '-'.
  size_t i = scan::find_char(p, 0, n, ' ');
  if (i == npos || i < 7 || i > 15 || !is_ipv4_fast(std::string_view(p, i))) return false;
  if (i + 2 >= n || p[i + 1] != '-' || p[i + 2] != ' ') return false;
  const std::string_view client(p, i);
  // %u: up to " [" (none at all, "host - [time]": the general way).
  const size_t j = i + 2;
  const size_t k = line.find(" [", j);
  if (k == npos || k == j) return false;
  const std::string_view user(p + j + 1, k - j - 1);
  i = k + 2;
  Timestamp ts;
  const size_t tl = time_.parse(p + i, n - i, ts);  // %t as Apache writes it (ISO: the general way)
  if (tl == 0) return false;
  i += tl;
  if (i + 2 >= n || p[i] != ']' || p[i + 1] != ' ' || p[i + 2] != '"') return false;
  scratch_.clear();
  if (scratch_.capacity() < n) scratch_.reserve(n);  // views into it stay valid
  std::string_view request, referrer, agent;
  unsigned high = 0;  // the quoted fields' bytes >= 0x80, as their scans saw them
  size_t q = scan::quoted(p, i + 3, n, scratch_, request, &high);
  if (q == npos || q + 1 >= n || p[q + 1] != ' ') return false;
  // %>s: three digits ('-': the general way); %b: digits or '-'.
  int64_t v = 0;
  i = q + 2;
  size_t e = scan::uint_at(p, i, n, v);
  if (e == npos || e - i != 3 || e >= n || p[e] != ' ') return false;
  const int status = static_cast<int>(v);
  i = e + 1;
  int64_t bytes = -1;
  if (i < n && p[i] == '-') {
    ++i;
  } else {
    e = scan::uint_at(p, i, n, v);
    if (e == npos) return false;
    bytes = v;
    i = e;
  }
  // "%{Referer}i" "%{User-agent}i", and nothing after them (a trailing field: the general way).
  if (i + 1 >= n || p[i] != ' ' || p[i + 1] != '"') return false;
  q = scan::quoted(p, i + 2, n, scratch_, referrer, &high);
  if (q == npos || q + 2 >= n || p[q + 1] != ' ' || p[q + 2] != '"') return false;
  q = scan::quoted(p, q + 3, n, scratch_, agent, &high);
  if (q == npos || q + 1 != n) return false;

  const RequestParts req = split_request(request);
  const bool named = !user.empty() && !(user.size() == 1 && user[0] == '-');
  std::string_view version = req.protocol;
  if (version.size() >= 5 && short_equal(version.substr(0, 5), "HTTP/")) version.remove_prefix(5);
  const std::string_view url = !req.path.empty() ? req.path : (req.method.empty() ? request : std::string_view{});
  const bool has_url = !url.empty() && !(url.size() == 1 && url[0] == '-');

  // The columns this row writes must exist (the general way makes them, in its order).
  if (table_ != &t || cols_seen_ != t.cols.size() || nodes_seen_ != t.nodes.size()) bind(t);
  for (int c : {kTimestamp, kSourceIp, kReferrer, kStatus, kFormat, kStatusClass, kAnonymous})
    if (col_[c] < 0) return false;
  if ((named && col_[kUserName] < 0) || (!req.method.empty() && col_[kMethod] < 0) ||
      (!req.protocol.empty() && col_[kVersion] < 0) || (bytes >= 0 && col_[kBytes] < 0) ||
      (has_url && col_[kUrl] < 0) || (!agent.empty() && col_[kAgent] < 0))
    return false;

  // What the ECS encoder writes for such a record, field by field.
  const size_t row = t.rows;
  auto col = [&](int c) -> Column& { return t.cols[static_cast<size_t>(col_[c])]; };
  auto mark = [&](int o) __attribute__((always_inline)) {  // set_bit, inline: the bitmap grows a byte at a time as the general way grows it
    std::vector<uint8_t>& bits = *present_[o];
    const size_t byte = row >> 3;
    if (byte == bits.size()) bits.push_back(0);
    else if (byte > bits.size()) bits.resize(byte + 1, 0);
    bits[byte] |= static_cast<uint8_t>(1u << (row & 7));
  };
  // A small-set value: its code from last time if it is still that entry, else the general call.
  auto category = [&](int c, std::string_view v, int32_t& hint) __attribute__((always_inline)) {
    Column& column = col(c);
    if (column.put_known_code(row, v, hint)) return;
    ColumnWriter::put(column, row, text_field(v), true);
    hint = column.type == ColType::Dict && column.len == row + 1 ? column.codes.back() : -1;
  };
  // A text or integer column at this row: the call ColumnWriter::put would end in, made directly.
  // The rest of the line is an IPv4 address, a time, digits and fixed marks: with an ASCII user
  // and quoted fields, every text field is valid UTF-8 as written (no check of its own).
  const bool ascii = high == 0 && scan::is_ascii(user.data(), user.size());
  auto text = [&](int c, std::string_view v) __attribute__((always_inline)) {
    Column& column = col(c);
    if (column.type == ColType::String && column.start(row, ColType::String))  // (nulls before it: user.name)
      ascii ? column.put_valid_string(v) : column.put_string(v);
    else
      ColumnWriter::put(column, row, text_field(v), false);
  };
  auto integer = [&](int c, int64_t v) __attribute__((always_inline)) {
    Column& column = col(c);
    if (column.len == row && column.type == ColType::Int) {
      column.put_int(v);
    } else {
      Field num{{}, Field::Kind::Int, {}};
      num.i = v;
      ColumnWriter::put(column, row, num, false);
    }
  };
  if (Column& column = col(kTimestamp); column.len == row && column.type == ColType::Timestamp)
    column.put_timestamp(ts);
  else
    ColumnWriter::put_time(column, row, ts);
  text(kSourceIp, client);
  mark(kSource);
  if (named) {
    text(kUserName, user);
    mark(kUser);
  }
  mark(kHttp);
  mark(kHttpRequest);
  if (!req.method.empty()) category(kMethod, req.method, hint_[kHintMethod + method_slot(req.method)]);
  text(kReferrer, referrer);
  if (!req.protocol.empty()) category(kVersion, version, hint_[kHintVersion + version_slot(version)]);
  integer(kStatus, status);
  mark(kHttpResponse);
  if (bytes >= 0) {
    integer(kBytes, bytes);
    mark(kHttpBody);
  }
  if (has_url) {
    text(kUrl, url);
    mark(kUrlObj);
  }
  if (!agent.empty()) {
    text(kAgent, agent);
    mark(kAgentObj);
  }
  category(kFormat, format_name(Format::ApacheCombined), hint_[kHintFormat]);
  category(kStatusClass, status_class(status), hint_[kHintClass + status / 100]);
  if (Column& column = col(kAnonymous); column.len == row && column.type == ColType::Bool) {
    column.put_bool(!named);
  } else {
    Field anonymous{{}, Field::Kind::Bool, {}};
    anonymous.b = !named;
    ColumnWriter::put(column, row, anonymous, false);
  }
  mark(kKi);
  ++t.rows;
  ++rows_;
  last_ascii_ = ascii;  // (its other fields are digits, an IPv4 address, a time and marks)
  return true;
}

}  // namespace ki
