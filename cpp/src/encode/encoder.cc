#include "encode/encoder.h"

#include <arpa/inet.h>

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <climits>
#include <ctime>
#include <algorithm>
#include <vector>

#include "encode/columns.h"
#include "encode/json_writer.h"
#include "parse/timestamp.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki {

namespace {

constexpr std::string_view kSeverity[8] = {"emerg", "alert", "crit", "err",
                                           "warning", "notice", "info", "debug"};
constexpr std::string_view kFacility[24] = {
    "kern",   "user",   "mail",   "daemon", "auth",   "syslog", "lpr",      "news",
    "uucp",   "cron",   "authpriv", "ftp",  "ntp",    "security", "console", "solaris-cron",
    "local0", "local1", "local2", "local3", "local4", "local5", "local6",   "local7"};

// The addresses of a list as a JSON array (only_ips: the words nginx writes for none left out;
// related.ip is an ip field), and `also` after them unless the list has it.
void address_array(std::string_view list, bool only_ips, std::string& o, std::string_view also = {}) {
  o.push_back('[');
  bool first = true;
  auto put = [&](std::string_view a) {
    if (!first) o.push_back(',');
    first = false;
    o.push_back('"');
    append_json_escaped(o, a);  // the parser checked them; escaped all the same
    o.push_back('"');
  };
  for_each_address(list, [&](std::string_view a) {
    if (a == also) also = {};
    if (!only_ips || is_ip(a)) put(a);
  });
  if (!also.empty()) put(also);
  o.push_back(']');
}

bool any_ip(std::string_view list) {
  bool found = false;
  for_each_address(list, [&](std::string_view a) { found = found || is_ip(a); });
  return found;
}

bool is_access(Format f) {
  return f == Format::ApacheCommon || f == Format::ApacheCombined || f == Format::Json;
}
bool is_syslog(Format f) { return f == Format::Rfc3164 || f == Format::Rfc5424; }

// Local wall clock of the event as the log wrote it.
struct Civil {
  int64_t year;
  unsigned month, day;
  int hour, minute, second;
};
Civil local_civil(const Timestamp& ts) {
  int64_t local = ts.epoch_sec + ts.offset_min * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  int64_t secs = local - days * 86400;
  Civil c{};
  civil_from_days(days, c.year, c.month, c.day);
  c.hour = static_cast<int>(secs / 3600);
  c.minute = static_cast<int>(secs / 60 % 60);
  c.second = static_cast<int>(secs % 60);
  return c;
}

}  // namespace

std::string_view schema_name(Schema s) { return s == Schema::Ecs ? "ecs" : "kafkainsight"; }

std::optional<Schema> schema_from_name(std::string_view name) {
  if (name == "ecs") return Schema::Ecs;
  if (name == "kafkainsight" || name == "flat") return Schema::KafkaInsight;
  return std::nullopt;
}

std::string_view status_class(int status) {
  switch (status / 100) {
    case 1: return "Informational";
    case 2: return "Successful";
    case 3: return "Redirection";
    case 4: return "Client Error";
    case 5: return "Server Error";
    default: return "Unknown";
  }
}

std::optional<std::string_view> record_field(const Record& r, std::string_view name) {
  if (name == "source.ip" || name == "source.address") return r.client_ip;
  if (name == "user.name") return r.user == "-" ? std::string_view{} : r.user;
  if (name == "destination.domain") return r.server_name;
  if (name == "host.hostname") return r.hostname;
  if (name == "process.name") return r.app;
  if (name == "url.original") return r.path;
  if (name == "http.request.method") return r.method;
  if (name == "log.level") return r.level;
  if (name == "log.syslog.msgid") return r.msgid;
  if (name == "kafkainsight.format") return format_name(r.format);
  return std::nullopt;
}

bool is_key_field(std::string_view name) { return record_field(Record{}, name).has_value(); }

namespace {
inline char* put2(char* p, unsigned v) { p[0] = char('0' + v / 10); p[1] = char('0' + v % 10); return p + 2; }
}  // namespace

void append_iso8601(std::string& out, const Timestamp& ts) {
  // Date part cached per (local) day: civil_from_days runs once a day, not once a line.
  thread_local int64_t cached_day = INT64_MIN;
  thread_local char date[16];
  thread_local size_t date_len = 0;
  int64_t local = ts.epoch_sec + ts.offset_min * 60;
  int64_t days = local >= 0 ? local / 86400 : (local - 86399) / 86400;
  unsigned secs = static_cast<unsigned>(local - days * 86400);
  if (days != cached_day) {
    Civil c = local_civil(ts);
    std::string tmp;
    append_padded(tmp, c.year, 4);
    tmp.push_back('-');
    append_padded(tmp, c.month, 2);
    tmp.push_back('-');
    append_padded(tmp, c.day, 2);
    tmp.push_back('T');
    if (tmp.size() <= sizeof date) {
      std::memcpy(date, tmp.data(), tmp.size());
      date_len = tmp.size();
      cached_day = days;
    } else {
      out += tmp;  // absurd year: no cache
      date_len = 0;
      cached_day = INT64_MIN;
    }
  }
  char buf[48];
  char* p = buf;
  std::memcpy(p, date, date_len);
  p += date_len;
  p = put2(p, secs / 3600);
  *p++ = ':';
  p = put2(p, secs / 60 % 60);
  *p++ = ':';
  p = put2(p, secs % 60);
  if (ts.frac_digits > 0) {
    *p++ = '.';
    uint32_t v = ts.nanos;
    char f[9];
    for (int i = 8; i >= 0; --i) { f[i] = static_cast<char>('0' + v % 10); v /= 10; }
    std::memcpy(p, f, ts.frac_digits);
    p += ts.frac_digits;
  }
  if (ts.offset_min == 0) {
    *p++ = 'Z';
  } else {
    int off = ts.offset_min < 0 ? -ts.offset_min : ts.offset_min;
    *p++ = ts.offset_min < 0 ? '-' : '+';
    p = put2(p, static_cast<unsigned>(off / 60));
    *p++ = ':';
    p = put2(p, static_cast<unsigned>(off % 60));
  }
  out.append(buf, static_cast<size_t>(p - buf));
}

// Our own fields of one document, in output order (fields sharing a prefix next to each
// other), with rendered values kept in `buf` (reserved up front so views stay valid).
// For the columns (ColumnWriter) two flags ride in Field::b, unused by these kinds: a String
// with b is a category (a value from a small set), a Json with b is the timestamp times[i].
struct Doc {
  std::vector<Field> f;
  std::string buf;
  std::vector<Timestamp> times;
  bool render_times = true;
  // Set: each field goes straight to this row of columns (no list; the record has no fields of
  // its own to merge in, so ours are already in output order and their names are our literals).
  ColumnWriter* direct = nullptr;
  void push(const Field& x, bool category = false) {
    if (direct)
      direct->add(x, category, true);
    else
      f.push_back(x);
  }
  void str(std::string_view name, std::string_view v) { push({name, Field::Kind::String, v}); }
  void cat(std::string_view name, std::string_view v) {
    Field x{name, Field::Kind::String, v};
    x.b = true;
    push(x, true);
  }
  // A string value rendered into buf by fill(buf).
  template <class F>
  void text(std::string_view name, F&& fill) {
    rendered(name, Field::Kind::String, fill);
  }
  void num(std::string_view name, int64_t v) {
    Field x{name, Field::Kind::Int, {}};
    x.i = v;
    push(x);
  }
  void boolean(std::string_view name, bool v) {
    Field x{name, Field::Kind::Bool, {}};
    x.b = v;
    push(x);
  }
  // A value rendered as JSON text into buf by fill(buf).
  template <class F>
  void json(std::string_view name, F&& fill) {
    rendered(name, Field::Kind::Json, fill);
  }
  template <class F>
  void rendered(std::string_view name, Field::Kind kind, F&& fill) {
    const size_t at = buf.size();
    const auto old = reinterpret_cast<uintptr_t>(buf.data());
    fill(buf);
    // Past the reserve (escaping can make a value 6x its bytes): the views into buf move with it.
    if (reinterpret_cast<uintptr_t>(buf.data()) != old) rebase(old, at);
    push({name, kind, std::string_view(buf.data() + at, buf.size() - at)});
  }
  void rebase(uintptr_t old, size_t used) {
    for (Field& x : f) {
      const auto p = reinterpret_cast<uintptr_t>(x.text.data());
      if (!x.text.empty() && p >= old && p - old < used) x.text = std::string_view(buf.data() + (p - old), x.text.size());
    }
  }
  void time(std::string_view name, const Timestamp& ts) {
    if (direct) {
      direct->add_time(name, ts, true);
      return;
    }
    json(name, [&](std::string& o) {
      if (!render_times) return;
      o.push_back('"');
      append_iso8601(o, ts);
      o.push_back('"');
    });
    f.back().b = true;
    f.back().i = static_cast<int64_t>(times.size());
    times.push_back(ts);
  }
};

namespace {

void structured_data_json(const Record& r, std::string& out) {
  // {"id": {"name": "value"}}; a repeated SD-ID or name keeps its first value
  // (Elasticsearch rejects duplicate keys).
  out.push_back('{');
  bool first_id = true;
  for (size_t a = 0; a < r.sd.size(); ++a) {
    bool seen = false;
    for (size_t b = 0; b < a && !seen; ++b) seen = r.sd[b].id == r.sd[a].id;
    if (seen) continue;
    if (!first_id) out.push_back(',');
    first_id = false;
    out.push_back('"');
    append_json_escaped(out, r.sd[a].id);
    out.append("\":{", 3);
    bool first = true;
    for (size_t b = a; b < r.sd.size(); ++b) {
      if (r.sd[b].id != r.sd[a].id || r.sd[b].name.empty()) continue;
      bool dup = false;
      for (size_t c = a; c < b && !dup; ++c) dup = r.sd[c].id == r.sd[a].id && r.sd[c].name == r.sd[b].name;
      if (dup) continue;
      if (!first) out.push_back(',');
      first = false;
      out.push_back('"');
      append_json_escaped(out, r.sd[b].name);
      out.append("\":\"", 3);
      append_json_escaped(out, r.sd[b].value);
      out.push_back('"');
    }
    out.push_back('}');
  }
  out.push_back('}');
}

// Room a field needs below: each segment of its name as a key (6 bytes a byte escaped, "_" for an
// empty one, `,"":{` and a closing `}`) and its value (a number: up to kDoubleRoom).
size_t field_room(const Field& x) {
  size_t r = 7 * x.name.size() + 8;
  switch (x.kind) {
    case Field::Kind::String: return r + 6 * x.text.size() + 2;
    case Field::Kind::Json: return r + x.text.size() + 4;
    default: return r + kDoubleRoom;
  }
}

char* write_text(char* w, std::string_view v) {
  std::memcpy(w, v.data(), v.size());
  return w + v.size();
}

char* write_value(char* w, const Field& x) {
  switch (x.kind) {
    case Field::Kind::String:
      *w++ = '"';
      w = write_json_escaped(w, x.text);
      *w++ = '"';
      return w;
    case Field::Kind::Int: return std::to_chars(w, w + kDoubleRoom, x.i).ptr;
    case Field::Kind::Float:
      // As written when it is a plain decimal (digits kept); an exponent form (0e400), an
      // integer form (beyond int64) or a longer text from the double, written as a double.
      if (x.text.size() <= 40 && is_json_number(x.text) && x.text.find('.') != std::string_view::npos &&
          x.text.find_first_of("eE") == std::string_view::npos)
        return write_text(w, x.text);
      return std::isfinite(x.f) ? write_double(w, x.f) : write_text(w, "null");
    case Field::Kind::Bool: return write_text(w, x.b ? "true" : "false");
    case Field::Kind::Null: return write_text(w, "null");
    case Field::Kind::Json: return write_text(w, x.text.empty() ? std::string_view("null") : x.text);
  }
  return w;
}

// Bytes a and b share at their start (8 at a time).
size_t common_prefix(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t l = 0;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  for (; l + 8 <= n; l += 8) {
    uint64_t x, y;
    std::memcpy(&x, a.data() + l, 8);
    std::memcpy(&y, b.data() + l, 8);
    if (x != y) return l + static_cast<size_t>(__builtin_ctzll(x ^ y) >> 3);
  }
#endif
  while (l < n && a[l] == b[l]) ++l;
  return l;
}

// Next segment of a dotted name from pos; an empty segment is written as "_".
std::string_view segment(std::string_view name, size_t& pos) {
  size_t e = name.find('.', pos);
  if (e == std::string_view::npos) e = name.size();
  std::string_view s = name.substr(pos, e - pos);
  pos = e + 1;
  return s;
}

// The first '.' of s at or after i, npos if none: 8 bytes at a time, the last 8 overlapping.
size_t find_dot(std::string_view s, size_t i) {
  const size_t n = s.size();
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
  constexpr uint64_t kDots = 0x2e2e2e2e2e2e2e2eull, kLow = 0x7f7f7f7f7f7f7f7full;
  auto dots_in = [&](size_t at) {  // the high bit of each byte that is '.' (exact: no carries)
    uint64_t x;
    std::memcpy(&x, s.data() + at, 8);
    const uint64_t v = x ^ kDots;
    return ~(((v & kLow) + kLow) | v) & ~kLow;
  };
  for (; i + 8 <= n; i += 8)
    if (const uint64_t m = dots_in(i)) return i + static_cast<size_t>(__builtin_ctzll(m) >> 3);
  if (i < n && n >= 8) {
    const uint64_t m = dots_in(n - 8) & (~0ull << (8 * (i - (n - 8))));
    return m ? n - 8 + static_cast<size_t>(__builtin_ctzll(m) >> 3) : std::string_view::npos;
  }
#endif
  for (; i < n; ++i)
    if (s[i] == '.') return i;
  return std::string_view::npos;
}

// Writes fields (grouped: names sharing a prefix are next to each other) as one JSON object
// with dotted names expanded into nested objects. The objects open are the segments of the
// previous name before its leaf, one per dot; those of its dots inside the prefix the next name
// shares with it stay open. Written through a pointer into room sized first (no capacity check
// per mark), then appended at once.
void emit_nested(std::string& out, const std::vector<Field>& fields) {
  thread_local std::string room;         // grown when a document needs more, never cleared
  thread_local std::vector<size_t> dots;  // the previous name's dots: one open object each
  size_t need = 2;
  for (const Field& x : fields) need += field_room(x);
  if (room.size() < need) room.resize(std::max(need, 2 * room.size()));
  char* w = room.data();
  *w++ = '{';
  dots.clear();
  std::string_view prev;
  bool first = true;  // nothing written yet in the innermost open object
  auto key = [&](std::string_view seg) {
    if (!first) *w++ = ',';
    *w++ = '"';
    if (seg.empty())
      *w++ = '_';
    else
      w = write_json_escaped(w, seg);
    *w++ = '"';
    *w++ = ':';
  };
  auto close_to = [&](size_t open) {
    for (size_t k = open; k < dots.size(); ++k) *w++ = '}';
    dots.resize(open);
  };
  for (const Field& x : fields) {
    const std::string_view name = x.name;
    const size_t l = common_prefix(prev, name);
    size_t shared = 0;
    while (shared < dots.size() && dots[shared] < l) ++shared;
    if (shared < dots.size()) {
      close_to(shared);
      first = false;
    }
    // Open the rest of the prefix, then the leaf.
    size_t from = shared ? dots[shared - 1] + 1 : 0;
    for (size_t dot; (dot = find_dot(name, from)) != std::string_view::npos; from = dot + 1) {
      key(name.substr(from, dot - from));
      *w++ = '{';
      dots.push_back(dot);
      first = true;
    }
    key(name.substr(from));
    w = write_value(w, x);
    first = false;
    prev = name;
  }
  close_to(0);
  *w++ = '}';
  out.append(room.data(), static_cast<size_t>(w - room.data()));
}

// Orders names so that a name comes right before its extensions ("a" < "a.b" < "a-b").
bool path_less(std::string_view a, std::string_view b) {
  size_t n = a.size() < b.size() ? a.size() : b.size();
  for (size_t i = 0; i < n; ++i) {
    // '.' below every byte (NUL included), so a name's extensions follow it directly
    int x = a[i] == '.' ? 0 : static_cast<unsigned char>(a[i]) + 1;
    int y = b[i] == '.' ? 0 : static_cast<unsigned char>(b[i]) + 1;
    if (x != y) return x < y;
  }
  return a.size() < b.size();
}
bool extends(std::string_view longer, std::string_view prefix) {
  return longer.size() > prefix.size() && longer[prefix.size()] == '.' && longer.starts_with(prefix);
}

constexpr std::string_view kRenamed = "kafkainsight.renamed";
constexpr size_t kMaxSegments = 32;

}  // namespace

size_t merge_fields(std::vector<Field>& ours, const std::vector<Field>& user, std::string& names) {
  // Sort ours + the user's fields by path so that prefixes group; a user field that collides
  // with a field written earlier in that order (ours first on equal names) moves under
  // kafkainsight.renamed.<name>; a second collision there (the same key three times) is dropped.
  struct Item {
    Field f;
    uint32_t order;  // ours first, then the user's in input order
    bool user;
  };
  thread_local std::vector<Item> items;
  thread_local std::vector<Item> moved;
  items.clear();
  moved.clear();
  size_t need = 0;
  for (const Field& x : user) need += 5 * x.name.size() + 2 + kRenamed.size() + 1;
  names.clear();
  names.reserve(need);  // never grows past this: views into it stay valid
  uint32_t k = 0;
  for (const Field& x : ours) items.push_back({x, k++, false});
  for (const Field& x : user) {
    items.push_back({x, k++, true});
    // Name fields as the output will show them, so that collisions are seen: an empty segment
    // is written as "_", invalid UTF-8 as U+FFFD (two different byte strings can look alike).
    std::string_view n = x.name;
    size_t at = names.size();
    bool changed = append_utf8_repaired(names, n);
    // At most kMaxSegments levels of objects: later dots become '_' (a name of 700 dots would
    // nest deeper than any JSON reader or index allows).
    size_t dots = 0;
    for (size_t i = at; i < names.size(); ++i)
      if (names[i] == '.' && ++dots >= kMaxSegments) names[i] = '_', changed = true;
    if (n.empty() || n.front() == '.' || n.back() == '.' || n.find("..") != std::string_view::npos) {
      std::string_view fixed(names.data() + at, names.size() - at);
      std::string tmp(fixed);
      names.resize(at);
      size_t pos = 0;
      while (true) {
        std::string_view seg = segment(tmp, pos);
        names.append(seg.empty() ? std::string_view("_") : seg);
        if (pos > tmp.size()) break;
        names.push_back('.');
      }
      changed = true;
    }
    if (changed) items.back().f.name = std::string_view(names.data() + at, names.size() - at);
    else names.resize(at);
  }
  size_t renamed = 0;
  for (int round = 0; round < 2; ++round) {
    std::stable_sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
      if (a.f.name == b.f.name) return a.order < b.order;
      return path_less(a.f.name, b.f.name);
    });
    size_t out = 0;
    for (size_t i = 0; i < items.size(); ++i) {
      Item& c = items[i];
      if (out > 0) {
        Item& last = items[out - 1];
        if (c.f.name == last.f.name || extends(c.f.name, last.f.name)) {
          if (c.user) {
            moved.push_back(c);
            continue;
          }
          // ours extends a user leaf ("log" written by the app, our "log.level"): move the leaf
          if (last.user) {
            moved.push_back(last);
            --out;
          }
        }
      }
      items[out++] = c;
    }
    items.resize(out);
    if (moved.empty()) break;
    if (round == 1) break;  // collided again under the namespace: dropped, counted
    for (Item& m : moved) {
      size_t at = names.size();
      names.append(kRenamed);
      names.push_back('.');
      names.append(m.f.name);
      m.f.name = std::string_view(names.data() + at, names.size() - at);
      items.push_back(m);
    }
    renamed += moved.size();
    moved.clear();
  }
  ours.clear();
  for (const Item& it : items) ours.push_back(it.f);
  return renamed;
}

const Doc& Encoder::collect(const Record& r, bool for_columns, ColumnWriter* direct) const {
  thread_local Doc d;
  d.render_times = !for_columns;
  d.direct = direct;
  d.f.clear();
  d.buf.clear();
  d.times.clear();
  d.buf.reserve(256 + 6 * r.raw.size());
  if (r.ts.valid) d.time("@timestamp", r.ts);
  if (cfg_.schema == Schema::Ecs)
    collect_ecs(r, d);
  else
    collect_flat(r, d);
  if (!r.fields.empty()) {
    thread_local std::string names;
    renamed_ += merge_fields(d.f, r.fields, names);
  }
  return d;
}

void Encoder::encode(const Record& r, std::string& out) const { emit_nested(out, collect(r).f); }

void Encoder::encode(const Record& r, ColumnWriter& out) const {
  if (r.fields.empty()) {  // nothing to merge: our fields go to the columns as they come
    collect(r, true, &out);
    out.end_row();
    return;
  }
  const Doc& d = collect(r, true);  // merged: names may be the record's, not our literals
  for (const Field& x : d.f) {
    bool flagged = x.b && (x.kind == Field::Kind::String || x.kind == Field::Kind::Json);
    if (flagged && x.kind == Field::Kind::Json)
      out.add_time(x.name, d.times[static_cast<size_t>(x.i)]);
    else
      out.add(x, flagged);
  }
  out.end_row();
}

namespace {
// A vhost line's server, as Filebeat's apache module names %v (rare: out of the hot path).
[[gnu::noinline, gnu::cold]] void destination(const Record& r, Doc& d) {
  d.str(is_ip(r.server_name) ? "destination.ip" : "destination.domain", r.server_name);
  if (r.server_port >= 0) d.num("destination.port", r.server_port);
}

// X-Forwarded-For after the user agent (nginx's "main" format): source.ip stays the peer (a proxy,
// a load balancer); network.forwarded_ip is the client the list names (its first public address,
// else its first), as ECS has it; related.ip every address of the line.
[[gnu::noinline]] void forwarded(const Record& r, Doc& d) {
  d.str("network.forwarded_ip", list_client(r.forwarded_for, true));
  d.json("related.ip", [&](std::string& o) {
    address_array(r.forwarded_for, true, o, is_ip(r.client_ip) ? r.client_ip : std::string_view{});
  });
}

// mod_ssl's protocol and cipher as ECS (and Filebeat's apache module) name them: "TLSv1.2" ->
// tls.version_protocol "tls", tls.version "1.2".
[[gnu::noinline, gnu::cold]] void tls_fields(const Record& r, Doc& d) {
  if (!r.tls_protocol.empty()) {
    const bool ssl = r.tls_protocol.starts_with("SSLv");
    d.cat("tls.version_protocol", ssl ? "ssl" : "tls");
    if (r.tls_protocol.size() > 4) d.cat("tls.version", r.tls_protocol.substr(4));
  }
  if (!r.tls_cipher.empty()) d.cat("tls.cipher", r.tls_cipher);
}

// nginx's error log: the request and connection its message's tail names.
[[gnu::noinline, gnu::cold]] void nginx_error_fields(const Record& r, Doc& d) {
  if (!r.method.empty()) d.cat("http.request.method", r.method);
  if (!r.referrer.empty()) d.str("http.request.referrer", r.referrer);
  if (r.protocol.starts_with("HTTP/")) d.cat("http.version", r.protocol.substr(5));
  std::string_view url = !r.path.empty() ? r.path : (r.method.empty() ? r.request : std::string_view{});
  if (!url.empty()) d.str("url.original", url);
  if (!r.host_header.empty()) d.str("url.domain", r.host_header);
  if (r.host_port >= 0) d.num("url.port", r.host_port);
  if (r.connection_id >= 0) d.num("nginx.error.connection_id", r.connection_id);
  if (!r.upstream.empty()) d.str("nginx.error.upstream", r.upstream);
}
}  // namespace

void Encoder::collect_ecs(const Record& r, Doc& d) const {
  const bool access = is_access(r.format);
  if (!r.message.empty() || r.format == Format::ApacheError || r.format == Format::NginxError || is_syslog(r.format))
    d.str("message", r.message);

  if (!r.client_ip.empty()) {
    // HostnameLookups On writes names, not addresses
    d.str(is_ip(r.client_ip) ? "source.ip" : "source.domain", r.client_ip);
    if (r.port >= 0) d.num("source.port", r.port);
    if (!r.client_list.empty() && any_ip(r.client_list))
      d.json("related.ip", [&](std::string& o) { address_array(r.client_list, true, o); });
    else if (!r.forwarded_for.empty())
      forwarded(r, d);
  }
  if (!r.server_name.empty()) destination(r, d);
  if (access) {
    if (!r.user.empty() && r.user != "-") d.str("user.name", r.user);
    if (!r.method.empty()) d.cat("http.request.method", r.method);
    if (r.has_referrer) d.str("http.request.referrer", r.referrer);
    if (!r.protocol.empty()) {
      std::string_view v = r.protocol;
      if (v.starts_with("HTTP/")) v.remove_prefix(5);
      d.cat("http.version", v);
    }
    if (r.status >= 0) d.num("http.response.status_code", r.status);
    if (r.bytes >= 0) d.num("http.response.body.bytes", r.bytes);
    // A request that is not "METHOD PATH PROTO" (TLS bytes, junk) is kept whole.
    std::string_view url = !r.path.empty() ? r.path : (r.method.empty() ? r.request : std::string_view{});
    if (!url.empty() && url != "-") d.str("url.original", url);
    if (r.has_referrer && !r.user_agent.empty()) d.str("user_agent.original", r.user_agent);
    if (!r.tls_protocol.empty() || !r.tls_cipher.empty()) tls_fields(r, d);
  }
  if (r.format == Format::NginxError) nginx_error_fields(r, d);
  if (r.format == Format::ApacheError && !r.referrer.empty()) d.str("http.request.referrer", r.referrer);
  if (!access && !r.user.empty()) d.str("user.name", r.user);  // sshd's logins

  const bool has_pri = r.priority >= 0;
  if (!r.level.empty()) d.cat("log.level", r.level);
  else if (has_pri) d.cat("log.level", kSeverity[r.priority % 8]);
  if (!r.logger.empty()) d.str("log.logger", r.logger);
  else if (!r.module.empty()) d.str("log.logger", r.module);
  if (is_syslog(r.format) || (access && (has_pri || r.version >= 0))) {  // (an access line sent by syslog)
    if (has_pri) {
      d.num("log.syslog.priority", r.priority);
      d.num("log.syslog.facility.code", r.priority / 8);
      d.cat("log.syslog.facility.name", kFacility[r.priority / 8]);
      d.num("log.syslog.severity.code", r.priority % 8);
      d.cat("log.syslog.severity.name", kSeverity[r.priority % 8]);
    }
    if (r.version >= 0) d.text("log.syslog.version", [&](std::string& o) { append_int(o, r.version); });
    if (!r.msgid.empty()) d.str("log.syslog.msgid", r.msgid);
    if (!r.procid.empty() && r.pid < 0) d.str("log.syslog.procid", r.procid);
    if (!r.sd.empty()) d.json("log.syslog.structured_data", [&](std::string& o) { structured_data_json(r, o); });
  }
  if (!r.hostname.empty()) d.str("host.hostname", r.hostname);
  if (!r.app.empty()) d.str("process.name", r.app);
  if (r.pid >= 0) d.num("process.pid", r.pid);
  if (r.tid >= 0) d.num("process.thread.id", r.tid);
  if (!r.service.empty()) d.str("service.name", r.service);
  if (r.severity >= 0) d.num("event.severity", r.severity);
  if (r.time_from_read) d.time("event.ingested", r.ts);  // @timestamp is the read time: one clock read
  if (cfg_.include_original) d.str("event.original", r.raw);
  d.cat("kafkainsight.format", format_name(r.format));
  if (access) {
    if (r.status >= 0) d.cat("kafkainsight.status_class", status_class(r.status));
    d.boolean("kafkainsight.anonymous", r.user.empty() || r.user == "-");
  }
}

void Encoder::collect_flat(const Record& r, Doc& d) const {
  // Field for field what the original producer's serialize_log() built, plus @timestamp.
  const bool access = is_access(r.format);
  if (!r.client_ip.empty()) d.str("ip_address", r.client_ip);
  if (!r.client_list.empty()) d.json("ip_list", [&](std::string& o) { address_array(r.client_list, false, o); });
  // Not in the original producer (it read no X-Forwarded-For): the list as ip_list has it, words included.
  if (!r.forwarded_for.empty())
    d.json("forwarded_for", [&](std::string& o) { address_array(r.forwarded_for, false, o); });
  if (access) {
    std::string_view user = r.user.empty() ? std::string_view("-") : r.user;
    d.str("username", user);
    d.cat("is_user", user == "-" ? "Anonymous" : "User Exists");
  }
  if (r.ts.valid) {
    // "2024-1-24 12:39:13": month not padded, the rest as Apache writes it.
    Civil c = local_civil(r.ts);
    d.text("timestamp", [&](std::string& out) {
      append_int(out, c.year);
      out.push_back('-');
      append_int(out, c.month);
      out.push_back('-');
      append_padded(out, c.day, 2);
      out.push_back(' ');
      append_padded(out, c.hour, 2);
      out.push_back(':');
      append_padded(out, c.minute, 2);
      out.push_back(':');
      append_padded(out, c.second, 2);
    });
    // "GMT+8.0": hours plus minutes/60 rounded to one decimal, as the original computed it.
    thread_local int cached_off = INT32_MIN;
    thread_local char tz[32];
    if (r.ts.offset_min != cached_off) {
      int off = r.ts.offset_min < 0 ? -r.ts.offset_min : r.ts.offset_min;
      char frac[16];
      std::snprintf(frac, sizeof frac, "%.1f", (off % 60) / 60.0);
      std::snprintf(tz, sizeof tz, "GMT%c%.1f", r.ts.offset_min < 0 ? '-' : '+', off / 60 + std::strtod(frac, nullptr));
      cached_off = r.ts.offset_min;
    }
    d.cat("timezone", std::string_view(tz));
  }
  if (access) {
    d.cat("operation", r.method);
    d.str("source", r.path);
    d.cat("network_protocol", r.protocol);
    d.text("status_code", [&](std::string& o) { append_int(o, r.status); });
    std::string_view cls = status_class(r.status);
    d.cat("status", r.status / 100 == 1 ? std::string_view("informational") : cls);
    if (r.bytes >= 0) d.num("bytes", r.bytes);
    if (r.has_referrer) d.str("referrer", r.referrer);
    if (!r.user_agent.empty()) d.str("user_agent", r.user_agent);
    if (!r.server_name.empty()) d.str("server_name", r.server_name);
    if (r.server_port >= 0) d.num("server_port", r.server_port);
    if (!r.tls_protocol.empty()) d.cat("ssl_protocol", r.tls_protocol);
    if (!r.tls_cipher.empty()) d.cat("ssl_cipher", r.tls_cipher);
  } else {
    // Formats the original never handled: the same flat style.
    if (r.port >= 0) d.num("port", r.port);
    std::string_view level = r.level;
    if (level.empty() && r.priority >= 0) level = kSeverity[r.priority % 8];
    if (!level.empty()) d.cat("level", level);
    if (r.priority >= 0) d.num("priority", r.priority);
    if (!r.module.empty()) d.str("module", r.module);
    if (!r.logger.empty()) d.str("logger", r.logger);
    if (!r.service.empty()) d.str("service", r.service);
    if (r.severity >= 0) d.num("severity", r.severity);
    if (r.time_from_read) d.time("ingested", r.ts);
    if (!r.hostname.empty()) d.str("hostname", r.hostname);
    if (!r.app.empty()) d.str("app", r.app);
    if (r.pid >= 0) d.num("pid", r.pid);
    if (r.tid >= 0) d.num("tid", r.tid);
    if (!r.msgid.empty()) d.str("msgid", r.msgid);
    if (!r.user.empty()) d.str("username", r.user);
    if (r.connection_id >= 0) d.num("connection_id", r.connection_id);
    if (!r.request.empty()) d.str("request", r.request);
    if (!r.upstream.empty()) d.str("upstream", r.upstream);
    d.str("message", r.message);
  }
  d.cat("format", format_name(r.format));
}

}  // namespace ki
