#include "parse/cef.h"

#include <charconv>
#include <string>
#include <unordered_map>
#include <vector>

#include "encode/encoder.h"  // append_iso8601
#include "parse/parser.h"
#include "parse/scan.h"
#include "parse/timestamp.h"
#include "util/ip.h"
#include "util/timefmt.h"

namespace ki {

namespace {

enum class T : uint8_t { Str, Int, Dbl, Ip, Time };

// The extension keys of the CEF spec (ArcSight CEF, version 25): the short name a device may
// write, the full name (cef.extensions.<full>), the type, and the ECS field it is copied to
// (as Filebeat's decode_cef copies it, and the interfaces to observer.ingress/egress; empty: none). A key the table does not know is kept under
// its own name, as text.
struct Key {
  std::string_view short_name, full;
  T type;
  std::string_view ecs;
};
constexpr Key kKeys[] = {
    {"agt", "agentAddress", T::Ip, "agent.ip"},
    {"agentDnsDomain", "agentDnsDomain", T::Str, "agent.name"},
    {"ahost", "agentHostName", T::Str, "agent.name"},
    {"aid", "agentId", T::Str, "agent.id"},
    {"amac", "agentMacAddress", T::Str, "agent.mac"},
    {"agentNtDomain", "agentNtDomain", T::Str, ""},
    {"art", "agentReceiptTime", T::Time, "event.created"},
    {"atz", "agentTimeZone", T::Str, ""},
    {"agentTranslatedAddress", "agentTranslatedAddress", T::Ip, ""},
    {"agentTranslatedZoneExternalID", "agentTranslatedZoneExternalID", T::Str, ""},
    {"agentTranslatedZoneURI", "agentTranslatedZoneURI", T::Str, ""},
    {"at", "agentType", T::Str, "agent.type"},
    {"av", "agentVersion", T::Str, "agent.version"},
    {"agentZoneExternalID", "agentZoneExternalID", T::Str, ""},
    {"agentZoneURI", "agentZoneURI", T::Str, ""},
    {"app", "applicationProtocol", T::Str, "network.application"},
    {"cnt", "baseEventCount", T::Int, ""},
    {"in", "bytesIn", T::Int, "source.bytes"},
    {"out", "bytesOut", T::Int, "destination.bytes"},
    {"customerExternalID", "customerExternalID", T::Str, "organization.id"},
    {"customerURI", "customerURI", T::Str, "organization.name"},
    {"dst", "destinationAddress", T::Ip, "destination.ip"},
    {"destinationDnsDomain", "destinationDnsDomain", T::Str, "destination.domain"},
    {"dlat", "destinationGeoLatitude", T::Dbl, "destination.geo.location.lat"},
    {"dlong", "destinationGeoLongitude", T::Dbl, "destination.geo.location.lon"},
    {"dhost", "destinationHostName", T::Str, "destination.domain"},
    {"dmac", "destinationMacAddress", T::Str, "destination.mac"},
    {"dntdom", "destinationNtDomain", T::Str, ""},
    {"dpt", "destinationPort", T::Int, "destination.port"},
    {"dpid", "destinationProcessId", T::Int, "destination.process.pid"},
    {"dproc", "destinationProcessName", T::Str, "destination.process.name"},
    {"destinationServiceName", "destinationServiceName", T::Str, "destination.service.name"},
    {"destinationTranslatedAddress", "destinationTranslatedAddress", T::Ip, "destination.nat.ip"},
    {"destinationTranslatedPort", "destinationTranslatedPort", T::Int, "destination.nat.port"},
    {"destinationTranslatedZoneExternalID", "destinationTranslatedZoneExternalID", T::Str, ""},
    {"destinationTranslatedZoneURI", "destinationTranslatedZoneURI", T::Str, ""},
    {"duid", "destinationUserId", T::Str, "destination.user.id"},
    {"duser", "destinationUserName", T::Str, "destination.user.name"},
    {"dpriv", "destinationUserPrivileges", T::Str, "destination.user.group.name"},
    {"destinationZoneExternalID", "destinationZoneExternalID", T::Str, ""},
    {"destinationZoneURI", "destinationZoneURI", T::Str, ""},
    {"act", "deviceAction", T::Str, "event.action"},
    {"dvc", "deviceAddress", T::Ip, "observer.ip"},
    {"cfp1", "deviceCustomFloatingPoint1", T::Dbl, ""},
    {"cfp1Label", "deviceCustomFloatingPoint1Label", T::Str, ""},
    {"cfp2", "deviceCustomFloatingPoint2", T::Dbl, ""},
    {"cfp2Label", "deviceCustomFloatingPoint2Label", T::Str, ""},
    {"cfp3", "deviceCustomFloatingPoint3", T::Dbl, ""},
    {"cfp3Label", "deviceCustomFloatingPoint3Label", T::Str, ""},
    {"cfp4", "deviceCustomFloatingPoint4", T::Dbl, ""},
    {"cfp4Label", "deviceCustomFloatingPoint4Label", T::Str, ""},
    {"c6a1", "deviceCustomIPv6Address1", T::Ip, ""},
    {"c6a1Label", "deviceCustomIPv6Address1Label", T::Str, ""},
    {"c6a2", "deviceCustomIPv6Address2", T::Ip, ""},
    {"c6a2Label", "deviceCustomIPv6Address2Label", T::Str, ""},
    {"c6a3", "deviceCustomIPv6Address3", T::Ip, ""},
    {"c6a3Label", "deviceCustomIPv6Address3Label", T::Str, ""},
    {"c6a4", "deviceCustomIPv6Address4", T::Ip, ""},
    {"c6a4Label", "deviceCustomIPv6Address4Label", T::Str, ""},
    {"cn1", "deviceCustomNumber1", T::Int, ""},
    {"cn1Label", "deviceCustomNumber1Label", T::Str, ""},
    {"cn2", "deviceCustomNumber2", T::Int, ""},
    {"cn2Label", "deviceCustomNumber2Label", T::Str, ""},
    {"cn3", "deviceCustomNumber3", T::Int, ""},
    {"cn3Label", "deviceCustomNumber3Label", T::Str, ""},
    {"cs1", "deviceCustomString1", T::Str, ""},
    {"cs1Label", "deviceCustomString1Label", T::Str, ""},
    {"cs2", "deviceCustomString2", T::Str, ""},
    {"cs2Label", "deviceCustomString2Label", T::Str, ""},
    {"cs3", "deviceCustomString3", T::Str, ""},
    {"cs3Label", "deviceCustomString3Label", T::Str, ""},
    {"cs4", "deviceCustomString4", T::Str, ""},
    {"cs4Label", "deviceCustomString4Label", T::Str, ""},
    {"cs5", "deviceCustomString5", T::Str, ""},
    {"cs5Label", "deviceCustomString5Label", T::Str, ""},
    {"cs6", "deviceCustomString6", T::Str, ""},
    {"cs6Label", "deviceCustomString6Label", T::Str, ""},
    {"deviceCustomDate1", "deviceCustomDate1", T::Time, ""},
    {"deviceCustomDate1Label", "deviceCustomDate1Label", T::Str, ""},
    {"deviceCustomDate2", "deviceCustomDate2", T::Time, ""},
    {"deviceCustomDate2Label", "deviceCustomDate2Label", T::Str, ""},
    {"deviceDirection", "deviceDirection", T::Int, "network.direction"},
    {"deviceDnsDomain", "deviceDnsDomain", T::Str, "observer.hostname"},
    {"cat", "deviceEventCategory", T::Str, ""},
    {"deviceExternalId", "deviceExternalId", T::Str, ""},
    {"deviceFacility", "deviceFacility", T::Str, ""},
    {"dvchost", "deviceHostName", T::Str, "observer.hostname"},
    {"deviceInboundInterface", "deviceInboundInterface", T::Str, "observer.ingress.interface.name"},
    {"dvcmac", "deviceMacAddress", T::Str, "observer.mac"},
    {"deviceNtDomain", "deviceNtDomain", T::Str, ""},
    {"deviceOutboundInterface", "deviceOutboundInterface", T::Str, "observer.egress.interface.name"},
    {"devicePayloadId", "devicePayloadId", T::Str, "event.id"},
    {"dvcpid", "deviceProcessId", T::Int, "process.pid"},
    {"deviceProcessName", "deviceProcessName", T::Str, "process.name"},
    {"rt", "deviceReceiptTime", T::Time, "@timestamp"},
    {"dtz", "deviceTimeZone", T::Str, "event.timezone"},
    {"deviceTranslatedAddress", "deviceTranslatedAddress", T::Ip, ""},
    {"deviceTranslatedZoneExternalID", "deviceTranslatedZoneExternalID", T::Str, ""},
    {"deviceTranslatedZoneURI", "deviceTranslatedZoneURI", T::Str, ""},
    {"deviceZoneExternalID", "deviceZoneExternalID", T::Str, ""},
    {"deviceZoneURI", "deviceZoneURI", T::Str, ""},
    {"end", "endTime", T::Time, "event.end"},
    {"eventId", "eventId", T::Int, "event.id"},
    {"outcome", "eventOutcome", T::Str, "event.outcome"},
    {"externalId", "externalId", T::Str, ""},
    {"fileCreateTime", "fileCreateTime", T::Time, "file.created"},
    {"fileHash", "fileHash", T::Str, ""},
    {"fileId", "fileId", T::Str, "file.inode"},
    {"fileModificationTime", "fileModificationTime", T::Time, "file.mtime"},
    {"fname", "filename", T::Str, "file.name"},
    {"filePath", "filePath", T::Str, "file.path"},
    {"filePermission", "filePermission", T::Str, "file.group"},
    {"fsize", "fileSize", T::Int, "file.size"},
    {"fileType", "fileType", T::Str, "file.type"},
    {"flexDate1", "flexDate1", T::Time, ""},
    {"flexDate1Label", "flexDate1Label", T::Str, ""},
    {"flexNumber1", "flexNumber1", T::Int, ""},
    {"flexNumber1Label", "flexNumber1Label", T::Str, ""},
    {"flexNumber2", "flexNumber2", T::Int, ""},
    {"flexNumber2Label", "flexNumber2Label", T::Str, ""},
    {"flexString1", "flexString1", T::Str, ""},
    {"flexString1Label", "flexString1Label", T::Str, ""},
    {"flexString2", "flexString2", T::Str, ""},
    {"flexString2Label", "flexString2Label", T::Str, ""},
    {"msg", "message", T::Str, "message"},
    {"oldFileCreateTime", "oldFileCreateTime", T::Time, ""},
    {"oldFileHash", "oldFileHash", T::Str, ""},
    {"oldFileId", "oldFileId", T::Str, ""},
    {"oldFileModificationTime", "oldFileModificationTime", T::Time, ""},
    {"oldFileName", "oldFileName", T::Str, ""},
    {"oldFilePath", "oldFilePath", T::Str, ""},
    {"oldFilePermission", "oldFilePermission", T::Str, ""},
    {"oldFileSize", "oldFileSize", T::Int, ""},
    {"oldFileType", "oldFileType", T::Str, ""},
    {"rawEvent", "rawEvent", T::Str, ""},
    {"reason", "reason", T::Str, ""},
    {"requestClientApplication", "requestClientApplication", T::Str, "user_agent.original"},
    {"requestContext", "requestContext", T::Str, "http.request.referrer"},
    {"requestCookies", "requestCookies", T::Str, ""},
    {"requestMethod", "requestMethod", T::Str, "http.request.method"},
    {"request", "requestUrl", T::Str, "url.original"},
    {"src", "sourceAddress", T::Ip, "source.ip"},
    {"sourceDnsDomain", "sourceDnsDomain", T::Str, "source.domain"},
    {"slat", "sourceGeoLatitude", T::Dbl, "source.geo.location.lat"},
    {"slong", "sourceGeoLongitude", T::Dbl, "source.geo.location.lon"},
    {"shost", "sourceHostName", T::Str, "source.domain"},
    {"smac", "sourceMacAddress", T::Str, "source.mac"},
    {"sntdom", "sourceNtDomain", T::Str, ""},
    {"spt", "sourcePort", T::Int, "source.port"},
    {"spid", "sourceProcessId", T::Int, "source.process.pid"},
    {"sproc", "sourceProcessName", T::Str, "source.process.name"},
    {"sourceServiceName", "sourceServiceName", T::Str, "source.service.name"},
    {"sourceTranslatedAddress", "sourceTranslatedAddress", T::Ip, "source.nat.ip"},
    {"sourceTranslatedPort", "sourceTranslatedPort", T::Int, "source.nat.port"},
    {"sourceTranslatedZoneExternalID", "sourceTranslatedZoneExternalID", T::Str, ""},
    {"sourceTranslatedZoneURI", "sourceTranslatedZoneURI", T::Str, ""},
    {"suid", "sourceUserId", T::Str, "source.user.id"},
    {"suser", "sourceUserName", T::Str, "source.user.name"},
    {"spriv", "sourceUserPrivileges", T::Str, "source.user.group.name"},
    {"sourceZoneExternalID", "sourceZoneExternalID", T::Str, ""},
    {"sourceZoneURI", "sourceZoneURI", T::Str, ""},
    {"start", "startTime", T::Time, "event.start"},
    {"proto", "transportProtocol", T::Str, "network.transport"},
    {"type", "type", T::Int, ""},
    {"catdt", "categoryDeviceType", T::Str, ""},
};

const Key* find_key(std::string_view k) {
  static const std::unordered_map<std::string_view, const Key*> index = [] {  // short and full names
    std::unordered_map<std::string_view, const Key*> m;
    for (const Key& key : kKeys) m.emplace(key.short_name, &key), m.emplace(key.full, &key);
    return m;
  }();
  const auto it = index.find(k);
  return it == index.end() ? nullptr : it->second;
}

bool key_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
         c == '-' || c == '[' || c == ']';
}

// Header escapes: "\|" and "\\"; extension escapes: "\=", "\\", "\n", "\r" (others stay).
std::string_view unescape(std::string_view v, bool header, Record& rec) {
  if (v.find('\\') == std::string_view::npos) return v;
  std::string out;
  out.reserve(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    if (v[i] == '\\' && i + 1 < v.size()) {
      const char c = v[i + 1];
      if (c == '\\' || (header && c == '|') || (!header && (c == '=' || c == '|'))) {
        out.push_back(c);
        ++i;
        continue;
      }
      if (!header && (c == 'n' || c == 'r')) {
        out.push_back(c == 'n' ? '\n' : '\r');
        ++i;
        continue;
      }
    }
    out.push_back(v[i]);
  }
  return rec.keep(out);
}

bool integer(std::string_view v, int64_t& n) {
  auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  return !v.empty() && r.ec == std::errc() && r.ptr == v.data() + v.size();
}

bool number(std::string_view v, double& d) {
  auto r = std::from_chars(v.data(), v.data() + v.size(), d);
  return !v.empty() && r.ec == std::errc() && r.ptr == v.data() + v.size();
}

// CEF times: milliseconds since the epoch, or "MMM dd[ yyyy] HH:mm:ss[.SSS][ zone]" (zone: UTC,
// GMT or Z; another zone name is not read: the time is not guessed).
bool cef_time(std::string_view v, const ParseContext& ctx, Timestamp& ts) {
  int64_t ms = 0;
  if (integer(v, ms)) {
    if (ms < 0 || ms > 32503680000000) return false;  // past 3000-01-01
    ts = Timestamp{};
    ts.epoch_sec = ms / 1000;
    ts.nanos = static_cast<uint32_t>(ms % 1000) * 1000000u;
    ts.frac_digits = 3;
    ts.valid = true;
    return true;
  }
  if (v.size() < 15 || v[3] != ' ') return false;
  const int mon = month_from_abbrev(v.data());
  if (mon == 0) return false;
  size_t i = 4;
  const int day = v[i] == ' ' ? parse_fixed(v.data() + i + 1, 1) : parse_fixed(v.data() + i, 2);
  if (day < 1 || day > 31) return false;
  i += 2;
  if (i >= v.size() || v[i] != ' ') return false;
  ++i;
  int year = -1;
  if (i + 5 <= v.size() && v[i + 4] == ' ' && parse_fixed(v.data() + i, 4) >= 0) {
    year = parse_fixed(v.data() + i, 4);
    i += 5;
  }
  if (i + 8 > v.size() || v[i + 2] != ':' || v[i + 5] != ':') return false;
  const int h = parse_fixed(v.data() + i, 2), m = parse_fixed(v.data() + i + 3, 2), s = parse_fixed(v.data() + i + 6, 2);
  if (h < 0 || h > 23 || m < 0 || m > 59 || s < 0 || s > 60) return false;
  i += 8;
  uint32_t nanos = 0;
  uint8_t digits = 0;
  if (i < v.size() && v[i] == '.') {
    ++i;
    while (i < v.size() && v[i] >= '0' && v[i] <= '9' && digits < 9) {
      nanos = nanos * 10 + static_cast<uint32_t>(v[i] - '0');
      ++digits, ++i;
    }
    if (digits == 0) return false;
    for (int k = digits; k < 9; ++k) nanos *= 10;
  }
  std::string_view zone = v.substr(i);
  if (!zone.empty() && zone[0] == ' ') zone.remove_prefix(1);
  if (!(zone.empty() || zone == "UTC" || zone == "GMT" || zone == "Z")) return false;
  if (year < 0) year = ctx.bsd_year(mon, day);
  ts = Timestamp{};
  ts.epoch_sec = days_from_civil(year, static_cast<unsigned>(mon), static_cast<unsigned>(day)) * 86400 + h * 3600 + m * 60 + s;
  ts.nanos = nanos;
  ts.frac_digits = digits;
  ts.valid = true;
  return true;
}

// ECS scale of this product (event.severity 0-7, syslog's): CEF's 0-10 or its words.
int severity_of(std::string_view s) {
  int64_t n = 0;
  if (integer(s, n) && n >= 0 && n <= 10) return n <= 3 ? 6 : n <= 6 ? 4 : n <= 8 ? 3 : 2;
  const std::string low = scan::lower_ascii(s);
  if (low == "low" || low == "unknown") return 6;
  if (low == "medium") return 4;
  if (low == "high") return 3;
  if (low == "very-high" || low == "very high" || low == "veryhigh") return 2;
  return -1;
}

struct Pair {
  std::string_view key, value;
};

// The extension's key=value pairs: a key is a run of key characters after a blank (or at the
// start) and before an unescaped '='; its value runs to the blank before the next key.
void split_extension(std::string_view ext, std::vector<Pair>& out) {
  out.clear();
  struct At {
    size_t key, eq;
  };
  std::vector<At> keys;
  for (size_t i = 0; i < ext.size(); ++i) {
    if (ext[i] == '\\') {
      ++i;
      continue;
    }
    if (ext[i] != '=') continue;
    size_t k = i;
    while (k > 0 && key_char(ext[k - 1])) --k;
    if (k == i || (k > 0 && ext[k - 1] != ' ')) continue;  // "a=b" inside a value (a URL's query)
    keys.push_back({k, i});
  }
  for (size_t j = 0; j < keys.size(); ++j) {
    size_t end = j + 1 < keys.size() ? keys[j + 1].key : ext.size();
    std::string_view v = ext.substr(keys[j].eq + 1, end - keys[j].eq - 1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r')) v.remove_suffix(1);
    out.push_back({ext.substr(keys[j].key, keys[j].eq - keys[j].key), v});
  }
}

// The header's seven fields and the extension; false if there are not seven '|'.
bool split_header(std::string_view body, std::string_view (&head)[7], std::string_view& ext) {
  size_t start = 0, n = 0;
  for (size_t i = 0; i < body.size() && n < 7; ++i) {
    if (body[i] == '\\') {
      ++i;
      continue;
    }
    if (body[i] == '|') {
      head[n++] = body.substr(start, i - start);
      start = i + 1;
    }
  }
  if (n < 7) return false;
  ext = body.substr(start);
  return true;
}

const char* read_cef(std::string_view body, const ParseContext& ctx, Record& rec, bool own_line) {
  std::string_view head[7], ext;
  if (body.empty() || body[0] < '0' || body[0] > '9') return "expected a CEF version after 'CEF:'";
  if (!split_header(body, head, ext))
    return "expected seven '|'-separated CEF header fields (version, vendor, product, device version, class id, name, "
           "severity)";
  static constexpr std::string_view kHead[7] = {"cef.version", "cef.device.vendor", "cef.device.product",
                                                "cef.device.version", "cef.device.event_class_id", "cef.name",
                                                "cef.severity"};
  for (int k = 0; k < 7; ++k) {
    head[k] = unescape(head[k], true, rec);
    if (!head[k].empty()) rec.fields.push_back(Field::string(kHead[k], head[k]));
  }
  auto add = [&](std::string_view name, std::string_view v) {
    if (!v.empty()) rec.fields.push_back(Field::string(name, v));
  };
  add("observer.vendor", head[1]);
  add("observer.product", head[2]);
  add("observer.version", head[3]);
  add("event.code", head[4]);
  rec.severity = severity_of(head[6]);
  std::string_view message = head[5];
  std::vector<Pair> pairs;
  split_extension(ext, pairs);
  std::vector<std::string_view> ecs_done;  // one value per ECS field (dhost and destinationDnsDomain, …)
  for (const Pair& p : pairs) {
    const std::string_view v = unescape(p.value, false, rec);
    if (v.empty()) continue;
    const Key* key = find_key(p.key);
    const std::string_view full = key ? key->full : p.key;
    const std::string_view name = rec.keep_path("cef.extensions", full);
    Field f = Field::string(name, v);
    bool typed = true;
    Timestamp ts;
    int64_t n = 0;
    double d = 0;
    switch (key ? key->type : T::Str) {
      case T::Int:
        if ((typed = integer(v, n))) f = Field::integer(name, n);
        break;
      case T::Dbl:
        if ((typed = number(v, d))) {
          f.kind = Field::Kind::Float;
          f.f = d;
        }
        break;
      case T::Ip: typed = is_ip(v); break;
      case T::Time:  // as ISO 8601 text, the way Filebeat writes a CEF time
        if ((typed = cef_time(v, ctx, ts))) {
          std::string iso;
          append_iso8601(iso, ts);
          f.text = rec.keep(iso);
        }
        break;
      case T::Str: break;
    }
    rec.fields.push_back(f);  // as written where its type does not read it (a port "any")
    if (!key || key->ecs.empty() || !typed) continue;
    const std::string_view ecs = key->ecs;
    bool seen = false;
    for (std::string_view e : ecs_done) seen = seen || e == ecs;
    if (seen) continue;
    ecs_done.push_back(ecs);
    // What the encoder writes from the record itself: set there, not as a second field.
    if (ecs == "message") {
      message = v;
    } else if (ecs == "@timestamp") {
      rec.ts = ts;
      rec.time_from_read = false;
    } else if (ecs == "process.pid") {
      if (rec.pid < 0) rec.pid = n;
    } else if (ecs == "process.name") {
      if (rec.app.empty()) rec.app = v;
    } else if (key->type == T::Time) {
      rec.fields.push_back(Field::string(ecs, f.text));
    } else if (ecs == "http.request.referrer" && !v.starts_with("http")) {  // (a URL only, as decode_cef)
    } else if (ecs == "network.direction") {  // 0 inbound, 1 outbound (the CEF spec)
      if (n == 0 || n == 1) rec.fields.push_back(Field::string(ecs, n == 0 ? "inbound" : "outbound"));
    } else if (ecs == "network.transport") {
      rec.fields.push_back(Field::string(ecs, rec.keep(scan::lower_ascii(v))));
    } else {
      Field e = f;
      e.name = ecs;
      rec.fields.push_back(e);
    }
  }
  rec.message = message;
  if (own_line && !rec.ts.valid) {  // no rt: the time it was read
    rec.ts = read_time();
    rec.time_from_read = true;
  }
  return nullptr;
}

}  // namespace

bool looks_cef(std::string_view line) { return line.size() > 5 && line.starts_with("CEF:") && line[4] >= '0' && line[4] <= '9'; }

bool parse_cef(std::string_view line, const ParseContext& ctx, Record& rec) {
  // (fail takes 0-based columns)
  if (!line.starts_with("CEF:")) return ctx.fail(Format::Cef, "expected 'CEF:' first", 0);
  if (const char* why = read_cef(line.substr(4), ctx, rec, true)) return ctx.fail(Format::Cef, why, 4);
  rec.format = Format::Cef;
  return true;
}

bool read_cef_message(std::string_view body, const ParseContext& ctx, Record& rec) {
  const size_t fields = rec.fields.size();
  const Timestamp header_time = rec.ts;
  const std::string_view header_message = rec.message;
  const int severity = rec.severity;
  if (read_cef(body, ctx, rec, false)) {
    rec.fields.resize(fields);
    rec.ts = header_time;
    rec.message = header_message;
    rec.severity = severity;
    return false;
  }
  return true;
}

}  // namespace ki
