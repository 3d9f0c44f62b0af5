// Regression tests for what the fuzzers (cpp/fuzz, tests/fuzz) found, one per finding.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <cmath>
#include <cstdio>
#include <functional>
#include <set>
#include <string>
#include <vector>

#include "encode/encoder.h"
#include "parse/parser.h"
#include "source/follow_reader.h"
#include "source/line_reader.h"
#include "test_util.h"

using namespace ki;

// fuzz_encode / fuzz_parse_rfc5424: SD-IDs that differed only in invalid UTF-8 bytes were both
// written as "\uFFFD" keys: a repeated key, which Elasticsearch rejects. SD-NAMEs are printable
// ASCII (RFC 5424), and the parser now says so.
TEST(FuzzRegression, StructuredDataNamesArePrintableAscii) {
  EXPECT_EQ(test::fail_reason("<34>1 2024-01-24T12:39:13Z h a 1 ID1 [\xff a=\"1\"][\xfe b=\"2\"] m"),
            "rfc5424: bad SD-ID, expected printable ASCII at column 40");
  EXPECT_EQ(test::fail_reason("<34>1 2024-01-24T12:39:13Z h a 1 ID1 [x \xff=\"1\" \xfe=\"2\"] m"),
            "rfc5424: bad SD-PARAM name, expected printable ASCII at column 42");
  // Values may hold anything: they are escaped and repaired, never keys.
  auto d = test::doc("<34>1 2024-01-24T12:39:13Z h a 1 ID1 [x@1 a=\"\xff\" b=\"\\\"]\"] m");
  EXPECT_EQ(d["log"]["syslog"]["structured_data"]["x@1"]["a"], "\xef\xbf\xbd");
  EXPECT_EQ(d["log"]["syslog"]["structured_data"]["x@1"]["b"], "\"]");
}

// fuzz_line_reader: a line of exactly max_line_bytes was flagged as cut (and failed to parse as
// "longer than the reader's limit"); a cut line is now exactly max_line_bytes long.
TEST(FuzzRegression, LineOfExactlyTheLimitIsWhole) {
  std::string exact(64, 'x'), longer(65, 'y'), much_longer(300, 'z');
  std::string content = "\n" + exact + "\n" + longer + "\n" + much_longer + "\nend\n" + exact;
  std::string path = test::write_temp_file("ki_line_limit.log", content);
  LineReaderConfig cfg;
  cfg.buffer_bytes = 16;
  cfg.max_line_bytes = 64;
  LineReader r(path, cfg);
  auto got = test::lines_and_cuts(r);
  std::vector<std::pair<std::string, bool>> want = {
      {"", false}, {exact, false}, {longer.substr(0, 64), true}, {much_longer.substr(0, 64), true},
      {"end", false}, {exact, false}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.bytes_read(), content.size());
  std::remove(path.c_str());
}

// The same limits in --follow mode: an exact-limit line is whole, a longer one is cut to the
// limit and flagged once (its tail is not handed out as a line of its own), whichever buffer
// state it meets.
TEST(FuzzRegression, FollowReaderCutsLongLinesOnce) {
  std::string exact(100, 'x'), longer(101, 'y'), huge(1536 * 1024, 'z');  // huge: past the 1 MB buffer
  std::string content = exact + "\n" + longer + "\n" + huge + "\nend\n";
  std::string path = test::write_temp_file("ki_follow_limit.log", content);
  FollowConfig cfg;
  cfg.max_line_bytes = 100;
  cfg.poll_ms = 1;
  FollowReader r(path, cfg);
  auto got = test::lines_and_cuts(r, std::function<bool()>([] { return true; }));
  std::vector<std::pair<std::string, bool>> want = {
      {exact, false}, {longer.substr(0, 100), true}, {huge.substr(0, 100), true}, {"end", false}};
  EXPECT_EQ(got, want);
  EXPECT_EQ(r.bytes_read(), content.size());
  EXPECT_EQ(r.line_no(), 4u);
  std::remove(path.c_str());
}

// fuzz_parse_app_json: an array (or a too-deep object) is kept as its raw JSON text, which
// On-Demand does not validate when it skips over it: `[1big]` reached the document as is.
TEST(FuzzRegression, AppJsonKeptValuesAreValidated) {
  std::string why = test::fail_reason(R"({"a":[1big{"d":null}],"b":1})");
  EXPECT_NE(why.find("app_json:"), std::string::npos) << why;
  EXPECT_EQ(test::doc(R"({"a":[1,{"d":null}],"b":1})")["a"][1]["d"], nullptr);
}

// fuzz_parse_logfmt / fuzz_parse_cri: keys that differ only in invalid UTF-8 bytes were both
// written as U+FFFD: a repeated key. The encoder now compares names as they are written.
TEST(FuzzRegression, KeysThatLookAlikeInTheOutputAreOneName) {
  auto d = test::doc("a\xff=1 a\xfe=2 msg=x", Schema::Ecs, Format::Logfmt);
  EXPECT_EQ(d["a\xef\xbf\xbd"], 1);
  EXPECT_EQ(d["kafkainsight"]["renamed"]["a\xef\xbf\xbd"], 2);
}

// fuzz_parse_app_json: a kept array with raw line ends inside (pretty-printed) would split the
// NDJSON / bulk body; fuzz_parse_logfmt: a 29-digit integer was written as a JSON number that
// JSON readers reject; fuzz_parse_cri: a NUL byte sorted between "F" and "F.x", hiding their
// collision (a repeated key).
TEST(FuzzRegression, KeptJsonMinifiedBigIntegersTextNulNames) {
  ki::Parser p;
  ki::Record r;
  ASSERT_EQ(p.parse(std::string("{\"a\":[1,\n2]}"), r), ki::ParseStatus::Ok);
  std::string out;
  ki::Encoder().encode(r, out);
  EXPECT_EQ(out.find('\n'), std::string::npos) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["a"], nlohmann::json::array({1, 2}));
  auto d = test::doc("n=66666666666666666666666666667 f=1.5", Schema::Ecs, Format::Logfmt);
  EXPECT_EQ(d["n"], "66666666666666666666666666667");
  EXPECT_EQ(d["f"], 1.5);
  auto c = test::doc(std::string("F=1 F.x=2 F\0y=3", 15), Schema::Ecs, Format::Logfmt);
  EXPECT_EQ(c["F"], 1);
  EXPECT_EQ(c["kafkainsight"]["renamed"]["F"]["x"], 2);
}

// fuzz_parse_app_json: "0e400" was written as written (a number JSON readers reject), and a
// key of 700 dots nested 700 objects deep. Exponent forms are written from the double; a name
// nests at most 32 levels (later dots become '_').
TEST(FuzzRegression, ExponentsAndVeryDottedNames) {
  auto d = test::doc(R"({"z":0e400,"f":1.50,"e":2.5e3})");
  EXPECT_EQ(d["z"], 0);
  EXPECT_EQ(d["e"], 2500);
  std::string key(100, '.');
  std::string out;
  ki::Parser p;
  ki::Record r;
  ASSERT_EQ(p.parse("{\"" + key + "\":1}", r), ki::ParseStatus::Ok);
  ki::Encoder().encode(r, out);
  auto j = nlohmann::json::parse(out);
  int depth = 0;
  for (const nlohmann::json* cur = &j["_"]; cur->is_object(); cur = &cur->begin().value()) ++depth;
  EXPECT_EQ(depth, 31);
}

// fuzz_parse_app_json: a repeated key inside an array's object reached the document (which
// Elasticsearch rejects); it cannot be moved aside there, so the line fails with the reason.
TEST(FuzzRegression, RepeatedKeyInsideAnArrayIsAFailure) {
  EXPECT_NE(test::fail_reason(R"({"a":[{"k":1,"k":2}]})").find("repeated key"), std::string::npos);
  EXPECT_EQ(test::doc(R"({"a":[{"k":1},{"k":2}]})")["a"][1]["k"], 2);
}

// fuzz_parse_app_json: a float whose text is too long to copy (or has an exponent) was written
// from the double as 21 bare digits (151072222222222229504): an integer past uint64 to a JSON
// reader, refused as a number. A whole number from a double is now written as a double.
TEST(FuzzRegression, AFloatWrittenFromItsDoubleStaysAFloat) {
  const std::string line = R"({"a":151072222222222222243.3000000000000011640741686840714123,"b":1E5,"c":-0e3})";
  Parser p(ParserConfig{});
  Record r;
  ASSERT_EQ(p.parse(line, r), ParseStatus::Ok);
  std::string out;
  Encoder(EncoderConfig{Schema::Ecs, false}).encode(r, out);
  EXPECT_NE(out.find(R"("a":1.5107222222222223e+20)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("b":1e+05)"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("c":-0.0)"), std::string::npos) << out;
  auto d = nlohmann::json::parse(out);
  ASSERT_TRUE(d["a"].is_number_float()) << d.dump();
  EXPECT_DOUBLE_EQ(d["a"].get<double>(), 1.5107222222222223e+20);
  ASSERT_TRUE(d["b"].is_number_float()) << d.dump();
  EXPECT_EQ(d["b"].get<double>(), 100000.0);
  ASSERT_TRUE(d["c"].is_number_float()) << d.dump();
  EXPECT_TRUE(std::signbit(d["c"].get<double>()));
}

// fuzz_encode: the encoder renders values (times, structured data) into one buffer reserved for
// 6x the line and keeps views into it; a value escaped past that (control characters are 6
// bytes each as \u00XX, and a record's strings need not come from its line) moved the buffer
// and left the earlier views dangling (heap-use-after-free under ASan, garbage otherwise).
TEST(FuzzRegression, RenderedValuesSurviveTheBufferGrowing) {
  Record r;
  r.format = Format::Rfc5424;
  r.raw = "x";
  r.ts.epoch_sec = 1700000000;
  r.ts.valid = true;
  r.message = "m";
  const std::string value(300, '\x01');
  r.sd.push_back({"a", "b", value});
  r.sd.push_back({"c", "d", value});
  std::string out;
  Encoder(EncoderConfig{Schema::Ecs, false}).encode(r, out);
  auto d = nlohmann::json::parse(out);
  EXPECT_EQ(d["@timestamp"], "2023-11-14T22:13:20Z") << out.substr(0, 200);
  EXPECT_EQ(d["log"]["syslog"]["structured_data"]["a"]["b"], value);
  EXPECT_EQ(d["log"]["syslog"]["structured_data"]["c"]["d"], value);
}

// fuzz_detect: "ez ESC % =0 …" reads as no format as written and as logfmt without the escape
// (key "ez"); forced to logfmt, the line as written reads with the escape in its key. The check
// now forces the format on the text auto read, which the parser tells.
TEST(FuzzRegression, ALineReadWithoutColoursSaysSo) {
  const std::string line = "ez\x1b%=0\xf8\xf8;s";
  Parser p;
  Record r;
  ASSERT_EQ(p.parse(line, r), ParseStatus::Ok);
  EXPECT_EQ(r.format, Format::Logfmt);
  EXPECT_EQ(p.read_without_colours(), "ez=0\xf8\xf8;s");
  ASSERT_EQ(p.parse("plain=1", r), ParseStatus::Ok);
  EXPECT_TRUE(p.read_without_colours().empty());
  ParserConfig forced;
  forced.format = Format::Logfmt;
  Parser q(forced);
  Record f;
  ASSERT_EQ(q.parse("ez=0\xf8\xf8;s", f), ParseStatus::Ok);
  std::string a, b;
  Encoder enc(EncoderConfig{Schema::Ecs, false});
  ASSERT_EQ(p.parse(line, r), ParseStatus::Ok);
  enc.encode(r, a);
  enc.encode(f, b);
  auto da = nlohmann::json::parse(a), db = nlohmann::json::parse(b);
  EXPECT_EQ(da["ez"], db["ez"]);
}

// fuzz_parse_auto: a DHCP log line whose MAC column held other bytes was written into a JSON array
// unescaped (invalid UTF-8, quotes). Only 12 hex digits become ECS's MAC; anything else stays text.
// The same held for netfilter's TCP flags, which are now three capitals or nothing.
TEST(FuzzRegression, DhcpMacAndNetfilterFlagsAreCheckedBeforeJson) {
  auto d = test::doc("35,01/01/01,01:01:01,DNS update request failed,192.168.2.1,host.test.com,00\"0\xff*3],");
  EXPECT_EQ(d["kafkainsight"]["recipe"], "MSDHCPLOG");
  EXPECT_EQ(d["host"]["mac"], "00\"0\xef\xbf\xbd*3]");
  d = test::doc("35,01/01/01,01:01:01,DNS update request failed,192.168.2.1,host.test.com,000c29a1b2c3,");
  EXPECT_EQ(d["host"]["mac"], nlohmann::json::array({"00-0C-29-A1-B2-C3"}));
  d = test::doc("Jan  8 03:37:09 h kernel: IN=eth0 OUT= SRC=10.0.0.1 DST=10.0.0.2 LEN=40 TOS=0x00 PREC=0x00 TTL=64 "
                "ID=1 PROTO=TCP SPT=1 DPT=2 WINDOW=1 RES=0x00 S\"\xff SYN URGP=0");
  EXPECT_EQ(d["iptables"]["tcp"]["flags"], nlohmann::json::array({"SYN"}));
}

// fuzz_access_columns (the CI's run, seeded with this test's DHCP file): a DHCP header's title put
// the parser in a header state that swallowed the next access line as empty, which the direct
// access path did not. The header's lines are now known by their text alone.
TEST(FuzzRegression, DhcpHeaderLinesNeedNoState) {
  Parser p(ParserConfig{});
  Record rec;
  EXPECT_EQ(p.parse("\t\tMicrosoft DHCP Service Activity Log", rec), ParseStatus::Empty);
  EXPECT_EQ(p.parse(R"(192.0.2.1 - alice [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 200 5)", rec), ParseStatus::Ok);
  EXPECT_EQ(p.parse("00\tThe log was started.", rec), ParseStatus::Empty);
  EXPECT_EQ(p.parse("00\tnot a meaning of Windows'", rec), ParseStatus::Failed);
}
