// WatchEvent: the few fields the alert rules look at, from a parsed Record (offline: files,
// lists of lines) or from a JSON document on the topic (either schema, ecs or kafkainsight).
// Strings are owned: rules keep samples and keys after the input buffer is gone.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

#include "parse/record.h"

namespace ki::watch {

struct WatchEvent {
  int64_t ts_ms = 0;
  bool has_ts = false;
  int status = -1;    // HTTP status, -1 when not an access log
  int severity = -1;  // 0 emerg .. 7 debug, 8 trace; -1 when the line has no level
  std::string client_ip, user, host, app, source, level, method, path, message;
  std::string format;
  bool login_failed = false;  // a failed login (sshd's, Postfix SASL's, Dovecot's event.outcome failure): auth_failures counts it
};

// Syslog keyword or Apache error level -> severity 0..8 ("error" = "err" = 3, "warn" = 4,
// "trace1".."trace8" = 8); -1 if unknown.
int severity_from_level(std::string_view level);
// Severity 0..7 -> "emerg".."debug"; 8 -> "trace".
std::string_view severity_name(int severity);

// source: where the line came from (a file name, the ki.source header), a fallback key.
WatchEvent event_from_record(const Record& rec, std::string_view source);

// Decodes one document as the producer wrote it (ecs or kafkainsight, detected per document).
// fallback_ts_ms is used when the document has no @timestamp (the Kafka message timestamp).
// False if the value is not a JSON object.
class DocumentDecoder {
 public:
  DocumentDecoder();
  ~DocumentDecoder();
  bool decode(std::string_view json, std::string_view source, int64_t fallback_ts_ms, WatchEvent& ev);

 private:
  struct Impl;
  Impl* impl_;
};

// One sample event as a compact JSON object (for alert lines).
std::string sample_json(const WatchEvent& ev);
// "2024-01-24T12:39:13.000Z"
std::string iso_ms(int64_t ms);

}  // namespace ki::watch
