// Every flog format, exactly as flog v0.4.4's own examples print them (log_test.go, seed 11),
// and the variants real servers write.
#include <gtest/gtest.h>

#include <cstdio>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "parse/parser.h"
#include "test_util.h"

using ki::Format;
using ki::Schema;
using ki::test::doc;
using ki::test::fail_reason;
using json = nlohmann::json;

TEST(FlogFormats, ApacheCommon) {
  auto d = doc(R"(222.83.191.222 - - [22/Apr/2018:09:30:00 +0000] "DELETE /innovate/next-generation HTTP/1.1" 406 7610)");
  EXPECT_EQ(d["@timestamp"], "2018-04-22T09:30:00Z");
  EXPECT_EQ(d["source"]["ip"], "222.83.191.222");
  EXPECT_FALSE(d.contains("user"));
  EXPECT_EQ(d["http"]["request"]["method"], "DELETE");
  EXPECT_EQ(d["url"]["original"], "/innovate/next-generation");
  EXPECT_EQ(d["http"]["version"], "1.1");
  EXPECT_EQ(d["http"]["response"]["status_code"], 406);
  EXPECT_EQ(d["http"]["response"]["body"]["bytes"], 7610);
  EXPECT_EQ(d["kafkainsight"]["format"], "apache_common");
  EXPECT_EQ(d["kafkainsight"]["status_class"], "Client Error");
  EXPECT_EQ(d["kafkainsight"]["anonymous"], true);
}

TEST(FlogFormats, ApacheCombined) {
  auto d = doc(R"(222.83.191.222 - - [22/Apr/2018:09:30:00 +0000] "DELETE /innovate/next-generation HTTP/1.1" 406 97484 "https://www.humanscalable.io/synergize/morph/sticky" "Mozilla/5.0 (Windows NT 5.01) AppleWebKit/5320 (KHTML, like Gecko) Chrome/40.0.875.0 Mobile Safari/5320")");
  EXPECT_EQ(d["kafkainsight"]["format"], "apache_combined");
  EXPECT_EQ(d["http"]["request"]["referrer"], "https://www.humanscalable.io/synergize/morph/sticky");
  EXPECT_EQ(d["user_agent"]["original"],
            "Mozilla/5.0 (Windows NT 5.01) AppleWebKit/5320 (KHTML, like Gecko) Chrome/40.0.875.0 Mobile Safari/5320");
  EXPECT_EQ(d["http"]["response"]["body"]["bytes"], 97484);
}

TEST(FlogFormats, CommonLogIsApacheCommon) {
  auto d = doc(R"(222.83.191.222 - kozey7157 [22/Apr/2018:09:30:00 +0000] "DELETE /innovate/next-generation HTTP/1.1" 406 7610)",
               Schema::Ecs, *ki::format_from_name("common_log"));
  EXPECT_EQ(d["user"]["name"], "kozey7157");
  EXPECT_EQ(d["kafkainsight"]["anonymous"], false);
}

TEST(FlogFormats, ApacheError) {
  auto d = doc("[Sun Apr 22 09:30:00 2018] [quia:crit] [pid 4214:tid 6037] [client 90.151.9.107:14075] "
               "Copying the protocol won't do anything, we need to copy the redundant SAS program!");
  EXPECT_EQ(d["@timestamp"], "2018-04-22T09:30:00Z");
  EXPECT_EQ(d["log"]["level"], "crit");
  EXPECT_EQ(d["log"]["logger"], "quia");
  EXPECT_EQ(d["process"]["pid"], 4214);
  EXPECT_EQ(d["process"]["thread"]["id"], 6037);
  EXPECT_EQ(d["source"]["ip"], "90.151.9.107");
  EXPECT_EQ(d["source"]["port"], 14075);
  EXPECT_EQ(d["message"], "Copying the protocol won't do anything, we need to copy the redundant SAS program!");
  EXPECT_EQ(d["kafkainsight"]["format"], "apache_error");
}

TEST(FlogFormats, Rfc3164) {
  auto d = doc("<24>Apr 22 09:30:00 moen8727 quo[3160]: If we back up the program, we can get to the SSL "
               "sensor through the redundant SAS program!");
  EXPECT_EQ(d["@timestamp"], "2018-04-22T09:30:00Z");
  EXPECT_EQ(d["log"]["syslog"]["priority"], 24);
  EXPECT_EQ(d["log"]["syslog"]["facility"]["code"], 3);
  EXPECT_EQ(d["log"]["syslog"]["facility"]["name"], "daemon");
  EXPECT_EQ(d["log"]["syslog"]["severity"]["code"], 0);
  EXPECT_EQ(d["log"]["level"], "emerg");
  EXPECT_EQ(d["host"]["hostname"], "moen8727");
  EXPECT_EQ(d["process"]["name"], "quo");
  EXPECT_EQ(d["process"]["pid"], 3160);
  EXPECT_EQ(d["message"], "If we back up the program, we can get to the SSL sensor through the redundant SAS program!");
  EXPECT_EQ(d["kafkainsight"]["format"], "rfc3164");
}

TEST(FlogFormats, Rfc5424) {
  auto d = doc("<24>3 2018-04-22T09:30:00.000Z futurefunctionalities.biz nisi 9030 ID160 - If we back up the "
               "program, we can get to the SSL sensor through the redundant SAS program!");
  EXPECT_EQ(d["@timestamp"], "2018-04-22T09:30:00.000Z");
  EXPECT_EQ(d["log"]["syslog"]["version"], "3");
  EXPECT_EQ(d["log"]["syslog"]["msgid"], "ID160");
  EXPECT_EQ(d["host"]["hostname"], "futurefunctionalities.biz");
  EXPECT_EQ(d["process"]["name"], "nisi");
  EXPECT_EQ(d["process"]["pid"], 9030);
  EXPECT_FALSE(d["log"]["syslog"].contains("structured_data"));
  EXPECT_EQ(d["kafkainsight"]["format"], "rfc5424");
}

TEST(FlogFormats, Json) {
  auto d = doc(R"({"host":"222.83.191.222", "user-identifier":"-", "datetime":"22/Apr/2018:09:30:00 +0000", "method": "DELETE", "request": "/innovate/next-generation", "protocol":"HTTP/1.1", "status":406, "bytes":7610, "referer": "https://www.humanscalable.io/synergize/morph/sticky"})");
  EXPECT_EQ(d["@timestamp"], "2018-04-22T09:30:00Z");
  EXPECT_EQ(d["source"]["ip"], "222.83.191.222");
  EXPECT_EQ(d["http"]["request"]["method"], "DELETE");
  EXPECT_EQ(d["url"]["original"], "/innovate/next-generation");
  EXPECT_EQ(d["http"]["response"]["status_code"], 406);
  EXPECT_EQ(d["http"]["request"]["referrer"], "https://www.humanscalable.io/synergize/morph/sticky");
  EXPECT_EQ(d["kafkainsight"]["format"], "json");
}

// --- Real-world variants -------------------------------------------------------------------

TEST(AccessVariants, Ipv6DashBytesAndOffset) {
  auto d = doc(R"(2001:db8::ff00:42:8329 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 304 -)");
  EXPECT_EQ(d["source"]["ip"], "2001:db8::ff00:42:8329");
  EXPECT_EQ(d["@timestamp"], "2000-10-10T13:55:36-07:00");
  EXPECT_FALSE(d["http"]["response"].contains("body"));
  EXPECT_EQ(d["user"]["name"], "frank");
}

TEST(AccessVariants, EscapedQuotes) {
  auto d = doc(R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /a\"b HTTP/1.1" 200 1 "http://x/\"q\"" "curl \"7\" \\ x")");
  EXPECT_EQ(d["url"]["original"], "/a\"b");
  EXPECT_EQ(d["http"]["request"]["referrer"], "http://x/\"q\"");
  EXPECT_EQ(d["user_agent"]["original"], "curl \"7\" \\ x");
}

TEST(AccessVariants, DashRequestAndJunk) {
  auto d = doc(R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "-" 408 -)");
  EXPECT_FALSE(d["http"].contains("request"));
  EXPECT_FALSE(d.contains("url"));
  EXPECT_EQ(d["http"]["response"]["status_code"], 408);
  auto j = doc(R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01\x00\xa5\x01" 400 226)");
  EXPECT_EQ(j["url"]["original"], "\\x16\\x03\\x01\\x00\\xa5\\x01");
}

TEST(AccessVariants, ExtraSpacesInRequest) {
  auto d = doc(R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET  /a b c   HTTP/1.1" 200 5)");
  EXPECT_EQ(d["http"]["request"]["method"], "GET");
  EXPECT_EQ(d["url"]["original"], "/a b c");
  EXPECT_EQ(d["http"]["version"], "1.1");
  auto h09 = doc(R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /" 200 5)");
  EXPECT_EQ(h09["url"]["original"], "/");
  EXPECT_FALSE(h09["http"].contains("version"));
}

TEST(AccessVariants, HostnameInsteadOfIpAndCrlf) {
  auto d = doc("www.example.com - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5\r\n");
  EXPECT_EQ(d["source"]["domain"], "www.example.com");
  EXPECT_EQ(d["http"]["response"]["body"]["bytes"], 5);
}

// Apache's vhost_combined ("%v:%p %h %l %u ...", Debian's other_vhosts_access.log) and Filebeat's
// "%v %h %l %u ...": the server comes first. Read as a plain line, the client was lost into the
// ident and the user came out as "- -".
TEST(AccessVariants, VirtualHostFirst) {
  auto d = doc(R"(www.example.org:443 203.0.113.9 - alice [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl")");
  EXPECT_EQ(d["destination"], (json{{"domain", "www.example.org"}, {"port", 443}}));
  EXPECT_EQ(d["source"], (json{{"ip", "203.0.113.9"}}));
  EXPECT_EQ(d["user"]["name"], "alice");
  EXPECT_EQ(d["kafkainsight"]["format"], "apache_combined");
  auto v = doc(R"(vhost1.example.fr 2001:db8::7 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(v["destination"], (json{{"domain", "vhost1.example.fr"}}));
  EXPECT_EQ(v["source"]["ip"], "2001:db8::7");
  EXPECT_FALSE(v.contains("user"));
  auto ip = doc(R"(10.0.0.5:8080 10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(ip["destination"], (json{{"ip", "10.0.0.5"}, {"port", 8080}}));
  // A bracketed IPv6 server: detection tells it from Apache's error log ("[Sat Dec …").
  auto v6 = doc(R"([2001:db8::1]:8443 ::1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(v6["destination"], (json{{"ip", "2001:db8::1"}, {"port", 8443}}));
  EXPECT_EQ(v6["source"]["ip"], "::1");
  auto v6np = doc(R"([fe80::1] 10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(v6np["destination"], (json{{"ip", "fe80::1"}}));
  EXPECT_EQ(doc("[Fri Dec 16 01:46:23 2005] [error] [client 1.2.3.4] File does not exist: /var/www/x")["kafkainsight"]["format"],
            "apache_error");
  // Not a port: the name as written.
  auto big = doc(R"(a.example:99999 10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(big["destination"], (json{{"domain", "a.example:99999"}}));
  // Plain lines stay as they were: an IPv6 client, a user with a space, an identd answer.
  EXPECT_FALSE(doc(R"(2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)").contains("destination"));
  auto sp = doc(R"(10.0.0.1 - first last [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(sp["user"]["name"], "first last");
  EXPECT_FALSE(sp.contains("destination"));
  auto id = doc(R"(10.0.0.1 ident7 bob [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(id["user"]["name"], "bob");
  EXPECT_FALSE(id.contains("destination"));
  // The flat schema keeps them too.
  auto f = doc(R"(www.example.org:443 203.0.113.9 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)",
               Schema::KafkaInsight);
  EXPECT_EQ(f["ip_address"], "203.0.113.9");
  EXPECT_EQ(f["server_name"], "www.example.org");
  EXPECT_EQ(f["server_port"], 443);
}

// nginx writing X-Forwarded-For's addresses first (Filebeat's nginx module reads them): the first
// public address is the client, every address goes to related.ip.
TEST(AccessVariants, AddressListsFirst) {
  const char* tail = R"( - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl")";
  auto l = doc(std::string("10.0.0.2, 10.0.0.1, 127.0.0.1") + tail);
  EXPECT_EQ(l["source"], (json{{"ip", "10.0.0.2"}}));  // none public: the first
  EXPECT_EQ(l["related"]["ip"], (json{"10.0.0.2", "10.0.0.1", "127.0.0.1"}));
  EXPECT_FALSE(l.contains("user"));
  EXPECT_EQ(l["kafkainsight"]["format"], "apache_combined");
  auto q = doc(std::string(R"("10.5.102.222, 199.96.1.1" 10.2.1.185)") + tail);
  EXPECT_EQ(q["source"]["ip"], "199.96.1.1");
  EXPECT_EQ(q["related"]["ip"], (json{"10.5.102.222", "199.96.1.1", "10.2.1.185"}));
  // nginx writes "unknown" for a hop it does not know; related.ip holds addresses only.
  auto u = doc(std::string(R"("unknown, fd00::5, 2a00:1450::1" 172.16.0.9)") + " - bob" +
               R"( [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(u["source"]["ip"], "2a00:1450::1");  // fd00::/8 is private (unique local)
  EXPECT_EQ(u["related"]["ip"], (json{"fd00::5", "2a00:1450::1", "172.16.0.9"}));
  EXPECT_EQ(u["user"]["name"], "bob");
  auto flat = doc(std::string("unknown, 10.0.0.1") + tail, Schema::KafkaInsight);
  EXPECT_EQ(flat["ip_address"], "unknown");
  EXPECT_EQ(flat["ip_list"], (json{"unknown", "10.0.0.1"}));
  // A server first, then the list (Filebeat's test-with-host.log); a list of names only.
  auto h = doc(std::string(R"(example.com:80 "10.5.102.222, 175.16.199.1" 10.2.1.185)") + tail);
  EXPECT_EQ(h["destination"], (json{{"domain", "example.com"}, {"port", 80}}));
  EXPECT_EQ(h["source"]["ip"], "175.16.199.1");
  EXPECT_EQ(h["related"]["ip"], (json{"10.5.102.222", "175.16.199.1", "10.2.1.185"}));
  auto names = doc(std::string("example.com localhost, localhost") + tail);
  EXPECT_EQ(names["source"], (json{{"domain", "localhost"}}));
  EXPECT_EQ(names["destination"], (json{{"domain", "example.com"}}));
  EXPECT_FALSE(names.contains("related"));
  EXPECT_FALSE(names.contains("user"));
  // An address with a NUL and more after it is no address (inet_pton stops at the NUL; found by
  // fuzz_parse_apache_common): the list is refused, the document stays valid JSON.
  EXPECT_NE(fail_reason(std::string("208d::\0\x11, 10.0.0.1", 18) + tail).find("expected a list of addresses"),
            std::string::npos);
  EXPECT_EQ(doc(std::string("::1\0x", 5) + tail)["source"], (json{{"domain", std::string("::1\0x", 5)}}));
  // A single address: no list, as before.
  EXPECT_FALSE(doc(std::string("203.0.113.9") + tail).contains("related"));
  // Not a list of addresses: reported, not read as a client and a user.
  EXPECT_NE(fail_reason(std::string("10.0.0.1, <script>") + tail).find("expected a list of addresses"), std::string::npos);
  EXPECT_NE(fail_reason(std::string(R"("10.0.0.1, 10.0.0.2)") + tail).find("expected a list of addresses"),
            std::string::npos);
}

// Python's http.server and Werkzeug (Flask's development server) write Apache's layout with a
// time of their own: no zone (--tz), a blank before the clock.
TEST(AccessVariants, WerkzeugTimeWithoutZone) {
  auto d = doc(R"(127.0.0.1 - - [05/Sep/2020 17:51:30] "GET / HTTP/1.1" 500 -)");
  EXPECT_EQ(d["@timestamp"], "2020-09-05T17:51:30Z");
  EXPECT_EQ(d["http"]["response"]["status_code"], 500);
  EXPECT_NE(fail_reason(R"(127.0.0.1 - - [05/Sep/2020 17:51] "GET / HTTP/1.1" 500 -)").find("bad timestamp"),
            std::string::npos);
}

// nginx's stock "main" format: "$http_x_forwarded_for" after the user agent.
TEST(AccessVariants, XForwardedForAfterTheUserAgent) {
  const std::string head = R"(10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl")";
  auto one = doc(head + R"( "198.51.100.7")");
  EXPECT_EQ(one["source"], (json{{"ip", "10.0.0.9"}}));  // the peer
  EXPECT_EQ(one["network"], (json{{"forwarded_ip", "198.51.100.7"}}));
  EXPECT_EQ(one["related"]["ip"], (json{"198.51.100.7", "10.0.0.9"}));
  auto chain = doc(head + R"( "unknown, 10.1.1.1, 2001:db8::7, 10.0.0.9")");
  EXPECT_EQ(chain["network"]["forwarded_ip"], "2001:db8::7");  // the first public one
  EXPECT_EQ(chain["related"]["ip"], (json{"10.1.1.1", "2001:db8::7", "10.0.0.9"}));  // the peer once
  EXPECT_EQ(doc(head + R"( "10.1.1.1")")["network"]["forwarded_ip"], "10.1.1.1");  // none public: the first
  // The flat layout: the list as it is, words included (as ip_list for a leading list).
  auto flat = doc(head + R"( "unknown, 10.1.1.1, 2001:db8::7")", Schema::KafkaInsight);
  EXPECT_EQ(flat["forwarded_for"], (json{"unknown", "10.1.1.1", "2001:db8::7"}));
  EXPECT_EQ(flat["ip_address"], "10.0.0.9");
  EXPECT_FALSE(doc(head + R"( "-")", Schema::KafkaInsight).contains("forwarded_for"));
  // No header, other tails, escapes: nothing, and the line still parses.
  for (const char* tail : {R"( "-")", R"( "0.123")", R"( "a b")", R"( "10.0.0.1 <x>")", R"( "unterminated)", " 0.123", ""}) {
    auto d = doc(head + tail);
    EXPECT_EQ(d["kafkainsight"]["format"], "apache_combined") << tail;
    EXPECT_FALSE(d.contains("network")) << tail;
    EXPECT_FALSE(d.contains("related")) << tail;
  }
}

// Traefik's common format: combined + ` <requests> "<router>" "<service URL>" <ms>ms`, its values
// quoted but not escaped (a bare '"' in a user agent).
TEST(AccessVariants, TraefikTail) {
  const std::string head = R"(10.0.0.9 - bob [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" )";
  auto d = doc(head + R"("curl/8" 262 "web@docker" "http://172.19.0.3:5601" 12ms)");
  EXPECT_EQ(d["traefik"]["access"],
            (json{{"request_count", 262}, {"frontend_name", "web@docker"}, {"backend_url", "http://172.19.0.3:5601"}}));
  EXPECT_EQ(d["event"]["duration"], 12000000);
  EXPECT_EQ(d["user_agent"]["original"], "curl/8");
  EXPECT_EQ(d["user"]["name"], "bob");
  EXPECT_EQ(d["kafkainsight"]["format"], "apache_combined");
  auto quotes = doc(head + R"("agent with "quotes"" 5 "-" "-" 0ms)");
  EXPECT_EQ(quotes["user_agent"]["original"], R"(agent with "quotes")");
  EXPECT_EQ(quotes["traefik"]["access"], (json{{"request_count", 5}}));  // "-": no router, no service
  EXPECT_EQ(quotes["event"]["duration"], 0);
  EXPECT_EQ(doc(head + R"("a" - "r" "u" 3ms)")["traefik"]["access"], (json{{"frontend_name", "r"}, {"backend_url", "u"}}));
  // Not that tail (Filebeat's test line with a router's quote missing, a lone duration, digits
  // where the count's quote should be): a combined line, the tail kept in kafkainsight.unparsed.
  for (const char* tail : {R"("curl/8" 271 "Host-host1 "http://172.19.0.3:5601" 3ms)", R"("curl/8" 12ms)",
                           R"("curl/8" "r" "u" 3ms)", R"("curl/8"1 "r" "u" 3ms)", R"("curl/8" 1 "r" "u" ms)",
                           R"("curl/8" 1 "r" "u" 3 ms)", R"("curl/8" 1 "r""u" 3ms)"}) {
    auto o = doc(head + tail);
    EXPECT_EQ(o["kafkainsight"]["format"], "apache_combined") << tail;
    EXPECT_EQ(o["user_agent"]["original"], std::string(tail).substr(1, std::string(tail).find('"', 1) - 1)) << tail;
    EXPECT_FALSE(o.contains("traefik")) << tail;
    std::string rest = std::string(tail).substr(std::string(tail).find('"', 1) + 1);
    if (rest[0] == ' ') rest.erase(0, 1);
    EXPECT_EQ(o["kafkainsight"]["unparsed"], rest) << tail;
  }
  // The shortest tail: an empty agent, nothing known.
  auto bare = doc(head + R"("" - "-" "-" 0ms)");
  EXPECT_EQ(bare["event"]["duration"], 0);
  EXPECT_FALSE(bare.contains("traefik"));
  EXPECT_FALSE(bare.contains("user_agent"));
  // The flat layout gets the same fields.
  EXPECT_EQ(doc(head + R"("curl/8" 2 "r" "u" 1ms)", Schema::KafkaInsight)["traefik"]["access"]["request_count"], 2);
}

// %l: lighttpd's virtual host (its default format has %V there), or an identd answer.
TEST(AccessVariants, IdentIsAHostOrAnIdentity) {
  const std::string rest = R"( - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8")";
  auto d = doc("10.0.0.9 shop.example" + rest);
  EXPECT_EQ(d["destination"], (json{{"domain", "shop.example"}}));
  EXPECT_EQ(d["source"]["ip"], "10.0.0.9");
  EXPECT_FALSE(d.contains("user"));
  EXPECT_EQ(doc("10.0.0.9 127.0.0.1:8080" + rest)["destination"], (json{{"ip", "127.0.0.1"}, {"port", 8080}}));
  EXPECT_EQ(doc("10.0.0.9 localhost" + rest)["destination"]["domain"], "localhost");
  auto id = doc(R"(10.0.0.9 alice bob [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(id["apache"]["access"]["user"]["identity"], "alice");
  EXPECT_EQ(id["user"]["name"], "bob");
  EXPECT_FALSE(id.contains("destination"));
  // A virtual host first (Debian's vhost_combined) stays what it was: the server, then the client.
  auto v = doc("www.example.com:443 10.0.0.9 -" + rest);
  EXPECT_EQ(v["destination"], (json{{"domain", "www.example.com"}, {"port", 443}}));
  EXPECT_EQ(v["source"]["ip"], "10.0.0.9");
  EXPECT_FALSE(v.contains("apache"));
}

// Text after the fields a format names: key=value pairs are fields, any other text is kept.
TEST(AccessVariants, FieldsAfterTheAgent) {
  const std::string head = R"(10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl/8")";
  auto d = doc(head + R"( rt=0.012 uct="0.001" uht="-" n=7 ok=true note="a \"b\"")");
  EXPECT_EQ(d["rt"], 0.012);
  EXPECT_EQ(d["uct"], "0.001");  // quoted: text as written (nginx quotes what may be a list)
  EXPECT_FALSE(d.contains("uht"));  // "-": nginx's empty value
  EXPECT_EQ(d["n"], 7);
  EXPECT_EQ(d["ok"], true);
  EXPECT_EQ(d["note"], R"(a "b")");
  EXPECT_FALSE(d["kafkainsight"].contains("unparsed"));
  EXPECT_EQ(d["kafkainsight"]["format"], "apache_combined");
  // After nginx's "$http_x_forwarded_for" ("-": no header) the same.
  auto x = doc(head + R"( "203.0.113.7" rt=0.5)");
  EXPECT_EQ(x["network"]["forwarded_ip"], "203.0.113.7");
  EXPECT_EQ(x["rt"], 0.5);
  EXPECT_EQ(doc(head + R"( "-" 0.005)")["kafkainsight"]["unparsed"], "0.005");
  // Anything else, as written (trailing blanks aside): Apache's %D, %T/%D, a host, half pairs.
  for (const char* tail : {"1234", "0/1234", "www.example.com:443", "rt=0.1 junk", "rt=\"open", "\"gzip\" 2.5",
                           "=1", "a b  c"}) {
    auto o = doc(head + " " + tail + "  ");
    EXPECT_EQ(o["kafkainsight"]["unparsed"], tail) << tail;
    EXPECT_EQ(o["kafkainsight"]["format"], "apache_combined") << tail;
    EXPECT_FALSE(o.contains("rt")) << tail;
  }
  // After the byte count of a common line (not a quote), the same.
  const std::string common = R"(10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)";
  auto c = doc(common + " 1234");
  EXPECT_EQ(c["kafkainsight"]["unparsed"], "1234");
  EXPECT_EQ(c["kafkainsight"]["format"], "apache_common");
  EXPECT_EQ(doc(common + " rt=0.25")["rt"], 0.25);
  EXPECT_FALSE(doc(common + "   ")["kafkainsight"].contains("unparsed"));
  EXPECT_NE(fail_reason(common + "x", Format::ApacheCommon), "");  // no blank: not a byte count
  // Through syslog, the tail is the access line's too.
  auto s = doc("<134>Dec  6 10:00:00 web01 nginx: " + head + " rt=0.003");
  EXPECT_EQ(s["rt"], 0.003);
  EXPECT_EQ(s["kafkainsight"]["wrapper"], "syslog");
}

// ingress-nginx's default format: combined + request length and time, upstream names, the lists
// of the servers tried (", " between them, " : " after an internal redirect), the request id.
TEST(AccessVariants, IngressNginxTail) {
  const std::string head = R"(192.168.64.1 - - [07/Feb/2020:11:48:51 +0000] "POST /p HTTP/1.1" 200 59 "-" "curl/7.54.0")";
  auto d = doc(head + " 89 0.001 [default-web-8080] [] 172.17.0.5:8080, 172.17.0.7:8080 : 10.0.0.1:80 61, 100 : 7 "
                      "0.100, 0.004 : 0.0005 502, 503 : 200 529a0079");
  const json& ic = d["nginx"]["ingress_controller"];
  EXPECT_EQ(ic["http"]["request"], (json{{"length", 89}, {"time", 0.001}, {"id", "529a0079"}}));
  EXPECT_EQ(ic["upstream"]["name"], "default-web-8080");
  EXPECT_FALSE(ic["upstream"].contains("alternative_name"));  // "[]"
  EXPECT_EQ(ic["upstream"]["ip"], "10.0.0.1");               // the last server tried
  EXPECT_EQ(ic["upstream"]["port"], 80);
  EXPECT_EQ(ic["upstream"]["response"]["length"], 7);
  EXPECT_EQ(ic["upstream"]["response"]["status_code"], 200);
  EXPECT_EQ(ic["upstream"]["response"]["time"], 0.1045);  // summed in decimal
  EXPECT_EQ(ic["upstream"]["response"]["time_list"], (json{"0.100", "0.004", "0.0005"}));
  EXPECT_EQ(ic["upstream_address_list"], (json{"172.17.0.5:8080", "172.17.0.7:8080", "10.0.0.1:80"}));
  // Sums past 10^18 units of the finest fraction are left out (the lists keep every value).
  auto big = doc(head + " 1 0.1 [a] [] 1.1.1.1:80, 1.1.1.2:80 1, 1 999999999999, 0.000001 200, 200 id");
  EXPECT_EQ(big["nginx"]["ingress_controller"]["upstream"]["response"]["time"], 999999999999.000001);
  std::string many = head + " 1 0.1 [a] [] 1.1.1.1:80 1 0.000001";
  for (int k = 0; k < 2000; ++k) many += ", 999999999999";
  many += " 200 id";
  auto over = doc(many);
  EXPECT_FALSE(over["nginx"]["ingress_controller"]["upstream"]["response"].contains("time"));
  EXPECT_EQ(over["nginx"]["ingress_controller"]["upstream"]["response"]["time_list"].size(), 2001u);
  // nginx answered itself (a bad method): no upstream at all.
  auto none = doc(head + " 0 0.000 [] [] - - - - 4c7d2079");
  EXPECT_EQ(none["nginx"]["ingress_controller"],
            (json{{"http", {{"request", {{"id", "4c7d2079"}, {"length", 0}, {"time", 0.0}}}}}}));
  // Not that tail: a combined line, nothing added (a word where a number goes, a blank in a name,
  // a list item with a quote, a missing request id, more after it).
  for (const char* tail : {" x 0.001 [a] [] 1.2.3.4:80 1 0.1 200 id", " 1 0.001 [a b] [] 1.2.3.4:80 1 0.1 200 id",
                           " 1 0.001 [a] [] 1.2.3.4:80\"x 1 0.1 200 id", " 1 0.001 [a] [] 1.2.3.4:80 1 0.1 200",
                           " 1 0.001 [a] [] 1.2.3.4:80 1 0.1 200 id more", " 1 .5 [a] [] - - - - id"}) {
    auto o = doc(head + tail);
    EXPECT_EQ(o["kafkainsight"]["format"], "apache_combined") << tail;
    EXPECT_FALSE(o.contains("nginx")) << tail;
  }
}

// mod_ssl's ssl_request_log, and its protocol and cipher inside a combined line.
TEST(AccessVariants, SslRequestLog) {
  auto d = doc(R"([10/Aug/2018:09:45:56 +0200] 172.30.0.119 TLSv1.2 ECDHE-RSA-AES128-GCM-SHA256 "GET /a?b=1 HTTP/1.1" 1375)");
  EXPECT_EQ(d["@timestamp"], "2018-08-10T09:45:56+02:00");
  EXPECT_EQ(d["source"]["ip"], "172.30.0.119");
  EXPECT_EQ(d["tls"], (json{{"version_protocol", "tls"}, {"version", "1.2"}, {"cipher", "ECDHE-RSA-AES128-GCM-SHA256"}}));
  EXPECT_EQ(d["http"]["response"], (json{{"body", {{"bytes", 1375}}}}));  // no status in this log
  EXPECT_EQ(d["kafkainsight"]["format"], "apache_common");
  EXPECT_FALSE(d["kafkainsight"].contains("status_class"));
  auto ssl3 = doc(R"([10/Aug/2018:09:45:56 +0200] 10.0.0.1 SSLv3 RC4-SHA "GET / HTTP/1.0" - "-" "curl/7")");
  EXPECT_EQ(ssl3["tls"]["version_protocol"], "ssl");
  EXPECT_EQ(ssl3["tls"]["version"], "3");
  EXPECT_EQ(ssl3["kafkainsight"]["format"], "apache_combined");
  EXPECT_FALSE(ssl3["http"]["response"].contains("body"));
  auto plain = doc(R"([10/Aug/2018:09:45:56 +0200] 10.0.0.1 - - "GET / HTTP/1.1" 5)");  // no TLS on that request
  EXPECT_FALSE(plain.contains("tls"));
  auto inside = doc(R"(10.0.0.1 - bob [10/Aug/2018:09:45:56 +0200] TLSv1.3 TLS_AES_256_GCM_SHA384 "GET / HTTP/2.0" 200 5 "-" "curl")");
  EXPECT_EQ(inside["tls"]["version"], "1.3");
  EXPECT_EQ(inside["http"]["response"]["status_code"], 200);
  EXPECT_EQ(inside["user"]["name"], "bob");
  // What is not that shape says where it went wrong.
  EXPECT_NE(fail_reason(R"([10/Aug/2018:09:45:56 +0200] 10.0.0.1 TLSv1.2 "GET / HTTP/1.1" 5)").find("TLS protocol and cipher"), std::string::npos);
  EXPECT_NE(fail_reason(R"([10/Aug/2018:09:45:56 +0200] 10.0.0.1 TLSv1.2 AES "GET / HTTP/1.1" x)").find("byte count"), std::string::npos);
  EXPECT_NE(fail_reason(R"(10.0.0.1 - - [10/Aug/2018:09:45:56 +0200] TLSv1.2 AES+x "GET / HTTP/1.1" 200 5)").find("after the timestamp"), std::string::npos);
}

// Times other than %t's: a fraction after the seconds, nginx's $time_iso8601.
TEST(AccessVariants, FractionsAndIsoTimesInTheBrackets) {
  auto f = doc(R"(10.0.0.1 - - [10/Oct/2000:13:55:36.123 -0700] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(f["@timestamp"], "2000-10-10T13:55:36.123-07:00");
  auto iso = doc(R"(10.0.0.1 - - [2000-10-10T13:55:36+02:00] "GET / HTTP/1.1" 200 5 "-" "curl")");
  EXPECT_EQ(iso["@timestamp"], "2000-10-10T13:55:36+02:00");
  EXPECT_EQ(iso["kafkainsight"]["format"], "apache_combined");
  auto ms = doc(R"(10.0.0.1 - - [2000-10-10T13:55:36.5Z] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(ms["@timestamp"], "2000-10-10T13:55:36.5Z");
  auto sp = doc(R"(10.0.0.1 - - [2019-01-22 03:54:16 +0330] "GET / HTTP/1.1" 200 5)");
  EXPECT_EQ(sp["@timestamp"], "2019-01-22T03:54:16+03:30");
  auto nz = doc(R"(10.0.0.1 - - [2019-02-04 23:40:49] "GET / HTTP/1.1" 200 5)");  // read in --tz (UTC here)
  EXPECT_EQ(nz["@timestamp"], "2019-02-04T23:40:49Z");
  EXPECT_EQ(fail_reason(R"(10.0.0.1 - - [2000-10-10 junk] "GET / HTTP/1.1" 200 5)"),
            "apache_common: bad timestamp, expected dd/Mon/yyyy:HH:MM:SS +zzzz or ISO 8601 at column 15");
  EXPECT_EQ(fail_reason(R"(10.0.0.1 - - [10/Oct/2000:13:55:36. -0700] "GET / HTTP/1.1" 200 5)"),
            "apache_common: bad timestamp, expected dd/Mon/yyyy:HH:MM:SS +zzzz or ISO 8601 at column 15");
}

TEST(ErrorVariants, Classic22) {
  auto d = doc("[Sun Dec 04 04:47:44 2005] [error] mod_jk child workerEnv in error state 6");
  EXPECT_EQ(d["@timestamp"], "2005-12-04T04:47:44Z");
  EXPECT_EQ(d["log"]["level"], "error");
  EXPECT_FALSE(d["log"].contains("logger"));
  EXPECT_FALSE(d.contains("process"));
  EXPECT_EQ(d["message"], "mod_jk child workerEnv in error state 6");
  auto c = doc("[Wed Oct 11 14:32:52 2000] [error] [client 127.0.0.1] client denied by server configuration: /export/home/live/ap/htdocs/test");
  EXPECT_EQ(c["source"]["ip"], "127.0.0.1");
  EXPECT_FALSE(c["source"].contains("port"));
}

TEST(ErrorVariants, RefererSuffixOfARequestsError) {
  auto d = doc(R"([Tue Mar 08 10:34:31.123456 2016] [proxy_fcgi:error] [pid 1234:tid 140000] [client 10.0.0.5:51234] AH01071: Got error 'Primary script unknown\n', referer: http://example.com/index.php)");
  EXPECT_EQ(d["http"]["request"]["referrer"], "http://example.com/index.php");
  EXPECT_EQ(d["message"], R"(AH01071: Got error 'Primary script unknown\n', referer: http://example.com/index.php)");  // whole
  // Words after it are not a referrer.
  EXPECT_FALSE(doc("[Tue Mar 08 10:34:31 2016] [error] x, referer: not one").contains("http"));
}

TEST(ErrorVariants, Apache24FractionAndIpv6) {
  auto d = doc("[Fri Sep 09 10:42:29.902022 2011] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico");
  EXPECT_EQ(d["@timestamp"], "2011-09-09T10:42:29.902022Z");
  EXPECT_EQ(d["process"]["thread"]["id"], 4328636416LL);
  auto v6 = doc("[Mon Apr 22 09:30:00.123 2019] [ssl:info] [pid 7] [client ::1:57208] AH01964: Connection to child 0 established");
  EXPECT_EQ(v6["source"]["ip"], "::1");
  EXPECT_EQ(v6["source"]["port"], 57208);
  EXPECT_EQ(v6["process"]["pid"], 7);
  auto v6b = doc("[Mon Apr 22 09:30:00 2019] [ssl:info] [pid 7] [client 2001:db8::1] x");
  EXPECT_EQ(v6b["source"]["ip"], "2001:db8::1");
  auto v6c = doc("[Mon Apr 22 09:30:00 2019] [ssl:info] [pid 7] [client [2001:db8::1]:443] x");
  EXPECT_EQ(v6c["source"]["ip"], "2001:db8::1");
  EXPECT_EQ(v6c["source"]["port"], 443);
}

TEST(SyslogVariants, NoPriPaddedDayNoPid) {
  auto d = doc("Jan  2 03:04:05 myhost sshd: Accepted publickey for root", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(d["@timestamp"], "2021-01-02T03:04:05Z");
  EXPECT_FALSE(d["log"]["syslog"].contains("priority"));
  EXPECT_EQ(d["host"]["hostname"], "myhost");
  EXPECT_EQ(d["process"]["name"], "sshd");
  EXPECT_FALSE(d["process"].contains("pid"));
  EXPECT_EQ(d["message"], "Accepted publickey for root");
}

TEST(SyslogVariants, Rfc3164Examples) {
  auto d = doc("<34>Oct 11 22:14:15 mymachine su: 'su root' failed for lonvick on /dev/pts/8");
  EXPECT_EQ(d["log"]["syslog"]["facility"]["name"], "auth");
  EXPECT_EQ(d["log"]["syslog"]["severity"]["name"], "crit");
  EXPECT_EQ(d["process"]["name"], "su");
  auto bfg = doc("<13>Feb  5 17:32:18 10.0.0.99 Use the BFG!");
  EXPECT_EQ(bfg["host"]["hostname"], "10.0.0.99");
  EXPECT_FALSE(bfg.contains("process"));
  EXPECT_EQ(bfg["message"], "Use the BFG!");
  auto iso = doc("2019-03-04T05:06:07.123456+01:00 web1 nginx[12]: started");
  EXPECT_EQ(iso["@timestamp"], "2019-03-04T05:06:07.123456+01:00");
  EXPECT_EQ(iso["process"]["pid"], 12);
}

// ISO times as senders other than rsyslog write them (Filebeat's tz-offset.log: "+0400"; none:
// --tz), and application text logs, which start with an ISO time too but are not syslog.
TEST(SyslogVariants, IsoTimesOfOtherSendersAndApplicationLogsThatAreNot) {
  auto basic = doc("1986-04-26T01:23:45.101+0400 linux-sqrz systemd[4179]: Stopped target Basic System.");
  EXPECT_EQ(basic["@timestamp"], "1986-04-26T01:23:45.101+04:00");
  EXPECT_EQ(basic["host"]["hostname"], "linux-sqrz");
  EXPECT_EQ(basic["process"]["pid"], 4179);
  EXPECT_EQ(doc("2019-03-04T05:06:07 web1 nginx[12]: started")["@timestamp"], "2019-03-04T05:06:07Z");
  // Not read as syslog with a host named INFO: the grok recipe of such applications reads it.
  const std::pair<const char*, const char*> apps[] = {
      {"2024-01-01T12:00:00.123Z  INFO 1 --- [main] c.f.Bar : Started Bar in 1.2 seconds", "SPRINGBOOTLOG"},
      {"2024-01-01T12:00:00.123+01:00 ERROR [main] com.acme.Checkout: failed", "JAVALOG"},
      {"2024-01-01T12:00:00,123 WARNING shop.payments: retrying", "PYTHONLOG"}};
  for (const auto& [app, recipe] : apps) {
    auto d = doc(app);
    EXPECT_EQ(d["kafkainsight"]["recipe"], recipe) << app << ": " << fail_reason(app);
    EXPECT_EQ(d["@timestamp"].get<std::string>().substr(0, 16), "2024-01-01T12:00") << app;
    EXPECT_FALSE(d.contains("host")) << app;
  }
  // One no layout reads: the generic reading (the time, the level), not syslog with a host "WARNING".
  EXPECT_EQ(doc("2024-01-01T12:00:00,123 WARNING")["log"]["level"], "WARNING");
  // A blank after <PRI>, as FASTPATH switches write it.
  auto sw = doc("<13> Aug 16 21:10:21 sw1 TRAPMGR[trapTask]: traputil.c(735) 248 %% Session 0 of type 3 started",
                Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(sw["@timestamp"], "2021-08-16T21:10:21Z");
  EXPECT_EQ(sw["host"]["hostname"], "sw1");
  EXPECT_EQ(sw["process"]["name"], "TRAPMGR");
  EXPECT_EQ(sw["log"]["syslog"]["priority"], 13);
  // A host named in lower case is a host.
  EXPECT_EQ(doc("2019-03-04T05:06:07Z info sshd[1]: hi")["host"]["hostname"], "info");
}

// Lines auto-detection has no format for, that start with a date: the reason says what they are.
TEST(Detection, DateFirstLinesAreNamedNotReadAsAccessLines) {
  const std::string odd = fail_reason("2024-01-01 12:00:00,123XYZ <INFO> shop: paid");
  EXPECT_EQ(odd.rfind("a date first: an application's text log", 0), 0u) << odd;
  // A forced format keeps its own reason.
  EXPECT_EQ(fail_reason("2024-01-01 12:00:00,123 INFO shop.payments: paid", Format::ApacheCommon).rfind("apache_common: ", 0), 0u);
  // Other lines keep the access parser's reason.
  EXPECT_EQ(fail_reason("just some words").rfind("apache_common: ", 0), 0u);
  EXPECT_EQ(fail_reason("[Sat Dec 05 12:00:00 2026 broken").rfind("apache_error: ", 0), 0u);
}

// GENERICLOG, the last recipe: a line that starts with a date and time and no layout reads.
TEST(Detection, DateFirstLinesNoLayoutReadsGiveTimeLevelMessage) {
  auto d = doc("2012-07-02 10:22:40,672:DEBUG:foo bar baz");
  EXPECT_EQ(d["kafkainsight"]["recipe"], "GENERICLOG");
  EXPECT_EQ(d["@timestamp"], "2012-07-02T10:22:40.672Z");
  EXPECT_EQ(d["log"]["level"], "DEBUG");
  EXPECT_EQ(d["message"], "foo bar baz");
  EXPECT_EQ(doc("2024-01-01 12:00:00,123 <INFO> shop: paid")["message"], "shop: paid");
  auto bar = doc("2024-01-01T12:00:00+02:00 | ERROR | boom");  // (no syslog host "|")
  EXPECT_EQ(bar["@timestamp"], "2024-01-01T12:00:00+02:00");
  EXPECT_EQ(bar["log"]["level"], "ERROR");
  EXPECT_EQ(bar["message"], "boom");
  auto plain = doc("2015-04-09 19:58:07.123000 Hello, World!");
  EXPECT_FALSE(plain.contains("log"));
  EXPECT_EQ(plain["message"], "Hello, World!");
  // A zone after a blank is the time's (Google Drive's sync log; PostgreSQL's %m).
  auto gd = doc("2018-03-01 12:48:14,224 -0800 INFO pid=1730 MainThread started");
  EXPECT_EQ(gd["@timestamp"], "2018-03-01T12:48:14.224-08:00");
  EXPECT_EQ(gd["log"]["level"], "INFO");
  EXPECT_EQ(gd["message"], "pid=1730 MainThread started");
  EXPECT_EQ(doc("2019-05-06 19:00:04.511 CEST x")["@timestamp"], "2019-05-06T19:00:04.511+02:00");
  // Left to their reasons: seconds run into a word, a zone run into the rest (its time would be
  // read wrong), the head of a CSV record a newline cut.
  EXPECT_NE(fail_reason("2015-04-24T21:08:10.313913FOO err rbd"), "");
  EXPECT_NE(fail_reason("2024-01-01 12:00:00 +0800x y"), "");
  EXPECT_NE(fail_reason("2020-01-29 00:00:01.606881 UTC,,,p713507,th-2019006592,,,2020-01-29 00:00:01 UTC,0"), "");
  EXPECT_EQ(fail_reason("2019-05-06 19:00:04.511 UTC,\"postgres\",\"db\",\"statement: SELECT").rfind("a date first and a quoted value left open", 0), 0u);
}

// GENERICLOG's other line starts (fail2ban's date detector's layouts, lnav's): each read at its
// instant, and the order of an all-number date's day and month.
TEST(Detection, OtherLineStartLayoutsAndBracketedTimes) {
  struct Case {
    const char *line, *time, *message;
  };
  const Case cases[] = {
      {"2011.11.21 14:29:16 LOG3[28228:1400]: SSL_accept", "2011-11-21T14:29:16Z", "LOG3[28228:1400]: SSL_accept"},
      {"11-Aug-2013 03:36:11.372 worker 3 started", "2013-08-11T03:36:11.372Z", "worker 3 started"},
      {"Apr-07-13 07:08:36 [SSL-out] negotiation", "2013-04-07T07:08:36Z", "[SSL-out] negotiation"},
      {"Sat Dec 28 19:03:53 2013 - [72926] x", "2013-12-28T19:03:53Z", "[72926] x"},
      {"Wed May 19 08:00:01 EST 2021 line 1", "2021-05-19T08:00:01-05:00", "line 1"},
      {"Oct 27 2015 09:24:46 host sshd[1170]: y", "2015-10-27T09:24:46Z", "host sshd[1170]: y"},
      {"[17/Jun/2011 17:00:45] Attempt", "2011-06-17T17:00:45Z", "Attempt"},
      {"[22-Jan-2013 22:28:21 +0200]: FAILED login", "2013-01-22T22:28:21+02:00", "FAILED login"},
      {"[2014-01-06 10:59:38]LOGIN FAILED", "2014-01-06T10:59:38Z", "LOGIN FAILED"},
      {"[20220407-12:11:06] [INFO ] AUTHFAIL", "2022-04-07T12:11:06Z", "AUTHFAIL"},
      {"20100720 183814 File \"C:\\x.com\" belongs to virus", "2010-07-20T18:38:14Z", "File \"C:\\x.com\" belongs to virus"},
      // TAI64N: 2^62 + 10 + Unix time, as tai64nlocal reads it
      {"@40000000433225833b6e1a8c tcpserver: status: 5/30", "2005-09-22T03:31:05.997071500Z", "tcpserver: status: 5/30"},
      // all numbers: the month first, the day when the first cannot be a month or with dots
      {"03/04/2024 10:00:00 a", "2024-03-04T10:00:00Z", "a"},
      {"13/04/2024 10:00:00 b", "2024-04-13T10:00:00Z", "b"},
      {"03-04-2024 10:00:00 c", "2024-03-04T10:00:00Z", "c"},
      {"03.04.2024 10:00:00 d", "2024-04-03T10:00:00Z", "d"},
  };
  for (const Case& c : cases) {
    auto d = doc(c.line);
    EXPECT_EQ(d["kafkainsight"]["recipe"], "GENERICLOG") << c.line;
    EXPECT_EQ(d["@timestamp"], c.time) << c.line;
    EXPECT_EQ(d["message"], c.message) << c.line;
  }
  // monit's: a zone's name first, no year (this year's)
  auto m = doc("[CEST Aug  6 10:14:52] error    : HttpRequest: access denied");
  EXPECT_EQ(m["@timestamp"].get<std::string>().substr(4), "-08-06T10:14:52+02:00");
  EXPECT_EQ(m["log"]["level"], "error");
  EXPECT_EQ(m["message"], "HttpRequest: access denied");
  auto v = doc("[2024-08-31 02:11:22.129][vaultwarden::api::identity][ERROR] Username or password");
  EXPECT_EQ(v["log"]["logger"], "vaultwarden::api::identity");
  EXPECT_EQ(v["log"]["level"], "ERROR");
  // Not a time: left to the reasons they had.
  EXPECT_NE(fail_reason("13/13/2024 10:00:00 no month"), "");
  EXPECT_NE(fail_reason("@400000004c91b044077a9e9 short"), "");
  EXPECT_NE(fail_reason("2011.11.21 14:29:16x run on"), "");
}

// The text layouts of applications that the grok recipes of docs/GROK.md read: read without
// options by the first recipe that fits, with the time layout it needs (first lines of loghub's
// samples and of a Kafka 3.9 broker's server.log; Spring Boot 2 and 3, logback's order, Python's
// logging cookbook and basicConfig, OpenStack).
// Java's default console layouts write a time of day only: logback's (1.3+: "-%kvp- " between
// logger and message), log4j 2's default configuration, WildFly's console. The day is the clock's.
TEST(Detection, JavaLayoutsWithATimeOfDayOnly) {
  struct Case {
    const char *line, *recipe, *time, *message, *logger;
  };
  const Case cases[] = {
      {"18:53:39.123 [main] INFO com.example.Checkout -- order 42 placed", "JAVALOG", "18:53:39.123Z",
       "order 42 placed", "com.example.Checkout"},
      {"09:15:00.001 [main] ERROR com.example.Checkout - payment failed", "JAVALOG", "09:15:00.001Z", "payment failed",
       "com.example.Checkout"},
      {"07:02:11,250 INFO  [org.jboss.as] (MSC service thread 1-2) WFLYSRV0049: WildFly starting", "WILDFLYLOG",
       "07:02:11.250Z", "WFLYSRV0049: WildFly starting", "org.jboss.as"}};
  const std::time_t now = std::time(nullptr);
  for (const Case& c : cases) {
    auto d = doc(c.line);
    ASSERT_TRUE(d.contains("kafkainsight")) << c.line;
    EXPECT_EQ(d["kafkainsight"]["recipe"], c.recipe) << c.line;
    EXPECT_EQ(d["message"], c.message) << c.line;
    EXPECT_EQ(d["log"]["logger"], c.logger) << c.line;
    const std::string ts = d["@timestamp"];
    EXPECT_EQ(ts.substr(11), c.time) << c.line;
    std::tm tm{};
    ASSERT_TRUE(strptime(ts.substr(0, 19).c_str(), "%Y-%m-%dT%H:%M:%S", &tm)) << ts;
    const std::time_t t = timegm(&tm);
    EXPECT_LE(t, now + 3 * 3600) << ts;
    EXPECT_GT(t, now - 21 * 3600 - 60) << ts;
  }
  // logback's key-value pairs become fields, as it quoted them; a message that starts with '-'
  // after the classic " - " stays whole.
  auto kv = doc("18:53:39.130 [main] INFO com.example.Checkout -order=\"42\" user=\"bob smith\"- shipped");
  EXPECT_EQ(kv["message"], "shipped");
  EXPECT_EQ(kv["order"], "42");
  EXPECT_EQ(kv["user"], "bob smith");
  // tracing-subscriber: the event's fields after its message, the spans before the target.
  auto tr = doc("2026-12-06T18:59:48.422640Z  WARN outer{id=7}:inner: app::db: slow query took_ms=1250 table=\"orders x\"");
  EXPECT_EQ(tr["kafkainsight"]["recipe"], "TRACINGLOG");
  EXPECT_EQ(tr["message"], "slow query");
  EXPECT_EQ(tr["took_ms"], 1250);
  EXPECT_EQ(tr["table"], "orders x");
  EXPECT_EQ(tr["tracing"]["span"], "outer{id=7}:inner");
  EXPECT_EQ(tr["log"]["logger"], "app::db");
  auto plain = doc("2026-12-06T18:59:48.422640Z  INFO app: ready: 3 workers = 3 cores");
  EXPECT_EQ(plain["message"], "ready: 3 workers = 3 cores");  // no tail of pairs: the text as written
  // Serilog's console (a time of day only), and .NET's console logger: the message on the lines
  // under "level: Category[id]", six blanks in, a scope line first, an exception after it.
  auto serilog = doc("[20:05:47 WRN] wwwroot directory not found");
  EXPECT_EQ(serilog["kafkainsight"]["recipe"], "SERILOG");
  EXPECT_EQ(serilog["message"], "wwwroot directory not found");
  EXPECT_EQ(serilog["event"]["severity"], 4);
  EXPECT_EQ(std::string(serilog["@timestamp"]).substr(11), "20:05:47Z");
  auto mel = doc("fail: Microsoft.AspNetCore.Server.Kestrel[13]\n"
                 "      => SpanId:d0fc731b6f66a639, TraceId:54c5610665d45bff838109579db0724c\n"
                 "      Connection id \"0HNGMA6SKFR8J\": An unhandled exception was thrown by the application.\n"
                 "      System.InvalidOperationException: Operation is not valid due to the current state of the object.\n"
                 "         at Program.<>c.<<Main>$>b__0_3() in /src/Program.cs:line 122");
  EXPECT_EQ(mel["kafkainsight"]["recipe"], "DOTNETLOG");
  EXPECT_EQ(mel["log"]["level"], "fail");
  EXPECT_EQ(mel["event"]["severity"], 3);
  EXPECT_EQ(mel["event"]["code"], "13");
  EXPECT_EQ(mel["log"]["logger"], "Microsoft.AspNetCore.Server.Kestrel");
  EXPECT_EQ(mel["message"], "Connection id \"0HNGMA6SKFR8J\": An unhandled exception was thrown by the application.");
  EXPECT_EQ(mel["dotnet"]["scope"], "SpanId:d0fc731b6f66a639, TraceId:54c5610665d45bff838109579db0724c");
  EXPECT_EQ(mel["error"]["type"], "System.InvalidOperationException");
  EXPECT_EQ(mel["error"]["stack_trace"],
            "System.InvalidOperationException: Operation is not valid due to the current state of the object.\n"
            "   at Program.<>c.<<Main>$>b__0_3() in /src/Program.cs:line 122");
  auto elixir = doc("19:08:33.387 request_id=F7Hx user_id=42 [warning] payment slow");
  EXPECT_EQ(elixir["kafkainsight"]["recipe"], "ELIXIRLOG");
  EXPECT_EQ(elixir["request_id"], "F7Hx");
  EXPECT_EQ(elixir["user_id"], 42);
  EXPECT_EQ(elixir["message"], "payment slow");
  // Joined by --multiline elixir: a crash report under the line is the error; other lines under
  // it go on with its message; a formatted exception as the message names its error too.
  auto crash = doc("21:24:19.438 [error] GenServer #PID<0.103.0> terminating\n** (RuntimeError) boom\n"
                   "    crash.exs:4: Boom.handle_call/3\nState: %{n: 1}");
  EXPECT_EQ(crash["message"], "GenServer #PID<0.103.0> terminating");
  EXPECT_EQ(crash["error"]["type"], "RuntimeError");
  EXPECT_EQ(crash["error"]["message"], "boom");
  EXPECT_EQ(crash["error"]["stack_trace"], "** (RuntimeError) boom\n    crash.exs:4: Boom.handle_call/3\nState: %{n: 1}");
  auto lines = doc("21:24:19.645 request_id=F7 [info] shipped:\n  order 42\n  order 43");
  EXPECT_EQ(lines["message"], "shipped:\n  order 42\n  order 43");
  EXPECT_EQ(lines["request_id"], "F7");
  EXPECT_FALSE(lines.contains("error"));
  auto formatted = doc("21:24:19.645 [error] ** (ArgumentError) bad key\n    (my_app 0.1.0) lib/a.ex:3: A.f/1");
  EXPECT_EQ(formatted["message"], "** (ArgumentError) bad key");
  EXPECT_EQ(formatted["error"]["type"], "ArgumentError");
  EXPECT_EQ(formatted["error"]["stack_trace"], "    (my_app 0.1.0) lib/a.ex:3: A.f/1");
  // Rust's panics: the message under the first line (a joined report), or on it before Rust 1.73.
  auto panic = doc("thread 'payments' (10712) panicked at src/main.rs:37:19:\npayment failed: card declined\n"
                   "retry in 5 minutes\nstack backtrace:\n   0: __rustc::rust_begin_unwind\n"
                   "             at /rustc/5980/library/std/src/panicking.rs:689:5\n"
                   "note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.");
  EXPECT_EQ(panic["kafkainsight"]["recipe"], "RUSTPANIC");
  EXPECT_EQ(panic["message"], "payment failed: card declined\nretry in 5 minutes");
  EXPECT_EQ(panic["error"]["message"], panic["message"]);
  EXPECT_EQ(panic["error"]["stack_trace"],
            "stack backtrace:\n   0: __rustc::rust_begin_unwind\n             at /rustc/5980/library/std/src/panicking.rs:689:5");
  EXPECT_EQ(panic["process"]["thread"]["name"], "payments");
  EXPECT_EQ(panic["process"]["thread"]["id"], 10712);
  EXPECT_EQ(panic["log"]["origin"]["file"]["name"], "src/main.rs");
  EXPECT_EQ(panic["log"]["origin"]["file"]["line"], 37);
  EXPECT_EQ(panic["event"]["severity"], 3);
  auto old_panic = doc("thread 'main' panicked at 'index out of bounds: the len is 0', src/main.rs:2:5");
  EXPECT_EQ(old_panic["message"], "index out of bounds: the len is 0");
  EXPECT_EQ(old_panic["error"]["message"], "index out of bounds: the len is 0");
  auto hc = doc("2024-03-01T12:34:56.789Z [ERROR] client.alloc_runner: task failed: task=redis msg=\"Task started\" failed=true");
  EXPECT_EQ(hc["message"], "task failed");
  EXPECT_EQ(hc["log"]["logger"], "client.alloc_runner");
  EXPECT_EQ(hc["task"], "redis");
  EXPECT_EQ(hc["msg"], "Task started");
  EXPECT_EQ(hc["failed"], true);
  EXPECT_EQ(doc("2024-03-01T12:34:56.789Z [INFO]  agent: Synced: ok")["message"], "Synced: ok");  // no pairs after it
  auto jenkins = doc("2024-03-01 12:34:56.789+0000 [id=32]\tWARNING\thudson.model.Run#execute: build failed");
  EXPECT_EQ(jenkins["log"]["logger"], "hudson.model.Run");
  EXPECT_EQ(jenkins["log"]["origin"]["function"], "execute");
  EXPECT_EQ(jenkins["process"]["thread"]["id"], 32);
  auto cassandra = doc("WARN  [CompactionExecutor:1] 2024-03-01 12:34:56,789 BigTableWriter.java:274 - Writing large partition");
  EXPECT_EQ(cassandra["process"]["thread"]["name"], "CompactionExecutor:1");
  EXPECT_EQ(cassandra["log"]["origin"]["file"]["name"], "BigTableWriter.java");
  EXPECT_EQ(cassandra["log"]["origin"]["file"]["line"], 274);
  auto airflow = doc("[2023-06-15, 10:00:00 UTC] {taskinstance.py:1157} ERROR - Task failed with exception");
  EXPECT_EQ(airflow["log"]["origin"]["file"]["name"], "taskinstance.py");
  EXPECT_EQ(airflow["event"]["severity"], 3);
  auto dash = doc("2024-01-01 12:00:00,123 [main] INFO  com.acme.Shop - -5 degrees - cold");
  EXPECT_EQ(dash["message"], "-5 degrees - cold");
  EXPECT_FALSE(dash.contains("5 degrees"));
}

TEST(Detection, ApplicationTextLayoutsAreReadByTheirRecipe) {
  struct Case {
    const char* line;
    const char* recipe;
    const char* time;  // @timestamp ("": the read time)
    const char* level;
  };
  const Case cases[] = {
      {"2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
       "ZOOKEEPERLOG", "2015-07-29T17:41:44.747Z", "INFO"},
      {"17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]",
       "SPARKLOG", "2017-06-09T20:10:40Z", "INFO"},
      {"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
       "HDFSLOG", "2008-11-09T20:36:15Z", "INFO"},
      {"03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogsopening app wtoken = AppWindowToken",
       "ANDROIDLOG", "2017-03-17T16:13:38.811Z", "D"},
      {"[2026-12-05 20:16:05,800] INFO [ControllerServer id=1] Starting controller (kafka.server.ControllerServer)",
       "KAFKALOG", "2026-12-05T20:16:05.800Z", "INFO"},
      {"2019-03-05 10:57:51.112  INFO 45469 --- [           main] org.apache.catalina.core.StandardEngine  : "
       "Starting Servlet Engine: Apache Tomcat/9.0.16", "SPRINGBOOTLOG", "2019-03-05T10:57:51.112Z", "INFO"},
      {"2024-11-21T10:00:00.123+01:00  INFO 12345 --- [demo] [           main] c.e.demo.DemoApplication                 "
       ": Started DemoApplication in 1.2 seconds", "SPRINGBOOTLOG", "2024-11-21T10:00:00.123+01:00", "INFO"},
      {"2024-01-01 12:00:00,123 [main] INFO  com.acme.Shop - paid", "JAVALOG", "2024-01-01T12:00:00.123Z", "INFO"},
      {"2024-01-01 12:00:00.123 [main] INFO com.acme.Shop -- paid", "JAVALOG", "2024-01-01T12:00:00.123Z", "INFO"},
      {"[2026-12-06T18:59:48Z WARN  rust_logs::db] slow query took 1250 ms", "RUSTLOG", "2026-12-06T18:59:48Z", "WARN"},
      // Serilog's file sink and .NET's console logger in its SingleLine mode, as their sources lay them out
      {"2020-06-04 22:59:04.891 +08:00 [INF] Starting web host.", "SERILOG", "2020-06-04T22:59:04.891+08:00", "INF"},
      {"2024-01-15 10:30:48 [ERR] Failed to connect to database", "SERILOG", "2024-01-15T10:30:48Z", "ERR"},
      {"info: Microsoft.Hosting.Lifetime[14] Now listening on: http://localhost:5000", "DOTNETLOG", "", "info"},
      {"2024-03-01 10:50:18.735 [error] Could not find static manifest", "ELIXIRLOG", "2024-03-01T10:50:18.735Z", "error"},
      {"[info] Running MyAppWeb.Endpoint with Bandit 1.8.0 at 127.0.0.1:4000 (http)", "ELIXIRLOG", "", "info"},
      // Airflow (2.7+ and 2.2-2.6), Jenkins, Cassandra and go-hclog, as their layouts write them
      {"[2024-03-01T12:34:56.789+0000] {scheduler_job_runner.py:798} INFO - Starting the scheduler", "AIRFLOWLOG",
       "2024-03-01T12:34:56.789Z", "INFO"},
      {"[2023-06-15, 10:00:00 UTC] {taskinstance.py:1157} INFO - Dependencies all met", "AIRFLOWLOG",
       "2023-06-15T10:00:00Z", "INFO"},
      {"2024-03-01 12:34:56.789+0000 [id=32]\tINFO\tjenkins.InitReactorRunner$1#onAttained: Completed initialization",
       "JENKINSLOG", "2024-03-01T12:34:56.789Z", "INFO"},
      {"INFO  [main] 2024-03-01 12:34:56,789 CassandraDaemon.java:616 - Startup complete", "CASSANDRALOG",
       "2024-03-01T12:34:56.789Z", "INFO"},
      {"2024-03-01T12:34:56.789Z [WARN]  core: failed to lookup token: error=\"permission denied\" attempt=3", "HCLOG",
       "2024-03-01T12:34:56.789Z", "WARN"},
      {"2026-12-06T18:59:48.422640Z ERROR request{method=\"GET\" uri=\"/orders/42\"}: rust_logs: payment failed "
       "err=\"card declined\"", "TRACINGLOG", "2026-12-06T18:59:48.422640Z", "ERROR"},
      {"2024-01-01 12:00:00,123 - simple_example - INFO - info message", "PYTHONLOG", "2024-01-01T12:00:00.123Z", "INFO"},
      {"2024-01-01 12:00:00,123 INFO 42 orders paid", "PYTHONLOG", "2024-01-01T12:00:00.123Z", "INFO"},
      {"WARNING:root:disk almost full", "PYTHONLOG", "", "WARNING"},
      {"2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae "
       "113d3a99c3da401fbd62cc2caa5b96d2 54fadb412c4e40cdbaed9335e4c35a9e - - -] 10.11.10.1 \"GET /v2/ HTTP/1.1\"",
       "OPENSTACK", "2017-05-16T00:00:00.008Z", "INFO"},
      // Database servers (Filebeat's module test files), each zone as the server prints it.
      {"2017-07-31 13:36:42.585 CEST [4974] LOG:  database system was shut down at 2017-06-17 16:58:04 CEST",
       "POSTGRESQLLOG", "2017-07-31T13:36:42.585+02:00", "LOG"},
      {"2023-03-04 18:24:15.242 +03 [24915-2] sherlock@postgres FATAL:  password authentication failed",
       "POSTGRESQLLOG", "2023-03-04T18:24:15.242+03:00", "FATAL"},
      {"2019-03-27T13:52:42.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld (mysqld 8.0.15) starting as "
       "process 1", "MYSQLERRORLOG", "2019-03-27T13:52:42.123456Z", "System"},
      {"2019-10-16 12:43:35 0 [Note] InnoDB: Using Linux native AIO", "MYSQLERRORLOG", "2019-10-16T12:43:35Z", "Note"},
      {"120707 16:10:51 [Note] Plugin 'FEDERATED' is disabled.", "MYSQLERRORLOG", "2012-07-07T16:10:51Z", "Note"},
      {"191015  9:46:45 140737 [Warning] Aborted connection 13", "MYSQLERRORLOG", "2019-10-15T09:46:45Z", "Warning"},
      {"2016-12-13T10:11:04.527+0000 I NETWORK  [initandlisten] waiting for connections on port 27017",
       "MONGODBLOG", "2016-12-13T10:11:04.527Z", "I"},
      {"98738:M 30 May 2018 15:35:36.213 * Ready to accept connections", "REDISLOG", "2018-05-30T15:35:36.213Z",
       "notice"},
      // Filebeat's test files: Redis 3.x (no year) and 2.x ([pid], no role), PostgreSQL with '%t ' (no pid),
      // MySQL 5.5's engine lines (no level: the message's own), NATS, Icinga 2
      {"98738:M 30 May 12:23:52.442 * Saving the final RDB snapshot before exiting.", "REDISLOG",
       "2017-05-30T12:23:52.442Z", "notice"},
      {"[2932] 31 May 04:32:08 # Open data file dump.rdb: No such file or directory", "REDISLOG", "2017-05-31T04:32:08Z",
       "warning"},
      {"2019-09-22 06:28:24 UTC DETAIL:  parameters: $1 = '86'", "POSTGRESQLLOG", "2019-09-22T06:28:24Z", "DETAIL"},
      {"[1] 2019/02/06 07:19:40.624334 [INF] Starting nats-server version 1.3.0", "NATSLOG",
       "2019-02-06T07:19:40.624334Z", "INF"},
      {"[2017-04-04 11:16:34 +0200] warning/PluginNotificationTask: Notification command for object 'demo!load' "
       "terminated with exit code 127", "ICINGALOG", "2017-04-04T11:16:34+02:00", "warning"},
      // The JVM's unified logging (-Xlog), with a time decoration and with the default ones (no time)
      {"[2026-12-06T21:57:31.757+0000][0.009s][info][gc,init] CPUs: 2 total, 2 available", "JVMUNIFIEDLOG",
       "2026-12-06T21:57:31.757Z", "info"},
      {"[0.478s][info][gc] GC(0) Pause Young (Normal) (G1 Evacuation Pause) 6M->3M(64M) 8.764ms", "JVMUNIFIEDLOG", "",
       "info"},
      {"[2026-12-06T21:57:31.757+0000][19512][19514][warning][gc,alloc ] x", "JVMUNIFIEDLOG",
       "2026-12-06T21:57:31.757Z", "warning"},
      {"[2021/09/02 04:08:13.773 +00:00] [INFO] [gc_worker.go:262] [\"[gc worker] starts the whole job\"] "
       "[uuid=5ec149b2c34000a] [safePoint=427440234486300672]", "TIDBLOG", "2021-09-02T04:08:13.773Z", "INFO"},
      // ZooKeeper 3.5 and later ([myid:N], empty when standalone), ActiveMQ 5.x
      {"2021-04-19 01:58:20,588 [myid:] - INFO  [main:QuorumPeerConfig@117] - Reading configuration from: /app/zoo.cfg",
       "ZOOKEEPERLOG", "2021-04-19T01:58:20.588Z", "INFO"},
      {"2019-11-27 15:09:34,712 | ERROR | Failed to start Apache ActiveMQ (localhost) | "
       "org.apache.activemq.broker.BrokerService | main", "ACTIVEMQLOG", "2019-11-27T15:09:34.712Z", "ERROR"}};
  for (const Case& c : cases) {
    auto d = doc(c.line, Schema::Ecs, Format::Unknown, 2017);  // logcat's lines have no year
    ASSERT_TRUE(d.contains("kafkainsight")) << c.line << ": " << fail_reason(c.line);
    EXPECT_EQ(d["kafkainsight"]["format"], "grok") << c.line;
    EXPECT_EQ(d["kafkainsight"]["recipe"], c.recipe) << c.line;
    EXPECT_EQ(d["log"]["level"], c.level) << c.line;
    if (*c.time) EXPECT_EQ(d["@timestamp"], c.time) << c.line;
    else EXPECT_TRUE(d["event"].contains("ingested")) << c.line;
    // The recipe named (--grok '%{RECIPE}' with its time layout) reads the same document, the
    // recipe's finish included (tracing's and hclog's pairs, Redis's level, Elixir's metadata).
    const auto opts = ki::recipe_options(c.recipe);
    ASSERT_TRUE(opts) << c.recipe;
    ki::ParserConfig pc;
    pc.format = Format::Grok;
    pc.default_year = 2017;
    pc.grok.patterns = {"%{" + std::string(c.recipe) + "}"};
    pc.grok.time_format = opts->time_format;
    ki::Parser named(pc);
    ki::Record r;
    ASSERT_EQ(named.parse(c.line, r), ki::ParseStatus::Ok) << c.line << ": " << named.error_message();
    std::string out;
    ki::Encoder(ki::EncoderConfig{Schema::Ecs, false}).encode(r, out);
    json n = json::parse(out);
    d["kafkainsight"].erase("recipe");
    if (!*c.time) {  // (read times)
      for (json* x : {&d, &n}) x->erase("@timestamp"), (*x)["event"].erase("ingested");
    }
    EXPECT_EQ(n, d) << c.line;
  }
  auto pg = doc("2017-07-31 13:36:43.557 CEST [4983] postgres@clients LOG:  duration: 37.118 ms  statement: SELECT 1;");
  EXPECT_EQ(pg["user"]["name"], "postgres");
  EXPECT_EQ(pg["postgresql"]["log"], (json{{"database", "clients"}, {"duration_ms", 37.118}, {"query", "SELECT 1;"}}));
  EXPECT_EQ(pg["message"], "duration: 37.118 ms  statement: SELECT 1;");
  EXPECT_EQ(pg["event"]["severity"], 6);
  auto my = doc("2019-03-27T13:52:42.123456Z 0 [System] [MY-010116] [Server] /usr/sbin/mysqld starting");
  EXPECT_EQ(my["event"]["code"], "MY-010116");
  EXPECT_EQ(my["mysql"], (json{{"thread_id", 0}}));
  EXPECT_EQ(my["event"]["provider"], "Server");
  EXPECT_FALSE(my.contains("host"));  // not syslog with a host named "0"
  auto my55 = doc("161209 14:18:50  InnoDB: The InnoDB memory heap is disabled");
  EXPECT_EQ(my55["kafkainsight"]["recipe"], "MYSQLERRORLOG");
  EXPECT_EQ(my55["message"], "InnoDB: The InnoDB memory heap is disabled");
  EXPECT_EQ(my55["@timestamp"], "2016-12-09T14:18:50Z");
  auto pgt = doc("2019-09-22 06:28:24 UTC postgres@shop ERROR:  relation \"x\" does not exist");
  EXPECT_EQ(pgt["kafkainsight"]["recipe"], "POSTGRESQLLOG");
  EXPECT_EQ(pgt["user"]["name"], "postgres");
  EXPECT_EQ(pgt["message"], "relation \"x\" does not exist");
  // (no pid: PostgreSQL's blanks) not PostgreSQL's: only the generic reading, time, level, message
  EXPECT_EQ(doc("2019-09-22 06:28:24 ERROR: not PostgreSQL's two blanks")["kafkainsight"]["recipe"], "GENERICLOG");
  auto sig = doc("5092:signal-handler (1496141844) Received SIGINT scheduling shutdown...");
  EXPECT_EQ(sig["kafkainsight"]["recipe"], "REDISLOG");
  EXPECT_EQ(sig["@timestamp"], "2017-05-30T10:57:24Z");
  EXPECT_EQ(sig["process"]["pid"], 5092);
  auto gc8 = doc("2018-06-11T02:00:11.097+0000: 1396558.467: [GC (Allocation Failure) [ParNew: 153138K->12252K(153344K)]");
  EXPECT_EQ(gc8["kafkainsight"]["recipe"], "JAVA8GCLOG");
  EXPECT_EQ(gc8["@timestamp"], "2018-06-11T02:00:11.097Z");
  EXPECT_EQ(gc8["jvm"]["uptime_s"], 1396558.467);
  EXPECT_EQ(gc8["message"], "[GC (Allocation Failure) [ParNew: 153138K->12252K(153344K)]");
  auto zk = doc("2021-04-19 01:58:21,484 [myid:1] - INFO  [QuorumPeer[myid=1](plain=/0.0.0.0:2181):FastLeaderElection@894] - New election");
  EXPECT_EQ(zk["zookeeper"]["myid"], 1);
  EXPECT_EQ(zk["process"]["thread"]["name"], "QuorumPeer[myid=1](plain=/0.0.0.0:2181)");
  auto amq = doc("2019-11-29 10:59:49,779 | INFO  | Initializing Spring FrameworkServlet 'dispatcher' | /admin | main");
  EXPECT_EQ(amq["log"]["logger"], "/admin");
  EXPECT_EQ(amq["message"], "Initializing Spring FrameworkServlet 'dispatcher'");
  // SQL Server's ERRORLOG: the banner's tab-indented lines (joined: --multiline java) are its message's.
  auto mssql = doc("2019-05-03 09:01:09.99 Server      Microsoft SQL Server 2017 (RTM-CU13) - 14.0.3048.4 (X64)\n"
                   "\tNov 30 2018 12:57:58\n\tCopyright (C) 2017 Microsoft Corporation");
  EXPECT_EQ(mssql["kafkainsight"]["recipe"], "MSSQLLOG");
  EXPECT_EQ(mssql["@timestamp"], "2019-05-03T09:01:09.99Z");
  EXPECT_EQ(mssql["mssql"]["log"]["origin"], "Server");
  EXPECT_EQ(mssql["message"], "Microsoft SQL Server 2017 (RTM-CU13) - 14.0.3048.4 (X64)\n\tNov 30 2018 12:57:58\n"
                              "\tCopyright (C) 2017 Microsoft Corporation");
  EXPECT_FALSE(mssql.contains("error"));
  EXPECT_EQ(doc("2019-05-03 09:01:11.93 spid22s     Service Broker manager has started.")["mssql"]["log"]["origin"], "spid22s");
  // PostgreSQL's csvlog (Filebeat's test files): the columns by Filebeat's names, "" as one quote.
  auto csv = doc("2021-01-04 00:37:32.862 UTC,\"postgres\",\"shop\",87,\"::1:16790\",5ff2634c.57,3,\"SELECT\","
                 "2021-01-04 00:37:32 UTC,4/43,0,ERROR,42P01,\"relation \"\"t\"\" does not exist\",,,,,,"
                 "\"SELECT * FROM t;\",15,,\"psql\",\"client backend\"");
  EXPECT_EQ(csv["kafkainsight"]["recipe"], "POSTGRESQLCSVLOG");
  EXPECT_EQ(csv["@timestamp"], "2021-01-04T00:37:32.862Z");
  EXPECT_EQ(csv["message"], "relation \"t\" does not exist");
  EXPECT_EQ(csv["user"]["name"], "postgres");
  EXPECT_EQ(csv["process"]["pid"], 87);
  EXPECT_EQ(csv["log"]["level"], "ERROR");
  EXPECT_EQ(csv["postgresql"]["log"],
            (json{{"database", "shop"}, {"client_addr", "::1"}, {"client_port", 16790}, {"session_id", "5ff2634c.57"},
                  {"session_line_number", 3}, {"command_tag", "SELECT"}, {"session_start_time", "2021-01-04 00:37:32 UTC"},
                  {"virtual_transaction_id", "4/43"}, {"transaction_id", 0}, {"sql_state_code", "42P01"},
                  {"query", "SELECT * FROM t;"}, {"query_pos", 15}, {"application_name", "psql"},
                  {"backend_type", "client backend"}}));
  EXPECT_FALSE(doc("2021-01-04 00:04:50.554 UTC,,,27,,5ff25ba2.1b,1,,2021-01-04 00:04:50 UTC,,0,LOG,00000,"
                   "\"database system is ready\",,,,,,,,,\"\"")
                   .contains("user"));
  // A Classic Load Balancer's TCP and SSL listeners: no request, no status (Filebeat's x-pack aws test files).
  auto tcp = doc("2019-10-17T13:22:51.758784Z filebeat-aws-elb-test-elb 81.2.69.193:51600 10.0.0.47:80 0.000943 0.00001 "
                 "0.000015 - - 134 859 \"- - - \" \"-\" - -");
  EXPECT_EQ(tcp["kafkainsight"]["recipe"], "AWSELBLOG");
  EXPECT_EQ(tcp["aws"]["elb"]["backend"]["port"], 80);
  EXPECT_EQ(tcp["http"]["request"]["body"]["bytes"], 134);
  EXPECT_FALSE(tcp["http"].contains("response") && tcp["http"]["response"].contains("status_code"));
  auto ssl = doc("2015-05-13T23:39:43.945958Z my-loadbalancer 192.168.131.39:2817 10.0.0.1:80 0.001065 0.000015 0.000023 - "
                 "- 57 502 \"- - - \" \"-\" ECDHE-ECDSA-AES128-GCM-SHA256 TLSv1.2");
  EXPECT_EQ(ssl["tls"]["cipher"], "ECDHE-ECDSA-AES128-GCM-SHA256");
  EXPECT_EQ(ssl["aws"]["elb"]["ssl_protocol"], "TLSv1.2");
  // PingCAP's unified log format: the message and the pairs' keys and values quoted when they must
  // be, with JSON's escapes; pairs that do not read as such stay whole in tidb.fields.
  auto tidb = doc(R"([2021/09/07 11:21:26.381 +08:00] [INFO] [version.go:50] ["Welcome to \"Drainer\""] )"
                  R"(["Release Version"=v5.2.0] ["Build TS"="2021-08-23 02:22:04"] [addr="[::1]:8250"] [empty=] [name="caf\u00e9"])");
  EXPECT_EQ(tidb["kafkainsight"]["recipe"], "TIDBLOG");
  EXPECT_EQ(tidb["@timestamp"], "2021-09-07T11:21:26.381+08:00");
  EXPECT_EQ(tidb["log"]["origin"]["file"]["name"], "version.go");
  EXPECT_EQ(tidb["log"]["origin"]["file"]["line"], 50);
  EXPECT_EQ(tidb["message"], "Welcome to \"Drainer\"");
  EXPECT_EQ(tidb["Release Version"], "v5.2.0");
  EXPECT_EQ(tidb["Build TS"], "2021-08-23 02:22:04");
  EXPECT_EQ(tidb["addr"], "[::1]:8250");
  EXPECT_EQ(tidb["empty"], "");
  EXPECT_EQ(tidb["name"], "caf\u00e9");  // (JSON's escapes: unquote_value)
  auto plain = doc("[2021/09/01 16:19:40.379 +00:00] [WARN] [gc_manager.rs:456] [gc_worker: finished auto gc]");
  EXPECT_EQ(plain["message"], "gc_worker: finished auto gc");
  EXPECT_EQ(plain["log"]["level"], "WARN");
  auto odd = doc(R"([2021/09/01 16:19:40.379 +00:00] [INFO] [a.rs:1] [x] [k=v] [no pair here])");
  EXPECT_EQ(odd["tidb"]["fields"], "[k=v] [no pair here]");
  EXPECT_FALSE(odd.contains("k"));
  auto nagios = doc("[1572296845] SERVICE ALERT: web01;HTTP;CRITICAL;HARD;3;Connection refused");
  EXPECT_EQ(nagios["kafkainsight"]["recipe"], "NAGIOSLOG");
  EXPECT_EQ(nagios["@timestamp"], "2019-10-28T21:07:25Z");
  EXPECT_EQ(nagios["nagios"]["log"]["type"], "SERVICE ALERT");
  EXPECT_EQ(nagios["message"], "SERVICE ALERT: web01;HTTP;CRITICAL;HARD;3;Connection refused");
  EXPECT_FALSE(doc("[1572296732] Warning: Check of service 'uptime' timed out").contains("nagios"));
  auto redis = doc("98738:C 30 May 2018 15:35:36.213 # Redis version=5.0.3, bits=64, pid=98738, just started");
  EXPECT_EQ(redis["redis"]["log"]["role"], "child");
  EXPECT_EQ(redis["log"]["level"], "warning");
  EXPECT_EQ(redis["process"]["pid"], 98738);
  // Supercomputers' logs (USENIX CFDR, loghub): the Unix time is the event's; an alert tag kept.
  auto bgl = doc("KERNDTLB 1118536327 2005.06.11 R30-M0-N9-C:J16-U01 2005-06-11-17.32.07.581048 R30-M0-N9-C:J16-U01 "
                 "RAS KERNEL FATAL data TLB error interrupt");
  EXPECT_EQ(bgl["kafkainsight"]["recipe"], "BGLLOG");
  EXPECT_EQ(bgl["@timestamp"], "2005-06-12T00:32:07Z");
  EXPECT_EQ(bgl["bgl"], (json{{"alert", "KERNDTLB"}, {"location", "R30-M0-N9-C:J16-U01"}, {"type", "RAS"}}));
  EXPECT_EQ(bgl["event"]["severity"], 2);
  auto tbird = doc("- 1131567043 2005.11.09 tbird-admin1 Nov 9 12:10:43 local@tbird-admin1 ioctl32(fdisk:515): Unknown cmd");
  EXPECT_EQ(tbird["kafkainsight"]["recipe"], "THUNDERBIRDLOG");
  EXPECT_EQ(tbird["@timestamp"], "2005-11-09T20:10:43Z");
  EXPECT_EQ(tbird["process"]["name"], "ioctl32(fdisk:515)");
  EXPECT_FALSE(tbird.contains("thunderbird"));  // '-': no alert
  auto hpc = doc("134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change");
  EXPECT_EQ(hpc["kafkainsight"]["recipe"], "HPCLOG");
  EXPECT_EQ(hpc["@timestamp"], "2004-02-26T14:12:22Z");
  EXPECT_EQ(hpc["event"]["sequence"], 134681);
  // Unpadded H:m:s and S counting milliseconds: "41:3" is 3 ms.
  auto health = doc("20171223-23:17:41:3|Step_ExtSDM|30002312|calculateCaloriesWithCache totalCalories=126775");
  EXPECT_EQ(health["kafkainsight"]["recipe"], "HEALTHAPPLOG");
  EXPECT_EQ(health["@timestamp"], "2017-12-23T23:17:41.003Z");
  EXPECT_EQ(doc("20171223-22:16:0:119|Step_LSC|30002312|tick")["@timestamp"], "2017-12-23T22:16:00.119Z");
  auto proxifier = doc("[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 open through proxy", Schema::Ecs,
                       Format::Unknown, 2017);
  EXPECT_EQ(proxifier["kafkainsight"]["recipe"], "PROXIFIERLOG");
  EXPECT_EQ(proxifier["@timestamp"], "2017-10-30T16:49:06Z");
  EXPECT_EQ(proxifier["process"]["name"], "chrome.exe");
  // zap's console encoder: the trailing JSON object's members are the document's fields.
  auto zap = doc("1.680257828362087e+09\tINFO\tcontroller\tStarting workers\t{\"controller\": \"sam\", \"worker count\": 1}");
  EXPECT_EQ(zap["kafkainsight"]["recipe"], "ZAPLOG");
  EXPECT_EQ(zap["@timestamp"], "2023-03-31T10:17:08.362087Z");
  EXPECT_EQ(zap["log"]["logger"], "controller");
  EXPECT_EQ(zap["controller"], "sam");
  EXPECT_EQ(zap["worker count"], 1);
  auto zap_caller = doc("2020-07-12T18:42:02.147Z\tERROR\tcontroller/controller.go:114\tReconciler error");
  EXPECT_EQ(zap_caller["log"]["origin"]["file"], (json{{"name", "controller/controller.go"}, {"line", 114}}));
  EXPECT_FALSE(zap_caller["log"].contains("logger"));
  // logcat without --year: this year, or the last when that puts the line more than a week ahead.
  std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char line[96];
  std::snprintf(line, sizeof line, "%02d-%02d 16:13:38.811  1702  2395 D WindowManager: hi", tm.tm_mon + 1, tm.tm_mday);
  EXPECT_EQ(doc(line, Schema::Ecs, Format::Unknown, 0)["@timestamp"].get<std::string>().substr(0, 4),
            std::to_string(tm.tm_year + 1900)) << line;
  std::tm ahead = tm;
  ahead.tm_mday += 20;
  std::time_t later = timegm(&ahead);
  gmtime_r(&later, &ahead);
  std::snprintf(line, sizeof line, "%02d-%02d 16:13:38.811  1702  2395 D WindowManager: hi", ahead.tm_mon + 1, ahead.tm_mday);
  EXPECT_EQ(doc(line, Schema::Ecs, Format::Unknown, 0)["@timestamp"].get<std::string>().substr(0, 4),
            std::to_string(ahead.tm_year + 1900 - 1)) << line;
  // A line a recipe fits but cannot read says which, and why.
  const std::string bad = fail_reason("17/02/30 20:10:40 INFO executor.Backend: a day February has not");
  EXPECT_EQ(bad.rfind("an application's text log (Spark's log4j layout", 0), 0u) << bad;
  EXPECT_NE(bad.find("%{SPARKLOG} recipe"), std::string::npos) << bad;
  EXPECT_NE(bad.find("17/02/30 20:10:40"), std::string::npos) << bad;
}

// The lines of a multi-line event read one by one (no --multiline) say so.
TEST(Detection, ContinuationLinesSayToJoinThem) {
  for (const char* line : {"\tat com.acme.Shop.pay(Shop.java:42)", "  (kafka.server.KafkaConfig)", "\t... 3 more"})
    EXPECT_EQ(fail_reason(line).rfind("an indented line: the continuation of the event before it", 0), 0u) << line;
  for (const char* line : {"java.lang.IllegalStateException: card declined", "Caused by: java.io.IOException: reset",
                           "com.acme.PaymentDeclined"})
    EXPECT_EQ(fail_reason(line).rfind("a Java exception line", 0), 0u) << line;
  EXPECT_EQ(fail_reason("Traceback (most recent call last):").rfind("a Python traceback", 0), 0u);
  for (const char* line : {"ValueError: bad", "a.b.c d", "com.acme.shop: lower case class", "1.2.Three"})
    EXPECT_EQ(fail_reason(line).rfind("apache_common: ", 0), 0u) << line;
}

// A line no format reads after lines of a text log (nginx's error log, a recipe's) is named as
// unlike them, with the --multiline-start that joins it; after an access log's lines, or in
// another input, the reason stays the format's own.
TEST(Detection, ALineUnlikeTheOnesBeforeItSaysHowToJoinIt) {
  ki::Parser p;
  ki::Record r;
  ASSERT_EQ(p.parse("2019/10/30 23:26:34 [error] 205860#205860: *180289 FastCGI sent in stderr: \"PHP message: x", r),
            ki::ParseStatus::Ok);
  ASSERT_EQ(p.parse("PHP message: PHP Warning:  Declaration of a() should be compatible", r), ki::ParseStatus::Failed);
  EXPECT_NE(p.error_message().find("unlike the ones before it in this input (nginx_error)"), std::string::npos);
  EXPECT_NE(p.error_message().find("--multiline-start '^\\d{4}/\\d\\d/\\d\\d '"), std::string::npos) << p.error_message();
  p.set_source(1);  // another input: nothing is known of its lines
  ASSERT_EQ(p.parse("PHP message: PHP Warning:  Declaration of a() should be compatible", r), ki::ParseStatus::Failed);
  EXPECT_EQ(p.error_message().rfind("apache_common: ", 0), 0u) << p.error_message();
  ASSERT_EQ(p.parse("1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET / HTTP/1.1\" 200 1", r), ki::ParseStatus::Ok);
  ASSERT_EQ(p.parse("PHP message: PHP Warning:  Declaration of a() should be compatible", r), ki::ParseStatus::Failed);
  EXPECT_EQ(p.error_message().rfind("apache_common: ", 0), 0u) << p.error_message();
}

// Lines of fail2ban's nginx test logs (fail2ban/tests/files/logs/nginx-*) and Filebeat's
// nginx error module; docs/FORMATS.md lists what is read from them.
TEST(NginxError, RequestContextOfTheHttpModule) {
  auto d = doc(R"(2014/04/02 12:37:58 [error] 6563#0: *1861 user "scribendio": password mismatch, client: 10.0.2.2, server: scribend.io, request: "GET /admin HTTP/1.1", host: "scribend.io", referrer: "https://scribend.io/admin")");
  EXPECT_EQ(d["kafkainsight"]["format"], "nginx_error");
  EXPECT_EQ(d["@timestamp"], "2014-04-02T12:37:58Z");
  EXPECT_EQ(d["log"]["level"], "error");
  EXPECT_EQ(d["event"]["severity"], 3);
  EXPECT_EQ(d["process"]["pid"], 6563);
  EXPECT_EQ(d["process"]["thread"]["id"], 0);
  EXPECT_EQ(d["nginx"]["error"]["connection_id"], 1861);
  // The message is kept whole (as Filebeat keeps it); its tail is read into fields too.
  EXPECT_EQ(d["message"], R"(user "scribendio": password mismatch, client: 10.0.2.2, server: scribend.io, request: "GET /admin HTTP/1.1", host: "scribend.io", referrer: "https://scribend.io/admin")");
  EXPECT_EQ(d["source"]["ip"], "10.0.2.2");
  EXPECT_EQ(d["destination"]["domain"], "scribend.io");
  EXPECT_EQ(d["http"]["request"]["method"], "GET");
  EXPECT_EQ(d["url"]["original"], "/admin");
  EXPECT_EQ(d["http"]["version"], "1.1");
  EXPECT_EQ(d["url"]["domain"], "scribend.io");
  EXPECT_EQ(d["http"]["request"]["referrer"], "https://scribend.io/admin");

  // An empty server, a Host header with a port.
  auto e = doc(R"(2014/04/01 22:20:38 [error] 30708#0: *3 user "scribendio": password mismatch, client: 10.0.2.2, server: , request: "GET / HTTP/1.1", host: "localhost:8443")");
  EXPECT_FALSE(e.contains("destination"));
  EXPECT_EQ(e["url"]["domain"], "localhost");
  EXPECT_EQ(e["url"]["port"], 8443);
  // An upstream, HTTP/2.0.
  auto u = doc(R"(2020/11/25 16:02:45 [error] 76952#76952: *5645766 connect() failed (111: Connection refused) while connecting to upstream, client: 5.126.32.148, server: www.google.de, request: "GET /admin/config HTTP/2.0", upstream: "http://127.0.0.1:3000/admin/config", host: "www.google.de")");
  EXPECT_EQ(u["nginx"]["error"]["upstream"], "http://127.0.0.1:3000/admin/config");
  EXPECT_EQ(u["http"]["version"], "2.0");
  EXPECT_EQ(u["process"]["thread"]["id"], 76952);
}

TEST(NginxError, NoConnectionNoContextAndOddTails) {
  // The TLS handshake: a listening address as the server, no request.
  auto t = doc("2020/11/25 14:42:16 [crit] 76952#76952: *2454307 SSL_do_handshake() failed (SSL: error:1408F0C6:SSL routines:ssl3_get_record:packet length too long) while SSL handshaking, client: 142.93.180.14, server: 0.0.0.0:443");
  EXPECT_EQ(t["log"]["level"], "crit");
  EXPECT_EQ(t["source"]["ip"], "142.93.180.14");
  EXPECT_EQ(t["destination"]["ip"], "0.0.0.0");
  EXPECT_EQ(t["destination"]["port"], 443);
  EXPECT_FALSE(t.contains("http"));
  // A process event: no connection, no context.
  auto p = doc("2024/05/01 10:00:00 [notice] 1#1: start worker processes");
  EXPECT_EQ(p["message"], "start worker processes");
  EXPECT_FALSE(p.contains("nginx"));
  EXPECT_FALSE(p.contains("source"));
  EXPECT_EQ(p["event"]["severity"], 5);
  auto w = doc("2024/05/01 10:00:00 [warn] 7#7: *9 an upstream response is buffered to a temporary file /var/cache/nginx/proxy_temp/1/00/0000000001 while reading upstream, client: 2001:db8::7, server: _, request: \"POST /up HTTP/1.1\", upstream: \"http://[::1]:8080/up\", host: \"[2001:db8::1]:8443\"");
  EXPECT_EQ(w["source"]["ip"], "2001:db8::7");
  EXPECT_EQ(w["url"]["domain"], "2001:db8::1");
  EXPECT_EQ(w["url"]["port"], 8443);
  // The stream module's counters end the context.
  auto s = doc(R"(2019/05/15 10:26:22 [error] 12#12: *1 upstream timed out (110: Connection timed out) while connecting to upstream, client: 10.0.0.1, server: 0.0.0.0:3306, upstream: "10.0.0.2:3306", bytes from/to client:0/0, bytes from/to upstream:0/0)");
  EXPECT_EQ(s["nginx"]["error"]["upstream"], "10.0.0.2:3306");
  EXPECT_EQ(s["destination"]["port"], 3306);
  // A request line holding quotes and ", host: " keeps them; the tail still reads.
  auto q = doc(R"(2024/05/01 10:00:00 [error] 7#7: *9 bad, client: 1.2.3.4, server: x, request: "GET /a"b, host: "c HTTP/1.1", host: "example.org")");
  EXPECT_EQ(q["url"]["original"], R"(/a"b, host: "c)");
  EXPECT_EQ(q["url"]["domain"], "example.org");
  // Words that only look like a tail stay in the message, and nothing is guessed from them.
  auto m = doc("2024/05/01 10:00:00 [error] 7#7: *9 upstream said: a, client: broken, other: 1");
  EXPECT_FALSE(m.contains("source"));
  EXPECT_EQ(m["message"], "upstream said: a, client: broken, other: 1");
  // The zone of the log's time: --tz.
  ki::ParserConfig pc;
  pc.default_offset_min = -120;
  ki::Parser parser(pc);
  ki::Record r;
  ASSERT_EQ(parser.parse("2024/05/01 10:00:00 [info] 1#1: x", r), ki::ParseStatus::Ok);
  std::string out;
  ki::Encoder(ki::EncoderConfig{Schema::Ecs, false}).encode(r, out);
  EXPECT_EQ(nlohmann::json::parse(out)["@timestamp"], "2024-05-01T10:00:00-02:00");
}

TEST(NginxError, BadLinesSayWhy) {
  EXPECT_EQ(fail_reason("2024/05/01 10:00:00 [fatal] 1#1: x"),
            "nginx_error: expected a level (debug, info, notice, warn, error, crit, alert or emerg) in brackets at column 22");
  EXPECT_EQ(fail_reason("2024/05/01 10:00:00 [error] 1: x"), "nginx_error: expected pid#tid: after the level at column 29");
  EXPECT_EQ(fail_reason("2024/05/01 10:00:00 [error] 1#x: x"), "nginx_error: expected ':' after pid#tid at column 31");
  EXPECT_EQ(fail_reason("2024/13/01 10:00:00 [error] 1#1: x"), "nginx_error: time out of range at column 1");
  EXPECT_EQ(fail_reason("2024/05/01 10:00:00 [error] 1#1: x", Format::ApacheError).rfind("apache_error: ", 0), 0u);
  // Lines made of what the context reader looks for stay linear (a quadratic reader would not
  // finish on these 3 MB).
  std::string hostile = "2024/05/01 10:00:00 [error] 1#1: *2 x";
  for (int k = 0; k < 100000; ++k) hostile += ", client: a, request: \"b\", , ";
  auto h = doc(hostile);
  EXPECT_FALSE(h.contains("source"));
  EXPECT_EQ(h["message"].get<std::string>().size(), hostile.size() - 36);
}

TEST(SyslogVariants, CiscoIosHeadersAfterTheSyslogOne) {
  // A relay wrote the device's line to a file: the sequence number sits where a tag would.
  auto f = doc("Feb  8 04:00:48 198.51.100.2 585917: Feb  8 04:00:47.272: %SEC-6-IPACCESSLOGRP: list 177 denied igmp 198.51.100.197 -> 224.0.0.22, 1 packet", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(f["@timestamp"], "2021-02-08T04:00:47.272Z");  // the device's time, not the relay's
  EXPECT_EQ(f["event"]["sequence"], 585917);
  EXPECT_FALSE(f.contains("process"));
  EXPECT_EQ(f["host"]["hostname"], "198.51.100.2");
  EXPECT_EQ(f["cisco"]["ios"]["facility"], "SEC");
  EXPECT_EQ(f["event"]["code"], "IPACCESSLOGRP");
  EXPECT_EQ(f["log"]["level"], "informational");
  EXPECT_EQ(f["event"]["severity"], 6);
  EXPECT_EQ(f["message"], "list 177 denied igmp 198.51.100.197 -> 224.0.0.22, 1 packet");
  EXPECT_EQ(f["event"]["outcome"], "deny");
  EXPECT_EQ(f["network"]["transport"], "igmp");
  EXPECT_EQ(f["source"]["ip"], "198.51.100.197");
  EXPECT_EQ(f["destination"]["ip"], "224.0.0.22");
  // Straight from the device: <PRI>, then its own header; ports, an IPv6 list, a zone.
  auto d = doc("<190>589265: Feb 8 18:55:31.306 UTC: %IPV6-6-ACCESSLOGP: list ACL-IPv6-E0/0-IN/10 permitted tcp 2001:DB8::3(1027) -> 2001:DB8:1000::1(22), 9 packets", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(d["@timestamp"], "2021-02-08T18:55:31.306Z");
  EXPECT_EQ(d["log"]["syslog"]["priority"], 190);
  EXPECT_EQ(d["cisco"]["ios"]["access_list"], "ACL-IPv6-E0/0-IN/10");
  EXPECT_EQ(d["event"]["outcome"], "allow");
  EXPECT_EQ(d["source"]["port"], 1027);
  EXPECT_EQ(d["destination"]["port"], 22);
  EXPECT_EQ(d["network"]["packets"], 9);
  // A year in the device's time; a facility with a dash of its own; a numbered protocol.
  auto y = doc("<189>Mar 24 2021 18:06:03.424: %PIM-SW1-5-INVALID_RP_JOIN: list 9 denied 0 10.0.0.1 -> 10.0.0.2, 1 packet");
  EXPECT_EQ(y["@timestamp"], "2021-03-24T18:06:03.424Z");
  EXPECT_EQ(y["cisco"]["ios"]["facility"], "PIM-SW1");
  EXPECT_EQ(y["network"]["iana_number"], "0");
  EXPECT_EQ(y["log"]["level"], "notifications");
  // '*': the device's clock was never set; the relay's time is kept.
  auto u = doc("Mar  1 10:00:05 10.0.0.1 20: *Mar  1 00:14:24.911: %SYS-5-CONFIG_I: Configured from console by console", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(u["@timestamp"], "2021-03-01T10:00:05Z");
  // An uptime instead of a time: the read time, marked by event.ingested.
  auto up = doc("<166>rtr1: 1d02h: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down");
  EXPECT_EQ(up["host"]["hostname"], "rtr1");
  EXPECT_TRUE(up["event"].contains("ingested"));
  // Words that only look like a Cisco header stay an ordinary syslog message.
  auto plain = doc("<13>Feb  8 04:00:48 host 1234: nothing: %not-a-tag: x", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(plain["process"]["name"], "1234");
  EXPECT_FALSE(plain.contains("cisco"));
  EXPECT_EQ(fail_reason("<166>101 21: %SYS-5-CONFIG_I: x").rfind("rfc3164: bad timestamp", 0), 0u);
  // An ASA / FTD writing to a file: its own header with no syslog one (Filebeat's cisco/ftd sample).
  auto ftd = doc("Apr 15 2013 09:36:50: %FTD-4-106023: Deny tcp src dmz:10.1.2.30/63016 dst outside:192.0.0.8/53 by "
                 "access-group \"acl_dmz\" [0xe3aab522, 0x0]");
  EXPECT_EQ(ftd["@timestamp"], "2013-04-15T09:36:50Z");
  EXPECT_EQ(ftd["cisco"]["ios"]["facility"], "FTD");
  EXPECT_EQ(ftd["event"]["code"], "106023");
  EXPECT_EQ(ftd["log"]["level"], "warnings");
  // ASA's "logging device-id": the device's name after its time (" : " or ": "), with or without <PRI>;
  // a zone after the time; a message class in lower case.
  auto asa = doc("<166>Jun 04 2011 21:59:52 FJSG2NRFW01 : %ASA-6-302021: Teardown ICMP connection");
  EXPECT_EQ(asa["host"]["hostname"], "FJSG2NRFW01");
  EXPECT_EQ(asa["@timestamp"], "2011-06-04T21:59:52Z");
  EXPECT_EQ(asa["message"], "Teardown ICMP connection");
  auto ip = doc("Dec 11 2018 08:01:24 127.0.0.1: %FTD-6-302015: Built outbound UDP connection");
  EXPECT_EQ(ip["host"]["hostname"], "127.0.0.1");
  EXPECT_EQ(ip["event"]["code"], "302015");
  auto cls = doc("Apr 15 2014 09:34:34 EDT: %FTD-session-5-106100: access-list acl_in permitted tcp");
  EXPECT_EQ(cls["@timestamp"], "2014-04-15T09:34:34-04:00");
  EXPECT_EQ(cls["cisco"]["ios"]["facility"], "FTD-session");
  EXPECT_EQ(cls["log"]["level"], "notifications");
  // A capitalised first word that is no Cisco header stays what it was.
  EXPECT_NE(fail_reason("Hello world: %not a tag").size(), 0u);
}

TEST(SyslogVariants, CiscoIosHostsAndZoneNames) {
  const std::string tail = ": %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down";
  auto expect_cisco = [](const json& d, const std::string& host, const std::string& line) {
    EXPECT_EQ(d["event"]["code"], "UPDOWN") << line;
    EXPECT_EQ(d["cisco"]["ios"]["facility"], "LINK") << line;
    EXPECT_EQ(d["log"]["level"], "errors") << line;
    EXPECT_EQ(d["message"], "Interface GigabitEthernet0/1, changed state to down") << line;
    EXPECT_EQ(d["host"]["hostname"], host) << line;
    EXPECT_FALSE(d.contains("process")) << line;
  };
  // A host in capitals after a syslog time is the host, not a zone name.
  for (std::string line : {"<189>Feb  8 18:55:31 CORE" + tail, "<189>Feb  8 18:55:31 CORE-SW1" + tail,
                           "Feb  8 18:55:31 CORE" + tail}) {
    auto d = doc(line, Schema::Ecs, Format::Unknown, 2021);
    expect_cisco(d, line.find("SW1") != std::string::npos ? "CORE-SW1" : "CORE", line);
    EXPECT_EQ(d["@timestamp"], "2021-02-08T18:55:31Z") << line;
  }
  // A relay's host, then the device's tag alone (no sequence number, no time of its own): ASA too.
  for (std::string host : {"core-sw1", "10.0.0.1"})
    expect_cisco(doc("<189>Feb  8 18:55:31 " + host + " %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down",
                     Schema::Ecs, Format::Unknown, 2021), host, host);
  auto asa = doc("<166>Feb  8 18:55:31 fw01 %ASA-6-302013: Built outbound TCP connection 1 for outside:198.51.100.1/443 (198.51.100.1/443) to inside:10.0.0.5/5000 (10.0.0.5/5000)", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(asa["cisco"]["ios"]["facility"], "ASA");
  EXPECT_EQ(asa["event"]["code"], "302013");
  EXPECT_EQ(asa["host"]["hostname"], "fw01");
  // Zone names: known offsets applied, CST/IST (several zones) and a device's own name read in --tz.
  auto zone = [&](const std::string& z) {
    return doc("<189>34: Feb  8 18:55:31.306 " + z + tail, Schema::Ecs, Format::Unknown, 2021)["@timestamp"];
  };
  EXPECT_EQ(zone("UTC"), "2021-02-08T18:55:31.306Z");
  EXPECT_EQ(zone("PST"), "2021-02-08T18:55:31.306-08:00");
  EXPECT_EQ(zone("CEST"), "2021-02-08T18:55:31.306+02:00");
  EXPECT_EQ(zone("CST"), "2021-02-08T18:55:31.306Z");
  EXPECT_EQ(zone("MYZONE"), "2021-02-08T18:55:31.306Z");  // after milliseconds: a device's zone
  auto no_ms = doc("<189>34: Feb  8 18:55:31 EST" + tail, Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(no_ms["@timestamp"], "2021-02-08T18:55:31-05:00");
  EXPECT_FALSE(no_ms.contains("host"));
}

TEST(SyslogVariants, SshdLoginsAsFilebeatsSystemAuthReadsThem) {
  // Lines of Filebeat's filebeat/module/system/auth/test/test.log, values as its expected JSON.
  auto a = doc("Feb 21 21:54:44 localhost sshd[3402]: Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:99:e9:a0:dc:f2:33:a3:e5:72:3b:7c:3a:56:84", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_EQ(a["system"]["auth"]["ssh"]["event"], "Accepted");
  EXPECT_EQ(a["system"]["auth"]["ssh"]["method"], "publickey");
  EXPECT_EQ(a["user"]["name"], "vagrant");
  EXPECT_EQ(a["source"]["ip"], "10.0.2.2");
  EXPECT_EQ(a["source"]["port"], 63673);
  EXPECT_EQ(a["event"]["outcome"], "success");
  EXPECT_EQ(a["event"]["action"], "ssh_login");
  EXPECT_EQ(a["process"]["name"], "sshd");
  auto i = doc("Feb 21 21:56:12 localhost sshd[3430]: Invalid user test from 10.0.2.2", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_EQ(i["system"]["auth"]["ssh"]["event"], "Invalid");
  EXPECT_EQ(i["user"]["name"], "test");
  EXPECT_FALSE(i["source"].contains("port"));
  EXPECT_EQ(i["event"]["outcome"], "failure");
  auto f = doc("Feb 20 08:35:22 slave22 sshd[5774]: Failed password for root from 216.160.83.57 port 29160 ssh2", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_EQ(f["system"]["auth"]["ssh"]["method"], "password");
  EXPECT_EQ(f["user"]["name"], "root");
  EXPECT_EQ(f["source"]["port"], 29160);
  auto d = doc("Feb 19 15:30:04 slave22 sshd[18406]: Did not receive identification string from 2.125.160.217", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_EQ(d["source"]["ip"], "2.125.160.217");
  EXPECT_FALSE(d.contains("user"));
  // A user name with a blank, an IPv6 client, RFC 5424; other programs' lines are left alone.
  auto v6 = doc("<38>1 2024-05-01T10:00:00Z h sshd 9 - - Failed password for invalid user john smith from 2001:db8::7 port 22 ssh2");
  EXPECT_EQ(v6["user"]["name"], "john smith");
  EXPECT_EQ(v6["source"]["ip"], "2001:db8::7");
  auto other = doc("Feb 21 21:54:44 localhost su[1]: Accepted password for vagrant from 10.0.2.2 port 1 ssh2", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_FALSE(other.contains("user"));
  EXPECT_FALSE(other.contains("source"));
  auto odd = doc("Feb 21 21:54:44 localhost sshd[1]: Accepted password for vagrant from somewhere port x", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_FALSE(odd.contains("event") && odd["event"].contains("outcome"));
  // The flat layout names the user as the original producer did.
  EXPECT_EQ(doc("Feb 20 08:35:22 slave22 sshd[5774]: Failed password for root from 216.160.83.57 port 29160 ssh2", Schema::KafkaInsight, Format::Unknown, 2018)["username"], "root");
}

TEST(SyslogVariants, SshdAddressIsNotTheOneAClientWroteIntoItsName) {
  // The client picks the user name and ssh1's ruser: an address inside them is not the client.
  const std::pair<const char*, const char*> cases[] = {
      {"Nov 11 08:04:52 h sshd[1]: Failed password for invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2", "127.0.0.1"},
      {"Nov 11 08:04:52 h sshd[1]: Failed password for invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2", "127.0.0.1"},
      {"Sep 29 17:15:02 h sshd[1]: Failed password for user from 127.0.0.1 port 20000 ssh1: ruser from 1.2.3.4", "127.0.0.1"},
      {"Jul 17 23:04:01 h sshd[1]: Connection closed by authenticating user test 127.0.0.1 port 12345 192.0.2.11 port 46039 [preauth]", "192.0.2.11"},
      {"Jun  7 01:11:58 h sshd[1]: Bad protocol version identification 'x' from 192.0.2.1' from 69.61.56.115 port 31778", "69.61.56.115"},
      {"Mar  1 18:59:33 h sshd-session[1]: banner exchange: Connection from 192.0.2.12 port 44105: invalid format", "192.0.2.12"},
      {"Nov 25 01:35:14 h sshd[1]: error: Received disconnect from 192.168.2.92 port 1684:14: No supported authentication methods available [preauth]", "192.168.2.92"},
  };
  for (const auto& [line, ip] : cases) EXPECT_EQ(doc(line, Schema::Ecs, Format::Unknown, 2005)["source"]["ip"], ip) << line;
  auto r = doc("Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM 1.2.3.4 port 12345 [preauth]", Schema::Ecs, Format::Unknown, 2005);
  EXPECT_EQ(r["event"]["outcome"], "failure");
  EXPECT_EQ(r["user"]["name"], "root");
  EXPECT_EQ(r["source"]["port"], 12345);
  auto c = doc("Jul 17 23:03:05 srv sshd[1296]: Connection closed by authenticating user root 192.0.2.10 port 46038 [preauth]", Schema::Ecs, Format::Unknown, 2005);
  EXPECT_EQ(c["user"]["name"], "root");
  EXPECT_FALSE(c.contains("event") && c["event"].contains("outcome"));  // a disconnect is no refusal
  // A line that does not read whole gives nothing half read.
  auto h = doc("Jul 17 23:03:05 srv sshd[1]: Connection closed by authenticating user root not/an/address port 1", Schema::Ecs, Format::Unknown, 2005);
  EXPECT_FALSE(h.contains("source"));
  EXPECT_FALSE(h.contains("user"));
}

TEST(SyslogVariants, PamLinesNameTheirUsersForAnyProgram) {
  // OpenSSH 9.8's sshd-session is sshd; the signature after "ssh2: " is kept.
  auto a = doc("Feb 21 21:54:44 h sshd-session[7]: Accepted publickey for ann from 10.0.2.2 port 1 ssh2: ED25519 SHA256:abc", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_EQ(a["user"]["name"], "ann");
  EXPECT_EQ(a["event"]["category"], json::parse(R"(["authentication","session"])"));
  EXPECT_EQ(a["system"]["auth"]["ssh"]["signature"], "ED25519 SHA256:abc");
  auto s = doc("Feb 21 21:54:44 h sudo[9]: pam_unix(sudo:session): session opened for user root(uid=0) by ann(uid=1000)", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_EQ(s["user"]["name"], "ann");
  EXPECT_EQ(s["user"]["id"], "1000");
  EXPECT_EQ(s["user"]["effective"], (json{{"name", "root"}, {"id", "0"}}));
  auto q = doc("Feb 21 21:54:44 h login[9]: pam_succeed_if(login:auth): requirement \"uid >= 1000\" not met by user \"bin\"", Schema::Ecs, Format::Unknown, 2018);
  EXPECT_EQ(q["user"]["name"], "bin");
  // Not a user name (a blank in it, an unclosed quote), or no PAM line: no user.
  for (const char* line : {"Feb 21 21:54:44 h sshd[9]: pam_sss(sshd:auth): received for user bob: 7 (Authentication failure)",
                           "Feb 21 21:54:44 h x[9]: pam_x(x:auth): denied by user \"bob",
                           "Feb 21 21:54:44 h x[9]: pam_x(x:auth): for user ",
                           "Feb 21 21:54:44 h x[9]: session opened for user root by bob(uid=1)"})
    EXPECT_FALSE(doc(line, Schema::Ecs, Format::Unknown, 2018).contains("user")) << line;
}

// An application logging JSON through syslog (journald, rsyslog's "@cee:" cookie): the object's
// keys are fields, its time, level and message take their roles; the header's stand otherwise.
TEST(SyslogVariants, JsonMessageBecomesFields) {
  auto d = doc(R"(<11>Oct 15 01:04:18 web1 shop[123]: {"level":"error","msg":"card declined","order":{"id":8}})");
  EXPECT_EQ(d["message"], "card declined");
  EXPECT_EQ(d["log"]["level"], "error");
  EXPECT_EQ(d["log"]["syslog"]["severity"]["name"], "err");
  EXPECT_EQ(d["order"]["id"], 8);
  EXPECT_EQ(d["@timestamp"], "2018-10-15T01:04:18Z");  // the object has no time: the header's
  EXPECT_EQ(d["host"]["hostname"], "web1");
  EXPECT_EQ(d["process"]["pid"], 123);
  auto c = doc(R"(<14>1 2024-01-15T10:00:00Z web1 shop 1 - - @cee: {"msg":"m","time":"2024-01-15T10:00:00.250Z","pid":77})");
  EXPECT_EQ(c["@timestamp"], "2024-01-15T10:00:00.250Z");
  EXPECT_EQ(c["process"]["pid"], 77);
  EXPECT_EQ(c["log"]["level"], "info");  // from the priority, the object having none
  EXPECT_EQ(c["kafkainsight"]["format"], "rfc5424");
  // Not one JSON object: the message as written, no field from it.
  for (const char* m : {R"({"broken": )", R"({"a":1} trailing)", R"({"a":1}{"b":2})", "{}x"}) {
    auto t = doc(std::string("Oct 15 01:04:18 web1 shop[123]: ") + m);
    EXPECT_EQ(t["message"], m);
    EXPECT_FALSE(t.contains("a"));
  }
}

// A level in capitals in brackets opening a syslog message is the program's own (daemons that
// write "[ERROR] ..."); the message stays whole. Without a syslog header such a line is go-hclog's
// (hashicorp/consul#16268): recipe HCLOG, its pairs fields.
TEST(SyslogVariants, BracketedLevelOpeningTheMessage) {
  auto h = doc(R"(2023-02-14T08:15:55.487Z [WARN]  agent: Syncing node info failed.: error="rpc error making call: EOF")");
  EXPECT_EQ(h["kafkainsight"]["recipe"], "HCLOG");
  EXPECT_EQ(h["log"]["level"], "WARN");
  EXPECT_EQ(h["log"]["logger"], "agent");
  EXPECT_EQ(h["event"]["severity"], 4);
  EXPECT_EQ(h["message"], "Syncing node info failed.");
  EXPECT_EQ(h["error"], "rpc error making call: EOF");
  auto p = doc("<13>Oct 11 22:14:15 web1 app[7]: [ERROR] disk full");
  EXPECT_EQ(p["log"]["level"], "ERROR");
  EXPECT_EQ(p["log"]["syslog"]["severity"]["name"], "notice");  // the header's stays
  for (const char* m : {"[GIN] 2024/01/01 - 200", "[E] x", "[error] lower", "[INFO]no blank", "[12] x"}) {
    auto t = doc(std::string("Oct 11 22:14:15 web1 app[7]: ") + m);
    EXPECT_FALSE(t.contains("log")) << m;
  }
}

TEST(SyslogVariants, MacosRepeatNoticeHasNoHost) {
  // The last line of Filebeat's filebeat/module/system/syslog/test/darwin-syslog-sample.log.
  auto d = doc("Apr 4 03:39:57 --- last message repeated 1 time ---", Schema::Ecs, Format::Unknown, 2016);
  EXPECT_EQ(d["message"], "--- last message repeated 1 time ---");
  EXPECT_FALSE(d.contains("host"));
  EXPECT_EQ(d["@timestamp"], "2016-04-04T03:39:57Z");
}

// macOS: "name[pid] (context): message", no ':' after the pid (loghub's Mac sample). syslog-ng
// and rsyslog take the name and pid; a word in brackets that is no pid is not a tag.
TEST(SyslogVariants, MacosTagWithAContextAfterThePid) {
  auto d = doc("Jul  1 09:29:02 calvisitor-10-105-160-95 sandboxd[129] ([31211]): QQ(10018) deny mach-lookup",
               Schema::Ecs, Format::Unknown, 2017);
  EXPECT_EQ(d["host"]["hostname"], "calvisitor-10-105-160-95");
  EXPECT_EQ(d["process"]["name"], "sandboxd");
  EXPECT_EQ(d["process"]["pid"], 129);
  EXPECT_EQ(d["message"], "([31211]): QQ(10018) deny mach-lookup");
  auto word = doc("Jul  1 09:29:02 host worker[main] started", Schema::Ecs, Format::Unknown, 2017);
  EXPECT_FALSE(word.contains("process"));
  EXPECT_EQ(word["message"], "worker[main] started");
}

TEST(SyslogVariants, MonthsInCapitals) {
  // A Netgear FASTPATH switch's line (forum post in docs/FORMATS.md).
  auto d = doc("<13> AUG 27 10:00:00 sw1 TRAPMGR[1]: Link Up: 0/1", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(d["@timestamp"], "2021-08-27T10:00:00Z");
  EXPECT_EQ(d["host"]["hostname"], "sw1");
  EXPECT_EQ(doc("DEC  5 01:02:03 h app: m", Schema::Ecs, Format::Unknown, 2021)["@timestamp"], "2021-12-05T01:02:03Z");
  EXPECT_EQ(fail_reason("<13>AuG 27 10:00:00 sw1 x: y").rfind("rfc3164: bad timestamp", 0), 0u);
}

TEST(SyslogVariants, Rfc5424StructuredData) {
  auto d = doc(R"(<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog - ID47 [exampleSDID@32473 iut="3" eventSource="Application" eventID="1011"][examplePriority@32473 class="high"] An application event log entry...)");
  auto sd = d["log"]["syslog"]["structured_data"];
  EXPECT_EQ(sd["exampleSDID@32473"]["iut"], "3");
  EXPECT_EQ(sd["exampleSDID@32473"]["eventSource"], "Application");
  EXPECT_EQ(sd["examplePriority@32473"]["class"], "high");
  EXPECT_EQ(d["message"], "An application event log entry...");
  EXPECT_FALSE(d["process"].contains("pid"));
  auto esc = doc(R"(<13>1 2019-01-01T00:00:00.123456789+05:30 h a p m [x@1 k="a\"b\]c\\d"] msg)");
  EXPECT_EQ(esc["log"]["syslog"]["structured_data"]["x@1"]["k"], "a\"b]c\\d");
  EXPECT_EQ(esc["log"]["syslog"]["procid"], "p");
  EXPECT_EQ(esc["@timestamp"], "2019-01-01T00:00:00.123456789+05:30");
  auto bom = doc("<13>1 2019-01-01T00:00:00Z h a - - - \xEF\xBB\xBFhello");
  EXPECT_EQ(bom["message"], "hello");
  auto nil = doc("<13>1 - - - - - -");
  EXPECT_FALSE(nil.contains("@timestamp"));
  EXPECT_EQ(nil["message"], "");
  auto empty_sd = doc("<13>1 2019-01-01T00:00:00Z h a - - [origin] m");
  EXPECT_TRUE(empty_sd["log"]["syslog"]["structured_data"]["origin"].is_object());
}

// journalctl -o short-full (weekday, date, time, the zone's name) and -o short-unix (epoch µs).
TEST(SyslogVariants, JournalctlShortFullAndShortUnix) {
  auto full = doc("Thu 2024-12-05 17:30:00 CET web1 sshd[4242]: Accepted publickey for root");
  EXPECT_EQ(full["@timestamp"], "2024-12-05T17:30:00+01:00");
  EXPECT_EQ(full["host"]["hostname"], "web1");
  EXPECT_EQ(full["process"]["pid"], 4242);
  EXPECT_EQ(doc("Thu 2024-12-05 17:30:00.250000 +0530 h p: m")["@timestamp"], "2024-12-05T17:30:00.250000+05:30");
  EXPECT_EQ(doc("Thu 2024-12-05 17:30:00 XYZT h p: m")["@timestamp"], "2024-12-05T17:30:00Z");  // unknown: --tz
  auto epoch = doc("1733400000.123456 web1 systemd[1]: Started x.");
  EXPECT_EQ(epoch["@timestamp"], "2024-12-05T12:00:00.123456Z");
  EXPECT_EQ(epoch["process"]["name"], "systemd");
  EXPECT_EQ(epoch["kafkainsight"]["format"], "rfc3164");
  // Not those: a proxy's epoch with milliseconds (Squid), a weekday without a date.
  EXPECT_NE(doc("1286536309.450    339 10.0.0.1 TCP_MISS/200 1234 GET http://e.com/ - DIRECT/1.2.3.4 text/html")
                ["kafkainsight"]["format"], "rfc3164");
  // A ctime first is a line of its own layout (GENERICLOG), not a host and a program.
  EXPECT_EQ(doc("Thu Dec 05 17:30:00 2024 web1 x: y")["kafkainsight"]["recipe"], "GENERICLOG");
  EXPECT_EQ(doc("Thu Dec 05 17:30:00 2024 web1 x: y")["message"], "web1 x: y");
}

// nginx's access_log syslog:server=… (and Apache piped to logger): the message is an access line.
TEST(SyslogVariants, AccessLineAsTheMessage) {
  const std::string access = R"(10.0.0.1 - bob [06/Dec/2026:10:00:00 +0100] "GET /a?b=1 HTTP/1.1" 200 612 "-" "curl/8")";
  auto bsd = doc("<190>Dec  6 10:00:00 web01 nginx: " + access);
  EXPECT_EQ(bsd["kafkainsight"]["format"], "apache_combined");
  EXPECT_EQ(bsd["@timestamp"], "2026-12-06T10:00:00+01:00");  // the access line's time, with its zone
  EXPECT_EQ(bsd["source"]["ip"], "10.0.0.1");
  EXPECT_EQ(bsd["user"]["name"], "bob");
  EXPECT_EQ(bsd["http"]["response"]["status_code"], 200);
  EXPECT_EQ(bsd["host"]["hostname"], "web01");
  EXPECT_EQ(bsd["process"]["name"], "nginx");
  EXPECT_EQ(bsd["log"]["syslog"]["facility"]["name"], "local7");
  EXPECT_EQ(bsd["kafkainsight"]["wrapper"], "syslog");
  EXPECT_FALSE(bsd.contains("message"));
  auto ietf = doc(R"(<134>1 2026-12-06T09:00:00Z web01 apache2 4242 - [x@1 k="a\"b"] )" + access);
  EXPECT_EQ(ietf["kafkainsight"]["format"], "apache_combined");
  EXPECT_EQ(ietf["process"]["pid"], 4242);
  EXPECT_EQ(ietf["log"]["syslog"]["structured_data"]["x@1"]["k"], "a\"b");
  EXPECT_EQ(ietf["log"]["syslog"]["version"], "1");
  // Not an access line after all (a bad status, after the request was unescaped): the syslog
  // record as it was, its structured data intact.
  const std::string almost = R"(10.0.0.1 - - [06/Dec/2026:10:00:00 +0000] "GET /\"x HTTP/1.1" abc)";
  auto kept = doc(R"(<134>1 2026-12-06T09:00:00Z web01 app 7 - [x@1 k="a\"b"] )" + almost);
  EXPECT_EQ(kept["kafkainsight"]["format"], "rfc5424");
  EXPECT_EQ(kept["message"], almost);
  EXPECT_EQ(kept["@timestamp"], "2026-12-06T09:00:00Z");
  EXPECT_EQ(kept["log"]["syslog"]["structured_data"]["x@1"]["k"], "a\"b");
  EXPECT_FALSE(kept.contains("source"));
  EXPECT_FALSE(kept.contains("http"));
  // A tag without its ':' (logstash issue #2291's line): the program, not a virtual host.
  auto bare_tag = doc(R"x(<133>Dec 23 15:31:15 mediasalsa05 mds-acc 10.0.64.1 - - [23/Dec/2014:15:31:13 +0100] "GET / HTTP/1.1" 302 311 "-" "check_http/v1.4.16 (nagios-plugins 1.4.16)")x");
  EXPECT_EQ(bare_tag["process"]["name"], "mds-acc");
  EXPECT_EQ(bare_tag["source"]["ip"], "10.0.64.1");
  EXPECT_FALSE(bare_tag.contains("destination"));
  // The syslog flavour named (--format rfc3164 / rfc5424) reads them so too; the other one refuses.
  for (auto [line, flavour] : {std::pair{"<190>Dec  6 10:00:00 web01 nginx: " + access, ki::Format::Rfc3164},
                               std::pair{"<134>1 2026-12-06T09:00:00Z web01 apache2 4242 - - " + access, ki::Format::Rfc5424}}) {
    for (ki::Format forced : {ki::Format::Rfc3164, ki::Format::Rfc5424}) {
      ki::ParserConfig pc;
      pc.format = forced;
      ki::Parser p(pc);
      ki::Record r;
      EXPECT_EQ(p.parse(line, r) == ki::ParseStatus::Ok, forced == flavour) << line;
      if (forced == flavour) EXPECT_EQ(r.format, ki::Format::ApacheCombined);
    }
  }
  auto words = doc(R"(Dec  6 10:00:00 web01 app[12]: user [admin] said "hi" at [06/Dec/2026:10:00:00 +0000] "ok")");
  EXPECT_EQ(words["kafkainsight"]["format"], "rfc3164");
  EXPECT_EQ(words["process"]["pid"], 12);
}

// --- Failures carry a reason; hostile input never crashes ---------------------------------

TEST(Failures, ReasonsNameFormatAndColumn) {
  EXPECT_EQ(fail_reason("1.2.3.4 - - [99/Foo/2018:09:30:00 +0000] \"GET / HTTP/1.1\" 200 1"),
            "apache_common: bad timestamp, expected dd/Mon/yyyy:HH:MM:SS +zzzz or ISO 8601 at column 14");
  EXPECT_NE(fail_reason("just some words").find("apache_common"), std::string::npos);
  EXPECT_NE(fail_reason("{not json").find("json"), std::string::npos);
  EXPECT_NE(fail_reason("<999>Jan 01 00:00:00 h a: m").find("PRI"), std::string::npos);
  EXPECT_NE(fail_reason("[Sun Apr 22 09:30:00 2018] oops").find("apache_error"), std::string::npos);
  EXPECT_NE(fail_reason("1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET / HTTP/1.1\" 200 1",
                        Format::ApacheCombined).find("referrer"), std::string::npos);
  EXPECT_NE(fail_reason("<24>Apr 22 09:30:00 h a: m", Format::Rfc5424), "");
}

// Terminal colours: a line that does not read as written is read without its ANSI sequences
// (CSI colours and erases, OSC titles, a lone ESC at the end); one that reads keeps them.
// auditd's records: the audit(…) stamp, pairs inside msg='…', hex values, old/new pairs of an
// old LOGIN record, a bare value running on to the next key, "?" left out.
TEST(Auditd, RecordsAsFilebeatNamesThem) {
  auto d = doc("node=web1 type=USER_AUTH msg=audit(1610903558.178:595): pid=2954 uid=0 auid=1000 ses=14 "
               "msg='op=PAM:authentication acct=\"root\" exe=\"/usr/bin/chfn\" hostname=? addr=127.0.0.1 terminal=pts/2 res=success'");
  EXPECT_EQ(d["kafkainsight"]["format"], "auditd");
  EXPECT_EQ(d["@timestamp"], "2021-01-17T17:12:38.178Z");
  EXPECT_EQ(d["auditd"]["log"]["sequence"], 595);
  EXPECT_EQ(d["auditd"]["log"]["node"], "web1");
  EXPECT_EQ(d["event"]["action"], "user_auth");
  EXPECT_EQ(d["user"]["name"], "root");
  EXPECT_EQ(d["process"]["pid"], 2954);
  EXPECT_EQ(d["source"]["ip"], "127.0.0.1");
  EXPECT_FALSE(d["auditd"]["log"].contains("hostname"));
  auto login = doc("type=LOGIN msg=audit(1489636960.072:19623791): pid=28281 uid=0 old auid=700 new auid=700 old ses=6793 new ses=12286");
  EXPECT_EQ(login["auditd"]["log"]["old_ses"], "6793");
  EXPECT_EQ(login["auditd"]["log"]["new_ses"], "12286");
  auto op = doc("type=ADD_USER msg=audit(1610903553.730:591): pid=2945 msg='op=adding user id=1004 res=success'");
  EXPECT_EQ(op["auditd"]["log"]["op"], "adding user");
  auto hex = doc("type=PROCTITLE msg=audit(1451781471.394:194440): proctitle=737368643A206275726E205B707269765D comm=cafe");
  EXPECT_EQ(hex["auditd"]["log"]["proctitle"], "sshd: burn [priv]");
  EXPECT_EQ(hex["process"]["name"], "cafe");  // looks like hex, needed no encoding: as written
  EXPECT_NE(fail_reason("type=SYSCALL msg=audit(1451781471:1): a=b", Format::Auditd).find("seconds.millis"), std::string::npos);
}

TEST(Failures, LinesInTerminalColoursAreReadWithoutThem) {
  auto d = doc("\x1b[0m\x1b[32mSep 19 \x1b[0m\x1b[1m\x1b[33m09:24:04\x1b[0m host \x1b]0;title\x07" "app[7]: "
               "dis\x1b[41mconnect\x1b[0m\x1b", Schema::Ecs, Format::Unknown, 2021);
  EXPECT_EQ(d["@timestamp"], "2021-09-19T09:24:04Z");
  EXPECT_EQ(d["process"]["name"], "app");
  EXPECT_EQ(d["message"], "disconnect");
  ki::Parser p;
  ki::Record r;
  EXPECT_EQ(p.parse("\x1b[31m", r), ki::ParseStatus::Empty);  // a colour on a line of its own
  auto ua = doc("1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET / HTTP/1.1\" 200 1 \"-\" \"\x1b[2Jx\"");
  EXPECT_EQ(ua["user_agent"]["original"], "\x1b[2Jx");
}

TEST(Failures, EmptyLinesAreNotFailures) {
  ki::Parser p;
  ki::Record r;
  EXPECT_EQ(p.parse("", r), ki::ParseStatus::Empty);
  EXPECT_EQ(p.parse("  \r\n", r), ki::ParseStatus::Empty);
  // The header lines of W3C extended logs (IIS) are no events either.
  EXPECT_EQ(p.parse("#Fields: date time s-ip cs-method cs-uri-stem\r\n", r), ki::ParseStatus::Empty);
  EXPECT_EQ(p.parse("#Software: Microsoft Internet Information Services 10.0", r), ki::ParseStatus::Empty);
  EXPECT_EQ(p.parse("#Fields:date", r), ki::ParseStatus::Failed);  // not one: reported
  // Nor the JVM's header of a JDK 8 GC log; a line that only starts as one is reported.
  EXPECT_EQ(p.parse("OpenJDK 64-Bit Server VM (25.111-b14) for linux-amd64 JRE (1.8.0_111-b14), built on Oct 27 2016", r),
            ki::ParseStatus::Empty);
  EXPECT_EQ(p.parse("Memory: 4k page, physical 1015660k(420736k free), swap 1046524k(1046524k free)", r), ki::ParseStatus::Empty);
  EXPECT_EQ(p.parse("CommandLine flags: -XX:+PrintGC -XX:+UseG1GC", r), ki::ParseStatus::Empty);
  EXPECT_EQ(p.parse("Memory: low", r), ki::ParseStatus::Failed);
  // logcat's buffer markers (adb logcat's own lines between the log's).
  EXPECT_EQ(p.parse("--------- beginning of main", r), ki::ParseStatus::Empty);
  EXPECT_EQ(p.parse("--------- switch to system", r), ki::ParseStatus::Empty);
  // Windows Firewall's header says its times are local: read in --tz, not as W3C's UTC.
  ki::ParserConfig pc;
  pc.default_offset_min = 60;
  ki::Parser fw(pc);
  EXPECT_EQ(fw.parse("#Time Format: Local", r), ki::ParseStatus::Empty);
  EXPECT_EQ(fw.parse("#Fields: date time action protocol src-ip dst-ip src-port dst-port size path", r), ki::ParseStatus::Empty);
  ASSERT_EQ(fw.parse("2005-04-11 08:05:57 DROP UDP 10.0.0.1 10.0.0.255 137 137 78 RECEIVE", r), ki::ParseStatus::Ok);
  EXPECT_EQ(r.ts.epoch_sec, 1113206757 - 3600);
}

TEST(Hostile, BinaryNulInvalidUtf8AndHugeLines) {
  ki::Parser p;
  ki::Record r;
  ki::Encoder enc;
  std::string out;
  std::string nul = std::string("1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET /") + '\0' + "x HTTP/1.1\" 200 1";
  ASSERT_EQ(p.parse(nul, r), ki::ParseStatus::Ok) << p.error_message();
  enc.encode(r, out);
  EXPECT_EQ(json::parse(out)["url"]["original"], std::string("/\0x", 3));

  std::string bad = "1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET /\xff\xfe\xc3 HTTP/1.1\" 200 1 \"-\" \"\xed\xa0\x80\"";
  ASSERT_EQ(p.parse(bad, r), ki::ParseStatus::Ok);
  out.clear();
  enc.encode(r, out);
  auto d = json::parse(out);  // throws if not valid UTF-8 JSON
  EXPECT_EQ(d["url"]["original"], "/\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");

  std::string big = "1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET /" + std::string(1 << 20, 'a') + " HTTP/1.1\" 200 1";
  ASSERT_EQ(p.parse(big, r), ki::ParseStatus::Ok);
  out.clear();
  enc.encode(r, out);
  EXPECT_EQ(json::parse(out)["url"]["original"].get<std::string>().size(), (1u << 20) + 1);

  // Every prefix of every format, and random bytes: no crash, a status every time.
  const char* lines[] = {
      "222.83.191.222 - - [22/Apr/2018:09:30:00 +0000] \"DELETE /x HTTP/1.1\" 406 7610 \"r\" \"u\"",
      "[Sun Apr 22 09:30:00.5 2018] [quia:crit] [pid 4214:tid 6037] [client [::1]:14075] m",
      "<24>Apr 22 09:30:00 moen8727 quo[3160]: m",
      "<24>3 2018-04-22T09:30:00.000Z f n 9030 ID160 [a b=\"c\\\"\"] m",
      "{\"host\":\"1\", \"datetime\":\"22/Apr/2018:09:30:00 +0000\", \"status\":406}"};
  for (const char* l : lines) {
    std::string s(l);
    for (size_t n = 0; n <= s.size(); ++n) {
      std::string prefix = s.substr(0, n);  // own allocation: ASan sees any over-read
      auto st = p.parse(prefix, r);
      if (st == ki::ParseStatus::Ok) {
        out.clear();
        enc.encode(r, out);
        EXPECT_NO_THROW(json::parse(out)) << prefix;
      }
    }
  }
  uint64_t x = 88172645463325252ULL;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    size_t len = (x >> 7) % 200;
    for (size_t k = 0; k < len; ++k) {
      x ^= x << 13, x ^= x >> 7, x ^= x << 17;
      s.push_back(static_cast<char>(k < 2 ? "<[{1J"[x % 5] : x & 0xff));
    }
    auto st = p.parse(s, r);
    if (st == ki::ParseStatus::Ok) {
      out.clear();
      enc.encode(r, out);
      EXPECT_NO_THROW(json::parse(out));
    }
  }
}

TEST(AccessVariants, EscapesAtEveryOffsetOfLongFields) {
  for (size_t pos = 0; pos < 40; ++pos) {
    std::string ua(40, 'u');
    ua.insert(pos, "\\\"");
    auto d = doc("1.2.3.4 - - [22/Apr/2018:09:30:00 +0000] \"GET /" + std::string(pos, 'p') +
                 " HTTP/1.1\" 200 1 \"-\" \"" + ua + "\"");
    std::string want(40, 'u');
    want.insert(pos, "\"");
    EXPECT_EQ(d["user_agent"]["original"], want) << pos;
    EXPECT_EQ(d["url"]["original"], "/" + std::string(pos, 'p'));
  }
}

// W3C extended logs: a data line holds what its input's last #Fields: directive names.
namespace {
using ki::Encoder;
using ki::EncoderConfig;
using ki::ParseStatus;
using ki::Parser;
using ki::ParserConfig;
using ki::Record;
struct W3cReader {
  Parser p;
  explicit W3cReader(Format f = Format::Unknown) : p([f] { ParserConfig c; c.format = f; return c; }()) {}
  ParseStatus feed(const std::string& line, nlohmann::json* out = nullptr) {
    Record r;
    ParseStatus st = p.parse(line, r);
    if (st == ParseStatus::Ok && out) {
      std::string text;
      Encoder(EncoderConfig{}).encode(r, text);
      *out = nlohmann::json::parse(text);
    }
    return st;
  }
};
}  // namespace

TEST(W3c, FieldsDirectiveSaysWhatEachValueIs) {
  W3cReader w;
  EXPECT_EQ(w.feed("#Software: Microsoft Internet Information Services 10.0"), ParseStatus::Empty);
  EXPECT_EQ(w.feed("#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) "
                   "cs(Referer) sc-status sc-substatus sc-win32-status time-taken X-Forwarded-For"),
            ParseStatus::Empty);
  json d;
  ASSERT_EQ(w.feed("2018-01-01 08:09:10.250 127.0.0.1 GET /a q=1 443 bob 81.2.69.143 Mozilla/5.0+(X11) "
                   "https://ref.example/ 404 2 0 15 203.0.113.9", &d),
            ParseStatus::Ok)
      << w.p.error_message();
  EXPECT_EQ(d["@timestamp"], "2018-01-01T08:09:10.250Z");  // W3C times are UTC
  EXPECT_EQ(d["kafkainsight"]["format"], "w3c");
  EXPECT_EQ(d["source"]["ip"], "81.2.69.143");
  EXPECT_EQ(d["destination"], (json{{"address", "127.0.0.1"}, {"ip", "127.0.0.1"}, {"port", 443}}));
  EXPECT_EQ(d["url"], (json{{"path", "/a"}, {"query", "q=1"}}));
  EXPECT_EQ(d["user"]["name"], "bob");
  EXPECT_EQ(d["http"]["response"]["status_code"], 404);
  EXPECT_EQ(d["iis"]["access"]["time_taken_ms"], 15);
  EXPECT_EQ(d["w3c"]["x_forwarded_for"], "203.0.113.9");  // a field of the site's own: kept by its name
  // '-' is no value; a line whose values do not fit the directive says so.
  ASSERT_EQ(w.feed("2018-01-01 08:09:11 127.0.0.1 GET / - 80 - 10.0.0.1 - - 200 0 0 1 -", &d), ParseStatus::Ok);
  EXPECT_FALSE(d.contains("user"));
  EXPECT_FALSE(d["url"].contains("query"));
  EXPECT_EQ(w.feed("2018-01-01 08:09:12 127.0.0.1 GET / - 80"), ParseStatus::Failed);
  EXPECT_NE(w.p.error_message().find("7 values for the 16 fields"), std::string::npos) << w.p.error_message();
  // Tabs where the line has them (CloudFront); a new directive replaces the layout.
  w.feed("#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status");
  ASSERT_EQ(w.feed("2019-12-04\t21:02:31\tLAX1\t392\t192.0.2.100\tGET\td111111abcdef8.cloudfront.net\t/index.html\t200", &d),
            ParseStatus::Ok);
  EXPECT_EQ(d["w3c"]["x_edge_location"], "LAX1");
  EXPECT_EQ(d["http"]["response"]["body"]["bytes"], 392);
  EXPECT_EQ(d["destination"]["domain"], "d111111abcdef8.cloudfront.net");
}

TEST(W3c, EachInputHasItsOwnDirective) {
  W3cReader w;
  w.p.set_source(1);
  w.feed("#Fields: date time c-ip sc-status");
  w.p.set_source(2);
  w.feed("#Fields: date time sc-status c-ip");
  json a, b;
  w.p.set_source(1);
  ASSERT_EQ(w.feed("2020-01-01 00:00:00 10.0.0.1 500", &a), ParseStatus::Ok);
  w.p.set_source(2);
  ASSERT_EQ(w.feed("2020-01-01 00:00:00 404 10.0.0.2", &b), ParseStatus::Ok);
  EXPECT_EQ(a["http"]["response"]["status_code"], 500);
  EXPECT_EQ(b["http"]["response"]["status_code"], 404);
  EXPECT_EQ(b["source"]["ip"], "10.0.0.2");
  // An input without a directive reads its lines as any other.
  w.p.set_source(3);
  json c;
  ASSERT_EQ(w.feed("<13>Feb  5 17:32:18 host app: hi", &c), ParseStatus::Ok);
  EXPECT_EQ(c["kafkainsight"]["format"], "rfc3164");
  // Another log's line in a W3C input is read as what it is; a W3C line without its time is reported.
  w.p.set_source(1);
  json other;
  ASSERT_EQ(w.feed(R"(10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl")", &other),
            ParseStatus::Ok);
  EXPECT_EQ(other["kafkainsight"]["format"], "apache_combined");
  EXPECT_EQ(w.feed("- 00:00:00 10.0.0.1 500"), ParseStatus::Failed);
  EXPECT_NE(w.p.error_message().find("w3c: no date or no time"), std::string::npos) << w.p.error_message();
  // --format w3c without a directive: the line says what is missing.
  W3cReader forced(Format::W3c);
  EXPECT_EQ(forced.feed("2020-01-01 00:00:00 10.0.0.1 500"), ParseStatus::Failed);
  EXPECT_NE(forced.p.error_message().find("no #Fields: directive"), std::string::npos);
}

TEST(Zeek, HeaderTypesEachValueAsZeeksJsonWriterWould) {
  W3cReader z;
  for (const char* h : {"#separator \\x09", "#set_separator\t,", "#empty_field\t(empty)", "#unset_field\t-",
                        "#path\tconn", "#open\t2014-04-03-10-08-27",
                        "#fields\tts\tuid\tid.orig_h\tid.orig_p\tduration\tlocal_orig\tservice\tnote\ttunnel_parents\tports\tblank",
                        "#types\ttime\tstring\taddr\tport\tinterval\tbool\tstring\tstring\tset[string]\tvector[count]\tstring"})
    EXPECT_EQ(z.feed(h), ParseStatus::Empty) << h;
  json d;
  ASSERT_EQ(z.feed("1379288667.706265\tCoyZ\t192.168.33.10\t1032\t0.447460\tT\t-\ta\\x09b\\\\c\\xff\t(empty)\t80,443,-\t(empty)", &d),
            ParseStatus::Ok)
      << z.p.error_message();
  EXPECT_EQ(d["@timestamp"], "2013-09-15T23:44:27.706265Z");
  EXPECT_EQ(d["kafkainsight"]["format"], "zeek");
  EXPECT_EQ(d["event"]["dataset"], "zeek.conn");
  EXPECT_EQ(d["id"], (json{{"orig_h", "192.168.33.10"}, {"orig_p", 1032}}));
  EXPECT_DOUBLE_EQ(d["duration"].get<double>(), 0.44746);
  EXPECT_EQ(d["local_orig"], true);
  EXPECT_FALSE(d.contains("service"));  // '-': unset, left out as Zeek's JSON leaves it out
  // \xHH and \\ unescaped; a byte that is no UTF-8 keeps Zeek's escape rather than turning into U+FFFD
  EXPECT_EQ(d["note"], "a\\x09b\\\\c\\xff");
  EXPECT_EQ(d["tunnel_parents"], json::array());
  EXPECT_EQ(d["ports"], (json{80, 443, nullptr}));
  EXPECT_EQ(d["blank"], "");  // (empty) of a string
  ASSERT_EQ(z.feed("1.5\tX\t10.0.0.1\t1\t0.1\tF\t-\ta\\x09b\t-\t-\t-", &d), ParseStatus::Ok);
  EXPECT_EQ(d["note"], "a\tb");
  EXPECT_EQ(d["local_orig"], false);
  // A value that is not of its type, or a count of values that does not fit: reported.
  EXPECT_EQ(z.feed("1.5\tX\t10.0.0.1\thttp\t0.1\tF\t-\t-\t-\t-\t-"), ParseStatus::Failed);
  EXPECT_NE(z.p.error_message().find("zeek: 'http' is not a Zeek port (field id.orig_p)"), std::string::npos)
      << z.p.error_message();
  EXPECT_EQ(z.feed("1.5\tX\t10.0.0.1\t1\t0.1\tyes\t-\t-\t-\t-\t-"), ParseStatus::Failed);
  EXPECT_NE(z.p.error_message().find("not a Zeek bool"), std::string::npos) << z.p.error_message();
  EXPECT_EQ(z.feed("1.5\tX"), ParseStatus::Failed);
  EXPECT_NE(z.p.error_message().find("zeek: 2 values for the 11 fields"), std::string::npos) << z.p.error_message();
  EXPECT_EQ(z.feed("#close\t2014-04-03-10-08-28"), ParseStatus::Empty);
}

TEST(Zeek, EachInputHasItsOwnHeaderAndOtherLinesAreReadAsWhatTheyAre) {
  W3cReader z;
  z.p.set_source(1);
  z.feed("#separator \\x2c");  // a comma-separated log
  z.feed("#fields,ts,uid");
  z.feed("#types,time,string");
  z.p.set_source(2);
  json other;
  ASSERT_EQ(z.feed("<13>Feb  5 17:32:18 host app: hi", &other), ParseStatus::Ok);  // no header: as any line
  EXPECT_EQ(other["kafkainsight"]["format"], "rfc3164");
  z.p.set_source(1);
  json d;
  ASSERT_EQ(z.feed("1.25,CAbc", &d), ParseStatus::Ok) << z.p.error_message();
  EXPECT_EQ(d["uid"], "CAbc");
  EXPECT_FALSE(d.contains("event"));  // no #path: no dataset
  // Another log's line in a Zeek input is read as what it is.
  ASSERT_EQ(z.feed(R"(10.0.0.9 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "curl")", &other),
            ParseStatus::Ok);
  EXPECT_EQ(other["kafkainsight"]["format"], "apache_combined");
  // A W3C directive in the same input replaces the Zeek header, and the other way round.
  z.feed("#Fields: date time c-ip sc-status");
  ASSERT_EQ(z.feed("2020-01-01 00:00:00 10.0.0.1 500", &d), ParseStatus::Ok);
  EXPECT_EQ(d["kafkainsight"]["format"], "w3c");
  z.feed("#separator\t\\x09");  // (a tab after the word: a rewritten file)
  z.feed("#fields\tts\tn");
  z.feed("#types\ttime\tcount");
  ASSERT_EQ(z.feed("2.5\t7", &d), ParseStatus::Ok) << z.p.error_message();
  EXPECT_EQ(d["n"], 7);
  // --format zeek without a header says what is missing.
  W3cReader forced(Format::Zeek);
  EXPECT_EQ(forced.feed("1.5\tX"), ParseStatus::Failed);
  EXPECT_NE(forced.p.error_message().find("no Zeek log header"), std::string::npos) << forced.p.error_message();
}

TEST(Cef, HeaderEscapesAndExtensionPairs) {
  W3cReader c;
  json d;
  ASSERT_EQ(c.feed(R"(CEF:0|Ven\|dor|Prod\\uct|1.0|42|Name with = sign|Medium|)"
                   R"(request=https://x.example/a?b=c&d=e msg=line one\nline two \= three  cs1=  )"
                   R"(cs1Label=Rule unknownKey=v w[0]=x dpt=8443 src=2001:db8::1 end=1559566421000   )",
                   &d),
            ParseStatus::Ok)
      << c.p.error_message();
  EXPECT_EQ(d["kafkainsight"]["format"], "cef");
  EXPECT_EQ(d["cef"]["device"]["vendor"], "Ven|dor");   // "\|" in the header
  EXPECT_EQ(d["cef"]["device"]["product"], "Prod\\uct");  // "\\"
  EXPECT_EQ(d["cef"]["name"], "Name with = sign");
  const json& x = d["cef"]["extensions"];
  EXPECT_EQ(x["requestUrl"], "https://x.example/a?b=c&d=e");  // '=' inside a value: no key before it
  EXPECT_EQ(x["message"], "line one\nline two = three");
  EXPECT_FALSE(x.contains("deviceCustomString1"));  // an empty value: no field
  EXPECT_EQ(x["deviceCustomString1Label"], "Rule");
  EXPECT_EQ(x["unknownKey"], "v");  // a key the spec does not name: kept as written
  EXPECT_EQ(x["w[0]"], "x");
  EXPECT_EQ(x["destinationPort"], 8443);
  EXPECT_EQ(x["endTime"], "2019-06-03T12:53:41.000Z");
  EXPECT_EQ(d["event"]["end"], "2019-06-03T12:53:41.000Z");
  EXPECT_EQ(d["source"]["ip"], "2001:db8::1");
  EXPECT_EQ(d["destination"]["port"], 8443);
  EXPECT_EQ(d["url"]["original"], "https://x.example/a?b=c&d=e");
  EXPECT_EQ(d["message"], "line one\nline two = three");
  EXPECT_EQ(d["event"]["severity"], 4);  // Medium
  // A time in a zone it cannot place is kept as written, and the event's time is the read time.
  ASSERT_EQ(c.feed("CEF:0|V|P|1|1|n|Low|rt=Jun 03 2019 12:53:41 CEST", &d), ParseStatus::Ok);
  EXPECT_EQ(d["cef"]["extensions"]["deviceReceiptTime"], "Jun 03 2019 12:53:41 CEST");
  EXPECT_TRUE(d["event"].contains("ingested"));
  // Too few header fields: reported.
  EXPECT_EQ(c.feed("CEF:0|V|P|1|1|n"), ParseStatus::Failed);
  EXPECT_NE(c.p.error_message().find("cef: expected seven"), std::string::npos) << c.p.error_message();
  // The ECS fields of newer decode_cef: agent.*, source.process.*; a requestContext that is no URL stays in cef only.
  ASSERT_EQ(c.feed("CEF:0|V|P|1|1|n|Low|ahost=collector1 spid=42 sproc=sshd requestContext=internal", &d), ParseStatus::Ok);
  EXPECT_EQ(d["agent"]["name"], "collector1");
  EXPECT_EQ(d["source"]["process"], (json{{"name", "sshd"}, {"pid", 42}}));
  EXPECT_FALSE(d.contains("http"));
  // "CEF:" alone (fuzz_parse_cef): the column is the end of the line, not past it.
  Parser forced([] { ParserConfig pc; pc.format = Format::Cef; return pc; }());
  Record r;
  EXPECT_EQ(forced.parse("CEF:", r), ParseStatus::Failed);
  EXPECT_EQ(forced.error().column, 5u);
}

TEST(MysqlSlow, AQueryEventAndBadOnes) {
  W3cReader m;
  json d;
  EXPECT_EQ(m.feed("/usr/sbin/mysqld, Version: 8.0.15 (MySQL Community Server - GPL). started with:"), ParseStatus::Empty);
  EXPECT_EQ(m.feed("Time                 Id Command    Argument"), ParseStatus::Empty);
  ASSERT_EQ(m.feed("# Time: 2019-03-24T14:01:47.811234Z\n# User@Host: root[root] @ web1 [10.0.0.5]  Id:    14\n"
                   "# Schema:   Last_errno: 0  Killed: 0\n"
                   "# Query_time: 2.475469  Lock_time: 0.000287 Rows_sent: 10  Rows_examined: 3145718\n"
                   "#   InnoDB_IO_r_wait: 0.000213  InnoDB_trx_id: 69B884E82\n# QC_Hit: No  Full_scan: Yes\n"
                   "use employees;\nSELECT 1;",
                   &d),
            ParseStatus::Ok)
      << m.p.error_message();
  EXPECT_EQ(d["kafkainsight"]["format"], "mysql_slow");
  EXPECT_EQ(d["@timestamp"], "2019-03-24T14:01:47.811234Z");  // no SET timestamp: the "# Time:" line's
  EXPECT_EQ(d["event"]["duration"], 2475469000);
  EXPECT_EQ(d["source"], (json{{"domain", "web1"}, {"ip", "10.0.0.5"}}));
  EXPECT_EQ(d["user"]["name"], "root");
  const json& s = d["mysql"]["slowlog"];
  EXPECT_EQ(s["schema"], "employees");  // "# Schema:" empty: the use line's
  EXPECT_EQ(s["innodb"]["io_r_wait"]["sec"], 0.000213);
  EXPECT_EQ(s["innodb"]["trx_id"], "69B884E82");
  EXPECT_EQ(s["query_cache_hit"], false);
  EXPECT_EQ(s["full_scan"], true);
  EXPECT_EQ(s["query"], "SELECT 1;");
  EXPECT_EQ(d["mysql"]["thread_id"], 14);
  // An event without its user line, or without a statement: reported.
  EXPECT_EQ(m.feed("# Time: 2019-03-24T14:01:47Z\n# Query_time: 1.0  Lock_time: 0.0\nSELECT 1;"), ParseStatus::Failed);
  EXPECT_NE(m.p.error_message().find("no '# User@Host:' line"), std::string::npos) << m.p.error_message();
  EXPECT_EQ(m.feed("# User@Host: a[a] @ localhost []\n# Query_time: 1.0  Lock_time: 0.0"), ParseStatus::Failed);
  EXPECT_NE(m.p.error_message().find("no statement"), std::string::npos) << m.p.error_message();
  // A Query_time past what nanoseconds in an int64 hold gives no duration (fuzz_parse_mysql_slow).
  ASSERT_EQ(m.feed("# User@Host: a[a] @ localhost []\n# Query_time: 1" + std::string(150, '1') + ".5  Lock_time: 0.0\nSELECT 1;", &d),
            ParseStatus::Ok);
  EXPECT_FALSE(d["event"].contains("duration"));
}

TEST(InputKeys, ALinesOwnKeysInOurNamespaceAreRenamed) {
  // fuzz_detect found a logfmt key "kafkainsight.recipe" passed off as the recipe that read the line.
  W3cReader r;
  json d;
  ASSERT_EQ(r.feed("level=info kafkainsight.recipe=FAKE msg=hi", &d), ParseStatus::Ok);
  EXPECT_EQ(d["kafkainsight"]["format"], "logfmt");
  EXPECT_FALSE(d["kafkainsight"].contains("recipe"));
  EXPECT_EQ(d["kafkainsight"]["renamed"]["kafkainsight"]["recipe"], "FAKE");
  ASSERT_EQ(r.feed(R"({"msg":"hi","kafkainsight":{"wrapper":"cri","recipe":"X"},"kafkainsightful":1})", &d), ParseStatus::Ok);
  EXPECT_EQ(d["kafkainsight"], (json{{"format", "app_json"},
                                      {"renamed", {{"kafkainsight", {{"wrapper", "cri"}, {"recipe", "X"}}}}}}));
  EXPECT_EQ(d["kafkainsightful"], 1);  // only the namespace itself
}

// split_request's shortcut for "GET /path HTTP/1.1" must give what its general way gives, for
// the plain shape and for every near miss (blanks at the ends, tabs, other protocols, no path).
TEST(SplitRequest, ShortcutAgreesWithTheGeneralWay) {
  std::vector<std::string> requests = {
      "GET /index.html HTTP/1.1", "GET / HTTP/1.0", "DELETE /a/b?c=d HTTP/2.0", "GET /a b HTTP/1.1",
      "GET  /a HTTP/1.1", "GET /a  HTTP/1.1", "GET /a\tHTTP/1.1", "GET\t/a HTTP/1.1", " GET /a HTTP/1.1",
      "GET /a HTTP/1.1 ", "GET /a HTTP/1.1\t", "GET /a HTTP/2", "GET /a HTTPS/1.1", "get /a HTTP/1.1",
      "GET HTTP/1.1", "GET /a HTTP/1.x", "GET /a HTTP/1 1", "-", "", "GET", "GET /", "PROPFIND /x HTTP/1.1",
      "M-SEARCH * HTTP/1.1", "GET /\t HTTP/1.1", "ABCDEFGHIJKLMNOPQRSTUVWXYZ /a HTTP/1.1"};
  std::mt19937 rng(7);
  const std::string alphabet = "GET /\tHP1.0x-a";
  for (int k = 0; k < 20000; ++k) {  // near the plain shape: a few bytes of one changed
    std::string r = "GET /a/b HTTP/1.1";
    for (int m = std::uniform_int_distribution<int>(1, 3)(rng); m > 0; --m)
      r[std::uniform_int_distribution<size_t>(0, r.size() - 1)(rng)] = alphabet[rng() % alphabet.size()];
    requests.push_back(r);
  }
  for (const std::string& r : requests) {
    const ki::RequestParts a = ki::split_request(r), b = ki::split_request_general(r);
    EXPECT_EQ(a.method, b.method) << r;
    EXPECT_EQ(a.path, b.path) << r;
    EXPECT_EQ(a.protocol, b.protocol) << r;
    if (a.method.data() && b.method.data()) EXPECT_EQ(a.method.data(), b.method.data()) << r;  // views into r
  }
}
