#include "source/line_reader.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>

#include "parse/vpc_flow.h"
#include "source/buffered_lines.h"
#include "source/charset.h"
#include "source/event_id.h"
#include "util/timefmt.h"

namespace ki {

namespace {
constexpr size_t kInBytes = 256 * 1024;

}  // namespace

int utf16_order(const unsigned char* p, size_t n, size_t* bom) {
  *bom = 0;
  if (n >= 2 && p[0] == 0xff && p[1] == 0xfe && !(n >= 4 && p[2] == 0 && p[3] == 0)) return *bom = 2, 1;  // (not UTF-32)
  if (n >= 2 && p[0] == 0xfe && p[1] == 0xff) return *bom = 2, 2;
  if (n < 32) return 0;
  bool le = true, be = true;
  for (size_t i = 0; i < 32; i += 2) {
    le = le && p[i] != 0 && p[i] < 0x80 && p[i + 1] == 0;
    be = be && p[i] == 0 && p[i + 1] != 0 && p[i + 1] < 0x80;
  }
  return le ? 1 : be ? 2 : 0;
}

namespace {
constexpr int kPollMs = 100;  // how long one wait for input may take before a stop is looked at

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}
}  // namespace

uint64_t estimate_lines(const std::vector<std::string>& paths) {
  uint64_t bytes = 0, sample_bytes = 0, sample_lines = 0;
  for (const auto& p : paths) {
    struct stat st{};
    if (p == "-" || stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    char buf[64 * 1024];
    ssize_t n = pread(fd, buf, sizeof buf, 0);
    close(fd);
    if (n <= 0 || (n >= 2 && static_cast<unsigned char>(buf[0]) == 0x1f && static_cast<unsigned char>(buf[1]) == 0x8b))
      continue;  // empty, unreadable or gzip: its size says little
    bytes += static_cast<uint64_t>(st.st_size);
    if (sample_lines < 64) {
      sample_bytes += static_cast<uint64_t>(n);
      sample_lines += static_cast<uint64_t>(std::count(buf, buf + n, '\n'));
    }
  }
  return sample_lines ? bytes * sample_lines / sample_bytes + 1 : 0;
}

std::vector<std::vector<FilePart>> split_files(const std::vector<std::string>& paths, size_t parts,
                                               uint64_t min_part_bytes, bool whole) {
  std::vector<uint64_t> sizes;
  uint64_t total = 0;
  for (const auto& p : paths) {
    struct stat st{};
    if (p == "-" || stat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return {};
    int fd = open(p.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return {};  // the reader says why
    unsigned char magic[1024];
    ssize_t n = pread(fd, magic, sizeof magic, 0);
    close(fd);
    size_t bom = 0;
    whole = whole || (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b) ||  // gzip, UTF-16: entered at their start only
            (n > 0 && utf16_order(magic, static_cast<size_t>(n), &bom) != 0);
    // A W3C log (IIS): its lines mean what the #Fields: directive above them says (a Zeek log's,
    // what its #fields and #types say); an AWS VPC flow log's, what its first line's field names say.
    const std::string_view head(reinterpret_cast<const char*>(magic), n > 0 ? static_cast<size_t>(n) : 0);
    whole = whole || head.starts_with("#Software: ") || head.starts_with("#Version: ") || head.starts_with("#Fields: ") ||
            head.starts_with("#Date: ") || head.starts_with("#separator ") ||
            head.starts_with("#separator\t");
    if (const size_t nl = head.find('\n'); !whole && nl != std::string_view::npos)
      whole = vpc_flow_pattern(head.substr(0, nl)).has_value();
    sizes.push_back(static_cast<uint64_t>(st.st_size));
    total += static_cast<uint64_t>(st.st_size);
  }
  parts = static_cast<size_t>(std::min<uint64_t>(parts, total / std::max<uint64_t>(min_part_bytes, 1)));
  if (whole) parts = std::min(parts, paths.size());
  if (parts < 2) return {};
  if (whole) {  // runs of whole files, about equal in stored bytes
    std::vector<std::vector<FilePart>> runs(1);
    uint64_t done = 0;
    for (size_t f = 0; f < sizes.size(); ++f) {
      // A new run where this file's middle passes the run's share (files are left for the rest).
      if (!runs.back().empty() && runs.size() < parts && done + sizes[f] / 2 >= total / parts * runs.size() &&
          sizes.size() - f >= parts - runs.size())
        runs.emplace_back();
      runs.back().push_back({f, 0, sizes[f]});
      done += sizes[f];
    }
    if (runs.size() < 2) return {};
    return runs;
  }
  // Cut points as (file, offset), each moved to the start of the line it falls in the middle of.
  std::vector<std::pair<size_t, uint64_t>> cuts{{0, 0}};
  char buf[64 * 1024];
  for (size_t k = 1; k < parts; ++k) {
    uint64_t at = total / parts * k;
    size_t f = 0;
    while (f < sizes.size() && at >= sizes[f]) at -= sizes[f++];
    if (f == sizes.size()) break;
    if (at > 0) {  // the line break at or after at - 1
      int fd = open(paths[f].c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return {};
      uint64_t pos = at - 1;
      bool found = false;
      for (ssize_t got; !found && (got = pread(fd, buf, sizeof buf, static_cast<off_t>(pos))) > 0;) {
        const char* nl = static_cast<const char*>(std::memchr(buf, '\n', static_cast<size_t>(got)));
        if (nl) {
          pos += static_cast<uint64_t>(nl - buf) + 1;
          found = true;
        } else {
          pos += static_cast<uint64_t>(got);
        }
      }
      close(fd);
      at = found ? pos : sizes[f];
    }
    if (at >= sizes[f]) ++f, at = 0;  // the cut is the next file's start
    if (cuts.back() < std::make_pair(f, at)) cuts.emplace_back(f, at);
  }
  cuts.emplace_back(sizes.size(), 0);
  std::vector<std::vector<FilePart>> runs;
  for (size_t k = 0; k + 1 < cuts.size(); ++k) {
    std::vector<FilePart> run;
    auto [f, at] = cuts[k];
    const auto [to_f, to_at] = cuts[k + 1];
    for (; f < to_f || (f == to_f && at < to_at); ++f, at = 0) {
      uint64_t end = f == to_f ? to_at : sizes[f];
      if (end > at || sizes[f] == 0) run.push_back({f, at, end});
    }
    if (!run.empty()) runs.push_back(std::move(run));
  }
  if (runs.size() < 2) return {};
  return runs;
}

// Our own inflate rather than gzFile: gzread ends a cut member silently (Z_BUF_ERROR is not
// an error to it), ignores garbage after a member, and cannot say at which byte it failed.
struct LineReader::Gzip {
  z_stream z{};
  uint64_t member_start = 0;
  bool member_done = false;
  Gzip() {
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw InputError("cannot read gzip data: out of memory");
  }
  ~Gzip() { inflateEnd(&z); }
};

LineReader::LineReader(std::string path, LineReaderConfig cfg) : path_(std::move(path)), cfg_(std::move(cfg)) {
  switch (encoding_kind(cfg_.encoding)) {
    case Encoding::Utf8: break;
    case Encoding::Utf16Le: utf16_named_ = 1; break;
    case Encoding::Utf16Be: utf16_named_ = 2; break;
    case Encoding::Utf16: utf16_named_ = 3; break;
    case Encoding::Other: charset_ = std::make_unique<Charset>(cfg_.encoding); break;
  }
  struct stat st{};
  if (path_ == "-") {
    fd_ = dup(STDIN_FILENO);
    if (fd_ < 0) throw InputError("cannot open '-' (stdin): " + std::string(std::strerror(errno)));
    if (fstat(fd_, &st) == 0) wait_ = !S_ISREG(st.st_mode);
  } else {
    if (stat(path_.c_str(), &st) != 0)
      throw InputError("cannot open '" + path_ + "': " + std::strerror(errno));
    if (S_ISDIR(st.st_mode)) throw InputError("cannot read '" + path_ + "': is a directory");
    wait_ = !S_ISREG(st.st_mode);
    // O_NONBLOCK: open() of a FIFO would otherwise wait for a writer, deaf to a stop.
    fd_ = open(path_.c_str(), O_RDONLY | O_CLOEXEC | (S_ISFIFO(st.st_mode) ? O_NONBLOCK : 0));
    if (fd_ < 0) throw InputError("cannot open '" + path_ + "': " + std::strerror(errno));
  }
  if (path_ != "-") fingerprint_ = file_fingerprint(fd_);
  if (cfg_.start > 0) {  // a part of the file: no gzip magic to look for there
    if (lseek(fd_, static_cast<off_t>(cfg_.start), SEEK_SET) < 0)
      throw InputError("cannot read '" + path_ + "' from byte " + std::to_string(cfg_.start) + ": " +
                       std::strerror(errno));
    raw_total_ = bytes_ = cfg_.start;  // offsets stay the file's
  }
  in_.resize(kInBytes);
  buf_.resize(cfg_.buffer_bytes);
}

LineReader::~LineReader() {  // (Charset is complete here)
  if (fd_ >= 0) close(fd_);
}

bool LineReader::should_stop(bool force) {
  if (stopped_) return true;
  if (!cfg_.stop) return false;
  int64_t now = now_ms();
  if (!force && now - last_stop_check_ < 50) return false;
  last_stop_check_ = now;
  if (cfg_.stop()) stopped_ = true;
  return stopped_;
}

long LineReader::read_fd(char* dst, size_t n) {
  for (;;) {
    if (wait_) {  // a pipe, FIFO, terminal or device: wait in short slices
      pollfd p{fd_, POLLIN, 0};
      int r = ::poll(&p, 1, 0);
      if (r == 0 && cfg_.idle) cfg_.idle();
      if (r == 0) r = ::poll(&p, 1, kPollMs);
      if (r < 0 && errno != EINTR)
        throw InputError("error reading '" + path_ + "': " + std::strerror(errno));
      if (r <= 0) {
        if (should_stop(true)) return -1;
        continue;
      }
    }
    if (cfg_.end != UINT64_MAX) {
      if (raw_total_ >= cfg_.end) return 0;
      n = static_cast<size_t>(std::min<uint64_t>(n, cfg_.end - raw_total_));
    }
    ssize_t got = ::read(fd_, dst, n);
    if (got >= 0) {
      raw_total_ += static_cast<uint64_t>(got);
      return got;
    }
    if (errno == EINTR || errno == EAGAIN) {
      if (should_stop(true)) return -1;
      continue;
    }
    throw InputError("error reading '" + path_ + "' at byte " + std::to_string(raw_total_) + ": " +
                     std::strerror(errno));
  }
}

void LineReader::damaged(std::string what) {
  error_ = "'" + path_ + "': " + std::move(what);
}

// UTF-16 decoded to UTF-8 into dst: what the input read so far holds, waiting for more only when
// nothing was decoded. A lone surrogate or a last odd byte becomes U+FFFD.
template <class More>
size_t LineReader::read_utf16(char* dst, size_t room, More& more_in) {
  size_t n = 0;
  auto put = [&](uint32_t cp) {
    char u[4];
    size_t len;
    if (cp < 0x80) {
      u[0] = static_cast<char>(cp), len = 1;
    } else if (cp < 0x800) {
      u[0] = static_cast<char>(0xc0 | (cp >> 6)), u[1] = static_cast<char>(0x80 | (cp & 0x3f)), len = 2;
    } else if (cp < 0x10000) {
      u[0] = static_cast<char>(0xe0 | (cp >> 12)), u[1] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f));
      u[2] = static_cast<char>(0x80 | (cp & 0x3f)), len = 3;
    } else {
      u[0] = static_cast<char>(0xf0 | (cp >> 18)), u[1] = static_cast<char>(0x80 | ((cp >> 12) & 0x3f));
      u[2] = static_cast<char>(0x80 | ((cp >> 6) & 0x3f)), u[3] = static_cast<char>(0x80 | (cp & 0x3f)), len = 4;
    }
    const size_t fit = std::min(len, room - n);  // (the rest waits in pend_ for the next call)
    std::memcpy(dst + n, u, fit);
    n += fit;
    pend_.assign(u + fit, len - fit);
  };
  const size_t from_pend = std::min(pend_.size(), room);
  std::memcpy(dst, pend_.data(), from_pend);
  pend_.erase(0, from_pend);
  n = from_pend;
  const bool le = utf16_ == 1;
  auto unit = [&](size_t at) {
    const auto* b = reinterpret_cast<const unsigned char*>(in_.data() + at);
    return le ? static_cast<uint32_t>(b[0] | (b[1] << 8)) : static_cast<uint32_t>((b[0] << 8) | b[1]);
  };
  for (;;) {
    while (n < room && pend_.empty() && in_len_ - in_pos_ >= 2) {
      uint32_t u = unit(in_pos_);
      if (u >= 0xd800 && u <= 0xdbff) {  // a pair's first half
        if (in_len_ - in_pos_ < 4 && !raw_eof_) break;  // its second is still to be read
        const uint32_t v = in_len_ - in_pos_ >= 4 ? unit(in_pos_ + 2) : 0;
        if (v >= 0xdc00 && v <= 0xdfff) {
          u = 0x10000 + ((u - 0xd800) << 10) + (v - 0xdc00);
          in_pos_ += 2;
        } else {
          u = 0xfffd;
        }
      } else if (u >= 0xdc00 && u <= 0xdfff) {
        u = 0xfffd;
      }
      in_pos_ += 2;
      put(u);
    }
    if (n > 0 || stopped_) return n;
    if (raw_eof_) {
      if (in_len_ - in_pos_ == 1) {  // an odd byte at the end
        in_pos_ = in_len_;
        put(0xfffd);
      }
      return n;
    }
    if (!more_in(in_pos_) && !raw_eof_) return 0;  // stopped
  }
}

// Decompressed (or plain) bytes into dst. 0 at the end, when stopped, or at damage (error_ set).
size_t LineReader::read_input(char* dst, size_t room) {
  if (!error_.empty() || stopped_) return 0;
  // Compact what is left of in_ to its front and read more after it; false at end or stop.
  auto more_in = [&](size_t keep_from) {
    size_t left = in_len_ - keep_from;
    std::memmove(in_.data(), in_.data() + keep_from, left);
    in_pos_ = 0, in_len_ = left;
    if (raw_eof_) return false;
    long got = read_fd(in_.data() + in_len_, in_.size() - in_len_);
    if (got < 0) return false;
    if (got == 0) raw_eof_ = true;
    in_len_ += static_cast<size_t>(got);
    return got > 0;
  };
  if (raw_total_ == 0 && !raw_eof_) {  // first read: look for the gzip magic
    while (in_len_ < 2 && more_in(0)) {
    }
    if (stopped_) return 0;
    if (in_len_ >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f && static_cast<unsigned char>(in_[1]) == 0x8b) {
      gz_ = std::make_unique<Gzip>();
    } else {
      size_t bom = 0;
      utf16_ = static_cast<uint8_t>(utf16_order(reinterpret_cast<const unsigned char*>(in_.data()), in_len_, &bom));
      if (utf16_named_ == 1 || utf16_named_ == 2) {  // named: that order; a mark of it is skipped
        if (utf16_ != utf16_named_) bom = 0;
        utf16_ = utf16_named_;
      } else if (utf16_named_ == 3 && utf16_ == 0) {
        utf16_ = 1;  // no mark, not ASCII at first: Windows' order
      }
      in_pos_ += bom;
    }
  }
  if (utf16_) return read_utf16(dst, room, more_in);
  if (!gz_) {
    if (in_pos_ < in_len_) {  // the bytes read while looking for the magic
      size_t n = std::min(room, in_len_ - in_pos_);
      std::memcpy(dst, in_.data() + in_pos_, n);
      in_pos_ += n;
      return n;
    }
    if (raw_eof_) return 0;
    long got = read_fd(dst, room);
    if (got <= 0) {
      if (got == 0) raw_eof_ = true;
      return 0;
    }
    return static_cast<size_t>(got);
  }
  z_stream& z = gz_->z;
  auto offset = [&]() { return raw_total_ - (in_len_ - in_pos_); };  // compressed bytes consumed
  for (;;) {
    if (gz_->member_done) {  // between members: another member, zero padding (as gzip allows), or the end
      bool zeros = false;
      for (;;) {
        if (in_pos_ == in_len_ && !more_in(in_pos_)) {
          if (stopped_) return 0;
          return 0;  // clean end after a whole member (and padding)
        }
        if (in_[in_pos_] == 0) {
          while (in_pos_ < in_len_ && in_[in_pos_] == 0) ++in_pos_;
          zeros = true;
          continue;
        }
        if (in_len_ - in_pos_ < 2 && !zeros && more_in(in_pos_)) continue;
        if (stopped_) return 0;
        if (!zeros && in_len_ - in_pos_ >= 2 && static_cast<unsigned char>(in_[in_pos_]) == 0x1f &&
            static_cast<unsigned char>(in_[in_pos_ + 1]) == 0x8b)
          break;
        damaged("not gzip data at byte " + std::to_string(offset()) +
                ", after the gzip member that ended before it (damaged or appended bytes)");
        return 0;
      }
      inflateReset(&z);
      gz_->member_start = offset();
      gz_->member_done = false;
    }
    if (in_pos_ == in_len_ && !raw_eof_ && !more_in(in_pos_) && stopped_) return 0;
    z.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
    z.avail_in = static_cast<uInt>(in_len_ - in_pos_);
    z.next_out = reinterpret_cast<Bytef*>(dst);
    z.avail_out = static_cast<uInt>(std::min<size_t>(room, 1u << 30));
    int rc = inflate(&z, Z_NO_FLUSH);
    in_pos_ = in_len_ - z.avail_in;
    size_t got = room - z.avail_out;
    switch (rc) {
      case Z_STREAM_END: gz_->member_done = true; break;
      case Z_OK: break;
      case Z_BUF_ERROR:  // no progress: more input needed
        if (got == 0 && in_pos_ == in_len_ && raw_eof_) {
          damaged("gzip data cut short at byte " + std::to_string(offset()) +
                  " (end of file): the member starting at byte " + std::to_string(gz_->member_start) +
                  " is incomplete (unexpected end of file)");
          return 0;
        }
        break;
      default: {
        std::string why = z.msg ? z.msg : "inflate error " + std::to_string(rc);
        if (why == "incorrect data check") why += " (CRC-32 mismatch)";
        if (why == "incorrect length check") why += " (ISIZE mismatch)";
        damaged("damaged gzip data at byte " + std::to_string(offset()) + " (in the member starting at byte " +
                std::to_string(gz_->member_start) + "): " + why);
        return got;  // what inflate produced before it; error_ ends the next call
      }
    }
    if (got > 0) return got;
  }
}

bool LineReader::fill() {
  if (eof_ || should_stop(false)) return false;
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
  size_t got = read_input(buf_.data() + end_, buf_.size() - end_);
  if (got == 0) {
    if (!stopped_) eof_ = true;
    return false;
  }
  end_ += got;
  read_ms_ = wall_ms();
  return true;
}

bool LineReader::next(std::string_view& line) {
  if (!next_raw(line)) return false;
  if (charset_) line = charset_->decode(line);
  return true;
}

bool LineReader::next_raw(std::string_view& line) {
  truncated_ = false;
  for (;;) {
    if (next_buffered_line(buf_, begin_, end_, bytes_, skip_rest_, cfg_.max_line_bytes, line, truncated_)) {
      line_offset_ = bytes_ - (begin_ - static_cast<size_t>(line.data() - buf_.data()));
      ++line_no_;
      return true;
    }
    if (!fill()) {
      if (stopped_) return false;
      if (!eof_ && end_ - begin_ > cfg_.max_line_bytes) {
        // A line longer than the limit: hand out the first max_line_bytes, drop the rest up to its '\n'.
        line = std::string_view(buf_.data() + begin_, cfg_.max_line_bytes);
        line_offset_ = bytes_;
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
      if (!error_.empty()) {
        // Damage: the whole lines before it were handed out; a line it cut off is not one.
        std::string msg = std::move(error_);
        error_.clear();  // eof_ is set: later calls return false
        size_t left = end_ - begin_;
        if (left > 0 && !skip_rest_)
          msg += "; the incomplete line just before it (" + std::to_string(left) + " bytes) was not read";
        begin_ = end_ = 0;
        throw InputError(msg);
      }
      if (end_ - begin_ == 0) return false;
      truncated_ = end_ - begin_ > cfg_.max_line_bytes;
      line = std::string_view(buf_.data() + begin_, std::min(end_ - begin_, cfg_.max_line_bytes));
      line_offset_ = bytes_;
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
