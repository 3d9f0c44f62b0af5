// Typed columns: same documents as the JSON encoder, nulls, dictionaries, type clashes, Arrow export.
#include <gtest/gtest.h>

#include <charconv>
#include <map>
#include <random>

#include <nlohmann/json.hpp>

#include "encode/arrow_export.h"
#include "encode/columns.h"
#include "encode/encoder.h"
#include "generate/generator.h"
#include "parse/parser.h"

using namespace ki;

namespace {

void add_line(ColumnTable& t, Parser& p, const Encoder& e, std::string_view line, std::string* json = nullptr) {
  Record rec;
  ASSERT_EQ(p.parse(line, rec), ParseStatus::Ok) << line;
  ColumnWriter w(t);
  e.encode(rec, w);
  if (json) {
    json->clear();
    e.encode(rec, *json);
  }
}

}  // namespace

TEST(Columns, RowsRebuildTheEncodersDocumentsForEveryFormatAndLayout) {
  for (Schema schema : {Schema::Ecs, Schema::KafkaInsight}) {
    for (Format f : {Format::ApacheCommon, Format::ApacheCombined, Format::ApacheError, Format::Rfc3164,
                     Format::Rfc5424, Format::Json}) {
      GeneratorConfig gc;
      gc.format = f;
      gc.seed = 9;
      Generator g(gc);
      ParserConfig pc;
      pc.default_year = 2024;
      Parser p(pc);
      Encoder e(EncoderConfig{schema, true});
      ColumnTable t;
      std::vector<std::string> want;
      std::string line, json;
      for (int i = 0; i < 200; ++i) {
        line.clear();
        g.next(line);
        add_line(t, p, e, line, &json);
        want.push_back(json);
      }
      t.finish();
      ASSERT_EQ(t.rows, 200u);
      for (size_t r = 0; r < t.rows; ++r) {
        std::string got;
        row_json(t, r, got);
        // One format per table: the key order is the encoder's too, so the text is identical.
        ASSERT_EQ(got, want[r]) << format_name(f) << " row " << r;
      }
    }
  }
}

TEST(Columns, MissingFieldsAreNullsAndMixedFormatsGiveTheUnion) {
  Parser p;
  Encoder e;
  ColumnTable t;
  add_line(t, p, e, R"(1.2.3.4 - bob [22/Apr/2018:09:30:00 +0200] "GET /a HTTP/1.1" 200 5)");
  add_line(t, p, e, "<34>1 2003-10-11T22:14:15.003Z host su - ID47 - boom");
  add_line(t, p, e, R"(5.6.7.8 - - [22/Apr/2018:09:30:01 +0000] "POST /b HTTP/1.1" 500 -)");
  t.finish();
  ASSERT_EQ(t.rows, 3u);
  auto col = [&](std::string_view path) -> const Column& {
    for (size_t n = 1; n < t.nodes.size(); ++n)
      if (t.nodes[n].col >= 0 && t.path(static_cast<int>(n)) == path) return t.cols[t.nodes[n].col];
    ADD_FAILURE() << "no column " << path;
    static Column none;
    return none;
  };
  const Column& status = col("http.response.status_code");
  EXPECT_EQ(status.type, ColType::Int);
  EXPECT_TRUE(status.is_valid(0));
  EXPECT_FALSE(status.is_valid(1));
  EXPECT_EQ(status.ints[2], 500);
  EXPECT_EQ(status.nulls, 1u);
  const Column& bytes = col("http.response.body.bytes");
  EXPECT_TRUE(bytes.is_valid(0));
  EXPECT_FALSE(bytes.is_valid(2));  // '-' is no value
  const Column& pri = col("log.syslog.priority");  // first written after a null row
  EXPECT_FALSE(pri.is_valid(0));
  EXPECT_TRUE(pri.is_valid(1));
  EXPECT_EQ(pri.ints[1], 34);
  EXPECT_FALSE(pri.is_valid(2));
  const Column& host = col("host.hostname");
  EXPECT_FALSE(host.is_valid(0));
  EXPECT_EQ(host.str(1), "host");
  const Column& method = col("http.request.method");
  EXPECT_EQ(method.type, ColType::Dict);
  EXPECT_EQ(method.dict_size(), 2u);
  EXPECT_EQ(method.str(method.codes[2]), "POST");
  const Column& ts = col("@timestamp");
  EXPECT_EQ(ts.type, ColType::Timestamp);
  EXPECT_EQ(ts.ints[0], 1524382200LL * 1000000000LL);  // 09:30 +02:00 = 07:30 UTC
  EXPECT_EQ(ts.ts_offset[0], 120);
  EXPECT_EQ(ts.ints[1], 1065910455003000000LL);
  std::string doc;
  row_json(t, 1, doc);
  EXPECT_EQ(doc.find("http"), std::string::npos);  // a syslog row has no access fields
  EXPECT_NE(doc.find("\"@timestamp\":\"2003-10-11T22:14:15.003Z\""), std::string::npos);
}

namespace {
Field str_field(std::string_view name, std::string_view v) { return Field{name, Field::Kind::String, v}; }
Field int_field(std::string_view name, int64_t v) {
  Field f{name, Field::Kind::Int};
  f.i = v;
  return f;
}
}  // namespace

TEST(Columns, AValueOfAnotherTypeTurnsTheColumnToTextAndLosesNothing) {
  ColumnTable t;
  ColumnWriter w(t);
  w.add(int_field("v", 42));
  w.add(str_field("c", "x"), true);
  w.add(int_field("n", 5));
  w.end_row();
  w.add(str_field("v", "n/a"));
  Field b{"c", Field::Kind::Bool};
  b.b = true;
  w.add(b);
  Field f{"n", Field::Kind::Float, "5.5"};
  f.f = 5.5;
  w.add(f);
  w.end_row();
  w.end_row();
  t.finish();
  const Column& v = t.cols[t.nodes[t.child(0, "v")].col];
  EXPECT_EQ(v.type, ColType::String);
  EXPECT_EQ(v.str(0), "42");
  EXPECT_EQ(v.str(1), "n/a");
  EXPECT_FALSE(v.is_valid(2));
  const Column& c = t.cols[t.nodes[t.child(0, "c")].col];
  EXPECT_EQ(c.str(0), "x");
  EXPECT_EQ(c.str(1), "true");
  const Column& n = t.cols[t.nodes[t.child(0, "n")].col];  // 5 then 5.5: numbers
  EXPECT_EQ(n.type, ColType::Float);
  EXPECT_EQ(n.floats[0], 5.0);
  EXPECT_EQ(n.floats[1], 5.5);
}

TEST(Columns, InputFieldsNestByDottedNameAndRebuildTheEncodersDocument) {
  Parser p;
  Encoder e;
  Record rec;
  ASSERT_EQ(p.parse(R"(1.2.3.4 - bob [22/Apr/2018:09:30:00 +0200] "GET /a HTTP/1.1" 200 5)", rec), ParseStatus::Ok);
  Field ratio{"app.ratio", Field::Kind::Float, "0.25"};
  ratio.f = 0.25;
  rec.fields = {int_field("app.user.id", 7), Field{"tags", Field::Kind::Json, "[1,2]"}, ratio,
                str_field("http.response.status_code", "shadowed")};  // collides: renamed by the encoder
  std::string json;
  e.encode(rec, json);
  ColumnTable t;
  ColumnWriter w(t);
  e.encode(rec, w);
  t.finish();
  std::string got;
  row_json(t, 0, got);
  EXPECT_EQ(got, json);
  EXPECT_NE(json.find("\"renamed\""), std::string::npos);
  EXPECT_EQ(t.cols[t.nodes[t.child(0, "tags")].col].type, ColType::Json);
}

TEST(Columns, InvalidUtf8IsRepairedAsInJsonAndFarTimestampsStayInRecords) {
  ColumnTable t;
  ColumnWriter w(t);
  Timestamp far;
  far.epoch_sec = 253402300799;  // 9999-12-31T23:59:59Z: beyond timestamp[ns]
  far.valid = true;
  w.add_time("@timestamp", far);
  w.add(str_field("s", "a\xff" "b"));
  w.add(str_field("d", "\xc3"), true);
  w.end_row();
  t.finish();
  const Column& s = t.cols[1];
  EXPECT_EQ(s.str(0), "a\xEF\xBF\xBD" "b");
  std::string doc;
  row_json(t, 0, doc);
  EXPECT_EQ(doc, "{\"@timestamp\":\"9999-12-31T23:59:59Z\",\"s\":\"a\xEF\xBF\xBD" "b\",\"d\":\"\xEF\xBF\xBD\"}");
  const Column& ts = t.cols[0];
  EXPECT_FALSE(ts.is_valid(0));  // null in Arrow
  EXPECT_EQ(ts.nulls, 1u);
}

TEST(Columns, LargeDictionariesStayCorrectAndTurnToTextPastTheLimit) {
  ColumnTable t;
  ColumnWriter w(t);
  std::vector<std::string> vals;
  for (int i = 0; i < 5000; ++i) vals.push_back("v" + std::to_string(i));
  for (int i = 0; i < 5000; ++i) {
    w.add(str_field("k", vals[i % 100]), true);
    w.end_row();
  }
  t.finish();
  const Column& k = t.cols[0];
  EXPECT_EQ(k.type, ColType::Dict);
  EXPECT_EQ(k.dict_size(), 100u);
  EXPECT_EQ(k.str(k.codes[4321]), "v21");
  ColumnTable u;
  ColumnWriter x(u);
  for (int i = 0; i < 5000; ++i) {
    x.add(str_field("k", vals[i]), true);
    x.end_row();
  }
  u.finish();
  EXPECT_EQ(u.cols[0].type, ColType::String);
  EXPECT_EQ(u.cols[0].str(4999), "v4999");
  EXPECT_EQ(u.cols[0].str(7), "v7");
}

TEST(Columns, ArrowExportDescribesEveryColumnAndReleasesCleanly) {
  auto t = std::make_shared<ColumnTable>();
  Parser p;
  Encoder e;
  add_line(*t, p, e, R"(1.2.3.4 - bob [22/Apr/2018:09:30:00 +0200] "GET /a HTTP/1.1" 200 5)");
  add_line(*t, p, e, "<34>1 2003-10-11T22:14:15.003Z host su - ID47 - boom");
  t->finish();
  ArrowSchema s;
  ArrowArray a;
  export_arrow(t, true, &s, &a);
  EXPECT_STREQ(s.format, "+s");
  EXPECT_EQ(a.length, 2);
  ASSERT_EQ(s.n_children, a.n_children);
  std::map<std::string, std::string> formats;
  for (int64_t i = 0; i < s.n_children; ++i) {
    formats[s.children[i]->name] = s.children[i]->format;
    EXPECT_EQ(a.children[i]->length, 2);
  }
  EXPECT_EQ(formats["@timestamp"], "tsn:UTC");
  EXPECT_EQ(formats["http.response.status_code"], "l");
  EXPECT_EQ(formats["http.request.method"], "i");  // dictionary indices
  EXPECT_EQ(formats["source.ip"], "U");
  EXPECT_EQ(formats["kafkainsight.anonymous"], "b");
  s.release(&s);
  a.release(&a);
  EXPECT_EQ(s.release, nullptr);
  ArrowSchema ns;
  ArrowArray na;
  export_arrow(t, false, &ns, &na);
  std::map<std::string, int64_t> top;
  for (int64_t i = 0; i < ns.n_children; ++i) top[ns.children[i]->name] = na.children[i]->null_count;
  EXPECT_EQ(top["http"], 1);  // the syslog row has no http object
  EXPECT_EQ(top["host"], 1);
  ns.release(&ns);
  na.release(&na);
}

TEST(Columns, JsonDocumentsBecomeRowsWithNestedNamesAndTypes) {
  ColumnTable t;
  ColumnWriter w(t);
  std::string err;
  int extra = 0;
  ASSERT_TRUE(add_json_document(w, R"({"@timestamp":"2024-01-02T03:04:05.5Z","http":{"request":{"method":"GET"},"response":{"status_code":200}},"tags":["a"],"n":1.5,"ok":true,"z":null})", err, [&] { ++extra; }));
  EXPECT_FALSE(add_json_document(w, "not json", err));
  EXPECT_FALSE(add_json_document(w, "[1]", err));
  EXPECT_EQ(err, "not a JSON object");
  t.finish();
  EXPECT_EQ(t.rows, 1u);
  EXPECT_EQ(extra, 1);
  std::string doc;
  row_json(t, 0, doc);
  EXPECT_EQ(doc, R"({"@timestamp":"2024-01-02T03:04:05.5Z","http":{"request":{"method":"GET"},"response":{"status_code":200}},"tags":["a"],"n":1.5,"ok":true,"z":null})");  // the null kept, as written
}

// An epoch number in a time field is a time, as the same digits written as text are; past int64
// too (found by fuzz_json_rows: it stayed text, which read back as a time, another row).
TEST(Columns, EpochNumbersInTimeFieldsAreTimes) {
  for (const char* d : {R"({"@timestamp":1733400000123})", R"({"@timestamp":"1733400000123"})",
                        R"({"@timestamp":9223372345678901234})", R"({"event":{"ingested":1733400000.5}})",
                        R"({"@timestamp":0e40783})", R"({"@timestamp":17334000005E-1})"}) {
    ColumnTable t;
    std::string err, once, twice;
    {
      ColumnWriter w(t);
      ASSERT_TRUE(add_json_document(w, d, err)) << err;
    }
    t.finish();
    ASSERT_EQ(t.cols.size(), 1u);
    EXPECT_EQ(t.cols[0].type, ColType::Timestamp) << d;
    row_json(t, 0, once);
    ColumnTable t2;
    {
      ColumnWriter w2(t2);
      ASSERT_TRUE(add_json_document(w2, once, err)) << err;
    }
    t2.finish();
    row_json(t2, 0, twice);
    EXPECT_EQ(once, twice) << d;
  }
  ColumnTable t;
  std::string err, doc;
  {
    ColumnWriter w(t);
    ASSERT_TRUE(add_json_document(w, R"({"@timestamp":true,"n":9223372345678901234})", err)) << err;
  }
  t.finish();
  row_json(t, 0, doc);
  EXPECT_EQ(doc, R"({"@timestamp":true,"n":"9223372345678901234"})");  // no time; other fields as before
}

// Rows whose shapes alternate (optional fields and objects come and go row by row) go through
// the writer's remembered paths and its slow path in turn: every row must still rebuild as
// its own document, objects present exactly where the row had them.
TEST(Columns, RowsOfAlternatingShapesKeepTheirOwnFieldsAndObjects) {
  const char* shapes[] = {
      R"({"a":1,"b":{"c":2,"d":{"e":3}},"f":"x"})",
      R"({"a":1,"f":"y"})",
      R"({"a":1,"b":{"d":{"e":4}},"f":"z"})",
      R"({"b":{"c":5},"g":{"h":{"i":true}}})",
      R"({"a":2,"g":{"h":{"i":false}},"f":"w"})",
  };
  const int order[] = {0, 1, 0, 2, 1, 3, 3, 4, 0, 4, 2, 1};
  ColumnTable t;
  ColumnWriter w(t);
  std::string err;
  std::vector<int> rows;
  for (int rep = 0; rep < 20; ++rep)
    for (int k : order) {
      ASSERT_TRUE(add_json_document(w, shapes[k], err)) << err;
      rows.push_back(k);
    }
  t.finish();
  ASSERT_EQ(t.rows, rows.size());
  for (size_t r = 0; r < t.rows; ++r) {
    std::string got;
    row_json(t, r, got);
    EXPECT_EQ(nlohmann::json::parse(got), nlohmann::json::parse(shapes[rows[r]])) << "row " << r;
  }
}

// The row count a table is sized for is a guess (read_logs: from the file sizes); a guess far
// too low or too high changes nothing in the table.
TEST(Columns, AWrongGuessOfTheRowCountChangesNothing) {
  std::vector<std::string> docs;
  for (size_t expect : {size_t{0}, size_t{3}, size_t{300}, size_t{1} << 20}) {
    GeneratorConfig gc;
    gc.format = Format::ApacheCombined;
    gc.seed = 5;
    gc.start_epoch_sec = 1700000000;  // not "now": the four tables must hold the same lines
    Generator g(gc);
    Parser p(ParserConfig{});
    Encoder e(EncoderConfig{Schema::Ecs, false});
    ColumnTable t;
    t.expect_rows = expect;
    std::string line;
    for (int i = 0; i < 300; ++i) {
      line.clear();
      g.next(line);
      add_line(t, p, e, line);
    }
    t.finish();
    std::string all;
    for (size_t r = 0; r < t.rows; ++r) {
      row_json(t, r, all);
      all.push_back('\n');
    }
    docs.push_back(all);
  }
  for (size_t i = 1; i < docs.size(); ++i) EXPECT_EQ(docs[i], docs[0]);
}

// A null the input wrote is kept for records and docs (None / null, as json.loads gives), and is a
// null in Arrow; a column whose first rows are such nulls still holds the values written later.
TEST(Columns, NullsTheInputWroteAreKeptAndAColumnOfNullsTakesTheTypeOfItsFirstValue) {
  ColumnTable t;
  ColumnWriter w(t);
  std::string err;
  for (const char* doc : {R"({"u":null,"o":{"a":null}})", R"({"u":"bob","o":{"a":2}})", R"({"u":null})", R"({})"})
    ASSERT_TRUE(add_json_document(w, doc, err)) << err;
  t.finish();
  std::vector<std::string> got(t.rows);
  for (size_t r = 0; r < t.rows; ++r) row_json(t, r, got[r]);
  EXPECT_EQ(got, (std::vector<std::string>{R"({"u":null,"o":{"a":null}})", R"({"u":"bob","o":{"a":2}})",
                                           R"({"u":null})", R"({})"}));
  const Column& u = t.cols[t.nodes[t.child(0, "u")].col];
  EXPECT_EQ(u.type, ColType::String);
  EXPECT_EQ(u.nulls, 3u);
  EXPECT_EQ(u.str(1), "bob");
  const Column& a = t.cols[t.nodes[t.child(t.child(0, "o"), "a")].col];
  EXPECT_EQ(a.type, ColType::Int);
  EXPECT_EQ(a.ints[1], 2);
}

TEST(Columns, NumbersInAColumnTurnedToTextKeepTheirTextAsWrittenWhicheverCameFirst) {
  // (text as written, value, integer?) as the JSON parsers give them
  struct N { const char* text; double f; bool is_int; };
  const N nums[] = {{"1.0", 1.0, false}, {"5.50", 5.5, false}, {"-0.0", -0.0, false}, {"1E5", 1e5, false},
                    {"2.5", 2.5, false}, {"1000000", 1e6, true}, {"9007199254740993", 9007199254740992.0, true}};
  auto build = [&](bool text_first) {
    ColumnTable t;
    auto put = [&](const N& n) {
      ColumnWriter w(t);
      Field f{"v", n.is_int ? Field::Kind::Int : Field::Kind::Float, n.text};
      if (n.is_int) f.i = std::stoll(n.text); else f.f = n.f;
      w.add(f);
      w.end_row();
    };
    if (text_first) {
      ColumnWriter w(t);
      w.add(str_field("v", "n/a"));
      w.end_row();
    }
    put(nums[5]);  // an integer first: the column is Int, then Float, then text
    for (const N& n : nums)
      if (&n != &nums[5]) put(n);
    if (!text_first) {
      ColumnWriter w(t);
      w.add(str_field("v", "n/a"));
      w.end_row();
    }
    t.finish();
    std::vector<std::string> out;
    const Column& c = t.cols[t.nodes[t.child(0, "v")].col];
    EXPECT_EQ(c.type, ColType::String);
    for (size_t r = 0; r < c.len; ++r) out.emplace_back(c.str(r));
    if (text_first) out.erase(out.begin()); else out.pop_back();
    return out;
  };
  const std::vector<std::string> want = {"1000000", "1.0", "5.50", "-0.0", "1E5", "2.5", "9007199254740993"};
  EXPECT_EQ(build(false), want);
  EXPECT_EQ(build(true), want);
}

// Numbers a double cannot hold (a 128-bit id, 1e400) are JSON all the same: the document is a
// row, the number exact as text, as for application JSON lines; what is not JSON adds no row,
// not even part of one.
TEST(Columns, JsonDocumentsKeepNumbersPastDoubleExactAndAddNothingOfABrokenOne) {
  ColumnTable t;
  ColumnWriter w(t);
  std::string err;
  ASSERT_TRUE(add_json_document(w, R"({"id": 123456789012345678901234, "x": 1e400, "u": 18446744073709551615, "r": 2.50, "a": [1, 123456789012345678901234, {"y": 1e400}], "n": -7})", err)) << err;
  for (const char* bad : {R"({"a": 1, "b": 01})", R"({"a": 1, "b": [1, 2,]})", R"({"a": 1, "b": [1.]})",
                          R"({"a": 1} trailing)", R"({"a": "unterminated)"}) {
    EXPECT_FALSE(add_json_document(w, bad, err)) << bad;
    EXPECT_EQ(err.rfind("not JSON", 0), 0u) << bad << ": " << err;
  }
  t.finish();
  ASSERT_EQ(t.rows, 1u);
  auto col = [&](const char* name) -> const Column& { return t.cols[t.nodes[t.child(0, name)].col]; };
  EXPECT_EQ(col("id").type, ColType::String);
  EXPECT_EQ(col("id").str(0), "123456789012345678901234");
  EXPECT_EQ(col("x").str(0), "1e400");
  EXPECT_EQ(col("u").str(0), "18446744073709551615");
  EXPECT_EQ(col("r").type, ColType::Float);
  EXPECT_EQ(col("r").floats[0], 2.5);
  EXPECT_EQ(col("a").type, ColType::Json);
  EXPECT_EQ(col("a").str(0), R"([1,123456789012345678901234,{"y":1e400}])");
  EXPECT_EQ(col("n").ints[0], -7);
  for (const ColumnNode& n : t.nodes) EXPECT_NE(n.name, "b") << "a broken document left part of a row";
  EXPECT_EQ(t.cols.size(), 6u);
}

// A search page with such a number in one hit's _source: every hit a row, the page not refused.
TEST(Columns, SearchPagesTakeEveryHitWhateverItsNumbers) {
  const std::string page =
      R"({"_scroll_id":"abc","took":1,"hits":{"total":{"value":2,"relation":"eq"},"max_score":1.0,"hits":[)"
      R"({"_index":"logs","_id":"1","_score":1.0,"_source":{"trace":123456789012345678901234,"n":1}},)"
      R"({"_source":{"n":2.50},"_id":"2","_index":"logs"}]}})";
  SearchPage info;
  std::string err;
  EXPECT_EQ(search_page_info(page, info, err), 2u) << err;
  EXPECT_EQ(info.scroll_id, "abc");
  EXPECT_EQ(info.total, 2);
  ColumnTable t;
  ColumnWriter w(t);
  SearchPage p2;
  ASSERT_EQ(add_search_hits(w, page, p2, err), 2u) << err;
  EXPECT_TRUE(err.empty()) << err;
  t.finish();
  std::string doc;
  row_json(t, 1, doc);  // _index and _id first, whatever order the hit wrote them in
  EXPECT_EQ(doc, R"({"_index":"logs","_id":"2","n":2.5})");
  row_json(t, 0, doc = {});
  EXPECT_EQ(doc, R"({"_index":"logs","_id":"1","trace":"123456789012345678901234","n":1.0})");  // a float column
  EXPECT_EQ(search_page_info(R"({"hits":{"total":0}})", info, err), 0u);
  EXPECT_TRUE(err.empty()) << err;
  EXPECT_EQ(search_page_info(R"({"took":1})", info, err), 0u);
  EXPECT_EQ(err, "search response has no hits");
  err.clear();
  EXPECT_EQ(search_page_info("<html>", info, err), 0u);
  EXPECT_EQ(err.rfind("search response is not JSON", 0), 0u) << err;
}

// The shortcut that spares a to_chars per float may only say "as written" when to_chars agrees.
TEST(Columns, ShortestFormSaysYesOnlyWhenToCharsWritesTheSameText) {
  std::mt19937_64 rng(7);
  size_t yes = 0;
  for (int k = 0; k < 200000; ++k) {
    std::string t = (rng() & 1) ? "-" : "";
    const int int_digits = static_cast<int>(rng() % 14), frac_digits = static_cast<int>(rng() % 16);
    t += (int_digits == 0) ? "0" : std::to_string(1 + rng() % 9);
    for (int i = 1; i < int_digits; ++i) t += static_cast<char>('0' + rng() % 10);
    if (frac_digits) {
      t += '.';
      for (int i = 0; i < frac_digits; ++i) t += static_cast<char>('0' + (rng() % 4 == 0 ? 0 : rng() % 10));
    }
    const double v = std::strtod(t.c_str(), nullptr);
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v);
    const bool same = std::string_view(buf, static_cast<size_t>(r.ptr - buf)) == t;
    if (shortest_form(t)) {
      ++yes;
      ASSERT_TRUE(same) << t << " -> " << std::string_view(buf, static_cast<size_t>(r.ptr - buf));
    }
  }
  EXPECT_GT(yes, 50000u);  // the common case is taken
  for (const char* t : {"1.0", "5.50", "-0.0", "1E5", "0.0001", "1e-7", "01.5", "1.", ".5", "12345678901234567.5"})
    EXPECT_FALSE(shortest_form(t)) << t;
  for (const char* t : {"0.5", "-0.001", "123.456", "47.12345", "0.1"}) EXPECT_TRUE(shortest_form(t)) << t;
}

// Column::keep_int_text skips integers below 2^53 without a trailing zero: their digits are
// to_chars' text of the double. Checked here on random integers of every length.
TEST(Columns, IntegersWithoutATrailingZeroBelow2To53AreTheDoublesShortestText) {
  std::mt19937_64 rng(11);
  for (int k = 0; k < 200000; ++k) {
    int64_t v = static_cast<int64_t>(rng() >> (11 + rng() % 53));  // below 2^53, any length
    if (rng() & 1) v = -v;
    if (v % 10 == 0) continue;
    char a[32], b[32];
    auto ra = std::to_chars(a, a + sizeof a, v);
    auto rb = std::to_chars(b, b + sizeof b, static_cast<double>(v));
    ASSERT_EQ(std::string_view(a, static_cast<size_t>(ra.ptr - a)), std::string_view(b, static_cast<size_t>(rb.ptr - b)));
  }
}
