#include "parse/parser.h"

#include <simdjson.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <ctime>

#include "parse/exception_text.h"
#include "parse/level.h"
#include "parse/w3c.h"
#include "parse/zeek.h"
#include "parse/auditd.h"
#include "parse/cef.h"
#include "parse/mysql_slow.h"
#include "parse/scan.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki {

namespace {
constexpr std::string_view kFormatNames[kFormatCount] = {
    "unknown", "apache_common", "apache_combined", "apache_error", "rfc3164", "rfc5424", "json",
    "app_json", "logfmt", "grok", "cri", "nginx_error", "w3c", "klog", "zeek", "cef", "mysql_slow", "auditd", "compose"};
}

std::string_view format_name(Format f) { return kFormatNames[static_cast<int>(f)]; }

std::optional<Format> format_from_name(std::string_view name) {
  if (name == "auto" || name.empty()) return Format::Unknown;
  if (name == "common_log") return Format::ApacheCommon;
  for (int i = 1; i < kFormatCount; ++i)
    if (kFormatNames[i] == name) return static_cast<Format>(i);
  return std::nullopt;
}

void Record::reset(std::string_view line) {
  clear_values();
  raw = line;
  for (size_t i = 0; i < arena_used_; ++i) arena_[i].clear();
  arena_used_ = 0;
  if (scratch.capacity() < line.size()) scratch.reserve(line.size());
}

void Record::clear_access() {
  client_ip = client_list = ident = user = request = method = path = protocol = {};
  status = -1;
  bytes = -1;
  has_referrer = false;
  referrer = user_agent = forwarded_for = server_name = tls_protocol = tls_cipher = {};
  server_port = -1;
}

void Record::clear_values() {
  // Field-by-field reset keeps scratch's and sd's capacity (no allocation per line).
  format = Format::Unknown;
  ts = Timestamp{};
  clear_access();
  module = level = {};
  pid = tid = -1;
  port = -1;
  connection_id = -1;
  upstream = host_header = {};
  host_port = -1;
  priority = version = -1;
  hostname = app = procid = msgid = {};
  sd.clear();
  message = {};
  logger = service = {};
  severity = -1;
  time_from_read = false;
  fields.clear();
  scratch.clear();
}

std::string_view Record::keep_path(std::string_view prefix, std::string_view name) {
  constexpr size_t kChunk = 4096;
  size_t need = prefix.size() + (prefix.empty() ? 0 : 1) + name.size();
  if (arena_used_ == 0 || arena_[arena_used_ - 1].capacity() - arena_[arena_used_ - 1].size() < need) {
    // Next chunk. A chunk in use is never appended past its capacity, so views into it stay
    // valid (heap buffers keep their address when the vector of chunks grows).
    if (arena_used_ == arena_.size()) arena_.emplace_back();
    std::string& c = arena_[arena_used_++];
    c.clear();
    if (c.capacity() < need || c.capacity() < kChunk) c.reserve(need > kChunk ? need : kChunk);
  }
  std::string& c = arena_[arena_used_ - 1];
  size_t at = c.size();
  if (!prefix.empty()) {
    c.append(prefix);
    c.push_back('.');
  }
  c.append(name);
  return std::string_view(c.data() + at, need);
}

std::string_view Record::keep(std::string_view s) { return keep_path({}, s); }

bool parse_format(Format f, std::string_view line, const ParseContext& ctx, Record& rec) {
  switch (f) {
    case Format::ApacheCommon:
    case Format::ApacheCombined: return parse_apache_access(line, ctx, rec);
    case Format::ApacheError: return parse_apache_error(line, ctx, rec);
    case Format::NginxError: return parse_nginx_error(line, ctx, rec);
    case Format::Rfc3164:
    case Format::Rfc5424: return parse_syslog(line, ctx, rec);
    case Format::Json: return parse_json_line(line, ctx, rec);
    case Format::AppJson: return parse_app_json(line, ctx, rec);
    case Format::Logfmt: return parse_logfmt(line, ctx, rec);
    case Format::Klog: return parse_klog(line, ctx, rec);
    case Format::Cri: return parse_cri(line, ctx, rec);
    case Format::Cef: return parse_cef(line, ctx, rec);
    case Format::MysqlSlow: return parse_mysql_slow(line, ctx, rec);
    case Format::Auditd: return parse_auditd(line, ctx, rec);
    case Format::Compose: return parse_compose(line, ctx, rec);
    default: return ctx.fail(Format::Unknown, "no known format", 0);
  }
}

std::optional<std::pair<std::string, std::string>> parse_add_field(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0) return std::nullopt;
  std::string_view name = text.substr(0, eq);
  if (name.front() == '.' || name.back() == '.' || name.find("..") != std::string_view::npos) return std::nullopt;
  return std::make_pair(std::string(name), std::string(text.substr(eq + 1)));
}

void Parser::add_fields(Record& rec) const {
  for (const auto& [name, value] : cfg_.add_fields) {
    if (name == "service.name" && rec.service.empty()) rec.service = value;
    else if (name == "log.logger" && rec.logger.empty()) rec.logger = value;
    else if (name != "service.name" && name != "log.logger") rec.fields.push_back({name, Field::Kind::String, value});
  }
}

int ParseContext::bsd_year(int month, int day) const {
  if (cfg.default_year > 0) return cfg.default_year;
  // No year in the line: assume the current one, unless that puts the event more than a
  // week in the future (a December line read in January belongs to last year).
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  int year = tm.tm_year + 1900;
  int64_t event_day = days_from_civil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  int64_t today = days_from_civil(year, static_cast<unsigned>(tm.tm_mon + 1), static_cast<unsigned>(tm.tm_mday));
  return event_day > today + 7 ? year - 1 : year;
}

bool csv_record_cut(std::string_view l) {
  return l.size() >= 20 && l[4] == '-' && l[7] == '-' && l[10] == ' ' && l.find(",\"") != std::string_view::npos &&
         l.find('\n') == std::string_view::npos && std::count(l.begin(), l.end(), '"') % 2 == 1;
}

namespace {
// "#Software: …", "#Version: 1.0", "#Fields: date time …": the header lines of W3C extended logs.
bool is_w3c_directive(std::string_view l) {
  if (l.empty() || l[0] != '#') return false;
  for (std::string_view d : {"#Software: ", "#Version: ", "#Date: ", "#Fields: ", "#Remark: ", "#Start-Date: ", "#End-Date: ",
                              "#Time Format: "})
    if (l.starts_with(d)) return true;
  return false;
}

// Detection's last resort is the access-log parser; a line that starts with a date is none, and
// its reason should say what the line is instead of where the access format broke.
const char* date_first_hint(std::string_view l) {
  if (l.size() < 20 || parse_fixed(l.data(), 4) < 0 || parse_fixed(l.data() + 5, 2) < 0 ||
      parse_fixed(l.data() + 8, 2) < 0 || l[13] != ':')
    return nullptr;
  if (csv_record_cut(l))
    return "a date first and a quoted value left open: a CSV record (PostgreSQL's csvlog, say) that a newline in "
           "a value cut; join its lines with --multiline-start '^\\d{4}-\\d\\d-\\d\\d' (docs/GROK.md)";
  if (l[4] == '-' && l[7] == '-' && l[10] == ' ')
    return "a date first: an application's text log, not an access or syslog line (describe it with "
           "--grok, e.g. %{PYTHONLOG} or %{JAVALOG}: docs/GROK.md)";
  return nullptr;
}

// A line of the header Microsoft's DHCP Server writes at the top of each log: its title, the
// table of event IDs (as Windows writes it in English: a line "NN<TAB>meaning" only with one of
// its meanings, so that no other tab-separated line is taken for it), the legend, the column names.
bool dhcp_header_line(std::string_view t) {
  static constexpr std::string_view kMeanings[] = {
      "The log was started.", "The log was stopped.", "The log was temporarily paused due to low disk space.",
      "A new IP address was leased to a client.", "A lease was renewed by a client.", "A lease was released by a client.",
      "An IP address was found to be in use on the network.",
      "A lease request could not be satisfied because the scope's address pool was exhausted.", "A lease was denied.",
      "A lease was deleted.", "A lease was expired and DNS records for an expired leases have not been deleted.",
      "A lease was expired and DNS records were deleted.", "A BOOTP address was leased to a client.",
      "A dynamic BOOTP address was leased to a client.",
      "A BOOTP request could not be satisfied because the scope's address pool for BOOTP was exhausted.",
      "A BOOTP IP address was deleted after checking to see it was not in use.", "IP address cleanup operation has began.",
      "IP address cleanup statistics.", "DNS update request to the named DNS server.", "DNS update failed.",
      "DNS update successful.", "Packet dropped due to NAP policy.",
      "DNS update request failed.as the DNS update request queue limit exceeded.", "DNS update request failed.",
      "Packet dropped because the server is in failover standby role or the hash of the client ID does not match.",
      "Codes above 50 are used for Rogue Server Detection information."};
  // The DHCPv6 log's table (its IDs have five digits).
  static constexpr std::string_view kV6Meanings[] = {
      "DHCPv6 Solicit.", "DHCPv6 Advertise.", "DHCPv6 Request.", "DHCPv6 Confirm.", "DHCPv6 Renew.", "DHCPv6 Rebind.",
      "DHCPv6 Decline.", "DHCPv6 Release.", "DHCPv6 Information Request.", "DHCPv6 Scope Full.", "DHCPv6 Started.",
      "DHCPv6 Stopped.", "DHCPv6 Audit log paused.", "DHCPv6 Log File.", "DHCPv6 Bad Address.",
      "DHCPv6 Address is already in use.", "DHCPv6 Client deleted.", "DHCPv6 DNS record not deleted.",
      "DHCPv6 Expired.", "DHCPv6 Leases Expired and Leases Deleted .", "DHCPv6 Database cleanup begin.",
      "DHCPv6 Database cleanup end.", "DNS IPv6 Update Request.", "DNS IPv6 Update Failed.",
      "DNS IPv6 Update Successful.",
      "DNS IPv6 update request failed as the DNS update request queue limit exceeded.",
      "DNS IPv6 update request failed.", "DHCPv6 stateless client records purged.",
      "DHCPv6 stateless client record is purged as the purge interval has expired for this client record.",
      "DHCPV6 Information Request from IPV6 Stateless Client."};
  if (t.empty()) return false;
  if (t[0] == 'M') return t.starts_with("Microsoft DHCP Service Activity Log") || t.starts_with("Microsoft DHCPv6 Service Activity Log");
  if (t[0] == 'E') return scan::trim(t) == "Event ID  Meaning";
  if (t[0] == 'Q') return t.starts_with("QResult: 0: NoQuarantine");
  if (t[0] == 'I') return t.starts_with("ID,Date,Time,Description,");
  if (t.size() > 6 && t[5] == '\t' && t.starts_with("110") && t[3] >= '0' && t[3] <= '9' && t[4] >= '0' && t[4] <= '9') {
    const std::string_view meaning = scan::trim(t.substr(6));
    for (std::string_view m : kV6Meanings)
      if (meaning == m) return true;
    return false;
  }
  if (t.size() < 5 || t[0] < '0' || t[0] > '9' || t[1] < '0' || t[1] > '9') return false;
  const size_t tab = t[2] == '+' ? 3 : 2;
  if (t[tab] != '\t') return false;
  const std::string_view meaning = scan::trim(t.substr(tab + 1));
  for (std::string_view m : kMeanings)
    if (meaning == m) return true;
  return false;
}

// UTF-16 text that reached the parser undecoded (followed with --follow, or a stream that did not
// start with it): a zero byte beside each of its first characters.
bool looks_utf16(std::string_view l) {
  if (l.size() < 9) return false;
  for (size_t k = 0; k < 2; ++k) {
    bool every = true;
    for (size_t i = 0; i < 8 && every; i += 2) every = l[k + i] == '\0' && l[k + i + 1] != '\0';
    if (every) return true;
  }
  return false;
}

// A line of a multi-line event read on its own (no --multiline): say so, not where the access
// format broke.
const char* continuation_hint(std::string_view l) {
  if ((l[0] == ' ' || l[0] == '\t') && l.find(".go:") != std::string_view::npos)
    return "an indented line of a Go stack trace (a panic's, zap's): the continuation of the event before it; join "
           "such lines to their event with --multiline go: docs/GROK.md";
  if (l.starts_with("    at ") && (l.find(".js:") != std::string_view::npos || l.find("(node:") != std::string_view::npos ||
                                    l.find(".ts:") != std::string_view::npos))
    return "an indented line of a JavaScript stack trace (Node.js): the continuation of the event before it; join "
           "such lines to their event with --multiline node: docs/GROK.md";
  if ((l[0] == ' ' || l[0] == '\t') && (l.find(".rs:") != std::string_view::npos || l.find("at /rustc/") != std::string_view::npos))
    return "an indented line of a Rust panic's backtrace: the continuation of the event before it; join such lines "
           "to their event with --multiline rust: docs/GROK.md";
  if (l.starts_with("stack backtrace:") || l.starts_with("note: run with `RUST_BACKTRACE") ||
      l.starts_with("note: Some details are omitted"))
    return "a line of a Rust panic's report: join it to the panic with --multiline rust (docs/GROK.md)";
  if ((l[0] == ' ' || l[0] == '\t') && (l.find(".ex:") != std::string_view::npos ||
                                        l.find(".exs:") != std::string_view::npos || l.find(".erl:") != std::string_view::npos))
    return "an indented line of an Elixir or Erlang stack trace: the continuation of the event before it; join such "
           "lines to their event with --multiline elixir: docs/GROK.md";
  if (l.starts_with("** (") || l.starts_with("Last message (from ") || l.starts_with("Last message: ") ||
      l.starts_with("Client #PID<") || l.starts_with("Function: #Function<"))
    return "a line of an Elixir crash report (its error, the last message of the process, its client): join it to "
           "the Logger line above it with --multiline elixir (docs/GROK.md)";
  // A pretty-printed JSON object's lines: "{", '  "key": value,', '    "an array's string",', "}".
  const std::string_view t = scan::trim(l);
  // (the members indented, as every pretty printer writes them; a string: no quote inside)
  const size_t close = t.size() >= 2 && t[0] == '"' ? t.find('"', 1) : std::string_view::npos;
  const bool json_string = close != std::string_view::npos && (close + 1 == t.size() || (close + 2 == t.size() && t.back() == ','));
  const bool member = t.size() > 3 && t[0] == '"' && t.find("\":") != std::string_view::npos;
  if (t == "{" || t == "[" || t == "}" || t == "}," || t == "]" || t == "]," ||
      ((l[0] == ' ' || l[0] == '\t') && (json_string || member) && l.find('\n') == std::string_view::npos))
    return "a line of a JSON object written over several lines (pretty-printed): join its lines with --multiline json "
           "(docs/FORMATS.md)";
  if (l[0] == ' ' || l[0] == '\t')
    return "an indented line: the continuation of the event before it (a stack frame, a dump); join such lines "
           "to their event with --multiline java (python for Python's tracebacks, elixir for Elixir's crash reports): "
           "docs/GROK.md";
  if ((l.starts_with("# Time: ") || l.starts_with("# User@Host: ") || l.starts_with("# Query_time: ") ||
       l.starts_with("SET timestamp=")) && l.find('\n') == std::string_view::npos)
    return "a line of a MySQL slow query log's event: join each query's lines with --multiline mysql (docs/FORMATS.md)";
  // apt's history log read line by line: its records' lines (a date after Start-/End-Date, a
  // package "name:arch (version…)" after the lists' tags; "Error: " is too common to tell).
  if (l.find('\n') == std::string_view::npos) {
    bool apt = false;
    for (std::string_view tag : {"Start-Date: ", "End-Date: "})
      apt = apt || (l.starts_with(tag) && l.size() == tag.size() + 20 && parse_fixed(l.data() + tag.size(), 4) >= 0);
    for (std::string_view tag : {"Commandline: ", "Requested-By: "}) apt = apt || l.starts_with(tag);
    for (std::string_view tag : {"Install: ", "Reinstall: ", "Upgrade: ", "Downgrade: ", "Remove: ", "Purge: "}) {
      const size_t paren = l.find(" (");
      apt = apt || (l.starts_with(tag) && paren != std::string_view::npos && l.find(' ', tag.size()) == paren);
    }
    if (apt)
      return "a line of a record of apt's history log (/var/log/apt/history.log): join each record's lines with "
             "--multiline apt (docs/GROK.md)";
  }
  // (a joined traceback, the crash of a program: the recipe PYTHONTRACEBACK reads it)
  if (l.starts_with("Traceback (most recent call last):") && l.find('\n') == std::string_view::npos)
    return "a Python traceback's first line: join it to its event with --multiline python (docs/GROK.md)";
  if (l.starts_with("Caused by: ") || java_exception_line(l))
    return "a Java exception line: part of the stack trace of the event before it; join it with --multiline java "
           "(docs/GROK.md)";
  return nullptr;
}

// ANSI escape sequences out of a line: CSI (ESC [ params final: colours, erase line), OSC
// (ESC ] … BEL or ESC \\: titles, hyperlinks' wrappers) and two-byte ones (ESC c).
std::string_view strip_ansi(std::string_view l, std::string& out) {
  out.clear();
  out.reserve(l.size());
  for (size_t i = 0; i < l.size();) {
    if (l[i] != 0x1b) {
      const size_t e = l.find('\x1b', i);
      const size_t n = (e == std::string_view::npos ? l.size() : e) - i;
      out.append(l.data() + i, n);
      i += n;
      continue;
    }
    if (i + 1 >= l.size()) break;
    const char k = l[i + 1];
    i += 2;
    if (k == '[') {
      while (i < l.size() && static_cast<unsigned char>(l[i]) >= 0x20 && static_cast<unsigned char>(l[i]) <= 0x3f) ++i;
      if (i < l.size() && static_cast<unsigned char>(l[i]) >= 0x40 && static_cast<unsigned char>(l[i]) <= 0x7e) ++i;
    } else if (k == ']') {
      while (i < l.size() && l[i] != '\a' && !(l[i] == 0x1b && i + 1 < l.size() && l[i + 1] == '\\')) ++i;
      i += i < l.size() && l[i] == '\a' ? 1 : 2;
    }
  }
  return out;
}

// The three lines a JDK 8 JVM writes at the top of its GC log (-Xloggc, and again in each file
// it rotates to): its build, memory and flags. No time, no event: counted as the file's header.
bool jvm_gc_log_header(std::string_view l) {
  return (l.starts_with("OpenJDK ") || l.starts_with("Java HotSpot(TM) ")) ? l.find(" VM (") != std::string_view::npos &&
                                                                                l.find(" JRE (") != std::string_view::npos
         : l.starts_with("Memory: ")          ? l.find(" page, physical ") != std::string_view::npos
                                              : l.starts_with("CommandLine flags: ");
}

// A line of java.util.logging's two-line record read on its own, which no recipe read either
// ("INFO: …" alone is also uvicorn's, whose recipe reads it).
const char* jul_hint(std::string_view l) {
  if (l.find('\n') != std::string_view::npos) return nullptr;
  if (jul_header(l))
    return "java.util.logging's first line of a record (time, class, method; its level and message are on the "
           "next line): read the two as one with --multiline java (docs/GROK.md)";
  if (jul_level_line(l))
    return "java.util.logging's second line of a record (its level and message; time, class and method are on "
           "the line above): read the two as one with --multiline java (docs/GROK.md)";
  return nullptr;
}
}  // namespace

Parser::Parser(ParserConfig cfg)
    : cfg_(std::move(cfg)), json_(std::make_unique<simdjson::dom::parser>()), app_(new_app_json_state()) {
  compile_grok(cfg_);  // no-op when the caller compiled it once for all its parsers
  if (!cfg_.grok_set) return;
  grok_ = std::make_unique<GrokMatcher>(cfg_.grok_set);
  for (const auto& p : cfg_.grok_set->patterns()) grok_finish_.push_back(recipe_finish(p->pattern()));
}
Parser::~Parser() = default;
Parser::Parser(Parser&&) noexcept = default;
Parser& Parser::operator=(Parser&&) noexcept = default;

void add_destination_ip(Record& rec, std::string_view name, std::string_view value) {
  if (name == "destination.address" && is_ip(value)) rec.fields.push_back({"destination.ip", Field::Kind::String, value});
}

Format Parser::detect(std::string_view line) {
  if (line.empty()) return Format::Unknown;
  switch (line[0]) {
    case '<': {
      // <PRI>VERSION SP -> RFC 5424; <PRI>TIMESTAMP -> RFC 3164.
      size_t i = line.find('>', 1);
      if (i == std::string_view::npos || i > 4) return Format::Rfc3164;
      if (i + 2 < line.size() && line[i + 1] >= '1' && line[i + 1] <= '9' &&
          (line[i + 2] == ' ' || (i + 3 < line.size() && line[i + 2] >= '0' &&
                                  line[i + 2] <= '9' && line[i + 3] == ' ')))
        return Format::Rfc5424;
      return Format::Rfc3164;
    }
    case '[': {
      // "[Sat Dec 05 …" is Apache's error log; "[2001:db8::1]:443 client - - […" a virtual host
      // of an access line (vhost_combined with an IPv6 server).
      // "[10/Aug/2018:09:45:56 +0200] 172.30.0.119 TLSv1.2 …": mod_ssl's ssl_request_log.
      if (line.size() > 13 && line[3] == '/' && line[7] == '/' && line[12] == ':') return Format::ApacheCommon;
      const size_t close = line.find(']', 1);
      unsigned char addr[16];
      if (close != std::string_view::npos && close + 1 < line.size() && (line[close + 1] == ':' || line[close + 1] == ' ') &&
          parse_ip(line.substr(1, close - 1), addr))
        return Format::ApacheCommon;
      return Format::ApacheError;
    }
    case '#':
      if (looks_mysql_slow(line)) return Format::MysqlSlow;
      break;
    case '{':
      // flog's json format has fixed keys; anything else is an application's JSON.
      return line.find("\"datetime\"") != std::string_view::npos ? Format::Json : Format::AppJson;
    default: break;
  }
  // nginx's error log: "2006/01/02 15:04:05 [".
  if (line.size() >= 21 && line[4] == '/' && line[7] == '/' && line[10] == ' ' && line[13] == ':' &&
      line[19] == ' ' && line[20] == '[' && parse_fixed(line.data(), 4) >= 0)
    return Format::NginxError;
  if (looks_klog(line)) return Format::Klog;
  if (looks_compose(line)) return Format::Compose;
  if (looks_cef(line)) return Format::Cef;
  if ((line[0] == 't' || line[0] == 'n') && looks_auditd(line)) return Format::Auditd;
  if (looks_logfmt(line)) return Format::Logfmt;
  if (looks_cri(line)) return Format::Cri;
  // Syslog without <PRI>: "Jan 02 15:04:05 ..." or an RFC 3339 time first.
  if (line.size() >= 15 && line[3] == ' ' && month_from_abbrev_or_caps(line.data()) != 0 &&
      (line[4] == ' ' || (line[4] >= '0' && line[4] <= '9')) && (line[9] == ':' || line[8] == ':'))
    return Format::Rfc3164;
  // A Cisco ASA / FTD line as the device writes it, with no syslog header: "Apr 15 2013 09:36:50: %FTD-4-…".
  if (line.size() >= 24 && line[3] == ' ' && line[6] == ' ' && line[11] == ' ' && line[14] == ':' &&
      month_from_abbrev(line.data()) != 0 && parse_fixed(line.data() + 7, 4) >= 0 &&
      line.substr(0, 40).find(": %") != std::string_view::npos)
    return Format::Rfc3164;
  if (line.size() >= 20 && line[4] == '-' && line[7] == '-' && line[10] == 'T') return Format::Rfc3164;
  // journalctl -o short-full ("Sat 2026-12-06 10:00:00 UTC host …") and -o short-unix
  // ("1733479200.123456 host …")
  if (line.size() >= 28 && line[3] == ' ' && line[8] == '-' && line[11] == '-' && line[14] == ' ' && line[17] == ':' &&
      line[0] >= 'A' && line[0] <= 'Z')
    return Format::Rfc3164;
  if (line.size() >= 19 && line[10] == '.' && line[17] == ' ' && line[0] == '1' &&
      line.substr(0, 17).find_first_not_of("0123456789.") == std::string_view::npos)
    return Format::Rfc3164;
  return Format::ApacheCommon;  // the access-log parser tells common from combined
}

ParseStatus Parser::parse(std::string_view line, Record& rec) {
  uncoloured_ = false;
  const ParseStatus s = parse_line(line, rec);
  // Terminal colours (an app that colours its output, `docker compose logs`): a line that does not
  // read as written is read without them. (One that does keeps them: an escape in a user agent
  // is evidence.) The dead letter keeps the line as written.
  if (s != ParseStatus::Failed || std::memchr(line.data(), 0x1b, line.size()) == nullptr) return s;
  const ParseStatus t = parse_line(strip_ansi(line, ansi_), rec);
  uncoloured_ = t == ParseStatus::Ok;
  return t;
}

ParseStatus Parser::parse_line(std::string_view line, Record& rec) {
  line = strip_line_end(line);
  if (line.size() >= 3 && static_cast<unsigned char>(line[0]) == 0xEF &&
      static_cast<unsigned char>(line[1]) == 0xBB && static_cast<unsigned char>(line[2]) == 0xBF)
    line.remove_prefix(3);
  rec.reset(line);
  size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) {
    err_ = {Format::Unknown, "empty line", 1};
    return ParseStatus::Empty;
  }
  if (!recipes_) recipes_ = std::make_unique<RecipeReader>();  // (its matchers made when first used)
  // A file's header lines are not events (the checks reached only by lines starting as they do).
  if (line[0] >= 'a' && line[0] <= 'z' && recipes_->set_vpc_layout(source_, line)) {  // AWS VPC flow logs
    err_ = {Format::Unknown, "an AWS VPC flow log header", 1};
    return ParseStatus::Empty;
  }
  if (line[0] == '#' && (cfg_.format == Format::Unknown || cfg_.format == Format::Zeek) && zeek_header(line)) {
    err_ = {Format::Unknown, "a Zeek log header line", 1};
    return ParseStatus::Empty;
  }
  if ((cfg_.format == Format::Unknown || cfg_.format == Format::MysqlSlow) && mysql_slow_header(line)) {
    err_ = {Format::Unknown, "a MySQL server's start-up lines (the head of its slow query log)", 1};
    return ParseStatus::Empty;
  }
  if (dhcp_header_line(line.substr(first))) {  // (the same for every line: no state to keep)
    err_ = {Format::Unknown, "a Microsoft DHCP log's header line", 1};
    return ParseStatus::Empty;
  }
  if (is_w3c_directive(line)) {  // IIS and other W3C extended logs
    if (line.starts_with("#Fields: ")) set_w3c_layout(line);
    // Windows Firewall: "#Time Format: Local" (or UTC) before its #Fields:, for the lines after.
    if (line.starts_with("#Time Format: "))
      w3c_local_.set(source_, scan::trim(line.substr(14)) == "Local" ? std::make_unique<bool>(true) : nullptr);
    err_ = {Format::Unknown, "a W3C log directive", 1};
    return ParseStatus::Empty;
  }
  ParseContext ctx{cfg_, err_, json_.get(), app_.get(), &cri_pending_};
  ctx.apache_time = &apache_time_;
  ctx.recipes = recipes_.get();
  ctx.source = source_;
  bool ok = false, grokked = false, grok_tried = false;
  if (grok_ && (cfg_.format == Format::Unknown || cfg_.format == Format::Grok)) {
    // The user's patterns first; a line none matches goes on to the built-in formats (auto).
    GrokResult g = parse_grok(line, ctx, *grok_, rec, grok_reason_);
    if (g == GrokResult::Matched) {
      ok = grokked = true;
      if (RecipeFinish fin = grok_finish_[grok_->which()]) fin(ctx, rec);  // a recipe named: as the recipe reads it
    } else if (g == GrokResult::Limit || cfg_.format == Format::Grok) {
      err_ = {Format::Grok, grok_reason_.c_str(), 0};
      return ParseStatus::Failed;
    } else {
      grok_tried = true;
      rec.reset(line);
    }
  }
  // A W3C log's data lines: its #Fields: directive says what they hold.
  const W3cLayout* w3c = active_w3c_layout();
  const ZeekLayout* zeek = grokked ? nullptr : active_zeek_layout();
  Format f = grokked ? Format::Grok
             : zeek  ? Format::Zeek
             : w3c   ? Format::W3c
             : cfg_.format == Format::Unknown ? detect(line) : cfg_.format;
  // A line a header-described log (W3C, Zeek) does not read: another log's line in the same
  // input, read as any other; failing that too, the header's reason stands.
  auto or_as_any_other = [&](bool have_header) {
    if (ok || !have_header || cfg_.format != Format::Unknown) return;
    const ParseError own = err_;
    const Format own_format = f;
    rec.reset(line);
    f = detect(line);
    ok = parse_format(f, line, ctx, rec);
    if (!ok) {
      err_ = own;
      f = own_format;
    }
  };
  if (f == Format::Grok) {
    if (!grokked) ok = ctx.fail(Format::Grok, "format grok needs grok patterns (--grok)", 0);
  } else if (f == Format::Zeek) {
    ok = zeek ? parse_zeek(line, *zeek, ctx, rec)
              : ctx.fail(Format::Zeek, "no Zeek log header before this line (a Zeek TSV log starts with #separator)", 0);
    or_as_any_other(zeek != nullptr);
  } else if (f == Format::W3c) {
    ok = w3c ? parse_w3c(line, *w3c, ctx, rec, w3c_reason_)
             : ctx.fail(Format::W3c, "no #Fields: directive before this line (a W3C log starts with its header)", 0);
    or_as_any_other(w3c != nullptr);
  } else {
    ok = parse_format(f, line, ctx, rec);
  }
  if (!ok && f == Format::Json && cfg_.format == Format::Unknown) {
    // Looked like flog's json but is not: any JSON object is an application's log.
    rec.reset(line);
    ok = parse_format(Format::AppJson, line, ctx, rec);
  }
  if (!ok && f == Format::ApacheCommon && cfg_.format == Format::Unknown)
    if (const char* hint = date_first_hint(line)) err_ = {Format::Unknown, hint, 0};
  if (!ok && cfg_.format == Format::Unknown && !grokked && std::string_view(err_.reason) != kCriPartial) {
    if (jvm_gc_log_header(line)) {
      err_ = {Format::Unknown, "a JDK 8 GC log's header line (the JVM's build, memory, flags)", 1};
      return ParseStatus::Empty;
    }
    if (line.starts_with("--------- beginning of ") || line.starts_with("--------- switch to ")) {
      err_ = {Format::Unknown, "logcat's marker of the buffer the lines below come from", 1};
      return ParseStatus::Empty;
    }
    if (looks_utf16(line)) {
      err_ = {Format::Unknown,
              "UTF-16 text (a zero byte beside each character): a file read whole is decoded, a file followed "
              "(--follow) or a stream that did not start with it is not; convert it (iconv -f UTF-16 -t UTF-8)",
              0};
    } else if (const char* hint = continuation_hint(line)) {
      err_ = {Format::Unknown, hint, 0};
    } else {  // an application's text log or another server's access line: a grok recipe reads it
      rec.reset(line);
      ok = recipes_->read(line, ctx, rec, !w3c && !zeek);
      if (ok) f = Format::Grok;
      else if (const char* jul = jul_hint(line)) err_ = {Format::Unknown, jul, 0};
      else if (recipes_->reason()) err_ = {Format::Unknown, recipes_->reason(), 0};
      else if (const char* unlike = unlike_before()) err_ = {Format::Unknown, unlike, 0};
    }
  }
  if (!ok && std::string_view(err_.reason) == kCriPartial)  // by text: literals may differ per TU
    return ParseStatus::Partial;
  // (a wrapper's inner line may be in any format: an access line sent through syslog too, whose
  // header is RFC 5424's when it has a version)
  const bool access = rec.format == Format::ApacheCommon || rec.format == Format::ApacheCombined || rec.format == Format::Auditd;
  const bool syslog_access = access && cfg_.format == (rec.version >= 0 ? Format::Rfc5424 : Format::Rfc3164);
  if (ok && cfg_.format != Format::Unknown && cfg_.format != rec.format && cfg_.format != Format::Cri && cfg_.format != Format::Compose &&
      cfg_.format != Format::AppJson && !syslog_access &&
      !(cfg_.format == Format::ApacheCommon && rec.format == Format::ApacheCombined) &&
      !(cfg_.format == Format::ApacheCombined && rec.format == Format::ApacheCommon)) {
    // A forced syslog flavour must match what the line is.
    ok = ctx.fail(cfg_.format, "line is in another syslog flavour", 0);
  }
  if (ok && cfg_.format == Format::ApacheCombined && rec.format == Format::ApacheCommon)
    ok = ctx.fail(Format::ApacheCombined, "expected referrer and user agent after the byte count",
                  line.size());
  if (!ok && grok_tried) {  // say both: the user expected a pattern to match
    grok_reason_ += "; nor is it a built-in format (" + error_message() + ")";
    err_ = {Format::Grok, grok_reason_.c_str(), 0};
  }
  if (ok) {
    add_fields(rec);
    if (cfg_.format == Format::Unknown) remember_good(line, rec, f == Format::Grok && !grokked);
  }
  if (ok && rec.severity < 0) {
    // One scale for every format's level, so rules compare them (event.severity).
    if (!rec.level.empty()) rec.severity = severity_from_level(rec.level);
    else if (rec.priority >= 0) rec.severity = rec.priority % 8;
  }
  return ok ? ParseStatus::Ok : ParseStatus::Failed;
}

void Parser::remember_good(std::string_view line, const Record& rec, bool recipe) {
  // Text logs only: a bad line of an access log or of a JSON one is no part of a longer message.
  const Format f = rec.format;
  if (!recipe && f != Format::NginxError && f != Format::ApacheError && f != Format::Rfc3164 && f != Format::Klog) {
    good_source_ = UINT32_MAX;
    return;
  }
  good_source_ = source_;
  good_name_ = recipe && recipes_->name() ? std::string_view(recipes_->name()) : format_name(f);
  const auto digits = [&](size_t i, size_t n) { return line.size() >= i + n && parse_fixed(line.data() + i, static_cast<int>(n)) >= 0; };
  good_start_ = 0;
  if (digits(0, 4) && line.size() > 10 && digits(5, 2) && digits(8, 2) && line[4] == line[7])
    good_start_ = line[4] == '-' ? 'i' : line[4] == '/' ? '/' : 0;
  else if (!line.empty() && line[0] == '[')
    good_start_ = '[';
  else if (line.size() > 4 && month_from_abbrev_or_caps(line.data()) != 0 && line[3] == ' ')
    good_start_ = 'm';
}

const char* Parser::unlike_before() {
  if (good_source_ != source_ || good_name_.empty()) return nullptr;
  const std::string own = error_message();
  unlike_reason_ = "a line unlike the ones before it in this input (";
  unlike_reason_ += good_name_;
  unlike_reason_ += ") that no other format reads either (";
  unlike_reason_ += own;
  unlike_reason_ += "); if it continues the event before it (a message of several lines), join them with "
                    "--multiline-start ";
  switch (good_start_) {
    case 'i': unlike_reason_ += "'^\\d{4}-\\d\\d-\\d\\d'"; break;
    case '/': unlike_reason_ += "'^\\d{4}/\\d\\d/\\d\\d '"; break;
    case '[': unlike_reason_ += "'^\\['"; break;
    case 'm': unlike_reason_ += "'^%{SYSLOGTIMESTAMP} '"; break;
    default: unlike_reason_ += "and a regex for the start of its events"; break;
  }
  unlike_reason_ += " (docs/FORMATS.md)";
  return unlike_reason_.c_str();
}

void Parser::set_w3c_layout(std::string_view directive) {
  auto layout = std::make_unique<W3cLayout>();
  if (!w3c_layout(directive, *layout, w3c_reason_)) layout.reset();  // the lines after it: read as any other
  if (layout) layout->local_time = w3c_local_.find(source_) != nullptr;
  w3c_.set(source_, std::move(layout));
  zeek_.set(source_, nullptr);  // the input's newest header holds
}

bool Parser::zeek_header(std::string_view line) {
  if (is_zeek_separator(line)) {  // a Zeek log starts (again: logs concatenated)
    auto layout = std::make_unique<ZeekLayout>();
    apply_zeek_directive(line, *layout);
    zeek_.set(source_, std::move(layout));
    w3c_.set(source_, nullptr);
    return true;
  }
  ZeekLayout* layout = zeek_.find(source_);
  return layout && apply_zeek_directive(line, *layout);
}

bool Parser::parse_zeek(std::string_view line, const ZeekLayout& layout, const ParseContext& ctx, Record& rec) {
  if (!zeek_to_json(line, layout, zeek_json_, zeek_reason_)) return ctx.fail(Format::Zeek, zeek_reason_.c_str(), 0);
  // Read as the JSON line Zeek writes for it (LogAscii::use_json=T): one set of documents for both.
  if (!parse_app_json(rec.keep(zeek_json_), ctx, rec)) {
    err_.format = Format::Zeek;
    return false;
  }
  rec.format = Format::Zeek;
  if (!layout.path.empty()) rec.fields.push_back(Field::string("event.dataset", rec.keep_path("zeek", layout.path)));
  return true;
}

std::string Parser::error_message() const {
  std::string s;
  if (err_.format != Format::Unknown) {
    s += format_name(err_.format);
    s += ": ";
  }
  s += err_.reason;
  if (err_.column > 0) {
    s += " at column ";
    append_int(s, static_cast<int64_t>(err_.column));
  }
  return s;
}

}  // namespace ki
