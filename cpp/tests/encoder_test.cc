#include <gtest/gtest.h>
#include <algorithm>

#include "encode/json_writer.h"
#include "test_util.h"

using ki::Schema;
using ki::test::doc;
using json = nlohmann::json;

// The original KafkaInsight producer's documents, field for field (values worked out by hand
// from its serialize_log(): month not padded, "GMT+8.0", status code as a string).
TEST(KafkaInsightSchema, MatchesTheOriginalProducer) {
  auto d = doc(R"(185.173.32.252 - thompson1003 [24/Jan/2024:12:39:13 +0800] "HEAD /revolutionize/drive/synergistic HTTP/1.1" 304 6668)",
               Schema::KafkaInsight);
  EXPECT_EQ(d["ip_address"], "185.173.32.252");
  EXPECT_EQ(d["username"], "thompson1003");
  EXPECT_EQ(d["is_user"], "User Exists");
  EXPECT_EQ(d["timestamp"], "2024-1-24 12:39:13");
  EXPECT_EQ(d["timezone"], "GMT+8.0");
  EXPECT_EQ(d["operation"], "HEAD");
  EXPECT_EQ(d["source"], "/revolutionize/drive/synergistic");
  EXPECT_EQ(d["network_protocol"], "HTTP/1.1");
  EXPECT_EQ(d["status_code"], "304");
  EXPECT_EQ(d["status"], "Redirection");
  EXPECT_EQ(d["@timestamp"], "2024-01-24T12:39:13+08:00");

  auto a = doc(R"(137.35.140.71 - - [05/Mar/2024:01:02:03 -0530] "PUT /brand/platforms HTTP/1.1" 100 1143)",
               Schema::KafkaInsight);
  EXPECT_EQ(a["is_user"], "Anonymous");
  EXPECT_EQ(a["username"], "-");
  EXPECT_EQ(a["timestamp"], "2024-3-05 01:02:03");
  EXPECT_EQ(a["timezone"], "GMT-5.5");
  EXPECT_EQ(a["status"], "informational");
  auto q = doc(R"(1.1.1.1 - - [05/Mar/2024:01:02:03 +0545] "GET / HTTP/1.1" 503 1)", Schema::KafkaInsight);
  EXPECT_EQ(q["timezone"], "GMT+5.8");  // Python: 5 + round(45/60, 1)
  EXPECT_EQ(q["status"], "Server Error");
}

TEST(KafkaInsightSchema, OtherFormatsStayFlat) {
  auto d = doc("<24>Apr 22 09:30:00 moen8727 quo[3160]: hello", Schema::KafkaInsight);
  EXPECT_EQ(d["hostname"], "moen8727");
  EXPECT_EQ(d["app"], "quo");
  EXPECT_EQ(d["pid"], 3160);
  EXPECT_EQ(d["level"], "emerg");
  EXPECT_EQ(d["message"], "hello");
  EXPECT_EQ(d["format"], "rfc3164");
  for (auto& [k, v] : d.items()) EXPECT_FALSE(v.is_object()) << k;
}

TEST(EcsSchema, TimestampsKeepOffsetAndPrecision) {
  EXPECT_EQ(doc(R"(1.1.1.1 - - [31/Dec/1999:23:59:59 -1200] "GET / HTTP/1.1" 200 1)")["@timestamp"],
            "1999-12-31T23:59:59-12:00");
  EXPECT_EQ(doc("<1>1 2020-02-29T23:59:59.5+14:00 h a - - - m")["@timestamp"], "2020-02-29T23:59:59.5+14:00");
}

TEST(JsonWriter, EscapesControlAndRepairsUtf8) {
  std::string out;
  ki::append_json_escaped(out, std::string("a\"b\\c\n\t\x01\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xc0\xaf\xff", 21));
  EXPECT_EQ(out, "a\\\"b\\\\c\\n\\t\\u0001\x7f\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_NO_THROW(json::parse("\"" + out + "\""));
}

// The 16-bytes-at-a-time paths: a special byte at every position around the block edges must
// come out exactly as the byte-by-byte reference would write it.
TEST(JsonWriter, SpecialBytesAtEveryOffset) {
  for (char special : {'"', '\\', '\n', '\x01', '\xff'}) {
    for (size_t pos = 0; pos < 40; ++pos) {
      std::string in(40, 'a');
      in[pos] = special;
      std::string out;
      ki::append_json_escaped(out, in);
      auto back = json::parse("\"" + out + "\"").get<std::string>();
      std::string want = in;
      if (special == '\xff') want.replace(pos, 1, "\xEF\xBF\xBD");
      EXPECT_EQ(back, want) << "pos " << pos;
    }
  }
}

// The inline check of short values (up to 32 bytes, overlapping loads): every length, a byte at
// every position, against the byte-by-byte definition and the general escaper's output.
TEST(JsonWriter, ShortValuesAtEveryLengthAndPosition) {
  auto plain = [](const std::string& s) {
    for (unsigned char c : s)
      if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') return false;
    return true;
  };
  for (size_t n = 0; n <= 33; ++n) {
    for (char b : {'"', '\\', '\n', '\x1f', ' ', '\x7f', '\x80', '\xc3', '\xff', 'z'}) {
      for (size_t pos = 0; pos < std::max<size_t>(n, 1); ++pos) {
        std::string in(n, 'a');
        if (n) in[pos] = b;
        if (n <= 32) EXPECT_EQ(ki::plain_short(in.data(), n), plain(in)) << "n " << n << " pos " << pos << " byte " << int(b);
        std::string fast, any;
        ki::append_json_escaped(fast, in);
        ki::append_json_escaped_any(any, in);
        EXPECT_EQ(fast, any) << "n " << n << " pos " << pos;
      }
    }
  }
}

TEST(EcsSchema, SourceIpOrDomain) {
  using ki::test::doc;
  auto line = [](const std::string& host) {
    return host + " - - [22/Apr/2018:09:30:00 +0000] \"GET / HTTP/1.1\" 200 1";
  };
  for (std::string ip : {"0.0.0.0", "255.255.255.255", "10.1.2.3", "::1", "fe80::1"})
    EXPECT_EQ(doc(line(ip))["source"]["ip"], ip);
  for (std::string host : {"256.1.1.1", "1.2.3", "1.2.3.4.5", "01.2.3.4", "example.org", "1.2.3.4a"})
    EXPECT_EQ(doc(line(host))["source"]["domain"], host) << host;
}
