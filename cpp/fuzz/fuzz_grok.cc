// Fuzzes the grok compiler and matcher and the multi-line joiner:
// - the cookbook patterns parse any input (one event, newlines and all) to a valid document or
//   a failure with a reason, within PCRE2's match limit;
// - the input's first line as a user pattern compiles or is refused with GrokError (never a
//   crash), and when it compiles, matching the rest gives a valid document or a failure;
// - a preset (java, python, go, node, rust, elixir, mysql or json, by the input's size) joins the input's lines into events
//   whose line counts add up, and each event read without options (the crash recipes among them)
//   gives a valid document or a failure with a reason.
#include <cstdint>
#include <string>

#include "check.h"
#include "encode/encoder.h"
#include "parse/parser.h"
#include "source/multiline.h"

namespace {

ki::ParserConfig grok_config(std::vector<std::string> patterns) {
  ki::ParserConfig c;
  c.format = ki::Format::Grok;
  c.default_year = 2024;
  c.grok.patterns = std::move(patterns);
  return c;
}

void parse_and_check(ki::Parser& p, std::string_view in) {
  static ki::Record rec;
  static const ki::Encoder enc({ki::Schema::Ecs, true});
  if (p.parse(in, rec) != ki::ParseStatus::Ok) {
    if (p.error_message().empty()) ki::fuzz::die("a failure without a reason", in);
    return;
  }
  std::string doc;
  enc.encode(rec, doc);
  ki::fuzz::check_document(doc);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  static ki::Parser cookbook(grok_config({"(?m)%{NGINXERROR}", "%{HAPROXYHTTP}", "%{COMBINEDAPACHELOG}", "%{JAVALOG}",
                                          "%{PYTHONLOG}", "%{OPENSTACK}", "%{SYSLOGBASE} %{GREEDYDATA:message}", "%{SYSLOGLINE}",
                                          "%{SYSLOG5424LINE}", "%{HTTPD_ERRORLOG}", "%{CATALINALOG}",
                                          "%{IP:source.ip} %{UUID:id} %{NUMBER:n:float} %{INT:i:int} %{URI:u}"}));
  parse_and_check(cookbook, in);

  size_t nl = in.find('\n');
  if (nl != std::string_view::npos && nl > 0 && nl <= 512) {
    try {
      ki::Parser user(grok_config({std::string(in.substr(0, nl))}));
      parse_and_check(user, in.substr(nl + 1));
    } catch (const ki::GrokError&) {
      // refused with a message: what a user sees (exit 2)
    }
  }

  static constexpr const char* kPresets[] = {"java", "python", "go", "node", "rust", "elixir", "mysql", "json"};
  static ki::Parser automatic{ki::ParserConfig{}};
  ki::MultilineConfig mc;
  mc.preset = kPresets[size % 8];
  mc.max_lines = 8;
  mc.max_bytes = 256;
  ki::MultilineJoiner j(mc);
  uint64_t lines = 0, seen = 0, next_first = 1;
  auto take = [&] {
    const ki::MultilineEvent& e = j.event();
    if (e.first_line != next_first || e.last_line - e.first_line + 1 != e.lines || e.lines > mc.max_lines)
      ki::fuzz::die("multi-line event numbering", in);
    seen += e.lines;
    next_first = e.last_line + 1;
    parse_and_check(automatic, e.text);
  };
  for (size_t at = 0; at <= in.size();) {
    size_t end = in.find('\n', at);
    if (end == std::string_view::npos) end = in.size();
    if (j.push(in.substr(at, end - at), ++lines)) take();
    at = end + 1;
  }
  if (j.flush()) take();
  if (seen != lines) ki::fuzz::die("multi-line events lost lines", in);
  return 0;
}
