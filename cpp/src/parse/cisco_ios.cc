// Cisco IOS messages inside syslog: the device's own header after the syslog one,
//   [SEQ: ][HOST: ][SEQ: ][[*|.]Mmm dd[ yyyy] HH:MM:SS[.fff][ ZONE] | uptime: ]%FAC-SEV-MNEMONIC: text
// sent straight to a collector ("<190>589265: Feb  8 18:55:31.306: %SEC-6-…") or written to a
// file by a relay ("Feb  8 04:00:48 198.51.100.2 585917: Feb  8 04:00:47.272: %SEC-6-…", where
// the sequence number sits where a tag would). Fields as Filebeat's cisco module names them; the
// access-list lines (%SEC-6-IPACCESSLOG*, %IPV6-6-ACCESSLOG*) also give the connection.

#include <cstring>
#include <string>

#include "parse/parser.h"
#include "parse/time_format.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki {

namespace {

// Cisco's names of the syslog severities (what its "logging trap" levels are called).
constexpr std::string_view kCiscoLevel[8] = {"emergencies", "alerts",        "critical",      "errors",
                                             "warnings",    "notifications", "informational", "debugging"};

bool upper_alnum(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_'; }

// "1.2.3.4(80)" or "2001:DB8::3(1027)" or "1.2.3.4": the address and the port (-1: none).
bool endpoint(std::string_view t, std::string_view& ip, int& port) {
  port = -1;
  size_t open = t.find('(');
  ip = t.substr(0, open);
  if (open != std::string_view::npos) {
    if (t.back() != ')') return false;
    port = port_number(t.substr(open + 1, t.size() - open - 2));
    if (port < 0) return false;
  }
  return is_ip(ip);
}

// "list 177 denied tcp 10.1.1.1(1234) -> 10.2.2.2(80), 1 packet" (an interface may follow the
// source in parentheses, an ICMP type/code the destination): the connection, or nothing.
void access_list(std::string_view m, Record& rec) {
  if (!m.starts_with("list ")) return;
  std::string_view tok[12];
  size_t count = 0, i = 0;
  while (i < m.size() && count < std::size(tok)) {
    size_t e = m.find(' ', i);
    if (e == std::string_view::npos) e = m.size();
    if (e > i) tok[count++] = m.substr(i, e - i);
    i = e + 1;
  }
  // list NAME ACTION PROTO SRC [iface…] -> DST[,] [(type/code),] N packet[s]
  if (count < 8 || (tok[2] != "denied" && tok[2] != "permitted")) return;
  size_t arrow = 5;
  while (arrow < count && tok[arrow] != "->") ++arrow;
  if (arrow + 1 >= count) return;
  std::string_view dst = tok[arrow + 1];
  if (dst.ends_with(',')) dst.remove_suffix(1);
  const std::string_view unit = tok[count - 1];
  if (unit != "packet" && unit != "packets") return;
  int64_t packets = 0;
  const std::string_view n = tok[count - 2];
  if (scan::uint_at(n.data(), 0, n.size(), packets) != n.size()) return;
  std::string_view sip, dip;
  int sport = -1, dport = -1;
  if (!endpoint(tok[4], sip, sport) || !endpoint(dst, dip, dport)) return;
  rec.fields.push_back(Field::string("cisco.ios.access_list", tok[1]));
  rec.fields.push_back(Field::string("event.outcome", tok[2] == "denied" ? "deny" : "allow"));
  const std::string_view proto = tok[3];
  int64_t iana = 0;
  if (scan::uint_at(proto.data(), 0, proto.size(), iana) == proto.size())
    rec.fields.push_back(Field::string("network.iana_number", proto));
  else
    rec.fields.push_back(Field::string("network.transport", proto));
  rec.fields.push_back(Field::integer("network.packets", packets));
  rec.client_ip = sip;
  rec.port = sport;
  rec.server_name = dip;
  rec.server_port = dport;
}

}  // namespace

namespace {

// One device time "[*|.]Mmm dd[ yyyy] HH:MM:SS[.f][ ZONE]" (all of `seg`) into ts; unsynced: the
// '*' mark (the device's clock was never set, so its time is not the event's).
bool device_time(std::string_view seg, const ParseContext& ctx, Timestamp& ts, bool& unsynced) {
  unsynced = !seg.empty() && seg.front() == '*';
  if (!seg.empty() && (seg.front() == '*' || seg.front() == '.')) seg.remove_prefix(1);
  if (seg.size() < 14 || seg[3] != ' ' || month_from_abbrev_or_caps(seg.data()) == 0) return false;
  // "Mar 24 2021 18:06:03.424": the year the device added, cut out for the BSD time reader.
  char buf[64];
  std::string_view t = seg;
  int year = -1;
  const size_t day_end = seg[4] == ' ' ? 6 : (seg[5] >= '0' && seg[5] <= '9' ? 6 : 5);
  if (day_end + 5 < seg.size() && seg[day_end] == ' ' && seg[day_end + 5] == ' ' &&
      (year = parse_fixed(seg.data() + day_end + 1, 4)) >= 0) {
    if (seg.size() - 5 > sizeof buf) return false;
    std::memcpy(buf, seg.data(), day_end);
    std::memcpy(buf + day_end, seg.data() + day_end + 5, seg.size() - day_end - 5);
    t = std::string_view(buf, seg.size() - 5);
  }
  const int month = month_from_abbrev_or_caps(t.data());
  const int day = t[4] == ' ' ? parse_fixed(t.data() + 5, 1) : parse_fixed(t.data() + 4, t[5] >= '0' && t[5] <= '9' ? 2 : 1);
  const bool written_year = year >= 0;
  if (year < 0) year = day > 0 ? ctx.bsd_year(month, day) : 1970;
  size_t used = parse_bsd_time(t.data(), t.size(), year, ctx.cfg.default_offset_min, ts);
  if (used == 0) return false;
  if (used == t.size()) return true;
  // " UTC", " CET", …: a zone name, its offset applied (ambiguous ones and others: --tz). A word
  // in capitals that is no zone we know follows a syslog time ("Feb  8 18:55:31 CORE: %LINK-…":
  // the host) unless the time is a device's (milliseconds or a year: IOS's "msec", "year").
  if (t[used] != ' ') return false;
  const bool device_marks = written_year || t.substr(0, used).find('.') != std::string_view::npos;
  const std::string_view zone = t.substr(used + 1);
  if (zone.empty() || zone.size() > 6) return false;
  for (char c : zone)
    if (c < 'A' || c > 'Z') return false;
  const std::optional<int> known = zone_word_offset(zone, ts.offset_min);
  if (!known && !device_marks) return false;
  if (known) {
    ts.epoch_sec += static_cast<int64_t>(ts.offset_min - *known) * 60;
    ts.offset_min = static_cast<int16_t>(*known);
  }
  return true;
}

bool host_token(std::string_view seg);

// An ASA's or FTD's time with its year and the device's name after it ("logging device-id":
// "Jun 04 2011 21:59:52 FJSG2NRFW01 " before " : %ASA-…", "Dec 11 2018 08:01:24 127.0.0.1").
bool time_then_host(std::string_view seg, const ParseContext& ctx, Timestamp& ts, bool& unsynced, std::string_view& host) {
  while (!seg.empty() && seg.back() == ' ') seg.remove_suffix(1);
  const size_t sp = seg.rfind(' ');
  if (sp == std::string_view::npos || seg.size() < 21 || seg[3] != ' ' || seg[6] != ' ' || parse_fixed(seg.data() + 7, 4) < 0)
    return false;
  if (!device_time(seg.substr(0, sp), ctx, ts, unsynced) || !host_token(seg.substr(sp + 1))) return false;
  host = seg.substr(sp + 1);
  return true;
}

// The device's uptime instead of a time ("00:01:01", "1d02h", "3w2d"): no event time in it.
bool uptime(std::string_view seg) {
  if (seg.size() == 8 && seg[2] == ':' && seg[5] == ':') return parse_fixed(seg.data(), 2) >= 0;
  if (seg.empty() || seg.size() > 10) return false;
  bool unit = false;
  for (char c : seg) {
    if (c == 'y' || c == 'w' || c == 'd' || c == 'h' || c == 'm') unit = true;
    else if (c < '0' || c > '9') return false;
  }
  return unit && seg[0] >= '0' && seg[0] <= '9';
}

bool host_token(std::string_view seg) {
  if (seg.empty() || seg.size() > 64) return false;
  for (char c : seg)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
          c == '_'))
      return false;
  return true;
}

}  // namespace

// "SEQ: HOST: SEQ: TIME: " in the orders IOS writes them (each optional: "service
// sequence-numbers", "logging origin-id", "service timestamps"), then the %TAG.
bool read_cisco_ios(std::string_view s, int64_t seq, const ParseContext& ctx, Record& rec) {
  std::string_view host;
  Timestamp ts;
  bool have_time = false, unsynced = false;
  size_t i = 0;
  for (int k = 0; k < 4 && i < s.size() && s[i] != '%'; ++k) {
    const size_t end = s.find(": ", i);
    if (end == std::string_view::npos) return false;
    const std::string_view seg = s.substr(i, end - i);
    int64_t v = 0;
    if (!seg.empty() && seg.front() >= '0' && seg.front() <= '9' && scan::uint_at(seg.data(), 0, seg.size(), v) == seg.size()) {
      if (seq < 0) seq = v;  // a second number (a relay's and the device's): the first is kept
    } else if (!have_time && device_time(seg, ctx, ts, unsynced)) {
      have_time = true;
    } else if (!have_time && host.empty() && time_then_host(seg, ctx, ts, unsynced, host)) {
      have_time = true;
    } else if (uptime(seg)) {
    } else if (host.empty() && !have_time && host_token(seg)) {
      host = seg;
    } else {
      return false;
    }
    i = end + 2;
  }
  if (i >= s.size() || s[i] != '%') return false;
  // %FACILITY-SEVERITY-MNEMONIC: the severity is the one digit between dashes (a facility may
  // hold a dash of its own: %PIM-SW1-6-INVALID_RP_JOIN, %SYSMGR-STANDBY-3-SHUTDOWN_START).
  const size_t colon = s.find(':', i + 1);
  if (colon == std::string_view::npos) return false;
  const std::string_view tag = s.substr(i + 1, colon - i - 1);
  size_t sev_at = std::string_view::npos;
  for (size_t k = 1; k + 2 < tag.size(); ++k)
    if (tag[k] == '-' && tag[k + 1] >= '0' && tag[k + 1] <= '7' && tag[k + 2] == '-') {
      sev_at = k + 1;
      break;
    }
  if (sev_at == std::string_view::npos) return false;
  for (char c : tag)  // (ASA's "%ASA-session-5-106100": a class name in lower case)
    if (!upper_alnum(c) && c != '-' && !(c >= 'a' && c <= 'z')) return false;
  const int sev = tag[sev_at] - '0';
  std::string_view msg = s.substr(colon + 1);
  if (!msg.empty() && msg.front() == ' ') msg.remove_prefix(1);

  if (have_time && (!unsynced || !rec.ts.valid)) {
    rec.ts = ts;
  } else if (!rec.ts.valid) {  // an uptime, or no time at all: the read time, marked as such
    rec.ts = read_time();
    rec.time_from_read = true;
  }
  if (!host.empty() && rec.hostname.empty()) rec.hostname = host;
  if (seq >= 0) rec.fields.push_back(Field::integer("event.sequence", seq));
  rec.fields.push_back(Field::string("cisco.ios.facility", tag.substr(0, sev_at - 1)));
  rec.fields.push_back(Field::string("event.code", tag.substr(sev_at + 2)));
  rec.level = kCiscoLevel[sev];
  rec.severity = sev;
  rec.message = msg;
  access_list(msg, rec);
  return true;
}

}  // namespace ki
