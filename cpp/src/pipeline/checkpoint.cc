#include "pipeline/checkpoint.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <stdexcept>

namespace ki {

// ---- AckWindow ----

void AckWindow::sent(uint64_t first, uint64_t last, bool pending) {
  if (blocked_) return;
  if (first != committed_ + state_.size() + 1 || last < first) {  // lines come in order; anything else: stop here
    blocked_ = true;
    state_.clear();
    return;
  }
  for (uint64_t l = first; l < last; ++l) state_.push_back(pending ? 3 : 1);  // done with the event's last line
  state_.push_back(pending ? 0 : 1);
  advance();
}

void AckWindow::acked(uint64_t line_no, bool ok) {
  if (blocked_ || line_no <= committed_ || line_no > committed_ + state_.size()) return;
  size_t i = line_no - committed_ - 1;
  state_[i] = ok ? 1 : 2;
  while (i > 0 && state_[i - 1] == 3) state_[--i] = ok ? 1 : 2;  // the event's earlier lines
  advance();
}

void AckWindow::advance() {
  while (!state_.empty() && state_.front() == 1) {
    state_.pop_front();
    ++committed_;
  }
  if (!state_.empty() && state_.front() == 2) {  // never passed: stop tracking (memory stays bounded)
    blocked_ = true;
    state_.clear();
  }
}

// ---- identity ----

FileIdentity identify_file(const std::string& path, uint64_t head_len) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw std::runtime_error("resume (--resume): cannot open " + path + ": " + std::strerror(errno));
  struct stat sb {};
  FileIdentity id;
  if (::fstat(fd, &sb) == 0) {
    id.dev = static_cast<uint64_t>(sb.st_dev);
    id.ino = static_cast<uint64_t>(sb.st_ino);
  }
  char buf[4096];
  size_t want = head_len ? std::min<uint64_t>(head_len, sizeof buf) : sizeof buf, got = 0;
  while (got < want) {
    ssize_t n = ::read(fd, buf + got, want - got);
    if (n <= 0) break;
    got += static_cast<size_t>(n);
  }
  ::close(fd);
  uint64_t h = 1469598103934665603ULL;
  for (size_t i = 0; i < got; ++i) h = (h ^ static_cast<unsigned char>(buf[i])) * 1099511628211ULL;
  id.head_len = got;
  id.head_hash = h;
  return id;
}

// ---- Checkpoint ----

namespace {
std::string key_of(const std::string& input) {
  return std::filesystem::absolute(input).lexically_normal().string();
}
}  // namespace

Checkpoint::Checkpoint(std::string path, int save_interval_ms) : path_(std::move(path)), interval_ms_(save_interval_ms) {
  std::ifstream in(path_);
  if (in) {
    std::stringstream ss;
    ss << in.rdbuf();
    try {
      auto j = nlohmann::json::parse(ss.str());
      if (!j.contains("kafkainsight_checkpoint")) throw std::runtime_error("no kafkainsight_checkpoint key");
      for (auto& [k, v] : j.at("files").items()) {
        Record r;
        r.id.dev = v.at("dev").get<uint64_t>();
        r.id.ino = v.at("inode").get<uint64_t>();
        r.id.head_len = v.at("head_bytes").get<uint64_t>();
        r.id.head_hash = v.at("head_hash").get<uint64_t>();
        r.line = v.at("line").get<uint64_t>();
        records_[k] = r;
      }
    } catch (const std::exception& e) {
      throw std::runtime_error("resume (--resume): " + path_ + " is not a KafkaInsight checkpoint file (" + e.what() +
                               "); move it away or name another file");
    }
  }
  saver_ = std::thread([this] { saver_loop(); });
}

Checkpoint::~Checkpoint() {
  {
    std::lock_guard<std::mutex> lk(mu_);
    stop_ = true;
    cv_.notify_all();
  }
  saver_.join();
  try {
    save();
  } catch (...) {  // a destructor must not throw; save() errors were reported by the saver
  }
}

uint64_t Checkpoint::begin_file(uint32_t src, const std::string& input, std::string* note) {
  if (input == "-") {
    if (note) *note = "stdin has no resume position";
    return 0;
  }
  std::string key = key_of(input);
  std::lock_guard<std::mutex> lk(mu_);
  uint64_t start = 0;
  auto it = records_.find(key);
  FileIdentity now;
  struct stat sb {};
  if (it != records_.end() && ::stat(input.c_str(), &sb) == 0) {
    now = identify_file(input, it->second.id.head_len);
    if (now == it->second.id) {
      start = it->second.line;
    } else if (note) {
      *note = input + " is not the file the checkpoint recorded (rotated or rewritten): starting at line 1";
    }
  }
  if (start == 0) {
    struct stat sb {};
    if (::stat(input.c_str(), &sb) != 0) {  // not there (yet): the reader reports it; nothing to record
      if (note) *note = input + " does not exist: no resume position";
      active_.erase(src);
      return 0;
    }
    now = identify_file(input);  // the identity of a fresh start hashes the full head
  }
  records_[key] = Record{now, start};
  active_.erase(src);
  active_.emplace(src, Active{key, AckWindow(start)});
  return start;
}

void Checkpoint::forget(uint32_t src) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = active_.find(src);
  if (it == active_.end()) return;
  std::string key = it->second.key;
  active_.erase(it);
  for (auto& [_, a] : active_)
    if (a.key == key) return;  // a new file at that path is followed already
  records_.erase(key);
  dirty_ = true;
}

template <class Change>
void Checkpoint::update(uint32_t src, Change change) {
  std::lock_guard<std::mutex> lk(mu_);
  auto it = active_.find(src);
  if (it == active_.end()) return;
  uint64_t before = it->second.window.committed();
  change(it->second.window);
  if (it->second.window.committed() != before) dirty_ = true;
}

void Checkpoint::sent(uint32_t src, uint64_t first, uint64_t last, bool pending) {
  update(src, [&](AckWindow& w) { w.sent(first, last, pending); });
}

void Checkpoint::acked(uint32_t src, uint64_t line_no, bool ok) {
  update(src, [&](AckWindow& w) { w.acked(line_no, ok); });
}

uint64_t Checkpoint::committed(const std::string& input) const {
  std::string key = key_of(input);
  std::lock_guard<std::mutex> lk(mu_);
  for (auto& [_, a] : active_)
    if (a.key == key) return a.window.committed();
  auto it = records_.find(key);
  return it == records_.end() ? 0 : it->second.line;
}

void Checkpoint::save() {
  std::lock_guard<std::mutex> lk(mu_);
  write_locked();
}

void Checkpoint::saver_loop() {
  std::unique_lock<std::mutex> lk(mu_);
  while (!stop_) {
    cv_.wait_for(lk, std::chrono::milliseconds(interval_ms_), [this] { return stop_; });
    if (stop_ || !dirty_) continue;
    try {
      write_locked();
    } catch (const std::exception&) {
      // Reported by the final save(); the position on disk only lags (duplicates, never loss).
    }
  }
}

// Temp file + fsync + rename + fsync of the directory: a crash leaves the old or the new file.
void Checkpoint::write_locked() {
  for (auto& [_, a] : active_) records_[a.key].line = a.window.committed();
  nlohmann::json files = nlohmann::json::object();
  for (auto& [k, r] : records_)
    files[k] = {{"dev", r.id.dev},          {"inode", r.id.ino}, {"head_bytes", r.id.head_len},
                {"head_hash", r.id.head_hash}, {"line", r.line}};
  std::string body = nlohmann::json{{"kafkainsight_checkpoint", 1}, {"files", files}}.dump(1) + "\n";
  std::string tmp = path_ + ".tmp";
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw std::runtime_error("resume (--resume): cannot write " + tmp + ": " + std::strerror(errno));
  size_t off = 0;
  while (off < body.size()) {
    ssize_t n = ::write(fd, body.data() + off, body.size() - off);
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno;
      ::close(fd);
      throw std::runtime_error("resume (--resume): cannot write " + tmp + ": " + std::strerror(e));
    }
    off += static_cast<size_t>(n);
  }
  ::fsync(fd);
  ::close(fd);
  if (std::rename(tmp.c_str(), path_.c_str()) != 0)
    throw std::runtime_error("resume (--resume): cannot rename " + tmp + " to " + path_ + ": " + std::strerror(errno));
  std::string dir = std::filesystem::path(path_).parent_path().string();
  int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    ::fsync(dfd);
    ::close(dfd);
  }
  dirty_ = false;
}

}  // namespace ki
