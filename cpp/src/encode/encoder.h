// Encoder: Record -> one JSON document, in one of two layouts.
//  ecs          Elastic Common Schema (nested objects), the default.
//  kafkainsight the flat documents of the original KafkaInsight producer, field for field.
#pragma once
#include <optional>
#include <string>
#include <string_view>

#include "parse/record.h"

namespace ki {

class ColumnWriter;

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

// The value of an ECS field of a record, for message keys (--key source.ip). nullopt if the
// name is not one we can key by; an empty view if the record has no value for it.
std::optional<std::string_view> record_field(const Record& rec, std::string_view ecs_name);
bool is_key_field(std::string_view ecs_name);

class Encoder {
 public:
  explicit Encoder(EncoderConfig cfg = {}) : cfg_(cfg) {}
  // Appends the document (no trailing newline) to out.
  void encode(const Record& rec, std::string& out) const;
  // Appends the document as one row of typed columns (the same fields, no JSON text).
  void encode(const Record& rec, ColumnWriter& out) const;
  const EncoderConfig& config() const { return cfg_; }

 private:
  EncoderConfig cfg_;
};

}  // namespace ki
