#include "parse/mysql_slow.h"

#include <charconv>
#include <string>

#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/timefmt.h"

namespace ki {

namespace {

bool all_digits(std::string_view v) {
  if (v.empty()) return false;
  for (char c : v)
    if (c < '0' || c > '9') return false;
  return true;
}

bool decimal(std::string_view v) {
  const size_t dot = v.find('.');
  return dot != std::string_view::npos && all_digits(v.substr(0, dot)) && all_digits(v.substr(dot + 1));
}

// "2019-03-24T14:01:47.811234Z" (MySQL 5.7+) or "190324 16:03:00" / "131112  9:46:45" (MySQL 5.5,
// MariaDB: the server's local time, read in --tz).
bool slow_time(std::string_view v, const ParseContext& ctx, Timestamp& ts) {
  if (v.size() >= 19 && v[4] == '-') return parse_iso8601_lenient(v.data(), v.size(), ctx.cfg.default_offset_min, ts) == v.size();
  if (v.size() < 14 || v[6] != ' ' || !all_digits(v.substr(0, 6))) return false;
  std::string_view t = v.substr(7);
  while (!t.empty() && t[0] == ' ') t.remove_prefix(1);
  const size_t c1 = t.find(':');
  if (c1 == std::string_view::npos || c1 == 0 || c1 > 2 || t.size() != c1 + 6 || t[c1 + 3] != ':') return false;
  const int y = 2000 + parse_fixed(v.data(), 2), mo = parse_fixed(v.data() + 2, 2), d = parse_fixed(v.data() + 4, 2);
  const int h = c1 == 1 ? parse_fixed(t.data(), 1) : parse_fixed(t.data(), 2);
  const int mi = parse_fixed(t.data() + c1 + 1, 2), s = parse_fixed(t.data() + c1 + 4, 2);
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 60) return false;
  ts = Timestamp{};
  ts.offset_min = static_cast<int16_t>(ctx.cfg.default_offset_min);
  ts.epoch_sec = days_from_civil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 + h * 3600 + mi * 60 + s -
                 int64_t{ctx.cfg.default_offset_min} * 60;
  ts.valid = true;
  return true;
}

// "root[root] @ localhost []  Id:    14", "check[check] @  [192.168.123.123]", "apphost[apphost] @ apphost [1.1.1.1]".
bool user_host(std::string_view v, Record& rec) {
  const size_t open = v.find('['), at = v.find(" @ ");
  if (open == std::string_view::npos || at == std::string_view::npos || open > at) return false;
  const size_t close = v.find(']', open);
  if (close == std::string_view::npos || close > at) return false;
  const std::string_view user = v.substr(0, open), current = v.substr(open + 1, close - open - 1);
  std::string_view rest = v.substr(at + 3);
  const size_t ob = rest.find('['), cb = rest.find(']');
  if (ob == std::string_view::npos || cb == std::string_view::npos || cb < ob) return false;
  std::string_view host = rest.substr(0, ob), ip = rest.substr(ob + 1, cb - ob - 1);
  while (!host.empty() && host.back() == ' ') host.remove_suffix(1);
  while (!host.empty() && host.front() == ' ') host.remove_prefix(1);
  if (!user.empty()) rec.fields.push_back(Field::string("user.name", user));
  if (!current.empty()) rec.fields.push_back(Field::string("mysql.slowlog.current_user", current));
  if (!host.empty()) rec.fields.push_back(Field::string("source.domain", host));
  if (!ip.empty()) rec.fields.push_back(Field::string("source.ip", ip));
  std::string_view id = rest.substr(cb + 1);
  const size_t idk = id.find("Id:");
  if (idk != std::string_view::npos) {
    id = id.substr(idk + 3);
    while (!id.empty() && id.front() == ' ') id.remove_prefix(1);
    int64_t n = 0;
    auto r = std::from_chars(id.data(), id.data() + id.size(), n);
    if (r.ec == std::errc() && r.ptr == id.data() + id.size()) rec.fields.push_back(Field::integer("mysql.thread_id", n));
  }
  return true;
}

// One "# Key: value  Key: value" line's pairs as fields (names as Filebeat gives them).
void meta_line(std::string_view l, const ParseContext& ctx, Record& rec, bool& have_thread) {
  std::string_view key;
  auto put = [&](std::string_view k, std::string_view v) {
    if (v.empty()) return;
    std::string name;
    if (k == "Query_time") {  // event.duration, in nanoseconds
      double sec = 0;
      auto r = std::from_chars(v.data(), v.data() + v.size(), sec);
      if (r.ec == std::errc() && r.ptr == v.data() + v.size() && sec >= 0 && sec < 9e9)  // (ns fit int64)
        rec.fields.push_back(Field::integer("event.duration", static_cast<int64_t>(sec * 1e9 + 0.5)));
      return;
    }
    if (k == "Start" || k == "End") {
      Timestamp t;
      if (parse_iso8601_lenient(v.data(), v.size(), 0, t) == v.size())
        rec.fields.push_back(Field::string(k == "Start" ? "event.start" : "event.end", v));
      return;
    }
    if (k == "Thread_id" || k == "Id") {
      if (have_thread) return;
      have_thread = true;
      name = "mysql.thread_id";
    } else if (k == "QC_hit" || k == "QC_Hit") {
      name = "mysql.slowlog.query_cache_hit";
    } else if (k == "Errno") {
      name = "mysql.slowlog.last_errno";
    } else if (k == "Created_tmp_disk_tables" || k == "Created_tmp_tables") {
      name = "mysql.slowlog." + scan::lower_ascii(k.substr(8));
    } else if (k.starts_with("InnoDB_")) {
      name = "mysql.slowlog.innodb." + scan::lower_ascii(k.substr(7));
      if (name.ends_with("_wait")) name += ".sec";
    } else {
      name = "mysql.slowlog." + scan::lower_ascii(k);
      if (k == "Lock_time") name += ".sec";
    }
    const std::string_view n = rec.keep(name);
    if (all_digits(v) && v.size() <= 18) {
      int64_t x = 0;
      std::from_chars(v.data(), v.data() + v.size(), x);
      rec.fields.push_back(Field::integer(n, x));
    } else if (decimal(v)) {
      Field f{n, Field::Kind::Float, v};
      std::from_chars(v.data(), v.data() + v.size(), f.f);
      rec.fields.push_back(f);
    } else if (v == "Yes" || v == "No") {
      Field f{n, Field::Kind::Bool, {}};
      f.b = v == "Yes";
      rec.fields.push_back(f);
    } else {
      rec.fields.push_back(Field::string(n, v));
    }
  };
  size_t i = 1;  // past '#'
  std::string_view value;
  bool in_value = false;
  while (i < l.size()) {
    while (i < l.size() && (l[i] == ' ' || l[i] == '\t')) ++i;
    size_t e = i;
    while (e < l.size() && l[e] != ' ' && l[e] != '\t') ++e;
    if (e == i) break;
    const std::string_view tok = l.substr(i, e - i);
    if (tok.size() > 1 && tok.back() == ':') {
      if (!key.empty()) put(key, in_value ? value : std::string_view{});
      key = tok.substr(0, tok.size() - 1);
      value = {};
      in_value = false;
    } else if (!key.empty() && !in_value) {
      value = tok;
      in_value = true;
    } else if (!key.empty()) {  // a value of several words
      value = std::string_view(value.data(), static_cast<size_t>(l.data() + e - value.data()));
    }
    i = e;
  }
  if (!key.empty()) put(key, in_value ? value : std::string_view{});
  (void)ctx;
}

}  // namespace

bool looks_mysql_slow(std::string_view e) {
  return (e.starts_with("# Time: ") || e.starts_with("# User@Host: ")) && e.find('\n') != std::string_view::npos;
}

bool mysql_slow_header(std::string_view l) {
  if (l.starts_with("Tcp port: ") && l.find("Unix socket: ") != std::string_view::npos) return true;
  if (l.starts_with("Time") && l.find("Id") != std::string_view::npos && l.ends_with("Argument")) {
    std::string_view r = l.substr(4);
    std::string squeezed;
    for (char c : r)
      if (c != ' ' && c != '\t') squeezed.push_back(c);
    return squeezed == "IdCommandArgument";
  }
  return l.ends_with(". started with:") && l.find(", Version: ") != std::string_view::npos;
}

bool parse_mysql_slow(std::string_view e, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::MysqlSlow;
  // (fail takes 0-based columns)
  if (!looks_mysql_slow(e)) return ctx.fail(F, "expected '# Time: ' or '# User@Host: ' and the lines of its query", 0);
  Timestamp time, set_time;
  bool have_user = false, have_thread = false, have_schema = false;
  std::string explain;
  size_t pos = 0;
  std::string_view query;
  while (pos < e.size()) {
    size_t nl = e.find('\n', pos);
    if (nl == std::string_view::npos) nl = e.size();
    std::string_view l = e.substr(pos, nl - pos);
    if (!l.empty() && l.back() == '\r') l.remove_suffix(1);
    const size_t next = nl + 1;
    if (l.starts_with("# Time: ")) {
      if (!slow_time(l.substr(8), ctx, time)) return ctx.fail(F, "bad '# Time:', expected 2019-03-24T14:01:47.811234Z or 190324 16:03:00", pos + 8);
    } else if (l.starts_with("# User@Host: ")) {
      if (!user_host(l.substr(13), rec)) return ctx.fail(F, "bad '# User@Host:', expected user[user] @ host [ip]", pos + 13);
      have_user = true;
      if (l.find("Id:") != std::string_view::npos) have_thread = true;
    } else if (l.starts_with("# explain: ")) {  // MariaDB's log_slow_verbosity=explain
      if (!explain.empty()) explain.push_back('\n');
      explain.append(l.substr(11));
    } else if (l.starts_with("#")) {
      const size_t before = rec.fields.size();
      meta_line(l, ctx, rec, have_thread);
      for (size_t k = before; k < rec.fields.size(); ++k) have_schema = have_schema || rec.fields[k].name == "mysql.slowlog.schema";
    } else if (l.starts_with("use ") && l.ends_with(";") && query.empty()) {
      if (!have_schema) rec.fields.push_back(Field::string("mysql.slowlog.schema", l.substr(4, l.size() - 5)));
      have_schema = true;
    } else if (l.starts_with("SET timestamp=") && l.ends_with(";") && query.empty()) {
      int64_t sec = 0;
      std::string_view n = l.substr(14, l.size() - 15);
      auto r = std::from_chars(n.data(), n.data() + n.size(), sec);
      if (r.ec == std::errc() && r.ptr == n.data() + n.size() && sec >= 0 && sec < 32503680000) {
        set_time = Timestamp{};
        set_time.epoch_sec = sec;
        set_time.valid = true;
      }
    } else {  // the statement: the rest of the event
      query = e.substr(pos);
      while (!query.empty() && (query.back() == '\n' || query.back() == '\r' || query.back() == ' ')) query.remove_suffix(1);
      break;
    }
    pos = next;
  }
  if (!have_user) return ctx.fail(F, "no '# User@Host:' line in the event", 0);
  if (query.empty()) return ctx.fail(F, "no statement after the '#' lines of the event", e.size());
  rec.fields.push_back(Field::string("mysql.slowlog.query", query));
  if (!explain.empty()) rec.fields.push_back(Field::string("mysql.slowlog.explain", rec.keep(explain)));
  // SET timestamp= is when the statement started (Filebeat's @timestamp); "# Time:" when it was logged.
  if (set_time.valid) rec.ts = set_time;
  else if (time.valid) rec.ts = time;
  else {
    rec.ts = read_time();
    rec.time_from_read = true;
  }
  rec.format = F;
  return true;
}

}  // namespace ki
