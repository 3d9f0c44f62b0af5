// Which Elasticsearch responses are retried, dead-lettered or fatal: a small pure policy,
// tested on real response bodies without a network (as Vector's sinks/elasticsearch/retry.rs).
#pragma once
#include <cstdint>
#include <random>
#include <string_view>

namespace ki::es {

enum class ItemOutcome : uint8_t {
  Indexed,    // 2xx
  Duplicate,  // 409 on "create": the document is already there (a redelivery): success
  Retry,      // 429, 5xx: try again later
  Permanent,  // 4xx such as mapper_parsing_exception: to the dead-letter topic
};
ItemOutcome classify_item(int status, std::string_view error_type, bool op_is_create);

enum class RequestOutcome : uint8_t {
  Ok,         // 200: look at the items
  Retry,      // 429, 502, 503, 504, 500, transport errors, timeouts
  AuthFatal,  // 401, 403: stop with a clear error
  Fatal,      // other 4xx (bad URL, 404 on _bulk, 413 too large...): stop, nothing committed
};
RequestOutcome classify_request(long http_status);

// Exponential backoff with full jitter, capped: attempt 0 -> [0, initial], 1 -> [0, 2*initial] ...
class Backoff {
 public:
  Backoff(uint32_t initial_ms = 100, uint32_t max_ms = 30000, uint64_t seed = 0x5eed)
      : initial_ms_(initial_ms), max_ms_(max_ms), rng_(seed) {}
  uint32_t delay_ms(uint32_t attempt);
  uint32_t ceiling_ms(uint32_t attempt) const;

 private:
  uint32_t initial_ms_, max_ms_;
  std::mt19937_64 rng_;
};

}  // namespace ki::es
