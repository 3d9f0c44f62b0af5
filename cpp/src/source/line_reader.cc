#include "source/line_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace ki {

LineReader::LineReader(std::string path, LineReaderConfig cfg) : path_(std::move(path)), cfg_(cfg) {
  int fd = -1;
  if (path_ == "-") {
    fd = dup(STDIN_FILENO);
  } else {
    struct stat st{};
    if (stat(path_.c_str(), &st) != 0)
      throw std::runtime_error("cannot open '" + path_ + "': " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw std::runtime_error("cannot read '" + path_ + "': is a directory");
    fd = open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  }
  if (fd < 0) throw std::runtime_error("cannot open '" + path_ + "': " + std::strerror(errno));
  gzFile gz = gzdopen(fd, "rb");
  if (!gz) {
    close(fd);
    throw std::runtime_error("cannot open '" + path_ + "': out of memory");
  }
  gzbuffer(gz, 256 * 1024);
  gz_ = gz;
  buf_.resize(cfg_.buffer_bytes);
}

LineReader::~LineReader() {
  if (gz_) gzclose(static_cast<gzFile>(gz_));
}

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) {
    // Room for max_line_bytes and one byte more: a line of exactly the limit is whole, not cut.
    if (buf_.size() > cfg_.max_line_bytes) return false;  // caller cuts the line
    buf_.resize(std::min(buf_.size() * 2, cfg_.max_line_bytes + 1));
  }
  int got = gzread(static_cast<gzFile>(gz_), buf_.data() + end_, static_cast<unsigned>(buf_.size() - end_));
  if (got < 0) {
    int zerr = 0;
    const char* msg = gzerror(static_cast<gzFile>(gz_), &zerr);
    throw std::runtime_error("error reading '" + path_ + "': " +
                             (zerr == Z_ERRNO ? std::strerror(errno) : msg));
  }
  if (got == 0) {
    eof_ = true;
    return false;
  }
  end_ += static_cast<size_t>(got);
  return true;
}

bool LineReader::next(std::string_view& line) {
  truncated_ = false;
  for (;;) {
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl) {
      size_t len = static_cast<size_t>(static_cast<const char*>(nl) - start);
      begin_ += len + 1;
      bytes_ += len + 1;
      if (skip_rest_) {  // tail of a cut line: already reported
        skip_rest_ = false;
        continue;
      }
      truncated_ = len > cfg_.max_line_bytes;  // possible when buffer_bytes > max_line_bytes
      line = std::string_view(start, truncated_ ? cfg_.max_line_bytes : len);
      ++line_no_;
      return true;
    }
    if (!fill()) {
      if (!eof_ && end_ - begin_ > cfg_.max_line_bytes) {
        // A line longer than the limit: hand out the first max_line_bytes, drop the rest up to its '\n'.
        line = std::string_view(buf_.data() + begin_, cfg_.max_line_bytes);
        bytes_ += end_ - begin_;
        begin_ = end_ = 0;
        if (!skip_rest_) {
          skip_rest_ = true;
          truncated_ = true;
          ++line_no_;
          return true;
        }
        continue;
      }
      if (end_ - begin_ == 0) return false;
      truncated_ = end_ - begin_ > cfg_.max_line_bytes;
      line = std::string_view(buf_.data() + begin_, std::min(end_ - begin_, cfg_.max_line_bytes));
      bytes_ += end_ - begin_;
      begin_ = end_;
      if (skip_rest_) {
        skip_rest_ = false;
        return false;
      }
      ++line_no_;
      return true;
    }
  }
}

}  // namespace ki
