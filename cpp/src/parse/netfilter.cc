// Netfilter's packet log lines in a kernel syslog message (iptables' and nftables' LOG target, ufw,
// firewalld, Ubiquiti's EdgeOS), with the field names of Filebeat's iptables module:
//   [UFW BLOCK] IN=eth0 OUT= MAC=<dst>:<src>:08:00 SRC=203.0.113.9 DST=198.51.100.2 LEN=60 TOS=0x00
//   PREC=0x00 TTL=52 ID=54321 DF PROTO=TCP SPT=51234 DPT=22 WINDOW=29200 RES=0x00 SYN URGP=0
// The kernel writes the IP header's fields, then the protocol's (nf_log_ipv4.c, nf_log_ipv6.c);
// a key it writes twice (LEN, ID, SEQ) means the IP header's before PROTO= and the protocol's after.
// The message stays whole; keys the module does not name (URGP, MARK, UID) are left in it only.

#include <algorithm>
#include <cctype>
#include <string>

#include "parse/parser.h"
#include "parse/scan.h"
#include "util/ip.h"

namespace ki {

namespace {

bool int_of(std::string_view s, int base, int64_t& v) {
  if (base == 16 && (s.starts_with("0x") || s.starts_with("0X"))) s.remove_prefix(2);
  if (s.empty() || s.size() > 15) return false;
  v = 0;
  for (char c : s) {
    const int d = base == 16 ? scan::hex_digit(c) : c >= '0' && c <= '9' ? c - '0' : -1;
    if (d < 0) return false;
    v = v * base + d;
  }
  return true;
}

void put_int(Record& rec, std::string_view name, std::string_view text, int base = 10) {
  int64_t v = 0;
  if (int_of(text, base, v)) rec.fields.push_back(Field::integer(name, v));
}

// "aa:bb:cc:dd:ee:ff:11:22:33:44:55:66:08:00[:…]": the frame's destination, source and type.
void put_mac(Record& rec, std::string_view v) {
  if (v.size() < 35) return;  // (6 + 6 octets; a loopback packet has none)
  for (size_t i = 2; i < 35; i += 3)
    if (v[i] != ':') return;
  rec.fields.push_back(Field::string("destination.mac", v.substr(0, 17)));
  rec.fields.push_back(Field::string("source.mac", v.substr(18, 17)));
  if (v.size() >= 40 && v[35] == ':' && v[38] == ':') {
    int64_t hi = 0, lo = 0;
    if (int_of(v.substr(36, 2), 16, hi) && int_of(v.substr(39, 2), 16, lo)) {
      rec.fields.push_back(Field::integer("iptables.ether_type", hi * 256 + lo));
      if (hi * 256 + lo == 0x0800) rec.fields.push_back(Field::string("network.type", "ipv4"));
      if (hi * 256 + lo == 0x86dd) rec.fields.push_back(Field::string("network.type", "ipv6"));
    }
  }
}

// Ubiquiti's "[WAN_LOCAL-default-D]" written right before IN=: rule set, rule number, action.
void put_ubiquiti(Record& rec, std::string_view label) {
  const size_t b = label.rfind('-');
  if (b == std::string_view::npos || b == 0) return;
  const size_t a = label.rfind('-', b - 1);
  if (a == std::string_view::npos) return;
  const std::string_view set = label.substr(0, a), number = label.substr(a + 1, b - a - 1), act = label.substr(b + 1);
  rec.fields.push_back(Field::string("iptables.ubiquiti.rule_set", set));
  rec.fields.push_back(Field::string("iptables.ubiquiti.rule_number", number));
  rec.fields.push_back(Field::string("rule.name", set));
  if (!number.empty()) rec.fields.push_back(Field::string("rule.id", number));
  if (const size_t z = set.find('-'); z != std::string_view::npos) {
    rec.fields.push_back(Field::string("iptables.ubiquiti.input_zone", set.substr(0, z)));
    rec.fields.push_back(Field::string("iptables.ubiquiti.output_zone", set.substr(z + 1)));
    rec.fields.push_back(Field::string("observer.ingress.zone", set.substr(0, z)));
    rec.fields.push_back(Field::string("observer.egress.zone", set.substr(z + 1)));
  }
  const std::string_view action = act == "D" ? "drop" : act == "A" ? "accept" : act;
  if (action.empty()) return;
  rec.fields.push_back(Field::string("event.action", action));
  if (action == "drop" || action == "accept")
    rec.fields.push_back(Field::string("event.outcome", action == "drop" ? "failure" : "success"));
}

}  // namespace

bool read_netfilter(std::string_view m, Record& rec) {
  size_t in = m.find("IN=");
  while (in != std::string_view::npos && in > 0 && m[in - 1] != ' ' && m[in - 1] != ']') in = m.find("IN=", in + 3);
  if (in == std::string_view::npos || m.find(" SRC=", in) == std::string_view::npos) return false;
  const size_t fields_before = rec.fields.size();
  std::string_view src, dst, proto;
  bool after_proto = false, ok = true;
  std::string tcp_list, frag_list;
  for (size_t i = in; i < m.size() && ok;) {
    size_t e = m.find(' ', i);
    if (e == std::string_view::npos) e = m.size();
    const std::string_view tok = m.substr(i, e - i);
    i = e + 1;
    if (tok.empty()) continue;
    if (tok[0] == '[') break;  // an ICMP error's quoted packet ("[SRC=… DST=… PROTO=UDP …]"): not this one's
    const size_t eq = tok.find('=');
    if (eq == std::string_view::npos) {  // a flag: the IP header's (DF, MF, CE) or TCP's (SYN, ACK, …)
      if (!after_proto && (tok == "DF" || tok == "MF" || tok == "CE")) {
        frag_list += (frag_list.empty() ? "[\"" : ",\"") + std::string(tok) + "\"";
      } else if (after_proto && proto == "TCP" && tok.size() == 3 &&
                 std::all_of(tok.begin(), tok.end(), [](char c) { return c >= 'A' && c <= 'Z'; })) {
        tcp_list += (tcp_list.empty() ? "[\"" : ",\"") + std::string(tok) + "\"";
      } else if (tok == "INCOMPLETE" && m.substr(i).starts_with("[")) {  // INCOMPLETE [65 bytes]
        const size_t end = m.find(' ', i);
        put_int(rec, "iptables.incomplete_bytes", m.substr(i + 1, end == std::string_view::npos ? 0 : end - i - 1));
      }
      continue;
    }
    const std::string_view k = tok.substr(0, eq), v = tok.substr(eq + 1);
    if (k == "IN") rec.fields.push_back(Field::string("iptables.input_device", v));
    else if (k == "OUT") rec.fields.push_back(Field::string("iptables.output_device", v));
    else if (k == "MAC") put_mac(rec, v);
    else if (k == "SRC") src = v, ok = is_ip(v);
    else if (k == "DST") dst = v, ok = is_ip(v);
    else if (k == "LEN" && !after_proto) put_int(rec, "iptables.length", v);
    else if (k == "LEN" && (proto == "UDP" || proto == "UDPLITE")) put_int(rec, "iptables.udp.length", v);
    else if (k == "TOS" || k == "PREC") put_int(rec, k == "TOS" ? "iptables.tos" : "iptables.precedence_bits", v, 16);
    else if (k == "TC") put_int(rec, "iptables.tos", v);
    else if (k == "TTL" || k == "HOPLIMIT") put_int(rec, "iptables.ttl", v);
    else if (k == "FLOWLBL") put_int(rec, "iptables.flow_label", v);
    else if (k == "ID") put_int(rec, after_proto ? "iptables.icmp.id" : "iptables.id", v);
    else if (k == "FRAG") put_int(rec, "iptables.fragment_offset", v);
    else if (k == "PROTO") proto = v, after_proto = true;
    else if (k == "SPT") rec.port = port_number(v);
    else if (k == "DPT") put_int(rec, "destination.port", v);
    else if (k == "SEQ") put_int(rec, proto == "TCP" ? "iptables.tcp.seq" : "iptables.icmp.seq", v);
    else if (k == "ACK") put_int(rec, "iptables.tcp.ack", v);
    else if (k == "WINDOW") put_int(rec, "iptables.tcp.window", v);
    else if (k == "RES") put_int(rec, "iptables.tcp.reserved_bits", v, 16);
    else if (k == "TYPE") put_int(rec, "iptables.icmp.type", v);
    else if (k == "CODE") put_int(rec, "iptables.icmp.code", v);
    else if (k == "PARAMETER") put_int(rec, "iptables.icmp.parameter", v);
    else if (k == "GATEWAY" && is_ip(v)) rec.fields.push_back(Field::string("iptables.icmp.redirect", v));
  }
  if (!ok || src.empty() || dst.empty()) {  // not a packet line after all: the message stays as it was
    rec.fields.resize(fields_before);
    rec.port = -1;
    return false;
  }
  rec.client_ip = src;
  rec.fields.push_back(Field::string("destination.ip", dst));
  if (!proto.empty()) {
    std::string t = scan::lower_ascii(proto);
    if (t == "icmpv6") t = "ipv6-icmp";
    rec.fields.push_back(Field::string("network.transport", rec.keep(t)));
  }
  if (!frag_list.empty()) rec.fields.push_back({"iptables.fragment_flags", Field::Kind::Json, rec.keep(frag_list + "]")});
  if (!tcp_list.empty()) rec.fields.push_back({"iptables.tcp.flags", Field::Kind::Json, rec.keep(tcp_list + "]")});
  if (in > 1 && m[in - 1] == ']')
    if (const size_t open = m.rfind('[', in - 1); open != std::string_view::npos)
      put_ubiquiti(rec, m.substr(open + 1, in - open - 2));
  rec.fields.push_back({"event.category", Field::Kind::Json, "[\"network\"]"});
  std::string_view type = "[\"connection\"]";
  for (const Field& f : rec.fields)
    if (f.name == "event.action") type = f.text == "drop" ? "[\"connection\",\"denied\"]" : f.text == "accept" ? "[\"connection\",\"allowed\"]" : type;
  rec.fields.push_back({"event.type", Field::Kind::Json, type});
  rec.fields.push_back({"related.ip", Field::Kind::Json, rec.keep("[\"" + std::string(src) + "\",\"" + std::string(dst) + "\"]")});
  return true;
}

}  // namespace ki
