#include <gtest/gtest.h>

#include "parse/exception_text.h"

namespace ki {
namespace {

ExceptionText of(std::string_view trace) {
  ExceptionText e;
  EXPECT_TRUE(exception_from_trace(trace, e)) << trace;
  return e;
}

TEST(ExceptionText, JavaNamesTheOutermostException) {
  ExceptionText e = of("java.lang.IllegalStateException: cannot load config\n\tat A.b(A.java:1)\n"
                       "Caused by: java.io.FileNotFoundException: x\n\t... 3 more");
  EXPECT_EQ(e.type, "java.lang.IllegalStateException");
  EXPECT_EQ(e.message, "cannot load config");
  e = of("com.acme.Empty\n\tat A.b(A.java:1)");
  EXPECT_EQ(e.type, "com.acme.Empty");
  EXPECT_EQ(e.message, "");
  // A message over two lines: to the first frame.
  e = of("java.sql.SQLException: bad query\nnear 'FROM'\n\tat A.b(A.java:1)");
  EXPECT_EQ(e.message, "bad query\nnear 'FROM'");
}

// Tomcat's OneLineFormatter writes the trace one tab in.
TEST(ExceptionText, JavaTraceIndentedByATab) {
  ExceptionText e = of("\tjava.lang.IllegalStateException: cart 42 is empty\n\t\tat a.B.c(B.java:1)\n\tCaused by: x.Y: z");
  EXPECT_EQ(e.type, "java.lang.IllegalStateException");
  EXPECT_EQ(e.message, "cart 42 is empty");
  ExceptionText none;
  EXPECT_FALSE(exception_from_trace("\tat a.B.c(B.java:1)", none));  // a frame, not the exception's line
}

TEST(ExceptionText, PythonNamesTheExceptionRaisedLast) {
  ExceptionText e = of("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\n    f()\n"
                       "KeyError: 'x'\n\nThe above exception was the direct cause of the following exception:\n\n"
                       "Traceback (most recent call last):\n  File \"a.py\", line 3, in <module>\n    g()\n"
                       "app.errors.PaymentFailed: card-1 declined\n");
  EXPECT_EQ(e.type, "app.errors.PaymentFailed");
  EXPECT_EQ(e.message, "card-1 declined");
  e = of("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nKeyboardInterrupt");
  EXPECT_EQ(e.type, "KeyboardInterrupt");
  EXPECT_EQ(e.message, "");
  e = of("Traceback (most recent call last):\n  File \"a.py\", line 1, in <module>\nValueError: bad row\nrow 7");
  EXPECT_EQ(e.message, "bad row\nrow 7");
}

TEST(ExceptionText, JavaScriptNamesTheErrorAboveItsFrames) {
  ExceptionText e = of("TypeError: Cannot read properties of undefined (reading 'host')\n    at load (/app/a.js:2:36)");
  EXPECT_EQ(e.type, "TypeError");
  EXPECT_EQ(e.message, "Cannot read properties of undefined (reading 'host')");
  e = of("Error\n    at Object.<anonymous> (/app/a.js:1:7)");
  EXPECT_EQ(e.type, "Error");
  EXPECT_EQ(e.message, "");
  ExceptionText none;
  EXPECT_FALSE(exception_from_trace("Error: no frames under it", none));
  // Node.js's code in brackets after the name
  e = of("Error [ERR_HTTP_HEADERS_SENT]: Cannot set headers after they are sent to the client\n    at f (node:x:1:1)");
  EXPECT_EQ(e.type, "Error");
  EXPECT_EQ(e.code, "ERR_HTTP_HEADERS_SENT");
  EXPECT_EQ(e.message, "Cannot set headers after they are sent to the client");
  EXPECT_EQ(of("TypeError: x\n    at f (a.js:1:1)").code, "");
  EXPECT_FALSE(exception_from_trace("Error []: empty code\n    at f (a.js:1:1)", none));
  EXPECT_FALSE(exception_from_trace("Error [ERR_X unclosed\n    at f (a.js:1:1)", none));
  // A message over lines (assert's): to the first frame, blank lines before it left out.
  e = of("AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:\n\n1 !== 2\n\n    at f (a.js:1:1)");
  EXPECT_EQ(e.type, "AssertionError");
  EXPECT_EQ(e.code, "ERR_ASSERTION");
  EXPECT_EQ(e.message, "Expected values to be strictly equal:\n\n1 !== 2");
  EXPECT_FALSE(exception_from_trace("Error: two lines\nand no frame", none));
  // The error's line at the end of a logger's ('failed: ' + err.stack)
  EXPECT_EQ(js_error_at_end("failed: AssertionError [ERR_ASSERTION]: Expected:"), 8u);
  EXPECT_EQ(js_error_at_end("TypeError: bad"), 0u);
  EXPECT_EQ(js_error_at_end("oops: MyException: x"), 6u);
  for (const char* l : {"no error here", "an Errors: 3", "x:TypeError: y", "lowerError: x", "Error in: x", "Errorz: x"})
    EXPECT_EQ(js_error_at_end(l), std::string_view::npos) << l;
}

// Elixir's crash report under a Logger line: "** (Module) message", the frames indented.
TEST(ExceptionText, ElixirNamesTheErrorOfItsBanner) {
  ExceptionText e = of("** (RuntimeError) boom %{n: 1}\n    crash.exs:4: Boom.handle_call/3\n"
                       "Last message (from #PID<0.96.0>): :crash\nState: %{n: 1}");
  EXPECT_EQ(e.type, "RuntimeError");
  EXPECT_EQ(e.message, "boom %{n: 1}");
  e = of("** (EXIT from #PID<0.94.0>) shutdown");  // a linked process's exit: the kind, not the pid
  EXPECT_EQ(e.type, "EXIT");
  EXPECT_EQ(e.message, "shutdown");
  e = of("** (Ecto.NoResultsError) expected at least one result but got none in query:\n\nfrom u in User\n"
         "    (ecto 3.10.0) lib/ecto/repo/queryable.ex:164: Ecto.Repo.Queryable.one!/3");
  EXPECT_EQ(e.type, "Ecto.NoResultsError");
  EXPECT_EQ(e.message, "expected at least one result but got none in query:\n\nfrom u in User");
  EXPECT_EQ(of("** (exit) normal\nLast message: :stop").message, "normal");
  ExceptionText none;
  EXPECT_FALSE(exception_from_trace("** () empty", none));
  EXPECT_FALSE(exception_from_trace("** (unclosed", none));
  EXPECT_FALSE(exception_from_trace("** (RuntimeError)boom", none));
}

TEST(ExceptionText, OtherTracesNameNothing) {
  ExceptionText e;
  EXPECT_FALSE(exception_from_trace("goroutine 1 [running]:\nmain.main()\n\t/app/main.go:9 +0x25", e));
  EXPECT_FALSE(exception_from_trace("\tat A.b(A.java:1)", e));
  EXPECT_FALSE(exception_from_trace("Traceback (most recent call last):\n  File \"a.py\", line 1", e));
  EXPECT_FALSE(exception_from_trace("Traceback (most recent call last):\n  File \"a.py\"\nnot an exception line", e));
  EXPECT_FALSE(exception_from_trace("", e));
}

}  // namespace
}  // namespace ki
