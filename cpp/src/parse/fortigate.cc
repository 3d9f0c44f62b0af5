// FortiGate's log (FortiOS): key=value pairs, `date=2020-04-23 time=12:11:51 devname="fw1"
// devid="FG100E…" logid="0000000013" type="traffic" subtype="forward" level="notice" vd="root"
// srcip=… dstip=… action="deny" …`, sent over syslog with a header, with only `<PRI>` before the
// pairs (FortiOS' default), or written as the whole line. Into ECS as Filebeat's fortinet module
// reads it; every pair it does not move to an ECS field stays as fortinet.firewall.<key>; msg= is
// the message.
#include <string>

#include "parse/level.h"
#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"

namespace ki {

namespace {
using sv = std::string_view;
constexpr size_t npos = sv::npos;

struct Pair {
  sv key, value;
};

// The pairs of s (quoted values unescaped into rec's storage); false unless all of s reads so.
bool split_pairs(sv s, Record& rec, std::vector<Pair>& out) {
  size_t i = 0;
  const size_t n = s.size();
  std::string buf;
  while (true) {
    while (i < n && s[i] == ' ') ++i;
    if (i >= n) return !out.empty();
    const size_t ks = i;
    while (i < n && ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
                     s[i] == '_' || s[i] == '-' || s[i] == '.'))
      ++i;
    if (i == ks || i >= n || s[i] != '=') return false;
    const sv key = s.substr(ks, i - ks);
    ++i;
    sv value;
    if (i < n && s[i] == '"') {
      ++i;
      buf.clear();
      const char* why = nullptr;
      if (!unquote_value(s, i, buf, why)) return false;
      value = rec.keep(buf);
    } else {
      const size_t vs = i;
      while (i < n && s[i] != ' ') ++i;
      value = s.substr(vs, i - vs);
    }
    if (i < n && s[i] != ' ') return false;
    out.push_back({key, value});
  }
}

// v as a count (digits only, at most 18: scan::uint_at's bound) into x.
bool count(sv v, int64_t& x) { return scan::uint_at(v.data(), 0, v.size(), x) == v.size(); }

// IANA protocol numbers FortiGate writes as proto= (Filebeat's community_id processor's names).
sv transport_of(sv proto) {
  if (proto == "1") return "icmp";
  if (proto == "6") return "tcp";
  if (proto == "17") return "udp";
  if (proto == "58") return "ipv6-icmp";
  if (proto == "47") return "gre";
  if (proto == "50") return "esp";
  if (proto == "132") return "sctp";
  return {};
}
}  // namespace

bool looks_fortigate(std::string_view s) {
  // The first pair is FortiOS' own (date=, or logver=/itime= from FortiAnalyzer), and logid= is there.
  if (!(s.starts_with("date=") || s.starts_with("logver=") || s.starts_with("itime=") || s.starts_with("logdate=")))
    return false;
  const sv head = s.substr(0, 600);
  return head.find(" logid=") != npos && (head.find(" devid=") != npos || head.find(" type=") != npos);
}

bool read_fortigate(std::string_view s, const ParseContext& ctx, Record& rec) {
  std::vector<Pair> pairs;
  if (!split_pairs(s, rec, pairs)) return false;
  sv date, time, tz, level, message;
  int64_t sent_bytes = -1, rcvd_bytes = -1, sent_pkts = -1, rcvd_pkts = -1;
  auto put = [&](sv name, sv v) { rec.fields.push_back(Field::string(name, v)); };
  auto put_int = [&](sv name, sv v) {
    if (int64_t x = 0; count(v, x)) rec.fields.push_back(Field::integer(name, x));
  };
  for (const Pair& p : pairs) {
    const sv k = p.key, v = p.value;
    int64_t x = 0;
    if (v.empty()) continue;
    if (k == "date") date = v;
    else if (k == "time") time = v;
    else if (k == "tz") tz = v;
    else if (k == "eventtime" || k == "logver" || k == "itime" || k == "logdate") continue;
    else if (k == "devname") put("observer.name", v);
    else if (k == "devid") put("observer.serial_number", v);
    else if (k == "logid") put("event.code", v);
    else if (k == "level") level = v;
    else if (k == "msg") message = v;
    else if (k == "srcip" && is_ip(v)) rec.client_ip = v;  // source.ip, as the other readers set it
    else if (k == "srcport" && v.size() <= 5 && count(v, x)) rec.port = static_cast<int>(x);
    else if (k == "dstip" && is_ip(v)) put("destination.ip", v);
    else if (k == "dstport") put_int("destination.port", v);
    else if (k == "transip" && is_ip(v)) put("source.nat.ip", v);
    else if (k == "transport") put_int("source.nat.port", v);
    else if (k == "tranip" && is_ip(v)) put("destination.nat.ip", v);
    else if (k == "tranport") put_int("destination.nat.port", v);
    else if (k == "srcintf") put("observer.ingress.interface.name", v);
    else if (k == "dstintf") put("observer.egress.interface.name", v);
    else if (k == "proto") {
      put("network.iana_number", v);
      if (const sv t = transport_of(v); !t.empty()) put("network.transport", t);
    } else if (k == "service") put("network.protocol", rec.keep(scan::lower_ascii(v)));
    else if (k == "app") put("network.application", v);
    else if (k == "policyid") put("rule.id", v);
    else if (k == "policyname") put("rule.name", v);
    else if (k == "poluuid") put("rule.uuid", v);
    else if (k == "policytype") put("rule.ruleset", v);
    else if (k == "appcat") put("rule.category", v);
    else if (k == "user") put("source.user.name", v);
    else if (k == "group") put("source.user.group.name", v);
    else if (k == "srcmac") put("source.mac", v);
    else if (k == "dstmac") put("destination.mac", v);
    else if (k == "duration" && v.size() <= 9 && count(v, x))  // seconds; as ns within int64
      rec.fields.push_back(Field::integer("event.duration", x * 1000000000));
    else if (k == "sentbyte" && count(v, x)) sent_bytes = x;
    else if (k == "rcvdbyte" && count(v, x)) rcvd_bytes = x;
    else if (k == "sentpkt" && count(v, x)) sent_pkts = x;
    else if (k == "rcvdpkt" && count(v, x)) rcvd_pkts = x;
    else {
      if (k == "action") put("event.action", v);
      put(rec.keep_path("fortinet.firewall", k), v);
    }
  }
  if (sent_bytes >= 0) rec.fields.push_back(Field::integer("source.bytes", sent_bytes));
  if (rcvd_bytes >= 0) rec.fields.push_back(Field::integer("destination.bytes", rcvd_bytes));
  if (sent_bytes >= 0 && rcvd_bytes >= 0) rec.fields.push_back(Field::integer("network.bytes", sent_bytes + rcvd_bytes));
  if (sent_pkts >= 0) rec.fields.push_back(Field::integer("source.packets", sent_pkts));
  if (rcvd_pkts >= 0) rec.fields.push_back(Field::integer("destination.packets", rcvd_pkts));
  if (sent_pkts >= 0 && rcvd_pkts >= 0) rec.fields.push_back(Field::integer("network.packets", sent_pkts + rcvd_pkts));
  put("observer.vendor", "Fortinet");
  put("observer.product", "Fortigate");
  put("observer.type", "firewall");
  // date= and time= in the device's zone: tz= when it writes one, else --tz.
  Timestamp ts;
  if (!date.empty() && !time.empty() &&
      parse_time_text(rec.keep(std::string(date) + "T" + std::string(time) + std::string(tz)), ctx.cfg.default_offset_min, ts)) {
    rec.ts = ts;
    rec.time_from_read = false;
  } else {  // a time we cannot read stays as written
    if (!date.empty()) put("fortinet.firewall.date", date);
    if (!time.empty()) put("fortinet.firewall.time", time);
    if (!tz.empty()) put("fortinet.firewall.tz", tz);
  }
  if (!rec.ts.valid) {  // no date= and time=, and no syslog header before the pairs: the read time
    rec.ts = read_time();
    rec.time_from_read = true;
  }
  if (!level.empty()) {
    rec.level = level;
    rec.severity = severity_from_level(level);
  }
  if (!message.empty()) rec.message = message;  // else the text as it came (a syslog message: the pairs)
  return true;
}

}  // namespace ki
