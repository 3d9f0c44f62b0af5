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
  Json,            // flog's json format (fixed keys, Apache time)
  AppJson,         // any JSON object per line (logging libraries, Docker json-file)
  Logfmt,          // key=value pairs
  Grok,            // user grok patterns
  Cri,             // CRI container log wrapper (Kubernetes /var/log/containers)
  NginxError,      // nginx's error_log ("2006/01/02 15:04:05 [level] pid#tid: *cid message")
  W3c,             // W3C extended log (IIS): values in the order of the file's "#Fields:" directive
  Klog,            // Kubernetes' klog and glog: "I0505 17:59:40.692994   28133 file.go:70] message"
  Zeek,            // Zeek's TSV logs: values by the file's "#fields" and "#types" directives
  Cef,             // ArcSight's Common Event Format: "CEF:0|vendor|product|version|id|name|severity|k=v …"
  MysqlSlow,       // MySQL's slow query log, an event a query (joined by --multiline mysql)
  Auditd,          // the Linux audit daemon's log: "type=SYSCALL msg=audit(1485893834.891:18877199): k=v …"
  Compose,         // `docker compose logs`: "web-1  | <line>" (the container's name, then its line)
};
inline constexpr int kFormatCount = 19;

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

// One field of a format with no fixed schema, in input order.
struct Field {
  enum class Kind : uint8_t { String, Int, Float, Bool, Null, Json };
  std::string_view name;   // dotted path as it must nest in the output: "http.response.status_code"
  Kind kind = Kind::String;
  std::string_view text;   // String: the unescaped value; Float: the number as written;
                           // Json: one JSON value (object/array) as written, minified or not
  int64_t i = 0;           // Int
  double f = 0;            // Float (text kept too, so output does not lose digits)
  bool b = false;          // Bool

  static Field string(std::string_view name, std::string_view v) { return {name, Kind::String, v}; }
  static Field integer(std::string_view name, int64_t v) {
    Field f{name, Kind::Int, {}};
    f.i = v;
    return f;
  }
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
  // nginx with a list of addresses first ("a, b, c - - [" or "\"a, b\" c - - ["): the list as
  // written; client_ip is then its first public address (else its first).
  std::string_view client_list;
  std::string_view request;  // the request line as written (unescaped)
  std::string_view method, path, protocol;
  int status = -1;
  int64_t bytes = -1;        // -1 when written as '-'
  bool has_referrer = false; // combined: referrer + agent present
  std::string_view referrer, user_agent;
  // nginx's default "main" log_format ends with "$http_x_forwarded_for": the addresses as
  // written (empty for "-" or a quoted field that is no address list).
  std::string_view forwarded_for;
  // mod_ssl's %{SSL_PROTOCOL}x %{SSL_CIPHER}x (ssl_request_log, or a LogFormat that adds them)
  std::string_view tls_protocol, tls_cipher;
  // Apache's vhost_combined / "%v %h %l %u ..." lines: the server's name (%v) and port (%p)
  std::string_view server_name;
  int server_port = -1;

  // apache_error, nginx_error
  std::string_view module, level;
  int64_t pid = -1, tid = -1;
  int port = -1;
  // nginx_error: the connection's number (*cid); the upstream and the Host header (name and
  // port) named in the message's tail
  int64_t connection_id = -1;
  std::string_view upstream, host_header;
  int host_port = -1;

  // syslog
  int priority = -1;  // -1 when the line had no <PRI>
  int version = -1;
  std::string_view hostname, app, procid, msgid;
  std::vector<SdParam> sd;

  std::string_view message;

  // formats with no fixed schema (app_json, logfmt, grok, cri)
  std::string_view logger;    // log.logger
  std::string_view service;   // service.name
  int severity = -1;          // event.severity, 0-7 syslog scale (0 emergency .. 7 debug), -1 unknown
  bool time_from_read = false; // the line had no time: @timestamp = read time, event.ingested written
  std::vector<Field> fields;  // every other key, dotted names, in input order

  std::string scratch;  // reserved to the line size before any view into it is taken

  void reset(std::string_view line);
  // Clears every parsed value but keeps raw and what keep() stored (for a wrapper's inner line).
  void clear_values();
  void clear_access();  // the HTTP access values only
  // Copies s (or a + "." + b) into storage that stays valid until the next reset; for
  // values and dotted names that are not in the line as written. Never invalidates views.
  std::string_view keep(std::string_view s);
  // A key the input wrote (a JSON object's, a key=value pair's) as a field name: one in our own
  // namespace ("kafkainsight.recipe") moves under kafkainsight.renamed, so no line can pass its
  // own value off as the product's metadata.
  std::string_view input_key(std::string_view name) {
    if (name.starts_with("kafkainsight") && (name.size() == 12 || name[12] == '.'))
      return keep_path("kafkainsight.renamed", name);
    return name;
  }
  std::string_view keep_path(std::string_view prefix, std::string_view name);

 private:
  std::vector<std::string> arena_;  // chunks that never reallocate once views point into them
  size_t arena_used_ = 0;           // chunks in use
};

}  // namespace ki
