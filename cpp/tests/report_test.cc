// The report's counting units: heavy hitters, adaptive time buckets, the summary.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <random>

#include "report/heavy_hitters.h"
#include "report/time_series.h"
#include "report/traffic_summary.h"

using namespace ki;

TEST(HeavyHitters, ExactWithinCapacity) {
  HeavyHitters hh(10);
  for (int i = 0; i < 5; ++i) hh.add("/a");
  for (int i = 0; i < 3; ++i) hh.add("/b");
  hh.add("/c");
  auto top = hh.top(2);
  ASSERT_EQ(top.size(), 2u);
  EXPECT_EQ(top[0], (std::pair<std::string, uint64_t>{"/a", 5}));
  EXPECT_EQ(top[1], (std::pair<std::string, uint64_t>{"/b", 3}));
  EXPECT_TRUE(hh.exact());
  EXPECT_EQ(hh.total(), 9u);
}

TEST(HeavyHitters, BoundedMemoryKeepsTheFrequentAndBoundsTheError) {
  // 100k distinct one-off keys plus one key seen 20k times, with room for only 100 keys.
  HeavyHitters hh(100);
  std::mt19937 rng(7);
  uint64_t hot = 0;
  for (int i = 0; i < 100000; ++i) {
    hh.add("key" + std::to_string(i));
    if (rng() % 5 == 0) {
      hh.add("hot");
      ++hot;
    }
  }
  EXPECT_LE(hh.distinct_kept(), 100u);
  EXPECT_FALSE(hh.exact());
  auto top = hh.top(1);
  ASSERT_EQ(top[0].first, "hot");
  EXPECT_LE(top[0].second, hot);
  EXPECT_GE(top[0].second + hh.error_bound(), hot);
  EXPECT_LE(hh.error_bound(), hh.total() / 101);
}

TEST(TimeSeries, WidensAlongTheChainAndKeepsEveryCount) {
  TimeSeries ts(2, 100);
  uint64_t n = 0;
  for (int64_t t = 0; t < 86400; t += 7) {
    ts.add(1700000000 + t, t % 2);
    ++n;
  }
  EXPECT_LE(ts.buckets().size(), 100u);
  EXPECT_EQ(ts.step(), 1800);
  uint64_t sum = 0;
  for (const auto& [start, c] : ts.buckets()) {
    EXPECT_EQ(start % ts.step(), 0);
    sum += c[0] + c[1];
  }
  EXPECT_EQ(sum, n);
  ts.coarsen_to(10);
  EXPECT_EQ(ts.step(), 10800);
  EXPECT_LE(ts.buckets().size(), 10u);
}

TEST(TrafficSummary, CountsRecordsAndDocumentsAlike) {
  const char* lines[] = {
      R"(10.0.0.1 - - [22/Apr/2018:09:30:00 +0000] "GET /a HTTP/1.1" 200 5 "-" "curl/8")",
      R"(10.0.0.1 - - [22/Apr/2018:09:30:01 +0000] "GET /a HTTP/1.1" 404 5 "-" "curl/8")",
      R"(10.0.0.2 - - [22/Apr/2018:09:30:02 +0000] "POST /b HTTP/1.1" 503 5 "-" "Mozilla/5.0")",
      R"([Sun Apr 22 09:30:03 2018] [core:error] [pid 1:tid 2] [client 10.0.0.3:5] boom)",
      R"(<11>1 2018-04-22T09:30:04Z host app 1 ID1 - failed)",
  };
  ParserConfig pc;
  pc.default_year = 2018;
  Parser p(pc);
  Record r;
  TrafficSummary from_records, from_docs;
  for (const char* l : lines) {
    ASSERT_EQ(p.parse(l, r), ParseStatus::Ok) << l;
    from_records.add(r);
  }
  // The same events as documents (ecs and the flat layout).
  EXPECT_TRUE(from_docs.add_document(R"({"@timestamp":"2018-04-22T09:30:00Z","source":{"ip":"10.0.0.1"},"http":{"response":{"status_code":200}},"url":{"original":"/a"},"user_agent":{"original":"curl/8"},"kafkainsight":{"format":"apache_combined"}})"));
  EXPECT_TRUE(from_docs.add_document(R"({"@timestamp":"2018-04-22T09:30:01Z","ip_address":"10.0.0.1","status_code":"404","source":"/a","user_agent":"curl/8","format":"apache_combined"})"));
  EXPECT_TRUE(from_docs.add_document(R"({"@timestamp":"2018-04-22T09:30:02+00:00","source":{"ip":"10.0.0.2"},"http":{"response":{"status_code":503}},"url":{"original":"/b"},"user_agent":{"original":"Mozilla/5.0"},"kafkainsight":{"format":"apache_combined"}})"));
  EXPECT_TRUE(from_docs.add_document(R"({"@timestamp":"2018-04-22T09:30:03Z","log":{"level":"error"},"kafkainsight":{"format":"apache_error"}})"));
  EXPECT_TRUE(from_docs.add_document(R"({"@timestamp":"2018-04-22T09:30:04Z","level":"err","format":"rfc5424"})"));
  EXPECT_FALSE(from_docs.add_document("not json"));
  EXPECT_FALSE(from_docs.add_document(R"({"no":"timestamp"})"));

  for (auto* s : {&from_records, &from_docs}) {
    auto j = nlohmann::json::parse(s->to_json());
    EXPECT_EQ(j["step_seconds"], 1);
    EXPECT_EQ(j["buckets"].size(), 5u);
    EXPECT_EQ(j["status"]["2xx"], (std::vector<int>{1, 0, 0, 0, 0}));
    EXPECT_EQ(j["status"]["4xx"], (std::vector<int>{0, 1, 0, 0, 0}));
    EXPECT_EQ(j["status"]["5xx"], (std::vector<int>{0, 0, 1, 0, 0}));
    EXPECT_EQ(j["levels"]["error"], (std::vector<int>{0, 0, 0, 1, 0}));
    EXPECT_EQ(j["levels"]["err"], (std::vector<int>{0, 0, 0, 0, 1}));
    EXPECT_EQ(j["totals"]["requests"], 3);
    EXPECT_EQ(j["top"]["paths"]["rows"][0], nlohmann::json::array({"/a", 2}));
    EXPECT_EQ(j["top"]["clients"]["rows"][0], nlohmann::json::array({"10.0.0.1", 2}));
    EXPECT_EQ(j["top"]["agents"]["rows"][1], nlohmann::json::array({"Mozilla/5.0", 1}));
  }
  EXPECT_EQ(nlohmann::json::parse(from_docs.to_json())["totals"]["rejected"], 2);
}

TEST(TrafficSummary, InvalidUtf8BecomesValidJson) {
  TrafficSummary s;
  Parser p;
  Record r;
  std::string line = "1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET /\xff\xfe</script> HTTP/1.1\" 200 5";
  ASSERT_EQ(p.parse(line, r), ParseStatus::Ok);
  s.add(r);
  auto j = nlohmann::json::parse(s.to_json());
  EXPECT_EQ(j["top"]["paths"]["rows"][0][0], "/\xEF\xBF\xBD\xEF\xBF\xBD</script>");
}
