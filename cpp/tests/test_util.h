// Helpers shared by the C++ tests.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "encode/encoder.h"
#include "parse/parser.h"

namespace ki::test {

// Parses one line (auto format unless given) and returns the ECS document as JSON;
// fails the calling test with the parser's reason if it does not parse.
inline nlohmann::json doc(const std::string& line, Schema schema = Schema::Ecs, Format f = Format::Unknown,
                          int year = 2018) {
  ParserConfig pc;
  pc.format = f;
  pc.default_year = year;
  Parser p(pc);
  Record r;
  if (p.parse(line, r) != ParseStatus::Ok) {
    ADD_FAILURE() << "did not parse: " << p.error_message() << "\n  line: " << line;
    return nullptr;
  }
  std::string out;
  Encoder(EncoderConfig{schema, false}).encode(r, out);
  return nlohmann::json::parse(out);
}

inline std::string fail_reason(const std::string& line, Format f = Format::Unknown) {
  ParserConfig pc;
  pc.format = f;
  Parser p(pc);
  Record r;
  if (p.parse(line, r) == ParseStatus::Ok) return "";
  return p.error_message();
}

}  // namespace ki::test
