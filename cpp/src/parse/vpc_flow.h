// AWS VPC flow logs: the first line of each log file AWS delivers names the file's fields, those
// of the default format or of a custom one in its own order. Such a header gives the grok pattern
// that reads the lines under it (RecipeReader, recipe VPCFLOWLOG): the fields named as the
// VPCFLOWLOG recipe names the default format's, the others aws.vpcflow.<name> ('-' as '_').
#pragma once
#include <optional>
#include <string>
#include <string_view>

namespace ki {

// The anchored pattern for the lines under `line`, or nullopt when the line is no such header
// (three or more names, each one AWS documents for flow logs, none twice).
std::optional<std::string> vpc_flow_pattern(std::string_view line);

}  // namespace ki
