// LineReader on damaged gzip input (issue 18): every whole line before the damage, then an
// InputError naming the file and the byte offset; and a stop while waiting for input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include "source/line_reader.h"
#include "test_util.h"

using namespace ki;

namespace {

std::string gzip_member(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(deflateInit2(&z, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&z, data.size()) + 32, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

std::string numbered(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "line " + std::to_string(i) + "\n";
  return s;
}

// Reads every line; returns them and the error message ("" if none).
std::pair<std::vector<std::string>, std::string> read_all(const std::string& path, LineReaderConfig cfg = {}) {
  std::vector<std::string> lines;
  try {
    LineReader r(path, cfg);
    std::string_view line;
    while (r.next(line)) lines.emplace_back(line);
    EXPECT_FALSE(r.next(line));  // stays at the end
  } catch (const InputError& e) {
    return {lines, e.what()};
  }
  return {lines, ""};
}

}  // namespace

TEST(LineReader, GzipMembersAndZeroPaddingAreRead) {
  std::string path = test::write_temp_file("ki_lr_members.gz", gzip_member(numbered(0, 500)) + gzip_member(numbered(500, 1000)) +
                                                        std::string(512, '\0'));
  auto [lines, err] = read_all(path);
  EXPECT_EQ(err, "");
  ASSERT_EQ(lines.size(), 1000u);
  EXPECT_EQ(lines[999], "line 999");
  std::remove(path.c_str());
}

TEST(LineReader, CutMemberIsReportedAfterTheLinesBeforeIt) {
  std::string m1 = gzip_member(numbered(0, 500)), m2 = gzip_member(numbered(500, 1000));
  std::string data = m1 + m2.substr(0, m2.size() - 20);  // the trailer and some data missing
  std::string path = test::write_temp_file("ki_lr_cut.gz", data);
  auto [lines, err] = read_all(path);
  ASSERT_GE(lines.size(), 500u);
  EXPECT_LT(lines.size(), 1000u);
  for (size_t i = 0; i < lines.size(); ++i) ASSERT_EQ(lines[i], "line " + std::to_string(i));
  EXPECT_NE(err.find("'" + path + "'"), std::string::npos) << err;
  EXPECT_NE(err.find("cut short at byte " + std::to_string(data.size())), std::string::npos) << err;
  EXPECT_NE(err.find("member starting at byte " + std::to_string(m1.size())), std::string::npos) << err;
  std::remove(path.c_str());
}

TEST(LineReader, BadCrcIsReportedWithItsOffset) {
  std::string m1 = gzip_member(numbered(0, 500));
  m1[m1.size() - 8] ^= 0x5a;  // CRC-32 of the trailer
  std::string path = test::write_temp_file("ki_lr_crc.gz", m1 + gzip_member(numbered(500, 1000)));
  auto [lines, err] = read_all(path);
  EXPECT_EQ(lines.size(), 500u);  // the CRC is checked at the member's end: the next member is not read
  EXPECT_NE(err.find("CRC-32 mismatch"), std::string::npos) << err;
  EXPECT_NE(err.find("at byte " + std::to_string(m1.size() - 4)), std::string::npos) << err;
  std::remove(path.c_str());
}

TEST(LineReader, GarbageAfterAMemberIsReported) {
  std::string m1 = gzip_member(numbered(0, 10));
  std::string path = test::write_temp_file("ki_lr_garbage.gz", m1 + "not gzip\n");
  auto [lines, err] = read_all(path);
  EXPECT_EQ(lines.size(), 10u);
  EXPECT_NE(err.find("not gzip data at byte " + std::to_string(m1.size())), std::string::npos) << err;
  std::remove(path.c_str());
}

TEST(LineReader, IncompleteLineBeforeDamageIsNotHandedOut) {
  std::string m1 = gzip_member("a\nb\nc-without-end");
  m1[m1.size() - 8] ^= 1;
  std::string path = test::write_temp_file("ki_lr_partial.gz", m1);
  auto [lines, err] = read_all(path);
  EXPECT_EQ(lines, (std::vector<std::string>{"a", "b"}));
  EXPECT_NE(err.find("incomplete line just before it (13 bytes)"), std::string::npos) << err;
  std::remove(path.c_str());
}

TEST(LineReader, FifoWithoutWriterOpensAtOnceAndStops) {
  std::string path = ::testing::TempDir() + "ki_lr_fifo";
  std::remove(path.c_str());
  ASSERT_EQ(mkfifo(path.c_str(), 0600), 0);
  int polls = 0;
  LineReaderConfig cfg;
  cfg.stop = [&] { return ++polls >= 3; };  // the third look ends the wait
  LineReader r(path, cfg);  // does not wait for a writer
  std::string_view line;
  EXPECT_FALSE(r.next(line));
  EXPECT_TRUE(r.stopped());
  EXPECT_EQ(polls, 3);
  std::remove(path.c_str());
}

namespace {
std::string utf16(const std::u16string& s, bool le, bool bom) {
  std::string out;
  if (bom) out += le ? "\xff\xfe" : "\xfe\xff";
  for (char16_t c : s) {
    const char lo = static_cast<char>(c & 0xff), hi = static_cast<char>(c >> 8);
    out += le ? std::string{lo, hi} : std::string{hi, lo};
  }
  return out;
}
}  // namespace

// UTF-16 (SQL Server's ERRORLOG, PowerShell's Out-File): decoded to UTF-8, with or without a
// byte-order mark, in either order, across buffer refills a character at a time.
TEST(LineReader, Utf16IsDecoded) {
  const std::u16string text = u"2024-01-01 00:00:00 INFO caf\u00e9 \u65e5\u672c \U0001F600\r\n2024-01-01 00:00:01 ERROR x\n";
  const std::vector<std::string> want = {"2024-01-01 00:00:00 INFO caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac \xf0\x9f\x98\x80\r",
                                         "2024-01-01 00:00:01 ERROR x"};
  for (bool le : {true, false})
    for (bool bom : {true, false})
      for (size_t buffer : {size_t{1} << 20, size_t{16}}) {
        std::string path = test::write_temp_file("ki_lr_utf16.log", utf16(text, le, bom));
        LineReaderConfig cfg;
        cfg.buffer_bytes = buffer;
        auto [lines, err] = read_all(path, cfg);
        EXPECT_EQ(err, "");
        EXPECT_EQ(lines, want) << le << bom << buffer;
        std::remove(path.c_str());
      }
  // A lone surrogate and a last odd byte: U+FFFD, the rest read.
  std::string bad = utf16(u"0123456789 abcdef\n", true, true);
  bad += std::string("\x00\xd8", 2) + utf16(u"x\n", true, false) + "y";
  std::string path = test::write_temp_file("ki_lr_utf16_bad.log", bad);
  auto [lines, err] = read_all(path);
  EXPECT_EQ(lines, (std::vector<std::string>{"0123456789 abcdef", "\xef\xbf\xbdx", "\xef\xbf\xbd"}));
  std::remove(path.c_str());
  // Plain UTF-8 and Latin-1 text stays as it is.
  path = test::write_temp_file("ki_lr_plain.log", "caf\xe9 au lait\n\xff\xfe not a mark in the middle\n");
  EXPECT_EQ(read_all(path).first, (std::vector<std::string>{"caf\xe9 au lait", "\xff\xfe not a mark in the middle"}));
  std::remove(path.c_str());
}
