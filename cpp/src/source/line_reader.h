// LineReader: streams lines from a plain or gzip file, or stdin ("-"), with bounded memory;
// UTF-16 input (a byte-order mark, or ASCII with zero bytes between) is decoded to UTF-8, and so is
// a legacy charset named by `encoding` (source/charset.h).
#pragma once
#include <cstdint>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace ki {

// Input that cannot be opened or read to its end: missing, a directory, an I/O error, or
// damaged gzip data (cut short, bad CRC, garbage after a member). what() names the file and,
// for damage, the byte offset in the file as stored (compressed).
class InputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

struct LineReaderConfig {
  size_t buffer_bytes = 1 << 20;
  size_t max_line_bytes = 64u << 20;  // a longer line is cut here and flagged
  // Polled while waiting for input (a FIFO with no writer, a silent pipe or terminal) and
  // between reads (an endless line): true ends reading, next() returns false, stopped() is true.
  std::function<bool()> stop;
  // Called when input is not ready and the reader is about to wait (a pipe or FIFO that
  // pauses): the caller can pass on what it has read so far instead of holding it.
  std::function<void()> idle;
  // Only bytes [start, end) of a plain regular file (a part of it read by another thread while
  // other threads read the rest): both ends at line starts, chosen by split_files().
  uint64_t start = 0;
  uint64_t end = UINT64_MAX;
  // The input's character set ("": UTF-8, or UTF-16 by its look): lines are decoded to UTF-8.
  std::string encoding;
};

// UTF-16 text (SQL Server's ERRORLOG, Windows PowerShell's `>` and Out-File, .NET's
// Encoding.Unicode): its byte-order mark, or, without one, 16 characters of ASCII whose other
// byte is zero (log lines start with a date or a word). 1 little-endian, 2 big-endian, 0 not;
// *bom: the mark's bytes (skipped).
int utf16_order(const unsigned char* p, size_t n, size_t* bom);

// About how many lines the regular, uncompressed files among `paths` hold: their sizes over the
// line length in their first 64 KiB (0 if none can tell). A guess to size buffers by.
uint64_t estimate_lines(const std::vector<std::string>& paths);

// Bytes [start, end) of paths[file], both ends at line starts.
struct FilePart {
  size_t file = 0;
  uint64_t start = 0, end = 0;
};
// `paths` cut into up to `parts` runs of about equal bytes, in input order, for as many threads
// to read at once; every line falls in exactly one run. With a gzip file among them, runs of
// whole files (gzip cannot be entered but at its start), and so with `whole` (multi-line events
// must not be cut). Empty (read them as one) unless every path is a regular file and each run
// gets at least min_part_bytes.
std::vector<std::vector<FilePart>> split_files(const std::vector<std::string>& paths, size_t parts,
                                               uint64_t min_part_bytes, bool whole = false);

class Charset;

class LineReader {
 public:
  // Throws InputError naming the path if it is missing, unreadable or a directory. Does not
  // block: a FIFO is opened without waiting for a writer.
  // std::invalid_argument for an encoding that is not one (check_encoding).
  explicit LineReader(std::string path, LineReaderConfig cfg = {});
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without "\n" (a final line without one is returned too). The view is valid
  // until the next call. False at end of input or when stopped. Damaged input: every whole
  // line before the damage is returned first, then InputError is thrown.
  bool next(std::string_view& line);
  // True if the last line returned was longer than max_line_bytes and was cut.
  bool truncated() const { return truncated_; }
  bool stopped() const { return stopped_; }
  uint64_t line_no() const { return line_no_; }
  uint64_t bytes_read() const { return bytes_; }  // uncompressed bytes consumed
  // Where the last line returned starts (uncompressed byte offset) and when it was read (wall
  // ms of the read that completed it: the lines of one read were read at once).
  uint64_t line_offset() const { return line_offset_; }
  int64_t read_ms() const { return read_ms_; }
  // The file's identity for event ids (source/event_id.h); empty for stdin, pipes and FIFOs.
  const std::string& fingerprint() const { return fingerprint_; }
  const std::string& path() const { return path_; }

 private:
  struct Gzip;
  bool next_raw(std::string_view& line);
  bool fill();
  size_t read_input(char* dst, size_t room);  // 0: end, stopped or damaged (error_)
  template <class More>
  size_t read_utf16(char* dst, size_t room, More& more_in);
  long read_fd(char* dst, size_t n);          // -1: stopped
  bool should_stop(bool force);
  void damaged(std::string what);
  std::string path_;
  LineReaderConfig cfg_;
  int fd_ = -1;
  bool wait_ = false;  // not a regular file: poll() before reading so a stop is seen
  std::unique_ptr<Gzip> gz_;  // set when the input starts with the gzip magic
  uint8_t utf16_ = 0;         // UTF-16 input, decoded to UTF-8: 1 little-endian, 2 big-endian
  uint8_t utf16_named_ = 0;   // the encoding names UTF-16: 1 LE, 2 BE, 3 by its byte-order mark
  std::unique_ptr<Charset> charset_;  // the encoding names a legacy charset
  std::string pend_;          // a decoded character's bytes that did not fit the last call's room
  std::vector<char> in_;      // compressed input (and the first bytes, looked at for the magic)
  size_t in_pos_ = 0, in_len_ = 0;
  uint64_t raw_total_ = 0;  // bytes read from the file as stored
  bool raw_eof_ = false;
  std::string error_;  // damage found; thrown once the lines before it are handed out
  int64_t last_stop_check_ = 0;
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false, truncated_ = false, skip_rest_ = false, stopped_ = false;
  uint64_t line_no_ = 0, bytes_ = 0, line_offset_ = 0;
  int64_t read_ms_ = 0;
  std::string fingerprint_;
};

}  // namespace ki
