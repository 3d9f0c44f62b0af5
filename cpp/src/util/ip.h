// IP address checks shared by the parsers and the encoder (source.ip vs source.domain, address
// lists).
#pragma once
#include <arpa/inet.h>

#include <cstring>
#include <string_view>

namespace ki {

[[gnu::always_inline]] inline bool is_ipv4_fast(std::string_view s) {
  int parts = 0; size_t i = 0, n = s.size();
  while (true) {
    size_t st = i; unsigned v = 0;
    while (i < n && s[i] >= '0' && s[i] <= '9' && i - st < 3) v = v * 10 + unsigned(s[i++] - '0');
    if (i == st || v > 255 || (i - st > 1 && s[st] == '0')) return false;
    if (++parts == 4) return i == n;
    if (i >= n || s[i] != '.') return false;
    ++i;
  }
}

// The address as 16 bytes (IPv4 as ::ffff:a.b.c.d); false if s is not an address.
inline bool parse_ip(std::string_view s, unsigned char out[16]) {
  // inet_pton reads up to a NUL: "::1\0junk" would pass as "::1"
  if (s.empty() || s.size() > 45 || std::memchr(s.data(), 0, s.size())) return false;
  char buf[48];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = 0;
  if (s.find(':') != std::string_view::npos) return inet_pton(AF_INET6, buf, out) == 1;
  std::memset(out, 0, 10);
  out[10] = out[11] = 0xff;
  return inet_pton(AF_INET, buf, out + 12) == 1;
}

// Inlined where the client is written, once per access line (called from two places, the
// compiler would otherwise keep it out of line: +2% instructions per line).
[[gnu::always_inline]] inline bool is_ip(std::string_view s) {
  if (s.empty() || s.size() > 45) return false;
  if (s.find(':') == std::string_view::npos) return is_ipv4_fast(s);
  unsigned char addr[16];
  return parse_ip(s, addr);
}

// An address of the public internet: not private (RFC 1918, fc00::/7), loopback, link-local,
// unspecified or CGNAT (100.64/10). Address lists take the first public one as the client, as
// Filebeat's nginx module does.
inline bool is_public_ip(std::string_view s) {
  unsigned char a[16];
  if (!parse_ip(s, a)) return false;
  static constexpr unsigned char kV4[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  if (std::memcmp(a, kV4, 12) == 0) {
    const unsigned b0 = a[12], b1 = a[13];
    return !(b0 == 0 || b0 == 10 || b0 == 127 || (b0 == 169 && b1 == 254) || (b0 == 172 && (b1 & 0xf0) == 16) ||
             (b0 == 192 && b1 == 168) || (b0 == 100 && (b1 & 0xc0) == 64));
  }
  static constexpr unsigned char kZero[15] = {};
  if (std::memcmp(a, kZero, 15) == 0) return false;  // :: and ::1
  return !((a[0] & 0xfe) == 0xfc || (a[0] == 0xfe && (a[1] & 0xc0) == 0x80));
}

}  // namespace ki

namespace ki {

// Each address of a list as written ("a, b, c", "\"a, b\" c"): split at commas, blanks and quotes.
template <class F>
void for_each_address(std::string_view list, F&& f) {
  auto sep = [](char c) { return c == ' ' || c == ',' || c == '"'; };
  size_t i = 0;
  while (i < list.size()) {
    while (i < list.size() && sep(list[i])) ++i;
    const size_t s = i;
    while (i < list.size() && !sep(list[i])) ++i;
    if (i > s) f(list.substr(s, i - s));
  }
}

// The client an address list names: its first public address, else its first entry (its first
// address with ips_only), as Filebeat's nginx module picks it; "" if none.
inline std::string_view list_client(std::string_view list, bool ips_only) {
  std::string_view first, pub;
  for_each_address(list, [&](std::string_view a) {
    if (!pub.empty() || (ips_only && !is_ip(a))) return;
    if (first.empty()) first = a;
    if (is_public_ip(a)) pub = a;
  });
  return pub.empty() ? first : pub;
}

// `digits` as a port (one to five digits, at most 65535), else -1.
inline int port_number(std::string_view digits) {
  if (digits.empty() || digits.size() > 5) return -1;
  int p = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return -1;
    p = p * 10 + (c - '0');
  }
  return p <= 65535 ? p : -1;
}

// "name:port", "1.2.3.4:80", "[2001:db8::1]:443", "[fe80::1]", "2001:db8::1" (a bare IPv6
// address has no port): the host, brackets dropped, and the port (-1 if none).
inline void split_host_port(std::string_view v, std::string_view& host, int& port) {
  port = -1;
  const size_t colon = v.rfind(':');
  const bool bracketed = v.starts_with('[') && colon != std::string_view::npos && colon > 0 && v[colon - 1] == ']';
  if (colon != std::string_view::npos && (bracketed || v.find(':') == colon)) {
    if (const int p = port_number(v.substr(colon + 1)); p >= 0) {
      port = p;
      host = bracketed ? v.substr(1, colon - 2) : v.substr(0, colon);
      return;
    }
  }
  host = v.size() > 2 && v.front() == '[' && v.back() == ']' ? v.substr(1, v.size() - 2) : v;
}

}  // namespace ki
