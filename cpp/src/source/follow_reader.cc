#include "source/follow_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "source/buffered_lines.h"
#include "source/charset.h"
#include "source/event_id.h"
#include "util/timefmt.h"

namespace ki {

FollowReader::FollowReader(std::string path, FollowConfig cfg) : path_(std::move(path)), cfg_(cfg) {
  switch (encoding_kind(cfg_.encoding)) {
    case Encoding::Utf8: break;
    case Encoding::Other: charset_ = std::make_unique<Charset>(cfg_.encoding); break;
    default:
      throw std::invalid_argument("cannot follow '" + path_ + "' as " + cfg_.encoding +
                                  ": UTF-16 files are read whole (without --follow), or converted to UTF-8 first");
  }
  struct stat st{};
  if (stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw std::runtime_error("cannot follow '" + path_ + "': is a directory");
  if (path_.size() > 3 && path_.ends_with(".gz"))
    throw std::runtime_error("cannot follow '" + path_ + "': compressed files do not grow; read it without follow (--follow)");
  if (!open_path()) throw std::runtime_error("cannot open '" + path_ + "': " + std::strerror(errno));
  if (cfg_.from_end) offset_ = lseek(fd_, 0, SEEK_END);
  buf_.resize(std::max<size_t>(cfg_.buffer_bytes, 64));
  // Watch the directory, not the file: it also sees a rotation (a new file under the name).
  inotify_fd_ = cfg_.watch ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
  if (inotify_fd_ >= 0) {
    size_t slash = path_.rfind('/');
    std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path_.substr(0, slash);
    if (inotify_add_watch(inotify_fd_, dir.c_str(),
                          IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB |
                              IN_CLOSE_WRITE) < 0) {
      close(inotify_fd_);
      inotify_fd_ = -1;
    }
  }
}

FollowReader::~FollowReader() {
  if (fd_ >= 0) close(fd_);
  if (inotify_fd_ >= 0) close(inotify_fd_);
}

void FollowReader::wait_for_change() {
  if (inotify_fd_ < 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(cfg_.poll_ms, kFallbackPollMs)));
    return;
  }
  pollfd p{inotify_fd_, POLLIN, 0};
  if (::poll(&p, 1, cfg_.poll_ms) > 0) {
    char events[4096];
    while (read(inotify_fd_, events, sizeof events) > 0) {
    }
  }
}

bool FollowReader::unlinked() const {
  struct stat st{};
  return fd_ >= 0 && fstat(fd_, &st) == 0 && st.st_nlink == 0;
}

void FollowReader::mark_line(uint64_t offset) {
  line_offset_ = offset;
  if (fingerprint_.empty()) fingerprint_ = file_fingerprint(fd_);  // its first line is whole by now
  line_fingerprint_ = fingerprint_;
}

bool FollowReader::open_path() {
  int fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  struct stat st{};
  fstat(fd, &st);
  if (fd_ >= 0) close(fd_);
  fd_ = fd;
  dev_ = st.st_dev;
  ino_ = st.st_ino;
  offset_ = 0;
  fingerprint_.clear();
  return true;
}

ssize_t FollowReader::read_more() {
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == 0 && !skip_rest_ && buf_.size() > std::max<size_t>(cfg_.buffer_bytes, 64)) {  // a long line is over
    buf_.resize(std::max<size_t>(cfg_.buffer_bytes, 64));
    buf_.shrink_to_fit();
  }
  if (end_ == buf_.size()) {
    if (buf_.size() > cfg_.max_line_bytes) return -2;  // room for the limit + 1: an exact-limit line is whole
    buf_.resize(std::min(buf_.size() * 2, cfg_.max_line_bytes + 1));
  }
  ssize_t got = pread(fd_, buf_.data() + end_, buf_.size() - end_, offset_);
  if (got > 0) {
    end_ += static_cast<size_t>(got);
    offset_ += got;
    read_ms_ = wall_ms();
  }
  return got;
}

bool FollowReader::next(std::string_view& line, const std::function<bool()>& idle) {
  for (;;) {
    if (poll(line)) return true;
    if (idle && idle()) return false;
    wait_for_change();
  }
}

bool FollowReader::poll(std::string_view& line) {
  if (!poll_raw(line)) return false;
  if (charset_) line = charset_->decode(line);
  return true;
}

bool FollowReader::poll_raw(std::string_view& line) {
  truncated_ = false;
  for (;;) {
    if (next_buffered_line(buf_, begin_, end_, bytes_, skip_rest_, cfg_.max_line_bytes, line, truncated_)) {
      ++line_no_;
      mark_line(static_cast<uint64_t>(offset_) - (end_ - static_cast<size_t>(line.data() - buf_.data())));
      return true;
    }
    ssize_t got = read_more();
    if (got == -2) {  // a line over the limit: its first max_line_bytes, flagged; the rest is dropped
      uint64_t at = static_cast<uint64_t>(offset_) - end_;
      bytes_ += end_;
      begin_ = end_ = 0;
      if (skip_rest_) continue;
      skip_rest_ = true;
      line = std::string_view(buf_.data(), cfg_.max_line_bytes);
      truncated_ = true;
      ++line_no_;
      mark_line(at);
      return true;
    }
    if (got < 0) throw std::runtime_error("error reading '" + path_ + "': " + std::strerror(errno));
    if (got > 0) continue;

    // At the end of what is there: rotated, truncated, or just not written yet?
    struct stat st{};
    bool exists = stat(path_.c_str(), &st) == 0;
    gone_ = !exists;
    if (skip_rest_ && exists && (st.st_dev != dev_ || st.st_ino != ino_ || st.st_size < offset_)) {
      bytes_ += end_ - begin_;  // the old file ended inside a cut line: its tail is dropped
      begin_ = end_ = 0;
      skip_rest_ = false;
    }
    if (exists && (st.st_dev != dev_ || st.st_ino != ino_)) {
      // Rotated: the old file was read to its end above; a last line without '\n' ends here.
      if (end_ > begin_) {
        mark_line(static_cast<uint64_t>(offset_) - (end_ - begin_));  // of the old file
        pending_.assign(buf_.data() + begin_, end_ - begin_);
        begin_ = end_ = 0;
        bytes_ += pending_.size();
        ++line_no_;
        ++rotations_;
        open_path();
        line = pending_;
        return true;
      }
      ++rotations_;
      begin_ = end_ = 0;
      open_path();
      continue;
    }
    if (exists && st.st_size < offset_) {
      ++truncations_;
      if (end_ > begin_) mark_line(static_cast<uint64_t>(offset_) - (end_ - begin_));  // of the content before
      offset_ = 0;
      fingerprint_.clear();  // new content: its first line names it
      if (end_ > begin_) {  // a last line without '\n' before the truncation ends here
        pending_.assign(buf_.data() + begin_, end_ - begin_);
        begin_ = end_ = 0;
        bytes_ += pending_.size();
        ++line_no_;
        line = pending_;
        return true;
      }
      continue;
    }
    return false;
  }
}

}  // namespace ki
