// Fuzzes the consumer's door into a _bulk body with arbitrary Kafka message bytes: a value is
// accepted only as one JSON object on one line (the same value as given), and the body built
// from it has exactly two lines, action then document: no byte of a message can start another
// bulk action.
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "elasticsearch/bulk.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view value(reinterpret_cast<const char*>(data), size);
  std::string doc;
  std::string why = ki::es::prepare_document(value, doc);
  if (!why.empty()) return 0;  // refused: dead-lettered with that reason
  if (doc.find_first_of("\n\r") != std::string::npos) ki::fuzz::die("accepted document spans lines", value);
  if (!simdjson::validate_utf8(doc.data(), doc.size())) ki::fuzz::die("accepted document is not UTF-8", value);
  if (!ki::es::same_document(doc, value)) ki::fuzz::die("accepted document differs from the message", value);
  std::string body;
  ki::es::append_bulk_item(body, "create", "test-log", "data_log-0-1", doc);
  size_t nl = body.find('\n');
  if (nl == std::string::npos || body.find('\n', nl + 1) != body.size() - 1 ||
      std::string_view(body).substr(nl + 1, doc.size()) != doc)
    ki::fuzz::die("bulk body is not one action line and one document line", value);
  return 0;
}
