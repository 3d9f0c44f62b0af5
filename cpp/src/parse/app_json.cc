// Application JSON lines: any JSON object per line (logging libraries, Docker json-file).
// One simdjson On-Demand pass: every leaf becomes a Field with its dotted path (nested objects
// are flattened, so ECS-logging's "log.level" and {"log":{"level":..}} look the same); fields
// whose names and values look like a time, level, message, logger or service of a common
// library fill the Record's own members instead (best-ranked name wins).
#include <simdjson.h>

#include <array>
#include <vector>
#include <ctime>

#include "parse/json_check.h"
#include "parse/json_number.h"
#include "parse/level.h"
#include "parse/parser.h"
#include "parse/timestamp.h"

namespace ki {

struct AppJsonState {
  simdjson::ondemand::parser parser;
  JsonCheck check;  // values kept as JSON text, checked whole
  std::string buf;  // the line + simdjson's padding
};
AppJsonState* new_app_json_state() { return new AppJsonState; }
void AppJsonStateDeleter::operator()(AppJsonState* s) const { delete s; }

namespace {

using simdjson::ondemand::json_type;

constexpr int kMaxDepth = 8;  // deeper objects are kept whole as one JSON value

struct Walk {
  const ParseContext& ctx;
  Record& rec;
  const char* error = nullptr;
  size_t column = 0;  // where a value kept as text that fails its check starts
  std::string minified;

  void push(const Field& f) {
    rec.fields.push_back(f);
    rec.fields.back().name = rec.input_key(f.name);
  }

  // An object or array kept as one JSON value, as written.
  template <class C>
  bool raw(C& c, Field& f) {
    if (auto e = c.raw_json().get(f.text)) return fail(e);
    const JsonCheck::Result checked = ctx.app->check.check(f.text, true);
    if (checked != JsonCheck::Result::Ok) column = static_cast<size_t>(f.text.data() - ctx.app->buf.data());
    switch (checked) {
      case JsonCheck::Result::Ok: break;
      case JsonCheck::Result::Malformed:
        error = ctx.app->check.error().c_str();  // ParseError keeps the pointer: the state outlives the line
        return false;
      case JsonCheck::Result::RepeatedKey:
        // Elasticsearch rejects a document with one; inside an array it cannot be moved aside.
        error = "repeated key in an object inside an array or beyond 8 levels";
        return false;
    }
    if (f.text.find_first_of("\n\r") != std::string_view::npos) {
      // A raw line end inside would split an NDJSON / bulk body: keep it minified.
      std::string& m = minified;
      m.resize(f.text.size());
      size_t len = 0;
      if (auto e = simdjson::minify(f.text.data(), f.text.size(), m.data(), len)) return fail(e);
      f.text = rec.keep(std::string_view(m.data(), len));
    }
    f.kind = Field::Kind::Json;
    return true;
  }

  template <class V>
  bool value(std::string_view name, V&& v, int depth) {
    json_type t;
    if (auto e = v.type().get(t)) return fail(e);
    Field f{name, Field::Kind::String, {}};
    switch (t) {
      case json_type::object: {
        simdjson::ondemand::object o;
        if (auto e = v.get_object().get(o)) return fail(e);
        if (depth < kMaxDepth) return object(o, name, depth + 1);
        if (!raw(o, f)) return false;  // too deep: kept whole
        break;
      }
      case json_type::array: {
        simdjson::ondemand::array a;
        if (auto e = v.get_array().get(a)) return fail(e);
        if (!raw(a, f)) return false;
        break;
      }
      case json_type::string: {
        if (auto e = v.get_string().get(f.text)) return fail(e);
        break;
      }
      case json_type::number: {
        simdjson::ondemand::value num;
        if (auto e = std::forward<V>(v).get(num)) return fail(e);
        json_number_field(num, f);
        break;
      }
      case json_type::boolean:
        f.kind = Field::Kind::Bool;
        if (auto e = v.get_bool().get(f.b)) return fail(e);
        break;
      case json_type::null:
        f.kind = Field::Kind::Null;
        if (v.is_null().error()) return fail(v.is_null().error());
        break;
    }
    push(f);
    return true;
  }

  bool object(simdjson::ondemand::object& o, std::string_view prefix, int depth) {
    for (auto field : o) {
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) return fail(e);
      if (key.empty()) key = "_";
      std::string_view name = prefix.empty() ? key : rec.keep_path(prefix, key);
      if (!value(name, field.value(), depth)) return false;
    }
    return true;
  }

  bool fail(simdjson::error_code e) {
    error = simdjson::error_message(e);
    return false;
  }
};

// One JSON object (a line, or a syslog message) walked into rec.fields; false with the reason
// and the column where it failed.
bool walk_object(std::string_view json, const ParseContext& ctx, Record& rec, const char*& why, size_t& column) {
  AppJsonState& st = *ctx.app;
  st.buf.assign(json);
  st.buf.append(simdjson::SIMDJSON_PADDING, '\0');
  column = 0;
  simdjson::ondemand::document doc;
  if (auto e = st.parser.iterate(st.buf.data(), json.size(), st.buf.size()).get(doc)) {
    why = simdjson::error_message(e);
    return false;
  }
  simdjson::ondemand::object obj;
  if (auto e = doc.get_object().get(obj)) {
    why = e == simdjson::INCORRECT_TYPE ? "expected a JSON object" : simdjson::error_message(e);
    return false;
  }
  Walk w{ctx, rec, nullptr, 0, {}};
  if (!w.object(obj, {}, 0)) {
    why = w.error;
    column = w.column;
    return false;
  }
  const char* after = nullptr;
  if (doc.current_location().get(after) == simdjson::SUCCESS) {  // OUT_OF_BOUNDS at the end
    why = "text after the JSON object";
    column = static_cast<size_t>(after - st.buf.data());
    return false;
  }
  return true;
}

}  // namespace

bool parse_app_json(std::string_view line, const ParseContext& ctx, Record& rec) {
  constexpr Format F = Format::AppJson;
  const char* why = nullptr;
  size_t column = 0;
  // A JSON array written a record a line (MySQL's JSON audit log: "{…}," up to the last "{…}"):
  // the comma is the array's, not the record's. (No JSON object ends with one.)
  std::string_view body = line;
  while (!body.empty() && (body.back() == ' ' || body.back() == '\r')) body.remove_suffix(1);
  if (body.size() > 2 && body.back() == ',' && body[body.size() - 2] == '}') body.remove_suffix(1);
  if (!walk_object(body, ctx, rec, why, column)) return ctx.fail(F, why, column);
  rec.format = F;
  WrappedLine docker;
  apply_roles(ctx, rec, &docker);
  if (!docker.inner.empty() || docker.found) return parse_wrapped(docker, "docker", ctx, rec);
  return true;
}

bool read_json_fields(std::string_view json, const ParseContext& ctx, Record& rec) {
  const size_t fields = rec.fields.size();
  const char* why = nullptr;
  size_t column = 0;
  if (walk_object(json, ctx, rec, why, column)) return true;
  rec.fields.resize(fields);
  return false;
}

bool read_json_message(std::string_view message, const ParseContext& ctx, Record& rec) {
  std::string_view json = message;
  if (json.starts_with("@cee:")) json.remove_prefix(5);  // rsyslog's CEE cookie
  while (!json.empty() && json.front() == ' ') json.remove_prefix(1);
  while (!json.empty() && (json.back() == ' ' || json.back() == '\r')) json.remove_suffix(1);
  if (json.size() < 2 || json.front() != '{' || json.back() != '}') return false;
  const size_t fields = rec.fields.size();
  const char* why = nullptr;
  size_t column = 0;
  if (!walk_object(json, ctx, rec, why, column)) {
    rec.fields.resize(fields);  // not one JSON object: the message stays text
    return false;
  }
  apply_roles_over_header(ctx, rec);
  return true;
}

}  // namespace ki
