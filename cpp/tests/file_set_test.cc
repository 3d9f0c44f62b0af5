// source/file_set: glob expansion and following many files (new ones, rotation, removal, limit).
#include "source/file_set.h"

#include <gtest/gtest.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <stdexcept>
#include <thread>

#include "test_util.h"

namespace ki {
namespace {

namespace fs = std::filesystem;

using test::TempDir;

void append(const std::string& path, const std::string& text) {
  std::ofstream(path, std::ios::app | std::ios::binary) << text;
}

// Lines by file path, read until `want` lines came or nothing came for ~2 s.
struct Collector {
  FileSet& set;
  std::map<std::string, std::vector<std::string>> lines;
  size_t total = 0;
  void read(size_t want) {
    std::string_view line;
    while (total < want) {
      int idle = 0;
      FileSet::File* f = set.next(line, [&] { return ++idle > 20; });  // poll_ms 100: ~2 s
      if (!f) return;
      lines[f->path].emplace_back(line);
      ++total;
    }
  }
};

// Nothing more to read, only housekeeping: until a file is closed (at most 10 s).
void wait_until_closed(FileSet& set) {
  std::string_view line;
  auto t0 = std::chrono::steady_clock::now();
  while (set.stats().closed == 0 && std::chrono::steady_clock::now() - t0 < std::chrono::seconds(10))
    EXPECT_EQ(set.next(line,
                       [] {
                         std::this_thread::sleep_for(std::chrono::milliseconds(20));
                         return true;
                       }),
              nullptr);
}

FileSetConfig config(int rescan_ms = 60000) {
  FileSetConfig c;
  c.follow.poll_ms = 100;
  c.rescan_ms = rescan_ms;  // long: new files must be seen through inotify
  return c;
}

TEST(FileSet, GlobHelpers) {
  TempDir d;
  append(d / "b.log", "x\n");
  append(d / "a.log", "x\n");
  append(d / "c.txt", "x\n");
  append(d / "odd[1].txt", "x\n");
  fs::create_directory(d / "dir.log");
  EXPECT_TRUE(has_glob("*.log"));
  EXPECT_TRUE(has_glob("a?.log"));
  EXPECT_FALSE(has_glob("/var/log/app.log"));
  EXPECT_EQ(pattern_dir("/var/log/containers/*.log"), "/var/log/containers");
  EXPECT_EQ(pattern_dir("/var/log/pods/*/*/0.log"), "/var/log/pods");
  EXPECT_EQ(pattern_dir("*.log"), ".");
  EXPECT_EQ(pattern_dir("/*.log"), "/");
  // Sorted, regular files only (a directory named like a log is not one).
  EXPECT_EQ(glob_files(d / "*.log"), (std::vector<std::string>{d / "a.log", d / "b.log"}));
  EXPECT_EQ(expand_paths({d / "*.log", d / "c.txt", "-"}),
            (std::vector<std::string>{d / "a.log", d / "b.log", d / "c.txt", "-"}));
  // A path that exists is taken as it is, glob characters or not.
  EXPECT_EQ(expand_paths({d / "odd[1].txt"}), (std::vector<std::string>{d / "odd[1].txt"}));
  try {
    expand_paths({d / "*.nothing"});
    FAIL() << "a pattern matching nothing must be an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("no file matches"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("*.nothing"), std::string::npos) << e.what();
  }
}

TEST(FileSet, FollowsEveryMatchNewFilesRotationAndRemovalEachLineOnce) {
  TempDir d;
  append(d / "a.log", "a1\na2\n");
  append(d / "b.log", "b1\n");
  append(d / "skip.txt", "not matched\n");
  int opened = 0, closed = 0;
  FileSet set({d / "*.log"}, config(), [&](FileSet::File& f) { f.src = static_cast<uint32_t>(opened++); },
              [&](FileSet::File&) { ++closed; });
  Collector c{set};
  c.read(3);
  EXPECT_EQ(set.stats().open, 2u);
  // A file created after the start, appends to several, one without its '\n' yet.
  append(d / "c.log", "c1\nc2\n");
  append(d / "a.log", "a3\n");
  append(d / "b.log", "b2\nb3");
  c.read(7);
  EXPECT_EQ(set.stats().open, 3u);
  // Rotation of a.log (renamed to a name the pattern does not match) and a new a.log.
  append(d / "a.log", "a4\n");
  ASSERT_EQ(rename((d / "a.log").c_str(), (d / "a.log.1").c_str()), 0);
  append(d / "a.log", "a5\n");
  append(d / "b.log", "\n");
  c.read(10);
  // copytruncate of b.log: the same file, new content from offset 0.
  std::filesystem::resize_file(d / "b.log", 0);
  append(d / "b.log", "B1\n");
  c.read(11);
  EXPECT_EQ(set.stats().truncations, 1u);
  // c.log goes away: closed once drained (after the grace for a rename rotation).
  append(d / "c.log", "c3\n");
  c.read(12);
  unlink((d / "c.log").c_str());
  wait_until_closed(set);
  using V = std::vector<std::string>;
  EXPECT_EQ(c.lines[d / "a.log"], (V{"a1", "a2", "a3", "a4", "a5"}));
  EXPECT_EQ(c.lines[d / "b.log"], (V{"b1", "b2", "b3", "B1"}));
  EXPECT_EQ(c.lines[d / "c.log"], (V{"c1", "c2", "c3"}));
  EXPECT_EQ(c.lines.size(), 3u);
  FileSetStats st = set.stats();
  EXPECT_EQ(st.opened, 3u);
  EXPECT_EQ(st.closed, 1u);
  EXPECT_EQ(closed, 1);
  EXPECT_EQ(st.open, 2u);
  EXPECT_EQ(st.rotations, 1u);
}

TEST(FileSet, PatternMatchingNothingIsWaitedOnAndRescanFindsFilesInNewDirectories) {
  TempDir d;
  // Files in subdirectories created later: inotify on d does not see them; the rescan does.
  FileSet set({d / "*/app.log"}, config(200), {});
  EXPECT_EQ(set.stats().open, 0u);
  fs::create_directory(d / "pod1");
  append(d / "pod1/app.log", "p1\n");
  Collector c{set};
  c.read(1);
  EXPECT_EQ(c.lines[d / "pod1/app.log"], (std::vector<std::string>{"p1"}));
}

TEST(FileSet, MaxOpenFilesLetsTheRestWaitUntilOneGoesAway) {
  TempDir d;
  append(d / "a.log", "a1\n");
  append(d / "b.log", "b1\n");
  FileSetConfig cfg = config(200);
  cfg.max_open_files = 1;
  FileSet set({d / "*.log"}, cfg, {});
  EXPECT_EQ(set.stats().open, 1u);
  EXPECT_EQ(set.stats().waiting, 1u);
  Collector c{set};
  c.read(1);
  EXPECT_EQ(c.lines[d / "a.log"], (std::vector<std::string>{"a1"}));
  unlink((d / "a.log").c_str());  // closed after the grace, then b.log gets its turn
  c.read(2);
  EXPECT_EQ(c.lines[d / "b.log"], (std::vector<std::string>{"b1"}));
  EXPECT_EQ(set.stats().closed, 1u);
  EXPECT_EQ(set.stats().waiting, 0u);
}

TEST(FileSet, AFileRenamedAwayIsStillReadUntilClosed) {
  TempDir d;
  append(d / "a.log", "a1\n");
  FileSet set({d / "*.log"}, config(1500), {});
  Collector c{set};
  c.read(1);
  ASSERT_EQ(rename((d / "a.log").c_str(), (d / "a.moved").c_str()), 0);
  append(d / "a.moved", "a2\n");  // its writer goes on until it reopens the name
  c.read(2);
  EXPECT_EQ(c.lines[d / "a.log"], (std::vector<std::string>{"a1", "a2"}));
  wait_until_closed(set);
  EXPECT_EQ(set.stats().closed, 1u);
}

TEST(FileSet, LiteralPathsAreCheckedAtStartAndKeptWhenGone) {
  TempDir d;
  EXPECT_THROW(FileSet({d / "missing.log"}, config(), {}), std::runtime_error);
  append(d / "x.log", "x1\n");
  FileSet set({d / "x.log", d / "x.log"}, config(), {});  // named twice: followed once
  EXPECT_EQ(set.stats().open, 1u);
  Collector c{set};
  c.read(1);
  unlink((d / "x.log").c_str());
  std::string_view line;
  int idle = 0;
  EXPECT_EQ(set.next(line, [&] { return ++idle > 15; }), nullptr);  // > the grace: still followed (tail -F)
  EXPECT_EQ(set.stats().open, 1u);
  EXPECT_EQ(set.stats().closed, 0u);
}

}  // namespace
}  // namespace ki
