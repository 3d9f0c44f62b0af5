#include "source/multiline.h"

#include <stdexcept>

#include "parse/exception_text.h"
#include "parse/grok.h"

namespace ki {

namespace {
// Lines that continue the event before them.
// Java: indented frames ("\tat ...", "\t... 3 more", suppressed), "Caused by: ...", and the
// exception line printed under the log line ("com.acme.PaymentDeclined: card expired"); a
// message that starts on the next line: see starts_event.
constexpr const char* kJava =
    R"(^(?:[ \t]|$|Caused by: |(?:[a-zA-Z_$][\w$]*\.)+[A-Z][\w$]*(?::\s|$)))";

// A record line whose message is empty there: it ends with its layout's separator (": ", " - "),
// the message following on the lines after it (Spring Boot's failure analysis report, its
// condition evaluation report, its warnings, all "\n\n…").
bool opens_message(std::string_view l) { return l.ends_with(": ") || l.ends_with(" - "); }

// The start of a log record: a date or time first ("2026-12-06…", "06-Dec-2026 10:…", "10:00:00"),
// "[" or "{", Ruby's Logger ("I, [2026-…"), or java.util.logging's header ("Dec 06, 2026 4:40:48 PM …").
bool record_start(std::string_view l) {
  if (l.empty()) return false;
  if (l[0] == '[' || l[0] == '{') return true;
  if (l.size() > 4 && l[0] >= 'A' && l[0] <= 'Z' && l[1] == ',' && l[2] == ' ' && l[3] == '[') return true;
  if (jul_header(l)) return true;
  if (l[0] < '0' || l[0] > '9') return false;
  const std::string_view head = l.substr(0, 32);
  for (size_t i = 1; i + 2 < head.size(); ++i)
    if (head[i] == ':' && head[i - 1] >= '0' && head[i - 1] <= '9' && head[i + 1] >= '0' && head[i + 1] <= '9' &&
        head[i + 2] >= '0' && head[i + 2] <= '9')
      return true;
  return false;
}

// An error's first line under a log line: a JavaScript one whose name says it is an error
// ("TypeError: x", "Error [ERR_X]: y", "AxiosError: …"; not "Warning: …").
bool js_error_under_record(std::string_view l) {
  ExceptionText e;
  return js_error_line(l, e) && (e.type.ends_with("Error") || e.type.ends_with("Exception"));
}
// A JavaScript error whose message goes on below its line: the line ends with ':', and is the
// error's (assert's "AssertionError [ERR_ASSERTION]: Expected values to be strictly equal:"), or a
// record's line that ends with it (`log.error('failed: ' + err.stack)`).
bool js_message_opens(std::string_view l, bool record) {
  if (!l.ends_with(":")) return false;
  return js_error_under_record(l) || (record && js_error_at_end(l) != std::string_view::npos);
}

// Python: the traceback header, indented frames and source lines, chained-exception notes,
// blank lines between them (the exception line itself: see starts_event).
constexpr const char* kPython =
    R"(^(?:[ \t]|$|Traceback \(most recent call last\):|During handling of the above exception|The above exception was the direct cause))";
// Go: a panic's or zap's stack trace: indented file lines, the frames' function lines
// ("main.main()", "sigs.k8s.io/x/pkg.(*Controller).reconcileHandler"), "goroutine 1 [running]:",
// "created by …", the runtime's "panic(…)" frame and "[signal SIGSEGV …]" line, and the blank lines
// between them.
constexpr const char* kGo =
    R"(^(?:[ \t]|$|goroutine \d+ |created by |\[signal |panic\(|(?:[\w.~-]+/)*[\w~-]+(?:\.[\w~-]+)*\.(?:\(\*?\w+(?:\[[^\]]*\])?\)\.)?[\w]+(?:\[[^\]]*\])?(?:\.func\d+)*(?:\.\d+)*(?:\(.*\))?$))";
// Node.js: a stack trace's indented "    at …" frames (and a cause's), the "}" that closes an
// error's own properties, an unhandled 'error' event's "Emitted 'error' event on … at:", the
// runtime's "Node.js v20.20.2" and "(Use `node --trace-uncaught …`)" lines and the blank lines
// between them; an uncaught exception's report (a location line, its source line, the caret, the
// error line) and a message on the lines below its error's: see starts_event.
constexpr const char* kNode = R"(^(?:[ \t]|$|\}$|Emitted '[^']*' event on |Node\.js v\d|\(Use `node --trace-))";

// Rust: a panic's backtrace (indented frames under "stack backtrace:"), the "note: …" line that
// ends the report, blank lines; the message under the panic's first line: see starts_event.
constexpr const char* kRust = R"(^(?:[ \t]|$|stack backtrace:|note: ))";

// Elixir: a Logger record's line is followed by its crash report ("** (RuntimeError) boom", the
// frames indented, "Last message …", "State: …", "Client #PID<0.96.0> is alive", a blank line and
// the client's frames) or by the further lines of its message; every line up to the next record's
// start continues it (see starts_event).
constexpr const char* kElixir = R"(^(?:[ \t]|$|\*\* \())";

// MySQL's slow query log: a query's event starts at "# Time:" (or "# User@Host:" where no time
// line is written, see starts_event); the server's start-up lines are events of their own.
constexpr const char* kMysql =
    R"(^(?!# Time: |# User@Host: |Tcp port: \d+ |Time\s+Id\s+Command\s+Argument|\S+, Version: .* started with:$))";

// apt's history log (/var/log/apt/history.log): a record starts at "Start-Date: " and runs over
// its Commandline, Requested-By, package lists, Error and End-Date lines to the blank line after it.
constexpr const char* kApt = R"(^(?!Start-Date: ))";

// JSON written over several lines (pretty-printed): no line continues by its look; an event that
// starts with '{' or '[' runs until its brackets close (see note and starts_event).
constexpr const char* kJson = R"((?!))";

// "thread 'main' (42) panicked at src/main.rs:5:5:": a Rust panic whose message is on the lines below.
bool rust_panic_header(std::string_view l) {
  return l.starts_with("thread '") && l.ends_with(":") && l.find(" panicked at ") != std::string_view::npos;
}

// "/app/server.js:12", "file:///app/server.mjs:3", "node:events:497" (thrown in Node.js's own
// modules: assert, an unhandled 'error' event): where Node.js says an uncaught exception was
// thrown, the first line of its report.
bool node_location(std::string_view l) {
  if (l.starts_with("file://")) l.remove_prefix(7);
  const size_t colon = l.rfind(':');
  if (colon == std::string_view::npos || colon + 1 == l.size() || l.find_first_of(" \t") != std::string_view::npos)
    return false;
  for (size_t i = colon + 1; i < l.size(); ++i)
    if (l[i] < '0' || l[i] > '9') return false;
  const std::string_view file = l.substr(0, colon);
  if (file.starts_with("node:") && file.size() > 5) {
    for (char c : file.substr(5))
      if (!((c >= 'a' && c <= 'z') || c == '_' || c == '/')) return false;
    return true;
  }
  for (std::string_view ext : {".js", ".mjs", ".cjs", ".ts", ".mts", ".cts", ".jsx", ".tsx"})
    if (file.size() > ext.size() && file.ends_with(ext)) return true;
  return false;
}
}  // namespace

const char* multiline_preset(std::string_view name) {
  if (name == "java") return kJava;
  if (name == "python") return kPython;
  if (name == "go") return kGo;
  if (name == "node") return kNode;
  if (name == "rust") return kRust;
  if (name == "elixir") return kElixir;
  if (name == "mysql") return kMysql;
  if (name == "json") return kJson;
  if (name == "apt") return kApt;
  return nullptr;
}

MultilineJoiner::MultilineJoiner(const MultilineConfig& cfg) : cfg_(cfg) {
  if (!cfg_.enabled()) return;
  if (cfg_.max_lines == 0) cfg_.max_lines = 1;
  std::string pattern = cfg_.start;
  if (pattern.empty()) {
    const char* p = multiline_preset(cfg_.preset);
    if (!p) throw std::invalid_argument("--multiline '" + cfg_.preset + "': not a preset (java, python, go, node, rust, elixir, mysql, json, apt)");
    pattern = p;
    match_starts_ = false;
    python_ = cfg_.preset == "python";
    java_ = cfg_.preset == "java";
    node_ = cfg_.preset == "node";
    rust_ = cfg_.preset == "rust";
    elixir_ = cfg_.preset == "elixir";
    mysql_ = cfg_.preset == "mysql";
    json_ = cfg_.preset == "json";
  }
  try {
    GrokLibrary lib = GrokLibrary::builtin();
    matcher_ = std::make_unique<GrokMatcher>(std::make_shared<const GrokSet>(std::vector<std::string>{pattern}, lib));
  } catch (const GrokError& e) {
    throw GrokError(std::string("--multiline-start: ") + e.what());
  }
}

MultilineJoiner::~MultilineJoiner() = default;
MultilineJoiner::MultilineJoiner(MultilineJoiner&&) noexcept = default;

bool MultilineJoiner::starts_event(std::string_view line) {
  GrokResult r = matcher_->match(line);
  if (r == GrokResult::Limit) return true;  // undecidable: keep lines apart rather than merge
  bool matched = r == GrokResult::Matched;
  if (match_starts_) return matched;
  if (matched) return false;
  // Python: the exception line ("ValueError: bad", "app.PaymentFailed: ...") right under a
  // frame of a traceback in this event.
  if (python_ && cur_.traceback && cur_.last_indented && !line.empty() && line[0] != ' ') return false;
  // Node.js: after the location line, its source line; after the caret under it, the error line.
  if (cur_.node_report == 1 || cur_.node_report == 2) return false;
  // Node.js: an error's stack right under a log record's line (a logger printing err.stack).
  if (node_ && cur_.lines == 1 && record_start(cur_.text) && js_error_under_record(line)) return false;
  // Node.js: an error's message that goes on below its line (assert's "Expected values to be
  // strictly equal:" and its diff), up to the first frame or a line that starts a record.
  if (cur_.js_message && !record_start(line)) return false;
  // Java: a message begun on the line after its record's (unindented free text, such as Spring
  // Boot's "Description:" and "Action:") runs until a line that starts as a record does.
  if (cur_.open_message && !record_start(line)) return false;
  // Rust: a panic's message, up to its backtrace or its closing note (kRust joins those).
  if (cur_.rust_message) return false;
  // MySQL: "# User@Host:" right under its "# Time:" line.
  if (mysql_ && line.starts_with("# User@Host: ") && cur_.lines == 1 && cur_.text.starts_with("# Time: ")) return false;
  // JSON: an object or array runs until its brackets close.
  if (json_ && cur_.json_depth > 0) return false;
  // Elixir: a record runs until the next one starts.
  if (elixir_ && !record_start(line)) return false;
  // java.util.logging's second line of a record ("INFO: …") under its first.
  if (java_ && cur_.lines == 1 && jul_level_line(line) && jul_header(cur_.text)) return false;
  return true;
}

void MultilineJoiner::note(std::string_view line) {
  if (json_) {
    // The brackets open outside strings (a string cannot go over a line end). Only an event that
    // starts as JSON counts them: "Processing {id}" is a line of its own.
    if (cur_.lines == 1) {
      const size_t b = line.find_first_not_of(" \t");
      cur_.json_depth = 0;
      cur_.in_json = b != std::string_view::npos && (line[b] == '{' || line[b] == '[');
    }
    if (!cur_.in_json) return;
    bool in_string = false;
    for (size_t i = 0; i < line.size(); ++i) {
      const char c = line[i];
      if (in_string) {
        if (c == '\\') ++i;
        else if (c == '"') in_string = false;
      } else if (c == '"') {
        in_string = true;
      } else if (c == '{' || c == '[') {
        ++cur_.json_depth;
      } else if ((c == '}' || c == ']') && cur_.json_depth > 0) {
        --cur_.json_depth;
      }
    }
    return;
  }
  if (line.starts_with("Traceback (most recent call last):")) cur_.traceback = true;
  if (java_ && cur_.lines == 1) cur_.open_message = opens_message(line);
  cur_.last_indented = !line.empty() && (line[0] == ' ' || line[0] == '\t');
  if (rust_) {
    if (cur_.lines == 1) cur_.rust_message = rust_panic_header(line);
    else if (line.starts_with("stack backtrace:") || line.starts_with("note: ")) cur_.rust_message = false;
  }
  if (!node_) return;
  bool report_error = false;
  if (cur_.lines == 1) cur_.node_report = node_location(line) ? 1 : 0;  // (the event's first line)
  else if (cur_.node_report == 1) cur_.node_report = 2;  // the source line taken
  else if (cur_.node_report == 2 && !line.empty() && !cur_.last_indented) {
    cur_.node_report = 3;  // the error line
    report_error = true;
  }
  // The message goes on below the error's line in a crash report (its frames follow), and
  // elsewhere when the line ends with ':' (an error alone, or under a record's line).
  ExceptionText e;
  if (line.starts_with("    at ")) cur_.js_message = false;
  else if (report_error) cur_.js_message = js_error_line(line, e);
  else if (cur_.lines == 1) cur_.js_message = js_message_opens(line, record_start(line));
  else if (cur_.lines == 2 && record_start(cur_.text) && js_error_under_record(line)) cur_.js_message = line.ends_with(":");
}

void MultilineJoiner::begin(std::string_view line, uint64_t line_no, bool truncated, uint64_t offset,
                            int64_t read_ms) {
  cur_.text.assign(line);
  cur_.offset = offset;
  cur_.read_ms = read_ms;
  cur_.first = cur_.last = line_no;
  cur_.lines = 1;
  cur_.bytes = line.size() + 1;
  cur_.truncated = truncated;
  cur_.traceback = false;
  cur_.js_message = false;
  cur_.rust_message = false;
  note(line);
}

void MultilineJoiner::complete(bool capped) {
  std::swap(out_, cur_.text);
  // Blank lines that ended the event (a trace's trailing newline) are counted, not kept.
  for (size_t nl; (nl = out_.rfind('\n')) != std::string::npos &&
                  out_.find_first_not_of(" \t\r", nl + 1) == std::string::npos;)
    out_.erase(nl);
  ev_ = {out_, cur_.first, cur_.last, cur_.lines, cur_.bytes, cur_.truncated, capped, cur_.offset, cur_.read_ms};
  cur_.lines = 0;
  cur_.text.clear();
}

bool MultilineJoiner::push(std::string_view line, uint64_t line_no, bool truncated, uint64_t offset,
                           int64_t read_ms) {
  if (!matcher_) {  // off: every line is an event
    ev_ = {line, line_no, line_no, 1, line.size() + 1, truncated, false, offset, read_ms};
    return true;
  }
  if (cur_.lines == 0) {
    begin(line, line_no, truncated, offset, read_ms);
    return false;
  }
  bool cap = cur_.lines >= cfg_.max_lines || cur_.text.size() + 1 + line.size() > cfg_.max_bytes;
  if (truncated || cur_.truncated || cap || starts_event(line)) {
    complete(cap && !truncated && !cur_.truncated);
    begin(line, line_no, truncated, offset, read_ms);
    return true;
  }
  cur_.text += '\n';
  cur_.text.append(line);
  cur_.last = line_no;
  cur_.read_ms = read_ms;
  ++cur_.lines;
  cur_.bytes += line.size() + 1;
  note(line);
  return false;
}

bool MultilineJoiner::flush() {
  if (cur_.lines == 0) return false;
  complete(false);
  return true;
}

}  // namespace ki
