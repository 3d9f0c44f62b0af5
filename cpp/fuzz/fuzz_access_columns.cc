// AccessColumns against the general way: the input's lines (split at '\n', each also after a
// plain combined line, so that the columns exist) through a ParseStage with and without it
// must give the same statuses and the same table, column for column and row for row.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "pipeline/parse_pipeline.h"

namespace {
// A row stamped with the time it was read (no time in the line: event.ingested) shows "<read>"
// instead: the two ways read the clock a moment apart.
void mask_read_time(std::string& row) {
  const std::string key = "\"ingested\":\"";
  const size_t at = row.find(key);
  if (at == std::string::npos) return;
  const size_t end = row.find('"', at + key.size());
  const std::string stamp = row.substr(at + key.size(), end - at - key.size());
  for (size_t p = row.find(stamp); p != std::string::npos; p = row.find(stamp, p + 6)) row.replace(p, stamp.size(), "<read>");
}

std::string dump(ki::ColumnTable& t) {
  t.finish();
  std::string o;
  for (size_t n = 0; n < t.nodes.size(); ++n) {
    const ki::ColumnNode& node = t.nodes[n];
    if (node.col < 0) continue;
    const ki::Column& c = t.cols[static_cast<size_t>(node.col)];
    o += t.path(static_cast<int>(n)) + " " + std::to_string(static_cast<int>(c.type)) + " " + std::to_string(c.nulls);
    if (c.type == ki::ColType::Dict)
      for (size_t d = 0; d < c.dict_size(); ++d) o += " [" + std::string(c.str(d)) + "]";
    o += "\n";
  }
  for (size_t r = 0; r < t.rows; ++r) {
    std::string row;
    ki::row_json(t, r, row);
    mask_read_time(row);
    o += row + "\n";
  }
  return o;
}
}  // namespace

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
  const std::string da = dump(a), db = dump(b);
  if (da != db) {
    std::fprintf(stderr, "tables differ\n--- direct\n%s--- general\n%s", da.c_str(), db.c_str());
    std::abort();
  }
  return 0;
}
