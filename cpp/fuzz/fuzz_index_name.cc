// Fuzzes index-name and pattern validation: a pattern it accepts must make valid names for
// any event date in years 1..9999, and a name it accepts never holds a URL path, query or
// fragment character.
#include <cstdint>
#include <string>

#include "check.h"
#include "elasticsearch/bulk.h"
#include "elasticsearch/index_name.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string pattern(reinterpret_cast<const char*>(data), size);
  if (!ki::es::index_pattern_error(pattern).empty()) return 0;
  // Only the digits differ between dates: the first and last day of the range cover them.
  for (int64_t ms : {-62135596800000LL, 253402300799999LL, 1700000000000LL}) {
    std::string name = ki::es::index_for(pattern, ms);
    if (!ki::es::index_name_error(name).empty()) ki::fuzz::die("accepted pattern made an invalid name", name);
    if (name.find_first_of("/?#%\\ \r\n") != std::string::npos) ki::fuzz::die("URL character in a name", name);
  }
  return 0;
}
