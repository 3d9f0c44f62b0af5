// What every fuzz target asserts about a JSON document we produced: valid UTF-8, valid JSON, an
// object, and no object with a repeated key (a repeated or extra key is what field injection
// looks like). A violation aborts, so libFuzzer records the input as a crash.
#pragma once
#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>
#include <string_view>

namespace ki::fuzz {

[[noreturn]] inline void die(const char* what, std::string_view doc) {
  std::fprintf(stderr, "fuzz check failed: %s\n  document: %.*s\n", what, static_cast<int>(doc.size()), doc.data());
  std::abort();
}

inline void no_repeated_keys(simdjson::dom::element e, std::string_view doc) {
  if (e.is_object()) {
    std::set<std::string_view> keys;
    simdjson::dom::object obj = e.get_object().value_unsafe();  // named: iterating a temporary dangles
    for (auto field : obj) {
      if (!keys.insert(field.key).second) die("repeated key", doc);
      no_repeated_keys(field.value, doc);
    }
  } else if (e.is_array()) {
    simdjson::dom::array arr = e.get_array().value_unsafe();
    for (auto v : arr) no_repeated_keys(v, doc);
  }
}

inline void check_document(std::string_view doc) {
  if (!simdjson::validate_utf8(doc.data(), doc.size())) die("not valid UTF-8", doc);
  if (doc.find('\n') != std::string_view::npos) die("raw newline (breaks NDJSON / bulk bodies)", doc);
  static simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(doc.data(), doc.size(), true).get(root)) die("not valid JSON", doc);
  if (!root.is_object()) die("not a JSON object", doc);
  no_repeated_keys(root, doc);
}

}  // namespace ki::fuzz
