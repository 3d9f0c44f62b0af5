// The _bulk request body (NDJSON) and the per-item reading of its response.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ki::es {

// Appends {"create":{"_index":"...","_id":"..."}}\n<doc>\n
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

// "reason" of a whole-request error body ({"error":{"type":..,"reason":..},"status":..}).
std::string error_summary(std::string_view body);

// "logs-%Y.%m.%d" with the UTC date of the event (epoch ms); a name without % is returned as is.
std::string index_for(std::string_view pattern, int64_t epoch_ms);

// gzip (RFC 1952) of data, for Content-Encoding: gzip request bodies.
std::string gzip_compress(std::string_view data, int level = 1);

}  // namespace ki::es
