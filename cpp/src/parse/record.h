// One parsed log line. Every string is a view: into the input line, into `scratch`
// (values that had to be unescaped), or into the JSON parser's buffer; all stay valid
// until the next parse with the same Parser/Record.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ki {

enum class Format : uint8_t {
  Unknown = 0,
  ApacheCommon,    // also flog's common_log: the same template
  ApacheCombined,
  ApacheError,
  Rfc3164,
  Rfc5424,
  Json,
};
inline constexpr int kFormatCount = 7;

std::string_view format_name(Format f);
// "auto" -> Unknown (detect per line); "common_log" -> ApacheCommon. nullopt if not a format.
std::optional<Format> format_from_name(std::string_view name);

struct Timestamp {
  int64_t epoch_sec = 0;   // UTC
  uint32_t nanos = 0;
  uint8_t frac_digits = 0; // fractional digits written in the input (kept on output)
  int16_t offset_min = 0;  // UTC offset of the wall-clock time the log was written in
  bool valid = false;
  int64_t epoch_ms() const { return epoch_sec * 1000 + nanos / 1000000; }
};

// One RFC 5424 structured-data parameter; name empty for an element without params.
struct SdParam {
  std::string_view id, name, value;
};

struct Record {
  Format format = Format::Unknown;
  std::string_view raw;  // the line without its line end
  Timestamp ts;

  // HTTP access (apache_common / apache_combined / json)
  std::string_view client_ip, ident, user;
  std::string_view request;  // the request line as written (unescaped)
  std::string_view method, path, protocol;
  int status = -1;
  int64_t bytes = -1;        // -1 when written as '-'
  bool has_referrer = false; // combined: referrer + agent present
  std::string_view referrer, user_agent;

  // apache_error
  std::string_view module, level;
  int64_t pid = -1, tid = -1;
  int port = -1;

  // syslog
  int priority = -1;  // -1 when the line had no <PRI>
  int version = -1;
  std::string_view hostname, app, procid, msgid;
  std::vector<SdParam> sd;

  std::string_view message;

  std::string scratch;  // reserved to the line size before any view into it is taken

  void reset(std::string_view line);
};

}  // namespace ki
