#include "parse/vpc_flow.h"

#include <vector>

namespace ki {

namespace {

struct VpcField {
  std::string_view name;
  const char* pattern;  // null: (?:-|(?<aws.vpcflow.NAME>\S+))
};

// Every field AWS documents for flow logs (versions 2 to 8). The default format's are read as the
// VPCFLOWLOG recipe reads them; "end" is the event's time (Unix seconds).
constexpr VpcField kFields[] = {
    {"version", "%{INT:aws.vpcflow.version}"},
    {"account-id", "(?:-|%{NOTSPACE:aws.vpcflow.account_id})"},
    {"interface-id", "(?:-|%{NOTSPACE:aws.vpcflow.interface_id})"},
    {"srcaddr", "(?:-|%{IP:source.address})"},
    {"dstaddr", "(?:-|%{IP:destination.address})"},
    {"srcport", "(?:-|%{INT:source.port:int})"},
    {"dstport", "(?:-|%{INT:destination.port:int})"},
    {"protocol", "(?:-|%{INT:network.iana_number})"},
    {"packets", "(?:-|%{INT:network.packets:int})"},
    {"bytes", "(?:-|%{INT:network.bytes:int})"},
    {"start", "(?:-|%{INT:aws.vpcflow.start:int})"},
    {"end", "(?:-|(?<timestamp>\\d+))"},
    {"action", "(?:-|%{WORD:aws.vpcflow.action})"},
    {"log-status", "(?:-|%{WORD:aws.vpcflow.log_status})"},
    {"tcp-flags", "(?:-|%{INT:aws.vpcflow.tcp_flags:int})"},
    {"pkt-srcaddr", "(?:-|%{IP:aws.vpcflow.pkt_srcaddr})"},
    {"pkt-dstaddr", "(?:-|%{IP:aws.vpcflow.pkt_dstaddr})"},
    {"vpc-id", nullptr}, {"subnet-id", nullptr}, {"instance-id", nullptr}, {"type", nullptr},
    {"region", nullptr}, {"az-id", nullptr}, {"sublocation-type", nullptr}, {"sublocation-id", nullptr},
    {"pkt-src-aws-service", nullptr}, {"pkt-dst-aws-service", nullptr}, {"flow-direction", nullptr},
    {"traffic-path", nullptr}, {"ecs-cluster-arn", nullptr}, {"ecs-cluster-name", nullptr},
    {"ecs-container-instance-arn", nullptr}, {"ecs-container-instance-id", nullptr},
    {"ecs-container-id", nullptr}, {"ecs-second-container-id", nullptr}, {"ecs-service-name", nullptr},
    {"ecs-task-definition-arn", nullptr}, {"ecs-task-arn", nullptr}, {"ecs-task-id", nullptr},
    {"reject-reason", nullptr},
};

const VpcField* field_named(std::string_view name) {
  for (const VpcField& f : kFields)
    if (f.name == name) return &f;
  return nullptr;
}

}  // namespace

std::optional<std::string> vpc_flow_pattern(std::string_view line) {
  while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
  // Cheap for the lines of logs: the first word must be a field's name.
  const size_t first = line.find(' ');
  if (first == std::string_view::npos || !field_named(line.substr(0, first))) return std::nullopt;
  std::vector<const VpcField*> seen;
  std::string pattern = "^";
  while (!line.empty()) {
    const size_t sp = line.find(' ');
    const std::string_view name = line.substr(0, sp);
    const VpcField* f = field_named(name);
    if (!f) return std::nullopt;
    for (const VpcField* s : seen)
      if (s == f) return std::nullopt;
    seen.push_back(f);
    if (seen.size() > 1) pattern += ' ';
    if (f->pattern) {
      pattern += f->pattern;
    } else {
      pattern += "(?:-|(?<aws.vpcflow.";
      for (char c : name) pattern += c == '-' ? '_' : c;
      pattern += ">\\S+))";
    }
    line = sp == std::string_view::npos ? std::string_view{} : line.substr(sp + 1);
  }
  if (seen.size() < 3) return std::nullopt;
  return pattern + "$";
}

}  // namespace ki
