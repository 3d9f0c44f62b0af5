#include "parse/recipes.h"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <string>
#include <utility>
#include <vector>

#include "encode/encoder.h"  // append_iso8601
#include "parse/exception_text.h"
#include "parse/parser.h"
#include "parse/record.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "parse/time_format.h"
#include "parse/vpc_flow.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki {

namespace {

// Redis writes its role and level as one character each: the words Filebeat's redis module gives.
void redis_words(const ParseContext&, Record& rec) {
  static constexpr std::pair<char, std::string_view> kLevels[] = {
      {'.', "debug"}, {'-', "verbose"}, {'*', "notice"}, {'#', "warning"}};
  static constexpr std::pair<char, std::string_view> kRoles[] = {
      {'X', "sentinel"}, {'C', "child"}, {'S', "slave"}, {'M', "master"}};
  for (const auto& [c, w] : kLevels)
    if (rec.level.size() == 1 && rec.level[0] == c) rec.level = w;
  for (Field& f : rec.fields)
    if (f.name == "redis.log.role" && f.text.size() == 1)
      for (const auto& [c, w] : kRoles)
        if (f.text[0] == c) f.text = w;
}

// zap's console encoder ends a line with the call's fields as one JSON object: its members become
// the document's fields, as zap's JSON encoder would have written them beside the message.
// With a stack trace under the line (--multiline go: error.stack_trace), zap.Error's "error"
// becomes error.message beside it, as ECS nests them (else the two would collide).
void zap_fields(const ParseContext& ctx, Record& rec) {
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    if (rec.fields[i].name != "zap.fields") continue;
    const std::string_view json = rec.fields[i].text;
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
    if (!ctx.app || !read_json_fields(json, ctx, rec))  // not one object: kept as written
      rec.fields.push_back({"zap.fields", Field::Kind::String, json});
    break;
  }
  // zap.Error's field is the error's message, as in zap's JSON lines (app JSON reads it so), with
  // or without a stack trace under the line.
  for (Field& f : rec.fields)
    if (f.name == "error" && f.kind == Field::Kind::String) f.name = "error.message";
}

// An uncaught exception's report (the JVM's, CPython's, Node.js's) has no level of its own: an
// error's severity (event.severity 3; log.level stays what the text wrote: none).
void uncaught(const ParseContext&, Record& rec) { rec.severity = 3; }

// CPython's traceback: the exception line under its last frame is the event's message.
void python_traceback(const ParseContext& ctx, Record& rec) {
  const size_t at = rec.raw.find("Traceback (most recent call last):");
  if (at == std::string_view::npos) return;
  const std::string_view trace = rec.raw.substr(at);
  rec.fields.push_back({"error.stack_trace", Field::Kind::String, trace});
  ExceptionText e;
  if (add_exception_fields(rec, trace, &e))  // "Type: message", as the traceback's last line wrote it
    rec.message = e.message.empty() ? e.type : std::string_view(e.type.data(), e.message.data() + e.message.size() - e.type.data());
  else
    rec.message = trace.substr(0, trace.find('\n'));
  uncaught(ctx, rec);
}

// Node.js's report of an uncaught exception: the error line under the source line and its caret
// is the message; its frames (to the runtime's version line) the stack trace.
void node_crash(const ParseContext& ctx, Record& rec) {
  std::string_view rest = rec.raw;
  for (int skip = 0; skip < 2 && !rest.empty(); ++skip) {  // the location line, the source line
    const size_t nl = rest.find('\n');
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  while (!rest.empty() && (rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\n')) {  // the caret, blank lines
    const size_t nl = rest.find('\n');
    rest = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  }
  // The error's text: its line, and the lines of its message below it up to the first frame.
  size_t nl = rest.find('\n');
  if (const size_t end = js_text_end(rest); end != std::string_view::npos) nl = end;
  const std::string_view error = rest.substr(0, nl);
  if (error.empty()) return;
  rec.message = error;
  std::string_view trace = nl == std::string_view::npos ? std::string_view{} : rest.substr(nl + 1);
  while (!trace.empty() && trace[0] == '\n') trace.remove_prefix(1);
  for (std::string_view tail : {std::string_view("Node.js v"), std::string_view("(Use `node --trace-")}) {
    const size_t at = trace.rfind(tail);
    if (at != std::string_view::npos && (at == 0 || trace[at - 1] == '\n') &&
        trace.find('\n', at) == std::string_view::npos)
      trace = trace.substr(0, at);
    while (!trace.empty() && (trace.back() == '\n' || trace.back() == ' ')) trace.remove_suffix(1);
  }
  if (!trace.empty()) {
    rec.fields.push_back({"error.stack_trace", Field::Kind::String, trace});
    add_exception_fields(rec, std::string_view(error.data(), trace.data() + trace.size() - error.data()));
  }
  uncaught(ctx, rec);
}

// java.util.logging's two-line record: the lines after "LEVEL: message" are the stack trace.
void jul_record(const ParseContext&, Record& rec) {
  const char* end = rec.message.data() + rec.message.size();
  if (end < rec.raw.data() || end >= rec.raw.data() + rec.raw.size() || *end != '\n') return;
  std::string_view trace = rec.raw.substr(static_cast<size_t>(end - rec.raw.data()) + 1);
  while (!trace.empty() && trace[0] == '\n') trace.remove_prefix(1);
  if (trace.empty()) return;
  rec.fields.push_back({"error.stack_trace", Field::Kind::String, trace});
  add_exception_fields(rec, trace);
}

// logback's key-value pairs between the logger and the message (1.3's "-%kvp- ", as its default
// layout writes them: `-order="42" user="bob"- shipped`): each a field, its value as logback quoted it.
void logback_pairs(const ParseContext&, Record& rec) {
  const char* from = rec.logger.data() + rec.logger.size();
  const char* to = rec.message.data();
  const char* raw = rec.raw.data();
  if (rec.logger.empty() || from < raw || to < from + 6 || to > raw + rec.raw.size()) return;
  const std::string_view mid(from, static_cast<size_t>(to - from));  // ` -order="42"- `
  const size_t dash = mid.find('-');
  if (dash == std::string_view::npos || !mid.ends_with("- ") || mid.size() < dash + 4) return;
  std::string pairs = " ";
  pairs += mid.substr(dash + 1, mid.size() - dash - 3);
  read_pairs(rec.keep(pairs), 0, rec);
}

// tracing-subscriber writes an event's fields after its message (`payment failed err="card
// declined" took_ms=12`): the longest tail that reads as key=value pairs becomes fields (bare values
// typed, quoted ones the text Debug quoted), the message the text before it.
void tracing_fields(const ParseContext&, Record& rec) {
  const std::string_view m = rec.message;
  if (m.find('\n') != std::string_view::npos) return;
  const size_t at = trailing_pairs_start(m);
  if (at != std::string_view::npos && at > 0 && read_pairs(m, at, rec)) rec.message = m.substr(0, at);
}

// PostgreSQL's csvlog quotes a value's '"' as '""': the message and the text fields as written.
void csv_unquote(const ParseContext&, Record& rec) {
  auto unquote = [&](std::string_view v) {
    if (v.find("\"\"") == std::string_view::npos) return v;
    std::string out;
    out.reserve(v.size());
    for (size_t i = 0; i < v.size(); ++i) {
      out += v[i];
      if (v[i] == '"' && i + 1 < v.size() && v[i + 1] == '"') ++i;
    }
    return rec.keep(std::move(out));
  };
  rec.message = unquote(rec.message);
  for (Field& f : rec.fields)
    if (f.kind == Field::Kind::String) f.text = unquote(f.text);
}

// PingCAP's unified log format (TiDB, TiKV, PD) quotes a message, key or value that holds
// blanks, brackets, '=' or quotes, with JSON's escapes (unquote_value reads them). One key or
// value at s[i], quoted or bare up to `stop` or ']': i then at the character after it; false if
// that is not `stop`.
bool unified_token(std::string_view s, size_t& i, char stop, Record& rec, std::string_view& out) {
  if (i < s.size() && s[i] == '"') {
    std::string text;
    const char* why = nullptr;
    if (!unquote_value(s, ++i, text, why)) return false;
    out = rec.keep(text);
  } else {
    const size_t b = i;
    while (i < s.size() && s[i] != stop && s[i] != ']') ++i;
    out = s.substr(b, i - b);
  }
  return i < s.size() && s[i] == stop;
}

// The unified format's message (unescaped) and its " [key=value]" pairs: a field each, named by
// its key, its value as text. Pairs that do not read as such stay whole in tidb.fields.
void tidb_fields(const ParseContext&, Record& rec) {
  std::string_view pairs;
  for (size_t i = rec.fields.size(); i-- > 0;) {
    const std::string_view v = rec.fields[i].text;
    if (rec.fields[i].name == "tidb.fields") {
      pairs = v;
    } else if (rec.fields[i].name == "tidb.message") {
      size_t at = 1;
      std::string text;
      const char* why = nullptr;
      const bool quoted = v.starts_with('"') && unquote_value(v, at, text, why) && at == v.size();
      rec.message = quoted ? rec.keep(text) : v;
    } else {
      continue;
    }
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
  }
  std::vector<Field> got;
  size_t i = 0;
  std::string_view key, value;
  while (i < pairs.size() && pairs.substr(i, 2) == " [") {
    i += 2;
    if (!unified_token(pairs, i, '=', rec, key) || key.empty()) break;
    ++i;
    if (!unified_token(pairs, i, ']', rec, value)) break;
    ++i;
    got.push_back(Field::string(key, value));
  }
  if (i == pairs.size()) {
    for (Field& f : got) rec.fields.push_back(f);
  } else {
    rec.fields.push_back(Field::string("tidb.fields", pairs.substr(1)));
  }
}

// The lines under a record's first line that name no exception (no error.type was found in them)
// are the rest of its message, not a stack trace (SQL Server's banner, an Elixir message of lines).
void lines_under_are_message(const ParseContext&, Record& rec) {
  for (size_t i = 0; i < rec.fields.size(); ++i)
    if (rec.fields[i].name == "error.type") return;
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    if (rec.fields[i].name != "error.stack_trace") continue;
    const std::string_view under = rec.fields[i].text;
    const char* end = under.data() + under.size();
    const char* raw = rec.raw.data();
    if (rec.message.data() < raw || rec.message.data() > under.data() || end > raw + rec.raw.size()) return;
    rec.message = std::string_view(rec.message.data(), static_cast<size_t>(end - rec.message.data()));
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
    return;
  }
}

// Elixir's Logger writes the configured metadata as key=value words before [level]: fields.
// Under the line (--multiline elixir) is a crash report ("** (RuntimeError) boom", frames:
// error.*), or the further lines of a message of several lines, which stay the message's.
void elixir_metadata(const ParseContext& ctx, Record& rec) {
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    if (rec.fields[i].name != "elixir.metadata") continue;
    std::string_view pairs = rec.fields[i].text;
    while (!pairs.empty() && pairs.back() == ' ') pairs.remove_suffix(1);
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
    if (!read_pairs(rec.keep(" " + std::string(pairs)), 0, rec))
      rec.fields.push_back(Field::string("elixir.metadata", pairs));
    break;
  }
  for (const Field& f : rec.fields)
    if (f.name == "error.type" || (f.name == "error.stack_trace" && f.text.starts_with("** ("))) return;
  if (rec.message.starts_with("** (")) {  // Logger.error(Exception.format(:error, e, __STACKTRACE__))
    for (const Field& f : rec.fields)
      if (f.name == "error.stack_trace") add_exception_fields(rec, rec.keep(std::string(rec.message) + "\n" + std::string(f.text)));
    return;
  }
  lines_under_are_message(ctx, rec);
}

// .NET's console logger writes a record's message on the lines under "level: Category[id]", six
// blanks in: a scope line first when scopes are on ("=> SpanId:…"), the message, an exception's
// text after it. message: the message's lines without those blanks; dotnet.scope; the exception
// as error.stack_trace with error.type and error.message.
void dotnet_console(const ParseContext&, Record& rec) {
  const size_t nl = rec.raw.find('\n');
  if (nl == std::string_view::npos || rec.message.data() < rec.raw.data() + nl) return;  // (SingleLine)
  std::string message, trace;
  std::string_view scope;
  std::string_view rest = rec.raw.substr(nl + 1);
  while (!rest.empty()) {
    const size_t end = rest.find('\n');
    std::string_view l = rest.substr(0, end);
    rest = end == std::string_view::npos ? std::string_view{} : rest.substr(end + 1);
    for (int k = 0; k < 6 && !l.empty() && l[0] == ' '; ++k) l.remove_prefix(1);
    if (trace.empty() && scope.empty() && message.empty() && l.starts_with("=> ")) {
      scope = l.substr(3);
    } else if (!trace.empty() || (!message.empty() && java_exception_line(l))) {
      trace.append(trace.empty() ? "" : "\n").append(l);
    } else if (!l.empty()) {
      message.append(message.empty() ? "" : "\n").append(l);
    }
  }
  if (message.empty()) return;
  rec.message = rec.keep(message);
  if (!scope.empty()) rec.fields.push_back(Field::string("dotnet.scope", scope));
  if (!trace.empty()) {
    const std::string_view t = rec.keep(trace);
    rec.fields.push_back(Field::string("error.stack_trace", t));
    add_exception_fields(rec, t);
  }
}

// Rust's panic report: the message is on the lines under "thread 'x' panicked at file:line:col:"
// (before 1.73 in quotes on that line), up to "stack backtrace:" or the closing "note: …"; the
// backtrace's lines are the stack trace.
void rust_panic(const ParseContext& ctx, Record& rec) {
  const std::string_view raw = rec.raw;
  const size_t nl = raw.find('\n');
  const std::string_view rest = nl == std::string_view::npos ? std::string_view{} : raw.substr(nl + 1);
  size_t at = 0;  // the first line after the message's
  while (at < rest.size() && !rest.substr(at).starts_with("stack backtrace:") && !rest.substr(at).starts_with("note: ")) {
    const size_t e = rest.find('\n', at);
    at = e == std::string_view::npos ? rest.size() : e + 1;
  }
  std::string_view message = rest.substr(0, at);
  while (!message.empty() && message.back() == '\n') message.remove_suffix(1);
  if (!message.empty()) {
    rec.message = message;
    rec.fields.push_back(Field::string("error.message", message));
  } else {
    for (const Field& f : rec.fields)
      if (f.name == "error.message") rec.message = f.text;  // (1.72 and before: on the first line)
  }
  std::string_view trace = rest.substr(at);
  if (trace.starts_with("stack backtrace:")) {
    const size_t last = trace.rfind("\nnote: ");
    if (last != std::string_view::npos && trace.find('\n', last + 1) == std::string_view::npos) trace = trace.substr(0, last);
    rec.fields.push_back(Field::string("error.stack_trace", trace));
  }
  uncaught(ctx, rec);
}

// go-hclog writes a call's key-value pairs after its message and a colon (`failed to lookup
// token: error="permission denied" attempt=3`): the first ": " whose tail reads as pairs ends the
// message; the pairs become fields (bare values typed, quoted ones text).
void hclog_fields(const ParseContext&, Record& rec) {
  const std::string_view m = rec.message;
  if (m.find('\n') != std::string_view::npos) return;
  const size_t at = trailing_pairs_start(m, ':');
  if (at != std::string_view::npos && at > 1 && read_pairs(m, at, rec)) rec.message = m.substr(0, at - 1);
}

// dpkg.log's arguments by action: "status <state> <pkg>[:arch] <version>", "<action> <pkg>[:arch]
// <version> <version>" (install/upgrade: from and to; the others: the version and "<none>"),
// "startup archives unpack", "conffile <path> keep|install".
// vsftpd: OK / FAIL as ECS's event.outcome; the rate a number (KB/s as written).
void vsftpd_fields(const ParseContext&, Record& rec) {
  for (Field& f : rec.fields) {
    if (f.name == "vsftpd.status") {
      f.name = "event.outcome";
      f.text = f.text == "OK" ? "success" : "failure";
    } else if (f.name == "vsftpd.rate_kbyte_s") {
      const std::string s(f.text);
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (end != s.c_str() && *end == '\0') {
        f.kind = Field::Kind::Float;
        f.f = v;
      }
    }
  }
}

// Microsoft DHCP Server's event IDs, as Elastic's microsoft_dhcp integration categorises them.
struct DhcpEvent {
  int id;
  const char *action, *category, *type, *outcome;
};
// (JSON arrays of event.category and event.type, as the integration writes them)
constexpr const char *kProc = "[\"process\"]", *kNet = "[\"network\"]", *kAuth = "[\"authentication\",\"network\"]";
constexpr const char *kStart = "[\"start\"]", *kEnd = "[\"end\"]", *kChange = "[\"change\"]",
                     *kAllowed = "[\"allowed\",\"connection\"]", *kConn = "[\"connection\"]",
                     *kDenied = "[\"connection\",\"denied\"]", *kOk = "success", *kFail = "failure",
                     *kRogue = "rogue-server-detection", *kConnProto = "[\"connection\",\"protocol\"]",
                     *kInfo = "[\"info\"]", *kConnStart = "[\"connection\",\"start\"]",
                     *kConnEnd = "[\"connection\",\"end\"]";
constexpr DhcpEvent kDhcpEvents[] = {
    {0, "log-start", kProc, kStart, kOk}, {1, "log-end", kProc, kEnd, kOk},
    {2, "log-pause", kProc, kChange, kFail}, {10, "dhcp-new", kNet, kAllowed, kOk},
    {11, "dhcp-renew", kNet, kAllowed, kOk}, {12, "dhcp-release", kNet, kAllowed, kOk},
    {13, nullptr, kNet, kConn, kOk}, {14, nullptr, kNet, kDenied, kFail}, {15, "dhcp-deny", kNet, kDenied, kFail},
    {16, "dhcp-delete", kNet, kConn, kOk}, {17, "dhcp-expire", kNet, kConn, kOk},
    {18, "dhcp-expire", kNet, kConn, kOk}, {20, nullptr, kNet, kAllowed, kOk}, {21, nullptr, kNet, kAllowed, kOk},
    {22, nullptr, kNet, kDenied, kFail}, {23, nullptr, kNet, kDenied, kFail},
    {24, "ip-cleanup-start", kProc, kStart, kOk}, {25, "ip-cleanup-end", kProc, kStart, kOk},
    {30, "dhcp-dns-update", kNet, kConn, kOk}, {31, "dhcp-dns-update", kNet, kConn, kFail},
    {32, "dhcp-dns-update", kNet, kConn, kOk}, {33, nullptr, kNet, kConn, kFail},
    {34, "dhcp-dns-update", kNet, kConn, kFail}, {35, "dhcp-dns-update", kNet, kDenied, kFail},
    {36, nullptr, kNet, kDenied, kFail},
    // 50-64: rogue server detection (whether the server may serve in its Active Directory domain)
    {50, kRogue, kAuth, kConn, kFail}, {51, kRogue, kAuth, kAllowed, kOk}, {52, kRogue, kAuth, kConn, kOk},
    {53, kRogue, kAuth, kAllowed, kOk}, {54, kRogue, kAuth, kDenied, kFail}, {55, kRogue, kAuth, kAllowed, kOk},
    {56, kRogue, kAuth, kDenied, kFail}, {57, kRogue, kAuth, kConn, kOk}, {58, kRogue, kAuth, kConn, kFail},
    {59, kRogue, kAuth, kConn, kFail}, {60, kRogue, kAuth, kConn, kOk}, {61, kRogue, kAuth, kConn, kOk},
    {62, kRogue, kAuth, kConn, kOk}, {63, kRogue, kAuth, kConn, kOk}, {64, kRogue, kAuth, kConn, kOk},
    // DHCPv6 (its own log, DhcpV6SrvLog-*.log)
    {11000, "dhcpv6-solicit", kNet, kConnProto, kOk}, {11001, "dhcpv6-advertise", kNet, kConnProto, kOk},
    {11002, "dhcpv6-request", kNet, kConnProto, kOk}, {11003, "dhcpv6-confirm", kNet, kConnProto, kOk},
    {11004, "dhcpv6-renew", kNet, kConnProto, kOk}, {11005, "dhcpv6-rebind", kNet, kConnProto, kOk},
    {11006, "dhcpv6-decline", kNet, kConnProto, kFail}, {11007, "dhcpv6-release", kNet, kConn, kOk},
    {11008, "dhcpv6-info-request", kNet, kConn, kOk}, {11009, "dhcpv6-scope-full", kNet, kConn, kOk},
    {11010, "log-start", kProc, kStart, kOk}, {11011, "log-stop", kProc, kEnd, kOk},
    {11012, "log-pause", kProc, kChange, kOk}, {11013, "log-file", kProc, kInfo, kOk},
    {11014, "dhcpv6-bad-address", kNet, kConn, kFail}, {11015, "dhcpv6-address-in-use", kNet, kConn, kOk},
    {11016, "dhcpv6-client-deleted", kNet, kConn, kOk}, {11017, "ipv6-dns-record-not-deleted", kNet, kConn, kOk},
    {11018, "dhcpv6-expired", kNet, kConn, kOk}, {11019, "dhcpv6-lease-expired-deleted", kNet, kConn, kOk},
    {11020, "dhcpv6-cleanup-start", kProc, kStart, kOk}, {11021, "dhcpv6-cleanup-end", kProc, kEnd, kOk},
    {11022, "ipv6-dns-update-request", kNet, kConnStart, kOk}, {11023, "ipv6-dns-update-failed", kNet, kConnEnd, kFail},
    {11024, "ipv6-dns-update-successful", kNet, kConnEnd, kOk},
    {11028, "ipv6-dns-update-request-queue-exceeded", kNet, kConnEnd, kFail},
    {11029, "ipv6-dns-update-request-failed", kNet, kConnEnd, kFail},
    {11030, "dhcpv6-stateless-clients-pruged", kProc, kChange, kOk},  // (the integration's spelling)
    {11031, "dhcpv6-stateless-clients-expired", kProc, kChange, kOk},
    {11032, "dhcpv6-stateless-client-info-request", kNet, kInfo, kOk},
};

// Empty columns left out; the MAC (12 hex digits) as ECS writes one (upper case, dashes, an array
// as the integration has it; anything else as written), the host name in lower case; the event ID's action, category, type, outcome.
void msdhcp_fields(const ParseContext&, Record& rec) {
  int id = -1;
  for (size_t i = rec.fields.size(); i-- > 0;) {
    Field& f = rec.fields[i];
    if (f.kind == Field::Kind::String && f.text.empty() && f.name != "message") {
      rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
      continue;
    }
    if (f.name == "event.code") {
      int64_t v = 0;
      if (scan::uint_at(f.text.data(), 0, f.text.size(), v) == f.text.size() && v < 100000) id = static_cast<int>(v);
    }
    if (f.name == "host.domain") {
      f.text = rec.keep(scan::lower_ascii(f.text));
    } else if (f.name == "host.mac" && f.text.size() == 12 &&
               std::all_of(f.text.begin(), f.text.end(), [](char c) { return std::isxdigit(static_cast<unsigned char>(c)); })) {
      std::string m = "[\"";
      for (size_t k = 0; k < f.text.size(); ++k) {
        if (k > 0 && k % 2 == 0) m += '-';
        m += static_cast<char>(std::toupper(static_cast<unsigned char>(f.text[k])));
      }
      m += "\"]";
      f.kind = Field::Kind::Json;
      f.text = rec.keep(m);
    }
  }
  for (const DhcpEvent& e : kDhcpEvents) {
    if (e.id != id) continue;
    if (e.action) rec.fields.push_back({"event.action", Field::Kind::String, e.action});
    rec.fields.push_back({"event.category", Field::Kind::Json, e.category});
    rec.fields.push_back({"event.type", Field::Kind::Json, e.type});
    rec.fields.push_back({"event.outcome", Field::Kind::String, e.outcome});
    return;
  }
  rec.fields.push_back({"event.outcome", Field::Kind::String, "success"});  // (as the integration, for an ID it does not list)
}

void dpkg_fields(const ParseContext&, Record& rec) {
  std::string_view action, args;
  for (size_t i = rec.fields.size(); i-- > 0;) {
    if (rec.fields[i].name == "event.action") action = rec.fields[i].text;
    if (rec.fields[i].name != "dpkg.args") continue;
    args = rec.fields[i].text;
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
  }
  std::string_view a[3];
  size_t n = 0;
  for (size_t i = 0; i < args.size() && n < 3;) {
    const size_t e = std::min(args.find(' ', i), args.size());
    a[n++] = args.substr(i, e - i);
    i = e + 1;
  }
  const auto none = [](std::string_view v) { return v.empty() || v == "<none>"; };
  const auto package = [&](std::string_view p) {
    const size_t colon = p.find(':');
    rec.fields.push_back(Field::string("package.name", p.substr(0, colon)));
    if (colon != std::string_view::npos) rec.fields.push_back(Field::string("package.architecture", p.substr(colon + 1)));
  };
  if (action == "startup" && n == 2) {
    rec.fields.push_back(Field::string("dpkg.startup", args));
  } else if (action == "conffile" && n == 2) {
    rec.fields.push_back(Field::string("file.path", a[0]));
    rec.fields.push_back(Field::string("dpkg.conffile", a[1]));
  } else if (action == "status" && n == 3) {
    rec.fields.push_back(Field::string("dpkg.status", a[0]));
    package(a[1]);
    if (!none(a[2])) rec.fields.push_back(Field::string("package.version", a[2]));
  } else if (n == 3) {
    package(a[0]);
    if (!none(a[2]) || !none(a[1])) rec.fields.push_back(Field::string("package.version", none(a[2]) ? a[1] : a[2]));
    if (!none(a[1]) && !none(a[2])) rec.fields.push_back(Field::string("dpkg.previous_version", a[1]));
  } else {
    rec.fields.push_back(Field::string("dpkg.args", args));  // (an action with other arguments: as written)
  }
}

// An IDS alert's address: IPv4 "a.b.c.d[:port]"; IPv6 in full, "8 groups[:port]" (a 9th group
// is the port, as Suricata and Snort write it).
void ids_endpoint(std::string_view v, std::string_view ip_name, std::string_view port_name, Record& rec) {
  const size_t colons = static_cast<size_t>(std::count(v.begin(), v.end(), ':'));
  const size_t last = v.rfind(':');
  const bool has_port = last != std::string_view::npos &&
                        (v.find('.') != std::string_view::npos ? colons == 1 : colons == 8);
  std::string_view ip = has_port ? v.substr(0, last) : v;
  int64_t port = -1;
  if (has_port && scan::uint_at(v.data(), last + 1, v.size(), port) != v.size()) port = -1;
  if (!is_ip(ip)) {
    rec.fields.push_back(Field::string(ip_name == "source.ip" ? "source.address" : "destination.address", v));
    return;
  }
  rec.fields.push_back(Field::string(ip_name, ip));
  if (port >= 0 && port <= 65535) rec.fields.push_back(Field::integer(port_name, port));
}

// Snort's and Suricata's fast alert lines: their time ("mm/dd/yyyy-…" Suricata, "yy/mm/dd-…" Snort
// -y, "mm/dd-…" Snort, in the sensor's zone: --tz), addresses and ports, the protocol in lower case.
void ids_fast(const ParseContext& ctx, Record& rec) {
  std::string_view when, src, dst;
  for (size_t i = rec.fields.size(); i-- > 0;) {
    Field& f = rec.fields[i];
    if (f.name == "network.transport") {
      f.text = rec.keep(scan::lower_ascii(f.text));
      continue;
    }
    if (f.name == "ids.time") when = f.text;
    else if (f.name == "ids.source") src = f.text;
    else if (f.name == "ids.destination") dst = f.text;
    else continue;
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
  }
  ids_endpoint(src, "source.ip", "source.port", rec);
  ids_endpoint(dst, "destination.ip", "destination.port", rec);
  const size_t dash = when.find('-');
  if (dash == std::string_view::npos) return;
  const std::string_view date = when.substr(0, dash), clock = when.substr(dash + 1);
  int year = 0, month = 0, day = 0;
  if (date.size() == 10) {  // mm/dd/yyyy
    month = parse_fixed(date.data(), 2), day = parse_fixed(date.data() + 3, 2), year = parse_fixed(date.data() + 6, 4);
  } else if (date.size() == 8) {  // yy/mm/dd
    year = 2000 + parse_fixed(date.data(), 2), month = parse_fixed(date.data() + 3, 2), day = parse_fixed(date.data() + 6, 2);
  } else if (date.size() == 5) {  // mm/dd: this year, or last year's December read in January
    month = parse_fixed(date.data(), 2), day = parse_fixed(date.data() + 3, 2);
    year = month > 0 && day > 0 ? ctx.bsd_year(month, day) : 0;
  }
  if (year <= 0 || month <= 0 || day <= 0 || clock.size() > 20) return;
  char buf[48];
  const int k = std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%.*s", year, month, day, static_cast<int>(clock.size()), clock.data());
  Timestamp ts;
  if (k > 0 && parse_iso8601_lenient(buf, static_cast<size_t>(k), ctx.cfg.default_offset_min, ts) == static_cast<size_t>(k)) {
    rec.ts = ts;
    rec.time_from_read = false;
  }
}

// A duration field the pattern captured (its unit from a field of its own, or fixed) becomes
// ECS's event.duration, in nanoseconds; the captures are dropped.
void duration_ns(Record& rec, std::string_view name, std::string_view unit_name, int64_t scale) {
  int64_t t = -1;
  for (size_t i = rec.fields.size(); i-- > 0;) {
    const Field& f = rec.fields[i];
    if (f.name == name && f.kind == Field::Kind::Int) t = f.i;
    else if (!unit_name.empty() && f.name == unit_name) scale = f.text == "micros" ? 1000 : 1000000;
    else continue;
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
  }
  if (t >= 0 && scale > 0 && t <= INT64_MAX / scale) rec.fields.push_back(Field::integer("event.duration", t * scale));
}
// uWSGI: msecs, or micros with --log-micros. Jira and Confluence: "350ms".
void uwsgi_duration(const ParseContext&, Record& rec) { duration_ns(rec, "uwsgi.response_time", "uwsgi.response_time_unit", 0); }
void atlassian_duration(const ParseContext&, Record& rec) { duration_ns(rec, "atlassian.duration_ms", {}, 1000000); }

// apt's history: End-Date, written as Start-Date is ("2019-07-10  16:38:10", local time), as
// event.end in the same zone, and the time the run took as event.duration.
void apt_history(const ParseContext& ctx, Record& rec) {
  for (size_t i = 0; i < rec.fields.size(); ++i) {
    if (rec.fields[i].name != "apt.end_date") continue;
    const std::string_view v = rec.fields[i].text;
    if (v.size() != 20 || v[10] != ' ' || v[11] != ' ') return;
    Timestamp end;
    if (!parse_time_text(std::string(v.substr(0, 10)) + "T" + std::string(v.substr(12)), ctx.cfg.default_offset_min, end)) return;
    std::string iso;
    append_iso8601(iso, end);
    rec.fields.erase(rec.fields.begin() + static_cast<long>(i));
    rec.fields.push_back(Field::string("event.end", rec.keep(iso)));
    if (rec.ts.valid && end.epoch_sec >= rec.ts.epoch_sec)
      rec.fields.push_back(Field::integer("event.duration", (end.epoch_sec - rec.ts.epoch_sec) * 1000000000));
    return;
  }
}

struct Recipe {
  const char* name;     // the library's pattern name; kafkainsight.recipe
  const char* detect;   // anchored; its captures read the line unless `parse` is given
  const char* parse;    // a pattern of its own to read the line (null: detect's match)
  const char* time;     // the timestamp capture's layout (null: the layouts grok knows)
  bool yearless;        // the time has no year: this year, unless that is more than a week ahead
  const char* what;     // what such a line is, for a failure's reason
  void (*finish)(const ParseContext&, Record&) = nullptr;  // values the pattern cannot write as they should read
};

// Most specific first: a line goes to the first that fits.
constexpr Recipe kRecipes[] = {
    // A program's crash: its first line says so.
    {"GOPANIC", "^%{GOPANIC}", nullptr, nullptr, false, "a Go program's panic or fatal error"},
    {"RUSTPANIC", "^%{RUSTPANIC}", nullptr, nullptr, false, "a Rust program's panic (thread 'name' panicked at …)",
     rust_panic},
    {"JAVAUNCAUGHT", "^%{JAVAUNCAUGHT}", nullptr, nullptr, false,
     "a JVM's report of an uncaught exception (Exception in thread \"name\" class: message)", uncaught},
    {"PYTHONTRACEBACK", "^%{PYTHONTRACEBACK}", nullptr, nullptr, false, "a Python traceback of an uncaught exception",
     python_traceback},
    {"NODECRASH", "^%{NODECRASH}", nullptr, nullptr, false, "Node.js's report of an uncaught exception", node_crash},
    {"NODEERROR", "^%{NODEERROR}", nullptr, nullptr, false, "a JavaScript error and its stack (Node.js)", uncaught},
    {"IISLOG", "^%{IISLOG}$", nullptr, nullptr, false,
     "an IIS access line (W3C extended log, one of the field sets IIS writes by default)"},
    {"SQUIDLOG", "^%{SQUIDLOG}$", nullptr, nullptr, false, "a Squid access line (its native access.log format)"},
    {"VSFTPDLOG", "^%{VSFTPDLOG}$", nullptr, nullptr, false,
     "a line of vsftpd's log (time [pid N] [user] OK|FAIL ACTION: Client \"address\", file, size, rate)", vsftpd_fields},
    {"DPKGLOG", "^%{DPKGLOG}$", nullptr, nullptr, false,
     "a line of dpkg's log (/var/log/dpkg.log: time, action, package and versions)", dpkg_fields},
    {"APTHISTORY", "^Start-Date: \\d{4}-\\d\\d-\\d\\d  \\d\\d:\\d\\d:\\d\\d(?:\\n|$)", "^%{APTHISTORY}$", "%Y-%m-%d  %H:%M:%S", false,
     "a record of apt's history log (/var/log/apt/history.log, its lines joined with --multiline apt: "
     "Start-Date, Commandline, Requested-By, the packages installed, upgraded or removed, Error, End-Date)",
     apt_history},
    {"ALTERNATIVESLOG", "^%{ALTERNATIVESLOG}$", nullptr, nullptr, false,
     "a line of update-alternatives' log (/var/log/alternatives.log: update-alternatives time: what it did)"},
    {"IDSFASTLOG", "^%{IDSFASTLOG}$", nullptr, nullptr, false,
     "a Snort or Suricata alert line (alert_fast / fast.log: time [**] [gid:sid:rev] message [**] … {PROTO} src -> dst)",
     ids_fast},
    {"ATLASSIANACCESS", "^%{ATLASSIANACCESS}$", nullptr, nullptr, false,
     "a Jira or Confluence access line ([time] user thread address method uri protocol status NNNms bytes referrer agent)",
     atlassian_duration},
    {"UWSGILOG", "^%{UWSGILOG}$", nullptr, "%a %b %e %H:%M:%S %Y", false,
     "a uWSGI request log line ([pid: …|app: …|req: …/…] address (user) {vars} [ctime] method uri => generated …)",
     uwsgi_duration},
    {"ENVOYACCESS", "^%{ENVOYACCESS}$", nullptr, nullptr, false,
     "an Envoy / Istio access line (Envoy's default access log format)"},
    {"AWSELBLOG", "^%{AWSELBLOG}$", nullptr, nullptr, false,
     "an AWS Elastic Load Balancing access line (Application or Classic Load Balancer)"},
    {"S3ACCESSLOG", "^%{S3ACCESSLOG}", nullptr, nullptr, false, "an AWS S3 server access line"},
    {"VPCFLOWLOG", "^%{VPCFLOWLOG}$", nullptr, nullptr, false, "an AWS VPC flow log line (the default format)"},
    {"ZAPLOG", "^%{ZAPLOG}", nullptr, nullptr, false,
     "a Go program's zap log line (console encoder: time, LEVEL, logger, caller, message, {fields} between tabs)",
     zap_fields},
    {"AIRFLOWLOG", "^%{AIRFLOWLOG}", nullptr, nullptr, false,
     "an Apache Airflow log line ([time] {file.py:line} LEVEL - message)"},
    {"RUSTLOG", "^%{RUSTLOG}", nullptr, nullptr, false,
     "a Rust program's log line (env_logger's default layout: [time LEVEL target] message)"},
    // Before KAFKALOG, whose last alternative reads any "[time] LEVEL …".
    {"FLASKLOG", "^%{FLASKLOG}", nullptr, nullptr, false, "a Flask application's log line ([asctime] LEVEL in module: message)"},
    // Before ELASTICSEARCHLOG, whose layout it shares but for the pipeline id after the logger.
    {"LOGSTASHLOG", "^%{LOGSTASHLOG}", nullptr, nullptr, false, "a Logstash log line (its plain-text layout)"},
    {"ELASTICSEARCHLOG", "^%{ELASTICSEARCHLOG}", nullptr, nullptr, false,
     "an Elasticsearch server log line (the plain-text layout before 7.0)"},
    {"PHPLOG", "^%{PHPLOG}", nullptr, "%d-%b-%Y %H:%M:%S", false, "a PHP or PHP-FPM error log line"},
    {"MONOLOG", "^%{MONOLOG}", nullptr, nullptr, false,
     "a Monolog line (Laravel, Symfony: [datetime] channel.LEVEL: message)"},
    {"RUBYLOG", "^%{RUBYLOG}", nullptr, nullptr, false,
     "a Ruby Logger line (Rails, Sidekiq: \"I, [time #pid]  INFO -- progname: message\")"},
    {"JULLOG", "^%{JULLOG}", nullptr, "%b %d, %Y %I:%M:%S %p", false,
     "a java.util.logging record (its two lines joined: --multiline java)", jul_record},
    {"TOMCATLOG", "^%{TOMCATLOG}", nullptr, "%d-%b-%Y %H:%M:%S.SSS", false,
     "an Apache Tomcat log line (catalina.out: date LEVEL [thread] class.method message)"},
    {"LIGHTTPDERROR", "^%{LIGHTTPDERROR}", nullptr, nullptr, false, "a lighttpd error log line"},
    {"GUNICORNLOG", "^%{GUNICORNLOG}", nullptr, nullptr, false, "a gunicorn error log line"},
    {"CELERYLOG", "^%{CELERYLOG}", nullptr, nullptr, false, "a Celery worker's log line"},
    {"JVMUNIFIEDLOG", "^%{JVMUNIFIEDLOG}", nullptr, nullptr, false,
     "a line of the JVM's unified log (-Xlog: [decorations][level][tags] message)"},
    {"NATSLOG", "^%{NATSLOG}", nullptr, nullptr, false, "a NATS server log line ([pid] date time [LVL] message)"},
    {"ICINGALOG", "^%{ICINGALOG}", nullptr, nullptr, false, "an Icinga 2 log line ([time] severity/Facility: message)"},
    {"NAGIOSLOG", "^%{NAGIOSLOG}", nullptr, nullptr, false, "a Nagios log line ([epoch] message)"},
    {"KAFKALOG", "^%{KAFKALOG}", nullptr, nullptr, false,
     "an application's text log (Apache Kafka's log4j layout, [%d] %p %m (%c))"},
    {"ZOOKEEPERLOG", "^%{ZOOKEEPERLOG}", nullptr, nullptr, false,
     "an application's text log (ZooKeeper's log4j layout, %d - %p [%t:%C@%L] - %m)"},
    {"SPRINGBOOTLOG", "^%{SPRINGBOOTLOG}", nullptr, nullptr, false,
     "an application's text log (Spring Boot's default layout, date level pid --- [thread] logger : message)"},
    {"OPENSTACK", "^%{OPENSTACK}", nullptr, nullptr, false,
     "an application's text log (OpenStack's oslo.log layout, date pid level module [request] message)"},
    {"POSTGRESQLLOG", "^%{POSTGRESQLLOG}", nullptr, nullptr, false,
     "a PostgreSQL log line (log_line_prefix '%m [%p] ', Debian's '%m [%p] %q%u@%d ')"},
    {"MYSQLERRORLOG", "^%{MYSQLERRORLOG}", nullptr, nullptr, false, "a MySQL or MariaDB error log line"},
    {"MONGODBLOG", "^%{MONGODBLOG}", nullptr, nullptr, false, "a MongoDB log line (before 4.4's JSON)"},
    {"REDISLOG", "^%{REDISLOG}", nullptr, nullptr, true, "a Redis log line", redis_words},
    // Before PYTHONLOG, whose "date [level] message" reads them too.
    {"RABBITMQLOG", "^%{RABBITMQLOG}", nullptr, nullptr, false, "a RabbitMQ log line"},
    // Before JAVALOG's detection, which takes "[logger]" for a thread.
    {"WILDFLYLOG", "^%{WILDFLYLOG}", nullptr, nullptr, false,
     "a WildFly / JBoss server.log line (date level [category] (thread) message)"},
    {"UVICORNLOG", "^%{UVICORNLOG}", nullptr, nullptr, false, "a uvicorn log line (LEVEL:     message)"},
    // Before JAVALOG, whose detection takes "[info]" for a thread and the next word for a level.
    {"ELIXIRLOG", "^%{ELIXIRLOG}", nullptr, nullptr, false,
     "an Elixir program's Logger line (time metadata [level] message)", elixir_metadata},
    // Java's, where Python's logging could have written the line too: a [thread], or a logger whose
    // last name is a class's (capitalised); a module's name ("shop.payments") is Python's.
    {"JAVALOG",
     "^(?:%{TIMESTAMP_ISO8601}|%{TIME}) +(?:%{LOGLEVEL} +\\[[^\\]]*\\] +|\\[[^\\]]*\\] +%{LOGLEVEL} +|%{LOGLEVEL} +"
     "(?:[a-zA-Z$_][a-zA-Z$_0-9]*\\.)*[A-Z][a-zA-Z$_0-9]* *[:-]? )",
     "^%{JAVALOG}", nullptr, false,
     "an application's text log (a Java layout of log4j or logback: date level [thread] logger: message)",
     logback_pairs},
    // After JAVALOG (which none of these lines fits), so that Java lines do not try them first.
    {"SERILOG", "^%{SERILOG}", nullptr, nullptr, false,
     "a .NET program's Serilog line (its console's [HH:mm:ss LVL] message, its file sink's date [LVL] message)"},
    {"DOTNETLOG", "^%{DOTNETLOG}", nullptr, nullptr, false,
     "a .NET program's console log (Microsoft.Extensions.Logging: level: Category[EventId], the message under it: "
     "--multiline java)",
     dotnet_console},
    // Before PYTHONLOG, whose "time [LEVEL] name: message" reads it too.
    {"HCLOG", "^%{HCLOG}", nullptr, nullptr, false,
     "a HashiCorp program's log line (go-hclog: time [LEVEL] name: message: key=value …)", hclog_fields},
    {"JENKINSLOG", "^%{JENKINSLOG}", nullptr, nullptr, false,
     "a Jenkins log line (time [id=thread] LEVEL class#method: message)"},
    // Before PYTHONLOG, which reads "time LEVEL name: message" too: tracing's UTC time with 'T' and 'Z'.
    {"TRACINGLOG",
     "^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(?:\\.\\d+)?Z +(?:ERROR|WARN|INFO|DEBUG|TRACE) (?:\\w+\\{[^{}\\n]*\\}\\S*: )?[\\w:.-]+: ",
     "^%{TRACINGLOG}", nullptr, false,
     "a Rust program's log line (tracing-subscriber's default layout: time LEVEL spans: target: message fields)",
     tracing_fields},
    {"PYTHONLOG", "^%{PYTHONLOG}", nullptr, nullptr, false,
     "an application's text log (Python's logging: date level name: message, date - name - level - message or "
     "level:name:message)"},
    {"WINDOWSCBSLOG", "^%{WINDOWSCBSLOG}", nullptr, nullptr, false,
     "an application's text log (Windows' CBS.log layout, date time, Level Component message)"},
    {"SPARKLOG", "^%{SPARKLOG}", nullptr, "%y/%m/%d %H:%M:%S", false,
     "an application's text log (Spark's log4j layout, yy/MM/dd HH:mm:ss level logger: message)"},
    {"HDFSLOG", "^%{HDFSLOG}", nullptr, "%y%m%d %H%M%S", false,
     "an application's text log (HDFS's layout, yyMMdd HHmmss thread level logger: message)"},
    {"GOLOG", "^%{GOLOG}", nullptr, nullptr, false,
     "a Go program's log line (Go's log package: yyyy/MM/dd HH:mm:ss message)"},
    {"ANDROIDLOG", "^%{ANDROIDLOG}", nullptr, "%m-%d %H:%M:%S.%f", true,
     "an application's text log (Android's logcat -v threadtime)"},
    {"BGLLOG", "^%{BGLLOG}", nullptr, "%s", false, "a Blue Gene/L RAS log line (as the USENIX CFDR and loghub publish it)"},
    {"THUNDERBIRDLOG", "^%{THUNDERBIRDLOG}", nullptr, "%s", false,
     "a Thunderbird supercomputer's log line (as the USENIX CFDR and loghub publish it)"},
    {"HEALTHAPPLOG", "^%{HEALTHAPPLOG}", nullptr, "%Y%m%d-%H:%M:%S:%L", false,
     "an Android health app's log line (time|component|pid|message, as loghub publishes it)"},
    {"PROXIFIERLOG", "^%{PROXIFIERLOG}", nullptr, "%m.%d %H:%M:%S", true, "a Proxifier log line ([MM.dd HH:mm:ss] program - message)"},
    {"CASSANDRALOG", "^%{CASSANDRALOG}", nullptr, nullptr, false,
     "an Apache Cassandra log line (LEVEL [thread] time File.java:line - message)"},
    // Near the end: its fields are plain words and numbers (a 9-10 digit Unix time the fifth).
    {"HPCLOG", "^%{HPCLOG}", nullptr, "%s", false, "a Los Alamos HPC log line (as the USENIX CFDR and loghub publish it)"},
    // Last: the lines of the layouts above need not try them (most start with a date, as many lines do).
    {"TIDBLOG", "^%{TIDBLOG}", nullptr, "%Y/%m/%d %H:%M:%S.%f %z", false,
     "a TiDB / TiKV / PD log line ([time] [LEVEL] [file:line] [message] [key=value]…)", tidb_fields},
    {"POSTGRESQLCSVLOG", "^%{POSTGRESQLCSVLOG}", nullptr, nullptr, false, "a PostgreSQL csvlog record", csv_unquote},
    {"JAVA8GCLOG", "^%{JAVA8GCLOG}", nullptr, nullptr, false, "a line of a JDK 8 GC log (time: uptime: entry)"},
    {"ACTIVEMQLOG", "^%{ACTIVEMQLOG}", nullptr, nullptr, false,
     "an Apache ActiveMQ log line (date | level | message | logger | thread)"},
    {"MSSQLLOG", "^%{MSSQLLOG}", nullptr, nullptr, false, "a SQL Server ERRORLOG line (date time source message)",
     lines_under_are_message},
    {"MSDHCPLOG", "^%{MSDHCPLOG}", nullptr, "%m/%d/%y,%H:%M:%S", false,
     "a Microsoft DHCP Server audit log line (ID,Date,Time,Description,IP Address,Host Name,MAC Address,…)",
     msdhcp_fields},
    {"MSDHCPV6LOG", "^%{MSDHCPV6LOG}", nullptr, "%m/%d/%y,%H:%M:%S", false,
     "a Microsoft DHCPv6 Server audit log line (ID,Date,Time,Description,IPv6 Address,Host Name,Error Code,Duid "
     "Length,…)",
     msdhcp_fields},
    {"BIND9", "^%{BIND9}", nullptr, nullptr, false,
     "a BIND 9 log line (time [category: severity: ]message; a query: client @0x… ip#port (name): query: name IN "
     "type flags (server))"},
    // The very last: any other line that starts with a date and time (read() leaves out a CSV
    // record a newline cut, which joins the next line).
    {"GENERICLOG", "^%{GENERICLOG}", nullptr, nullptr, false,
     "a line that starts with a date and time (the time, a level after it, the rest the message)"},
};
constexpr size_t kCount = sizeof kRecipes / sizeof kRecipes[0];

std::shared_ptr<const GrokSet> set_of(std::vector<std::string> patterns) {
  try {
    return make_grok_set(patterns, "");
  } catch (const std::exception&) {  // (a recipe missing from the library: none is tried)
    return nullptr;
  }
}

const std::shared_ptr<const GrokSet>& detect_set() {
  static const std::shared_ptr<const GrokSet> set = [] {
    std::vector<std::string> patterns;
    for (const Recipe& r : kRecipes) patterns.emplace_back(r.detect);
    return set_of(std::move(patterns));
  }();
  return set;
}

// The patterns of the recipes that read a line with a pattern of their own (`parse`), by index;
// null for the others.
const std::vector<std::shared_ptr<const GrokSet>>& parse_sets() {
  static const std::vector<std::shared_ptr<const GrokSet>> sets = [] {
    std::vector<std::shared_ptr<const GrokSet>> v(kCount);
    for (size_t k = 0; k < kCount; ++k)
      if (kRecipes[k].parse) v[k] = set_of({kRecipes[k].parse});
    return v;
  }();
  return sets;
}

const std::shared_ptr<const GrokSet>& haproxy_set() {
  static const std::shared_ptr<const GrokSet> set = set_of({"^%{HAPROXYHTTPBASE}$"});
  return set;
}

const std::shared_ptr<const GrokSet>& bind9_set() {
  static const std::shared_ptr<const GrokSet> set = set_of({"^%{BIND9_QUERYLOGBASE}"});
  return set;
}

const TimeFormat* time_of(size_t i) {
  static const std::vector<std::unique_ptr<const TimeFormat>> formats = [] {
    std::vector<std::unique_ptr<const TimeFormat>> v(kCount);
    for (size_t k = 0; k < kCount; ++k)
      if (kRecipes[k].time) v[k] = std::make_unique<const TimeFormat>(kRecipes[k].time);
    return v;
  }();
  return formats[i].get();
}

}  // namespace

std::optional<RecipeOptions> recipe_options(std::string_view name) {
  for (const Recipe& r : kRecipes)
    if (r.name == name) return RecipeOptions{r.parse ? r.parse : r.detect, r.time ? r.time : ""};
  return std::nullopt;
}

RecipeFinish recipe_finish(std::string_view pattern) {
  for (const Recipe& r : kRecipes) {
    if (!r.finish) continue;
    const std::string name = std::string("%{") + r.name + "}";
    if (pattern == name || pattern == "^" + name || pattern == r.detect || (r.parse && pattern == r.parse)) return r.finish;
  }
  return nullptr;
}

RecipeReader::RecipeReader() = default;
RecipeReader::~RecipeReader() = default;

bool RecipeReader::set_vpc_layout(uint32_t source, std::string_view header) {
  const std::optional<std::string> pattern = vpc_flow_pattern(header);
  if (!pattern) return false;
  std::shared_ptr<const GrokSet> set = set_of({*pattern});
  // (a library lacking a pattern it names: the lines go the general way)
  vpc_.set(source, set ? std::make_unique<GrokMatcher>(std::move(set)) : nullptr);
  return true;
}

bool RecipeReader::read(std::string_view line, const ParseContext& ctx, Record& rec, bool generic) {
  reason_ = nullptr;
  if (GrokMatcher* m = vpc_.find(ctx.source); m && m->match(line) == GrokResult::Matched) {
    // Under a VPC flow log's header: its layout first.
    ParseContext rctx = ctx;
    rctx.by_recipe = true;
    const GrokResult g = read_grok_match(line, rctx, *m, rec, why_);
    if (g != GrokResult::Matched) return fail("an AWS VPC flow log line", "VPCFLOWLOG", g);
    rec.fields.push_back({"kafkainsight.recipe", Field::Kind::String, "VPCFLOWLOG"});
    name_ = "VPCFLOWLOG";
    return true;
  }
  if (unavailable_) return false;
  if (!detect_) {
    bool parsers = true;
    for (size_t k = 0; k < kCount; ++k) parsers = parsers && (!kRecipes[k].parse || parse_sets()[k]);
    if (!detect_set() || !parsers) {
      unavailable_ = true;
      return false;
    }
    detect_ = std::make_unique<GrokMatcher>(detect_set());
  }
  if (detect_->match(line) != GrokResult::Matched) return false;
  const size_t k = detect_->which();
  const Recipe& r = kRecipes[k];
  if (std::string_view(r.name) == "GENERICLOG" && (!generic || csv_record_cut(line))) return false;  // (a CSV record's head: no)
  if (r.parse && parsers_.empty()) parsers_.resize(kCount);
  if (r.parse && !parsers_[k]) parsers_[k] = std::make_unique<GrokMatcher>(parse_sets()[k]);  // (its JIT stack: when first needed)
  GrokMatcher& m = r.parse ? *parsers_[k] : *detect_;
  if (r.parse && m.match(line) != GrokResult::Matched) {
    why_ = m.reason();
    return fail(r.what, r.name, GrokResult::NoMatch);
  }
  ParseContext rctx = ctx;
  rctx.by_recipe = true;
  rctx.recipe_time = time_of(k);
  GrokResult g = read_grok_match(line, rctx, m, rec, why_);
  if (g == GrokResult::Matched && r.yearless && ctx.cfg.default_year <= 0 &&
      rec.ts.epoch_sec > static_cast<int64_t>(std::time(nullptr)) + 7 * 86400) {
    // A December line read in January belongs to last year (as BSD syslog's).
    rec.clear_values();
    rctx.recipe_year = current_utc_year() - 1;
    g = read_grok_match(line, rctx, m, rec, why_);
  }
  if (g == GrokResult::Matched) {
    if (r.finish) r.finish(ctx, rec);
    rec.fields.push_back({"kafkainsight.recipe", Field::Kind::String, r.name});
    name_ = r.name;
    return true;
  }
  return fail(r.what, r.name, g);
}

bool RecipeReader::read_haproxy(const ParseContext& ctx, Record& rec) {
  return read_message(ctx, rec, haproxy_, haproxy_set(), true);
}

bool RecipeReader::read_bind9(const ParseContext& ctx, Record& rec) {
  return read_message(ctx, rec, bind9_, bind9_set(), false);
}

bool RecipeReader::read_message(const ParseContext& ctx, Record& rec, std::unique_ptr<GrokMatcher>& m,
                                const std::shared_ptr<const GrokSet>& set, bool access) {
  if (!m) {
    if (!set) return false;
    m = std::make_unique<GrokMatcher>(set);
    if (!inner_) inner_ = std::make_unique<Record>();
  }
  if (m->match(rec.message) != GrokResult::Matched) return false;
  Record& in = *inner_;
  in.reset(rec.message);
  ParseContext rctx = ctx;
  rctx.by_recipe = true;
  rctx.recipe_time = nullptr;
  if (read_grok_match(rec.message, rctx, *m, in, why_) != GrokResult::Matched) return false;
  for (const Field& f : in.fields) rec.fields.push_back(f);  // views into rec's line and the pattern
  if (!access) return true;  // (BIND: no time of its own; the header's stands)
  if (in.ts.valid) rec.ts = in.ts;
  rec.client_ip = in.client_ip;
  rec.status = in.status;
  rec.method = in.method;
  rec.path = in.path;
  rec.bytes = in.bytes;
  return true;
}

bool RecipeReader::fail(const char* what, const char* name, GrokResult g) {
  why_ = std::string(what) + ", which the %{" + name + "} recipe cannot read (" +
         (g == GrokResult::NoMatch ? std::string("its fields do not follow the recipe's layout") : why_) +
         "): describe it with --grok and --time-format of your own (docs/GROK.md)";
  reason_ = why_.c_str();
  return false;
}

}  // namespace ki
