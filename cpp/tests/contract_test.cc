// The issue-13 contract: Record::fields and the new record members through the encoder
// (nesting, prefix merging, collisions), severity_from_level, the general time parser.
#include <gtest/gtest.h>

#include <set>
#include <vector>

#include "parse/level.h"
#include "parse/timestamp.h"
#include "test_util.h"

using json = nlohmann::json;
using ki::Field;
using ki::Record;

namespace {

// Fails on a repeated key in any object (nlohmann would silently keep the last).
struct DupCheck : nlohmann::json_sax<json> {
  std::vector<std::set<std::string>> keys;
  std::string dup;
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t) override { return true; }
  bool number_unsigned(number_unsigned_t) override { return true; }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool string(string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool start_object(std::size_t) override {
    keys.emplace_back();
    return true;
  }
  bool key(string_t& k) override {
    if (!keys.back().insert(k).second) dup = k;
    return true;
  }
  bool end_object() override {
    keys.pop_back();
    return true;
  }
  bool start_array(std::size_t) override { return true; }
  bool end_array() override { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override { return false; }
};

json encode(const Record& r, ki::Schema schema = ki::Schema::Ecs, uint64_t* renamed = nullptr) {
  ki::Encoder e(ki::EncoderConfig{schema, false});
  std::string out;
  e.encode(r, out);
  DupCheck sax;
  EXPECT_TRUE(json::sax_parse(out, &sax)) << out;
  EXPECT_EQ(sax.dup, "") << "duplicate key in " << out;
  if (renamed) *renamed = e.renamed_fields();
  return json::parse(out);
}

Field str(std::string_view name, std::string_view v) { return Field{name, Field::Kind::String, v}; }
Field num(std::string_view name, int64_t v) {
  Field f{name, Field::Kind::Int};
  f.i = v;
  return f;
}

Record app_record() {
  Record r;
  r.reset("{}");
  r.format = ki::Format::AppJson;
  ki::parse_time_text("2024-03-01T10:00:00.250Z", 0, r.ts);
  r.message = "slow request";
  r.level = "warn";
  r.severity = 4;
  r.logger = "http";
  r.service = "checkout";
  return r;
}

}  // namespace

TEST(Contract, DottedFieldsNestAndMergeWithOurs) {
  Record r = app_record();
  r.fields = {str("http.request.method", "GET"), num("http.response.status_code", 503),
              str("log.origin.file.name", "main.go"), num("log.origin.file.line", 42),
              Field{"tags", Field::Kind::Json, "[\"a\",\"b\"]"}, Field{"ok", Field::Kind::Bool, {}, 0, 0, true},
              Field{"latency", Field::Kind::Float, "1.250", 0, 1.25}, Field{"gone", Field::Kind::Null}};
  json d = encode(r);
  EXPECT_EQ(d["@timestamp"], "2024-03-01T10:00:00.250Z");
  EXPECT_EQ(d["message"], "slow request");
  EXPECT_EQ(d["log"]["level"], "warn");
  EXPECT_EQ(d["log"]["logger"], "http");
  EXPECT_EQ(d["log"]["origin"]["file"]["name"], "main.go");  // merged into our "log" object
  EXPECT_EQ(d["log"]["origin"]["file"]["line"], 42);
  EXPECT_EQ(d["event"]["severity"], 4);
  EXPECT_EQ(d["service"]["name"], "checkout");
  EXPECT_EQ(d["http"]["request"]["method"], "GET");
  EXPECT_EQ(d["http"]["response"]["status_code"], 503);
  EXPECT_EQ(d["tags"], json::array({"a", "b"}));
  EXPECT_EQ(d["ok"], true);
  EXPECT_DOUBLE_EQ(d["latency"].get<double>(), 1.25);
  EXPECT_TRUE(d["gone"].is_null());
  EXPECT_EQ(d["kafkainsight"]["format"], "app_json");
  EXPECT_FALSE(d.contains("event") && d["event"].contains("ingested"));
}

TEST(Contract, CollisionsMoveUnderTheNamespaceAndAreCounted) {
  Record r = app_record();
  // "message" and "log.level" are ours; "a" twice (duplicate keys in the input); "b" leaf and
  // "b.c" object: the first in path order stays.
  r.fields = {str("message", "second message"), str("log.level", "x"), num("a", 1), num("a", 2),
              str("b", "leaf"), str("b.c", "deeper")};
  uint64_t renamed = 0;
  json d = encode(r, ki::Schema::Ecs, &renamed);
  EXPECT_EQ(d["message"], "slow request");
  EXPECT_EQ(d["log"]["level"], "warn");
  const json& ns = d["kafkainsight"]["renamed"];
  EXPECT_EQ(ns["message"], "second message");
  EXPECT_EQ(ns["log"]["level"], "x");
  EXPECT_EQ(d["a"], 1);  // the first of duplicate keys stays, the second moves
  EXPECT_EQ(ns["a"], 2);
  EXPECT_EQ(d["b"], "leaf");
  EXPECT_EQ(ns["b"]["c"], "deeper");
  EXPECT_EQ(renamed, 4u);
  EXPECT_EQ(d["kafkainsight"]["format"], "app_json");

  // A leaf of the input where we write an object ("log" as text): the leaf moves.
  r.fields = {str("log", "text")};
  d = encode(r, ki::Schema::Ecs, &renamed);
  EXPECT_EQ(d["log"]["level"], "warn");
  EXPECT_EQ(d["kafkainsight"]["renamed"]["log"], "text");
  EXPECT_EQ(renamed, 1u);
}

TEST(Contract, AThirdDuplicateIsDroppedButCounted) {
  Record r = app_record();
  r.fields = {num("k", 1), num("k", 2), num("k", 3)};
  uint64_t renamed = 0;
  json d = encode(r, ki::Schema::Ecs, &renamed);
  EXPECT_EQ(d["k"], 1);
  EXPECT_EQ(d["kafkainsight"]["renamed"]["k"], 2);
  EXPECT_EQ(renamed, 2u);
}

TEST(Contract, ReadTimeWritesEventIngested) {
  Record r;
  r.reset("{}");
  r.format = ki::Format::AppJson;
  r.time_from_read = true;
  ki::Timestamp now;
  now.epoch_sec = time(nullptr);
  now.valid = true;
  r.ts = now;
  r.message = "no time";
  json d = encode(r);
  ASSERT_TRUE(d["event"].contains("ingested"));
  ki::Timestamp t;
  std::string s = d["event"]["ingested"];
  ASSERT_TRUE(ki::parse_time_text(s, 0, t)) << s;
  EXPECT_LE(std::llabs(t.epoch_sec - now.epoch_sec), 5);
  json flat = encode(r, ki::Schema::KafkaInsight);
  EXPECT_TRUE(flat.contains("ingested"));
}

TEST(Contract, FlatLayoutKeepsFieldsToo) {
  Record r = app_record();
  r.fields = {str("user.id", "u1"), str("level", "dup")};
  uint64_t renamed = 0;
  json d = encode(r, ki::Schema::KafkaInsight, &renamed);
  EXPECT_EQ(d["level"], "warn");
  EXPECT_EQ(d["logger"], "http");
  EXPECT_EQ(d["service"], "checkout");
  EXPECT_EQ(d["severity"], 4);
  EXPECT_EQ(d["user"]["id"], "u1");
  EXPECT_EQ(d["kafkainsight"]["renamed"]["level"], "dup");
  EXPECT_EQ(d["format"], "app_json");
  EXPECT_EQ(renamed, 1u);
}

TEST(Contract, NamesAndValuesAreEscaped) {
  Record r = app_record();
  r.fields = {str("we\"ird\n.key", "v\x01\xff"), str("a..b", "empty segment"),
              Field{"bad_float", Field::Kind::Float, "1.", 0, 1.0}};
  json d = encode(r);
  EXPECT_EQ(d["we\"ird\n"]["key"], "v\x01\xEF\xBF\xBD");
  EXPECT_EQ(d["a"]["_"]["b"], "empty segment");
  EXPECT_EQ(d["bad_float"], 1);
}

TEST(Contract, KeepStaysValidAcrossManyValues) {
  Record r;
  r.reset("x");
  std::vector<std::string_view> kept;
  std::vector<std::string> want;
  for (int i = 0; i < 3000; ++i) {
    want.push_back("prefix" + std::to_string(i) + "." + std::string(i % 50, 'k'));
    kept.push_back(r.keep_path("prefix" + std::to_string(i), std::string(i % 50, 'k')));
  }
  kept.push_back(r.keep(std::string(10000, 'z')));  // larger than a chunk
  want.push_back(std::string(10000, 'z'));
  for (size_t i = 0; i < kept.size(); ++i) ASSERT_EQ(kept[i], want[i]) << i;
  r.reset("y");
  EXPECT_EQ(r.keep("again"), "again");
}

TEST(Contract, SeverityFromLevel) {
  using ki::severity_from_level;
  for (auto [l, s] : std::vector<std::pair<const char*, int>>{
           {"TRACE", 7}, {"trace3", 7}, {"debug", 7}, {"Verbose", 7}, {"FINEST", 7}, {"info", 6},
           {"Information", 6}, {"INFO", 6}, {"notice", 5}, {"warn", 4}, {"WARNING", 4}, {"Warning", 4},
           {"error", 3}, {"ERROR", 3}, {"err", 3}, {"SEVERE", 3}, {"crit", 2}, {"CRITICAL", 2},
           {"fatal", 2}, {"FATAL", 2}, {"dpanic", 2}, {"alert", 1}, {"emerg", 0}, {"panic", 0},
           {"ERROR+2", 3}, {"INFO-4", 6}, {"E", 3}, {"w", 4}, {"A", 1}, {"10", 7}, {"20", 7}, {"30", 6},
           {"40", 4}, {"50", 3}, {"60", 2}, {"0", 0}, {"3", 3}, {"7", 7}, {"[warn]", 4}}) {
    EXPECT_EQ(severity_from_level(l), s) << l;
  }
  for (const char* l : {"", "nonsense", "8", "99", "70", "levelthatistoolong"}) EXPECT_EQ(severity_from_level(l), -1) << l;
  EXPECT_EQ(ki::severity_with_trace("trace1-8"), 8);
  EXPECT_EQ(ki::severity_with_trace("TRACE"), 8);
  EXPECT_EQ(ki::severity_with_trace("debug"), 7);
  EXPECT_EQ(ki::severity_with_trace("ERROR"), 3);
  EXPECT_EQ(ki::level_name_from_number(50), "error");
  EXPECT_EQ(ki::level_name_from_number(30), "info");
  EXPECT_EQ(ki::level_name_from_number(3), "err");
  EXPECT_EQ(ki::level_name_from_number(55), "");
}

TEST(Contract, GeneralTimeParser) {
  struct Case {
    const char* in;
    int tz;
    const char* out;  // ISO 8601 as the encoder writes it
  };
  for (const Case& c : std::vector<Case>{
           {"2024-01-24T12:39:13Z", 0, "2024-01-24T12:39:13Z"},
           {"2024-01-24T12:39:13.123456789Z", 0, "2024-01-24T12:39:13.123456789Z"},
           {"2024-01-24T12:39:13.1234567891234Z", 0, "2024-01-24T12:39:13.123456789Z"},
           {"2024-01-24 12:39:13,123", 0, "2024-01-24T12:39:13.123Z"},         // python asctime
           {"2024-01-24 12:39:13,123", 60, "2024-01-24T12:39:13.123+01:00"},   // --tz
           {"2024-01-24T12:39:13+01:00", 0, "2024-01-24T12:39:13+01:00"},
           {"2024-01-24T12:39:13.5+0530", 0, "2024-01-24T12:39:13.5+05:30"},
           {"2019-08-21T10:08:58,123+0000", 0, "2019-08-21T10:08:58.123Z"},    // Elasticsearch 7
           {"2024-01-24T12:39:13-08", 0, "2024-01-24T12:39:13-08:00"},
           {"2024-01-24 12:39:13 +0100", 0, "2024-01-24T12:39:13+01:00"},
           {"2024-01-24T12:39", 0, "2024-01-24T12:39:00Z"},
           {"1706099953", 0, "2024-01-24T12:39:13Z"},                          // epoch s
           {"1706099953123", 0, "2024-01-24T12:39:13.123Z"},                   // ms (pino)
           {"1706099953123456", 0, "2024-01-24T12:39:13.123456Z"},             // us
           {"1706099953123456789", 0, "2024-01-24T12:39:13.123456789Z"},       // ns
           {"1706099953.5", 0, "2024-01-24T12:39:13.5Z"},                      // zap float seconds
           {"1706099953.123456", 0, "2024-01-24T12:39:13.123456Z"},
           {"1706099953123.5", 0, "2024-01-24T12:39:13.1235Z"},
           {"24/Jan/2024:12:39:13 +0800", 0, "2024-01-24T12:39:13+08:00"},
           {"[24/Jan/2024:12:39:13 +0800]", 0, "2024-01-24T12:39:13+08:00"},
           {"-1.5", 0, "1969-12-31T23:59:58.5Z"},
           // Go's %g of a float epoch (zap's EpochTimeEncoder through a console or %v)
           {"1.6561386938716278e+09", 0, "2022-06-25T06:31:33.8716278Z"},
           {"1.7060999535E9", 0, "2024-01-24T12:39:13.5Z"},
           {"1.706099953123e+12", 0, "2024-01-24T12:39:13.123Z"},
           // Go's time.Time.String() (logrus' README, fmt.Sprint(time.Now()) with its clock reading)
           {"2014-03-10 19:57:38.562264131 -0400 EDT", 0, "2014-03-10T19:57:38.562264131-04:00"},
           {"2009-11-10 23:00:00 +0000 UTC m=+0.000000001", 60, "2009-11-10T23:00:00Z"},
           {"2024-01-24 12:39:13 +0300 +03", 0, "2024-01-24T12:39:13+03:00"},
           // Ruby's Time#to_s of a UTC time, PostgreSQL's %t with log_timezone UTC
           {"2024-01-24 12:39:13 UTC", 60, "2024-01-24T12:39:13Z"},
           {"2024-01-24 12:39:13.250 GMT", 0, "2024-01-24T12:39:13.250Z"}}) {
    ki::Timestamp ts;
    ASSERT_TRUE(ki::parse_time_text(c.in, c.tz, ts)) << c.in;
    std::string s;
    ki::append_iso8601(s, ts);
    EXPECT_EQ(s, c.out) << c.in;
  }
  for (const char* bad : {"", "yesterday", "2024-13-01T00:00:00Z", "2024-01-24T25:00:00Z", "2024-01-24T12:39:13X",
                          "12345678901234567890", "1.2.3", "1.", "2024-01-24T12:39:13.Z", "abc123",
                          "1.5e-09", "1.5e", "e+09", "1.5e+0x", "1.e+09", "1.5e+999",
                          // a zone's name alone says no offset (EDT, CST: which?), and a name is all a tail may hold
                          "2024-01-24 12:39:13 EDT", "2024-01-24T12:39:13Z UTC", "2024-01-24 12:39:13+01:00 UTC",
                          "2024-01-24 12:39:13 -0400 edt", "2024-01-24 12:39:13 -0400 EDT m=0.1",
                          "2024-01-24 12:39:13 -0400 EDT extra", "2024-01-24 12:39:13 -0400 E"}) {
    ki::Timestamp ts;
    EXPECT_FALSE(ki::parse_time_text(bad, 0, ts)) << bad;
  }
}

TEST(Contract, OldFormatsGetEventSeverity) {
  auto d = ki::test::doc("[Sun Dec 04 04:47:44 2005] [error] boom");
  EXPECT_EQ(d["event"]["severity"], 3);
  EXPECT_EQ(d["log"]["level"], "error");
  auto s = ki::test::doc("<11>1 2020-02-29T23:59:59Z h a - - - m");
  EXPECT_EQ(s["event"]["severity"], 3);
}
