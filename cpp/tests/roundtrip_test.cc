// Generator -> parser: 100k lines per format, all parse, and every field equals what the
// generator wrote (the line re-rendered from the parsed fields is byte-identical, and the
// event time equals the generator's clock).
#include <gtest/gtest.h>

#include "generate/generator.h"
#include "parse/parser.h"
#include "util/timefmt.h"

using namespace ki;

namespace {

void two(std::string& o, int v) { append_padded(o, v, 2); }

struct Wall {
  int64_t y;
  unsigned mo, d;
  int h, mi, s, wd;
};
Wall wall(const Timestamp& ts) {
  int64_t local = ts.epoch_sec + ts.offset_min * 60;
  int64_t days = local / 86400, secs = local % 86400;
  Wall w{};
  civil_from_days(days, w.y, w.mo, w.d);
  w.h = static_cast<int>(secs / 3600), w.mi = static_cast<int>(secs / 60 % 60), w.s = static_cast<int>(secs % 60);
  w.wd = static_cast<int>((days + 4) % 7);  // 1970-01-01 was a Thursday
  return w;
}

std::string apache_time(const Timestamp& ts) {
  Wall w = wall(ts);
  std::string o;
  two(o, static_cast<int>(w.d));
  o += "/" + std::string(kMonthAbbrev[w.mo - 1]) + "/" + std::to_string(w.y) + ":";
  two(o, w.h), o += ':', two(o, w.mi), o += ':', two(o, w.s);
  int off = ts.offset_min < 0 ? -ts.offset_min : ts.offset_min;
  o += ts.offset_min < 0 ? " -" : " +";
  two(o, off / 60), two(o, off % 60);
  return o;
}

// Renders a parsed record back into flog's template for its format.
std::string render(const Record& r) {
  static const char* wd[7] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  std::string o;
  auto sv = [&](std::string_view s) { o.append(s); };
  Wall w = wall(r.ts);
  switch (r.format) {
    case Format::ApacheCommon:
    case Format::ApacheCombined:
      sv(r.client_ip), sv(" "), sv(r.ident), sv(" "), sv(r.user), sv(" ["), sv(apache_time(r.ts)), sv("] \"");
      sv(r.method), sv(" "), sv(r.path), sv(" "), sv(r.protocol), sv("\" ");
      o += std::to_string(r.status) + " " + std::to_string(r.bytes);
      if (r.has_referrer) sv(" \""), sv(r.referrer), sv("\" \""), sv(r.user_agent), sv("\"");
      break;
    case Format::ApacheError:
      o += "[" + std::string(wd[w.wd]) + " " + kMonthAbbrev[w.mo - 1] + " ";
      two(o, static_cast<int>(w.d)), o += ' ', two(o, w.h), o += ':', two(o, w.mi), o += ':', two(o, w.s);
      o += " " + std::to_string(w.y) + "] [";
      sv(r.module), sv(":"), sv(r.level);
      o += "] [pid " + std::to_string(r.pid) + ":tid " + std::to_string(r.tid) + "] [client ";
      sv(r.client_ip);
      o += ":" + std::to_string(r.port) + "] ";
      sv(r.message);
      break;
    case Format::Rfc3164:
      o += "<" + std::to_string(r.priority) + ">" + kMonthAbbrev[w.mo - 1] + " ";
      two(o, static_cast<int>(w.d)), o += ' ', two(o, w.h), o += ':', two(o, w.mi), o += ':', two(o, w.s);
      sv(" "), sv(r.hostname), sv(" "), sv(r.app), sv("["), sv(r.procid), sv("]: "), sv(r.message);
      break;
    case Format::Rfc5424: {
      o += "<" + std::to_string(r.priority) + ">" + std::to_string(r.version) + " " + std::to_string(w.y) + "-";
      two(o, static_cast<int>(w.mo)), o += '-', two(o, static_cast<int>(w.d)), o += 'T';
      two(o, w.h), o += ':', two(o, w.mi), o += ':', two(o, w.s);
      o += "." + std::string(3 - std::to_string(r.ts.nanos / 1000000).size(), '0') + std::to_string(r.ts.nanos / 1000000) + "Z ";
      sv(r.hostname), sv(" "), sv(r.app), sv(" "), sv(r.procid), sv(" "), sv(r.msgid), sv(" - "), sv(r.message);
      break;
    }
    case Format::Json:
      o += "{\"host\":\"";
      sv(r.client_ip), sv("\", \"user-identifier\":\""), sv(r.user), sv("\", \"datetime\":\""), sv(apache_time(r.ts));
      sv("\", \"method\": \""), sv(r.method), sv("\", \"request\": \""), sv(r.path), sv("\", \"protocol\":\""), sv(r.protocol);
      o += "\", \"status\":" + std::to_string(r.status) + ", \"bytes\":" + std::to_string(r.bytes) + ", \"referer\": \"";
      sv(r.referrer), sv("\"}");
      break;
    default: break;
  }
  return o;
}

class RoundTrip : public ::testing::TestWithParam<Format> {};

TEST_P(RoundTrip, HundredThousandLinesParseAndFieldsEqual) {
  GeneratorConfig gc;
  gc.format = GetParam();
  gc.seed = 20261122;
  gc.start_epoch_sec = 1700000000;
  gc.interval_ns = 1'500'000'000;  // -s 1.5s
  gc.tz_offset_min = gc.format == Format::Rfc5424 ? 0 : 480;
  Generator gen(gc);
  ParserConfig pc;
  pc.format = Format::Unknown;  // auto-detect, the default
  pc.default_offset_min = gc.tz_offset_min;
  pc.default_year = 2023;
  Parser parser(pc);
  Record rec;
  std::string line;
  int mismatches = 0;
  for (int i = 0; i < 100000; ++i) {
    int64_t t_ns = gen.current_time_ns();
    line.clear();
    gen.next(line);
    ASSERT_EQ(parser.parse(line, rec), ParseStatus::Ok) << parser.error_message() << "\n" << line;
    Format want = gc.format;
    ASSERT_EQ(rec.format, want) << line;
    // flog writes whole seconds (rfc5424: milliseconds); the generator's clock is exact.
    int64_t t_s = t_ns / 1'000'000'000;
    if (gc.format == Format::Rfc3164) {
      // No year in the line: compare within the year we told the parser.
      Wall w = wall(rec.ts);
      ASSERT_EQ(w.y, 2023);
      if (t_s < 1704067200 - 8 * 3600) EXPECT_EQ(rec.ts.epoch_sec, t_s) << line;
    } else {
      EXPECT_EQ(rec.ts.epoch_sec, t_s) << line;
    }
    std::string back = render(rec);
    if (back != line && ++mismatches < 5) ADD_FAILURE() << "line:  " << line << "\nfields: " << back;
  }
  EXPECT_EQ(mismatches, 0);
}

INSTANTIATE_TEST_SUITE_P(AllFlogFormats, RoundTrip,
                         ::testing::Values(Format::ApacheCommon, Format::ApacheCombined, Format::ApacheError,
                                           Format::Rfc3164, Format::Rfc5424, Format::Json),
                         [](const auto& info) { return std::string(format_name(info.param)); });

}  // namespace
