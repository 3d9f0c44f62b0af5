// Fuzzes the format detector: it never reads past the line, and when auto-detection parses a
// line, forcing the format it found parses the line to the same document (the detector and the
// parsers agree).
#include <cstdint>
#include <string>

#include "check.h"
#include "encode/encoder.h"
#include "parse/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // libFuzzer passes an exact-size heap copy: ASan catches a read one byte past the line.
  std::string_view in(reinterpret_cast<const char*>(data), size);
  ki::Format f = ki::Parser::detect(in);
  if (static_cast<int>(f) >= ki::kFormatCount) ki::fuzz::die("format out of range", in);

  ki::ParserConfig cfg;
  cfg.default_year = 2024;
  static ki::Parser autop(cfg);
  static ki::Record a, b;
  if (autop.parse(in, a) != ki::ParseStatus::Ok) return 0;
  cfg.format = a.format;
  ki::Parser forced(cfg);
  if (forced.parse(in, b) != ki::ParseStatus::Ok) ki::fuzz::die("auto parsed it, the detected format did not", in);
  std::string da, db;
  ki::Encoder enc({ki::Schema::Ecs, true});
  enc.encode(a, da);
  enc.encode(b, db);
  if (da != db) ki::fuzz::die("auto and forced format give different documents", in);
  ki::fuzz::check_document(da);
  return 0;
}
