// --kafka-metadata (consume) and --add-field (parse stage).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "elasticsearch/bulk.h"
#include "test_util.h"

using json = nlohmann::json;

TEST(KafkaMetadata, AddedToEachDocument) {
  ki::es::KafkaMetadata m{"data_log", 3, 12345};
  std::string out;
  ASSERT_EQ(ki::es::prepare_document(R"({"message":"x","n":1})", out, &m), "");
  auto d = json::parse(out);
  EXPECT_EQ(d["kafka"]["topic"], "data_log");
  EXPECT_EQ(d["kafka"]["partition"], 3);
  EXPECT_EQ(d["kafka"]["offset"], 12345);
  EXPECT_EQ(d["message"], "x");
  // spread over lines (minified first), empty object, escaped topic
  ki::es::KafkaMetadata q{"we\"ird", 0, 0};
  ASSERT_EQ(ki::es::prepare_document("{\n  \"a\": 1\n}\n", out, &q), "");
  EXPECT_EQ(json::parse(out)["kafka"]["topic"], "we\"ird");
  ASSERT_EQ(ki::es::prepare_document("{}", out, &q), "");
  EXPECT_EQ(json::parse(out)["kafka"]["partition"], 0);
  // a document with its own "kafka" keeps it (a second key would be rejected)
  ASSERT_EQ(ki::es::prepare_document(R"({"kafka":{"topic":"mine"}})", out, &m), "");
  EXPECT_EQ(out, R"({"kafka":{"topic":"mine"}})");
  // without the option nothing changes; bad values are still refused
  ASSERT_EQ(ki::es::prepare_document(R"({"a":1})", out, nullptr), "");
  EXPECT_EQ(out, R"({"a":1})");
  EXPECT_NE(ki::es::prepare_document("[1]", out, &m), "");
}

TEST(AddField, ServiceAndLoggerFillTheRecordOthersAreFields) {
  ki::ParserConfig pc;
  pc.add_fields = {{"service.name", "checkout"}, {"deployment.environment", "prod"}, {"log.logger", "edge"}};
  ki::Parser p(pc);
  ki::Record r;
  ASSERT_EQ(p.parse(R"(1.2.3.4 - - [24/Jan/2024:12:39:13 +0000] "GET / HTTP/1.1" 200 5)", r), ki::ParseStatus::Ok);
  std::string out;
  ki::Encoder().encode(r, out);
  auto d = json::parse(out);
  EXPECT_EQ(d["service"]["name"], "checkout");
  EXPECT_EQ(d["deployment"]["environment"], "prod");
  EXPECT_EQ(d["log"]["logger"], "edge");
  EXPECT_EQ(d["http"]["response"]["status_code"], 200);
  EXPECT_FALSE(ki::parse_add_field("novalue"));
  EXPECT_FALSE(ki::parse_add_field("=x"));
  EXPECT_FALSE(ki::parse_add_field("a..b=x"));
  EXPECT_EQ(ki::parse_add_field("a.b=x=y")->second, "x=y");
}
