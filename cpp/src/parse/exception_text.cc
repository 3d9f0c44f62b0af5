#include "parse/exception_text.h"

#include <cctype>

#include "parse/record.h"

namespace ki {

namespace {

bool ident_char(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$'; }

bool indented(std::string_view l) { return !l.empty() && (l[0] == ' ' || l[0] == '\t'); }

// "KeyError: 'x'", "app.errors.PaymentFailed: card", "KeyboardInterrupt": a dotted name, then
// ": message" or nothing.
bool python_exception(std::string_view text, ExceptionText& out) {
  const size_t nl = text.find('\n');
  const std::string_view first = text.substr(0, nl);
  size_t i = 0;
  while (i < first.size() && (ident_char(first[i]) || (first[i] == '.' && i > 0))) ++i;
  if (i == 0 || std::isdigit(static_cast<unsigned char>(first[0])) || first[0] == '$') return false;
  if (i == first.size()) {
    if (nl != std::string_view::npos) return false;  // a bare word with more under it: not the exception line
    out = {first, {}, {}};
    return true;
  }
  if (first[i] != ':' || (i + 1 < first.size() && first[i + 1] != ' ')) return false;
  std::string_view msg = text.substr(i + 1);
  if (!msg.empty() && msg[0] == ' ') msg.remove_prefix(1);
  out = {first.substr(0, i), msg, {}};
  return true;
}

// Elixir's banner (Exception.format_banner): "** (RuntimeError) boom", "** (exit) exited in: …",
// "** (EXIT from #PID<0.94.0>) :shutdown": the word in parentheses, then the message up to the
// first frame (indented) or the report's "Last message" line.
bool elixir_exception(std::string_view trace, ExceptionText& out) {
  if (!trace.starts_with("** (")) return false;
  const size_t nl = trace.find('\n');
  const std::string_view first = trace.substr(0, nl);
  const size_t close = first.find(')', 4);
  if (close == std::string_view::npos || close == 4) return false;
  std::string_view type = first.substr(4, close - 4);
  type = type.substr(0, type.find(' '));
  if (close + 1 < first.size() && first[close + 1] != ' ') return false;
  size_t end = nl;
  while (end != std::string_view::npos) {
    const size_t next = trace.find('\n', end + 1);
    const std::string_view l = trace.substr(end + 1, next == std::string_view::npos ? std::string_view::npos : next - end - 1);
    if (indented(l) || l.starts_with("Last message")) break;
    end = next;
  }
  std::string_view msg;
  if (close + 2 <= trace.size()) msg = trace.substr(close + 2, end == std::string_view::npos ? std::string_view::npos : end - close - 2);
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == '\r')) msg.remove_suffix(1);
  out = {type, msg, {}};
  return true;
}

}  // namespace

bool js_error_line(std::string_view l, ExceptionText& out) {
  if (l.empty() || !std::isupper(static_cast<unsigned char>(l[0]))) return false;
  size_t i = 0;
  while (i < l.size() && ident_char(l[i])) ++i;
  out = {l.substr(0, i), {}, {}};
  if (i + 1 < l.size() && l[i] == ' ' && l[i + 1] == '[') {
    const size_t close = l.find(']', i + 2);
    if (close == std::string_view::npos || close == i + 2) return false;
    out.code = l.substr(i + 2, close - i - 2);
    i = close + 1;
  }
  if (i == l.size()) return true;
  if (l[i] != ':' || i + 1 >= l.size() || l[i + 1] != ' ') return false;
  out.message = l.substr(i + 2);
  return true;
}

bool java_exception_line(std::string_view l) {
  size_t i = 0, dots = 0;
  while (true) {
    const size_t seg = i;
    while (i < l.size() && ident_char(l[i])) ++i;
    if (i == seg || std::isdigit(static_cast<unsigned char>(l[seg]))) return false;
    if (i < l.size() && l[i] == '.') {
      ++i, ++dots;
      continue;
    }
    return dots > 0 && std::isupper(static_cast<unsigned char>(l[seg])) &&
           (i == l.size() || (l[i] == ':' && i + 1 < l.size() && l[i + 1] == ' '));
  }
}

bool exception_from_trace(std::string_view trace, ExceptionText& out) {
  while (!trace.empty() && (trace.back() == '\n' || trace.back() == '\r' || trace.back() == ' ')) trace.remove_suffix(1);
  if (trace.starts_with("Traceback (most recent call last):")) {
    // The exception line follows the last frame (an indented line); its message may go on below.
    size_t at = std::string_view::npos;
    for (size_t pos = 0; pos < trace.size();) {
      size_t nl = trace.find('\n', pos);
      if (nl == std::string_view::npos) nl = trace.size();
      if (indented(trace.substr(pos, nl - pos))) at = nl + 1;
      pos = nl + 1;
    }
    if (at == std::string_view::npos || at >= trace.size()) return false;
    return python_exception(trace.substr(at), out);
  }
  if (elixir_exception(trace, out)) return true;
  // Tomcat's OneLineFormatter indents the whole trace by a tab ("\tjava.lang.X: y", "\t\tat …").
  if (trace.size() > 1 && trace[0] == '\t' && !trace.substr(1).starts_with("at ")) trace.remove_prefix(1);
  const size_t nl = trace.find('\n');
  const std::string_view first = trace.substr(0, nl);
  // JavaScript (V8): "TypeError: x is not a function", then "    at …" frames; a message may go on
  // over the lines before the first frame (assert's diffs).
  if (nl != std::string_view::npos && js_error_line(first, out)) {
    const size_t end = js_text_end(trace);
    if (end != std::string_view::npos && end <= nl) return true;
    if (end != std::string_view::npos && !out.message.empty()) {
      const size_t from = static_cast<size_t>(out.message.data() - trace.data());
      out.message = trace.substr(from, end - from);
      return true;
    }
  }
  if (!java_exception_line(first)) return false;
  const size_t colon = first.find(": ");
  if (colon == std::string_view::npos) {
    out = {first, {}, {}};
    return true;
  }
  // The message: to the first frame (a message may span lines; its frames are indented).
  size_t end = nl;
  while (end != std::string_view::npos) {
    const size_t next = trace.find('\n', end + 1);
    if (indented(trace.substr(end + 1, next == std::string_view::npos ? std::string_view::npos : next - end - 1))) break;
    end = next;
  }
  const std::string_view msg = trace.substr(colon + 2, end == std::string_view::npos ? std::string_view::npos : end - colon - 2);
  out = {first.substr(0, colon), msg, {}};
  return true;
}

size_t js_text_end(std::string_view text) {
  size_t frame = text.find("\n    at ");
  if (frame == std::string_view::npos) return frame;
  const size_t nl = text.find('\n');
  while (frame > nl && text[frame - 1] == '\n') --frame;
  return frame;
}

size_t js_error_at_end(std::string_view l) {
  for (std::string_view name : {std::string_view("Error"), std::string_view("Exception")})
    for (size_t at = l.find(name); at != std::string_view::npos; at = l.find(name, at + 1)) {
      size_t b = at;
      while (b > 0 && ident_char(l[b - 1])) --b;
      ExceptionText e;
      if ((b == 0 || l[b - 1] == ' ') && js_error_line(l.substr(b), e) && e.type.size() == at + name.size() - b) return b;
    }
  return std::string_view::npos;
}

bool jul_header(std::string_view l) {
  auto digit = [&](size_t i) { return i < l.size() && l[i] >= '0' && l[i] <= '9'; };
  if (l.size() < 24 || l[3] != ' ' || !digit(4) || !digit(5) || l[6] != ',' || l[7] != ' ' || !digit(8) ||
      !digit(11) || l[12] != ' ' || !digit(13))
    return false;
  const std::string_view head = l.substr(0, 25);  // " AM " at 19..21: "4:40:48" to "12:40:48"
  size_t ampm = head.find(" AM ", 14);
  if (ampm == std::string_view::npos) ampm = head.find(" PM ", 14);
  return ampm != std::string_view::npos && ampm <= 21 && l[ampm - 3] == ':' && l[ampm - 6] == ':';
}
bool jul_level_line(std::string_view l) {
  for (std::string_view w : {"SEVERE: ", "WARNING: ", "INFO: ", "CONFIG: ", "FINE: ", "FINER: ", "FINEST: "})
    if (l.starts_with(w)) return true;
  return false;
}

bool add_exception_fields(Record& rec, std::string_view trace, ExceptionText* out) {
  for (const Field& f : rec.fields)
    if (f.name == "error.type" || f.name == "error.message") return false;
  ExceptionText e;
  if (!exception_from_trace(trace, e)) return false;
  rec.fields.push_back({"error.type", Field::Kind::String, e.type});
  if (!e.message.empty()) rec.fields.push_back({"error.message", Field::Kind::String, e.message});
  if (!e.code.empty()) rec.fields.push_back({"error.code", Field::Kind::String, e.code});
  if (out) *out = e;
  return true;
}

}  // namespace ki
