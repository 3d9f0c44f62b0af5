// Settings as the Python functions take them (format and schema names, zone minutes, rules as a
// path or YAML text), checked once here: an unknown name is a ValueError that lists the choices.
#pragma once
#include <pybind11/pybind11.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "encode/encoder.h"
#include "line_options.h"
#include "parse/parser.h"
#include "watch/rules_config.h"

namespace ki_py {

namespace py = pybind11;

inline ki::Format to_format(const std::string& name) {
  auto f = ki::format_from_name(name);
  if (!f)
    throw py::value_error("unknown format '" + name +
                          "'; choose auto, apache_common, common_log, apache_combined, apache_error, nginx_error, "
                          "rfc3164, rfc5424, json, app_json, logfmt, cri, w3c, klog, zeek, cef, mysql_slow, auditd, compose or grok (with grok patterns)");
  return *f;
}

inline std::string format_text(ki::Format f) { return f == ki::Format::Unknown ? "auto" : std::string(ki::format_name(f)); }

inline ki::Schema to_schema(const std::string& name) {
  auto s = ki::schema_from_name(name);
  if (!s) throw py::value_error("unknown schema '" + name + "'; choose ecs or kafkainsight");
  return *s;
}

// The app_json / logfmt overrides and --add-field, for the calls that parse lines.
struct FieldOptions {
  std::string json_time_field, json_level_field, json_message_field;
  std::vector<std::string> add_fields;  // "name=value"
};

inline ki::ParserConfig parser_config(const std::string& format, int tz_offset_min, int year,
                                      const FieldOptions& o = {}, const ki::GrokConfig& grok = {},
                                      const ki::MultilineConfig& multiline = {}, const std::string& encoding = "") {
  ki::ParserConfig c;
  c.format = to_format(format);
  c.default_offset_min = tz_offset_min;
  c.default_year = year;
  c.json_time_field = o.json_time_field;
  c.json_level_field = o.json_level_field;
  c.json_message_field = o.json_message_field;
  for (const auto& a : o.add_fields) {
    auto kv = ki::parse_add_field(a);
    if (!kv) throw py::value_error("add_field '" + a + "': expected name=value (name a dotted field path)");
    c.add_fields.push_back(*kv);
  }
  apply_line_options(c, grok, multiline);
  apply_encoding(c, encoding);
  return c;
}

// Rules from a YAML file, or YAML text, or the built-in defaults (both empty).
inline ki::watch::RulesConfig load_rules(const std::string& path, const std::string& text) {
  if (!path.empty()) return ki::watch::load_rules_file(path);
  if (!text.empty()) return ki::watch::load_rules_yaml(text, "<rules>");
  return ki::watch::RulesConfig{};
}

// Lines per format -> {"apache_common": n, ...} (formats with none left out).
inline py::dict by_format_dict(const std::array<uint64_t, ki::kFormatCount>& by_format) {
  py::dict by;
  for (int i = 1; i < ki::kFormatCount; ++i)
    if (by_format[i]) by[py::str(std::string(ki::format_name(static_cast<ki::Format>(i))))] = by_format[i];
  return by;
}

}  // namespace ki_py
