// Fuzzes the reader of Elasticsearch's _bulk response and error bodies (what a server, a proxy
// or an attacker on the path may send): no crash, no unbounded work, and a body that is read
// as a bulk response classifies every item.
#include <cstdint>
#include <string_view>

#include "check.h"
#include "elasticsearch/bulk.h"
#include "elasticsearch/retry.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view body(reinterpret_cast<const char*>(data), size);
  ki::es::BulkResponse r = ki::es::parse_bulk_response(body);
  if (r.ok) {
    if (!r.parse_error.empty()) ki::fuzz::die("ok with a parse error", body);
    for (const auto& it : r.items) (void)ki::es::classify_item(it.status, it.error_type, true);
  } else if (r.parse_error.empty()) {
    ki::fuzz::die("not ok and no reason", body);
  }
  std::string s = ki::es::error_summary(body);
  if (s.size() > body.size() + 2) ki::fuzz::die("error summary longer than the body", body);
  return 0;
}
