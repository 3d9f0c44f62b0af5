// Encoder: Record -> one JSON document, in one of two layouts.
//  ecs          Elastic Common Schema (nested objects), the default.
//  kafkainsight the flat documents of the original KafkaInsight producer, field for field.
#pragma once
#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// The value of an ECS field of a record, for message keys (--key source.ip). nullopt if the
// name is not one we can key by; an empty view if the record has no value for it.
std::optional<std::string_view> record_field(const Record& rec, std::string_view ecs_name);
bool is_key_field(std::string_view ecs_name);

// Where a field of the input that collides with one we write goes: "kafkainsight.renamed.<name>".
// ours (grouped by prefix) + user (Record::fields): sorted by path into ours, collisions
// renamed (names stored in `names`); returns how many user fields were renamed or dropped.
size_t merge_fields(std::vector<Field>& ours, const std::vector<Field>& user, std::string& names);

struct Doc;
class ColumnWriter;

class Encoder {
 public:
  explicit Encoder(EncoderConfig cfg = {}) : cfg_(cfg) {}
  // Appends the document (no trailing newline) to out. Record::fields are written with their
  // dotted names expanded into nested objects, merged with ours; one that collides with a field
  // we write moves to kafkainsight.renamed.<name> (counted in renamed_fields()).
  void encode(const Record& rec, std::string& out) const;
  // The same document as one row of typed columns (no JSON text).
  void encode(const Record& rec, ColumnWriter& out) const;
  const EncoderConfig& config() const { return cfg_; }
  uint64_t renamed_fields() const { return renamed_; }

 private:
  // Our fields + the record's, merged. for_columns: timestamps are not rendered as text (the
  // columns take the Timestamp itself).
  const Doc& collect(const Record& rec, bool for_columns = false, ColumnWriter* direct = nullptr) const;
  void collect_ecs(const Record& rec, Doc& d) const;
  void collect_flat(const Record& rec, Doc& d) const;
  EncoderConfig cfg_;
  mutable uint64_t renamed_ = 0;
};

}  // namespace ki
