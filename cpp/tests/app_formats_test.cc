// Application JSON, logfmt and the container wrappers (Docker json-file, CRI), detected with
// no options. Lines are as the libraries' documentation shows them.
#include <gtest/gtest.h>

#include "test_util.h"

using json = nlohmann::json;
using ki::Format;
using ki::test::doc;

namespace {
ki::Record parsed(ki::Parser& p, const std::string& line, ki::ParseStatus want = ki::ParseStatus::Ok) {
  ki::Record r;
  EXPECT_EQ(p.parse(line, r), want) << p.error_message() << "\n  " << line;
  return r;
}
}  // namespace

TEST(AppJson, Pino) {
  auto d = doc(R"({"level":50,"time":1706099953123,"pid":4242,"hostname":"api-1","msg":"db down","err":{"type":"Error","message":"ECONNREFUSED"}})");
  EXPECT_EQ(d["@timestamp"], "2024-01-24T12:39:13.123Z");
  EXPECT_EQ(d["log"]["level"], "error");
  EXPECT_EQ(d["event"]["severity"], 3);
  EXPECT_EQ(d["message"], "db down");
  EXPECT_EQ(d["process"]["pid"], 4242);
  EXPECT_EQ(d["host"]["hostname"], "api-1");
  // pino's err serializer as ECS's error.* (Kibana's errors)
  EXPECT_EQ(d["error"]["type"], "Error");
  EXPECT_EQ(d["error"]["message"], "ECONNREFUSED");
  EXPECT_FALSE(d.contains("err"));
  EXPECT_EQ(d["kafkainsight"]["format"], "app_json");
}

// MySQL's JSON audit log writes a JSON array a record a line: "{…}," up to the last "{…}".
TEST(AppJson, ARecordOfAnArrayWrittenALineKeepsItsComma) {
  const std::string line =
      R"({ "timestamp": "2020-10-19 19:25:51", "id": 0, "class": "connection", "event": "connect", "connection_id": 13, )"
      R"("account": { "user": "root", "host": "localhost" }, "login": { "user": "root", "os": "", "ip": "", "proxy": "" } },)";
  auto d = doc(line);
  EXPECT_EQ(d["@timestamp"], "2020-10-19T19:25:51Z");
  EXPECT_EQ(d["class"], "connection");
  EXPECT_EQ(d["account"]["user"], "root");
  EXPECT_EQ(doc(line.substr(0, line.size() - 1))["account"], d["account"]);  // the last record: no comma
  EXPECT_NE(ki::test::fail_reason(R"({"a": 1},,)"), "");
  EXPECT_NE(ki::test::fail_reason(R"({"a": 1, })"), "");  // a comma inside an object is still an error
}

TEST(AppJson, Bunyan) {
  auto d = doc(R"({"name":"myapp","hostname":"banana.local","pid":40161,"level":60,"msg":"boom","time":"2013-01-04T18:46:23.851Z","v":0})");
  EXPECT_EQ(d["@timestamp"], "2013-01-04T18:46:23.851Z");
  EXPECT_EQ(d["log"]["level"], "fatal");
  EXPECT_EQ(d["event"]["severity"], 2);
  EXPECT_EQ(d["log"]["logger"], "myapp");
  EXPECT_EQ(d["v"], 0);
}

TEST(AppJson, ZapLogrusSlog) {
  auto z = doc(R"({"level":"warn","ts":1706099953.5,"logger":"http","caller":"main.go:12","msg":"slow","latency":1.25})");
  EXPECT_EQ(z["@timestamp"], "2024-01-24T12:39:13.5Z");
  EXPECT_EQ(z["log"]["logger"], "http");
  EXPECT_EQ(z["event"]["severity"], 4);
  EXPECT_DOUBLE_EQ(z["latency"].get<double>(), 1.25);
  auto l = doc(R"({"level":"info","msg":"A group of walrus emerges","animal":"walrus","size":10,"time":"2014-03-10T19:57:38-07:00"})");
  EXPECT_EQ(l["@timestamp"], "2014-03-10T19:57:38-07:00");
  EXPECT_EQ(l["event"]["severity"], 6);
  EXPECT_EQ(l["animal"], "walrus");
  auto s = doc(R"({"time":"2022-11-08T15:28:26.000000000-05:00","level":"ERROR+2","msg":"hello","count":3})");
  EXPECT_EQ(s["@timestamp"], "2022-11-08T15:28:26.000000000-05:00");
  EXPECT_EQ(s["log"]["level"], "ERROR+2");
  EXPECT_EQ(s["event"]["severity"], 3);
}

TEST(AppJson, PythonJsonLoggerAndStructlog) {
  auto p = doc(R"({"asctime": "2024-01-24 12:39:13,123", "levelname": "WARNING", "name": "app.db", "message": "retrying"})");
  EXPECT_EQ(p["@timestamp"], "2024-01-24T12:39:13.123Z");  // no zone: --tz (UTC)
  EXPECT_EQ(p["log"]["level"], "WARNING");
  EXPECT_EQ(p["log"]["logger"], "app.db");
  auto s = doc(R"({"event": "user logged in", "level": "info", "timestamp": "2024-01-24T12:39:13.123456Z", "user": "alice"})");
  EXPECT_EQ(s["message"], "user logged in");
  EXPECT_EQ(s["user"], "alice");
}

TEST(AppJson, SerilogCompact) {
  auto d = doc(R"({"@t":"2016-06-07T03:44:57.8532799Z","@mt":"Hello, {User}","User":"nblumhardt"})");
  EXPECT_EQ(d["@timestamp"], "2016-06-07T03:44:57.8532799Z");
  EXPECT_EQ(d["message"], "Hello, {User}");
  EXPECT_EQ(d["log"]["level"], "Information");  // @l is left out at Information
  EXPECT_EQ(d["event"]["severity"], 6);
  auto e = doc(R"({"@t":"2016-06-07T03:44:57.8532799Z","@m":"Oops","@l":"Error","@x":"System.Exception: Oops"})");
  EXPECT_EQ(e["event"]["severity"], 3);
  EXPECT_EQ(e["error"]["stack_trace"], "System.Exception: Oops");  // @x: the exception as text
  EXPECT_FALSE(e.contains("@x"));
}

TEST(AppJson, Log4j2JsonLayout) {
  auto d = doc(R"({"timeMillis":1706099953123,"thread":"main","level":"ERROR","loggerName":"com.example.App","message":"failed","endOfBatch":false,"loggerFqcn":"org.apache.logging.log4j.spi.AbstractLogger","threadId":1,"threadPriority":5})");
  EXPECT_EQ(d["@timestamp"], "2024-01-24T12:39:13.123Z");
  EXPECT_EQ(d["log"]["logger"], "com.example.App");
  EXPECT_EQ(d["event"]["severity"], 3);
  auto i = doc(R"({"instant":{"epochSecond":1706099953,"nanoOfSecond":123456000},"thread":"main","level":"INFO","loggerName":"x","message":"m"})");
  EXPECT_EQ(i["@timestamp"], "2024-01-24T12:39:13.123456Z");
  EXPECT_FALSE(i.contains("instant"));
}

// Google Cloud Logging's structured logs (its "special JSON fields"): the time as an object of
// seconds and nanos (@google-cloud/logging's stdout writer) or as two top-level fields.
TEST(AppJson, GoogleCloudStructuredLogTimes) {
  auto o = doc(R"({"severity":"ERROR","message":"payment failed","timestamp":{"seconds":1705312800,"nanos":123000000},"logging.googleapis.com/trace":"projects/p/traces/abc"})");
  EXPECT_EQ(o["@timestamp"], "2024-01-15T10:00:00.123Z");
  EXPECT_EQ(o["log"]["level"], "ERROR");
  EXPECT_FALSE(o.contains("timestamp"));
  auto f = doc(R"({"severity":"INFO","message":"m","timestampSeconds":1705312800,"timestampNanos":5})");
  EXPECT_EQ(f["@timestamp"], "2024-01-15T10:00:00.000000005Z");
  EXPECT_FALSE(f.contains("timestampSeconds"));
  EXPECT_FALSE(f.contains("timestampNanos"));
  // Nanos out of range: not a time; the fields stay as written.
  auto bad = doc(R"({"message":"m","timestampSeconds":1705312800,"timestampNanos":1000000000})");
  EXPECT_EQ(bad["timestampNanos"], 1000000000);
  // A time the usual way wins over the pair.
  auto both = doc(R"({"message":"m","time":"2024-01-15T11:00:00Z","timestampSeconds":1705312800})");
  EXPECT_EQ(both["@timestamp"], "2024-01-15T11:00:00Z");
  EXPECT_EQ(both["timestampSeconds"], 1705312800);
}

TEST(AppJson, ElasticsearchOwnLogs) {
  auto e7 = doc(R"({"type": "server", "timestamp": "2019-08-21T10:08:58,123+0000", "level": "INFO", "component": "o.e.n.Node", "cluster.name": "docker-cluster", "node.name": "n1", "message": "started" })");
  EXPECT_EQ(e7["@timestamp"], "2019-08-21T10:08:58.123Z");
  EXPECT_EQ(e7["log"]["logger"], "o.e.n.Node");
  EXPECT_EQ(e7["cluster"]["name"], "docker-cluster");
  auto e8 = doc(R"({"@timestamp":"2023-01-24T12:39:13.123Z", "log.level": "WARN", "message":"low disk", "ecs.version": "1.2.0","service.name":"ES_ECS","event.dataset":"elasticsearch.server","process.thread.name":"main","log.logger":"org.elasticsearch.cluster.routing.allocation.DiskThresholdMonitor","elasticsearch.node.name":"n1"})");
  EXPECT_EQ(e8["log"]["level"], "WARN");
  EXPECT_EQ(e8["log"]["logger"], "org.elasticsearch.cluster.routing.allocation.DiskThresholdMonitor");
  EXPECT_EQ(e8["service"]["name"], "ES_ECS");
  EXPECT_EQ(e8["event"]["dataset"], "elasticsearch.server");
  EXPECT_EQ(e8["event"]["severity"], 4);
  EXPECT_EQ(e8["ecs"]["version"], "1.2.0");
}

TEST(AppJson, EcsLoggingNestedAndDottedMerge) {
  // ecs-logging-python writes "log.level" dotted and a nested "log" object side by side.
  auto d = doc(R"({"@timestamp":"2024-01-24T12:39:13.123Z","log.level":"error","message":"x","ecs":{"version":"1.6.0"},"log":{"logger":"app","origin":{"file":{"line":4,"name":"a.py"},"function":"<module>"}},"process":{"pid":7,"thread":{"id":1,"name":"MainThread"}}})");
  EXPECT_EQ(d["log"]["level"], "error");
  EXPECT_EQ(d["log"]["logger"], "app");
  EXPECT_EQ(d["log"]["origin"]["file"]["line"], 4);
  EXPECT_EQ(d["process"]["pid"], 7);
  EXPECT_EQ(d["process"]["thread"]["name"], "MainThread");
}

TEST(AppJson, DockerJsonFileParsesTheInnerLine) {
  auto a = doc(R"({"log":"127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] \"GET /a.gif HTTP/1.0\" 200 2326 \"-\" \"curl\"\n","stream":"stdout","time":"2024-01-24T12:39:13.123456789Z"})");
  EXPECT_EQ(a["kafkainsight"]["format"], "apache_combined");
  EXPECT_EQ(a["kafkainsight"]["wrapper"], "docker");
  EXPECT_EQ(a["http"]["response"]["status_code"], 200);
  EXPECT_EQ(a["@timestamp"], "2000-10-10T13:55:36-07:00");  // the inner line's own time
  EXPECT_EQ(a["stream"], "stdout");
  auto j = doc(R"({"log":"{\"level\":\"error\",\"msg\":\"inner\"}\n","stream":"stderr","time":"2024-01-24T12:39:13.5Z"})");
  EXPECT_EQ(j["message"], "inner");
  EXPECT_EQ(j["event"]["severity"], 3);
  EXPECT_EQ(j["@timestamp"], "2024-01-24T12:39:13.5Z");  // the inner line has none: Docker's
  EXPECT_FALSE(j["event"].contains("ingested"));
  auto t = doc(R"({"log":"plain text output\n","stream":"stdout","time":"2024-01-24T12:39:13Z"})");
  EXPECT_EQ(t["message"], "plain text output");
  EXPECT_EQ(t["kafkainsight"]["format"], "app_json");
}

// journalctl -o json: every value a string, the time in µs since the epoch. The line is the
// example of DigitalOcean's "How To Use Journalctl to View and Manipulate Systemd Logs" (trimmed).
TEST(AppJson, JournalctlJson) {
  auto d = doc(R"({ "__CURSOR" : "s=13a21661cf4948289c63075db6c25c00;i=116f1", "__REALTIME_TIMESTAMP" : "1422990364739502", )"
               R"("__MONOTONIC_TIMESTAMP" : "27200938", "PRIORITY" : "6", "_HOSTNAME" : "desktop", "SYSLOG_FACILITY" : "3", )"
               R"("SYSLOG_IDENTIFIER" : "systemd", "_PID" : "1", "_COMM" : "systemd", "UNIT" : "nginx.service", )"
               R"("MESSAGE" : "Starting A high performance web server and a reverse proxy server...", )"
               R"("_SOURCE_REALTIME_TIMESTAMP" : "1422990364737973" })");
  EXPECT_EQ(d["@timestamp"], "2015-02-03T19:06:04.737973Z");  // when systemd logged it
  EXPECT_EQ(d["__REALTIME_TIMESTAMP"], "1422990364739502");    // when journald got it: kept
  EXPECT_EQ(d["message"], "Starting A high performance web server and a reverse proxy server...");
  EXPECT_EQ(d["log"]["level"], "info");
  EXPECT_EQ(d["event"]["severity"], 6);
  EXPECT_EQ(d["host"]["hostname"], "desktop");
  EXPECT_EQ(d["process"], (json{{"name", "systemd"}, {"pid", 1}}));
  EXPECT_EQ(d["_COMM"], "systemd");  // the name came from SYSLOG_IDENTIFIER
  EXPECT_EQ(d["UNIT"], "nginx.service");
  EXPECT_FALSE(d.contains("MESSAGE") || d.contains("PRIORITY") || d.contains("_PID") || d.contains("_HOSTNAME"));
  // Without the journal's own time field, another log's PRIORITY and MESSAGE are its own fields.
  auto other = doc(R"({"time":"2024-01-01T00:00:00Z","msg":"ticket","PRIORITY":"3","MESSAGE":"x","_PID":"7"})");
  EXPECT_EQ(other["PRIORITY"], "3");
  EXPECT_EQ(other["MESSAGE"], "x");
  EXPECT_FALSE(other.contains("log"));
  EXPECT_FALSE(other.contains("process"));
}

TEST(AppJson, NoTimeUsesTheReadTime) {
  auto d = doc(R"({"msg":"no time here","n":1})");
  ASSERT_TRUE(d.contains("@timestamp"));
  EXPECT_EQ(d["@timestamp"], d["event"]["ingested"]);
  auto any = doc(R"({"json": "but not a log"})");  // any object is a document
  EXPECT_EQ(any["json"], "but not a log");
}

TEST(AppJson, Overrides) {
  ki::ParserConfig pc;
  pc.json_time_field = "when";
  pc.json_level_field = "sev";
  pc.json_message_field = "body.text";
  ki::Parser p(pc);
  auto r = parsed(p, R"({"when":"2024-01-24T12:39:13Z","time":"garbage","sev":"crit","body":{"text":"hi"},"level":"info"})");
  EXPECT_EQ(r.ts.epoch_sec, 1706099953);
  EXPECT_EQ(r.level, "crit");
  EXPECT_EQ(r.severity, 2);
  EXPECT_EQ(r.message, "hi");
  std::string out;
  ki::Encoder().encode(r, out);
  auto d = json::parse(out);
  EXPECT_EQ(d["time"], "garbage");  // not the time field: kept
  EXPECT_EQ(d["kafkainsight"]["renamed"]["log"]["level"], nullptr);
  EXPECT_EQ(d["level"], "info");
}

TEST(AppJson, FlogJsonIsUnchanged) {
  auto d = doc(R"({"host":"1.2.3.4", "user-identifier":"-", "datetime":"22/Apr/2018:09:30:00 +0000", "method": "GET", "request": "/x", "protocol":"HTTP/1.1", "status":200, "bytes":10, "referer": "-"})");
  EXPECT_EQ(d["kafkainsight"]["format"], "json");
  EXPECT_EQ(d["http"]["response"]["status_code"], 200);
  // forced --format json keeps its own errors
  EXPECT_NE(ki::test::fail_reason(R"({"a":1})", Format::Json).find("missing \"datetime\""), std::string::npos);
}

TEST(AppJson, BadInputIsAReasonNeverACrash) {
  ki::Parser p;
  ki::Record r;
  std::string deep(100000, '[');
  EXPECT_EQ(p.parse("{\"a\":" + deep, r), ki::ParseStatus::Failed);
  EXPECT_NE(p.error_message().find("app_json"), std::string::npos) << p.error_message();
  EXPECT_EQ(p.parse("{\"a\":1} trailing", r), ki::ParseStatus::Failed);
  EXPECT_EQ(p.parse("{\"a\":\"\xff\xfe\"}", r), ki::ParseStatus::Failed);  // invalid UTF-8
  EXPECT_NE(p.error_message().find("UTF-8"), std::string::npos) << p.error_message();
  EXPECT_EQ(p.parse("[1,2,3]", r), ki::ParseStatus::Failed);
  // Deep objects: flattened to 8 levels, the rest kept as one JSON value.
  auto d = doc(R"({"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"j":1}}}}}}}}}})");
  EXPECT_EQ(d["a"]["b"]["c"]["d"]["e"]["f"]["g"]["h"]["i"]["j"], 1);
  // Huge numbers are kept exactly as text; duplicate keys: the second moves aside.
  auto h = doc(R"({"big":123456789012345678901234567890,"inf":1e400,"neg":-9223372036854775808,"k":1,"k":2})");
  EXPECT_EQ(h["big"], "123456789012345678901234567890");
  EXPECT_EQ(h["inf"], "1e400");
  EXPECT_EQ(h["neg"], INT64_MIN);
  EXPECT_EQ(h["k"], 1);
  EXPECT_EQ(h["kafkainsight"]["renamed"]["k"], 2);
}

// A value kept as JSON text (an array, an object past 8 levels) is checked whole, by the same
// grammar as a number beside it: any size passes, as Elasticsearch's own parser takes it (the
// DOM check refused 1e400 in an array, so the whole line failed while "n":1e400 did not).
TEST(AppJson, KeptValuesTakeNumbersOfAnySizeAndNameWhatIsWrong) {
  ki::Parser p;
  ki::Record r;
  const std::string line =
      R"({"ids":[123456789012345678901234,1e400,-0.0],"a":{"b":{"c":{"d":{"e":{"f":{"g":{"h":{"i":{"x":1e400}}}}}}}}}})";
  ASSERT_EQ(p.parse(line, r), ki::ParseStatus::Ok) << p.error_message();
  std::string out;
  ki::Encoder(ki::EncoderConfig{ki::Schema::Ecs, false}).encode(r, out);
  EXPECT_NE(out.find(R"("ids":[123456789012345678901234,1e400,-0.0])"), std::string::npos) << out;
  EXPECT_NE(out.find(R"("i":{"x":1e400})"), std::string::npos) << out;
  // What is wrong, and where the kept value starts.
  EXPECT_EQ(ki::test::fail_reason(R"({"level":"info","ids":[1,01]})"), "app_json: malformed number '01' at column 23");
  EXPECT_EQ(ki::test::fail_reason(R"({"ids":[1,{"k":1,"k":2}]})"),
            "app_json: repeated key in an object inside an array or beyond 8 levels at column 8");
  EXPECT_EQ(ki::test::fail_reason(R"({"ids":[1,"\u00"]})"), "app_json: Problem while parsing a string at column 8");
  // Keys repeated in different objects of an array are fine.
  EXPECT_EQ(ki::test::fail_reason(R"({"ids":[{"k":1},{"k":2,"j":{"k":3}}]})"), "");
}

TEST(Logfmt, DetectedAndTyped) {
  auto d = doc(R"(ts=2024-01-24T12:39:13.5Z level=warn msg="slow request" latency=1.2 status=503 path=/api/v1 cached=false caller=main.go:42 empty=)");
  EXPECT_EQ(d["kafkainsight"]["format"], "logfmt");
  EXPECT_EQ(d["@timestamp"], "2024-01-24T12:39:13.5Z");
  EXPECT_EQ(d["log"]["level"], "warn");
  EXPECT_EQ(d["event"]["severity"], 4);
  EXPECT_EQ(d["message"], "slow request");
  EXPECT_DOUBLE_EQ(d["latency"].get<double>(), 1.2);
  EXPECT_EQ(d["status"], 503);
  EXPECT_EQ(d["path"], "/api/v1");
  EXPECT_EQ(d["cached"], false);
  EXPECT_EQ(d["caller"], "main.go:42");
  EXPECT_EQ(d["empty"], "");
  auto q = doc(R"(level=info msg="say \"hi\"\n" unicode="caf\u00e9" user.id=7)");
  EXPECT_EQ(q["message"], "say \"hi\"\n");
  EXPECT_EQ(q["unicode"], "caf\xc3\xa9");
  EXPECT_EQ(q["user"]["id"], 7);
  EXPECT_EQ(q["@timestamp"], q["event"]["ingested"]);
  EXPECT_NE(ki::test::fail_reason(R"(level=info msg="unterminated)", Format::Logfmt).find("unterminated"), std::string::npos);
}

TEST(Cri, FullAndPartialLines) {
  ki::Parser p;
  auto r = parsed(p, R"(2024-01-24T12:39:13.123456789Z stdout F {"level":"error","msg":"inner json"})");
  EXPECT_EQ(r.message, "inner json");
  EXPECT_EQ(r.severity, 3);
  EXPECT_EQ(r.ts.epoch_sec, 1706099953);  // the runtime's time: the inner line has none
  EXPECT_EQ(r.ts.nanos, 123456789u);
  parsed(p, "2024-01-24T12:39:14Z stderr P first half, ", ki::ParseStatus::Partial);
  parsed(p, "2024-01-24T12:39:14Z stderr P second, ", ki::ParseStatus::Partial);
  auto j = parsed(p, "2024-01-24T12:39:14Z stderr F end");
  EXPECT_EQ(j.message, "first half, second, end");
  EXPECT_EQ(j.format, Format::Cri);
  auto a = doc(R"(2024-01-24T12:39:13Z stdout F 10.0.0.1 - - [24/Jan/2024:12:39:13 +0000] "GET / HTTP/1.1" 500 12)");
  EXPECT_EQ(a["kafkainsight"]["format"], "apache_common");
  EXPECT_EQ(a["kafkainsight"]["wrapper"], "cri");
  EXPECT_EQ(a["stream"], "stdout");
  EXPECT_EQ(a["http"]["response"]["status_code"], 500);
  // RFC 3339 syslog lines without PRI still parse as syslog
  EXPECT_EQ(doc("2024-01-24T12:39:13Z myhost app[1]: hello")["kafkainsight"]["format"], "rfc3164");
}

// `docker compose logs`: the container's name, then its line read as any other (or kept as the
// message); Compose's --timestamps stamp is the time when the line has none of its own.
TEST(Compose, PrefixNameTimeAndInnerLine) {
  auto a = doc(R"(nginx-1  | 172.18.0.1 - - [15/May/2026:18:03:49 +0000] "HEAD / HTTP/1.1" 200 0 "-" "PowerShell/7.5.5" "-")");
  EXPECT_EQ(a["container"]["name"], "nginx-1");
  EXPECT_EQ(a["kafkainsight"]["wrapper"], "compose");
  EXPECT_EQ(a["kafkainsight"]["format"], "apache_combined");
  EXPECT_EQ(a["source"]["ip"], "172.18.0.1");
  EXPECT_FALSE(a.contains("stream"));  // compose merges stdout and stderr
  auto t = doc("web-1  | 2024-04-25T05:32:35.584799505Z  * Debug mode: on");
  EXPECT_EQ(t["message"], " * Debug mode: on");
  EXPECT_EQ(t["@timestamp"], "2024-04-25T05:32:35.584799505Z");
  EXPECT_EQ(t["kafkainsight"]["format"], "compose");
  auto plain = doc("app-1    | Error: ENOENT: no such file or directory");
  EXPECT_EQ(plain["container"]["name"], "app-1");
  EXPECT_EQ(plain["@timestamp"], plain["event"]["ingested"]);  // no time anywhere: the read time, said so
  EXPECT_EQ(doc("web-1  |")["container"]["name"], "web-1");     // an empty line of the container's (kept,
  EXPECT_FALSE(doc("web-1  | ").contains("message"));             // as Docker's json-file wrapper keeps one)
  // docker-compose 1.x padded to the longest name exactly: one blank after a "_<n>" name
  EXPECT_EQ(doc("db_1 | Launching with Java options -server")["container"]["name"], "db_1");
  // not a container: one blank after another word, log4j's "%-5p | %m" (ActiveMQ, Karaf)
  EXPECT_NE(ki::Parser::detect("Status | ok"), Format::Compose);
  EXPECT_NE(ki::Parser::detect("INFO  | anonymous called org.apache.activemq.broker.jmx.QueueView.retryMessages[] at "
                               "27-11-2019 08:45:57,213 | qtp443290224-47"),
            Format::Compose);
  EXPECT_NE(ki::Parser::detect("-x  | y"), Format::Compose);
  EXPECT_NE(ki::test::fail_reason("no bar here", Format::Compose).find("docker compose logs"), std::string::npos);
}

// Two containers' files read in turn by one parser (a --follow run): a partial line waits for the
// end of its own file's line, never another's (fuzz_detect found the leak across inputs).
TEST(Cri, PartialLinesWaitForTheirOwnInput) {
  ki::Parser p;
  p.set_source(1);
  parsed(p, "2024-01-24T12:39:14Z stderr P from a, ", ki::ParseStatus::Partial);
  p.set_source(2);
  EXPECT_EQ(parsed(p, "2024-01-24T12:39:14Z stdout F b whole").message, "b whole");
  parsed(p, "2024-01-24T12:39:14Z stdout P b half, ", ki::ParseStatus::Partial);
  p.set_source(1);
  EXPECT_EQ(parsed(p, "2024-01-24T12:39:15Z stderr F a end").message, "from a, a end");
  p.set_source(2);
  EXPECT_EQ(parsed(p, "2024-01-24T12:39:15Z stdout F b end").message, "b half, b end");
}

// flog 0.4.4 exactly (gofakeit 3.11.5): LogLevel("apache") includes the literal "trace1-8";
// DomainName keeps the space of the buzzword "web services".
TEST(FlogExact, Trace18AndHostNamesWithASpace) {
  auto e = doc("[Sun Dec 04 04:47:44 2005] [quia:trace1-8] [pid 5521:tid 8134] [client 10.2.3.4:3301] We need to copy the bus!");
  EXPECT_EQ(e["log"]["level"], "trace1-8");
  EXPECT_EQ(e["event"]["severity"], 7);
  auto s = doc("<165>2 2024-01-24T12:39:13.123Z seniorweb services.io quia 8123 ID45 - Try to hack the THX sensor!");
  EXPECT_EQ(s["host"]["hostname"], "seniorweb services.io");
  EXPECT_EQ(s["process"]["name"], "quia");
  EXPECT_EQ(s["process"]["pid"], 8123);
  EXPECT_EQ(s["log"]["syslog"]["msgid"], "ID45");
  EXPECT_EQ(s["message"], "Try to hack the THX sensor!");
  // a line that is broken either way keeps the first reason
  EXPECT_NE(ki::test::fail_reason("<165>1 2024-01-24T12:39:13Z a b c d e f"), "");
}
