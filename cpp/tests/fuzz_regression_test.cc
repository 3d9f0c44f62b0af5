// Regression tests for what the fuzzers (cpp/fuzz, tests/fuzz) found, one per finding.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
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
