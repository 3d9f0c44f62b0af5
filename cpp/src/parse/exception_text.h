#pragma once
// The exception a stack trace reports, read from the trace's text as the JVM and CPython print
// it: error.type and error.message beside error.stack_trace, as ECS loggers write them.
#include <cstddef>
#include <string_view>

namespace ki {

// "com.acme.PaymentDeclined: card expired" (or the class alone): a Java exception's first line.
bool java_exception_line(std::string_view line);

struct ExceptionText {
  std::string_view type, message;  // views into the trace; message empty when none was printed
  std::string_view code;           // Node.js's "Error [ERR_X]: …": ERR_X (else empty)
};

// A Java trace (its first line names the exception: the outermost), a JavaScript one (its first
// line, then "    at " frames), a Python traceback (the line after its last frame: the exception
// raised last) or an Elixir error ("** (RuntimeError) boom", then its frames). False for anything
// else (Go's traces).
bool exception_from_trace(std::string_view trace, ExceptionText& out);

// "TypeError: x is not a function", "Error", "Error [ERR_HTTP_HEADERS_SENT]: …": the first line of a
// JavaScript error's stack (a capitalised name, Node.js's code in brackets, its message).
bool js_error_line(std::string_view l, ExceptionText& out);

// Where a JavaScript error's text (its first line, and the lines of its message under it) ends
// before its first frame ("\n    at "), blank lines before that frame not counted; npos if no
// frame follows.
size_t js_text_end(std::string_view text);

// Where a JavaScript error's first line whose name ends in Error or Exception starts (at 0, or
// after a blank) in a logger's line that ends with it (`log.error('failed: ' + err.stack)` writes
// "… failed: AssertionError [ERR_ASSERTION]: Expected …:"); npos if none does.
size_t js_error_at_end(std::string_view line);

// java.util.logging's SimpleFormatter (its default) writes a record on two lines: a header
// "Dec 06, 2026 4:40:48 PM com.example.App main" (time, source class and method), then
// "INFO: message" (jul_level_line), a stack trace after it.
bool jul_header(std::string_view line);
bool jul_level_line(std::string_view line);

struct Record;
// The exception of `trace` (under the event: error.stack_trace) as error.type and error.message,
// unless the line gave either. True when added (and *out, if given, says what).
bool add_exception_fields(Record& rec, std::string_view trace, ExceptionText* out = nullptr);

}  // namespace ki
