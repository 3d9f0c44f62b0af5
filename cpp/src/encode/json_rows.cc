// JSON documents -> rows of a ColumnTable (read_topic: what is in Kafka back into a table).
#include <simdjson.h>

#include "encode/columns.h"
#include "parse/timestamp.h"

namespace ki {

namespace {

bool is_time_field(std::string_view name) { return name == "@timestamp" || name == "event.ingested"; }

// The fields our encoder writes as categories (Doc::cat), named as in the documents.
bool is_category_field(std::string_view n) {
  static constexpr std::string_view kNames[] = {
      "http.request.method", "http.version", "log.level", "kafkainsight.format", "kafkainsight.status_class",
      "log.syslog.facility.name", "log.syslog.severity.name", "is_user", "timezone", "operation",
      "network_protocol", "status", "level", "format"};
  for (auto k : kNames)
    if (k == n) return true;
  return false;
}

void add_value(ColumnWriter& w, std::string& name, simdjson::dom::element v, std::string& scratch) {
  using T = simdjson::dom::element_type;
  Field f{std::string_view(name), Field::Kind::Null};
  switch (v.type()) {
    case T::OBJECT: {
      size_t base = name.size();
      simdjson::dom::object obj;  // a named object: value_unsafe() of a temporary would dangle
      if (v.get_object().get(obj)) return;
      for (auto [k, val] : obj) {
        name.resize(base);
        if (base) name.push_back('.');
        name.append(k);
        add_value(w, name, val, scratch);
      }
      name.resize(base);
      return;
    }
    case T::ARRAY:
      scratch = simdjson::minify(v);
      f.kind = Field::Kind::Json;
      f.text = scratch;
      break;
    case T::STRING: {
      f.text = v.get_string().value_unsafe();
      Timestamp ts;
      if (is_time_field(name) && parse_time_text(f.text, 0, ts)) {
        w.add_time(name, ts);
        return;
      }
      f.kind = Field::Kind::String;
      w.add(f, is_category_field(name));
      return;
    }
    case T::INT64:
      f.kind = Field::Kind::Int;
      f.i = v.get_int64().value_unsafe();
      break;
    case T::UINT64:
    case T::DOUBLE:
      f.kind = Field::Kind::Float;
      f.f = v.get_double().value_unsafe();
      break;
    case T::BOOL:
      f.kind = Field::Kind::Bool;
      f.b = v.get_bool().value_unsafe();
      break;
    case T::NULL_VALUE: break;  // kept: None / null in records and docs, a null in Arrow
  }
  w.add(f);
}

}  // namespace

namespace {
// The page's scroll id and total, and its hits (false: no hits left or error set).
bool search_page(simdjson::dom::parser& parser, std::string_view body, SearchPage& page,
                 simdjson::dom::array& hits, std::string& error) {
  simdjson::dom::element doc;
  if (auto err = parser.parse(body.data(), body.size()).get(doc)) {
    error = std::string("search response is not JSON: ") + simdjson::error_message(err);
    return false;
  }
  std::string_view sid;
  if (!doc["_scroll_id"].get(sid)) page.scroll_id.assign(sid);
  int64_t total = -1;
  if (!doc["hits"]["total"]["value"].get(total) || !doc["hits"]["total"].get(total)) page.total = total;
  simdjson::dom::object outer;
  if (doc["hits"].get(outer)) {
    error = "search response has no hits";
    return false;
  }
  return !outer["hits"].get(hits);  // (filter_path would drop an empty list)
}
}  // namespace

size_t search_page_info(std::string_view body, SearchPage& page, std::string& error) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array hits;
  return search_page(parser, body, page, hits, error) ? hits.size() : 0;
}

size_t add_search_hits(ColumnWriter& w, std::string_view body, SearchPage& page, std::string& error) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::array hits;
  if (!search_page(parser, body, page, hits, error)) return 0;
  size_t n = 0;
  std::string name, scratch;
  for (simdjson::dom::element hit : hits) {
    std::string_view index, id;
    hit["_index"].get(index);
    hit["_id"].get(id);
    w.add(Field{"_index", Field::Kind::String, index}, true);
    w.add(Field{"_id", Field::Kind::String, id});
    simdjson::dom::element src;
    if (!hit["_source"].get(src) && src.is_object()) add_value(w, name, src, scratch);
    w.end_row();
    ++n;
  }
  return n;
}

std::string search_error(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return std::string(body.substr(0, 300));
  std::string_view type, reason;
  simdjson::dom::element e;
  if (doc["error"]["root_cause"].at(0).get(e) && doc["error"].get(e)) return std::string(body.substr(0, 300));
  e["type"].get(type);
  e["reason"].get(reason);
  std::string_view top_reason;
  if (!doc["error"]["reason"].get(top_reason) && top_reason != reason && !top_reason.empty())
    return std::string(type) + ": " + std::string(reason) + " (" + std::string(top_reason) + ")";
  return std::string(type) + ": " + std::string(reason);
}

bool add_json_document(ColumnWriter& w, std::string_view json, std::string& error,
                       const std::function<void()>& first) {
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  auto err = parser.parse(json.data(), json.size()).get(doc);
  if (err) {
    error = std::string("not JSON: ") + simdjson::error_message(err);
    return false;
  }
  if (!doc.is_object()) {
    error = "not a JSON object";
    return false;
  }
  if (first) first();
  std::string name, scratch;
  add_value(w, name, doc, scratch);
  w.end_row();
  return true;
}

}  // namespace ki
