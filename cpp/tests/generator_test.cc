// ki::Generator / ki::generate: flog-format fake log lines.
#include "generate/generator.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using ki::Format;
using ki::GenerateOptions;
using ki::Generator;
using ki::GeneratorConfig;

constexpr int64_t kStart = 1524389400;  // 2018-04-22 09:30:00 UTC (a Sunday), as in flog's examples

const Format kAllFormats[] = {Format::ApacheCommon, Format::ApacheCombined, Format::ApacheError,
                              Format::Rfc3164,      Format::Rfc5424,        Format::Json};

GeneratorConfig config(Format f, uint64_t seed = 11, int64_t interval_ns = 0, int tz = 0) {
  GeneratorConfig c;
  c.format = f;
  c.seed = seed;
  c.start_epoch_sec = kStart;
  c.interval_ns = interval_ns;
  c.tz_offset_min = tz;
  return c;
}

std::vector<std::string> lines_of(const GeneratorConfig& c, int n) {
  Generator g(c);
  std::vector<std::string> v(n);
  for (auto& s : v) g.next(s);
  return v;
}

std::string temp_path(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) /
          ("ki_gen_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string gunzip_file(const std::string& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) return "<cannot open>";
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(gz, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(gz);
  return out;
}

// Expected timestamp text from libc (an independent reference for the calendar code).
std::string strftime_utc(int64_t sec, const char* fmt) {
  std::time_t t = static_cast<std::time_t>(sec);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  size_t n = std::strftime(buf, sizeof buf, fmt, &tm);
  return std::string(buf, n);
}

// ---------------------------------------------------------------------------------------------
// The flog templates as regular expressions.
// ---------------------------------------------------------------------------------------------
const std::string kOctet = R"((?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d))";
const std::string kIp = "(?:" + kOctet + R"(\.){3})" + kOctet;
const std::string kUser = R"([a-z']+\d{4})";
const std::string kAuth = "(?:-|" + kUser + ")";
const std::string kMon = "(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)";
const std::string kApacheTime = R"(\d{2}/)" + kMon + R"(/\d{4}:\d{2}:\d{2}:\d{2} [+-]\d{4})";
const std::string kMethod = "(?:GET|POST|PUT|PATCH|DELETE|HEAD)";
const std::string kUri = R"((?:/(?:[a-z0-9._~+-]|%[0-9a-f]{2})+){1,4})";
const std::string kProto = R"(HTTP/(?:1\.0|1\.1|2\.0))";
const std::string kStatus = "(100|200|201|203|204|205|301|302|304|400|401|403|404|405|406|416|500|501|502|503|504)";
const std::string kNum = R"((0|[1-9]\d*))";
const std::string kDomain = R"([a-z0-9/-]+\.(?:com|biz|info|name|net|org|io))";
const std::string kUrl = R"(https?://www\.)" + kDomain + R"((?:/[a-z0-9/-]+))";
const std::string kAgent =
    R"((?:Mozilla/5\.0 \([^"()]+\) (?:AppleWebKit|Gecko)/[^"]+|Mozilla/5\.0 \(compatible; MSIE \d+\.0; [^"()]+; Trident/\d\.0\)|Opera/\d\.\d+ \([^"()]+; en-US\) Presto/2\.\d+\.\d+ Version/\d+\.00))";
const std::string kPhrase = R"(([A-Z][A-Za-z0-9 ,'-]*!))";
// flog 0.4.4 (gofakeit 3.11.5 LogLevel("apache")): "trace1-8" is one value.
const std::string kLevel = "(?:emerg|alert|crit|error|warn|notice|info|debug|trace1-8)";
// gofakeit DomainName keeps the space of the buzzword "web services" (RFC 5424 host names).
const std::string kHost5424 = R"([a-z0-9/ -]+\.(?:com|biz|info|name|net|org|io))";

const std::string kCommonRe =
    kIp + " - " + kAuth + R"( \[)" + kApacheTime + R"(\] ")" + kMethod + " " + kUri + " " + kProto + "\" " + kStatus + " " + kNum;

// Checks every line of a format against its template and the numeric ranges of flog.
void check_format(Format f, const std::vector<std::string>& lines) {
  std::string re;
  switch (f) {
    case Format::ApacheCommon: re = kCommonRe; break;
    case Format::ApacheCombined: re = kCommonRe + R"( ")" + kUrl + R"(" ")" + kAgent + "\""; break;
    case Format::ApacheError:
      re = R"(\[(?:Sun|Mon|Tue|Wed|Thu|Fri|Sat) )" + kMon + R"( \d{2} \d{2}:\d{2}:\d{2} \d{4}\] \[[a-z]+:)" + kLevel +
           R"(\] \[pid )" + kNum + ":tid " + kNum + R"(\] \[client )" + kIp + ":" + kNum + R"(\] )" + kPhrase;
      break;
    case Format::Rfc3164:
      re = "<" + kNum + ">" + kMon + R"( \d{2} \d{2}:\d{2}:\d{2} )" + kUser + R"( [a-z]+\[)" + kNum + R"(\]: )" + kPhrase;
      break;
    case Format::Rfc5424:
      re = "<" + kNum + ">([1-3])" + R"( \d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z )" + kHost5424 + " [a-z]+ " + kNum +
           " ID" + kNum + " - " + kPhrase;
      break;
    default:
      re = R"(\{"host":")" + kIp + R"(", "user-identifier":")" + kAuth + R"(", "datetime":")" + kApacheTime +
           R"(", "method": ")" + kMethod + R"(", "request": ")" + kUri + R"(", "protocol":")" + kProto +
           R"(", "status":)" + kStatus + R"(, "bytes":)" + kNum + R"(, "referer": ")" + kUrl + R"("\})";
      break;
  }
  const std::regex rx(re, std::regex::ECMAScript | std::regex::optimize);
  std::smatch m;
  for (const std::string& line : lines) {
    ASSERT_TRUE(std::regex_match(line, m, rx)) << "line does not match the flog template:\n" << line;
    auto num = [&](int i) { return std::stoll(m[i].str()); };
    switch (f) {
      case Format::ApacheCommon:
        ASSERT_LE(num(2), 30000) << line;
        break;
      case Format::ApacheCombined:
        ASSERT_GE(num(2), 30) << line;
        ASSERT_LE(num(2), 100000) << line;
        break;
      case Format::ApacheError:
        ASSERT_TRUE(num(1) >= 1 && num(1) <= 10000) << line;
        ASSERT_TRUE(num(2) >= 1 && num(2) <= 10000) << line;
        ASSERT_TRUE(num(3) >= 1 && num(3) <= 65535) << line;
        break;
      case Format::Rfc3164:
        ASSERT_LE(num(1), 191) << line;
        ASSERT_TRUE(num(2) >= 1 && num(2) <= 10000) << line;
        break;
      case Format::Rfc5424:
        ASSERT_LE(num(1), 191) << line;
        ASSERT_TRUE(num(3) >= 1 && num(3) <= 10000) << line;
        ASSERT_TRUE(num(4) >= 1 && num(4) <= 1000) << line;
        break;
      default:
        ASSERT_LE(num(2), 30000) << line;
        break;
    }
    for (char c : line) ASSERT_TRUE(c >= 0x20 && c < 0x7f) << "non-printable byte in: " << line;
  }
}

class GeneratorFormatTest : public ::testing::TestWithParam<Format> {};

TEST_P(GeneratorFormatTest, TenThousandLinesMatchTheFlogTemplate) {
  check_format(GetParam(), lines_of(config(GetParam(), 11, 1234567), 10000));
}

TEST_P(GeneratorFormatTest, SameSeedSameLinesDifferentSeedsDiffer) {
  const auto a = lines_of(config(GetParam(), 7), 2000);
  const auto b = lines_of(config(GetParam(), 7), 2000);
  const auto c = lines_of(config(GetParam(), 8), 2000);
  EXPECT_EQ(a, b);
  int same = 0;
  for (size_t i = 0; i < a.size(); ++i) same += a[i] == c[i];
  EXPECT_LT(same, 5);
}

TEST_P(GeneratorFormatTest, AppendsWithoutTouchingExistingContent) {
  Generator g(config(GetParam()));
  std::string s = "prefix|";
  g.next(s);
  ASSERT_EQ(s.rfind("prefix|", 0), 0u);
  EXPECT_GT(s.size(), 40u);
  EXPECT_EQ(s.find('\n'), std::string::npos);
  const Generator& cg = g;
  EXPECT_EQ(cg.current_time_ns(), kStart * 1000000000LL);  // interval 0: time stays
}

std::string format_param_name(const ::testing::TestParamInfo<Format>& info) {
  static const char* const kNames[] = {"unknown", "apache_common", "apache_combined", "apache_error",
                                       "rfc3164", "rfc5424",       "json"};
  return kNames[static_cast<int>(info.param)];
}

INSTANTIATE_TEST_SUITE_P(AllFormats, GeneratorFormatTest, ::testing::ValuesIn(kAllFormats), format_param_name);

// ---------------------------------------------------------------------------------------------
// Timestamps
// ---------------------------------------------------------------------------------------------
std::string first_line(Format f, int tz = 0) { return lines_of(config(f, 11, 0, tz), 1)[0]; }

TEST(GeneratorTime, FlogExampleTimestamps) {
  EXPECT_NE(first_line(Format::ApacheCommon).find(" [22/Apr/2018:09:30:00 +0000] \""), std::string::npos);
  EXPECT_NE(first_line(Format::ApacheCombined).find(" [22/Apr/2018:09:30:00 +0000] \""), std::string::npos);
  EXPECT_EQ(first_line(Format::ApacheError).rfind("[Sun Apr 22 09:30:00 2018] [", 0), 0u);
  EXPECT_NE(first_line(Format::Rfc3164).find(">Apr 22 09:30:00 "), std::string::npos);
  EXPECT_NE(first_line(Format::Rfc5424).find(" 2018-04-22T09:30:00.000Z "), std::string::npos);
  EXPECT_NE(first_line(Format::Json).find("\"datetime\":\"22/Apr/2018:09:30:00 +0000\""), std::string::npos);
}

TEST(GeneratorTime, OffsetShowsLocalWallClockExceptRfc5424) {
  EXPECT_NE(first_line(Format::ApacheCommon, -420).find(" [22/Apr/2018:02:30:00 -0700] "), std::string::npos);
  EXPECT_NE(first_line(Format::Json, 330).find("\"datetime\":\"22/Apr/2018:15:00:00 +0530\""), std::string::npos);
  EXPECT_NE(first_line(Format::ApacheCommon, -600).find(" [21/Apr/2018:23:30:00 -1000] "), std::string::npos);
  EXPECT_EQ(first_line(Format::ApacheError, -600).rfind("[Sat Apr 21 23:30:00 2018] ", 0), 0u);
  EXPECT_NE(first_line(Format::Rfc3164, 840).find(">Apr 22 23:30:00 "), std::string::npos);
  EXPECT_NE(first_line(Format::Rfc5424, -420).find(" 2018-04-22T09:30:00.000Z "), std::string::npos);
}

TEST(GeneratorTime, IntervalAdvancesTimeExactly) {
  const int64_t interval = 1500000;  // 1.5 ms
  GeneratorConfig c = config(Format::Rfc5424, 3, interval);
  Generator g(c);
  std::string line;
  for (int i = 0; i < 5000; ++i) {
    EXPECT_EQ(g.current_time_ns(), kStart * 1000000000LL + i * interval);
    line.clear();
    g.next(line);
    const int64_t ns = i * interval;
    char ms[8];
    std::snprintf(ms, sizeof ms, ".%03lldZ ", static_cast<long long>(ns % 1000000000 / 1000000));
    const std::string want = " " + strftime_utc(kStart + ns / 1000000000, "%Y-%m-%dT%H:%M:%S") + ms;
    ASSERT_NE(line.find(want), std::string::npos) << "line " << i << " wants" << want << ": " << line;
  }
  EXPECT_EQ(g.current_time_ns(), kStart * 1000000000LL + 5000 * interval);
}

TEST(GeneratorTime, CalendarAgreesWithLibcOverCenturies) {
  // 31h07m13s steps from 1900 for ~150 years: weekdays, leap years, month ends, offsets.
  const int64_t step = 31 * 3600 + 7 * 60 + 13;
  const int64_t start = -2208988800;  // 1900-01-01
  for (int tz : {0, -300, 345}) {
    for (Format f : {Format::ApacheCommon, Format::ApacheError, Format::Rfc3164, Format::Rfc5424}) {
      GeneratorConfig c = config(f, 5, step * 1000000000LL, tz);
      c.start_epoch_sec = start;
      Generator g(c);
      std::string line;
      char off[16];
      std::snprintf(off, sizeof off, "%c%02d%02d", tz < 0 ? '-' : '+', std::abs(tz) / 60, std::abs(tz) % 60);
      for (int i = 0; i < 42000; ++i) {
        const int64_t utc = start + i * step, wall = utc + tz * 60;
        line.clear();
        g.next(line);
        std::string want;
        switch (f) {
          case Format::ApacheCommon: want = " [" + strftime_utc(wall, "%d/%b/%Y:%H:%M:%S ") + off + "] "; break;
          case Format::ApacheError: want = "[" + strftime_utc(wall, "%a %b %d %H:%M:%S %Y") + "] "; break;
          case Format::Rfc3164: want = ">" + strftime_utc(wall, "%b %d %H:%M:%S") + " "; break;
          default: want = " " + strftime_utc(utc, "%Y-%m-%dT%H:%M:%S") + ".000Z "; break;
        }
        ASSERT_NE(line.find(want), std::string::npos) << "wants '" << want << "' in: " << line;
      }
    }
  }
}

TEST(GeneratorConfigTest, RejectsBadConfigAndRandomSeedWorks) {
  GeneratorConfig bad;
  bad.format = Format::Unknown;
  EXPECT_THROW(Generator{bad}, std::invalid_argument);
  GeneratorConfig tz = config(Format::ApacheCommon);
  tz.tz_offset_min = 5000;
  EXPECT_THROW(Generator{tz}, std::invalid_argument);

  GeneratorConfig r = config(Format::ApacheCombined, 0);
  Generator a(r), b(r);
  std::string sa, sb;
  for (int i = 0; i < 10; ++i) {
    a.next(sa);
    b.next(sb);
  }
  EXPECT_NE(sa, sb);

  GeneratorConfig now = config(Format::Rfc5424);
  now.start_epoch_sec = -1;
  const int64_t t0 = std::chrono::duration_cast<std::chrono::nanoseconds>(
                         std::chrono::system_clock::now().time_since_epoch()).count();
  Generator n(now);
  EXPECT_LE(std::llabs(n.current_time_ns() - t0), 5'000'000'000LL);
}

TEST(GeneratorVocabulary, ResourcePathsAreQueryEscapedAndLowercased) {
  int slash = 0, plus = 0, users = 0, dashes = 0;
  for (const auto& l : lines_of(config(Format::ApacheCommon, 99), 10000)) {
    slash += l.find("%2f") != std::string::npos;
    plus += l.find('+') != std::string::npos;
    (l.find(" - - [") != std::string::npos ? dashes : users) += 1;
  }
  EXPECT_GT(slash, 0);
  EXPECT_GT(plus, 0);
  EXPECT_NEAR(users, 5000, 400);  // auth user: '-' or a username, 50/50
  EXPECT_NEAR(dashes, 5000, 400);
}

// ---------------------------------------------------------------------------------------------
// generate(): the flog CLI
// ---------------------------------------------------------------------------------------------
std::string expected_output(const GeneratorConfig& c, int64_t n) {
  Generator g(c);
  std::string s;
  for (int64_t i = 0; i < n; ++i) {
    g.next(s);
    s.push_back('\n');
  }
  return s;
}

TEST(Generate, LogFileHasExactlyTheGeneratorLines) {
  GenerateOptions o;
  o.gen = config(Format::ApacheCombined, 21, 1000000000);
  o.number = 20000;  // several 256 KiB flushes
  o.type = "log";
  o.output = temp_path("plain.log");
  const auto st = ki::generate(o);
  const std::string data = read_file(o.output);
  EXPECT_EQ(st.lines, 20000);
  EXPECT_EQ(st.bytes, static_cast<int64_t>(data.size()));
  EXPECT_EQ(data, expected_output(o.gen, 20000));
  std::filesystem::remove(o.output);
}

TEST(Generate, GzipRoundTrips) {
  GenerateOptions o;
  o.gen = config(Format::Json, 22, 250000000);
  o.number = 30000;
  o.type = "gz";
  o.output = temp_path("out.log.gz");
  const auto st = ki::generate(o);
  const std::string data = gunzip_file(o.output);
  EXPECT_EQ(st.lines, 30000);
  EXPECT_EQ(st.bytes, static_cast<int64_t>(data.size()));
  EXPECT_EQ(data, expected_output(o.gen, 30000));
  EXPECT_LT(std::filesystem::file_size(o.output), data.size() / 2);  // really compressed
  std::filesystem::remove(o.output);
}

TEST(Generate, BytesLimitStopsAtFirstLineReachingIt) {
  for (const char* type : {"log", "gz"}) {
    GenerateOptions o;
    o.gen = config(Format::Rfc3164, 23);
    o.number = 0;
    o.bytes = 100000;
    o.type = type;
    o.output = temp_path(std::string("bytes.") + type);
    const auto st = ki::generate(o);
    const std::string data = std::string(type) == "gz" ? gunzip_file(o.output) : read_file(o.output);
    EXPECT_EQ(st.bytes, static_cast<int64_t>(data.size()));
    EXPECT_GE(st.bytes, 100000);
    ASSERT_GE(data.size(), 2u);
    const size_t last_start = data.rfind('\n', data.size() - 2) + 1;
    EXPECT_LT(static_cast<int64_t>(last_start), 100000);  // one line fewer would not be enough
    EXPECT_EQ(st.lines, std::count(data.begin(), data.end(), '\n'));
    std::filesystem::remove(o.output);
  }
}

TEST(Generate, NumberWinsOverBytesAndZeroMeansNothing) {
  GenerateOptions o;
  o.gen = config(Format::ApacheCommon, 24);
  o.number = 10;
  o.bytes = 1 << 20;
  o.type = "log";
  o.output = temp_path("n.log");
  EXPECT_EQ(ki::generate(o).lines, 10);
  o.number = 0;
  o.bytes = 0;
  const auto st = ki::generate(o);
  EXPECT_EQ(st.lines, 0);
  EXPECT_EQ(read_file(o.output), "");
  std::filesystem::remove(o.output);
}

TEST(Generate, LoopEndsWhenStopReturnsTrue) {
  GenerateOptions o;
  o.gen = config(Format::ApacheError, 25);
  o.loop = true;
  o.number = 5;  // ignored when looping
  o.type = "log";
  o.output = temp_path("loop.log");
  int calls = 0;
  const auto st = ki::generate(o, [&] { return ++calls == 3; });  // polled at lines 0, 4096, 8192
  EXPECT_EQ(calls, 3);
  EXPECT_EQ(st.lines, 8192);
  EXPECT_EQ(read_file(o.output), expected_output(o.gen, 8192));
  std::filesystem::remove(o.output);
}

TEST(Generate, DelaySleepsAndSetsTheDefaultInterval) {
  GenerateOptions o;
  o.gen = config(Format::Rfc5424, 26);
  o.number = 5;
  o.delay_sec = 0.01;
  o.type = "log";
  o.output = temp_path("delay.log");
  int polls = 0;
  const auto t0 = std::chrono::steady_clock::now();
  auto st = ki::generate(o, [&] { ++polls; return false; });
  const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(st.lines, 5);
  EXPECT_GE(elapsed, 0.045);
  EXPECT_GE(polls, 5);  // after each delay
  GeneratorConfig want = o.gen;
  want.interval_ns = 10000000;  // -d 10ms also spaces the event times 10ms apart
  EXPECT_EQ(read_file(o.output), expected_output(want, 5));
  EXPECT_NE(read_file(o.output).find("T09:30:00.040Z"), std::string::npos);

  o.gen.interval_ns = 2000000000;  // -s overrides the interval
  st = ki::generate(o);
  EXPECT_EQ(read_file(o.output), expected_output(o.gen, 5));
  EXPECT_NE(read_file(o.output).find("T09:30:08.000Z"), std::string::npos);

  o.delay_sec = 10;  // a long delay still ends promptly on stop
  const auto t1 = std::chrono::steady_clock::now();
  st = ki::generate(o, [] { return true; });
  EXPECT_EQ(st.lines, 0);
  EXPECT_LT(std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count(), 1.0);
  std::filesystem::remove(o.output);
}

TEST(Generate, ErrorsNameThePath) {
  GenerateOptions o;
  o.gen = config(Format::ApacheCommon, 27);
  o.number = 3;
  o.output = "/nonexistent-ki-dir/sub/out.log";
  for (const char* type : {"log", "gz", "stdout"}) {
    o.type = type;
    try {
      ki::generate(o);
      ADD_FAILURE() << "expected an error for type " << type;
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find("/nonexistent-ki-dir/sub/out.log"), std::string::npos) << e.what();
    }
  }
  o.type = "xml";
  EXPECT_THROW(ki::generate(o), std::invalid_argument);
  o.type = "log";
  o.delay_sec = -1;
  EXPECT_THROW(ki::generate(o), std::invalid_argument);
  o.delay_sec = 0;
  o.gen.format = Format::Unknown;
  EXPECT_THROW(ki::generate(o), std::invalid_argument);
}

TEST(Generate, WritesToStdout) {
  GenerateOptions o;
  o.gen = config(Format::Rfc3164, 28);
  o.number = 3;
  o.output = "-";
  ::testing::internal::CaptureStdout();
  const auto st = ki::generate(o);
  const std::string out = ::testing::internal::GetCapturedStdout();
  EXPECT_EQ(st.lines, 3);
  EXPECT_EQ(out, expected_output(o.gen, 3));
}

}  // namespace
