// Helpers shared by the C++ tests.
#pragma once
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <stdlib.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "encode/encoder.h"
#include "parse/parser.h"

namespace ki::test {

// Parses one line (auto format unless given) and returns the ECS document as JSON;
// fails the calling test with the parser's reason if it does not parse.
inline nlohmann::json doc(const std::string& line, Schema schema = Schema::Ecs, Format f = Format::Unknown,
                          int year = 2018) {
  ParserConfig pc;
  pc.format = f;
  pc.default_year = year;
  Parser p(pc);
  Record r;
  if (p.parse(line, r) != ParseStatus::Ok) {
    ADD_FAILURE() << "did not parse: " << p.error_message() << "\n  line: " << line;
    return nullptr;
  }
  std::string out;
  Encoder(EncoderConfig{schema, false}).encode(r, out);
  return nlohmann::json::parse(out);
}

inline std::string fail_reason(const std::string& line, Format f = Format::Unknown) {
  ParserConfig pc;
  pc.format = f;
  Parser p(pc);
  Record r;
  if (p.parse(line, r) == ParseStatus::Ok) return "";
  return p.error_message();
}

// Writes content to a file in the test temp dir; returns its path.
inline std::string write_temp_file(const std::string& name, const std::string& content) {
  std::string path = ::testing::TempDir() + name;
  FILE* f = std::fopen(path.c_str(), "wb");
  std::fwrite(content.data(), 1, content.size(), f);
  std::fclose(f);
  return path;
}

// A fresh directory under /tmp, removed with everything in it at the end of the test.
struct TempDir {
  std::string path;
  TempDir() {
    char tmpl[] = "/tmp/ki-test-XXXXXX";
    path = mkdtemp(tmpl);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string operator/(const std::string& name) const { return path + "/" + name; }
  // Writes body to name in it; returns the path.
  std::string file(const std::string& name, const std::string& body) const {
    std::ofstream(*this / name) << body;
    return *this / name;
  }
};

// Every line a reader (LineReader, FollowReader) hands out, with whether it was cut; `more` are
// the extra arguments of its next() (FollowReader's idle callback).
template <class Reader, class... More>
std::vector<std::pair<std::string, bool>> lines_and_cuts(Reader& r, More... more) {
  std::vector<std::pair<std::string, bool>> got;
  std::string_view line;
  while (r.next(line, more...)) got.emplace_back(std::string(line), r.truncated());
  return got;
}

}  // namespace ki::test
