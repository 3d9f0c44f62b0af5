// Index names and patterns: Elasticsearch's rules, checked before a name reaches a URL.
#include <gtest/gtest.h>

#include <stdexcept>
#include <string>

#include "elasticsearch/index_name.h"

using namespace ki::es;

TEST(IndexName, AcceptsWhatElasticsearchAccepts) {
  for (const char* ok : {"test-log", "logs-2024.01.24", "a", "data_log", ".hidden", "x+y", "caf\xc3\xa9", "a..b"})
    EXPECT_EQ(index_name_error(ok), "") << ok;
  EXPECT_EQ(index_name_error(std::string(255, 'a')), "");
}

TEST(IndexName, RejectsWhatElasticsearchRejectsWithTheReason) {
  EXPECT_NE(index_name_error("Logs").find("lowercase"), std::string::npos);
  EXPECT_NE(index_name_error("").find("empty"), std::string::npos);
  EXPECT_NE(index_name_error(".").find("'.' or '..'"), std::string::npos);
  EXPECT_NE(index_name_error("..").find("'.' or '..'"), std::string::npos);
  EXPECT_NE(index_name_error(std::string(256, 'a')).find("255"), std::string::npos);
  for (const char* start : {"-x", "_x", "+x"})
    EXPECT_NE(index_name_error(start).find("must not start"), std::string::npos) << start;
  for (char c : std::string("\\/*?\"<>|,#: "))
    EXPECT_NE(index_name_error(std::string("a") + c + "b").find("must not contain"), std::string::npos) << c;
}

TEST(IndexName, NoPathOrQueryTricksReachTheUrl) {
  for (const char* bad : {"../_security", "a/../../_cluster", "logs?pretty", "logs#frag", "a%2f..", "x\r\nHost: evil",
                          "x\x01", "bad\xff", "_all", "*"})
    EXPECT_NE(index_name_error(bad), "") << bad;
  EXPECT_NE(index_name_error("x\r\nHost: evil").find("\\x0d\\x0a"), std::string::npos);  // shown, not echoed raw
}

TEST(IndexPattern, DatesAndTheirErrors) {
  EXPECT_EQ(index_pattern_error("logs-%Y.%m.%d"), "");
  EXPECT_EQ(index_pattern_error("%Y-logs"), "");
  EXPECT_EQ(index_pattern_error("test-log"), "");
  EXPECT_NE(index_pattern_error("logs-%H").find("only %Y, %m and %d"), std::string::npos);
  EXPECT_NE(index_pattern_error("logs-%").find("only %Y, %m and %d"), std::string::npos);
  EXPECT_NE(index_pattern_error("logs-%%").find("only %Y, %m and %d"), std::string::npos);
  EXPECT_NE(index_pattern_error("Logs-%Y").find("makes an invalid name"), std::string::npos);
  EXPECT_NE(index_pattern_error("logs/%Y").find("'/'"), std::string::npos);
  EXPECT_NE(index_pattern_error(std::string(250, 'a') + "%Y%m").find("255"), std::string::npos);
  EXPECT_THROW(validate_index_pattern("../x"), std::invalid_argument);
  EXPECT_NO_THROW(validate_index_pattern("logs-%Y.%m"));
}
