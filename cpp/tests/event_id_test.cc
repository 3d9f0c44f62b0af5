// Event ids (issue 15): a line is named by its file's fingerprint and its byte offset; the
// fingerprint holds while the file grows and differs for another file at the same path.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdio>
#include <string>
#include <vector>

#include "source/event_id.h"
#include "source/follow_reader.h"
#include "source/line_reader.h"

using namespace ki;

namespace {

std::string temp_path(const std::string& name) { return ::testing::TempDir() + "event_id_" + name; }

void write(const std::string& path, const std::string& content, const char* mode = "wb") {
  FILE* f = std::fopen(path.c_str(), mode);
  ASSERT_NE(f, nullptr);
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
}

std::string fingerprint_of(const std::string& path) {
  int fd = open(path.c_str(), O_RDONLY);
  std::string fp = file_fingerprint(fd);
  close(fd);
  return fp;
}

}  // namespace

TEST(EventId, ShapeIsCheckedExactly) {
  EventIdBuf b;
  std::string id(event_id(b, "0123456789abcdef", 18446744073709551615ull));
  EXPECT_EQ(id, "0123456789abcdef-18446744073709551615");
  EXPECT_TRUE(valid_event_id(id));
  EXPECT_TRUE(valid_event_id("0123456789abcdef-0"));
  for (const char* bad : {"", "0123456789abcdef", "0123456789abcdef-", "0123456789ABCDEF-1", "0123456789abcde-1",
                          "0123456789abcdef-1x", "0123456789abcdef_1", "data_log-0-17", "0123456789abcdef-1~ff",
                          "0123456789abcdef-123456789012345678901"})
    EXPECT_FALSE(valid_event_id(bad)) << bad;
}

TEST(EventId, FingerprintHoldsWhileTheFileGrowsAndDiffersForAnotherFile) {
  std::string path = temp_path("grow.log");
  write(path, "first line\n");
  std::string fp = fingerprint_of(path);
  ASSERT_EQ(fp.size(), 16u);
  write(path, "second line\n" + std::string(5000, 'x') + "\n", "ab");
  EXPECT_EQ(fingerprint_of(path), fp);
  // The same path, another file with another first line (a rewrite, copytruncate).
  std::string kept = temp_path("grow.kept");
  ASSERT_EQ(rename(path.c_str(), kept.c_str()), 0);  // kept: its inode is not reused
  write(path, "another first line\n");
  EXPECT_NE(fingerprint_of(path), fp);
  // The same content in another file (a new inode): another fingerprint too.
  std::string copy = temp_path("grow.copy");
  write(copy, "first line\n");
  EXPECT_NE(fingerprint_of(copy), fp);
  unlink(kept.c_str());
  unlink(copy.c_str());
  unlink(path.c_str());
  int p[2];
  ASSERT_EQ(pipe(p), 0);
  EXPECT_EQ(file_fingerprint(p[0]), "");  // a pipe: no identity, no event ids
  close(p[0]);
  close(p[1]);
}

TEST(EventId, LineReaderGivesEachLineItsByteOffset) {
  std::string path = temp_path("offsets.log");
  write(path, "a\n\nbcd\r\nlast");
  LineReader r(path);
  EXPECT_EQ(r.fingerprint(), fingerprint_of(path));
  std::vector<uint64_t> offsets;
  std::string_view line;
  while (r.next(line)) offsets.push_back(r.line_offset());
  EXPECT_EQ(offsets, (std::vector<uint64_t>{0, 2, 3, 8}));
  EXPECT_GT(r.read_ms(), 1600000000000);
  unlink(path.c_str());
}

TEST(EventId, FollowReaderKeepsEachLinesFileThroughRotationAndCopytruncate) {
  std::string path = temp_path("follow.log");
  write(path, "one\ntwo\n");
  FollowReader r(path, FollowConfig{5, false, 1 << 20});
  std::string_view line;
  auto next = [&](std::string& out) {
    int idle = 0;
    bool ok = r.next(line, [&] { return ++idle > 200; });
    out.assign(line);
    return ok;
  };
  std::string s;
  ASSERT_TRUE(next(s));
  std::string fp1 = r.fingerprint();
  EXPECT_EQ(s, "one");
  EXPECT_EQ(r.line_offset(), 0u);
  ASSERT_TRUE(next(s));
  EXPECT_EQ(r.line_offset(), 4u);
  EXPECT_EQ(r.fingerprint(), fp1);
  // Rotation: the old file's last line (no '\n') keeps the old fingerprint.
  write(path, "three", "ab");
  std::string rotated = temp_path("follow.log.1");
  ASSERT_EQ(rename(path.c_str(), rotated.c_str()), 0);
  write(path, "new\n");
  ASSERT_TRUE(next(s));
  EXPECT_EQ(s, "three");
  EXPECT_EQ(r.line_offset(), 8u);
  EXPECT_EQ(r.fingerprint(), fp1);
  ASSERT_TRUE(next(s));
  EXPECT_EQ(s, "new");
  EXPECT_EQ(r.line_offset(), 0u);
  std::string fp2 = r.fingerprint();
  EXPECT_NE(fp2, fp1);
  // copytruncate: the same inode, new content from offset 0: a new fingerprint.
  write(path, "c\n");  // "wb" truncates in place (shorter than what was read: seen as a truncation)
  ASSERT_TRUE(next(s));
  EXPECT_EQ(s, "c");
  EXPECT_EQ(r.line_offset(), 0u);
  EXPECT_NE(r.fingerprint(), fp2);
  EXPECT_EQ(r.truncations(), 1u);
  unlink(rotated.c_str());
  unlink(path.c_str());
}
