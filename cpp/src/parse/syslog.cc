// Syslog: RFC 5424 ("<PRI>V TS HOST APP PROCID MSGID SD MSG") and BSD / RFC 3164
// ("<PRI>Mmm dd hh:mm:ss HOST TAG[PID]: MSG"), with or without <PRI>, and the RFC 3339
// timestamps rsyslog writes in its file format.
#include <algorithm>
#include <cstring>

#include "parse/level.h"
#include "parse/parser.h"
#include "parse/auditd.h"
#include "parse/cef.h"
#include "parse/scan.h"
#include "parse/time_format.h"
#include "parse/timestamp.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki {

bool read_system_message(Record& rec) {
  if (is_sshd(rec.app)) read_sshd(rec.message, rec);
  else if (rec.message.starts_with("pam_")) read_pam_users(rec.message, rec);  // any program's PAM module
  else if (rec.app == "sudo") read_sudo(rec.message, rec);
  else if (rec.app.starts_with("user") || rec.app.starts_with("group")) read_shadow_tool(rec.app, rec.message, rec);
  else if (rec.app.starts_with("postfix")) return read_postfix(rec.message, rec);  // postfix/smtpd, postfix/submission/smtpd
  else if (rec.app.starts_with("dovecot") || rec.app.ends_with("-login") || rec.app.starts_with("auth-worker") || rec.app == "auth")
    return read_dovecot(rec.app, rec.message, rec);  // also its processes as the tag (imap-login, auth-worker)
  else return false;
  return true;
}

namespace {

// "[ERROR] …", "[WARN]  agent: …" (HashiCorp's hclog, many daemons): a level in capitals in
// brackets at the start of the message is the program's own level; the message stays as written.
void read_bracket_level(Record& rec) {
  const std::string_view m = rec.message;
  if (m.size() < 5 || m[0] != '[') return;
  const size_t close = m.find(']', 1);
  if (close == std::string_view::npos || close < 2 || close > 10 || close + 1 >= m.size() || m[close + 1] != ' ') return;
  const std::string_view word = m.substr(1, close - 1);
  for (char c : word)
    if (c < 'A' || c > 'Z') return;
  if (word.size() < 3 || severity_from_level(word) < 0) return;  // not "[E]", "[PID]"
  rec.level = word;
}

// nginx's access_log syslog:server=…, Apache's CustomLog "|/usr/bin/logger": an access line as
// the message, read as that line (its fields, its time with a zone, the format it is); the
// syslog header (host, program, pid, priority) stays. False, with the record as it was, if the
// message is not one.
bool read_access_message(const ParseContext& ctx, Record& rec) {
  const std::string_view m = rec.message;
  // The time's bracket is the line's first (a memchr: most messages have none): " [dd/Mon/yyyy:".
  const size_t bracket = m.find('[');
  if (bracket == std::string_view::npos || bracket < 2 || m[bracket - 1] != ' ' || bracket > 300) return false;
  const size_t k = bracket - 1;
  if (k + 13 > m.size() || m[k + 4] != '/' || m[k + 8] != '/' || m.find("] \"", k) == std::string_view::npos)
    return false;
  const Timestamp ts = rec.ts;
  const size_t fields = rec.fields.size();
  const ParseError saved = ctx.err;
  if (parse_apache_access(m, ctx, rec)) {
    rec.message = {};  // the line's values are the document, as for the same line in a file
    // No tag, and a word before the client ("host mds-acc 10.0.64.1 - - [..."): the program's tag
    // written without its ':', rather than a virtual host.
    // (Not lighttpd's virtual host in the ident's place: the ident is then that host.)
    if (rec.app.empty() && !rec.server_name.empty() && rec.server_port < 0 && rec.ident == "-") {
      rec.app = rec.server_name;
      rec.server_name = {};
    }
    rec.fields.push_back({"kafkainsight.wrapper", Field::Kind::String, "syslog"});
    return true;
  }
  ctx.err = saved;
  rec.clear_access();
  rec.fields.resize(fields);
  rec.ts = ts;
  rec.format = Format::Unknown;
  return false;
}

// What the program wrote in its message: sshd's logins, an access line, a klog header (kubelet,
// k3s, … through journald), one JSON object, or a level in brackets.
// The tags a netfilter log line comes with: the kernel's, none, or its log prefix read as one
// ("DENY:", "FINAL_REJECT:").
bool netfilter_tag(std::string_view app) {
  if (app == "kernel" || app.empty()) return true;
  for (char c : app)
    if (!(c >= 'A' && c <= 'Z') && c != '_' && c != '-') return false;
  return true;
}

void read_program_message(const ParseContext& ctx, Record& rec) {
  // CEF (ArcSight's format) as the message: "host CEF:0|…" reads "CEF" as the program.
  if (rec.app == "CEF" && rec.procid.empty() && !rec.message.empty() && rec.message[0] >= '0' && rec.message[0] <= '9') {
    const std::string_view app = rec.app;
    rec.app = {};
    if (read_cef_message(rec.message, ctx, rec)) return;
    rec.app = app;
  } else if (looks_cef(rec.message) && read_cef_message(rec.message.substr(4), ctx, rec)) {
    return;
  }
  if (looks_auditd(rec.message)) {  // audisp's syslog plugin: "audispd: node=… type=SYSCALL msg=audit(…): …"
    const std::string_view m = rec.message;
    const size_t fields = rec.fields.size();
    const Timestamp ts = rec.ts;
    rec.message = {};
    if (parse_auditd(m, ctx, rec)) {
      rec.fields.push_back({"kafkainsight.wrapper", Field::Kind::String, "syslog"});
      return;
    }
    rec.fields.resize(fields);
    rec.message = m;
    rec.ts = ts;
  }
  if (read_system_message(rec)) return;
  if (rec.app.empty() && looks_fortigate(rec.message) && read_fortigate(rec.message, ctx, rec)) return;
  if (rec.app == "haproxy" && ctx.recipes && ctx.recipes->read_haproxy(ctx, rec)) return;
  else if (rec.app == "named" && ctx.recipes && ctx.recipes->read_bind9(ctx, rec)) return;
  else if (netfilter_tag(rec.app) && read_netfilter(rec.message, rec)) return;
  else if (read_access_message(ctx, rec)) return;
  else if (looks_klog(rec.message)) read_klog_message(rec.message, rec);
  else if (!read_json_message(rec.message, ctx, rec) && !read_logfmt_message(rec.message, ctx, rec)) read_bracket_level(rec);
}

// A space-delimited RFC 5424 header field; "-" is the nil value.
bool header_field(const char* p, size_t& i, size_t n, std::string_view& out) {
  size_t e = scan::find_char(p, i, n, ' ');
  if (e == std::string_view::npos) e = n;
  if (e == i) return false;
  out = scan::nil_to_empty(std::string_view(p + i, e - i));
  i = e;
  return true;
}

// SD-NAME (RFC 5424): printable US-ASCII only. It becomes a JSON key, so bytes that would all be
// written as U+FFFD must not reach it: two such names would make a repeated key.
bool sd_name(std::string_view s) {
  for (char c : s)
    if (c < 33 || c > 126) return false;
  return true;
}

// STRUCTURED-DATA: "-" or one or more [SD-ID name="value" ...]. Values escape '"', '\', ']'.
bool structured_data(const char* p, size_t& i, size_t n, Record& rec, const char*& why) {
  if (i < n && p[i] == '-') {
    ++i;
    return true;
  }
  if (i >= n || p[i] != '[') {
    why = "expected '-' or '[' for structured data";
    return false;
  }
  while (i < n && p[i] == '[') {
    ++i;
    size_t s = i;
    while (i < n && p[i] != ' ' && p[i] != ']' && p[i] != '=' && p[i] != '"') ++i;
    if (i == s || i >= n) {
      why = "bad SD-ID";
      return false;
    }
    std::string_view id(p + s, i - s);
    if (!sd_name(id)) {
      why = "bad SD-ID, expected printable ASCII";
      return false;
    }
    bool any = false;
    while (i < n && p[i] == ' ') {
      ++i;
      s = i;
      while (i < n && p[i] != '=' && p[i] != ' ' && p[i] != ']' && p[i] != '"') ++i;
      if (i == s || i + 1 >= n || p[i] != '=' || p[i + 1] != '"') {
        why = "bad SD-PARAM, expected name=\"value\"";
        return false;
      }
      std::string_view name(p + s, i - s);
      if (!sd_name(name)) {
        why = "bad SD-PARAM name, expected printable ASCII";
        return false;
      }
      i += 2;
      s = i;
      bool escaped = false;
      while (i < n && p[i] != '"') {
        if (p[i] == '\\' && i + 1 < n) {
          escaped = true;
          ++i;
        }
        ++i;
      }
      if (i >= n) {
        why = "unterminated SD-PARAM value";
        return false;
      }
      std::string_view value(p + s, i - s);
      if (escaped) {
        size_t from = rec.scratch.size();
        for (size_t j = s; j < i; ++j) {
          if (p[j] == '\\' && j + 1 < i && (p[j + 1] == '"' || p[j + 1] == '\\' || p[j + 1] == ']')) ++j;
          rec.scratch.push_back(p[j]);
        }
        value = std::string_view(rec.scratch.data() + from, rec.scratch.size() - from);
      }
      rec.sd.push_back({id, name, value});
      any = true;
      ++i;  // closing quote
    }
    if (i >= n || p[i] != ']') {
      why = "expected ']' to close the SD element";
      return false;
    }
    if (!any) rec.sd.push_back({id, {}, {}});
    ++i;
  }
  return true;
}

bool parse_5424(std::string_view line, size_t i, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::Rfc5424;
  const char* p = line.data();
  const size_t n = line.size();
  int64_t v = 0;
  size_t e = scan::uint_at(p, i, n, v);
  if (e == std::string_view::npos || v < 1 || v > 99 || e >= n || p[e] != ' ')
    return ctx.fail(F, "expected version", i);
  rec.version = static_cast<int>(v);
  i = e + 1;
  if (i < n && p[i] == '-') {
    ++i;  // nil timestamp
  } else {
    size_t t = parse_iso8601(p + i, n - i, rec.ts);
    if (t == 0) return ctx.fail(F, "bad timestamp, expected RFC 3339", i);
    i += t;
  }
  std::string_view* fields[4] = {&rec.hostname, &rec.app, &rec.procid, &rec.msgid};
  static const char* const kWhat[4] = {"expected hostname", "expected app-name", "expected procid",
                                       "expected msgid"};
  const size_t header = i;
  // Reads HOST APP PROCID MSGID SD; the host name may take `host_tokens` space-separated tokens.
  auto attempt = [&](int host_tokens, const char*& why, bool no_sd = false) -> bool {
    i = header;
    rec.sd.clear();
    for (int f = 0; f < 4; ++f) {
      if (i >= n || p[i] != ' ') return why = kWhat[f], false;
      ++i;
      size_t start = i;
      if (!header_field(p, i, n, *fields[f])) return why = kWhat[f], false;
      for (int k = 1; f == 0 && k < host_tokens; ++k) {
        std::string_view more;
        if (i >= n || p[i] != ' ') return why = kWhat[1], false;
        ++i;
        if (!header_field(p, i, n, more)) return why = kWhat[1], false;
        rec.hostname = std::string_view(p + start, i - start);
      }
    }
    if (i >= n || p[i] != ' ') return why = "expected structured data", false;
    // Heroku's log drains (logplex) write no structured data after a nil MSGID: "… app web.1 -
    // at=info method=GET …". The message starts where it would be.
    if (no_sd) return rec.msgid.empty() && i + 1 < n && p[i + 1] != '-' && p[i + 1] != '[' && p[i + 1] != ' ';
    ++i;
    return structured_data(p, i, n, rec, why);
  };
  const char* why = "";
  if (!attempt(1, why)) {
    // flog writes host names with a space ("seniorweb services.io", gofakeit's DomainName):
    // when the structured data is not where it should be, try the host name as two tokens.
    size_t at = i;
    const char* why2 = "";
    if (!attempt(2, why2) && !attempt(1, why2, true)) return ctx.fail(F, why, at);
  }
  if (i < n) {
    if (p[i] != ' ') return ctx.fail(F, "expected a space before the message", i);
    ++i;
    if (n - i >= 3 && static_cast<unsigned char>(p[i]) == 0xEF &&
        static_cast<unsigned char>(p[i + 1]) == 0xBB && static_cast<unsigned char>(p[i + 2]) == 0xBF)
      i += 3;  // the BOM marks UTF-8; it is not part of the message
  }
  if (!rec.procid.empty()) {
    int64_t pid = 0;
    if (scan::uint_at(rec.procid.data(), 0, rec.procid.size(), pid) == rec.procid.size()) rec.pid = pid;
  }
  rec.message = std::string_view(p + i, n - i);
  read_program_message(ctx, rec);
  if (rec.format != Format::ApacheCommon && rec.format != Format::ApacheCombined && rec.format != Format::Auditd)
    rec.format = F;  // else: an access line or an audit record as the message
  return true;
}

// The level words of application logs, as they write them (upper case).
bool is_level_word(std::string_view t) {
  for (std::string_view w : {"TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "SEVERE", "FATAL", "CRITICAL"})
    if (t == w) return true;
  return false;
}

// What follows the time of MySQL's error log ("0 [System] [MY-010116] …": a thread id, then a
// bracket) and of MongoDB's before 4.4 ("I NETWORK  [listener] …": a severity letter, a
// component, then a bracket), which a syslog reader would take for a host and a message.
bool database_log_head(std::string_view tok, std::string_view rest) {
  size_t j = rest.find_first_not_of(' ');
  if (j == std::string_view::npos) return false;
  rest.remove_prefix(j);
  if (!tok.empty() && tok.find_first_not_of("0123456789") == std::string_view::npos) return rest.front() == '[';
  const bool letter = (tok.size() == 1 && std::strchr("FEWID", tok[0])) ||
                      (tok.size() == 2 && tok[0] == 'D' && tok[1] >= '1' && tok[1] <= '5');
  if (!letter) return false;
  size_t k = 0;
  while (k < rest.size() && ((rest[k] >= 'A' && rest[k] <= 'Z') || rest[k] == '_' || rest[k] == '-')) ++k;
  if (k == 0 || k >= rest.size() || rest[k] != ' ') return false;
  j = rest.find_first_not_of(' ', k);
  return j != std::string_view::npos && rest[j] == '[';
}

bool weekday(const char* p) {
  for (const char* d : {"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"})
    if (std::memcmp(p, d, 3) == 0) return true;
  return false;
}

// journalctl's other short outputs: -o short-full ("Sat 2026-12-06 10:00:00 UTC", the zone's
// name or "+03"; an unknown name: --tz) and -o short-unix ("1733479200.123456": epoch seconds and
// microseconds; 6 digits, not a proxy's 3). Bytes used, 0 if neither.
size_t journal_time(const char* p, size_t n, int default_offset_min, Timestamp& ts) {
  const std::string_view s(p, n);
  if (n > 27 && weekday(p) && p[3] == ' ' && p[8] == '-' && p[14] == ' ' && p[17] == ':') {
    const size_t dt_end = s.find(' ', 15);  // after the clock (and its fraction)
    if (dt_end == std::string_view::npos) return 0;
    size_t zone_end = s.find(' ', dt_end + 1);
    if (zone_end == std::string_view::npos) zone_end = n;
    const std::string_view zone = s.substr(dt_end + 1, zone_end - dt_end - 1);
    if (zone.empty() || zone.size() > 6) return 0;
    for (char c : zone)
      if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' || c == '-' || c == ':')) return 0;
    const int offset = zone_word_offset(zone, default_offset_min).value_or(default_offset_min);
    return parse_iso8601_lenient(p + 4, dt_end - 4, offset, ts) == dt_end - 4 ? zone_end : 0;
  }
  if (n > 18 && p[10] == '.' && p[17] == ' ') {
    for (size_t k = 0; k < 17; ++k)
      if (k != 10 && (p[k] < '0' || p[k] > '9')) return 0;
    return time_from_epoch_text(s.substr(0, 17), ts) ? 17 : 0;
  }
  return 0;
}

bool parse_3164(std::string_view line, size_t i, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::Rfc3164;
  const char* p = line.data();
  const size_t n = line.size();
  size_t t = 0;
  if (n - i >= 14 && month_from_abbrev_or_caps(p + i) != 0) {
    int month = month_from_abbrev_or_caps(p + i);
    const char* d = p + i + (p[i + 4] == ' ' ? 5 : 4);
    int day = (d[1] >= '0' && d[1] <= '9') ? parse_fixed(d, 2) : parse_fixed(d, 1);
    t = parse_bsd_time(p + i, n - i, day > 0 ? ctx.bsd_year(month, day) : 1970,
                       ctx.cfg.default_offset_min, rec.ts);
  } else if ((t = journal_time(p + i, n - i, ctx.cfg.default_offset_min, rec.ts)) != 0) {
  } else {
    t = parse_iso8601(p + i, n - i, rec.ts);
    // Not RFC 3339 to the letter: "+0400", or no zone (--tz), as other senders write it.
    if (t == 0 && n - i > 10 && (p[i + 10] == 'T' || p[i + 10] == 't'))
      t = parse_iso8601_lenient(p + i, n - i, ctx.cfg.default_offset_min, rec.ts);
  }
  if (t == 0) return ctx.fail(F, "bad timestamp, expected Mmm dd HH:MM:SS or an ISO 8601 time", i);
  i += t;
  if (i >= n || p[i] != ' ') return ctx.fail(F, "expected hostname after the timestamp", i);
  while (i < n && p[i] == ' ') ++i;

  // macOS's syslogd: "Apr  4 03:39:57 --- last message repeated 1 time ---", no host, no tag.
  if (std::string_view(p + i, n - i).starts_with("--- last message repeated ")) {
    rec.message = std::string_view(p + i, n - i);
    rec.format = F;
    return true;
  }
  // HOSTNAME, then TAG[PID]: MSG. A first token that ends in ':' or has '[' is the tag
  // (some senders omit the hostname).
  size_t e = scan::find_char(p, i, n, ' ');
  if (e == std::string_view::npos) e = n;
  std::string_view tok(p + i, e - i);
  // "2024-01-01T12:00:00.123Z INFO 1 --- [main] ..." (Spring Boot, log4j, Python's logging) or
  // "… [INFO]  agent: …" (go-hclog): an application's text log, not syslog; read as one it would
  // name a host "INFO".
  if (is_level_word(tok) || (tok.size() > 2 && tok.front() == '[' && tok.back() == ']' &&
                             is_level_word(tok.substr(1, tok.size() - 2))))
    return ctx.fail(F, "a log level where the host should be: an application's text log, not syslog "
                       "(describe it with --grok, e.g. %{JAVALOG} or %{PYTHONLOG}: docs/GROK.md)", i);
  if (tok.find('|') != std::string_view::npos)  // "time | LEVEL | message": no host has a bar
    return ctx.fail(F, "a '|' where the host should be: an application's text log, not syslog", i);
  if (database_log_head(tok, std::string_view(p + e, n - e)))
    return ctx.fail(F, "a thread id or a severity letter where the host should be: a database server's log "
                       "(MySQL, MongoDB), not syslog", i);
  bool tok_is_tag = !tok.empty() && (tok.back() == ':' || tok.find('[') != std::string_view::npos);
  if (!tok_is_tag) {
    rec.hostname = tok;
    i = e;
    while (i < n && p[i] == ' ') ++i;
  }
  // TAG: up to '[', ':' or ' '. A tag with spaces counts only when "[PID]:" follows it
  // directly ("Google Chrome[85294]: ...").
  size_t s = i;
  while (i < n && p[i] != '[' && p[i] != ':' && p[i] != ' ') ++i;
  if (i < n && p[i] == ' ') {
    size_t colon = scan::find_char(p, i, n, ':');
    if (colon != std::string_view::npos && colon > s + 2 && colon - s <= 64 && p[colon - 1] == ']') {
      size_t open = std::string_view(p + s, colon - s).rfind('[');
      if (open != std::string_view::npos && open > 0 && p[s + open - 1] != ' ') i = s + open;
    }
  }
  std::string_view tag(p + s, i - s);
  // "…Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 …" (a Classic Load Balancer's access
  // line): a client's address and port where a program would be.
  unsigned char addr[16];
  if (i + 1 < n && p[i] == ':' && p[i + 1] >= '0' && p[i + 1] <= '9' && parse_ip(tag, addr))
    return ctx.fail(F, "an address and a port where the program should be (a load balancer's access line), not syslog", s);
  bool tagged = false;
  if (i < n && p[i] == '[') {
    size_t close = scan::find_char(p, i, n, ']');
    if (close != std::string_view::npos && close + 1 < n + 1 && (close + 1 == n || p[close + 1] == ':')) {
      rec.procid = std::string_view(p + i + 1, close - i - 1);
      i = close + 1;
      tagged = true;
      if (i < n) ++i;  // ':'
    } else if (int64_t v = 0; close != std::string_view::npos && close + 1 < n && p[close + 1] == ' ' && !tag.empty() &&
                              scan::uint_at(p, i + 1, close, v) == close) {
      // "com.apple.xpc.launchd[1] (com.apple.quicklook[21498]): …" (macOS): a tag and a pid with
      // no ':' after them; syslog-ng and rsyslog take them, the rest is the message.
      rec.procid = std::string_view(p + i + 1, close - i - 1);
      i = close + 1;
      tagged = true;
    }
  } else if (i < n && p[i] == ':') {
    tagged = true;
    ++i;
  }
  if (tagged && !tag.empty()) {
    rec.app = tag;
    if (i < n && p[i] == ' ') ++i;
    if (!rec.procid.empty()) {
      int64_t pid = 0;
      if (scan::uint_at(rec.procid.data(), 0, rec.procid.size(), pid) == rec.procid.size()) rec.pid = pid;
    }
    rec.message = std::string_view(p + i, n - i);
    // "198.51.100.2 585917: Feb  8 04:00:47.272: %SEC-6-…" (a relay wrote Cisco IOS's line to a
    // file): the tag is the device's sequence number.
    int64_t seq = 0;
    if (rec.procid.empty() && scan::uint_at(tag.data(), 0, tag.size(), seq) == tag.size() &&
        read_cisco_ios(rec.message, seq, ctx, rec)) {
      rec.app = {};
    } else if (rec.procid.empty() && tag.front() == '%' && read_cisco_ios(std::string_view(p + s, n - s), -1, ctx, rec)) {
      rec.app = {};  // "HOST %LINK-3-UPDOWN: …": a relay wrote the host, the device sent only its tag
    } else if (rec.procid.empty() && rec.message.starts_with("%")) {
      // "CORE: %LINK-3-UPDOWN: …": the device's name ("logging origin-id hostname") where a tag would be
      const std::string_view device = tag;
      if (read_cisco_ios(rec.message, -1, ctx, rec)) {
        rec.app = {};
        if (rec.hostname.empty()) rec.hostname = device;
      }
    } else {
      read_program_message(ctx, rec);
    }
  } else {
    rec.procid = {};
    rec.message = std::string_view(p + s, n - s);  // no tag: the rest is the message
    read_program_message(ctx, rec);
    // "145.89.109.1 : %SEC-6-…": Cisco IOS without sequence numbers or timestamps.
    if (rec.message.starts_with(": %")) read_cisco_ios(rec.message.substr(2), -1, ctx, rec);
  }
  if (rec.format != Format::ApacheCommon && rec.format != Format::ApacheCombined && rec.format != Format::Auditd)
    rec.format = F;  // else: an access line or an audit record as the message
  return true;
}

}  // namespace

bool parse_syslog(std::string_view line, const ParseContext& ctx, Record& rec) {
  const char* p = line.data();
  const size_t n = line.size();
  size_t i = 0;
  if (n > 0 && p[0] == '<') {
    int64_t v = 0;
    size_t e = scan::uint_at(p, 1, n, v);
    if (e == std::string_view::npos || e > 4 || e >= n || p[e] != '>' || v > 191)
      return ctx.fail(Format::Rfc3164, "bad <PRI>, expected <0> to <191>", 1);
    rec.priority = static_cast<int>(v);
    i = e + 1;
    // "<13> Aug 16 21:10:21 sw1 TRAPMGR[…]": a blank after <PRI> (Netgear/FASTPATH switches, Snare)
    if (i + 1 < n && p[i] == ' ' && p[i + 1] >= 'A' && p[i + 1] <= 'Z') ++i;
  }
  // "<189>date=2020-04-23 time=01:16:08 devname=… logid=…": FortiGate sends its pairs with no
  // header (RFC 3164 4.3.2: a relay would add one); the time is the pairs' own.
  if (i > 0 && looks_fortigate(line.substr(i))) {
    rec.message = line.substr(i);
    if (!read_fortigate(rec.message, ctx, rec))
      return ctx.fail(Format::Rfc3164, "FortiGate's key=value pairs after <PRI> that do not read (an unterminated quote?)", i);
    rec.format = Format::Rfc3164;
    return true;
  }
  // "<30>device="SFW" date=2020-05-18 time=14:38:37 …" (Sophos XG/XGS, other appliances): any
  // other key=value pairs straight after <PRI>. No header starts with "word=", so they are read
  // as logfmt (their time from their own date= and time=, else the read time).
  if (i > 0 && looks_logfmt(line.substr(i))) {
    const std::string_view pairs = line.substr(i);
    if (!parse_logfmt(pairs, ctx, rec)) {  // logfmt's reason, at its place in the whole line
      ctx.err.format = Format::Rfc3164;
      ctx.err.column += i;
      return false;
    }
    // An empty message="" is the (empty) message a syslog document has anyway, not a field.
    std::erase_if(rec.fields, [](const Field& f) {
      return f.kind == Field::Kind::String && f.text.empty() && (f.name == "message" || f.name == "msg");
    });
    rec.format = Format::Rfc3164;
    return true;
  }
  // "<PRI>1 " -> RFC 5424; otherwise a timestamp follows -> RFC 3164.
  if (i > 0 && i + 1 < n && p[i] >= '1' && p[i] <= '9' &&
      (p[i + 1] == ' ' || (i + 2 < n && p[i + 1] >= '0' && p[i + 1] <= '9' && p[i + 2] == ' ')))
    return parse_5424(line, i, ctx, rec);
  // Cisco IOS sends its own header after <PRI>: "<190>589265: Feb  8 18:55:31.306: %SEC-6-…"; an
  // ASA or FTD writing to a file, the header alone: "Apr 15 2013 09:36:50: %FTD-4-106023: …".
  if ((i > 0 || (n > 0 && p[0] >= 'A' && p[0] <= 'Z')) && i < n && std::string_view(p + i, std::min<size_t>(n - i, 160)).find(": %") != std::string_view::npos &&
      read_cisco_ios(line.substr(i), -1, ctx, rec)) {
    rec.format = Format::Rfc3164;
    return true;
  }
  return parse_3164(line, i, ctx, rec);
}

}  // namespace ki
