// flog's json format: {"host":..., "user-identifier":..., "datetime":..., "method":...,
// "request":..., "protocol":..., "status":N, "bytes":N, "referer":...}. Parsed as JSON
// (simdjson), so key order and spacing do not matter.
#include <simdjson.h>

#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"

namespace ki {

namespace {
bool as_int(simdjson::dom::element v, int64_t& out) {
  int64_t i = 0;
  if (v.get_int64().get(i) == simdjson::SUCCESS) {
    out = i;
    return true;
  }
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) {
    if (s == "-") {
      out = -1;
      return true;
    }
    int64_t x = 0;
    if (!s.empty() && scan::uint_at(s.data(), 0, s.size(), x) == s.size()) {
      out = x;
      return true;
    }
  }
  return false;
}
}  // namespace

bool parse_json_line(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::Json;
  simdjson::dom::element doc;
  auto err = ctx.json->parse(line.data(), line.size(), true).get(doc);
  if (err) return ctx.fail(F, simdjson::error_message(err), 0);
  simdjson::dom::object obj;
  if (doc.get_object().get(obj)) return ctx.fail(F, "expected a JSON object", 0);
  bool have_time = false;
  for (auto field : obj) {
    std::string_view k = field.key;
    simdjson::dom::element v = field.value;
    std::string_view s;
    auto str = [&](std::string_view& out) {
      if (v.get_string().get(s) == simdjson::SUCCESS) out = s;
      return true;
    };
    if (k == "host") str(rec.client_ip);
    else if (k == "user-identifier") str(rec.user);
    else if (k == "method") str(rec.method);
    else if (k == "request") str(rec.path);
    else if (k == "protocol") str(rec.protocol);
    else if (k == "referer" || k == "referrer") {
      str(rec.referrer);
      rec.has_referrer = true;
    } else if (k == "user-agent" || k == "agent") str(rec.user_agent);
    else if (k == "status") {
      int64_t x = 0;
      if (!as_int(v, x) || x < 0 || x > 999) return ctx.fail(F, "\"status\" is not a status code", 0);
      rec.status = static_cast<int>(x);
    } else if (k == "bytes") {
      int64_t x = 0;
      if (!as_int(v, x)) return ctx.fail(F, "\"bytes\" is not a number", 0);
      rec.bytes = x;
    } else if (k == "datetime") {
      if (v.get_string().get(s) != simdjson::SUCCESS) return ctx.fail(F, "\"datetime\" is not a string", 0);
      size_t t = parse_apache_time(s.data(), s.size(), rec.ts);
      if (t == 0) t = parse_iso8601(s.data(), s.size(), rec.ts);
      if (t == 0 || t != s.size())
        return ctx.fail(F, "bad \"datetime\", expected dd/Mon/yyyy:HH:MM:SS +zzzz", 0);
      have_time = true;
    }
  }
  if (!have_time) return ctx.fail(F, "missing \"datetime\"", 0);
  rec.request = rec.path;
  rec.format = F;
  return true;
}

}  // namespace ki
