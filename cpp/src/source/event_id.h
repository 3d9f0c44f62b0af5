// Stable event ids, for exactly-once from a log file to the index: a line is named by its
// file's identity and the byte offset where it starts, so a producer killed and run again on
// the same file sends the same ids, and the consumer writes each line to one document.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>

namespace ki {

// 16 hex digits: FNV-1a 64 of the device, the inode and the file's first line (read at offset
// 0, at most 1 KiB). The first line of an append-only file never changes once written, so the
// fingerprint holds while the file grows; another file at the same path differs in its inode
// (rotation, a new file) or its first line (copytruncate, a rewrite). Empty if fd is not a
// regular file (a pipe, a FIFO, a terminal): those lines get no id.
std::string file_fingerprint(int fd);

// The header ki.id: "<fingerprint>-<byte offset>" (decimal), written into buf (no allocation:
// one per line on the producer's hot path).
struct EventIdBuf {
  char data[40];
};
std::string_view event_id(EventIdBuf& buf, std::string_view fingerprint, uint64_t offset);
// What the consumer accepts as an _id from the header: exactly that shape.
bool valid_event_id(std::string_view id);

}  // namespace ki
