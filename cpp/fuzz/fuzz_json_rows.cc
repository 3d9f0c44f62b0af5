// Fuzzes JSON documents into rows (read_topic: any message a producer wrote; search: an engine's
// page): no crash; a document that is refused adds nothing; one that is taken writes back, as
// a row, a document that is taken again into the very same row.
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "encode/columns.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  ki::ColumnTable t;
  std::string err;
  {
    ki::ColumnWriter w(t);
    const bool ok = ki::add_json_document(w, text, err);
    if (ok != (t.rows == 1)) ki::fuzz::die("a row added for a refused document, or none for a taken one", text);
    if (!ok && err.empty()) ki::fuzz::die("refused without a reason", text);
    for (const ki::Column& c : t.cols)
      if (c.len > t.rows) ki::fuzz::die("a refused document left values behind", text);
  }
  if (t.rows == 1) {
    t.finish();
    std::string once, twice;
    ki::row_json(t, 0, once);
    ki::ColumnTable t2;
    ki::ColumnWriter w2(t2);
    if (!ki::add_json_document(w2, once, err)) ki::fuzz::die(("our own row is refused: " + err).c_str(), once);
    t2.finish();
    ki::row_json(t2, 0, twice);
    if (once != twice) ki::fuzz::die("a row written back is read as another row", text);
  }
  // The same bytes as a search page: the count of hits and the rows added agree.
  ki::SearchPage a, b;
  std::string e1, e2;
  const size_t n = ki::search_page_info(text, a, e1);
  ki::ColumnTable t3;
  ki::ColumnWriter w3(t3);
  const size_t m = ki::add_search_hits(w3, text, b, e2);
  if (e1.empty() && e2.empty() && (n != m || t3.rows != m)) ki::fuzz::die("hits counted and added differ", text);
  // (A page both refuse may have been read to different depths before the error: nothing to compare.)
  if (e1.empty() && e2.empty() && (a.scroll_id != b.scroll_id || a.total != b.total))
    ki::fuzz::die("two reads of a page differ", text);
  return 0;
}
