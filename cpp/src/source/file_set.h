// FileSet: `--follow` over many files, as Filebeat's or Fluent Bit's tail inputs do. A path
// argument with glob characters is a pattern (glob(3)): every regular file it matches is
// followed at the same time, one FollowReader each (rotation, copytruncate as for one file),
// and files that start to match later are picked up (inotify on the pattern's directory, and a
// rescan every rescan_ms for what inotify does not see). A matched file whose name goes away is
// closed once drained (deleted: after kGoneGraceMs; renamed away: after rescan_ms, its writer
// may still add to it); a path named literally is kept, like tail -F. One inotify instance
// watches the directories of all files (the kernel allows 128 instances a user by default).
#pragma once
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "source/follow_reader.h"

namespace ki {

bool has_glob(std::string_view path);  // *, ? or [
// The regular files (symlinks followed) a pattern matches now, sorted; none is no error.
std::vector<std::string> glob_files(const std::string& pattern);
// Without --follow: each argument as is, or the files its pattern matches. An argument that
// names an existing path is taken as is, glob characters or not. Throws std::runtime_error
// naming a pattern that matches nothing.
std::vector<std::string> expand_paths(const std::vector<std::string>& args);
// The directory to watch for a pattern's new files: its leading part without glob characters.
std::string pattern_dir(const std::string& pattern);

struct FileSetConfig {
  FollowConfig follow;  // for each file; from_end applies to the files there at the start only
  int rescan_ms = 10000;
  size_t max_open_files = 1024;
};

struct FileSetStats {
  uint64_t opened = 0, closed = 0, rotations = 0, truncations = 0;
  size_t open = 0;     // followed now
  size_t waiting = 0;  // matching files not opened: max_open_files reached
};

class FileSet {
 public:
  struct File {
    std::string path;
    std::unique_ptr<FollowReader> reader;
    bool literal = false;  // named as such: waited for when it goes away (tail -F)
    // The owner's: its source index, lines not to send again (--resume), and the fingerprint
    // and first line number (reader.line_no() - 1) of the file now under the name.
    uint32_t src = 0;
    uint64_t skip = 0, base = 0;
    std::string fingerprint;
    std::chrono::steady_clock::time_point gone_since{};
  };
  using Hook = std::function<void(File&)>;
  // Opens the literal paths (throws std::runtime_error as FollowReader does) and what the
  // patterns match now. on_open: a file was opened; on_close: a drained file that went away
  // is about to be closed.
  FileSet(const std::vector<std::string>& args, FileSetConfig cfg, Hook on_open, Hook on_close = {});
  ~FileSet();
  FileSet(const FileSet&) = delete;
  FileSet& operator=(const FileSet&) = delete;

  // Blocks until a whole line of one of the files is there and returns its file (the line is
  // valid until the next call). idle: called while waiting (at least every poll_ms), returns
  // true to stop; then nullptr. Files take turns (up to kBurst lines each).
  File* next(std::string_view& line, const std::function<bool()>& idle);
  void rescan();  // open what the patterns match now (also done every rescan_ms)
  FileSetStats stats() const;
  static constexpr int kBurst = 1024;
  static constexpr size_t kBufferBytes = 64 * 1024;  // each file's read buffer to start with: 64 MiB for 1,024 files
  static constexpr int kGoneGraceMs = 1000;  // a rename rotation recreates the name within this

 private:
  void scan(bool from_end);
  bool open(const std::string& path, bool literal, bool from_end);
  void watch_dir_of(const std::string& path);
  void wait(int timeout_ms);
  std::vector<std::string> patterns_;
  FileSetConfig cfg_;
  Hook on_open_, on_close_;
  std::vector<std::unique_ptr<File>> files_;
  std::set<std::string> paths_;   // of files_
  std::set<std::string> warned_;  // paths that could not be opened (said once)
  size_t cur_ = 0;
  int burst_ = 0;
  int inotify_fd_ = -1;
  bool rescan_now_ = false, limit_said_ = false;
  std::chrono::steady_clock::time_point next_rescan_;
  FileSetStats st_;  // opened, closed, waiting; rotations/truncations of closed files
};

}  // namespace ki
