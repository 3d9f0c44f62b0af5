#include "parse/auditd.h"

#include <string>
#include <vector>

#include "encode/json_writer.h"
#include "parse/parser.h"
#include "parse/record.h"
#include "parse/scan.h"
#include "util/ip.h"

namespace ki {

namespace {

constexpr Format F = Format::Auditd;

struct Pair {
  std::string_view key, value;
  bool quoted = false;
};

// The keys auditd writes in hex when their value holds a blank, a quote or a control character
// (Filebeat's list).
bool maybe_hex_key(std::string_view k) {
  static constexpr std::string_view kKeys[] = {
      "exe", "cmd", "data", "path", "comm", "file", "name", "watch", "cwd", "acct", "dir", "vm",
      "old-chardev", "new-chardev", "old-disk", "new-disk", "old-fs", "new-fs", "old-net", "new-net",
      "device", "cgroup", "apparmor", "operation", "denied_mask", "info", "profile", "requested_mask",
      "old-rng", "new-rng", "ocomm", "grp", "new_group", "invalid_context", "sw", "root_dir", "proctitle"};
  for (std::string_view x : kKeys)
    if (k == x) return true;
  return false;
}

// auditd encodes a value in hex only when it must; decoded, a control character reads as ^X (as
// Filebeat shows it). A value that only looks like hex (no byte that needed it) stays as written.
std::string_view unhex(std::string_view v, Record& rec) {
  if (v.empty() || v.size() % 2 != 0) return v;
  std::string out;
  out.reserve(v.size() / 2 + 8);
  bool needed = false;
  for (size_t i = 0; i < v.size(); i += 2) {
    const int hi = scan::hex_digit(v[i]), lo = scan::hex_digit(v[i + 1]);
    if (hi < 0 || lo < 0) return v;
    int c = hi * 16 + lo;
    if (c < 33 || c == 34 || c == 127) needed = true;
    if (c < 32 || c == 127) {
      out.push_back('^');
      c ^= 64;
    }
    out.push_back(static_cast<char>(c));
  }
  return needed ? rec.keep(out) : v;
}

bool key_char(char c) {
  return c != ' ' && c != '=' && c != '\x1d' && c != '\'' && c != '"';
}

// key=value pairs from s[i..): values bare, "double-quoted" or 'single-quoted' (auditd escapes
// neither). A word with no '=' ("user", "tty", "login") is skipped; "old auid=… new ses=…" (a
// LOGIN record) become old_auid and new_ses. msg='k=v …' is read as more pairs.
void read_pairs(std::string_view s, std::vector<Pair>& out, Record& rec, int depth) {
  size_t i = 0;
  std::string_view prefix;
  bool last_open = false;  // the last pair's value was bare: a word after it continues it
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\x1d')) ++i;
    const size_t k = i;
    while (i < s.size() && key_char(s[i])) ++i;
    const std::string_view key = s.substr(k, i - k);
    if (i >= s.size() || s[i] != '=') {  // a bare word
      prefix = key == "old" || key == "new" ? key : std::string_view{};
      if (i == k) {
        ++i;  // a stray quote: step over it
      } else if (prefix.empty() && last_open && !out.empty()) {
        // "op=adding group to /etc/group id=1004": the value goes on to the next key=
        Pair& prev = out.back();
        prev.value = std::string_view(prev.value.data(), static_cast<size_t>(s.data() + i - prev.value.data()));
      }
      continue;
    }
    last_open = false;
    ++i;
    Pair p{key, {}, false};
    if (i < s.size() && (s[i] == '"' || s[i] == '\'')) {
      const char q = s[i++];
      const size_t e = s.find(q, i);
      const size_t end = e == std::string_view::npos ? s.size() : e;
      p.value = s.substr(i, end - i);
      p.quoted = true;
      i = end == s.size() ? end : end + 1;
      if (q == '\'' && key == "msg" && depth == 0) {  // msg='op=start acct="root" … res=success'
        read_pairs(p.value, out, rec, depth + 1);
        prefix = {};
        continue;
      }
    } else {
      const size_t v = i;
      while (i < s.size() && s[i] != ' ' && s[i] != '\x1d') ++i;
      p.value = s.substr(v, i - v);
    }
    if (!prefix.empty()) p.key = rec.keep(std::string(prefix) + "_" + std::string(key));
    prefix = {};
    if (!p.key.empty()) {
      out.push_back(p);
      last_open = !p.quoted;
    }
  }
}

// Filebeat's renames: the pair's key -> its ECS name (and whether it is an integer there).
struct Rename {
  std::string_view key, name;
  bool integer;
};
constexpr Rename kRenames[] = {
    {"acct", "user.name", false},          {"uid", "user.id", false},
    {"gid", "user.group.id", false},       {"agid", "user.audit.group.id", false},
    {"auid", "user.audit.id", false},      {"fsgid", "user.filesystem.group.id", false},
    {"fsuid", "user.filesystem.id", false}, {"egid", "user.effective.group.id", false},
    {"euid", "user.effective.id", false},  {"sgid", "user.saved.group.id", false},
    {"suid", "user.saved.id", false},      {"ogid", "user.owner.group.id", false},
    {"ouid", "user.owner.id", false},      {"comm", "process.name", false},
    {"exe", "process.executable", false},  {"pid", "process.pid", true},
    {"ppid", "process.parent.pid", true},  {"exit", "process.exit_code", true},
    {"cwd", "process.working_directory", false}, {"terminal", "user.terminal", false},
    {"res", "event.outcome", false},       {"msg", "message", false},
};

// process.args: one array, as Filebeat writes it.
void add_args(const std::vector<std::string_view>& args, int64_t count, Record& rec) {
  std::string json = "[";
  for (size_t k = 0; k < args.size(); ++k) {
    if (k) json += ',';
    json += '"';
    append_json_escaped(json, args[k]);
    json += '"';
  }
  json += ']';
  Field f{"process.args", Field::Kind::Json, rec.keep(json)};
  rec.fields.push_back(f);
  rec.fields.push_back(Field::integer("process.args_count", count));
}

void add_address(std::string_view side, std::string_view v, Record& rec) {
  rec.fields.push_back(Field::string(side == "source" ? "source.address" : "destination.address", v));
  if (is_ip(v)) rec.fields.push_back(Field::string(side == "source" ? "source.ip" : "destination.ip", v));
}

}  // namespace

bool looks_auditd(std::string_view line) {
  size_t i = 0;
  if (line.starts_with("node=")) {
    i = line.find(' ');
    if (i == std::string_view::npos) return false;
    ++i;
  }
  return line.substr(i).starts_with("type=") && line.find(" msg=audit(", i) != std::string_view::npos;
}

bool parse_auditd(std::string_view line, const ParseContext& ctx, Record& rec) {
  size_t i = 0;
  std::string_view node;
  if (line.starts_with("node=")) {
    const size_t e = line.find(' ');
    if (e == std::string_view::npos) return ctx.fail(F, "expected type= after node=", line.size());
    node = line.substr(5, e - 5);
    i = e + 1;
  }
  if (!line.substr(i).starts_with("type=")) return ctx.fail(F, "expected type=", i);
  i += 5;
  const size_t te = line.find(' ', i);
  if (te == std::string_view::npos || te == i) return ctx.fail(F, "expected a record type after type=", i);
  const std::string_view type = line.substr(i, te - i);
  i = te + 1;
  if (!line.substr(i).starts_with("msg=audit(")) return ctx.fail(F, "expected msg=audit(seconds.millis:serial):", i);
  i += 10;
  int64_t sec = 0, ms = 0, seq = 0;
  size_t e = scan::uint_at(line.data(), i, line.size(), sec);
  if (e == std::string_view::npos || e >= line.size() || line[e] != '.') return ctx.fail(F, "bad audit(…) time, expected seconds.millis", i);
  const size_t ms_at = e + 1;
  e = scan::uint_at(line.data(), ms_at, line.size(), ms);
  if (e == std::string_view::npos || e - ms_at != 3 || e >= line.size() || line[e] != ':')
    return ctx.fail(F, "bad audit(…) time, expected seconds.millis", ms_at);
  const size_t seq_at = e + 1;
  e = scan::uint_at(line.data(), seq_at, line.size(), seq);
  if (e == std::string_view::npos || e + 1 >= line.size() + 1 || line.substr(e, 2) != "):")
    return ctx.fail(F, "bad audit(…) serial, expected audit(seconds.millis:serial):", seq_at);
  i = e + 2;
  rec.ts.epoch_sec = sec;
  rec.ts.nanos = static_cast<uint32_t>(ms) * 1000000u;
  rec.ts.frac_digits = 3;
  rec.ts.offset_min = 0;
  rec.ts.valid = true;

  std::vector<Pair> pairs;
  read_pairs(line.substr(i), pairs, rec, 0);
  rec.fields.push_back(Field::string("auditd.log.record_type", type));
  rec.fields.push_back(Field::integer("auditd.log.sequence", seq));
  if (!node.empty()) rec.fields.push_back(Field::string("auditd.log.node", node));
  rec.fields.push_back(Field::string("event.action", rec.keep(scan::lower_ascii(type))));  // the record type, lower case
  std::vector<std::string_view> args;  // an EXECVE record's a0, a1, …
  int64_t argc = -1;
  for (Pair& p : pairs) {
    std::string_view v = p.value;
    if (v.empty() || v == "?" || v == "(null)") continue;
    if (!p.quoted && maybe_hex_key(p.key)) v = unhex(v, rec);
    if (p.key == "arch" && v == "c000003e") v = "x86_64";
    if (p.key == "arch") {
      rec.fields.push_back(Field::string("host.architecture", v));
      continue;
    }
    if (p.key == "src" || p.key == "addr" || p.key == "saddr_ip") {
      add_address("source", v, rec);
      continue;
    }
    if (p.key == "dst") {
      add_address("destination", v, rec);
      continue;
    }
    if (type == "EXECVE" && p.key == "argc") {
      scan::uint_at(v.data(), 0, v.size(), argc);
      continue;
    }
    if (type == "EXECVE" && p.key.size() > 1 && p.key[0] == 'a' && p.key[1] >= '0' && p.key[1] <= '9') {
      int64_t n = 0;
      if (scan::uint_at(p.key.data(), 1, p.key.size(), n) == p.key.size() && n == static_cast<int64_t>(args.size())) {
        args.push_back(p.quoted ? v : unhex(v, rec));
        continue;
      }
    }
    if (p.key == "cmd") {  // process.args: the command line split at blanks, as Filebeat does
      std::vector<std::string_view> words;
      for (size_t k = 0; k < v.size();) {
        while (k < v.size() && v[k] == ' ') ++k;
        const size_t s = k;
        while (k < v.size() && v[k] != ' ') ++k;
        if (k > s) words.push_back(v.substr(s, k - s));
      }
      add_args(words, static_cast<int64_t>(words.size()), rec);
      continue;
    }
    const Rename* r = nullptr;
    for (const Rename& x : kRenames)
      if (x.key == p.key) r = &x;
    if (r && r->name == "message") {
      rec.message = v;
      continue;
    }
    int64_t n = 0;
    if (r && r->integer && scan::uint_at(v.data(), 0, v.size(), n) == v.size()) {
      rec.fields.push_back(Field::integer(r->name, n));
    } else if (r && r->integer && v.size() > 1 && v[0] == '-' && scan::uint_at(v.data(), 1, v.size(), n) == v.size()) {
      rec.fields.push_back(Field::integer(r->name, -n));
    } else if (r) {
      rec.fields.push_back(Field::string(r->name, v));
    } else {
      rec.fields.push_back(Field::string(rec.keep_path("auditd.log", p.key), v));
    }
  }
  if (!args.empty()) add_args(args, argc >= 0 ? argc : static_cast<int64_t>(args.size()), rec);
  rec.format = F;
  return true;
}

}  // namespace ki
