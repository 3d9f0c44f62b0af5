// A JSON value checked whole: On-Demand checks only what a reader visits, so a value kept as
// text (an array, an object past the depth limit) is parsed again and visited to its end.
// Numbers follow JSON's grammar at any size (is_json_number), as the values they sit beside do:
// 123456789012345678901234 or 1e400 inside an array is valid JSON, and the index decides.
#pragma once
#include <simdjson.h>

#include <string>
#include <string_view>
#include <vector>

namespace ki {

// Nothing but whitespace after the document's top value (current_location is past the end then).
inline bool json_at_end(simdjson::ondemand::document& doc) {
  const char* after = nullptr;
  return doc.current_location().get(after) != simdjson::SUCCESS;
}

class JsonCheck {
 public:
  enum class Result { Ok, Malformed, RepeatedKey };
  // repeated_keys: an object naming one key twice is RepeatedKey (Elasticsearch refuses such a
  // document); else only the syntax counts.
  Result check(std::string_view raw, bool repeated_keys);
  const std::string& error() const { return error_; }  // why Malformed

 private:
  bool value(simdjson::ondemand::value v);
  bool fail(simdjson::error_code e);
  // Its own parser: the caller's is in the middle of the enclosing document.
  simdjson::ondemand::parser parser_;
  std::string buf_;
  std::vector<std::string_view> keys_;  // the keys of the objects open, innermost last
  bool repeated_keys_ = false, repeated_ = false;
  std::string error_;
};

}  // namespace ki
