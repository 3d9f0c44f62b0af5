// FollowReader: `tail -F` for one path. Reads what is there, then waits for more; survives
// rotation (the path now names a new file: the old one is read to its end first) and
// truncation (copytruncate: reading restarts at offset 0).
#pragma once
#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ki {

struct FollowConfig {
  // Idle, the reader waits for inotify to report a change in the file's directory, and looks
  // anyway every poll_ms (filesystems whose changes inotify does not see, e.g. NFS); without
  // inotify it looks every min(poll_ms, kFallbackPollMs).
  int poll_ms = 200;
  bool from_end = false;      // start at the current end (like tail -F -n 0)
  size_t max_line_bytes = 64u << 20;
  // false: no inotify of its own; the owner waits (source/file_set.h watches the directories of
  // many files with one inotify instance: the kernel allows 128 a user by default).
  bool watch = true;
  // The read buffer to start with (it grows for a longer line, up to max_line_bytes, and comes
  // back to this size once empty): small when many files are followed at once.
  size_t buffer_bytes = 1u << 20;
  // A legacy charset the lines are decoded from (source/charset.h); "": UTF-8. UTF-16 names are
  // refused: its '\n' is two bytes, which this reader does not look for.
  std::string encoding;
};

class Charset;

class FollowReader {
 public:
  // std::invalid_argument for an encoding that is not one, or is UTF-16.
  FollowReader(std::string path, FollowConfig cfg = {});
  ~FollowReader();
  FollowReader(const FollowReader&) = delete;
  FollowReader& operator=(const FollowReader&) = delete;

  static constexpr int kFallbackPollMs = 10;
  // Blocks until a whole line is available. `idle` is called while waiting (at each change
  // seen, at least every poll_ms) and returns true to stop; then next() returns false.
  bool next(std::string_view& line, const std::function<bool()>& idle);
  // Without waiting: a whole line if one is there (true), else false: nothing more for now.
  bool poll(std::string_view& line);
  // After poll() returned false: the path names no file any more (deleted or renamed away).
  bool gone() const { return gone_; }
  // The open file has no name left (deleted), as opposed to renamed away.
  bool unlinked() const;
  bool truncated() const { return truncated_; }
  uint64_t line_no() const { return line_no_; }
  uint64_t bytes_read() const { return bytes_; }
  uint64_t rotations() const { return rotations_; }
  uint64_t truncations() const { return truncations_; }
  // The last line's start in its file (bytes), that file's fingerprint (source/event_id.h), and
  // when it was read (wall ms of the read that completed it).
  uint64_t line_offset() const { return line_offset_; }
  const std::string& fingerprint() const { return line_fingerprint_; }
  int64_t read_ms() const { return read_ms_; }
  bool inotify() const { return inotify_fd_ >= 0; }

 private:
  bool poll_raw(std::string_view& line);
  bool open_path();  // false if the path does not exist (yet)
  ssize_t read_more();
  void mark_line(uint64_t offset);  // the line handed out starts at offset in the open file
  void wait_for_change();
  std::string path_;
  FollowConfig cfg_;
  int fd_ = -1;
  dev_t dev_ = 0;
  ino_t ino_ = 0;
  off_t offset_ = 0;
  std::unique_ptr<Charset> charset_;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  std::string pending_;  // a line handed out from the old file at rotation
  bool truncated_ = false;
  bool skip_rest_ = false;  // inside a line that was cut at max_line_bytes
  bool gone_ = false;
  uint64_t line_no_ = 0, bytes_ = 0, rotations_ = 0, truncations_ = 0;
  uint64_t line_offset_ = 0;
  int64_t read_ms_ = 0;
  std::string fingerprint_;        // of the open file; computed at its first line
  std::string line_fingerprint_;   // of the file the last line came from
  int inotify_fd_ = -1;
};

}  // namespace ki
