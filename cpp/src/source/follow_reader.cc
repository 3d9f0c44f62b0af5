#include "source/follow_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <stdexcept>
#include <thread>

#include "source/buffered_lines.h"

namespace ki {

FollowReader::FollowReader(std::string path, FollowConfig cfg) : path_(std::move(path)), cfg_(cfg) {
  struct stat st{};
  if (stat(path_.c_str(), &st) == 0 && S_ISDIR(st.st_mode))
    throw std::runtime_error("cannot follow '" + path_ + "': is a directory");
  if (path_.size() > 3 && path_.ends_with(".gz"))
    throw std::runtime_error("cannot follow '" + path_ + "': compressed files do not grow; read it without follow (--follow)");
  if (!open_path()) throw std::runtime_error("cannot open '" + path_ + "': " + std::strerror(errno));
  if (cfg_.from_end) offset_ = lseek(fd_, 0, SEEK_END);
  buf_.resize(1 << 20);
}

FollowReader::~FollowReader() {
  if (fd_ >= 0) close(fd_);
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
  return true;
}

ssize_t FollowReader::read_more() {
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    if (buf_.size() > cfg_.max_line_bytes) return -2;  // room for the limit + 1: an exact-limit line is whole
    buf_.resize(std::min(buf_.size() * 2, cfg_.max_line_bytes + 1));
  }
  ssize_t got = pread(fd_, buf_.data() + end_, buf_.size() - end_, offset_);
  if (got > 0) {
    end_ += static_cast<size_t>(got);
    offset_ += got;
  }
  return got;
}

bool FollowReader::next(std::string_view& line, const std::function<bool()>& idle) {
  truncated_ = false;
  for (;;) {
    if (next_buffered_line(buf_, begin_, end_, bytes_, skip_rest_, cfg_.max_line_bytes, line, truncated_)) {
      ++line_no_;
      return true;
    }
    ssize_t got = read_more();
    if (got == -2) {  // a line over the limit: its first max_line_bytes, flagged; the rest is dropped
      bytes_ += end_;
      begin_ = end_ = 0;
      if (skip_rest_) continue;
      skip_rest_ = true;
      line = std::string_view(buf_.data(), cfg_.max_line_bytes);
      truncated_ = true;
      ++line_no_;
      return true;
    }
    if (got < 0) throw std::runtime_error("error reading '" + path_ + "': " + std::strerror(errno));
    if (got > 0) continue;

    // At the end of what is there: rotated, truncated, or just not written yet?
    struct stat st{};
    bool exists = stat(path_.c_str(), &st) == 0;
    if (skip_rest_ && exists && (st.st_dev != dev_ || st.st_ino != ino_ || st.st_size < offset_)) {
      bytes_ += end_ - begin_;  // the old file ended inside a cut line: its tail is dropped
      begin_ = end_ = 0;
      skip_rest_ = false;
    }
    if (exists && (st.st_dev != dev_ || st.st_ino != ino_)) {
      // Rotated: the old file was read to its end above; a last line without '\n' ends here.
      if (end_ > begin_) {
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
      offset_ = 0;
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
    if (idle && idle()) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(cfg_.poll_ms));
  }
}

}  // namespace ki
