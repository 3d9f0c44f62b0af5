// AccessColumns against the general way (Parser -> Record -> Encoder -> ColumnWriter): the same
// lines through a ParseStage with and without it must give the same table, column for column
// and row for row, whatever mix of lines it takes and declines.
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include "generate/generator.h"
#include "pipeline/parse_pipeline.h"
#include "table_dump.h"
#include "test_util.h"

namespace {

using ki::ColumnTable;
using ki::ParseStage;

std::string dump(ColumnTable& t) { return ki::test::table_dump(t); }

struct Both {
  ColumnTable direct, general;
  std::vector<ki::ParseStatus> a, b;
  uint64_t taken = 0;  // lines AccessColumns took
};

Both run_both(const std::vector<std::string>& lines, ki::ParserConfig pcfg = {}, ki::EncoderConfig ecfg = {}) {
  Both r;
  ParseStage sa(pcfg, ecfg), sb(pcfg, ecfg);
  sa.set_columns(&r.direct, true);
  sb.set_columns(&r.general, false);
  for (const std::string& l : lines) {
    r.a.push_back(sa.process(l));
    r.b.push_back(sb.process(l));
  }
  r.taken = sa.direct_rows();
  EXPECT_EQ(sb.direct_rows(), 0u);
  return r;
}

std::vector<std::string> generated(ki::Format f, int n, uint64_t seed) {
  ki::GeneratorConfig g;
  g.format = f;
  g.seed = seed;
  g.start_epoch_sec = 1700000000;
  g.interval_ns = 1000000;
  ki::Generator gen(g);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string l;
    gen.next(l);
    out.push_back(l);
  }
  return out;
}

// Lines near the plain shape: each is either taken and written as the general way writes it,
// or declined and read the general way.
const std::vector<std::string> kOdd = {
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET /a.gif HTTP/1.0" 200 2326 "http://x/" "Mozilla/4.08")",
    R"(10.0.0.1 - frank [10/Oct/2000:13:55:36 +0530] "POST /login?x=1 HTTP/2.0" 401 - "-" "curl/8")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36.123 +0000] "GET / HTTP/1.1" 200 1 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /q\"x\\y HTTP/1.1" 200 1 "r\"ef" "u\\a")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "\x16\x03\x01\x00" 400 0 "-" "-")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "-" 408 0 "-" "-")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET HTTP/1.1" 200 0 "-" "")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "" 400 0 "" "")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "get  /two  spaces  HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET /only-path" 200 5 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" - 0 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 2000 0 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 99999999999999999999 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5  "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" "203.0.113.7")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua" 0.123)",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5)",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "unterminated)",
    R"(10.0.0.1 - - [2000-10-10T13:55:36+00:00] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.1 - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.1 - two words [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.1 ident - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(2001:db8::1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.2, 10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(example.com:80 10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(host.example - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.256 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    "10.0.0.1 - caf\xc3\xa9 [10/Oct/2000:13:55:36 +0000] \"GET /\xe9t\xe9 HTTP/1.1\" 200 5 \"-\" \"ua\xff\"",
    // One field not ASCII at a time (the quoted scans' loads tell it), valid or not, in a 16-byte
    // block or the tail, and a byte after a backslash at a block's end.
    "10.0.0.1 - caf\xc3\xa9 [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"",
    "10.0.0.1 - \xff [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"http://example.com/caf\xc3\xa9/x\" \"ua\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"http://example.com/abcdefgh\xe9\" \"ua\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11; Linux) \xf0\x9f\x98\x80 ok\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"Mozilla/5.0 (X11; Linux) \xc0\xaf bad\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET /abcdefghij\\\xe9 HTTP/1.1\" 200 5 \"-\" \"ua\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET /abcdefghijklmnopqrstuvwxyz012\\\xe9 HTTP/1.1\" 200 5 \"-\" \"ua\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET /\xe9 HTTP/1.1\" 200 5 \"-\" \"ua\"",
    "10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] \"GET / HTTP/1.1\" 200 5 \"-\" \"ua\"\r",
    "\xef\xbb\xbf" R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")",
    R"(10.0.0.1 - - [10/Oct/2000:13:55:36 +0000] "GET / HTTP/1.1" 200 5 "-" "ua")" "\n\tat more",
    "",
    "not a log line",
    R"(<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - 'su root' failed)",
    R"({"level":"info","msg":"hi","status":"200"})",
    R"({"http":{"response":{"status_code":"text"}},"source":{"ip":7}})",
};

TEST(AccessColumns, GeneratedLinesGiveTheGeneralWaysTable) {
  for (uint64_t seed : {1u, 2u, 3u}) {
    auto lines = generated(ki::Format::ApacheCombined, 3000, seed);
    Both r = run_both(lines);
    EXPECT_EQ(r.a, r.b);
    EXPECT_GT(r.taken, 2990u);  // all but the first lines, which make the columns
    EXPECT_EQ(dump(r.direct), dump(r.general)) << "seed " << seed;
  }
}

TEST(AccessColumns, OddLinesInEveryOrderGiveTheGeneralWaysTable) {
  auto base = generated(ki::Format::ApacheCombined, 40, 7);
  auto common = generated(ki::Format::ApacheCommon, 10, 8);
  // Each odd line first (before any column exists), in the middle, and last.
  for (size_t k = 0; k < kOdd.size(); ++k) {
    std::vector<std::string> lines = {kOdd[k]};
    lines.insert(lines.end(), base.begin(), base.begin() + 20);
    lines.push_back(kOdd[k]);
    lines.insert(lines.end(), common.begin(), common.end());
    lines.insert(lines.end(), base.begin() + 20, base.end());
    lines.push_back(kOdd[k]);
    Both r = run_both(lines);
    EXPECT_EQ(r.a, r.b) << kOdd[k];
    EXPECT_EQ(dump(r.direct), dump(r.general)) << kOdd[k];
  }
  // All of them, mixed.
  std::vector<std::string> all = base;
  for (size_t k = 0; k < kOdd.size(); ++k) all.insert(all.begin() + static_cast<long>(k % all.size()), kOdd[k]);
  Both r = run_both(all);
  EXPECT_EQ(r.a, r.b);
  EXPECT_EQ(dump(r.direct), dump(r.general));
  EXPECT_GT(r.taken, 30u);
}

// fuzz_access_columns: rows the general way does not see (taken by AccessColumns) left the
// ColumnWriter's remembered positions of fields among their siblings stale, and a new field of a
// later row was put elsewhere than the general way alone puts it. Positions are looked up again.
TEST(AccessColumns, NewFieldsOfLaterRowsGoWhereTheGeneralWayPutsThem) {
  // The fuzzer's input, as fuzz_access_columns feeds it: each of its lines after a plain one.
  const std::string input(
      "200.9.419<7>3 202K-01-24T12:39:35.000Z custom\000\000\000\000\000\000\364war.name optio 108\316"
      "\337\266\272214 - We need to gte ADP system!\012rization of us\331\331\331\331\331\331\331\331"
      "\331\331\331\331\331\341\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331"
      "450\357\277\275\357\277\275erET /reset.css\026HTTP/1ror] [pi.d 1754Traceback (most recent caloso"
      "f= ftwr\001\000I\001\011I\012.1\" 301 96 \"-\" \"Moz/l last):\012\012\012\012\012\012\012\012"
      "\012\012\012\012\012\012\012\012\012\012[Mo* Aug 31 06:29:47.406530 2015] \253\000\000\000\000"
      "\000\000\000tice] [pid 24968:tid 140169861986176] AH00094: Command line: '/usr/sbin/apache2'\012"
      "48:1893:25c8:1\27146]:515'8] AH0\313\311\314\310\305\337\276\212t\377\377\377\377\377\377\377"
      "\377\377\377\377horizaxx apache_server: 1.2.3.4 - - [#Sot\000f\001wr\000\012icrosof= ftwroftwr(("
      "(\001\000\000\012icrosof= ftwr\001#Softwr\001\000\000\012icrosof= ftwroftwr\001\000\000\012icros"
      "of= ftwr\001\000I\001\011I\012.1\" 301 96 \"-\" \"Moz/illa/5.0 (Win;sow dU; Windows NT 5.1; fr; "
      "rv:1.9.2.12) Gecko/201010212 06:30:00 xxx ape ---\012path=/etc/:39:28 +0800] \"DELETE /May 11 15"
      ":40:51 meow.\"\272\355\355\355\355\355\355\355\3552\377\377\377\377chaache_server: 1.2.3.4 - - ["
      "#Softwr\001\000\000\012icrosof= ftwroftwr\001\000\000\012icrosof= ftwr\001#Softwr\001\000\000"
      "\012icrosof= ftwroftr\000\001\000w\012icrosof= ftwr\001\000I\001\011I\012.1\" 301 96 \"-\" \"Moz"
      "/illa/5.0 (Win;sow dU; Windotion of us\331\331\331\331\331\331\331\331\331\331\331\331\331\331"
      "\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\331\33112292212"
      "9152] \012\012\012\012\012\012\012\012\012\012\012\012\012\012\012\012\012\012\012\012\012\012"
      "\012\012\012\012\012\012\012[Mo\331\331\331\331\331\331\331\331\331\331er test-ipvT12:39:35.000Z"
      " custom\000\000\000\000\000\000\000war.name authz_o\"w\012",
      1117);
  const std::string plain =
      R"(192.0.2.1 - alice [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "http://r/" "Mozilla/5.0")";
  std::vector<std::string> lines;
  for (size_t at = 0;;) {
    const size_t nl = input.find('\n', at);
    lines.push_back(plain);
    lines.push_back(input.substr(at, nl == std::string::npos ? std::string::npos : nl - at));
    if (nl == std::string::npos) break;
    at = nl + 1;
  }
  Both r = run_both(lines);
  EXPECT_EQ(r.a, r.b);
  EXPECT_EQ(dump(r.direct), dump(r.general));
}

TEST(AccessColumns, RealAccessLogsGiveTheGeneralWaysTable) {
  std::ifstream f(std::string(KI_SOURCE_DIR) + "/tests/data/real/apache_access.log", std::ios::binary);
  ASSERT_TRUE(f);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  ASSERT_GT(lines.size(), 50u);
  Both r = run_both(lines);
  EXPECT_EQ(r.a, r.b);
  EXPECT_EQ(dump(r.direct), dump(r.general));
  EXPECT_GT(r.taken, 0u);
}

TEST(AccessColumns, OnlyWhereTheConfigurationWritesWhatItWrites) {
  auto lines = generated(ki::Format::ApacheCombined, 200, 4);
  ki::ParserConfig with_field;
  with_field.add_fields = {{"service.name", "shop"}};
  ki::ParserConfig syslog;
  syslog.format = ki::Format::Rfc3164;
  ki::ParserConfig forced;
  forced.format = ki::Format::ApacheCommon;
  for (const auto& [pcfg, ecfg, taken] :
       {std::tuple{ki::ParserConfig{}, ki::EncoderConfig{ki::Schema::Ecs, true}, false},  // event.original
        std::tuple{ki::ParserConfig{}, ki::EncoderConfig{ki::Schema::KafkaInsight, false}, false},
        std::tuple{with_field, ki::EncoderConfig{}, false}, std::tuple{syslog, ki::EncoderConfig{}, false},
        std::tuple{forced, ki::EncoderConfig{}, true}}) {
    Both r = run_both(lines, pcfg, ecfg);
    EXPECT_EQ(r.taken > 0, taken);
    EXPECT_EQ(r.a, r.b);
    EXPECT_EQ(dump(r.direct), dump(r.general));
  }
}

}  // namespace

// Found by fuzz_access_columns: after a W3C directive the input's lines are the W3C reader's
// first, so the direct path stands aside; an access line among them is still read as one.
TEST(AccessColumns, StandsAsideInAW3cInput) {
  const std::string plain = kOdd[0];
  Both r = run_both({plain, plain,
                     "#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip "
                     "cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken",
                     plain, "2018-01-01 08:09:10 127.0.0.1 GET / q=100 80 - 81.2.69.143 ua - 200 0 0 123", plain});
  EXPECT_EQ(r.a, r.b);
  EXPECT_EQ(r.a, (std::vector<ki::ParseStatus>{ki::ParseStatus::Ok, ki::ParseStatus::Ok, ki::ParseStatus::Empty,
                                               ki::ParseStatus::Ok, ki::ParseStatus::Ok, ki::ParseStatus::Ok}));
  EXPECT_EQ(r.taken, 1u);  // the second line before the directive (the first makes the columns)
  EXPECT_EQ(dump(r.direct), dump(r.general));
}
