// The Elasticsearch sink's pure units: retry policy, bulk body/response, offsets, index names.
#include <gtest/gtest.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include "elasticsearch/bulk.h"
#include "elasticsearch/client.h"
#include "elasticsearch/offsets.h"
#include "elasticsearch/retry.h"
#include "pipeline/es_setup.h"

using namespace ki::es;

// Shaped like Elasticsearch 8's _bulk responses (see its REST API docs).
static const char* kMixed = R"JSON({"took":486,"errors":true,"items":[
 {"create":{"_index":"test-log","_id":"data_log-0-0","_version":1,"result":"created","_shards":{"total":2,"successful":1,"failed":0},"_seq_no":0,"_primary_term":1,"status":201}},
 {"create":{"_index":"test-log","_id":"data_log-0-1","status":409,"error":{"type":"version_conflict_engine_exception","reason":"[data_log-0-1]: version conflict, document already exists (current version [1])","index_uuid":"x","shard":"0","index":"test-log"}}},
 {"create":{"_index":"test-log","_id":"data_log-0-2","status":429,"error":{"type":"es_rejected_execution_exception","reason":"rejected execution of coordinating operation"}}},
 {"create":{"_index":"test-log","_id":"data_log-0-3","status":400,"error":{"type":"mapper_parsing_exception","reason":"failed to parse field [http.response.status_code] of type [long] in document with id 'data_log-0-3'","caused_by":{"type":"illegal_argument_exception","reason":"For input string: \"abc\""}}}},
 {"index":{"_index":"test-log","_id":"x","status":503,"error":{"type":"unavailable_shards_exception","reason":"primary shard is not active"}}}
]})JSON";

TEST(BulkResponse, ReadsEveryItemInOrder) {
  BulkResponse r = parse_bulk_response(kMixed);
  ASSERT_TRUE(r.ok) << r.parse_error;
  EXPECT_TRUE(r.errors);
  ASSERT_EQ(r.items.size(), 5u);
  EXPECT_EQ(r.items[0].status, 201);
  EXPECT_TRUE(r.items[0].error_type.empty());
  EXPECT_EQ(r.items[1].error_type, "version_conflict_engine_exception");
  EXPECT_EQ(r.items[3].error_type, "mapper_parsing_exception");
  EXPECT_NE(r.items[3].error_reason.find("For input string"), std::string::npos);
  EXPECT_FALSE(parse_bulk_response("<html>502 Bad Gateway</html>").ok);
  EXPECT_FALSE(parse_bulk_response(R"({"took":1})").ok);
}

TEST(RetryPolicy, ItemsFromARealResponse) {
  BulkResponse r = parse_bulk_response(kMixed);
  EXPECT_EQ(classify_item(r.items[0].status, r.items[0].error_type, true), ItemOutcome::Indexed);
  EXPECT_EQ(classify_item(r.items[1].status, r.items[1].error_type, true), ItemOutcome::Duplicate);
  EXPECT_EQ(classify_item(r.items[1].status, r.items[1].error_type, false), ItemOutcome::Permanent);
  EXPECT_EQ(classify_item(r.items[2].status, r.items[2].error_type, true), ItemOutcome::Retry);
  EXPECT_EQ(classify_item(r.items[3].status, r.items[3].error_type, true), ItemOutcome::Permanent);
  EXPECT_EQ(classify_item(r.items[4].status, r.items[4].error_type, true), ItemOutcome::Retry);
}

TEST(RetryPolicy, WholeRequests) {
  EXPECT_EQ(classify_request(200), RequestOutcome::Ok);
  for (long s : {0L, 408L, 429L, 500L, 502L, 503L, 504L}) EXPECT_EQ(classify_request(s), RequestOutcome::Retry) << s;
  for (long s : {401L, 403L}) EXPECT_EQ(classify_request(s), RequestOutcome::AuthFatal) << s;
  for (long s : {400L, 404L, 413L}) EXPECT_EQ(classify_request(s), RequestOutcome::Fatal) << s;
}

TEST(RetryPolicy, BackoffGrowsWithJitterAndIsCapped) {
  Backoff b(100, 5000, 1);
  for (uint32_t a = 0; a < 30; ++a) {
    uint32_t d = b.delay_ms(a);
    EXPECT_LE(d, b.ceiling_ms(a));
    EXPECT_GE(d, b.ceiling_ms(a) / 2);
    EXPECT_LE(d, 5000u);
  }
  EXPECT_EQ(b.ceiling_ms(0), 100u);
  EXPECT_EQ(b.ceiling_ms(3), 800u);
  EXPECT_EQ(b.ceiling_ms(10), 5000u);
}

TEST(BulkBody, NdjsonWithEscapedIdsAndGzip) {
  std::string body;
  append_bulk_item(body, "create", "logs-2024.01.24", "t\"x-0-5", R"({"a":1})");
  EXPECT_EQ(body, "{\"create\":{\"_index\":\"logs-2024.01.24\",\"_id\":\"t\\\"x-0-5\"}}\n{\"a\":1}\n");
  std::string gz = gzip_compress(body);
  std::string back(body.size() * 2, '\0');
  z_stream zs{};
  inflateInit2(&zs, 15 + 16);
  zs.next_in = reinterpret_cast<Bytef*>(gz.data());
  zs.avail_in = static_cast<uInt>(gz.size());
  zs.next_out = reinterpret_cast<Bytef*>(back.data());
  zs.avail_out = static_cast<uInt>(back.size());
  EXPECT_EQ(inflate(&zs, Z_FINISH), Z_STREAM_END);
  back.resize(zs.total_out);
  inflateEnd(&zs);
  EXPECT_EQ(back, body);
}

TEST(IndexNames, FixedOrDatedByEventTime) {
  EXPECT_EQ(index_for("test-log", 0), "test-log");
  EXPECT_EQ(index_for("logs-%Y.%m.%d", 1706099953000), "logs-2024.01.24");
  EXPECT_EQ(index_for("logs-%Y.%m", 1706745599999), "logs-2024.01");  // 23:59:59.999 UTC
  EXPECT_EQ(index_for("logs-%Y.%m.%d", 1706745600000), "logs-2024.02.01");
  EXPECT_EQ(index_for("a%%b-%Y", 0), "a%b-1970");
}

TEST(Offsets, CommitOnlyUpToTheFirstUnfinished) {
  OffsetTracker t;
  OffsetTracker::Key a{"logs", 0}, b{"logs", 1};
  for (int64_t o = 10; o < 15; ++o) t.started(a, o);
  t.started(b, 0);
  auto first = t.take_commits();  // where reading starts: nothing past it
  EXPECT_EQ(first.size(), 1u);
  EXPECT_EQ(first[a], 10);
  t.finished(a, 11);
  t.finished(a, 12);
  EXPECT_TRUE(t.take_commits().empty());  // 10 still open
  t.finished(a, 10);
  auto c = t.take_commits();
  ASSERT_EQ(c.size(), 1u);
  EXPECT_EQ(c[a], 13);  // next to read
  t.finished(a, 14);
  EXPECT_TRUE(t.take_commits().empty());  // 13 open
  t.finished(a, 13);
  t.finished(b, 0);
  c = t.take_commits();
  EXPECT_EQ(c[a], 15);
  EXPECT_EQ(c[b], 1);
  EXPECT_TRUE(t.take_commits().empty());
  t.drop(a);
  t.finished(a, 15);  // after revocation: ignored
  EXPECT_EQ(t.pending(), 0u);
}

// A Kafka message value enters a bulk body only as exactly one JSON object on one line.
TEST(PrepareDocument, RefusesAnythingThatCouldStartAnotherBulkAction) {
  std::string out;
  EXPECT_EQ(prepare_document(R"({"a":1})", out), "");
  EXPECT_EQ(out, R"({"a":1})");
  // The attack: a second line that Elasticsearch would read as a delete action.
  EXPECT_NE(prepare_document("{\"a\":1}\n{\"delete\":{\"_index\":\"idx\",\"_id\":\"idx-0-0\"}}", out), "");
  EXPECT_NE(prepare_document("{\"a\":1}\r\n{\"index\":{}}\n{\"b\":2}", out), "");
  EXPECT_NE(prepare_document("{\"a\":1} {\"b\":2}", out), "");
  EXPECT_NE(prepare_document("{\"a\":\"x\ny\"}", out), "");  // a raw newline inside a string
  EXPECT_NE(prepare_document("not json", out), "");
  EXPECT_EQ(prepare_document("[1,2]", out), "not a JSON object");
  EXPECT_EQ(prepare_document("\"s\"", out), "not a JSON object");
  EXPECT_EQ(prepare_document("", out), "empty message: no JSON document");
  EXPECT_NE(prepare_document("{\"a\":\"\xff\xfe\"}", out), "");  // invalid UTF-8
  EXPECT_NE(prepare_document("{\"a\":1", out), "");
}

TEST(PrepareDocument, PrettyPrintedObjectsAreMinifiedNotRefused) {
  std::string out;
  ASSERT_EQ(prepare_document("{\n  \"a\": 1,\n  \"b\": \"x y\\n z\",\r\n  \"c\": [1, {\"d\": null}]\n}\n", out), "");
  EXPECT_EQ(out, R"({"a":1,"b":"x y\n z","c":[1,{"d":null}]})");
  EXPECT_EQ(out.find('\n'), std::string::npos);
  EXPECT_TRUE(same_document(out, "{\"c\":[1,{\"d\":null}],\"b\":\"x y\\n z\",\"a\":1.0}"));
}

TEST(Mget, BodyAndSourcesInOrder) {
  EXPECT_EQ(mget_body({{"test-log", "t-0-1"}, {"i\"x", "t-0-2"}}),
            R"({"docs":[{"_index":"test-log","_id":"t-0-1"},{"_index":"i\"x","_id":"t-0-2"}]})");
  // Shaped like Elasticsearch 8's _mget response.
  const char* resp = R"({"docs":[{"_index":"test-log","_id":"t-0-1","_version":1,"_seq_no":0,"_primary_term":1,"found":true,"_source":{"message":"old","n":1}},
    {"_index":"test-log","_id":"t-0-2","found":false}]})";
  std::vector<bool> found;
  auto src = mget_sources(resp, 2, found);
  ASSERT_EQ(found, (std::vector<bool>{true, false}));
  EXPECT_TRUE(same_document(src[0], R"({"n":1,"message":"old"})"));
  EXPECT_FALSE(same_document(src[0], R"({"n":1,"message":"new"})"));
  mget_sources("<html>", 2, found);
  EXPECT_EQ(found, (std::vector<bool>{false, false}));
}

// The query string of --url belongs after the request path, not inside it ("/?x=1/_bulk").
TEST(RequestUrl, BasePathThenPathThenQuery) {
  EXPECT_EQ(request_url("https://es:9200", "/_bulk"), "https://es:9200/_bulk");
  EXPECT_EQ(request_url("https://es:9200/", "/_bulk"), "https://es:9200/_bulk");
  EXPECT_EQ(request_url("https://es:9200/?x=1", "/_bulk"), "https://es:9200/_bulk?x=1");
  EXPECT_EQ(request_url("https://es:9200?x=1", "/"), "https://es:9200/?x=1");
  EXPECT_EQ(request_url("https://proxy/es/?x=1&y=2#frag", "/_bulk"), "https://proxy/es/_bulk?x=1&y=2");
  EXPECT_EQ(request_url("http://proxy/es///", "/idx?refresh=true"), "http://proxy/es/idx?refresh=true");
  EXPECT_EQ(request_url("https://es/a?x=1", "/idx?refresh=true"), "https://es/a/idx?refresh=true&x=1");
  EXPECT_EQ(request_url("https://[::1]:9200/?x=1", "/"), "https://[::1]:9200/?x=1");
  // A webhook posts to the URL itself: its path and query stay as given.
  EXPECT_EQ(request_url("https://hooks.example/h/1/?t=abc", ""), "https://hooks.example/h/1/?t=abc");
  EXPECT_EQ(request_url("localhost:9200/?x=1", "/_bulk"), "localhost:9200/_bulk?x=1");
}

// GET / of the engines the tests run (OpenSearch 3.8, Elasticsearch 8.19), trimmed.
TEST(TemplateForEngine, OpenSearchGetsFlatObjectWhereElasticsearchHasFlattened) {
  const std::string tpl =
      R"({"template":{"mappings":{"properties":{"log":{"properties":{"syslog":{"properties":{)"
      R"("structured_data":{"type":"flattened"},"msgid":{"type":"keyword"}}}}}}}}})";
  const std::string os = R"({"name":"n","version":{"distribution":"opensearch","number":"3.8.0"}})";
  const std::string es = R"({"name":"n","version":{"number":"8.19.0","build_flavor":"default"}})";
  const auto j = nlohmann::json::parse(ki::consume::template_for_engine(tpl, os));
  const auto& sd = j["template"]["mappings"]["properties"]["log"]["properties"]["syslog"]["properties"];
  EXPECT_EQ(sd["structured_data"]["type"], "flat_object");
  EXPECT_EQ(sd["msgid"]["type"], "keyword");
  EXPECT_EQ(ki::consume::template_for_engine(tpl, es), tpl);
  EXPECT_EQ(ki::consume::template_for_engine(tpl, ""), tpl);             // no answer kept: as it is
  EXPECT_EQ(ki::consume::template_for_engine("not json", os), "not json");  // the engine says why
}
