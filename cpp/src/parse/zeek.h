// Zeek's TSV logs (LogAscii, Zeek's default; conn.log, dns.log, http.log, …): a header of "#"
// directives says the separator, the markers of unset and empty values, the log's path and each
// column's name and Zeek type. A data line is read as the JSON line Zeek writes for the same
// record with LogAscii::use_json=T (numbers, booleans and sets typed, unset fields left out), so
// the two forms of one log give the same documents.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ki {

struct ZeekLayout {
  enum class Kind : uint8_t { Text, Int, Number, Bool };
  struct Column {
    std::string name;
    Kind kind = Kind::Text;
    bool container = false;  // set[…], vector[…], table[…]: a JSON array of kind
  };
  std::string sep = "\t", set_sep = ",", empty = "(empty)", unset = "-";
  std::string path;           // "#path conn"
  std::vector<std::string> names, types;  // "#fields", "#types" as written
  std::vector<Column> cols;   // both combined (types missing: text)
};

// "#separator \x09" (a Zeek log's first line): a new layout.
bool is_zeek_separator(std::string_view line);
// Another directive of the header ("#fields\tts\tuid…"): applied to layout; false if the line is
// none (then it is no header line of this log).
bool apply_zeek_directive(std::string_view line, ZeekLayout& layout);
// A data line as Zeek's JSON writer would write it, into json; false with why if it does not fit
// the header (a value count, a number or a bool that is none).
bool zeek_to_json(std::string_view line, const ZeekLayout& layout, std::string& json, std::string& why);

}  // namespace ki
