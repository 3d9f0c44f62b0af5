// Fuzzes the format detector: it never reads past the line, and when auto-detection parses a
// line, forcing the format it found parses the line to the same document (the detector and the
// parsers agree).
#include <cstdint>
#include <optional>
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
  static uint32_t input = 0;
  autop.set_source(++input);  // a W3C directive of one input does not hold for the next
  if (autop.parse(in, a) != ki::ParseStatus::Ok) return 0;
  // Read without its colours (it did not read as written): the format found reads that text
  // (forced, the line as written may read otherwise: an escape inside a logfmt key).
  const std::string read_text(autop.read_without_colours().empty() ? in : autop.read_without_colours());
  cfg.format = a.format;
  for (const ki::Field& fl : a.fields)  // a wrapped line's format is its inner line's: force the wrapper
    if (fl.name == "kafkainsight.wrapper")
      cfg.format = fl.text == "cri"       ? ki::Format::Cri
                   : fl.text == "compose" ? ki::Format::Compose
                   : fl.text != "syslog"  ? ki::Format::AppJson
                   : a.version >= 0       ? ki::Format::Rfc5424
                                          : ki::Format::Rfc3164;
  for (const ki::Field& fl : a.fields)  // read by a grok recipe: the recipe named reads it too
    if (fl.name == "kafkainsight.recipe") {
      std::optional<ki::RecipeOptions> o = ki::recipe_options(fl.text);
      if (!o) ki::fuzz::die("a recipe with no options", in);
      cfg.grok.patterns = {o->grok};
      cfg.grok.time_format = o->time_format;
      ki::Parser named(cfg);
      if (named.parse(read_text, b) != ki::ParseStatus::Ok) ki::fuzz::die("a recipe read it, the recipe named did not", in);
      const bool same_time = a.time_from_read ? b.time_from_read
                                              : a.ts.epoch_sec == b.ts.epoch_sec && a.ts.nanos == b.ts.nanos;
      if (!same_time || a.message != b.message)
        ki::fuzz::die("a recipe and the recipe named disagree on the time or the message", in);
      return 0;  // (a recipe may name its values as the pattern cannot: Redis's level)
    }
  ki::Parser forced(cfg);
  if (forced.parse(read_text, b) != ki::ParseStatus::Ok) ki::fuzz::die("auto parsed it, the detected format did not", in);
  std::string da, db;
  ki::Encoder enc({ki::Schema::Ecs, true});
  enc.encode(a, da);
  enc.encode(b, db);
  ki::fuzz::check_document(da);
  if (a.time_from_read != b.time_from_read) ki::fuzz::die("auto and forced format disagree on the time", in);
  if (a.time_from_read) {
    // No time in the line: stamped with the read time (@timestamp from the parse, event.ingested
    // from the encode), which differs a moment apart; the rest must agree.
    b.ts = a.ts;
    db.clear();
    enc.encode(b, db);
    for (std::string* d : {&da, &db})  // every such value (a field of the line may be named so too)
      for (size_t at = 0; (at = d->find("\"ingested\":\"", at)) != std::string::npos;) {
        size_t end = d->find('"', at + 12);
        if (end == std::string::npos) break;
        d->erase(at + 12, end - at - 12);
        at += 12;
      }
  }
  if (da != db) ki::fuzz::die("auto and forced format give different documents", in);
  return 0;
}
