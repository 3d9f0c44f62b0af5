#include "parse/zeek.h"

#include "encode/json_writer.h"
#include "parse/scan.h"

namespace ki {

namespace {

using Kind = ZeekLayout::Kind;

// Zeek's ASCII escapes: "\xHH" for a byte (separators, non-printable bytes), "\\" for a backslash.
std::string unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 1 < s.size()) {
      if (s[i + 1] == '\\') {
        out.push_back('\\');
        ++i;
        continue;
      }
      if (s[i + 1] == 'x' && i + 3 < s.size() && scan::hex_digit(s[i + 2]) >= 0 && scan::hex_digit(s[i + 3]) >= 0) {
        out.push_back(static_cast<char>(scan::hex_digit(s[i + 2]) * 16 + scan::hex_digit(s[i + 3])));
        i += 3;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

Kind kind_of(std::string_view type) {
  if (type == "count" || type == "int" || type == "port") return Kind::Int;
  if (type == "double" || type == "interval" || type == "time") return Kind::Number;
  if (type == "bool") return Kind::Bool;
  return Kind::Text;  // string, addr, subnet, enum, pattern, …
}

void split(std::string_view s, std::string_view sep, std::vector<std::string_view>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    const size_t e = sep.empty() ? std::string_view::npos : s.find(sep, i);
    if (e == std::string_view::npos) {
      out.push_back(s.substr(i));
      return;
    }
    out.push_back(s.substr(i, e - i));
    i = e + sep.size();
  }
}

void rebuild(ZeekLayout& l) {
  l.cols.clear();
  for (size_t i = 0; i < l.names.size(); ++i) {
    ZeekLayout::Column c;
    c.name = l.names[i];
    std::string_view t = i < l.types.size() ? std::string_view(l.types[i]) : std::string_view("string");
    for (std::string_view box : {"set[", "vector[", "table["})
      if (t.starts_with(box) && t.ends_with("]")) {
        c.container = true;
        t = t.substr(box.size(), t.size() - box.size() - 1);
        break;
      }
    c.kind = kind_of(t);
    l.cols.push_back(std::move(c));
  }
}

bool is_int(std::string_view v) {
  size_t i = !v.empty() && v[0] == '-' ? 1 : 0;
  if (i == v.size() || v.size() - i > 20) return false;
  for (; i < v.size(); ++i)
    if (v[i] < '0' || v[i] > '9') return false;
  return true;
}

// One scalar value as JSON; false if a count or bool is none.
bool scalar(std::string_view v, Kind k, const ZeekLayout& l, std::string& json, std::string& scratch) {
  if (v == l.unset) {  // inside a set (the whole field unset is left out before)
    json.append("null");
    return true;
  }
  switch (k) {
    case Kind::Int:
      if (!is_int(v)) return false;
      json.append(v);
      return true;
    case Kind::Number:
      if (is_json_number(v)) {
        json.append(v);
        return true;
      }
      break;  // inf, nan: kept as text
    case Kind::Bool:
      if (v != "T" && v != "F") return false;
      json.append(v == "T" ? "true" : "false");
      return true;
    case Kind::Text: break;
  }
  json.push_back('"');
  if (v != l.empty && v.find('\\') == std::string_view::npos) {
    append_json_escaped(json, v);  // nothing escaped: written as it is (no copy)
  } else if (v != l.empty) {
    std::string raw = unescape(v);
    scratch.clear();
    // Bytes that are no UTF-8 keep Zeek's \xHH (JSON text would only show U+FFFD for them).
    append_json_escaped(json, append_utf8_repaired(scratch, raw) ? v : std::string_view(raw));
  }
  json.push_back('"');
  return true;
}

}  // namespace

// (a blank after the word, as Zeek writes it; a tab where a file was rewritten)
bool is_zeek_separator(std::string_view line) {
  return line.size() > 11 && line.starts_with("#separator") && (line[10] == ' ' || line[10] == '\t');
}

bool apply_zeek_directive(std::string_view line, ZeekLayout& l) {
  if (line.empty() || line[0] != '#') return false;
  if (is_zeek_separator(line)) {
    std::string_view v = line.substr(11);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\r')) v.remove_suffix(1);
    l = ZeekLayout{};
    l.sep = unescape(v);
    if (l.sep.empty()) l.sep = "\t";
    return true;
  }
  const size_t at = line.find(l.sep);
  const std::string_view key = line.substr(1, at == std::string_view::npos ? std::string_view::npos : at - 1);
  const std::string_view rest = at == std::string_view::npos ? std::string_view{} : line.substr(at + l.sep.size());
  if (key.empty() || key.find(' ') != std::string_view::npos) return false;
  std::vector<std::string_view> parts;
  if (key == "set_separator") l.set_sep = unescape(rest);
  else if (key == "empty_field") l.empty = std::string(rest);
  else if (key == "unset_field") l.unset = std::string(rest);
  else if (key == "path") l.path = std::string(rest);
  else if (key == "fields" || key == "types") {
    split(rest, l.sep, parts);
    auto& dst = key == "fields" ? l.names : l.types;
    dst.assign(parts.begin(), parts.end());
    rebuild(l);
  }
  return true;  // #open, #close and others: header lines too
}

bool zeek_to_json(std::string_view line, const ZeekLayout& l, std::string& json, std::string& why) {
  if (l.cols.empty()) {
    why = "no #fields directive in the Zeek log's header before this line";
    return false;
  }
  std::vector<std::string_view> cells, items;
  split(line, l.sep, cells);
  if (cells.size() != l.cols.size()) {
    why = std::to_string(cells.size()) + " values for the " + std::to_string(l.cols.size()) +
          " fields of the Zeek log's #fields directive";
    return false;
  }
  json.assign("{");
  std::string scratch;
  for (size_t i = 0; i < cells.size(); ++i) {
    const ZeekLayout::Column& c = l.cols[i];
    const std::string_view v = cells[i];
    if (v == l.unset) continue;  // Zeek's JSON leaves unset fields out
    if (json.size() > 1) json.push_back(',');
    json.push_back('"');
    append_json_escaped(json, c.name);
    json.append("\":");
    bool ok = true;
    if (!c.container) {
      ok = scalar(v, c.kind, l, json, scratch);
    } else {
      json.push_back('[');
      if (v != l.empty) {
        split(v, l.set_sep, items);
        for (size_t k = 0; k < items.size() && ok; ++k) {
          if (k) json.push_back(',');
          ok = scalar(items[k], c.kind, l, json, scratch);
        }
      }
      json.push_back(']');
    }
    if (!ok) {
      why = "'" + std::string(v.substr(0, 40)) + "' is not a Zeek " + (i < l.types.size() ? l.types[i] : "value") +
            " (field " + c.name + ")";
      return false;
    }
  }
  json.push_back('}');
  return true;
}

}  // namespace ki
