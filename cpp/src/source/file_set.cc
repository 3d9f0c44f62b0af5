#include "source/file_set.h"

#include <glob.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <stdexcept>
#include <thread>

namespace ki {

using Clock = std::chrono::steady_clock;

bool has_glob(std::string_view path) { return path.find_first_of("*?[") != std::string_view::npos; }

std::vector<std::string> glob_files(const std::string& pattern) {
  std::vector<std::string> out;
  glob_t g{};
  if (::glob(pattern.c_str(), 0, nullptr, &g) == 0) {
    for (size_t i = 0; i < g.gl_pathc; ++i) {
      struct stat sb{};
      if (::stat(g.gl_pathv[i], &sb) == 0 && S_ISREG(sb.st_mode)) out.emplace_back(g.gl_pathv[i]);
    }
  }
  ::globfree(&g);
  return out;  // glob(3) sorts
}

std::vector<std::string> expand_paths(const std::vector<std::string>& args) {
  std::vector<std::string> out;
  for (const auto& a : args) {
    struct stat sb{};
    if (a == "-" || !has_glob(a) || ::stat(a.c_str(), &sb) == 0) {
      out.push_back(a);
      continue;
    }
    auto m = glob_files(a);
    if (m.empty()) throw std::runtime_error("no file matches '" + a + "'");
    out.insert(out.end(), m.begin(), m.end());
  }
  return out;
}

std::string pattern_dir(const std::string& pattern) {
  size_t g = pattern.find_first_of("*?[");
  size_t slash = pattern.rfind('/', g == std::string::npos ? std::string::npos : g);
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : pattern.substr(0, slash);
}

FileSet::FileSet(const std::vector<std::string>& args, FileSetConfig cfg, Hook on_open, Hook on_close)
    : cfg_(std::move(cfg)), on_open_(std::move(on_open)), on_close_(std::move(on_close)) {
  cfg_.follow.watch = false;  // one inotify instance for all (below)
  cfg_.follow.buffer_bytes = std::min<size_t>(cfg_.follow.buffer_bytes, kBufferBytes);
  inotify_fd_ = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
  for (const auto& a : args) {
    struct stat sb{};
    if (has_glob(a) && ::stat(a.c_str(), &sb) != 0) {
      patterns_.push_back(a);
      watch_dir_of(a);
    } else if (!paths_.count(a)) {
      open(a, true, cfg_.follow.from_end);  // throws as FollowReader does (missing, a directory, .gz)
    }
  }
  scan(cfg_.follow.from_end);
}

FileSet::~FileSet() {
  if (inotify_fd_ >= 0) ::close(inotify_fd_);
}

void FileSet::watch_dir_of(const std::string& path) {
  if (inotify_fd_ < 0) return;
  constexpr uint32_t kMask =
      IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM | IN_DELETE | IN_ATTRIB | IN_CLOSE_WRITE;
  // The same directory again gives the same watch: no bookkeeping needed.
  ::inotify_add_watch(inotify_fd_, pattern_dir(path).c_str(), kMask);
  // Through a symlink (Kubernetes' /var/log/containers/*.log): the writes happen in the target's directory.
  char real[PATH_MAX];
  if (!has_glob(path) && ::realpath(path.c_str(), real)) ::inotify_add_watch(inotify_fd_, pattern_dir(real).c_str(), kMask);
}

bool FileSet::open(const std::string& path, bool literal, bool from_end) {
  if (files_.size() >= cfg_.max_open_files) {
    if (literal) throw std::runtime_error("cannot follow '" + path + "': more paths than --max-open-files (" +
                                          std::to_string(cfg_.max_open_files) + ")");
    ++st_.waiting;
    return false;
  }
  auto f = std::make_unique<File>();
  f->path = path;
  f->literal = literal;
  FollowConfig fc = cfg_.follow;
  fc.from_end = from_end;
  if (literal) {
    f->reader = std::make_unique<FollowReader>(path, fc);
  } else {
    try {
      f->reader = std::make_unique<FollowReader>(path, fc);
    } catch (const std::exception& e) {  // gone since the glob, unreadable, compressed: not followed
      if (warned_.size() < 10000 && warned_.insert(path).second) spdlog::warn("follow: {}", e.what());
      return false;
    }
  }
  watch_dir_of(path);
  if (on_open_) on_open_(*f);
  paths_.insert(path);
  files_.push_back(std::move(f));
  ++st_.opened;
  return true;
}

void FileSet::rescan() { scan(false); }  // a file that starts to match later is new: from its start

void FileSet::scan(bool from_end) {
  st_.waiting = 0;
  for (const auto& p : patterns_)
    for (const auto& f : glob_files(p))  // compressed (rotated) files do not grow: not followed
      if (!paths_.count(f) && !(f.size() > 3 && f.ends_with(".gz"))) open(f, false, from_end);
  if (st_.waiting && !limit_said_)
    spdlog::warn("follow: --max-open-files {} reached: {} more matching file(s) wait until followed files go away",
                 cfg_.max_open_files, st_.waiting);
  limit_said_ = st_.waiting > 0;
  next_rescan_ = Clock::now() + std::chrono::milliseconds(cfg_.rescan_ms);
  rescan_now_ = false;
}

FileSetStats FileSet::stats() const {
  FileSetStats s = st_;
  s.open = files_.size();
  for (const auto& f : files_) {
    s.rotations += f->reader->rotations();
    s.truncations += f->reader->truncations();
  }
  return s;
}

void FileSet::wait(int timeout_ms) {
  if (inotify_fd_ < 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(std::min(timeout_ms, FollowReader::kFallbackPollMs)));
    return;
  }
  pollfd p{inotify_fd_, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) return;
  alignas(inotify_event) char buf[8192];
  ssize_t n;
  while ((n = ::read(inotify_fd_, buf, sizeof buf)) > 0) {
    for (char* at = buf; at < buf + n;) {
      auto* ev = reinterpret_cast<inotify_event*>(at);
      if (ev->mask & (IN_CREATE | IN_MOVED_TO)) rescan_now_ = true;  // maybe a new match
      at += sizeof(inotify_event) + ev->len;
    }
  }
}

FileSet::File* FileSet::next(std::string_view& line, const std::function<bool()>& idle) {
  for (;;) {
    if (!patterns_.empty() && (rescan_now_ || Clock::now() >= next_rescan_)) rescan();
    auto now = Clock::now();
    // One pass over the files from where the last one left off; the first with a line wins.
    for (size_t k = 0, n = files_.size(); k < n && !files_.empty(); ++k) {
      if (cur_ >= files_.size()) cur_ = 0;
      File& f = *files_[cur_];
      if (f.reader->poll(line)) {
        f.gone_since = {};
        if (++burst_ >= kBurst) cur_ = (cur_ + 1) % files_.size(), burst_ = 0;
        return &f;
      }
      burst_ = 0;
      if (!f.literal && f.reader->gone()) {  // drained and its name is gone: close after a grace
        if (f.gone_since == Clock::time_point{}) f.gone_since = now;
        // Deleted: nobody can add to it for us to read. Renamed away: its writer may go on a
        // while (until it reopens the name), so it is kept for a rescan interval.
        auto grace = std::chrono::milliseconds(f.reader->unlinked() ? kGoneGraceMs
                                                                    : std::max(kGoneGraceMs, cfg_.rescan_ms));
        if (now - f.gone_since >= grace) {
          if (on_close_) on_close_(f);
          st_.rotations += f.reader->rotations();
          st_.truncations += f.reader->truncations();
          ++st_.closed;
          paths_.erase(f.path);
          files_.erase(files_.begin() + static_cast<std::ptrdiff_t>(cur_));
          if (st_.waiting) rescan_now_ = true;  // room for a waiting file
          continue;  // cur_ names the next file now
        }
      } else {
        f.gone_since = {};
      }
      ++cur_;
    }
    if (idle && idle()) return nullptr;
    int wait_ms = cfg_.follow.poll_ms;
    if (!patterns_.empty()) {
      auto left = std::chrono::ceil<std::chrono::milliseconds>(next_rescan_ - Clock::now()).count();
      wait_ms = static_cast<int>(std::clamp<long long>(left, 0, wait_ms));  // ceil: no spinning in its last ms
    }
    wait(wait_ms);
  }
}

}  // namespace ki
