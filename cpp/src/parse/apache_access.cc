// Apache / nginx access logs: common (%h %l %u %t "%r" %>s %b) and combined
// (+ "%{Referer}i" "%{User-agent}i"), as flog and real servers write them.
#include <algorithm>
#include <charconv>
#include <cstdint>
#include <string>
#include <vector>

#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"

namespace ki {

namespace {

bool is_method(std::string_view m) {
  if (m.empty() || m.size() > 24) return false;
  for (char c : m)
    if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '-' || c == '_')) return false;
  return true;
}


// "%v[:%p]": the server's name (or address) and port.
void set_server(Record& rec, std::string_view v) { split_host_port(v, rec.server_name, rec.server_port); }

// rec.client_ip holds "%v[:%p]", rec.ident the client, rec.user "- <user>".
void split_vhost(Record& rec) {
  set_server(rec, rec.client_ip);
  rec.client_ip = rec.ident;
  rec.ident = rec.user.substr(0, 1);
  rec.user = rec.user.substr(2);
}

// One entry of an address list: an address, or a word nginx writes for none ("unknown").
bool list_entry(std::string_view e) {
  if (is_ip(e)) return true;
  for (char c : e)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.'))
      return false;
  return !e.empty();
}

bool all_entries(std::string_view list) {
  bool ok = true;
  for_each_address(list, [&](std::string_view a) { ok = ok && list_entry(a); });
  return ok;
}

// X-Forwarded-For as written after the user agent: addresses (and nginx's "unknown"), at least
// one of them an IP; "-" (no header) is none.
bool forwarded_list(std::string_view v) {
  return !v.empty() && all_entries(v) && !list_client(v, true).empty();
}

// nginx set to log X-Forwarded-For's addresses first, as Filebeat's nginx module reads them:
// "a, b, c - user [..." or "\"a, b\" c - user [..." (the address nginx saw may follow the list).
// Returns the index of the blank after the list, npos if it is not one; rec.client_list holds
// the list, rec.client_ip its first public address, else its first.
size_t address_list(const char* p, size_t n, Record& rec) {
  size_t k = 0;
  if (p[0] == '"') {
    const size_t close = scan::find_char(p, 1, n, '"');
    if (close == std::string_view::npos || close + 1 >= n || p[close + 1] != ' ') return std::string_view::npos;
    k = close + 1;
  } else {
    while (true) {  // "a," "b," "c"
      const size_t e = scan::find_char(p, k, n, ' ');
      if (e == std::string_view::npos || e == k) return std::string_view::npos;
      if (p[e - 1] != ',') {
        k = e;
        break;
      }
      k = e + 1;
    }
  }
  const size_t e = scan::find_char(p, k + 1, n, ' ');
  if (e != std::string_view::npos && e + 2 < n && p[e + 1] == '-' && p[e + 2] == ' ' &&
      is_ip(std::string_view(p + k + 1, e - k - 1)))
    k = e;
  const std::string_view list(p, k);
  const std::string_view client = list_client(list, false);
  if (!all_entries(list) || client.empty()) return std::string_view::npos;
  rec.client_list = list;
  rec.client_ip = client;
  return k;
}

// "GET /index.html HTTP/1.1" in its plain shape (the method in capitals, one space either side of
// the path, a protocol of HTTP/ and three characters of digits and dots): what the general way
// below gives, found without its trims and searches. False for any other shape.
bool plain_request(std::string_view r, RequestParts& out) {
  const char* p = r.data();
  const size_t n = r.size();
  if (n < 14) return false;  // "GET / HTTP/1.1"
  size_t sp = 0;
  while (sp < n && p[sp] >= 'A' && p[sp] <= 'Z') ++sp;
  if (sp == 0 || sp > 24 || sp + 10 >= n || p[sp] != ' ') return false;
  auto version_char = [](char c) { return (c >= '0' && c <= '9') || c == '.'; };
  if (p[n - 9] != ' ' || std::memcmp(p + n - 8, "HTTP/", 5) != 0 || !version_char(p[n - 3]) ||
      !version_char(p[n - 2]) || !version_char(p[n - 1]))
    return false;
  const char first = p[sp + 1], last = p[n - 10];  // the path's ends: not blank (the trims' work)
  if (first == ' ' || first == '\t' || last == ' ' || last == '\t') return false;
  out.method = r.substr(0, sp);
  out.path = r.substr(sp + 1, n - 9 - (sp + 1));
  out.protocol = r.substr(n - 8);
  return true;
}
}  // namespace

// "GET /path HTTP/1.1"; tolerant of extra spaces and of spaces inside the path. A request
// that is not a request (TLS bytes, "-") keeps its text in rec.request only.
RequestParts split_request(std::string_view request) {
  RequestParts out;
  if (plain_request(request, out)) return out;
  return split_request_general(request);
}

RequestParts split_request_general(std::string_view request) {
  RequestParts out;
  std::string_view r = scan::trim(request);
  if (r.empty() || r == "-") return out;
  size_t sp = r.find(' ');
  std::string_view method = r.substr(0, sp);
  if (!is_method(method)) return out;
  out.method = method;
  if (sp == std::string_view::npos) return out;
  std::string_view rest = scan::trim(r.substr(sp + 1));
  size_t last = rest.rfind(' ');
  if (last != std::string_view::npos && rest.substr(last + 1).starts_with("HTTP/")) {
    out.protocol = rest.substr(last + 1);
    out.path = scan::trim(rest.substr(0, last));
  } else if (rest.starts_with("HTTP/") && rest.find(' ') == std::string_view::npos) {
    out.protocol = rest;  // "GET HTTP/1.1": no path
  } else {
    out.path = rest;
  }
  return out;
}

namespace {

// mod_ssl's "%{SSL_PROTOCOL}x %{SSL_CIPHER}x " at p[i] ("TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 "; '-'
// for each on a plain connection): the index after them, npos if they are not there.
size_t tls_fields(const char* p, size_t i, size_t n, Record& rec) {
  const size_t e = scan::find_char(p, i, n, ' ');
  if (e == std::string_view::npos) return e;
  const std::string_view proto(p + i, e - i);
  if (!(proto == "-" || ((proto.starts_with("TLSv1") || proto.starts_with("SSLv")) && proto.size() <= 8)))
    return std::string_view::npos;
  const size_t c = scan::find_char(p, e + 1, n, ' ');
  if (c == std::string_view::npos || c == e + 1 || c - e > 64) return std::string_view::npos;
  const std::string_view cipher(p + e + 1, c - e - 1);
  for (char ch : cipher)
    if (!((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-' || ch == '_'))
      return std::string_view::npos;
  if (proto != "-") rec.tls_protocol = proto;
  if (cipher != "-") rec.tls_cipher = cipher;
  return c + 1;
}

// %b at p[i]: digits, or '-' for none. The index after it, npos if it is neither.
size_t byte_count(const char* p, size_t i, size_t n, Record& rec) {
  if (i < n && p[i] == '-') {
    rec.bytes = -1;
    return i + 1;
  }
  int64_t v = 0;
  const size_t e = scan::uint_at(p, i, n, v);
  if (e != std::string_view::npos) rec.bytes = v;
  return e;
}

// What follows the byte count: nothing (common), or the referrer and user agent (combined) and
// what may follow them.
bool after_byte_count(const char* p, size_t i, size_t n, const ParseContext& ctx, Record& rec);

// mod_ssl's ssl_request_log, as its default ssl.conf writes it (RHEL, Fedora, Apache's
// httpd-ssl.conf): "[%t] %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x \"%r\" %b", no status; some sites
// add the referrer and user agent.
bool parse_ssl_request(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::ApacheCommon;
  const char* p = line.data();
  const size_t n = line.size();
  size_t i = 1 + parse_apache_time(p + 1, n - 1, rec.ts);
  if (i == 1) return ctx.fail(F, "bad timestamp, expected dd/Mon/yyyy:HH:MM:SS +zzzz", 1);
  if (i + 1 >= n || p[i] != ']' || p[i + 1] != ' ')
    return ctx.fail(F, "expected '] ' and the client after the timestamp (ssl_request_log)", i);
  i += 2;
  const size_t h = scan::find_char(p, i, n, ' ');
  if (h == std::string_view::npos || h == i) return ctx.fail(F, "expected the client after the timestamp", i);
  rec.client_ip = std::string_view(p + i, h - i);
  i = tls_fields(p, h + 1, n, rec);
  if (i == std::string_view::npos || i >= n || p[i] != '"')
    return ctx.fail(F, "expected the TLS protocol and cipher, then the quoted request (ssl_request_log)", h + 1);
  const size_t q = scan::quoted(p, i + 1, n, rec.scratch, rec.request);
  if (q == std::string_view::npos) return ctx.fail(F, "unterminated request string", i + 1);
  split_request(rec);
  i = q + 1;
  if (i + 1 >= n || p[i] != ' ') return ctx.fail(F, "expected byte count after the request", i);
  ++i;
  const size_t e = byte_count(p, i, n, rec);
  if (e == std::string_view::npos) return ctx.fail(F, "expected byte count or '-'", i);
  rec.status = -1;  // %b only: mod_ssl's format has no status
  return after_byte_count(p, e, n, ctx, rec);
}

}  // namespace

bool parse_apache_access(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::ApacheCommon;
  const char* p = line.data();
  const size_t n = line.size();
  if (n > 13 && p[0] == '[' && p[3] == '/' && p[7] == '/' && p[12] == ':') return parse_ssl_request(line, ctx, rec);

  // %h %l %u: host and ident are single tokens; the user runs up to " [".
  size_t i = scan::find_char(p, 0, n, ' ');
  if (i == 0 || i == std::string_view::npos) return ctx.fail(F, "expected host, ident and user before '['", 0);
  size_t j = scan::find_char(p, i + 1, n, ' ');  // the end of the ident (of the next token)
  if (p[0] == '"' || p[i - 1] == ',') {
    i = address_list(p, n, rec);
    if (i == std::string_view::npos) return ctx.fail(F, "expected a list of addresses before the ident", 0);
    j = scan::find_char(p, i + 1, n, ' ');
  } else if (i + 1 < n && (p[i + 1] == '"' || (j != std::string_view::npos && j > i + 1 && p[j - 1] == ','))) {
    // "%v[:%p]" then the list (Filebeat's test-with-host.log: "example.com 10.0.0.2, 10.0.0.1 - - [")
    const size_t k = address_list(p + i + 1, n - i - 1, rec);
    if (k == std::string_view::npos) return ctx.fail(F, "expected a list of addresses before the ident", i + 1);
    set_server(rec, std::string_view(p, i));
    i += 1 + k;
    j = scan::find_char(p, i + 1, n, ' ');
  } else {
    rec.client_ip = std::string_view(p, i);
  }
  if (j == std::string_view::npos) return ctx.fail(F, "expected ident and user after host", i);
  rec.ident = std::string_view(p + i + 1, j - i - 1);
  size_t k = line.find(" [", j);
  if (k == std::string_view::npos || k == j) {
    // Old logs sometimes omit the user column entirely ("host - [time]").
    if (j + 1 < n && p[j + 1] == '[') {
      rec.user = rec.ident;
      rec.ident = {};
      k = j;
    } else {
      return ctx.fail(F, "expected '[' before the timestamp", j + 1);
    }
  } else {
    rec.user = std::string_view(p + j + 1, k - j - 1);
    // "%v:%p %h %l %u" (Debian's vhost_combined) or "%v %h %l %u": the server first, then the
    // client, then an ident of '-'. The ident of a plain line is the token after the host, so
    // "host - user" never reads as this; "host ident - user" with an identd answer would.
    if (rec.user.starts_with("- ") && rec.ident != "-" && !rec.ident.empty()) split_vhost(rec);
  }
  // %l is '-' nearly always. A host name there is lighttpd's %V (its default format is
  // `%h %V %u %t "%r" %>s %b "%{Referer}i" "%{User-Agent}i"`): the server, as Apache's %v; any
  // other word an identd answer, named as Logstash's ECS patterns name it.
  if (!rec.ident.empty() && rec.ident != "-" && rec.server_name.empty()) {
    if (rec.ident.find_first_of(".:") != std::string_view::npos || rec.ident == "localhost")
      set_server(rec, rec.ident);
    else
      rec.fields.push_back(Field::string("apache.access.user.identity", rec.ident));
  }
  i = k + 2;  // after " ["

  size_t t = ctx.apache_time ? ctx.apache_time->parse(p + i, n - i, rec.ts) : parse_apache_time(p + i, n - i, rec.ts);
  if (t == 0) {
    // nginx's $time_iso8601 in the brackets (2006-01-02T15:04:05+07:00), Python's http.server
    // and Werkzeug's 06/Oct/2026 16:28:29, Apache's layout without a zone; no zone: --tz. A zone
    // named GMT or UTC (SOGo's) is +0000.
    size_t close = scan::find_char(p, i, n, ']');
    const std::string_view in_brackets = close == std::string_view::npos ? std::string_view{} : std::string_view(p + i, close - i);
    const bool utc_name = in_brackets.size() == 24 && (in_brackets.ends_with(" GMT") || in_brackets.ends_with(" UTC"));
    if (close != std::string_view::npos &&
        (parse_iso8601_lenient(p + i, close - i, ctx.cfg.default_offset_min, rec.ts) == close - i ||
         parse_apache_time_no_zone(p + i, close - i, ctx.cfg.default_offset_min, rec.ts) == close - i ||
         (utc_name && parse_apache_time_no_zone(p + i, 20, 0, rec.ts) == 20)))
      t = close - i;
    else
      return ctx.fail(F, "bad timestamp, expected dd/Mon/yyyy:HH:MM:SS +zzzz or ISO 8601", i);
  }
  i += t;
  size_t open = i + 2;  // the request's quote
  if (i + 2 < n && p[i] == ']' && p[i + 1] == ' ' && p[i + 2] != '"') {  // "] TLSv1.2 CIPHER \"GET …"
    const size_t r = tls_fields(p, i + 2, n, rec);
    if (r != std::string_view::npos && r < n) open = r;
  }
  if (open >= n || p[i] != ']' || p[i + 1] != ' ' || p[open] != '"')
    return ctx.fail(F, "expected '] \"' after the timestamp", i);
  i = open + 1;

  size_t q = scan::quoted(p, i, n, rec.scratch, rec.request);
  if (q == std::string_view::npos) return ctx.fail(F, "unterminated request string", i);
  split_request(rec);
  i = q + 1;

  if (i >= n || p[i] != ' ') return ctx.fail(F, "expected status after the request", i);
  ++i;
  int64_t v = 0;
  size_t e = i + 1;
  if (i < n && p[i] == '-') {
    rec.status = -1;  // some servers log '-' when the client went away before a response
  } else {
    e = scan::uint_at(p, i, n, v);
    if (e == std::string_view::npos || e - i != 3) return ctx.fail(F, "expected a 3-digit status code or '-'", i);
    rec.status = static_cast<int>(v);
  }
  i = e;
  if (i >= n || p[i] != ' ') return ctx.fail(F, "expected byte count after the status", i);
  ++i;
  e = byte_count(p, i, n, rec);
  if (e == std::string_view::npos) return ctx.fail(F, "expected byte count or '-'", i);
  return after_byte_count(p, e, n, ctx, rec);
}

namespace {
constexpr size_t npos = std::string_view::npos;

// Traefik's common log format ends the combined line with
// ` <requests since start> "<router>" "<service URL>" <duration>ms` (its formatter quotes the
// values but escapes nothing: a user agent may hold a bare '"'). Read from the line's end: the
// index of the blank before the request count, npos if the line does not end so. The fields
// get Filebeat's traefik module names; the duration is ECS's event.duration in nanoseconds.
size_t traefik_tail(const char* p, size_t from, size_t n, Record& rec) {
  if (n < from + 13 || p[n - 1] != 's' || p[n - 2] != 'm') return npos;
  size_t i = n - 2;
  while (i > from && p[i - 1] >= '0' && p[i - 1] <= '9') --i;
  int64_t ms = 0;
  if (i == n - 2 || scan::uint_at(p, i, n - 2, ms) != n - 2 || p[i - 1] != ' ' || p[i - 2] != '"') return npos;
  std::string_view quoted[2];  // the service URL, then the router
  size_t close = i - 2;
  for (std::string_view& q : quoted) {
    if (close <= from) return npos;
    const size_t open = std::string_view(p + from, close - from).rfind('"');
    if (open == npos || open < 2 || p[from + open - 1] != ' ') return npos;
    q = std::string_view(p + from + open + 1, close - from - open - 1);
    close = from + open - 2;  // the quote or digit before " \"": checked below
    if (&q == &quoted[0] && p[close] != '"') return npos;
  }
  // the request count: digits, or '-' when unknown
  size_t c = close + 1;
  while (c > from && p[c - 1] >= '0' && p[c - 1] <= '9') --c;
  int64_t count = -1;
  if (c == close + 1) {
    if (p[close] != '-') return npos;
    c = close;
  } else if (scan::uint_at(p, c, close + 1, count) != close + 1) {
    return npos;
  }
  if (c < from + 2 || p[c - 1] != ' ' || p[c - 2] != '"') return npos;
  if (count >= 0) rec.fields.push_back(Field::integer("traefik.access.request_count", count));
  if (quoted[1] != "-" && !quoted[1].empty()) rec.fields.push_back(Field::string("traefik.access.frontend_name", quoted[1]));
  if (quoted[0] != "-" && !quoted[0].empty()) rec.fields.push_back(Field::string("traefik.access.backend_url", quoted[0]));
  if (ms <= INT64_MAX / 1000000) rec.fields.push_back(Field::integer("event.duration", ms * 1000000));
  return c - 1;
}

// ingress-nginx's default log_format ends the combined line with
// ` $request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name]
// $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id`;
// the upstream values are lists when a request tried several servers ("a:80, b:80"; " : " after
// an internal redirect). Fields as Filebeat's nginx ingress_controller fileset names them: the
// lists as written, the last server's address, length and status, the summed time.
namespace ingress {
// One list: items of address, number and word bytes, parted by ", " or " : "; end: after it.
bool list(const char* p, size_t& i, size_t n, std::string& json, std::vector<std::string_view>& items) {
  items.clear();
  json.assign(1, '[');
  while (true) {
    const size_t s = i;
    while (i < n && ((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
                     p[i] == '.' || p[i] == ':' || p[i] == '-' || p[i] == '_' || p[i] == '/' || p[i] == '[' ||
                     p[i] == ']'))
      ++i;
    if (i == s) return false;
    items.emplace_back(p + s, i - s);
    if (items.size() > 1) json.push_back(',');
    json.push_back('"');
    json.append(items.back());
    json.push_back('"');
    if (i + 1 < n && p[i] == ',' && p[i + 1] == ' ') i += 2;
    else if (i + 2 < n && p[i] == ' ' && p[i + 1] == ':' && p[i + 2] == ' ') i += 3;
    else break;
  }
  json.push_back(']');
  return true;
}

// "0.104" from "0.100" and "0.004": summed in the finest fraction written (no binary rounding).
bool decimal_sum(const std::vector<std::string_view>& items, std::string& out) {
  constexpr int64_t kMax = 1'000'000'000'000'000'000;
  int64_t sum = 0;
  int digits = 0;
  bool any = false;
  for (std::string_view t : items) {
    if (t == "-") continue;
    const size_t dot = t.find('.');
    const int d = dot == std::string_view::npos ? 0 : static_cast<int>(t.size() - dot - 1);
    if (d > 6 || t.size() > 12) return false;
    int64_t v = 0;
    for (char c : t) {
      if (c == '.') continue;
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    for (; digits < d; ++digits) {
      if (sum > kMax / 10) return false;
      sum *= 10;
    }
    for (int k = d; k < digits; ++k) v *= 10;  // v < 10^12 at most 10^6 times: fits
    if (sum > kMax - v) return false;
    sum += v;
    any = true;
  }
  if (!any) return false;
  std::string whole = std::to_string(sum);
  if (digits == 0) {
    out = whole + ".0";
    return true;
  }
  if (whole.size() <= static_cast<size_t>(digits)) whole.insert(0, static_cast<size_t>(digits) + 1 - whole.size(), '0');
  out = whole.substr(0, whole.size() - static_cast<size_t>(digits)) + "." + whole.substr(whole.size() - static_cast<size_t>(digits));
  return true;
}

bool number(std::string_view t, bool fraction) {
  if (t.empty() || t.size() > 18) return false;
  size_t dots = 0;
  for (char c : t)
    if (c == '.') ++dots;
    else if (c < '0' || c > '9') return false;
  return fraction ? dots <= 1 && t.front() != '.' && t.back() != '.' : dots == 0;
}

Field decimal(std::string_view name, std::string_view text) {  // text: digits and a '.' (checked)
  Field f{name, Field::Kind::Float, text};
  std::from_chars(text.data(), text.data() + text.size(), f.f);
  return f;
}
}  // namespace ingress

// The tail after the user agent (from: the blank after its quote); false, with rec untouched, if
// it is not that tail.
bool ingress_tail(const char* p, size_t from, size_t n, Record& rec) {
  const std::string_view line(p, n);
  size_t i = from;
  auto token = [&](std::string_view& t) {  // " <non-blank run>"
    if (i >= n || p[i] != ' ') return false;
    const size_t s = ++i;
    while (i < n && p[i] != ' ') ++i;
    t = line.substr(s, i - s);
    return !t.empty();
  };
  auto bracketed = [&](std::string_view& t) {  // " [name]", maybe empty
    if (i + 1 >= n || p[i] != ' ' || p[i + 1] != '[') return false;
    const size_t close = line.find(']', i + 2);
    if (close == std::string_view::npos || line.substr(i + 2, close - i - 2).find(' ') != std::string_view::npos)
      return false;
    t = line.substr(i + 2, close - i - 2);
    i = close + 1;
    return true;
  };
  std::string_view length, time, name, alt, id;
  if (!token(length) || !ingress::number(length, false) || !token(time) || !ingress::number(time, true) ||
      !bracketed(name) || !bracketed(alt))
    return false;
  std::string json[4];
  std::vector<std::string_view> items[4];  // addresses, lengths, times, statuses
  for (int k = 0; k < 4; ++k) {
    if (i >= n || p[i] != ' ') return false;
    ++i;
    if (!ingress::list(p, i, n, json[k], items[k])) return false;
  }
  if (!token(id) || i != n) return false;
  for (char c : id)
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-')) return false;

  auto& f = rec.fields;
  int64_t v = 0;
  scan::uint_at(length.data(), 0, length.size(), v);
  f.push_back(Field::integer("nginx.ingress_controller.http.request.length", v));
  f.push_back(ingress::decimal("nginx.ingress_controller.http.request.time", time));
  if (!name.empty()) f.push_back(Field::string("nginx.ingress_controller.upstream.name", name));
  if (!alt.empty()) f.push_back(Field::string("nginx.ingress_controller.upstream.alternative_name", alt));
  const bool none = items[0].size() == 1 && items[0][0] == "-";  // no upstream (a 400 nginx answered)
  if (!none) {
    std::string_view host;
    int port = -1;
    split_host_port(items[0].back(), host, port);
    if (is_ip(host) && port >= 0) {
      f.push_back(Field::string("nginx.ingress_controller.upstream.ip", host));
      f.push_back(Field::integer("nginx.ingress_controller.upstream.port", port));
    }
    const std::string_view last_len = items[1].back(), last_status = items[3].back();
    if (ingress::number(last_len, false) && scan::uint_at(last_len.data(), 0, last_len.size(), v) == last_len.size())
      f.push_back(Field::integer("nginx.ingress_controller.upstream.response.length", v));
    std::string sum;
    if (ingress::decimal_sum(items[2], sum))
      f.push_back(ingress::decimal("nginx.ingress_controller.upstream.response.time", rec.keep(sum)));
    if (last_status.size() == 3 && scan::uint_at(last_status.data(), 0, 3, v) == 3)
      f.push_back(Field::integer("nginx.ingress_controller.upstream.response.status_code", v));
    static constexpr std::string_view kLists[4] = {
        "nginx.ingress_controller.upstream_address_list", "nginx.ingress_controller.upstream.response.length_list",
        "nginx.ingress_controller.upstream.response.time_list",
        "nginx.ingress_controller.upstream.response.status_code_list"};
    for (int k = 0; k < 4; ++k) f.push_back(Field{kLists[k], Field::Kind::Json, rec.keep(json[k])});
  }
  f.push_back(Field::string("nginx.ingress_controller.http.request.id", id));
  return true;
}

// What follows the fields a format names: key=value pairs (nginx's `rt=$request_time
// uct="$upstream_connect_time"`) become fields, but for "-" (nginx's empty value); any other
// text (Apache's %D, nginx's bare $request_time, a $host) is kept as written in
// kafkainsight.unparsed: nothing on the line is lost.
void rest_of_line(const char* p, size_t i, size_t n, Record& rec) {
  while (n > i && (p[n - 1] == ' ' || p[n - 1] == '\t')) --n;
  size_t k = i;
  while (k < n && (p[k] == ' ' || p[k] == '\t')) ++k;
  if (k >= n) return;
  const size_t before = rec.fields.size();
  if (k == i + 1 && p[i] == ' ' && read_pairs(std::string_view(p + i, n - i), 0, rec)) {
    auto none = [](const Field& f) { return f.kind == Field::Kind::String && f.text == "-"; };
    rec.fields.erase(std::remove_if(rec.fields.begin() + static_cast<std::ptrdiff_t>(before), rec.fields.end(), none),
                     rec.fields.end());
    return;
  }
  rec.fields.push_back(Field::string("kafkainsight.unparsed", std::string_view(p + k, n - k)));
}

bool after_byte_count(const char* p, size_t i, size_t n, const ParseContext& ctx, Record& rec) {
  // Common ends here; combined adds two quoted fields. Text after them is read by rest_of_line.
  rec.format = Format::ApacheCommon;
  const size_t end = i;
  while (i < n && (p[i] == ' ' || p[i] == '\t')) ++i;
  if (i >= n) return true;
  if (p[i] != '"') {
    if (i == end) return ctx.fail(Format::ApacheCommon, "unexpected text after the byte count", i);
    rest_of_line(p, end, n, rec);
    return true;
  }
  size_t q = scan::quoted(p, i + 1, n, rec.scratch, rec.referrer);
  if (q == std::string_view::npos) return ctx.fail(Format::ApacheCombined, "unterminated referrer string", i);
  i = q + 1;
  if (i + 1 >= n || p[i] != ' ' || p[i + 1] != '"')
    return ctx.fail(Format::ApacheCombined, "expected quoted user agent after the referrer", i);
  const size_t agent = i + 2;
  q = scan::quoted(p, agent, n, rec.scratch, rec.user_agent);
  if (q == std::string_view::npos) return ctx.fail(Format::ApacheCombined, "unterminated user agent string", i + 2);
  rec.has_referrer = true;
  rec.format = Format::ApacheCombined;
  if (q + 1 < n) {
    const size_t tail = traefik_tail(p, agent, n, rec);
    if (tail != npos) {
      // Traefik escapes nothing: the agent runs to the quote before its tail.
      if (tail - 1 != q) rec.user_agent = std::string_view(p + agent, tail - 1 - agent);
      return true;
    }
    if (ingress_tail(p, q + 1, n, rec)) return true;
  }
  // nginx's "main" log_format (its stock nginx.conf, the official image) adds
  // "$http_x_forwarded_for": the addresses the request passed through, the client's first
  // ("-": no header).
  i = q + 1;
  if (i + 1 < n && p[i] == ' ' && p[i + 1] == '"') {
    std::string_view xff;
    q = scan::quoted(p, i + 2, n, rec.scratch, xff);
    if (q != std::string_view::npos && (xff == "-" || forwarded_list(xff))) {
      if (xff != "-") rec.forwarded_for = xff;
      i = q + 1;
    }
  }
  rest_of_line(p, i, n, rec);
  return true;
}

}  // namespace

}  // namespace ki
