// JSON documents -> rows of a ColumnTable (read_topic: what is in Kafka back into a table;
// search: an engine's hits). simdjson On-Demand, as for application JSON lines: a number keeps
// its text as written, and one beyond int64 / double stays exact, as text (the DOM parser
// refused a whole document, or a whole search page, for one such number).
#include <simdjson.h>

#include <cmath>

#include "encode/columns.h"
#include "encode/json_writer.h"
#include "parse/json_check.h"
#include "parse/json_number.h"
#include "parse/timestamp.h"

namespace ki {

namespace {

namespace od = simdjson::ondemand;

bool is_time_field(std::string_view name) { return name == "@timestamp" || name == "event.ingested"; }

// A float's time by the shortest text of its value, the one a row writes back.
bool float_time(const Field& f, Timestamp& ts) {
  if (f.kind != Field::Kind::Float || !std::isfinite(f.f)) return false;
  std::string text;
  append_double(text, f.f);
  return parse_time_text(text, 0, ts);
}

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

// One document's leaves, collected before any goes to the columns: a document found not to be
// JSON halfway adds no part of a row.
class Leaves {
 public:
  void clear() {
    names_.clear();
    texts_.clear();
    all_.clear();
  }
  // The fields of an object, under `name` (dotted; empty at the top). False with error set.
  bool object(od::object o, std::string& name, std::string& error) {
    const size_t base = name.size();
    for (auto field : o) {
      std::string_view k;
      if (auto e = field.unescaped_key().get(k)) return fail(e, error);
      name.resize(base);
      if (base) name.push_back('.');
      name.append(k);
      if (!value(field.value(), name, error)) return false;
    }
    name.resize(base);
    return true;
  }
  void add_to(ColumnWriter& w) const {
    for (const Leaf& l : all_) {
      Field f = l.f;
      f.name = std::string_view(names_).substr(l.name_at, l.name_len);
      if (l.text_at != std::string::npos) f.text = std::string_view(texts_).substr(l.text_at, l.text_len);
      if (l.time)
        w.add_time(f.name, l.ts);
      else
        w.add(f, l.category);
    }
  }

 private:
  struct Leaf {
    size_t name_at = 0, name_len = 0;
    Field f;
    size_t text_at = std::string::npos, text_len = 0;  // a value kept in texts_ (arrays, minified)
    bool category = false, time = false;
    Timestamp ts;
  };
  static bool fail(simdjson::error_code e, std::string& error) {
    error = simdjson::error_message(e);
    return false;
  }
  Leaf& leaf(const std::string& name, Field::Kind kind) {
    Leaf& l = all_.emplace_back();
    l.name_at = names_.size();
    l.name_len = name.size();
    names_ += name;
    l.f.kind = kind;
    return l;
  }
  bool value(od::value v, std::string& name, std::string& error) {
    od::json_type t;
    if (auto e = v.type().get(t)) return fail(e, error);
    switch (t) {
      case od::json_type::object: {
        od::object o;
        if (auto e = v.get_object().get(o)) return fail(e, error);
        return object(o, name, error);
      }
      case od::json_type::array: {  // kept as JSON text, minified (no line end in NDJSON)
        od::array a;
        std::string_view raw;
        if (auto e = v.get_array().get(a)) return fail(e, error);
        if (auto e = a.raw_json().get(raw)) return fail(e, error);
        if (check_.check(raw, false) != JsonCheck::Result::Ok) {
          error = "malformed array under '" + name + "': " + check_.error();
          return false;
        }
        Leaf& l = leaf(name, Field::Kind::Json);
        l.text_at = texts_.size();
        texts_.resize(l.text_at + raw.size());
        if (auto e = simdjson::minify(raw.data(), raw.size(), texts_.data() + l.text_at, l.text_len))
          return fail(e, error);
        texts_.resize(l.text_at + l.text_len);
        return true;
      }
      case od::json_type::string: {
        std::string_view text;
        if (auto e = v.get_string().get(text)) return fail(e, error);
        Timestamp ts;
        if (is_time_field(name) && parse_time_text(text, 0, ts)) {
          Leaf& l = leaf(name, Field::Kind::Null);
          l.time = true;
          l.ts = ts;
          return true;
        }
        Leaf& l = leaf(name, Field::Kind::String);
        l.f.text = text;
        l.category = is_category_field(name);
        return true;
      }
      case od::json_type::number: {
        Field f;
        json_number_field(v, f);
        if (!is_json_number(f.text)) {  // "01", "1.": On-Demand hands them over as numbers
          error = "malformed number '" + std::string(f.text.substr(0, 40)) + "' under '" + name + "'";
          return false;
        }
        // An epoch number in a time field is that time, as its digits written as text are (a
        // number past int64 would otherwise stay text and read back as a time). A float in a form
        // the time reader does not take (0e40783, 5E-1) is judged by the text a row writes for it.
        Timestamp ts;
        if (is_time_field(name) && (parse_time_text(f.text, 0, ts) || float_time(f, ts))) {
          Leaf& l = leaf(name, Field::Kind::Null);
          l.time = true;
          l.ts = ts;
          return true;
        }
        leaf(name, f.kind).f = f;
        return true;
      }
      case od::json_type::boolean: {
        bool b = false;
        if (auto e = v.get_bool().get(b)) return fail(e, error);
        leaf(name, Field::Kind::Bool).f.b = b;
        return true;
      }
      case od::json_type::null:
        if (auto e = v.is_null().error()) return fail(e, error);
        leaf(name, Field::Kind::Null);  // kept: None / null in records and docs, a null in Arrow
        return true;
    }
    return true;
  }
  std::string names_, texts_;
  std::vector<Leaf> all_;
  JsonCheck check_;
};

// A parser, the text with simdjson's padding, and one document's leaves, per thread.
struct JsonState {
  od::parser parser;
  std::string buf;
  Leaves leaves;
  std::string name;
  simdjson::error_code iterate(std::string_view json, od::document& doc) {
    buf.assign(json);
    buf.append(simdjson::SIMDJSON_PADDING, '\0');
    return parser.iterate(buf.data(), json.size(), buf.size()).get(doc);
  }
};

JsonState& json_state() {
  thread_local JsonState st;
  return st;
}

// Walks a search response: the scroll id, hits.total, and each hit (hit(object) returns false
// with error set to stop). False with error set if the text is not a search response.
template <class Hit>
bool search_page(std::string_view body, SearchPage& page, std::string& error, Hit&& hit) {
  JsonState& st = json_state();
  od::document doc;
  od::object top;
  auto not_json = [&](simdjson::error_code e) {
    error = std::string("search response is not JSON: ") + simdjson::error_message(e);
    return false;
  };
  if (auto e = st.iterate(body, doc)) return not_json(e);
  if (auto e = doc.get_object().get(top)) return not_json(e);
  bool has_hits = false;
  for (auto field : top) {
    std::string_view key;
    if (auto e = field.unescaped_key().get(key)) return not_json(e);
    if (key == "_scroll_id") {
      std::string_view sid;
      if (field.value().get_string().get(sid) == simdjson::SUCCESS) page.scroll_id.assign(sid);
    } else if (key == "hits") {
      od::object outer;
      if (field.value().get_object().get(outer)) break;
      has_hits = true;
      for (auto hf : outer) {
        std::string_view k2;
        if (auto e = hf.unescaped_key().get(k2)) return not_json(e);
        if (k2 == "total") {  // {"value": n, "relation": ...}, or n before Elasticsearch 7
          od::value tv;
          if (auto e = hf.value().get(tv)) return not_json(e);
          od::object to;
          int64_t total = -1;
          if (tv.get_object().get(to) == simdjson::SUCCESS) {
            if (to["value"].get_int64().get(total) == simdjson::SUCCESS) page.total = total;
          } else if (tv.get_int64().get(total) == simdjson::SUCCESS) {
            page.total = total;
          }
        } else if (k2 == "hits") {
          od::array arr;
          if (auto e = hf.value().get_array().get(arr)) return not_json(e);
          for (auto h : arr) {
            od::object ho;
            if (auto e = h.get_object().get(ho)) return not_json(e);
            if (!hit(ho)) return false;
          }
        }
      }
    }
  }
  if (!has_hits) {
    error = "search response has no hits";
    return false;
  }
  return true;
}

}  // namespace

bool add_json_document(ColumnWriter& w, std::string_view json, std::string& error,
                       const std::function<void()>& first) {
  JsonState& st = json_state();
  od::document doc;
  od::object obj;
  if (auto e = st.iterate(json, doc)) {
    error = std::string("not JSON: ") + simdjson::error_message(e);
    return false;
  }
  if (auto e = doc.get_object().get(obj)) {
    error = e == simdjson::INCORRECT_TYPE ? "not a JSON object" : std::string("not JSON: ") + simdjson::error_message(e);
    return false;
  }
  st.leaves.clear();
  st.name.clear();
  std::string why;
  if (!st.leaves.object(obj, st.name, why)) {
    error = "not JSON: " + why;
    return false;
  }
  if (!json_at_end(doc)) {
    error = "not JSON: text after the object";
    return false;
  }
  if (first) first();
  st.leaves.add_to(w);
  w.end_row();
  return true;
}

size_t search_page_info(std::string_view body, SearchPage& page, std::string& error) {
  size_t n = 0;
  search_page(body, page, error, [&](od::object&) { return ++n, true; });
  return n;
}

size_t add_search_hits(ColumnWriter& w, std::string_view body, SearchPage& page, std::string& error) {
  JsonState& st = json_state();
  size_t n = 0;
  search_page(body, page, error, [&](od::object& hit) {
    std::string_view index, id;
    st.leaves.clear();
    st.name.clear();
    for (auto field : hit) {  // _index, _id, _score, _source as the engines write them; any order taken
      std::string_view key;
      if (auto e = field.unescaped_key().get(key)) {
        error = std::string("search response is not JSON: ") + simdjson::error_message(e);
        return false;
      }
      if (key == "_index" || key == "_id") {
        if (field.value().get_string().get(key == "_index" ? index : id)) continue;
      } else if (key == "_source") {
        od::object src;
        if (field.value().get_object().get(src)) continue;
        std::string why;
        if (!st.leaves.object(src, st.name, why)) {
          error = "search hit " + std::string(id) + ": " + why;
          return false;
        }
      }
    }
    w.add(Field{"_index", Field::Kind::String, index}, true);
    w.add(Field{"_id", Field::Kind::String, id});
    st.leaves.add_to(w);
    w.end_row();
    ++n;
    return true;
  });
  return n;
}

std::string search_error(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc)) return std::string(body.substr(0, 300));
  std::string_view type, reason;
  simdjson::dom::element e;
  if (doc["error"]["root_cause"].at(0).get(e) && doc["error"].get(e)) return std::string(body.substr(0, 300));
  if (e["type"].get(type)) type = {};
  if (e["reason"].get(reason)) reason = {};
  std::string_view top_reason;
  if (!doc["error"]["reason"].get(top_reason) && top_reason != reason && !top_reason.empty())
    return std::string(type) + ": " + std::string(reason) + " (" + std::string(top_reason) + ")";
  return std::string(type) + ": " + std::string(reason);
}

}  // namespace ki
