// Fuzzes one line parser (KI_FUZZ_FORMAT: "auto" or a format name): whatever the bytes, the
// parser returns Ok/Empty/Failed without crashing, a failure has a reason and a column inside
// the line, and a parsed line encodes to a valid JSON document in both layouts.
#include <cstdint>
#include <cstring>
#include <string>

#include "check.h"
#include "encode/encoder.h"
#include "parse/parser.h"

#ifndef KI_FUZZ_FORMAT
#define KI_FUZZ_FORMAT "auto"
#endif

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static ki::Parser parser([] {
    ki::ParserConfig c;
    c.format = *ki::format_from_name(KI_FUZZ_FORMAT);
    c.default_year = 2024;  // no dependency on the clock
    c.default_offset_min = 330;
    return c;
  }());
  static ki::Encoder ecs({ki::Schema::Ecs, true}), flat({ki::Schema::KafkaInsight, false});
  static ki::Record rec;
  static uint32_t input = 0;
  std::string_view line(reinterpret_cast<const char*>(data), size);
  parser.set_source(++input);  // a W3C or Zeek header of one input does not hold for the next
  if (std::strcmp(KI_FUZZ_FORMAT, "w3c") == 0) {  // the input's first line names the fields, the rest is the line
    const size_t nl = line.find('\n');
    if (nl == std::string_view::npos) return 0;
    parser.parse("#Fields: " + std::string(line.substr(0, nl)), rec);
    line.remove_prefix(nl + 1);
    size = line.size();
  }
  if (std::strcmp(KI_FUZZ_FORMAT, "zeek") == 0) {  // the first two lines: #fields and #types, the rest is the line
    const size_t a = line.find('\n'), b = a == std::string_view::npos ? a : line.find('\n', a + 1);
    if (b == std::string_view::npos) return 0;
    parser.parse("#separator \\x09", rec);
    parser.parse("#fields\t" + std::string(line.substr(0, a)), rec);
    parser.parse("#types\t" + std::string(line.substr(a + 1, b - a - 1)), rec);
    line.remove_prefix(b + 1);
    size = line.size();
  }
  ki::ParseStatus st = parser.parse(line, rec);
  if (st == ki::ParseStatus::Ok) {
    std::string out;
    ecs.encode(rec, out);
    ki::fuzz::check_document(out);
    out.clear();
    flat.encode(rec, out);
    ki::fuzz::check_document(out);
  } else {
    const ki::ParseError& e = parser.error();
    if (e.reason == nullptr || std::strlen(e.reason) == 0) ki::fuzz::die("failure without a reason", line);
    if (e.column > size + 1) ki::fuzz::die("failure column past the end of the line", line);
    if (parser.error_message().empty()) ki::fuzz::die("empty error message", line);
  }
  return 0;
}
