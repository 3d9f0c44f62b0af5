// Apache error log: 2.4 ("[time] [module:level] [pid P:tid T] [client IP:PORT] msg"), as flog
// writes it, and 2.2 ("[time] [level] [client IP] msg").

#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"

namespace ki {

namespace {

// "1.2.3.4:5678", "1.2.3.4", "[::1]:5678", "::1", "fe80::1:443"? (an IPv6 address that
// parses whole has no port).
void split_client(std::string_view c, Record& rec) {
  if (!c.empty() && c.front() == '[') {
    size_t close = c.find(']');
    if (close != std::string_view::npos) {
      rec.client_ip = c.substr(1, close - 1);
      if (close + 1 < c.size() && c[close + 1] == ':') {
        if (const int p = port_number(c.substr(close + 2)); p >= 0) rec.port = p;
      }
      return;
    }
  }
  size_t colon = c.rfind(':');
  if (colon == std::string_view::npos) {
    rec.client_ip = c;
    return;
  }
  if (c.find(':') != colon) {
    // Several colons: IPv6. If the whole thing is an address, there is no port.
    unsigned char addr[16];
    if (parse_ip(c, addr)) {
      rec.client_ip = c;
      return;
    }
  }
  if (const int p = port_number(c.substr(colon + 1)); p >= 0) {
    rec.client_ip = c.substr(0, colon);
    rec.port = p;
  } else {
    rec.client_ip = c;
  }
}

// The ']' that closes a "[client ADDR]" block whose ADDR starts at s[b]: "[client [::1]:5678]"
// holds a ']' of its own. npos if there is none.
size_t client_close(std::string_view s, size_t b) {
  size_t close = s.find(']', b);
  if (close != std::string_view::npos && b < s.size() && s[b] == '[' && close + 1 < s.size() &&
      (s[close + 1] == ']' || s[close + 1] == ':')) {
    const size_t close2 = s.find(']', close + 1);
    if (close2 != std::string_view::npos) close = close2;
  }
  return close;
}

}  // namespace

bool parse_apache_error(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::ApacheError;
  const char* p = line.data();
  const size_t n = line.size();
  if (n == 0 || p[0] != '[') return ctx.fail(F, "expected '[' and a timestamp", 0);
  size_t t = parse_ctime(p + 1, n - 1, ctx.cfg.default_offset_min, rec.ts);
  if (t == 0) return ctx.fail(F, "bad timestamp, expected Www Mmm dd HH:MM:SS yyyy", 1);
  size_t i = 1 + t;
  if (i + 2 >= n || p[i] != ']' || p[i + 1] != ' ' || p[i + 2] != '[')
    return ctx.fail(F, "expected '] [' and a level after the timestamp", i);
  i += 3;
  size_t close = scan::find_char(p, i, n, ']');
  if (close == std::string_view::npos || close == i) return ctx.fail(F, "expected [module:level] or [level]", i);
  std::string_view ml(p + i, close - i);
  size_t colon = ml.find(':');
  if (colon != std::string_view::npos) {
    rec.module = ml.substr(0, colon);
    rec.level = ml.substr(colon + 1);
  } else {
    rec.level = ml;
  }
  for (char c : rec.level)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '-'))  // flog: "trace1-8"
      return ctx.fail(F, "bad log level", i);
  i = close + 1;

  // Optional "[pid P:tid T]" / "[pid P]" and "[client ADDR]" blocks, in this order.
  while (i + 1 < n && p[i] == ' ' && p[i + 1] == '[') {
    std::string_view rest(p + i + 2, n - i - 2);
    close = scan::find_char(p, i + 2, n, ']');
    if (close == std::string_view::npos) break;
    std::string_view block(p + i + 2, close - i - 2);
    if (rest.starts_with("pid ")) {
      int64_t v = 0;
      size_t e = scan::uint_at(block.data(), 4, block.size(), v);
      if (e == std::string_view::npos) return ctx.fail(F, "bad pid", i + 6);
      rec.pid = v;
      if (e < block.size()) {
        if (block.substr(e).starts_with(":tid ")) {
          size_t e2 = scan::uint_at(block.data(), e + 5, block.size(), v);
          if (e2 != block.size()) return ctx.fail(F, "bad tid", i + 2 + e + 5);
          rec.tid = v;
        } else {
          return ctx.fail(F, "expected ':tid' or ']' after pid", i + 2 + e);
        }
      }
    } else if (rest.starts_with("client ") || rest.starts_with("client: ")) {
      const size_t b = i + 2 + (rest[6] == ':' ? 8 : 7);
      close = client_close(line, b);
      split_client(line.substr(b, close - b), rec);
    } else {
      break;  // some other bracket belongs to the message
    }
    i = close + 1;
  }
  if (i < n && p[i] == ' ') ++i;
  rec.message = std::string_view(p + i, n - i);
  // "%F: " (the source file, at debug levels) and "%E: " (an APR error) come before the client:
  // "mod_authz_core.c(820): [client 172.17.0.1:50752] AH01626: …", "(70008)Partial results …:
  // [client …]". The message stays whole; the client is read from it.
  if (rec.client_ip.empty()) {
    const size_t at = rec.message.find(": [client ");
    if (at != std::string_view::npos && rec.message.substr(0, at).find('[') == std::string_view::npos) {
      const size_t b = at + 10, close = client_close(rec.message, b);
      if (close != std::string_view::npos && close > b) split_client(rec.message.substr(b, close - b), rec);
    }
  }
  // ", referer: URL": Apache appends the request's referrer to the errors of a request.
  if (size_t at = rec.message.rfind(", referer: "); at != std::string_view::npos) {
    std::string_view url = rec.message.substr(at + 11);
    if (!url.empty() && url.find(' ') == std::string_view::npos) rec.referrer = url;
  }
  rec.format = F;
  return true;
}

}  // namespace ki
