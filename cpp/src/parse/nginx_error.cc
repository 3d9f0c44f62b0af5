// nginx error log: "2006/01/02 15:04:05 [level] pid#tid: *cid message", as ngx_log_error_core
// writes it (the "*cid " part only for a connection's events). The message is kept whole, as
// Filebeat keeps it; the context nginx's HTTP and stream modules append to it
// (", client: A, server: S, request: "R", upstream: "U", host: "H", referrer: "F"") is read
// into fields as well.

#include <algorithm>
#include <iterator>

#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki {

namespace {

bool is_nginx_level(std::string_view l) {
  for (std::string_view k : {"debug", "info", "notice", "warn", "error", "crit", "alert", "emerg"})
    if (l == k) return true;
  return false;
}

// The keys nginx appends after the message, in the order it writes them.
constexpr std::string_view kTailKeys[] = {"client", "server", "request", "subrequest", "upstream", "host", "referrer"};

bool is_tail_key(std::string_view k) {
  for (std::string_view t : kTailKeys)
    if (k == t) return true;
  return false;
}

// At s[i] == ',': ", key: " of a tail key follows; key_end: where the key ends.
bool tail_key_at(std::string_view s, size_t i, size_t& key_end) {
  if (i + 2 >= s.size() || s[i] != ',' || s[i + 1] != ' ') return false;
  // The longest key has 10 letters: look no further (a long line of ", " stays linear).
  const size_t colon = s.substr(0, i + 15).find(": ", i + 2);
  if (colon == std::string_view::npos) return false;
  if (!is_tail_key(s.substr(i + 2, colon - (i + 2)))) return false;
  key_end = colon;
  return true;
}

// The stream module's ", bytes from/to client:0/0, ..." counters, or the line's end, end the
// context.
bool tail_end_at(std::string_view s, size_t i) {
  return i == s.size() || s.substr(i).starts_with(", bytes from/to ");
}

// The context nginx appends: from the first ", client: " whose keys and values read to the
// end. Values of request, subrequest, upstream, host and referrer are quoted (their text may
// hold ", " and quotes of its own: a value ends at a quote followed by the end or the next
// key); client and server are not (they end at the next ", "). Nothing is set unless the whole
// context reads.
void read_tail(std::string_view msg, Record& rec) {
  size_t at = msg.find(", client: ");
  // A few tries: a message may quote ", client: " before the real context (more would make a
  // line full of them quadratic).
  for (int tries = 0; tries < 8 && at != std::string_view::npos; ++tries) {
    std::string_view vals[std::size(kTailKeys)] = {};
    bool seen[std::size(kTailKeys)] = {};
    size_t i = at, key_end = 0;
    bool ok = true;
    while (!tail_end_at(msg, i)) {
      if (!tail_key_at(msg, i, key_end)) {
        ok = false;
        break;
      }
      const std::string_view key = msg.substr(i + 2, key_end - (i + 2));
      size_t k = 0;
      while (kTailKeys[k] != key) ++k;
      const size_t v = key_end + 2;
      size_t end = v;
      if (v < msg.size() && msg[v] == '"') {
        size_t q = v + 1, next_key = 0;
        for (;;) {
          q = msg.find('"', q);
          if (q == std::string_view::npos || tail_end_at(msg, q + 1) || tail_key_at(msg, q + 1, next_key)) break;
          ++q;
        }
        if (q == std::string_view::npos) {
          ok = false;
          break;
        }
        vals[k] = msg.substr(v + 1, q - v - 1);
        end = q + 1;
      } else {
        end = std::min(msg.find(", ", v), msg.size());
        vals[k] = msg.substr(v, end - v);
      }
      if (seen[k]) {
        ok = false;
        break;
      }
      seen[k] = true;
      i = end;
    }
    if (ok) {
      if (!vals[0].empty()) rec.client_ip = vals[0];
      if (!vals[1].empty()) split_host_port(vals[1], rec.server_name, rec.server_port);
      if (!vals[2].empty()) {
        rec.request = vals[2];
        split_request(rec);
      }
      rec.upstream = vals[4];
      if (!vals[5].empty()) split_host_port(vals[5], rec.host_header, rec.host_port);
      if (!vals[6].empty()) rec.referrer = vals[6];
      return;
    }
    at = msg.find(", client: ", at + 1);
  }
}

}  // namespace

bool parse_nginx_error(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::NginxError;
  const char* p = line.data();
  const size_t n = line.size();
  // 2006/01/02 15:04:05
  if (n < 20 || p[4] != '/' || p[7] != '/' || p[10] != ' ' || p[13] != ':' || p[16] != ':')
    return ctx.fail(F, "expected a time as yyyy/mm/dd HH:MM:SS", 0);
  const int year = parse_fixed(p, 4), month = parse_fixed(p + 5, 2), day = parse_fixed(p + 8, 2);
  const int hour = parse_fixed(p + 11, 2), minute = parse_fixed(p + 14, 2), second = parse_fixed(p + 17, 2);
  if (year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0)
    return ctx.fail(F, "expected a time as yyyy/mm/dd HH:MM:SS", 0);
  rec.ts.offset_min = static_cast<int16_t>(ctx.cfg.default_offset_min);
  if (!set_civil(rec.ts, year, month, day, hour, minute, second)) return ctx.fail(F, "time out of range", 0);
  size_t i = 19;
  if (i + 1 >= n || p[i] != ' ' || p[i + 1] != '[') return ctx.fail(F, "expected ' [' and a level after the time", i);
  i += 2;
  const size_t close = scan::find_char(p, i, n, ']');
  if (close == std::string_view::npos || !is_nginx_level(std::string_view(p + i, close - i)))
    return ctx.fail(F, "expected a level (debug, info, notice, warn, error, crit, alert or emerg) in brackets", i);
  rec.level = std::string_view(p + i, close - i);
  i = close + 1;
  if (i >= n || p[i] != ' ') return ctx.fail(F, "expected ' pid#tid:' after the level", i);
  ++i;
  int64_t v = 0;
  size_t e = scan::uint_at(p, i, n, v);
  if (e == std::string_view::npos || e >= n || p[e] != '#') return ctx.fail(F, "expected pid#tid: after the level", i);
  rec.pid = v;
  i = e + 1;
  e = scan::uint_at(p, i, n, v);
  if (e == std::string_view::npos || e >= n || p[e] != ':') return ctx.fail(F, "expected ':' after pid#tid", i);
  rec.tid = v;
  i = e + 1;
  if (i < n && p[i] == ' ') ++i;
  if (i < n && p[i] == '*') {
    e = scan::uint_at(p, i + 1, n, v);
    if (e != std::string_view::npos && (e == n || p[e] == ' ')) {
      rec.connection_id = v;
      i = e < n ? e + 1 : e;
    }
  }
  rec.message = std::string_view(p + i, n - i);
  read_tail(rec.message, rec);
  rec.format = F;
  return true;
}

}  // namespace ki
