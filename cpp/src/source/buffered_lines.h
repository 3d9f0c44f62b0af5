// Splitting buffered bytes into lines, as LineReader and FollowReader both do.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

namespace ki {

// The next whole line in buf[begin, end): begin and bytes move past it and its '\n'. The tail of
// a line already handed out cut (skip_rest) is dropped first. A line longer than max_line is
// handed out cut to it, with truncated set. False when no '\n' is buffered: the caller reads more.
inline bool next_buffered_line(const std::vector<char>& buf, size_t& begin, size_t end, uint64_t& bytes,
                               bool& skip_rest, size_t max_line, std::string_view& line, bool& truncated) {
  for (;;) {
    const char* start = buf.data() + begin;
    const void* nl = std::memchr(start, '\n', end - begin);
    if (!nl) return false;
    size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
    begin += len + 1;
    bytes += len + 1;
    if (skip_rest) {
      skip_rest = false;
      continue;
    }
    truncated = len > max_line;  // LineReader: possible when buffer_bytes > max_line_bytes
    line = std::string_view(start, truncated ? max_line : len);
    return true;
  }
}

}  // namespace ki
