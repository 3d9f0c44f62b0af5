// LineReader on damaged gzip input (issue 18): every whole line before the damage, then an
// InputError naming the file and the byte offset; and a stop while waiting for input.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdio>
#include <string>
#include <vector>

#include "source/charset.h"
#include "source/follow_reader.h"
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

// --encoding: a legacy charset's lines decoded to UTF-8 (the bytes as CPython's codecs write them).
TEST(Charset, LegacyCharsetsDecodeToUtf8) {
  Charset latin1("latin1");
  EXPECT_EQ(latin1.decode("caf\xe9 \xfc\xdf"), "caf\xc3\xa9 \xc3\xbc\xc3\x9f");
  Charset cp1252("Windows-1252");
  EXPECT_EQ(cp1252.decode("\x80 5 \x93quoted\x94"), "\xe2\x82\xac 5 \xe2\x80\x9cquoted\xe2\x80\x9d");
  EXPECT_EQ(cp1252.decode("a\x81" "b"), "a\xef\xbf\xbd" "b");  // (0x81: none in Windows-1252)
  EXPECT_EQ(cp1252.replaced(), 1u);
  Charset koi8("KOI8-R");  // "Привет"
  EXPECT_EQ(koi8.decode("\xf0\xd2\xc9\xd7\xc5\xd4"), "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82");
  Charset sjis("shift_jis");  // "日本語" and a half-width katakana "ｱ"
  EXPECT_EQ(sjis.decode("x \x93\xfa\x96\x7b\x8c\xea \xb1"), "x \xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e \xef\xbd\xb1");
  Charset gbk("GBK");  // "中文"
  EXPECT_EQ(gbk.decode("\xd6\xd0\xce\xc4!"), "\xe4\xb8\xad\xe6\x96\x87!");
  // ASCII is the line itself, not a copy.
  const std::string ascii = "127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] \"GET / HTTP/1.0\" 200 2326";
  EXPECT_EQ(latin1.decode(ascii).data(), ascii.data());
  EXPECT_EQ(latin1.replaced(), 0u);
  // A byte the charset does not have, and a double-byte character the line's end cut: U+FFFD each.
  EXPECT_EQ(sjis.decode("a\xa0" "b\x93"), "a\xef\xbf\xbd" "b\xef\xbf\xbd");
  EXPECT_EQ(sjis.replaced(), 2u);
  Charset iso2022("ISO-2022-JP");  // stateful: the ESC sequences switch, each line starts in ASCII
  EXPECT_EQ(iso2022.decode("\x1b$B" "F|K\\" "\x1b(B ok"), "\xe6\x97\xa5\xe6\x9c\xac ok");
  EXPECT_THROW(Charset("klingon-8"), std::invalid_argument);
  for (const char* wide : {"UTF-32", "UCS-2", "UTF-7", "EBCDIC-US"}) EXPECT_THROW(Charset c(wide), std::invalid_argument) << wide;
  EXPECT_EQ(encoding_kind("UTF_8"), Encoding::Utf8);
  EXPECT_EQ(encoding_kind(""), Encoding::Utf8);
  EXPECT_EQ(encoding_kind("utf-16le"), Encoding::Utf16Le);
  EXPECT_EQ(encoding_kind("UTF-16"), Encoding::Utf16);
  EXPECT_NO_THROW(check_encoding("utf-16be"));
  EXPECT_THROW(check_encoding("utf-32"), std::invalid_argument);
}

TEST(LineReader, EncodingDecodesEachLine) {
  const std::string text = "2024-01-01 00:00:00 INFO caf\xe9\r\n2024-01-01 00:00:01 ERROR \xfc" "ber\nlast \xe9";
  const std::vector<std::string> want = {"2024-01-01 00:00:00 INFO caf\xc3\xa9\r", "2024-01-01 00:00:01 ERROR \xc3\xbc" "ber",
                                         "last \xc3\xa9"};
  for (bool gz : {false, true}) {
    std::string path = test::write_temp_file("ki_lr_latin1.log", gz ? gzip_member(text) : text);
    LineReaderConfig cfg;
    cfg.encoding = "iso-8859-1";
    auto [lines, err] = read_all(path, cfg);
    EXPECT_EQ(err, "");
    EXPECT_EQ(lines, want) << gz;
    std::remove(path.c_str());
  }
  // A UTF-16 name: the reader's own UTF-16 decoding, also without a byte-order mark and with a
  // first character that is not ASCII (which the guess alone would not take for UTF-16).
  const std::string be("\x00\xe9\x00t\x00\xe9\x00\n", 8);
  std::string path = test::write_temp_file("ki_lr_utf16be.log", be);
  LineReaderConfig cfg;
  cfg.encoding = "UTF-16BE";
  EXPECT_EQ(read_all(path, cfg).first, (std::vector<std::string>{"\xc3\xa9t\xc3\xa9"}));
  cfg.encoding = "utf-16le";
  std::remove(path.c_str());
  path = test::write_temp_file("ki_lr_utf16le.log", std::string("\xff\xfe\xe9\x00t\x00\n\x00", 8));
  EXPECT_EQ(read_all(path, cfg).first, (std::vector<std::string>{"\xc3\xa9t"}));
  std::remove(path.c_str());
}

TEST(FollowReader, EncodingDecodesEachLine) {
  std::string path = test::write_temp_file("ki_follow_cp1252.log", "price \x80 5\n");
  FollowConfig cfg;
  cfg.poll_ms = 5;
  cfg.encoding = "cp1252";
  FollowReader r(path, cfg);
  std::string_view line;
  ASSERT_TRUE(r.poll(line));
  EXPECT_EQ(line, "price \xe2\x82\xac 5");
  EXPECT_FALSE(r.poll(line));
  FILE* f = std::fopen(path.c_str(), "ab");
  std::fputs("na\xefve\n", f);
  std::fclose(f);
  ASSERT_TRUE(r.poll(line));
  EXPECT_EQ(line, "na\xc3\xafve");
  std::remove(path.c_str());
  cfg.encoding = "utf-16le";  // '\n' is two bytes there: not followed (yet)
  EXPECT_THROW(FollowReader("/dev/null", cfg), std::invalid_argument);
}
