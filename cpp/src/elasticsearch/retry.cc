#include "elasticsearch/retry.h"

#include <algorithm>

namespace ki::es {

ItemOutcome classify_item(int status, std::string_view error_type, bool op_is_create) {
  if (status >= 200 && status < 300) return ItemOutcome::Indexed;
  if (status == 409 && op_is_create) return ItemOutcome::Duplicate;
  if (status == 429 || status >= 500) return ItemOutcome::Retry;
  // A rejected execution can come back with other statuses on old clusters.
  if (error_type == "es_rejected_execution_exception" || error_type == "circuit_breaking_exception")
    return ItemOutcome::Retry;
  return ItemOutcome::Permanent;
}

RequestOutcome classify_request(long s) {
  if (s >= 200 && s < 300) return RequestOutcome::Ok;
  if (s == 401 || s == 403) return RequestOutcome::AuthFatal;
  if (s == 0 || s == 408 || s == 429 || s >= 500) return RequestOutcome::Retry;  // 0: no response
  return RequestOutcome::Fatal;
}

uint32_t Backoff::ceiling_ms(uint32_t attempt) const {
  uint64_t c = static_cast<uint64_t>(initial_ms_) << std::min<uint32_t>(attempt, 20);
  return static_cast<uint32_t>(std::min<uint64_t>(c, max_ms_));
}

uint32_t Backoff::delay_ms(uint32_t attempt) {
  uint32_t c = ceiling_ms(attempt);
  return std::uniform_int_distribution<uint32_t>(c / 2, c)(rng_);  // jitter in the upper half
}

}  // namespace ki::es
