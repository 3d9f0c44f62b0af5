// A JSON number as a Field, the same for application JSON lines (app_json.cc) and for documents
// read back from Kafka or a search engine (encode/json_rows.cc).
#pragma once
#include <simdjson.h>

#include <string_view>

#include "parse/record.h"

namespace ki {

// The number's text as written (On-Demand's token may carry the whitespace after it).
inline std::string_view json_number_token(simdjson::ondemand::value& v) {
  std::string_view tok = v.raw_json_token();
  while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t' || tok.back() == '\n' || tok.back() == '\r'))
    tok.remove_suffix(1);
  return tok;
}

// An int64 is an Int; a double a Float that keeps its text as written; a number past both
// (18446744073709551616, 1e400) a String holding the text exactly, so that the index neither
// refuses nor rounds it. f.name is left as it is.
inline void json_number_field(simdjson::ondemand::value& v, Field& f) {
  using simdjson::ondemand::number_type;
  f.text = json_number_token(v);
  number_type nt = number_type::floating_point_number;
  const bool is_int = v.get_number_type().get(nt) == simdjson::SUCCESS && nt == number_type::signed_integer;
  if (is_int && v.get_int64().get(f.i) == simdjson::SUCCESS) {
    f.kind = Field::Kind::Int;
  } else if (!is_int && nt != number_type::unsigned_integer && v.get_double().get(f.f) == simdjson::SUCCESS) {
    f.kind = Field::Kind::Float;
  } else {
    f.kind = Field::Kind::String;
  }
}

}  // namespace ki
