#include "elasticsearch/bulk.h"

#include <simdjson.h>
#include <zlib.h>

#include <nlohmann/json.hpp>

#include <stdexcept>

#include "encode/json_writer.h"
#include "util/timefmt.h"

namespace ki::es {

std::string prepare_document(std::string_view value, std::string& out) { return prepare_document(value, out, nullptr); }

std::string prepare_document(std::string_view value, std::string& out, const KafkaMetadata* meta) {
  if (value.empty()) return "empty message: no JSON document";
  thread_local simdjson::dom::parser parser;
  simdjson::dom::element doc;
  // The DOM parser validates UTF-8, rejects unescaped control characters in strings and any
  // content after the first value, so an accepted value can hold a newline only as whitespace.
  if (auto e = parser.parse(value.data(), value.size(), true).get(doc))
    return std::string("not a JSON document: ") + simdjson::error_message(e);
  if (doc.type() != simdjson::dom::element_type::OBJECT) return "not a JSON object";
  if (value.find_first_of("\n\r") == std::string_view::npos) {
    out.assign(value);
  } else {
    out.resize(value.size());
    size_t len = 0;
    if (simdjson::minify(value.data(), value.size(), out.data(), len)) return "not a JSON document: minify failed";
    out.resize(len);
  }
  simdjson::dom::object obj = doc.get_object().value_unsafe();
  if (meta && obj["kafka"].error() == simdjson::NO_SUCH_FIELD) {
    size_t end = out.rfind('}');  // the object's own end: only whitespace may follow it
    std::string add = obj.size() > 0 ? ",\"kafka\":{\"topic\":\"" : "\"kafka\":{\"topic\":\"";
    append_json_escaped(add, meta->topic);
    add += "\",\"partition\":" + std::to_string(meta->partition) + ",\"offset\":" + std::to_string(meta->offset) + "}";
    out.insert(end, add);
  }
  return {};
}

void append_bulk_item(std::string& body, std::string_view op, std::string_view index, std::string_view id,
                      std::string_view doc) {
  body += "{\"";
  body += op;
  body += "\":{\"_index\":\"";
  append_json_escaped(body, index);
  body += "\",\"_id\":\"";
  append_json_escaped(body, id);
  body += "\"}}\n";
  body += doc;
  body += '\n';
}

BulkResponse parse_bulk_response(std::string_view body) {
  BulkResponse r;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (auto e = parser.parse(body.data(), body.size(), true).get(doc)) {
    r.parse_error = simdjson::error_message(e);
    return r;
  }
  bool errors = false;
  if (doc["errors"].get_bool().get(errors) == simdjson::SUCCESS) r.errors = errors;
  simdjson::dom::array items;
  if (doc["items"].get_array().get(items)) {
    r.parse_error = "no \"items\" array in the bulk response";
    return r;
  }
  for (simdjson::dom::element item : items) {
    simdjson::dom::object obj;
    if (item.get_object().get(obj)) continue;
    for (auto op : obj) {  // one key: the action
      BulkItemResult res;
      int64_t status = 0;
      if (op.value["status"].get_int64().get(status) == simdjson::SUCCESS) res.status = static_cast<int>(status);
      simdjson::dom::element err;
      if (op.value["error"].get(err) == simdjson::SUCCESS) {
        std::string_view s;
        if (err["type"].get_string().get(s) == simdjson::SUCCESS) res.error_type = s;
        if (err["reason"].get_string().get(s) == simdjson::SUCCESS) res.error_reason = s;
        simdjson::dom::element cause;
        if (err["caused_by"].get(cause) == simdjson::SUCCESS &&
            cause["reason"].get_string().get(s) == simdjson::SUCCESS) {
          res.error_reason += ": ";
          res.error_reason += s;
        }
      }
      r.items.push_back(std::move(res));
      break;
    }
  }
  r.ok = true;
  return r;
}

std::string mget_body(const std::vector<std::pair<std::string, std::string>>& index_ids) {
  std::string b = "{\"docs\":[";
  for (size_t i = 0; i < index_ids.size(); ++i) {
    if (i) b += ',';
    b += "{\"_index\":\"";
    append_json_escaped(b, index_ids[i].first);
    b += "\",\"_id\":\"";
    append_json_escaped(b, index_ids[i].second);
    b += "\"}";
  }
  b += "]}";
  return b;
}

std::vector<std::string> mget_sources(std::string_view response, size_t expected, std::vector<bool>& found) {
  std::vector<std::string> out(expected);
  found.assign(expected, false);
  nlohmann::json j = nlohmann::json::parse(response, nullptr, false);
  if (!j.is_object() || !j.contains("docs") || !j["docs"].is_array()) return out;
  const auto& docs = j["docs"];
  for (size_t i = 0; i < expected && i < docs.size(); ++i) {
    const auto& d = docs[i];
    if (d.is_object() && d.value("found", false) && d.contains("_source")) {
      out[i] = d["_source"].dump();
      found[i] = true;
    }
  }
  return out;
}

bool same_document(std::string_view a, std::string_view b) {
  if (a == b) return true;
  nlohmann::json x = nlohmann::json::parse(a, nullptr, false), y = nlohmann::json::parse(b, nullptr, false);
  return !x.is_discarded() && !y.is_discarded() && x == y;
}

std::string error_summary(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size(), true).get(doc)) return std::string(body.substr(0, 300));
  std::string_view type, reason;
  simdjson::dom::element err;
  if (doc["error"].get(err) == simdjson::SUCCESS) {
    std::string_view s;
    if (err.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
    if (err["type"].get_string().get(type) != simdjson::SUCCESS) type = {};
    if (err["reason"].get_string().get(reason) != simdjson::SUCCESS) reason = {};
  }
  if (type.empty() && reason.empty()) return std::string(body.substr(0, 300));
  return std::string(type) + ": " + std::string(reason);
}

std::string index_for(std::string_view pattern, int64_t epoch_ms) {
  if (pattern.find('%') == std::string_view::npos) return std::string(pattern);
  int64_t days = (epoch_ms >= 0 ? epoch_ms : epoch_ms - 86399999) / 86400000;
  int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  std::string out;
  for (size_t i = 0; i < pattern.size(); ++i) {
    if (pattern[i] != '%' || i + 1 == pattern.size()) {
      out.push_back(pattern[i]);
      continue;
    }
    switch (pattern[++i]) {
      case 'Y': append_padded(out, y, 4); break;
      case 'm': append_padded(out, m, 2); break;
      case 'd': append_padded(out, d, 2); break;
      case '%': out.push_back('%'); break;
      default: out.push_back('%'), out.push_back(pattern[i]);
    }
  }
  return out;
}

std::string gzip_compress(std::string_view data, int level) {
  z_stream zs{};
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("gzip: deflateInit2 failed");
  std::string out;
  out.resize(deflateBound(&zs, data.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&zs, Z_FINISH);
  deflateEnd(&zs);
  if (rc != Z_STREAM_END) throw std::runtime_error("gzip: deflate failed");
  out.resize(zs.total_out);
  return out;
}

}  // namespace ki::es
