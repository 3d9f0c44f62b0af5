#include "source/event_id.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace ki {

namespace {
constexpr size_t kHeadBytes = 1024;
constexpr size_t kHexDigits = 16;

uint64_t fnv1a(uint64_t h, const void* data, size_t n) {
  const auto* p = static_cast<const unsigned char*>(data);
  for (size_t i = 0; i < n; ++i) h = (h ^ p[i]) * 1099511628211ull;
  return h;
}
}  // namespace

std::string file_fingerprint(int fd) {
  struct stat st{};
  if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return {};
  char head[kHeadBytes];
  ssize_t got = pread(fd, head, sizeof head, 0);
  size_t n = got > 0 ? static_cast<size_t>(got) : 0;
  if (const void* nl = std::memchr(head, '\n', n)) n = static_cast<size_t>(static_cast<const char*>(nl) - head) + 1;
  uint64_t dev = static_cast<uint64_t>(st.st_dev), ino = static_cast<uint64_t>(st.st_ino);
  uint64_t h = fnv1a(1469598103934665603ull, &dev, sizeof dev);
  h = fnv1a(h, &ino, sizeof ino);
  h = fnv1a(h, head, n);
  static const char* hex = "0123456789abcdef";
  std::string out(kHexDigits, '0');
  for (size_t i = 0; i < kHexDigits; ++i) out[kHexDigits - 1 - i] = hex[(h >> (4 * i)) & 0xf];
  return out;
}

std::string_view event_id(EventIdBuf& buf, std::string_view fingerprint, uint64_t offset) {
  size_t n = std::min(fingerprint.size(), kHexDigits);
  std::memcpy(buf.data, fingerprint.data(), n);
  buf.data[n++] = '-';
  char* end = std::to_chars(buf.data + n, buf.data + sizeof buf.data, offset).ptr;
  return std::string_view(buf.data, static_cast<size_t>(end - buf.data));
}

bool valid_event_id(std::string_view id) {
  if (id.size() < kHexDigits + 2 || id.size() > kHexDigits + 21 || id[kHexDigits] != '-') return false;
  for (size_t i = 0; i < kHexDigits; ++i)
    if (!((id[i] >= '0' && id[i] <= '9') || (id[i] >= 'a' && id[i] <= 'f'))) return false;
  for (size_t i = kHexDigits + 1; i < id.size(); ++i)
    if (id[i] < '0' || id[i] > '9') return false;
  return true;
}

}  // namespace ki
