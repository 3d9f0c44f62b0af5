// The _bulk request body (NDJSON) and the per-item reading of its response.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ki::es {

// A Kafka message value as a bulk source line: exactly one JSON object (valid UTF-8, no raw
// newline). Anything else would start a new bulk action (injection) or fail the whole request,
// so it is refused with a reason. `out` gets the value itself, or its minified copy when the
// value spans lines. Returns "" when accepted, else why not.
std::string prepare_document(std::string_view value, std::string& out);

// Where a message came from, added to its document as kafka.topic / kafka.partition /
// kafka.offset (--kafka-metadata). A document that has a top-level "kafka" key of its own keeps
// it and gets nothing added (a second "kafka" key would make Elasticsearch reject it).
struct KafkaMetadata {
  std::string_view topic;
  int32_t partition = -1;
  int64_t offset = -1;
};
std::string prepare_document(std::string_view value, std::string& out, const KafkaMetadata* meta);

// Appends {"create":{"_index":"...","_id":"..."}}\n<doc>\n (doc from prepare_document)
void append_bulk_item(std::string& body, std::string_view op, std::string_view index, std::string_view id,
                      std::string_view doc);

struct BulkItemResult {
  int status = 0;
  std::string error_type, error_reason;  // empty when the item succeeded
};

struct BulkResponse {
  bool ok = false;          // the body was a bulk response
  bool errors = false;      // ES's "errors" flag
  std::vector<BulkItemResult> items;
  std::string parse_error;  // why the body could not be read
};

// Reads Elasticsearch's response body: {"took":..,"errors":..,"items":[{"create":{..,"status":201}}]}.
BulkResponse parse_bulk_response(std::string_view body);

// The _mget body for these (index, id) pairs, and the stored sources it returns, in order
// (nullopt: not found or unreadable). Used to tell a redelivery (409, same document) from a
// different message that reuses an _id (a re-created topic restarts its offsets at 0).
std::string mget_body(const std::vector<std::pair<std::string, std::string>>& index_ids);
std::vector<std::string> mget_sources(std::string_view response, size_t expected, std::vector<bool>& found);
// True when two JSON documents are the same value (key order and number spelling aside).
bool same_document(std::string_view a, std::string_view b);

// "reason" of a whole-request error body ({"error":{"type":..,"reason":..},"status":..}).
std::string error_summary(std::string_view body);

// "logs-%Y.%m.%d" with the UTC date of the event (epoch ms); a name without % is returned as is.
std::string index_for(std::string_view pattern, int64_t epoch_ms);

// gzip (RFC 1952) of data, for Content-Encoding: gzip request bodies.
std::string gzip_compress(std::string_view data, int level = 1);

}  // namespace ki::es
