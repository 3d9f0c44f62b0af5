// LineReader: streams lines from a plain or gzip file, or stdin ("-"), with bounded memory.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace ki {

struct LineReaderConfig {
  size_t buffer_bytes = 1 << 20;
  size_t max_line_bytes = 64u << 20;  // a longer line is cut here and flagged
};

class LineReader {
 public:
  // Throws std::runtime_error naming the path if it is missing, unreadable or a directory.
  explicit LineReader(std::string path, LineReaderConfig cfg = {});
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line without "\n" (a final line without one is returned too). The view is valid
  // until the next call. False at end of input; throws on a read error.
  bool next(std::string_view& line);
  // True if the last line returned was longer than max_line_bytes and was cut.
  bool truncated() const { return truncated_; }
  uint64_t line_no() const { return line_no_; }
  uint64_t bytes_read() const { return bytes_; }  // uncompressed bytes consumed
  const std::string& path() const { return path_; }

 private:
  bool fill();
  std::string path_;
  LineReaderConfig cfg_;
  void* gz_ = nullptr;  // gzFile; zlib reads plain files transparently
  std::vector<char> buf_;
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false, truncated_ = false, skip_rest_ = false;
  uint64_t line_no_ = 0, bytes_ = 0;
};

}  // namespace ki
