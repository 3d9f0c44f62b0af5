// Multi-line events: start pattern, presets, bounds, line numbers, and the checkpoint window
// that keeps --resume exact across events.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "parse/grok.h"
#include "pipeline/checkpoint.h"
#include "source/multiline.h"

using ki::MultilineConfig;
using ki::MultilineJoiner;

namespace {

struct Ev {
  std::string text;
  uint64_t first, last;
  uint32_t lines;
  bool capped;
};

std::vector<Ev> join(const MultilineConfig& cfg, const std::vector<std::string>& lines) {
  MultilineJoiner j(cfg);
  std::vector<Ev> out;
  auto take = [&] { out.push_back({std::string(j.event().text), j.event().first_line, j.event().last_line, j.event().lines, j.event().capped}); };
  uint64_t n = 0;
  for (const auto& l : lines)
    if (j.push(l, ++n)) take();
  if (j.flush()) take();
  return out;
}

}  // namespace

TEST(Multiline, StartPatternJoinsContinuationLines) {
  MultilineConfig c;
  c.start = "^%{TIMESTAMP_ISO8601} ";
  auto ev = join(c, {"2024-01-01 10:00:00 INFO up", "2024-01-01 10:00:01 ERROR boom", "java.lang.X: y",
                     "\tat a.b(C.java:1)", "2024-01-01 10:00:02 INFO ok"});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].text, "2024-01-01 10:00:00 INFO up");
  EXPECT_EQ(ev[1].text, "2024-01-01 10:00:01 ERROR boom\njava.lang.X: y\n\tat a.b(C.java:1)");
  EXPECT_EQ(ev[1].first, 2u);
  EXPECT_EQ(ev[1].last, 4u);
  EXPECT_EQ(ev[1].lines, 3u);
  EXPECT_EQ(ev[2].first, 5u);
}

TEST(Multiline, OffIsOneEventPerLine) {
  auto ev = join(MultilineConfig{}, {"a", "  b", ""});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].text, "  b");
  EXPECT_EQ(ev[2].first, 3u);
}

TEST(Multiline, JavaPresetJoinsCausesAndTrailingBlankLine) {
  MultilineConfig c;
  c.preset = "java";
  auto ev = join(c, {"2024-01-01 10:00:01.123 SEVERE Main failed", "java.lang.IllegalStateException: outer",
                     "\tat Main.run(Main.java:10)", "Caused by: java.io.IOException: inner", "\tat Main.io(Main.java:20)",
                     "\t... 1 more", "", "2024-01-01 10:00:02.000 INFO Main next"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].lines, 7u);  // the blank line after the trace is counted with it...
  EXPECT_EQ(ev[0].text.substr(ev[0].text.size() - 11), "\t... 1 more");  // ...but not kept
  EXPECT_EQ(ev[1].first, 8u);
}

TEST(Multiline, PythonPresetJoinsChainedTraceback) {
  MultilineConfig c;
  c.preset = "python";
  auto ev = join(c, {"2024-01-01 10:00:01,123 ERROR app failed", "Traceback (most recent call last):",
                     "  File \"a.py\", line 1, in f", "    g()", "KeyError: 'x'", "",
                     "During handling of the above exception, another exception occurred:", "",
                     "Traceback (most recent call last):", "  File \"a.py\", line 3, in h", "app.PaymentFailed: card",
                     "2024-01-01 10:00:02,000 INFO app next"});
  ASSERT_EQ(ev.size(), 2u);
  EXPECT_EQ(ev[0].lines, 11u);
  EXPECT_NE(ev[0].text.find("KeyError: 'x'"), std::string::npos);
  EXPECT_EQ(ev[0].text.substr(ev[0].text.size() - 23), "app.PaymentFailed: card");
  EXPECT_EQ(ev[1].text, "2024-01-01 10:00:02,000 INFO app next");
}

TEST(Multiline, GoPresetJoinsZapTracesAndPanics) {
  MultilineConfig c;
  c.preset = "go";
  auto ev = join(c, {"2023-10-06T06:58:10Z\tERROR\tReconciler error\t{\"controller\": \"foo\"}",
                     "sigs.k8s.io/controller-runtime/pkg/internal/controller.(*Controller).reconcileHandler",
                     "\t/go/pkg/mod/sigs.k8s.io/controller-runtime@v0.16.2/pkg/internal/controller/controller.go:329",
                     "main.main.func1()", "\t/app/main.go:12 +0x1d",
                     "2023-10-06T06:58:11Z\tINFO\tnext",
                     "panic: runtime error: index out of range [5] with length 3", "",
                     "goroutine 1 [running]:", "main.(*Server).Serve[...](0xc000010000, {0x4b2f60, 0x1})",
                     "\t/app/server.go:42 +0x65", "created by main.main in goroutine 1", "\t/app/main.go:9 +0x25",
                     "exit status 2"});
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[0].lines, 5u);
  EXPECT_EQ(ev[1].text, "2023-10-06T06:58:11Z\tINFO\tnext");
  EXPECT_EQ(ev[2].lines, 7u);  // the panic, its blank line, goroutine, frames, "created by"
  EXPECT_EQ(ev[3].text, "exit status 2");
}

TEST(Multiline, NodePresetJoinsAnUncaughtExceptionsReport) {
  MultilineConfig c;
  c.preset = "node";
  auto ev = join(c, {"{\"level\":30,\"msg\":\"up\"}", "/app/server.js:2",
                     "function load(cfg) { return cfg.db.host; }", "                                   ^", "",
                     "TypeError: Cannot read properties of undefined (reading 'host')",
                     "    at load (/app/server.js:2:36)", "", "Node.js v20.20.2",
                     "Error: x", "    at f (/app/a.js:1:1) {", "  [cause]: Error: y", "}",
                     "app.js:3 is a log line"});
  ASSERT_EQ(ev.size(), 4u);
  EXPECT_EQ(ev[1].lines, 8u);  // location, source, caret, blank, error line, frame, blank, version
  EXPECT_EQ(ev[2].lines, 4u);  // an error and its frames, its cause, the closing brace
  EXPECT_EQ(ev[3].text, "app.js:3 is a log line");  // (a location line has nothing after the number)
}

TEST(Multiline, BoundsStartTheNextEventAndLoseNothing) {
  MultilineConfig c;
  c.start = "^S";
  c.max_lines = 3;
  auto ev = join(c, {"S1", "c", "c", "c", "c", "S2"});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].lines, 3u);
  EXPECT_TRUE(ev[0].capped);
  EXPECT_EQ(ev[1].text, "c\nc");
  EXPECT_EQ(ev[1].first, 4u);
  c.max_lines = 100;
  c.max_bytes = 10;
  ev = join(c, {"S123", "abcd", "efgh", "S2"});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[0].text, "S123\nabcd");
  EXPECT_EQ(ev[1].text, "efgh");
}

TEST(Multiline, InvalidStartPatternAndUnknownPreset) {
  MultilineConfig c;
  c.start = "^(oops";
  try {
    MultilineJoiner j(c);
    FAIL() << "no error";
  } catch (const ki::GrokError& e) {
    EXPECT_NE(std::string(e.what()).find("--multiline-start"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("column"), std::string::npos);
  }
  MultilineConfig d;
  d.preset = "cobol";
  EXPECT_THROW(MultilineJoiner j(d), std::invalid_argument);
}

TEST(AckWindow, EventIsDoneWhenItsLastLineIs) {
  ki::AckWindow w;
  w.sent(1, 3, true);  // lines 1-3: one event
  w.sent(4, true);
  w.sent(5, 6, true);
  w.acked(6, true);
  EXPECT_EQ(w.committed(), 0u);
  w.acked(3, true);
  EXPECT_EQ(w.committed(), 3u);
  w.acked(4, true);
  EXPECT_EQ(w.committed(), 6u);
  ki::AckWindow f;
  f.sent(1, 2, true);
  f.acked(2, false);  // a failed event holds its first line back too
  EXPECT_EQ(f.committed(), 0u);
  EXPECT_TRUE(f.blocked());
}

// A record line that ends where its message would start (Spring Boot's reports: "… : " then
// "\n\n***…"): the unindented lines after it belong to it until a line starts as a record does.
TEST(Multiline, JavaPresetMessageBegunOnTheNextLine) {
  MultilineConfig c;
  c.preset = "java";
  const std::vector<std::string> lines = {
      "2026-12-06T13:19:27.534Z  INFO 31384 --- [main] .s.b.a.l.ConditionEvaluationReportLogger : ",
      "",
      "Error starting ApplicationContext. To display the condition evaluation report re-run your application with 'debug' enabled.",
      "2026-12-06T13:19:27.548Z ERROR 31384 --- [main] o.s.b.d.LoggingFailureAnalysisReporter   : ",
      "",
      "***************************",
      "APPLICATION FAILED TO START",
      "***************************",
      "",
      "Description:",
      "",
      "8080 was already in use.",  // digits, but no time: text
      "",
      "Action:",
      "",
      "Identify and stop the process that's listening on port 8080.",
      "",
      "[2026-12-06 13:19:28,000] INFO next (a record)",
      "plain line",  // its record's message was on its line: a line of its own
      "06-Dec-2026 13:19:29.000 INFO [main] Tomcat",
      "Logback - ",
      "text after a record line ending in \" - \"",
      "13:19:30.000 [main] INFO x - y"};
  auto ev = join(c, lines);
  ASSERT_EQ(ev.size(), 7u);
  EXPECT_EQ(ev[0].lines, 3u);
  EXPECT_EQ(ev[1].lines, 14u);
  EXPECT_TRUE(ev[1].text.ends_with("\n\nIdentify and stop the process that's listening on port 8080.")) << ev[1].text;
  EXPECT_EQ(ev[2].text, "[2026-12-06 13:19:28,000] INFO next (a record)");
  EXPECT_EQ(ev[3].text, "plain line");
  EXPECT_EQ(ev[4].text, "06-Dec-2026 13:19:29.000 INFO [main] Tomcat");
  EXPECT_EQ(ev[5].lines, 2u);
  EXPECT_EQ(ev[6].text, "13:19:30.000 [main] INFO x - y");
  // Other presets keep their own rules.
  c.preset = "python";
  EXPECT_EQ(join(c, {"2026-12-06 INFO x: ", "Description:"}).size(), 2u);
}

// Node.js: an error's stack right under a log record's line (a logger printing err.stack) joins it;
// under an event of more lines, or with no record line above, it starts its own.
TEST(Multiline, NodePresetJoinsAnErrorUnderALogLine) {
  MultilineConfig c;
  c.preset = "node";
  auto ev = join(c, {"2026-12-06T13:26:44.644Z [error]: request failed", "TypeError: Cannot read properties of null",
                     "    at f (/app/a.js:6:12)", "2026-12-06T13:26:44.645Z [error]: late header",
                     "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers", "    at g (node:_http_outgoing:655:11)",
                     "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers", "    at g (node:_http_outgoing:655:11)",
                     "plain words", "RangeError: not under a record", "    at h (/app/a.js:1:1)"});
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].lines, 3u);
  EXPECT_EQ(ev[1].lines, 3u);
  EXPECT_EQ(ev[2].text, "Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers\n    at g (node:_http_outgoing:655:11)");
  EXPECT_EQ(ev[3].text, "plain words");
  EXPECT_EQ(ev[4].lines, 2u);
  // Not an error's first line: "Errors: 3", "error: x", "MyError:x".
  for (const char* l : {"Errors: 3", "error: lower case", "MyError:x"})
    EXPECT_EQ(join(c, {"2026-12-06T13:26:44.644Z [info]: x", l}).size(), 2u) << l;
}

// Node.js: an error's message on the lines below its own (assert's "…strictly equal:" and its
// diff) joins it up to the first frame; thrown in Node.js's own modules ("node:assert:90",
// "node:events:502"), the report is one event too. A line that does not end with ':' opens no
// message, and a record's line ending with ':' only when it ends with an error's.
TEST(Multiline, NodePresetJoinsAnErrorsMessageOverLines) {
  MultilineConfig c;
  c.preset = "node";
  auto ev = join(c, {"node:assert:90", "  throw new AssertionError(obj);", "  ^", "",
                     "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:", "", "1 !== 2", "",
                     "    at Object.<anonymous> (/app/a.js:3:8)", "}", "", "Node.js v20.20.2",
                     "2026-12-06T16:05:12.561Z ERROR check failed: AssertionError [ERR_ASSERTION]: Expected values to be strictly deep-equal:",
                     "+ actual - expected", "", "  {", "+   a: 1", "-   a: 2", "  }", "    at Object.<anonymous> (/app/b.js:2:14)",
                     "after the frames", "2026-12-06T16:05:12.567Z [error]: x", "AssertionError [ERR_ASSERTION]: The expression evaluated to a falsy value:",
                     "", "  assert.ok(false)", "", "    at f (/app/c.js:1:1)",
                     "node:events:502", "      throw er; // Unhandled 'error' event", "      ^", "",
                     "Error: listen EADDRINUSE: address already in use :::3000", "    at Server.listen (node:net:2067:7)",
                     "Emitted 'error' event on Server instance at:", "    at emitErrorNT (node:net:1944:8) {", "  code: 'EADDRINUSE'", "}",
                     "Error: connection refused", "Retrying in 5s",
                     "2026-12-06T16:05:12.600Z INFO config:", "port=3000"});
  ASSERT_EQ(ev.size(), 9u);
  EXPECT_EQ(ev[0].lines, 12u);  // the whole report, the message's lines included
  EXPECT_EQ(ev[1].lines, 8u);   // the record, the diff, the frame
  EXPECT_EQ(ev[2].text, "after the frames");
  EXPECT_EQ(ev[3].lines, 6u);   // record, error line, blank, the expression, blank, frame
  EXPECT_EQ(ev[4].lines, 10u);  // the report with its second list of frames and the error's properties
  EXPECT_EQ(ev[5].text, "Error: connection refused");
  EXPECT_EQ(ev[6].text, "Retrying in 5s");
  EXPECT_EQ(ev[7].text, "2026-12-06T16:05:12.600Z INFO config:");
  EXPECT_EQ(ev[8].text, "port=3000");
}

// Ruby's Logger (Rails): a FATAL record whose message starts on the next line (Rails' routing
// error) keeps its exception and frames, and the next "I, [" line starts a record again.
TEST(Multiline, JavaPresetStopsAMessageAtRubysNextRecord) {
  MultilineConfig c;
  c.preset = "java";
  auto ev = join(c, {"I, [2013-08-08T20:30:17.677248 #14985]  INFO -- : Started GET \"/manager/html\" for 220.165.88.21",
                     "F, [2013-08-08T20:30:17.688957 #14985] FATAL -- : ",
                     "ActionController::RoutingError (No route matches [GET] \"/manager/html\"):",
                     "  actionpack (4.0.0) lib/action_dispatch/middleware/debug_exceptions.rb:21:in `call'",
                     "I, [2013-08-08T20:30:25.090069 #15002]  INFO -- : Started GET \"/\" for 220.165.88.21"});
  ASSERT_EQ(ev.size(), 3u);
  EXPECT_EQ(ev[1].lines, 3u);
  EXPECT_EQ(ev[2].lines, 1u);
}

// java.util.logging's SimpleFormatter: "LEVEL: message" joins the header line above it (and only
// that line: not a record's second line, not under another kind of line).
TEST(Multiline, JavaPresetJoinsJavaUtilLoggingsTwoLines) {
  MultilineConfig c;
  c.preset = "java";
  auto ev = join(c, {"Dec 06, 2026 4:40:48 PM com.example.App main", "INFO: started",
                     "Dec 06, 2026 12:40:49 AM com.example.App main", "SEVERE: failed",
                     "java.lang.IllegalStateException: x", "\tat com.example.App.main(App.java:7)",
                     "INFO: not under a header", "2026-12-06 10:00:00 INFO x", "WARNING: not under a JUL header"});
  ASSERT_EQ(ev.size(), 5u);
  EXPECT_EQ(ev[0].text, "Dec 06, 2026 4:40:48 PM com.example.App main\nINFO: started");
  EXPECT_EQ(ev[1].lines, 4u);
  EXPECT_EQ(ev[2].text, "INFO: not under a header");
  EXPECT_EQ(ev[4].text, "WARNING: not under a JUL header");
}

// Rust: a panic's report (its message on the lines under "thread '…' panicked at …:", a backtrace
// with RUST_BACKTRACE, the closing note) is one event; the log line after it starts the next.
TEST(Multiline, RustPresetJoinsAPanicsReport) {
  MultilineConfig c;
  c.preset = "rust";
  auto ev = join(c, {"[2026-12-06T19:23:52Z INFO  app] charging order 42", "",
                     "thread 'payments' (10712) panicked at src/main.rs:37:19:", "payment failed: card declined",
                     "retry in 5 minutes", "stack backtrace:", "   0: __rustc::rust_begin_unwind",
                     "             at /rustc/5980/library/std/src/panicking.rs:689:5",
                     "note: Some details are omitted, run with `RUST_BACKTRACE=full` for a verbose backtrace.",
                     "[2026-12-06T19:23:52Z WARN  app] worker lost", "thread 'main' panicked at src/main.rs:42:13:",
                     "called `Result::unwrap()` on an `Err` value: \"connection refused\"",
                     "note: run with `RUST_BACKTRACE=1` environment variable to display a backtrace",
                     "thread 'main' panicked at 'boom', src/main.rs:2:5", "[2026-12-06T19:23:53Z INFO  app] next"});
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].lines, 2u);  // the log line and the blank line Rust writes before a panic
  EXPECT_EQ(ev[1].lines, 7u);
  EXPECT_EQ(ev[2].text, "[2026-12-06T19:23:52Z WARN  app] worker lost");
  EXPECT_EQ(ev[3].lines, 3u);
  EXPECT_EQ(ev[4].text, "thread 'main' panicked at 'boom', src/main.rs:2:5");  // (before 1.73: one line)
  EXPECT_EQ(ev[5].lines, 1u);
}

// Elixir: a Logger record and its crash report (the error's banner, frames, the GenServer's last
// message, state and client, a blank line and the client's frames), or its message's further
// lines, are one event up to the next record's time; Elixir 1.14's blank line before each record
// is counted with the event before it, not kept.
TEST(Multiline, ElixirPresetJoinsACrashReport) {
  MultilineConfig c;
  c.preset = "elixir";
  auto ev = join(c, {"", "21:24:19.428 [info] starting", "", "21:24:19.438 [error] GenServer #PID<0.103.0> terminating",
                     "** (RuntimeError) boom %{n: 1}", "    crash.exs:4: Boom.handle_call/3",
                     "Last message (from #PID<0.96.0>): :crash", "State: %{n: 1}", "Client #PID<0.96.0> is alive", "",
                     "    (stdlib 4.2) gen.erl:256: :gen.do_call/4", "", "21:24:19.645 request_id=F7 [error] after",
                     "second line of its message", "[error] no time configured", "12:00:01.000 [info] last"});
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].text, "");  // the blank line first in the file: an event of its own (read as empty)
  EXPECT_EQ(ev[1].text, "21:24:19.428 [info] starting");
  EXPECT_EQ(ev[2].lines, 9u);  // (the blank line after it counted)
  EXPECT_TRUE(ev[2].text.ends_with("Client #PID<0.96.0> is alive\n\n    (stdlib 4.2) gen.erl:256: :gen.do_call/4"));
  EXPECT_EQ(ev[3].text, "21:24:19.645 request_id=F7 [error] after\nsecond line of its message");
  EXPECT_EQ(ev[4].text, "[error] no time configured");
  EXPECT_EQ(ev[5].first, 16u);
}

TEST(Multiline, MysqlPresetJoinsEachQueryOfASlowLog) {
  MultilineConfig c;
  c.preset = "mysql";
  auto ev = join(c, {"/usr/sbin/mysqld, Version: 5.5.53-log ((Ubuntu)). started with:",
                     "Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock", "Time                 Id Command    Argument",
                     "# Time: 161209 14:37:59", "# User@Host: a[a] @ localhost []", "# Query_time: 0.1  Lock_time: 0.0",
                     "SET timestamp=1481294279;", "SELECT 1;",
                     "# User@Host: b[b] @ localhost []",  // no "# Time:" line: the same second
                     "# Query_time: 0.2  Lock_time: 0.0", "SET timestamp=1481294279;", "select *", "  from t;",
                     "# Time: 2018-04-26T18:50:32.437295Z"});
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].lines, 1u);  // the start-up lines: one event each
  EXPECT_EQ(ev[2].text, "Time                 Id Command    Argument");
  EXPECT_EQ(ev[3].first, 4u);
  EXPECT_EQ(ev[3].lines, 5u);
  EXPECT_EQ(ev[4].text, "# User@Host: b[b] @ localhost []\n# Query_time: 0.2  Lock_time: 0.0\nSET timestamp=1481294279;\n"
                        "select *\n  from t;");
  EXPECT_EQ(ev[5].text, "# Time: 2018-04-26T18:50:32.437295Z");  // a time line whose query was not written yet
}

// JSON written over several lines: an event that starts with '{' or '[' runs until its brackets
// close; brackets inside strings (and escaped quotes) do not count; other lines are events of
// their own, and a one-line object is one event.
TEST(Multiline, JsonPresetJoinsAnObjectUntilItsBracketsClose) {
  MultilineConfig c;
  c.preset = "json";
  auto ev = join(c, {"{", R"(  "msg": "a } and a \" and { in a string",)", R"(  "tags": ["x", {"k": [1, 2]}],)", "  \"n\": 1",
                     "}", R"({"one": "line"})", "Processing {id}", "next line", "  [", "  1", "  ]", "after"});
  ASSERT_EQ(ev.size(), 6u);
  EXPECT_EQ(ev[0].lines, 5u);
  EXPECT_EQ(ev[0].text.substr(0, 3), "{\n ");
  EXPECT_EQ(ev[1].text, R"({"one": "line"})");
  EXPECT_EQ(ev[2].text, "Processing {id}");  // not JSON: its brace opens nothing
  EXPECT_EQ(ev[3].text, "next line");
  EXPECT_EQ(ev[4].first, 9u);  // an indented array is JSON too
  EXPECT_EQ(ev[4].lines, 3u);
  EXPECT_EQ(ev[5].text, "after");
}
