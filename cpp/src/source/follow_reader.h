// FollowReader: `tail -F` for one path. Reads what is there, then waits for more; survives
// rotation (the path now names a new file: the old one is read to its end first) and
// truncation (copytruncate: reading restarts at offset 0).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace ki {

struct FollowConfig {
  int poll_ms = 200;          // how often to look for new data when idle
  bool from_end = false;      // start at the current end (like tail -F -n 0)
  size_t max_line_bytes = 64u << 20;
};

class FollowReader {
 public:
  FollowReader(std::string path, FollowConfig cfg = {});
  ~FollowReader();
  FollowReader(const FollowReader&) = delete;
  FollowReader& operator=(const FollowReader&) = delete;

  // Blocks until a whole line is available. `idle` is called while waiting (every poll_ms)
  // and returns true to stop; then next() returns false.
  bool next(std::string_view& line, const std::function<bool()>& idle);
  bool truncated() const { return truncated_; }
  uint64_t line_no() const { return line_no_; }
  uint64_t bytes_read() const { return bytes_; }
  uint64_t rotations() const { return rotations_; }
  uint64_t truncations() const { return truncations_; }

 private:
  bool open_path();  // false if the path does not exist (yet)
  ssize_t read_more();
  std::string path_;
  FollowConfig cfg_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t offset_ = 0;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  std::string pending_;  // a line handed out from the old file at rotation
  bool truncated_ = false;
  bool skip_rest_ = false;  // inside a line that was cut at max_line_bytes
  uint64_t line_no_ = 0, bytes_ = 0, rotations_ = 0, truncations_ = 0;
};

}  // namespace ki
