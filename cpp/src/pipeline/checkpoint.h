// Checkpoint: the producer's --resume position. For each input file it records the last line
// L such that line L and every line before it were acknowledged by Kafka (or needed no
// message: blank or skipped lines), so a re-run skips lines 1..L of the same file. The file
// is identified by device + inode + a hash of its first bytes; a different file at the same
// path (rotated, rewritten) starts from line 1 again. Saved atomically (temp file, fsync,
// rename) by a background thread at most every save_interval_ms, and at the end.
//
// Guarantee: no line is ever skipped that was not acknowledged (no loss). Lines acknowledged
// after the last save, or acknowledged beyond a line still in flight, are sent again by a
// resumed run: duplicates are bounded by the in-flight window plus one save interval.
#pragma once
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace ki {

// The contiguous done prefix of a stream of numbered lines handed over in order.
class AckWindow {
 public:
  // Lines 1..committed were done in an earlier run; the next line handed over is committed+1.
  explicit AckWindow(uint64_t committed = 0) : committed_(committed) {}
  // Line `line_no` was handed over; `pending`: it waits for a delivery report.
  void sent(uint64_t line_no, bool pending) { sent(line_no, line_no, pending); }
  // Lines first..last as one message (a multi-line event): they are done when `last` is.
  void sent(uint64_t first, uint64_t last, bool pending);
  // Its delivery report (of an event: of its last line): acknowledged (ok) or failed. A failed
  // line is never passed.
  void acked(uint64_t line_no, bool ok);
  uint64_t committed() const { return committed_; }
  bool blocked() const { return blocked_; }
  size_t in_window() const { return state_.size(); }

 private:
  void advance();
  uint64_t committed_;
  std::deque<uint8_t> state_;  // lines committed_+1 ...: 0 pending, 1 done, 2 failed, 3 as the next line
  bool blocked_ = false;       // a failed or out-of-order line: the position stays where it is
};

struct FileIdentity {
  uint64_t dev = 0, ino = 0;
  uint64_t head_len = 0, head_hash = 0;  // FNV-1a of the first head_len (<= 4096) bytes
  bool operator==(const FileIdentity& o) const {
    return dev == o.dev && ino == o.ino && head_len == o.head_len && head_hash == o.head_hash;
  }
};
// Throws std::runtime_error naming the path if it cannot be read. head_len: hash exactly this
// many bytes (a saved identity's), or 0 for up to 4096.
FileIdentity identify_file(const std::string& path, uint64_t head_len = 0);

class Checkpoint {
 public:
  // Loads `path` if it exists; throws std::runtime_error if it is not a checkpoint file.
  explicit Checkpoint(std::string path, int save_interval_ms = 200);
  ~Checkpoint();  // stops the saver and saves
  Checkpoint(const Checkpoint&) = delete;
  Checkpoint& operator=(const Checkpoint&) = delete;

  // Input `src` (the pipeline's source index) is `input`. Returns how many leading lines an
  // earlier run had acknowledged (0: new file, a different file at that path, or stdin).
  // `note` says why a saved position was not used.
  uint64_t begin_file(uint32_t src, const std::string& input, std::string* note = nullptr);
  // Input `src` was closed because its file went away (following a pattern): its position
  // names no file any more, so it is dropped (the checkpoint stays as small as what is followed).
  void forget(uint32_t src);
  void sent(uint32_t src, uint64_t line_no, bool pending) { sent(src, line_no, line_no, pending); }
  void sent(uint32_t src, uint64_t first, uint64_t last, bool pending);  // one event of lines first..last
  void acked(uint32_t src, uint64_t line_no, bool ok);
  void save();  // now (the saver does it every interval when something changed)
  uint64_t committed(const std::string& input) const;  // saved or current position, 0 if unknown
  const std::string& path() const { return path_; }

 private:
  struct Record {
    FileIdentity id;
    uint64_t line = 0;
  };
  struct Active {
    std::string key;
    AckWindow window;
  };
  void saver_loop();
  void write_locked();
  // Applies `change` to src's window; the checkpoint is dirty when its committed line moved.
  template <class Change>
  void update(uint32_t src, Change change);

  std::string path_;
  int interval_ms_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::map<std::string, Record> records_;  // absolute path -> position (this run's and earlier runs')
  std::map<uint32_t, Active> active_;      // this run's inputs by source index
  bool dirty_ = false, stop_ = false;
  std::thread saver_;
};

}  // namespace ki
