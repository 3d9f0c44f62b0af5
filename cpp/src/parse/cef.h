// ArcSight's Common Event Format (firewalls, IDS, WAFs, SIEM forwarders): a line
// "CEF:0|Vendor|Product|Version|Class ID|Name|Severity|key=value key=value …", on its own or as
// a syslog message. Named as Filebeat's decode_cef processor names it: the header under cef.*,
// each extension under cef.extensions.<full name> ("src" -> sourceAddress), typed as the CEF
// spec types it, and the ECS fields the processor copies them to (source.ip, destination.port, …).
#pragma once
#include <string_view>

namespace ki {

struct ParseContext;
struct Record;

// "CEF:" and a version digit.
bool looks_cef(std::string_view line);
// A whole line (format cef).
bool parse_cef(std::string_view line, const ParseContext& ctx, Record& rec);
// A syslog message that is CEF (body: the text after "CEF:"): the header's time and host stand
// where the event has none of its own. False (rec untouched) if it is no CEF.
bool read_cef_message(std::string_view body, const ParseContext& ctx, Record& rec);

}  // namespace ki
