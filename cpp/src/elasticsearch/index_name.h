// Index names and date patterns, checked against Elasticsearch's rules before anything reaches a
// URL (MetadataCreateIndexService.validateIndexOrAliasName): lowercase; none of \ / * ? " < > | ,
// # : or space; not starting with - _ +; not "." or ".."; at most 255 bytes. We are stricter in
// two ways that keep the URL path plain: no control characters or '%', and valid UTF-8.
#pragma once
#include <string>
#include <string_view>

namespace ki::es {

// "" when `name` is a valid index name, else why not ("index name 'A' must be lowercase").
std::string index_name_error(std::string_view name);

// For a pattern such as "logs-%Y.%m.%d": only %Y %m %d are allowed, and the names it makes
// must be valid (checked on a sample date). A name without '%' is checked as is.
std::string index_pattern_error(std::string_view pattern);

// Throws std::invalid_argument with index_pattern_error()'s text (for start-up checks).
void validate_index_pattern(std::string_view pattern);

}  // namespace ki::es
