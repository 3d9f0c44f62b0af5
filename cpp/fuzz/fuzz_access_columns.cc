// AccessColumns against the general way: the input's lines (split at '\n', each also after a
// plain combined line, so that the columns exist) through a ParseStage with and without it
// must give the same statuses and the same table, column for column and row for row.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "../tests/table_dump.h"
#include "pipeline/parse_pipeline.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::string plain =
      R"(192.0.2.1 - alice [10/Oct/2000:13:55:36 -0700] "GET /a?b=1 HTTP/1.1" 200 2326 "http://r/" "Mozilla/5.0")";
  std::vector<std::string> lines;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  while (true) {
    const size_t nl = in.find('\n');
    lines.push_back(plain);
    lines.emplace_back(in.substr(0, nl));
    if (nl == std::string_view::npos) break;
    in.remove_prefix(nl + 1);
  }
  ki::ColumnTable a, b;
  ki::ParseStage sa{ki::ParserConfig{}, ki::EncoderConfig{}}, sb{ki::ParserConfig{}, ki::EncoderConfig{}};
  sa.set_columns(&a, true);
  sb.set_columns(&b, false);
  for (const std::string& l : lines)
    if (sa.process(l) != sb.process(l)) {
      std::fprintf(stderr, "statuses differ for: %s\n", l.c_str());
      std::abort();
    }
  const std::string da = ki::test::table_dump(a), db = ki::test::table_dump(b);
  if (da != db) {  // the first line that differs (a whole dump is too long to read)
    size_t at = 0;
    while (at < da.size() && at < db.size() && da[at] == db[at]) ++at;
    const size_t from = da.rfind('\n', at == 0 ? 0 : at - 1) + 1;  // npos + 1 == 0
    auto line = [&](const std::string& d) { return d.substr(from, d.find('\n', from) - from); };
    std::fprintf(stderr, "tables differ\n--- direct\n%s\n--- general\n%s\n", line(da).c_str(), line(db).c_str());
    std::abort();
  }
  return 0;
}
