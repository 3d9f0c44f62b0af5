// The --resume checkpoint: the acknowledged prefix, file identity, atomic saves, reloads.
#include "pipeline/checkpoint.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "test_util.h"

using namespace ki;
using ki::test::TempDir;
namespace fs = std::filesystem;

TEST(AckWindow, AdvancesOnlyOverContiguousAcknowledgedLines) {
  AckWindow w;
  for (uint64_t i = 1; i <= 5; ++i) w.sent(i, true);
  w.acked(2, true);
  w.acked(3, true);
  EXPECT_EQ(w.committed(), 0u);  // line 1 still in flight
  w.acked(1, true);
  EXPECT_EQ(w.committed(), 3u);
  w.acked(5, true);
  EXPECT_EQ(w.committed(), 3u);
  w.acked(4, true);
  EXPECT_EQ(w.committed(), 5u);
  EXPECT_EQ(w.in_window(), 0u);
}

TEST(AckWindow, LinesWithoutAMessageCountAsDone) {
  AckWindow w;
  w.sent(1, true);
  w.sent(2, false);  // blank or skipped line: nothing to wait for
  w.sent(3, true);
  w.acked(3, true);
  EXPECT_EQ(w.committed(), 0u);
  w.acked(1, true);
  EXPECT_EQ(w.committed(), 3u);
}

TEST(AckWindow, AFailedLineIsNeverPassed) {
  AckWindow w;
  for (uint64_t i = 1; i <= 4; ++i) w.sent(i, true);
  w.acked(1, true);
  w.acked(2, false);
  w.acked(3, true);
  w.acked(4, true);
  EXPECT_EQ(w.committed(), 1u);
  EXPECT_TRUE(w.blocked());
  for (uint64_t i = 5; i <= 1000; ++i) w.sent(i, false);
  EXPECT_EQ(w.committed(), 1u);
  EXPECT_EQ(w.in_window(), 0u);  // bounded memory once blocked
}

TEST(AckWindow, StartsAfterAResumedPositionAndRejectsGaps) {
  AckWindow w(100);
  w.sent(101, true);
  w.acked(101, true);
  EXPECT_EQ(w.committed(), 101u);
  w.sent(103, true);  // 102 never handed over: the position must not jump it
  w.acked(103, true);
  EXPECT_EQ(w.committed(), 101u);
  EXPECT_TRUE(w.blocked());
  AckWindow stale(10);
  stale.acked(5, true);  // a report for a line already committed changes nothing
  EXPECT_EQ(stale.committed(), 10u);
}

namespace {
nlohmann::json load(const std::string& p) {
  std::ifstream in(p);
  return nlohmann::json::parse(in);
}
}  // namespace

TEST(Checkpoint, SavesTheAcknowledgedLineAndResumesTheSameFile) {
  TempDir t;
  std::string log = t.file("a.log", "l1\nl2\nl3\nl4\n");
  std::string ck = t / "ck.json";
  {
    Checkpoint c(ck, 10000);
    EXPECT_EQ(c.begin_file(0, log), 0u);
    for (uint64_t i = 1; i <= 4; ++i) c.sent(0, i, true);
    c.acked(0, 1, true);
    c.acked(0, 2, true);
    c.acked(0, 4, true);  // 3 is still in flight when the run ends
  }
  auto j = load(ck);
  EXPECT_EQ(j["kafkainsight_checkpoint"], 1);
  EXPECT_EQ(j["files"][fs::absolute(log).string()]["line"], 2);
  EXPECT_FALSE(fs::exists(ck + ".tmp"));
  Checkpoint again(ck, 10000);
  EXPECT_EQ(again.begin_file(7, log), 2u);
  again.sent(7, 3, true);
  again.acked(7, 3, true);
  EXPECT_EQ(again.committed(log), 3u);
}

TEST(Checkpoint, AppendedFileKeepsItsPositionARewrittenOneStartsOver) {
  TempDir t;
  std::string log = t.file("a.log", "first line\nsecond\n");
  std::string ck = t / "ck.json";
  {
    Checkpoint c(ck, 10000);
    c.begin_file(0, log);
    c.sent(0, 1, true);
    c.sent(0, 2, true);
    c.acked(0, 1, true);
    c.acked(0, 2, true);
  }
  std::ofstream(log, std::ios::app) << "third\n";
  {
    Checkpoint c(ck, 10000);
    EXPECT_EQ(c.begin_file(0, log), 2u);
  }
  // Same path, other content (a new file after rotation, or rewritten in place).
  fs::remove(log);
  t.file("a.log", "other first line\nx\ny\n");
  Checkpoint c(ck, 10000);
  std::string note;
  EXPECT_EQ(c.begin_file(0, log, &note), 0u);
  EXPECT_NE(note.find("not the file the checkpoint recorded"), std::string::npos);
}

TEST(Checkpoint, TheSaverWritesWhileRunningAndOtherFilesAreKept) {
  TempDir t;
  std::string a = t.file("a.log", "1\n2\n"), b = t.file("b.log", "1\n");
  std::string ck = t / "ck.json";
  {
    Checkpoint c(ck, 10000);
    c.begin_file(0, a);
    c.sent(0, 1, false);
    c.sent(0, 2, false);
  }
  Checkpoint c(ck, 20);
  c.begin_file(3, b);
  c.sent(3, 1, true);
  c.acked(3, 1, true);
  for (int i = 0; i < 200 && !(fs::exists(ck) && load(ck)["files"].size() == 2 &&
                               load(ck)["files"][fs::absolute(b).string()]["line"] == 1);
       ++i)
    usleep(10000);
  auto j = load(ck);
  EXPECT_EQ(j["files"][fs::absolute(a).string()]["line"], 2);
  EXPECT_EQ(j["files"][fs::absolute(b).string()]["line"], 1);
}

TEST(Checkpoint, StdinMissingFilesAndForeignFiles) {
  TempDir t;
  std::string ck = t / "ck.json";
  {
    Checkpoint c(ck, 10000);
    std::string note;
    EXPECT_EQ(c.begin_file(0, "-", &note), 0u);
    EXPECT_NE(note.find("stdin"), std::string::npos);
    EXPECT_EQ(c.begin_file(1, t / "nope.log", &note), 0u);
    c.sent(1, 1, true);  // untracked input: ignored
  }
  std::string foreign = t.file("foreign.json", "{\"hello\": 1}");
  try {
    Checkpoint c(foreign);
    FAIL() << "a foreign file was taken as a checkpoint";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("not a KafkaInsight checkpoint"), std::string::npos);
  }
}

// Following a pattern: many files, new ones appearing, and files that went away dropped (the
// checkpoint stays as small as what is followed), while a new file at a forgotten file's path
// keeps its own position.
TEST(Checkpoint, ManyFilesNewOnesAndForgottenOnes) {
  TempDir t;
  std::string ck = t / "ck.json";
  std::vector<std::string> logs;
  for (int i = 0; i < 50; ++i) logs.push_back(t.file("f" + std::to_string(i) + ".log", "x\ny\n"));
  {
    Checkpoint c(ck, 10000);
    for (uint32_t i = 0; i < 50; ++i) {
      EXPECT_EQ(c.begin_file(i, logs[i]), 0u);
      c.sent(i, 1, true);
      c.acked(i, 1, true);
    }
    c.forget(3);
    // f7 went away and a new file appeared under its name: the old source is forgotten after the
    // new one began, which keeps the path's entry.
    fs::remove(logs[7]);
    t.file("f7.log", "new\n");
    EXPECT_EQ(c.begin_file(50, logs[7]), 0u);
    c.sent(50, 1, true);
    c.forget(7);
    c.acked(7, 2, true);  // a late report for the forgotten source changes nothing
  }
  auto files = load(ck)["files"];
  EXPECT_EQ(files.size(), 49u);
  EXPECT_FALSE(files.contains(fs::absolute(logs[3]).string()));
  EXPECT_EQ(files[fs::absolute(logs[7]).string()]["line"], 0);  // the new f7: its line 1 still in flight
  EXPECT_EQ(files[fs::absolute(logs[10]).string()]["line"], 1);
  Checkpoint again(ck, 10000);
  EXPECT_EQ(again.begin_file(0, logs[10]), 1u);
  EXPECT_EQ(again.begin_file(1, logs[3]), 0u);
}
