// Encoder: Record -> one JSON document, in one of two layouts.
//  ecs          Elastic Common Schema (nested objects), the default.
//  kafkainsight the flat documents of the original KafkaInsight producer, field for field.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "parse/record.h"

namespace ki {

enum class Schema : uint8_t { Ecs, KafkaInsight };
std::string_view schema_name(Schema s);
std::optional<Schema> schema_from_name(std::string_view name);

struct EncoderConfig {
  Schema schema = Schema::Ecs;
  bool include_original = false;  // ecs: event.original = the raw line
};

// "2024-01-24T12:39:13+08:00", fraction as written, "Z" for UTC.
void append_iso8601(std::string& out, const Timestamp& ts);
// HTTP status class label: "Informational", "Successful", "Redirection", "Client Error", ...
std::string_view status_class(int status);

class Encoder {
 public:
  explicit Encoder(EncoderConfig cfg = {}) : cfg_(cfg) {}
  // Appends the document (no trailing newline) to out.
  void encode(const Record& rec, std::string& out) const;
  const EncoderConfig& config() const { return cfg_; }

 private:
  void encode_ecs(const Record& rec, std::string& out) const;
  void encode_kafkainsight(const Record& rec, std::string& out) const;
  EncoderConfig cfg_;
};

}  // namespace ki
