// A fast, reproducible generator of fake log lines in the exact formats of flog v0.4.4
// (github.com/mingrammer/flog): apache_common / common_log, apache_combined, apache_error,
// rfc3164, rfc5424 and json. The values come from small embedded vocabularies shaped like
// gofakeit's (buzzwords, lorem words, last names, hacker phrases, user agents), so lines are
// byte-for-byte in flog's templates but not flog's exact random values.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "parse/record.h"

namespace ki {

struct GenTables;  // the embedded vocabularies (generator.cc)

struct GeneratorConfig {
  Format format = Format::ApacheCommon;
  uint64_t seed = 0;             // 0: seed from std::random_device; same seed -> same lines
  int64_t start_epoch_sec = -1;  // -1: now
  int64_t interval_ns = 0;       // flog -s: the event time advances by this per line
  int tz_offset_min = 0;         // offset written in apache timestamps (flog writes local time; we default to UTC)
};

class Generator {
 public:
  // Throws std::invalid_argument for Format::Unknown, an offset outside +-24h or a start
  // time outside the years ~1685..2255 (the int64 nanosecond range).
  explicit Generator(GeneratorConfig cfg);

  // Appends ONE line, without '\n'. No heap allocation beyond growing `out`.
  void next(std::string& out);

  // The event time (UTC, ns since the epoch) the next line will carry:
  // start + lines_generated * interval_ns.
  int64_t current_time_ns() const { return time_ns_; }

 private:
  uint64_t rand_u64();
  uint64_t below(uint64_t n);  // uniform-ish in [0, n)
  int64_t range(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(below(static_cast<uint64_t>(hi - lo + 1))); }
  void format_time(int64_t sec);

  char* put_ipv4(char* p);
  char* put_user(char* p);  // lowercase last name + 4 digits
  char* put_auth_user(char* p);
  char* put_uri(char* p);
  char* put_domain(char* p, bool with_spaces = false);
  char* put_url(char* p);
  char* put_user_agent(char* p);
  char* put_platform(char* p);
  char* put_hacker_phrase(char* p);
  char* put_access_head(char* p, int64_t min_bytes, int64_t max_bytes);  // apache common fields

  const GenTables* t_;
  GeneratorConfig cfg_;
  uint64_t s_[4];
  int64_t time_ns_;
  int64_t cached_sec_;
  char time_buf_[48];
  uint8_t time_len_ = 0;
};

struct GenerateOptions {  // the flog CLI
  GeneratorConfig gen;
  int64_t number = 1000;        // -n; ignored when loop
  int64_t bytes = 0;            // -b: when >0 and number==0, generate until this many bytes
  std::string output;           // -o path; empty or "-" = stdout
  std::string type = "stdout";  // -t stdout|log|gz
  double delay_sec = 0;         // -d: real sleep between lines (also the default interval when -s is 0, like flog)
  bool loop = false;            // -l: forever until stop() returns true
};

struct GenerateStats {
  int64_t lines = 0;
  int64_t bytes = 0;  // uncompressed bytes written, newlines included
};

// Writes lines ('\n'-terminated) to stdout / a file / a gzip file (zlib gzopen).
// The destination is `output` (stdout when empty or "-"); `type` selects the encoding:
// "stdout" and "log" write plain text, "gz" writes gzip. -b counts uncompressed bytes
// including newlines and stops at the first line that reaches the target.
// Throws std::invalid_argument on a bad type/format, std::runtime_error with a clear message
// (naming the path) on I/O errors. `stop` (may be empty) is polled every ~4096 lines and after
// each delay; returning true ends generation cleanly (used for Ctrl-C from Python).
GenerateStats generate(const GenerateOptions& opts, const std::function<bool()>& stop = {});

}  // namespace ki
