// Regression tests for what the fuzzers (cpp/fuzz, tests/fuzz) found, one per finding.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "encode/encoder.h"
#include "parse/parser.h"
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
