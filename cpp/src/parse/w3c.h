// W3C extended log format (IIS, and every server that writes "#Fields:"): a data line's values
// are the fields its file's last "#Fields:" directive named, in that order, separated by blanks
// (tabs where the line has one: CloudFront). Known fields get the names the IISLOG grok recipe
// (and Filebeat's iis module) gives them, Windows Firewall's (pfirewall.log) ECS's; any other
// becomes w3c.<name>.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "parse/record.h"

namespace ki {

struct ParseContext;

struct W3cLayout {
  enum class Kind : uint8_t { Date, Time, Text, Int, ClientIp, Method, Status, Bytes, UserAgent, Version, Lower, Direction };
  struct Column {
    Kind kind = Kind::Text;
    std::string name;  // the document's field
  };
  std::vector<Column> cols;
  bool has_date = false, has_time = false;
  bool local_time = false;  // "#Time Format: Local" (Windows Firewall): times in --tz, not UTC
};

// The layout a "#Fields: date time c-ip …" line declares; false (why says so) if it is none.
bool w3c_layout(std::string_view directive, W3cLayout& out, std::string& why);
// One data line by `layout`; false with `why` set if its values do not fit it.
bool parse_w3c(std::string_view line, const W3cLayout& layout, const ParseContext& ctx, Record& rec, std::string& why);

}  // namespace ki
