// The grok compiler and matcher on their own: Logstash syntax, the built-in library, user
// pattern files, errors that name the pattern and the column, bounded matching.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "parse/grok.h"
#include "parse/parser.h"

using ki::GrokError;
using ki::GrokLibrary;
using ki::GrokMatcher;
using ki::GrokResult;
using ki::GrokSet;

namespace {

std::shared_ptr<const GrokSet> set_of(std::vector<std::string> pats, const GrokLibrary& lib = GrokLibrary::builtin()) {
  return std::make_shared<const GrokSet>(pats, lib);
}

// field -> value text of the first match (first value of a field wins)
std::map<std::string, std::string> fields(const std::vector<std::string>& pats, std::string_view line) {
  GrokMatcher m(set_of(pats));
  std::map<std::string, std::string> out;
  if (m.match(line) != GrokResult::Matched) {
    ADD_FAILURE() << m.reason() << "\n  line: " << line;
    return out;
  }
  for (const auto& v : m.values()) out.emplace(v.capture->field, std::string(v.text));
  return out;
}

std::string error_of(const std::vector<std::string>& pats, const GrokLibrary& lib = GrokLibrary::builtin()) {
  try {
    set_of(pats, lib);
  } catch (const GrokError& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(Grok, BuiltinLibraryCompilesEveryPattern) {
  GrokLibrary lib = GrokLibrary::builtin();
  ASSERT_GT(lib.size(), 80u);
  for (const char* name : {"IP", "IPV4", "IPV6", "HOSTNAME", "INT", "NUMBER", "WORD", "NOTSPACE", "DATA", "GREEDYDATA",
                           "QUOTEDSTRING", "UUID", "PATH", "URI", "LOGLEVEL", "TIMESTAMP_ISO8601", "HTTPDATE",
                           "SYSLOGTIMESTAMP", "TIME", "DATE", "MONTH", "DAY", "COMBINEDAPACHELOG", "HAPROXYHTTP",
                           "NGINXERROR", "JAVALOG", "PYTHONLOG", "OPENSTACK", "SYSLOGBASE"}) {
    SCOPED_TRACE(name);
    EXPECT_NE(lib.find(name), nullptr);
    EXPECT_NO_THROW(GrokSet({std::string("%{") + name + "}"}, lib));
  }
}

TEST(Grok, NamedCapturesTypesAndDottedFields) {
  auto f = fields({"%{IP:source.ip} %{WORD:http.request.method} %{NUMBER:took:float} %{INT:http.response.status_code:int}"},
                  "10.1.2.3 GET 0.25 404");
  EXPECT_EQ(f["source.ip"], "10.1.2.3");
  EXPECT_EQ(f["http.request.method"], "GET");
  EXPECT_EQ(f["took"], "0.25");
  EXPECT_EQ(f["http.response.status_code"], "404");
  GrokSet s({"%{INT:a:int} %{NUMBER:b:float} %{WORD:c}"}, GrokLibrary::builtin());
  const auto& caps = s.patterns()[0]->captures();
  ASSERT_EQ(caps.size(), 3u);
  EXPECT_EQ(caps[0].type, ki::GrokCapture::Type::Int);
  EXPECT_EQ(caps[1].type, ki::GrokCapture::Type::Float);
  EXPECT_EQ(caps[2].type, ki::GrokCapture::Type::String);
}

TEST(Grok, RawNamedGroupsWithDotsAndBrackets) {
  auto f = fields({R"((?<log.level>[A-Z]+) \[(?P<thread>[^\]]+)\] (?'msg'.*) %{WORD:[service][name]})"},
                  "WARN [main-1] disk almost full svc");
  EXPECT_EQ(f["log.level"], "WARN");
  EXPECT_EQ(f["thread"], "main-1");
  EXPECT_EQ(f["msg"], "disk almost full");
  EXPECT_EQ(f["service.name"], "svc");
  // Lookbehind is not a named group.
  auto g = fields({R"((?<=id=)(?<id>\d+))"}, "x id=42");
  EXPECT_EQ(g["id"], "42");
}

// Logstash's patterns are Ruby regexes (Oniguruma): \h is a hex digit, (?m) anywhere is "dot
// matches newline", and a class may hold a nested [[:alnum:]] (logstash-patterns-core's UNIXPATH).
TEST(Grok, OnigurumaSpellingsMeanWhatTheyMeanInLogstash) {
  auto f = fields({R"(id=(?<id>\h{8}) (?<rest>[\h-]+))"}, "id=00ff0A9b 12-ab");
  EXPECT_EQ(f["id"], "00ff0A9b");
  EXPECT_EQ(f["rest"], "12-ab");
  GrokMatcher blank(set_of({R"(^a\hb$)"}));
  EXPECT_EQ(blank.match("a b"), GrokResult::NoMatch);  // PCRE2's \h (a blank) would match
  auto g = fields({R"(%{WORD:m} (?m)(?<rest>.*))"}, "GET /a\n  more");
  EXPECT_EQ(g["rest"], "/a\n  more");
  auto h = fields({R"((?mi)^get (?<rest>.*))"}, "GET x\ny");
  EXPECT_EQ(h["rest"], "x\ny");
  auto u = fields({R"(^(?<path>(?:/[[[:alnum:]]_%!$@:.,+~-]*)+)$)"}, "/var/lib/bacula_1/x.sql");
  EXPECT_EQ(u["path"], "/var/lib/bacula_1/x.sql");
  auto r = fields({R"(^a.?*LEN=(?<len>\d+).+*$)"}, "a b c LEN=40 x");  // Ruby: X?* and X+* are X*
  EXPECT_EQ(r["len"], "40");
  // A POSIX class inside a class keeps the class open: the %{...} after it is literal text.
  auto k = fields({R"(^(?<v>[[:digit:]%{}]+)$)"}, "12%{}3");
  EXPECT_EQ(k["v"], "12%{}3");
}

TEST(Grok, FirstMatchWinsAndUnanchoredSearch) {
  GrokMatcher m(set_of({"^%{INT:n:int}$", "user=%{USERNAME:user.name}"}));
  ASSERT_EQ(m.match("login user=alice ok"), GrokResult::Matched);
  EXPECT_EQ(m.which(), 1u);
  ASSERT_EQ(m.values().size(), 1u);
  EXPECT_EQ(m.values()[0].text, "alice");
  ASSERT_EQ(m.match("17"), GrokResult::Matched);
  EXPECT_EQ(m.which(), 0u);
  EXPECT_EQ(m.match("nothing here"), GrokResult::NoMatch);
  EXPECT_EQ(m.reason(), "none of the 2 patterns matched");
}

// Anchored patterns are passed over when the line's first byte cannot start them; what PCRE2
// says may start a match still does, in either case under (?i), and unanchored patterns are
// always tried.
TEST(Grok, FirstByteFilterKeepsEveryMatch) {
  GrokMatcher m(set_of({"^\\[%{INT:n:int}\\]", "(?i)^error %{WORD:w}", "^(?:a|%{INT:n:int})x", "tail$"}));
  ASSERT_EQ(m.match("[42] x"), GrokResult::Matched);
  EXPECT_EQ(m.which(), 0u);
  for (const char* line : {"ERROR disk", "error disk", "Error disk"}) {
    ASSERT_EQ(m.match(line), GrokResult::Matched) << line;
    EXPECT_EQ(m.which(), 1u) << line;
  }
  for (const char* line : {"ax", "7x"}) {
    ASSERT_EQ(m.match(line), GrokResult::Matched) << line;
    EXPECT_EQ(m.which(), 2u) << line;
  }
  ASSERT_EQ(m.match("head tail"), GrokResult::Matched);
  EXPECT_EQ(m.which(), 3u);
  EXPECT_EQ(m.match("bx"), GrokResult::NoMatch);
  const GrokSet& set = m.set();
  EXPECT_FALSE(set.patterns()[0]->may_start('x'));
  EXPECT_TRUE(set.patterns()[1]->may_start('E') && set.patterns()[1]->may_start('e'));
  EXPECT_TRUE(set.patterns()[3]->may_start('h'));  // unanchored: a match may start anywhere
}

TEST(Grok, OptionalAndEmptyCapturesAreLeftOut) {
  auto f = fields({"%{WORD:a}(?: %{INT:b})?(?<c>x?)"}, "hello");
  EXPECT_EQ(f.count("a"), 1u);
  EXPECT_EQ(f.count("b"), 0u);
  EXPECT_EQ(f.count("c"), 0u);
}

TEST(Grok, CommonPatternsMatchWhatTheyName) {
  EXPECT_EQ(fields({"%{IPV6:ip}"}, "addr 2001:db8::ff00:42:8329 up")["ip"], "2001:db8::ff00:42:8329");
  EXPECT_EQ(fields({"%{UUID:id}"}, "req 123e4567-e89b-12d3-a456-426614174000")["id"], "123e4567-e89b-12d3-a456-426614174000");
  EXPECT_EQ(fields({"%{TIMESTAMP_ISO8601:t}"}, "at 2024-03-01T12:30:45.123+01:00 x")["t"], "2024-03-01T12:30:45.123+01:00");
  EXPECT_EQ(fields({"%{HTTPDATE:t}"}, "[10/Oct/2000:13:55:36 -0700]")["t"], "10/Oct/2000:13:55:36 -0700");
  EXPECT_EQ(fields({"%{SYSLOGTIMESTAMP:t}"}, "Feb  5 17:32:18 host")["t"], "Feb  5 17:32:18");
  EXPECT_EQ(fields({"%{QUOTEDSTRING:q}"}, R"(say "a \"quoted\" word" now)")["q"], R"("a \"quoted\" word")");
  EXPECT_EQ(fields({"%{URI:u}"}, "see https://user@example.com:8443/a/b?x=1&y=2 now")["u"],
            "https://user@example.com:8443/a/b?x=1&y=2");
  EXPECT_EQ(fields({"%{PATH:p}"}, "open /var/log/nginx/access.log")["p"], "/var/log/nginx/access.log");
  EXPECT_EQ(fields({"%{LOGLEVEL:l}"}, "[WARNING] x")["l"], "WARNING");
  EXPECT_EQ(fields({"%{DAY:d} %{MONTH:m}"}, "Tue Mar 5")["m"], "Mar");
}

TEST(Grok, InvalidRegexNamesPatternAndColumn) {
  std::string e = error_of({"%{WORD:a} (unclosed"});
  EXPECT_NE(e.find("grok pattern '%{WORD:a} (unclosed'"), std::string::npos) << e;
  EXPECT_NE(e.find("column 19"), std::string::npos) << e;
  EXPECT_NE(e.find("missing closing parenthesis"), std::string::npos) << e;
  e = error_of({"ok %{INT:n:number}"});
  EXPECT_NE(e.find("type 'number' is not int or float"), std::string::npos) << e;
  EXPECT_NE(e.find("column 4"), std::string::npos) << e;
  e = error_of({"%{WORD"});
  EXPECT_NE(e.find("without a closing"), std::string::npos) << e;
}

TEST(Grok, UnknownNameGivesClosestNames) {
  std::string e = error_of({"%{IPV5:ip} %{WORD}"});
  EXPECT_NE(e.find("unknown pattern name 'IPV5'"), std::string::npos) << e;
  EXPECT_NE(e.find("closest: IPV4, IPV6"), std::string::npos) << e;
  EXPECT_NE(e.find("column 1"), std::string::npos) << e;
}

TEST(Grok, CyclesAndBadDefinitionsAreErrors) {
  GrokLibrary lib;
  lib.add_text("A x%{B}\nB y%{A}\nBAD (oops\n", "test");
  EXPECT_NE(error_of({"%{A}"}, lib).find("refers to itself"), std::string::npos);
  std::string e = error_of({"z %{BAD:f}"}, lib);
  EXPECT_NE(e.find("in the definition of %{BAD}"), std::string::npos) << e;
  EXPECT_NE(e.find("column 3"), std::string::npos) << e;
  EXPECT_THROW(lib.add_text("not-a-name x\n", "f"), GrokError);
  EXPECT_THROW(lib.add_text("ALONE\n", "f"), GrokError);
}

TEST(Grok, PatternsDirAddsAndOverridesDefinitions) {
  auto dir = std::filesystem::temp_directory_path() / ("ki_grok_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "app") << "# my patterns\nORDERID ORD-[0-9]{6}\r\nWORD [a-z]+\n\n";
  auto set = ki::make_grok_set({"%{ORDERID:order.id} %{WORD:w}"}, dir.string());
  GrokMatcher m(set);
  ASSERT_EQ(m.match("ORD-123456 Abc"), GrokResult::NoMatch);  // WORD is now lower-case only
  ASSERT_EQ(m.match("ORD-123456 abc"), GrokResult::Matched);
  EXPECT_EQ(m.values()[0].capture->field, "order.id");
  EXPECT_EQ(m.values()[0].text, "ORD-123456");
  EXPECT_THROW(ki::make_grok_set({"x"}, (dir / "missing").string()), GrokError);
  std::filesystem::remove_all(dir);
}

TEST(Grok, PathologicalLineHitsTheLimitInsteadOfHanging) {
  // Nested quantifiers on a line that almost matches: exponential backtracking.
  GrokMatcher m(set_of({"^(\\w+\\s?)+$"}));
  std::string line(40, 'a');
  line += " a a a a a a a a a a a a a a a a a a a a!";
  EXPECT_EQ(m.match(line), GrokResult::Limit);
  EXPECT_NE(m.reason().find("match limit"), std::string::npos) << m.reason();
  // The same matcher goes on with the next line.
  EXPECT_EQ(m.match("abc def"), GrokResult::Matched);
}

// Through the Parser: captures fill the record, the rest become typed fields; a multi-line
// event's trace goes to error.stack_trace; a line no pattern matches falls back or fails.
TEST(GrokParser, CapturesFillTheRecordAndFields) {
  ki::ParserConfig cfg;
  cfg.grok.patterns = {"%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:log.level} %{JAVACLASS:log.logger} "
                       "code=%{INT:http.response.status_code:int} t=%{NUMBER:took:float} %{GREEDYDATA:message}"};
  ki::Parser p(cfg);
  ki::Record r;
  std::string ev = "2024-03-01 12:00:00,250 ERROR com.acme.Svc code=503 t=0.25 boom\njava.lang.X: y\n\tat A.b(A.java:1)";
  ASSERT_EQ(p.parse(ev, r), ki::ParseStatus::Ok) << p.error_message();
  EXPECT_EQ(r.format, ki::Format::Grok);
  EXPECT_EQ(r.ts.epoch_ms(), 1709294400250);
  EXPECT_EQ(r.level, "ERROR");
  EXPECT_EQ(r.severity, 3);
  EXPECT_EQ(r.logger, "com.acme.Svc");
  EXPECT_EQ(r.message, "boom");
  EXPECT_EQ(r.status, 503);
  std::map<std::string, const ki::Field*> f;
  for (const auto& x : r.fields) f[std::string(x.name)] = &x;
  ASSERT_TRUE(f.count("http.response.status_code") && f.count("took") && f.count("error.stack_trace"));
  EXPECT_EQ(f["http.response.status_code"]->kind, ki::Field::Kind::Int);
  EXPECT_EQ(f["http.response.status_code"]->i, 503);
  EXPECT_EQ(f["took"]->kind, ki::Field::Kind::Float);
  EXPECT_DOUBLE_EQ(f["took"]->f, 0.25);
  EXPECT_EQ(f["error.stack_trace"]->text, "java.lang.X: y\n\tat A.b(A.java:1)");

  // A message that begins on the line after its record's (the capture empty there): the rest of
  // the event is the message, not a stack trace. Without a message capture: the whole event.
  ASSERT_EQ(p.parse("2024-03-01 12:00:00,250 ERROR com.acme.Svc code=500 t=1 \n\nDescription:\n\nNo bean.", r),
            ki::ParseStatus::Ok);
  EXPECT_EQ(r.message, "Description:\n\nNo bean.");
  for (const auto& x : r.fields) EXPECT_NE(x.name, "error.stack_trace");
  ki::ParserConfig bare;
  bare.grok.patterns = {"%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:log.level}"};
  ki::Parser q(bare);
  ASSERT_EQ(q.parse("2024-03-01 12:00:00 ERROR\nmore", r), ki::ParseStatus::Ok);
  EXPECT_EQ(r.message, "2024-03-01 12:00:00 ERROR\nmore");

  // No match: format auto goes on to the built-in formats; format grok fails with the reason.
  ASSERT_EQ(p.parse("<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - hi", r), ki::ParseStatus::Ok);
  EXPECT_EQ(r.format, ki::Format::Rfc5424);
  ASSERT_EQ(p.parse("nothing", r), ki::ParseStatus::Failed);
  EXPECT_EQ(p.error_message().rfind("grok: the pattern did not match; nor is it a built-in format (", 0), 0u)
      << p.error_message();
  cfg.format = ki::Format::Grok;
  ki::Parser only(cfg);
  ASSERT_EQ(only.parse("<34>1 2003-10-11T22:14:15.003Z mymachine su - ID47 - hi", r), ki::ParseStatus::Failed);
  EXPECT_EQ(only.error_message(), "grok: the pattern did not match");
}
