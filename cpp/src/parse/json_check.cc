#include "parse/json_check.h"

#include <algorithm>

#include "encode/json_writer.h"
#include "parse/json_number.h"

namespace ki {

namespace od = simdjson::ondemand;

JsonCheck::Result JsonCheck::check(std::string_view raw, bool repeated_keys) {
  buf_.assign(raw);
  buf_.append(simdjson::SIMDJSON_PADDING, '\0');
  repeated_keys_ = repeated_keys;
  repeated_ = false;
  error_.clear();
  keys_.clear();
  od::document doc;
  od::value v;
  if (auto e = parser_.iterate(buf_.data(), raw.size(), buf_.size()).get(doc)) return fail(e), Result::Malformed;
  if (auto e = doc.get_value().get(v)) return fail(e), Result::Malformed;
  if (!value(v)) return repeated_ ? Result::RepeatedKey : Result::Malformed;
  if (!json_at_end(doc)) {
    error_ = "text after the JSON value";
    return Result::Malformed;
  }
  return Result::Ok;
}

bool JsonCheck::fail(simdjson::error_code e) {
  error_ = simdjson::error_message(e);
  return false;
}

bool JsonCheck::value(od::value v) {
  od::json_type t;
  if (auto e = v.type().get(t)) return fail(e);
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (auto e = v.get_object().get(o)) return fail(e);
      const size_t first = keys_.size();
      for (auto f : o) {
        std::string_view k;
        od::value x;
        if (auto e = f.unescaped_key().get(k)) return fail(e);
        if (repeated_keys_) keys_.push_back(k);  // the parser's string buffer: valid to the end
        if (auto e = f.value().get(x)) return fail(e);
        if (!value(x)) return false;
      }
      if (repeated_keys_) {
        std::sort(keys_.begin() + static_cast<std::ptrdiff_t>(first), keys_.end());
        if (std::adjacent_find(keys_.begin() + static_cast<std::ptrdiff_t>(first), keys_.end()) != keys_.end()) {
          repeated_ = true;
          return false;
        }
        keys_.resize(first);
      }
      return true;
    }
    case od::json_type::array: {
      od::array a;
      if (auto e = v.get_array().get(a)) return fail(e);
      for (auto el : a) {
        od::value x;
        if (auto e = el.get(x)) return fail(e);
        if (!value(x)) return false;
      }
      return true;
    }
    case od::json_type::string: {
      std::string_view s;
      if (auto e = v.get_string().get(s)) return fail(e);
      return true;
    }
    case od::json_type::number: {
      std::string_view tok = json_number_token(v);
      if (is_json_number(tok)) return true;
      error_ = "malformed number '" + std::string(tok.substr(0, 40)) + "'";
      return false;
    }
    case od::json_type::boolean: {
      bool b;
      if (auto e = v.get_bool().get(b)) return fail(e);
      return true;
    }
    case od::json_type::null:
      if (auto e = v.is_null().error()) return fail(e);
      return true;
  }
  return fail(simdjson::INCORRECT_TYPE);
}

}  // namespace ki
