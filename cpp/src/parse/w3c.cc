#include "parse/w3c.h"

#include <charconv>

#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"

namespace ki {

namespace {

using Kind = W3cLayout::Kind;

struct Known {
  std::string_view w3c;   // as IIS writes it in #Fields (compared without case)
  std::string_view name;  // our field: the IISLOG recipe's name for it
  Kind kind;
};
// The fields IIS, CloudFront and Exchange write, named as the IISLOG recipe and Filebeat name them.
constexpr Known kKnown[] = {
    {"date", "", Kind::Date},
    {"time", "", Kind::Time},
    {"c-ip", "source.address", Kind::ClientIp},
    {"c-port", "source.port", Kind::Int},
    {"s-ip", "destination.address", Kind::Text},
    {"s-port", "destination.port", Kind::Int},
    {"cs-method", "http.request.method", Kind::Method},
    {"cs-uri-stem", "url.path", Kind::Text},
    {"cs-uri-query", "url.query", Kind::Text},
    {"cs-username", "user.name", Kind::Text},
    {"cs(user-agent)", "user_agent.original", Kind::UserAgent},
    {"cs(referer)", "http.request.referrer", Kind::Text},
    {"cs(cookie)", "iis.access.cookie", Kind::Text},
    {"cs-host", "destination.domain", Kind::Text},
    {"cs(host)", "destination.domain", Kind::Text},
    {"cs-version", "http.version", Kind::Version},
    {"sc-status", "http.response.status_code", Kind::Status},
    {"sc-substatus", "iis.access.sub_status", Kind::Int},
    {"sc-win32-status", "iis.access.win32_status", Kind::Int},
    {"sc-bytes", "http.response.body.bytes", Kind::Bytes},
    {"cs-bytes", "http.request.body.bytes", Kind::Int},
    {"time-taken", "iis.access.time_taken_ms", Kind::Int},
    {"s-sitename", "iis.access.site_name", Kind::Text},
    {"s-computername", "iis.access.server_name", Kind::Text},
    // Windows Firewall's pfirewall.log ("#Software: Microsoft Windows Firewall")
    {"src-ip", "source.address", Kind::ClientIp},
    {"dst-ip", "destination.address", Kind::Text},
    {"src-port", "source.port", Kind::Int},
    {"dst-port", "destination.port", Kind::Int},
    {"protocol", "network.transport", Kind::Lower},
    {"action", "event.action", Kind::Lower},
    {"size", "network.bytes", Kind::Int},
    {"path", "network.direction", Kind::Direction},
    {"pid", "process.pid", Kind::Int},
    {"tcpsyn", "windows.firewall.tcp_syn", Kind::Int},
    {"tcpack", "windows.firewall.tcp_ack", Kind::Int},
    {"tcpwin", "windows.firewall.tcp_window", Kind::Int},
    {"tcpflags", "windows.firewall.tcp_flags", Kind::Text},
    {"icmptype", "windows.firewall.icmp_type", Kind::Int},
    {"icmpcode", "windows.firewall.icmp_code", Kind::Int},
    {"info", "windows.firewall.info", Kind::Text},
};

bool same_lower(std::string_view a, std::string_view lower) {
  if (a.size() != lower.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char c = a[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != lower[i]) return false;
  }
  return true;
}

// "cs(X-Forwarded-For)" -> "w3c.cs_x_forwarded_for": a dotted-path segment of its own.
std::string other_name(std::string_view w3c) {
  std::string out = "w3c.";
  for (char c : w3c) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (keep) out.push_back(c);
    else if (out.back() != '_' && out.back() != '.') out.push_back('_');
  }
  while (out.back() == '_') out.pop_back();
  return out;
}

// v in lower case, kept in rec only when it has a capital.
std::string_view lower_copy(std::string_view v, Record& rec) {
  for (char c : v)
    if (c >= 'A' && c <= 'Z') return rec.keep(scan::lower_ascii(v));
  return v;
}

bool digits(std::string_view s, int64_t& v) {
  auto r = std::from_chars(s.data(), s.data() + s.size(), v);
  return !s.empty() && r.ec == std::errc() && r.ptr == s.data() + s.size();
}

}  // namespace

bool w3c_layout(std::string_view directive, W3cLayout& out, std::string& why) {
  out = {};
  std::string_view rest = directive.substr(directive.find(':') + 1);
  size_t i = 0;
  while (i < rest.size()) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\t')) ++i;
    size_t e = i;
    while (e < rest.size() && rest[e] != ' ' && rest[e] != '\t' && rest[e] != '\r') ++e;
    if (e == i) break;
    const std::string_view f = rest.substr(i, e - i);
    W3cLayout::Column c;
    c.kind = Kind::Text;
    bool known = false;
    for (const Known& k : kKnown)
      if (same_lower(f, k.w3c)) {
        c.kind = k.kind;
        c.name = std::string(k.name);
        known = true;
        break;
      }
    if (!known) c.name = other_name(f);
    if (c.kind == Kind::Date) out.has_date = true;
    if (c.kind == Kind::Time) out.has_time = true;
    out.cols.push_back(std::move(c));
    i = e;
  }
  if (out.cols.empty()) {
    why = "a #Fields: directive that names no field";
    return false;
  }
  if (out.cols.size() > 256) {
    why = "a #Fields: directive with more than 256 fields";
    out = {};
    return false;
  }
  return true;
}

bool parse_w3c(std::string_view line, const W3cLayout& layout, const ParseContext& ctx, Record& rec, std::string& why) {
  const char sep = line.find('\t') != std::string_view::npos ? '\t' : ' ';
  std::string_view date, time;
  size_t i = 0, col = 0;
  std::vector<std::string_view> values;
  values.reserve(layout.cols.size());
  while (i <= line.size()) {
    size_t e = line.find(sep, i);
    if (e == std::string_view::npos) e = line.size();
    values.push_back(line.substr(i, e - i));
    i = e + 1;
  }
  if (values.size() != layout.cols.size()) {
    why = std::to_string(values.size()) + " values for the " + std::to_string(layout.cols.size()) +
          " fields of the file's #Fields: directive";
    return ctx.fail(Format::W3c, why.c_str(), 0);
  }
  for (col = 0; col < values.size(); ++col) {
    const W3cLayout::Column& c = layout.cols[col];
    const std::string_view v = values[col];
    if (v.empty() || v == "-") continue;  // W3C's "no value"
    int64_t n = 0;
    switch (c.kind) {
      case Kind::Date: date = v; continue;
      case Kind::Time: time = v; continue;
      case Kind::ClientIp: rec.client_ip = v; break;
      case Kind::Method: rec.method = v; break;
      case Kind::Status:
        if (digits(v, n) && n < 1000) rec.status = static_cast<int>(n);
        break;
      case Kind::Bytes:
        if (digits(v, n)) rec.bytes = n;
        break;
      case Kind::UserAgent: rec.user_agent = v; break;
      case Kind::Version:  // "HTTP/1.1" -> "1.1", as the recipe reads cs-version
        rec.fields.push_back(Field::string(c.name, v.starts_with("HTTP/") ? v.substr(5) : v));
        continue;
      case Kind::Lower:  // "TCP" -> "tcp", "DROP" -> "drop" (ECS's values are lower case)
        rec.fields.push_back(Field::string(c.name, lower_copy(v, rec)));
        continue;
      case Kind::Direction:  // the firewall's host is the observer: RECEIVE in, SEND out
        rec.fields.push_back(Field::string(c.name, v == "RECEIVE" ? "ingress" : v == "SEND" ? "egress" : lower_copy(v, rec)));
        continue;
      case Kind::Int:
      case Kind::Text: break;
    }
    const bool number = c.kind == Kind::Int || c.kind == Kind::Status || c.kind == Kind::Bytes;
    if (number && digits(v, n))
      rec.fields.push_back(Field::integer(c.name, n));
    else
      rec.fields.push_back(Field::string(c.name, v));  // a value that is not a number stays text
    add_destination_ip(rec, c.name, v);
  }
  if (layout.has_date && layout.has_time) {
    if (date.empty() || time.empty()) {
      why = "no date or no time in a line whose #Fields: directive names both";
      return ctx.fail(Format::W3c, why.c_str(), 0);
    }
    // "2018-01-01" "08:09:10[.123]": W3C times are UTC whatever --tz says (unless the file says
    // they are local: Windows Firewall's "#Time Format: Local"; then they are in --tz).
    char buf[48];
    const bool fits = date.size() == 10 && date.size() + time.size() + 2 <= sizeof buf;
    size_t k = 0;
    if (fits) {
      for (char ch : date) buf[k++] = ch;
      buf[k++] = 'T';
      for (char ch : time) buf[k++] = ch;
      if (!layout.local_time) buf[k++] = 'Z';
    }
    if (!fits || parse_iso8601_lenient(buf, k, layout.local_time ? ctx.cfg.default_offset_min : 0, rec.ts) != k) {
      why = "the date and time fields are not a W3C time (yyyy-mm-dd hh:mm:ss)";
      return ctx.fail(Format::W3c, why.c_str(), 0);
    }
  } else {  // no date and time fields (a #Date: directive's day is not followed): the read time
    rec.ts = read_time();
    rec.time_from_read = true;
  }
  rec.format = Format::W3c;
  return true;
}

}  // namespace ki
