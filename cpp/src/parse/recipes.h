// The grok recipes of docs/GROK.md as a format of their own: with format auto, a line no
// built-in format reads is tried against them, most specific first (IIS, Squid and Envoy access
// lines, then the text layouts of Kafka, ZooKeeper, Spring Boot, OpenStack, PostgreSQL, MySQL,
// MongoDB, Redis, Java, Python, Windows' CBS.log, Spark, HDFS, Go and Android), and read by the first that fits, with the
// time layout that recipe needs. The documents are those `--grok '%{RECIPE}'` gives, plus
// kafkainsight.recipe naming it.
#pragma once
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parse/grok.h"
#include "parse/per_source.h"

namespace ki {

struct ParseContext;
struct Record;

// What reads a recipe's lines when it is named (format grok): --grok and --time-format.
struct RecipeOptions {
  std::string grok, time_format;
};
std::optional<RecipeOptions> recipe_options(std::string_view name);

// What a recipe does after its pattern matched (values the pattern cannot write as they should
// read: tracing's trailing pairs, Elixir's metadata), for a --grok pattern that is that recipe's
// ("%{TRACINGLOG}", "^%{TRACINGLOG}", or its detection or parse pattern); nullptr for any other.
using RecipeFinish = void (*)(const ParseContext&, Record&);
RecipeFinish recipe_finish(std::string_view pattern);

class RecipeReader {
 public:
  RecipeReader();
  ~RecipeReader();
  RecipeReader(const RecipeReader&) = delete;
  RecipeReader& operator=(const RecipeReader&) = delete;

  // True: rec read by the recipe that fits the line. False: rec untouched by success; either no
  // recipe fits (reason() is null) or the one that fits fails on this line (reason() says which
  // and why, as a line's failure reason).
  // generic: GENERICLOG too (not under a W3C or Zeek header, whose reason for a line that does
  // not fit it is the better one)
  bool read(std::string_view line, const ParseContext& ctx, Record& rec, bool generic = true);
  const char* reason() const { return reason_; }
  // The recipe that read the last line read() took ("KAFKALOG"), or null.
  const char* name() const { return name_; }
  // HAProxy's request line in a syslog message (program haproxy, `option httplog`): its fields
  // added to rec as %{HAPROXYHTTPBASE} names them (Filebeat's haproxy module), the request's
  // accept time (milliseconds, a year) for @timestamp; the syslog header's host and program stay.
  // False, rec untouched, if the message is none.
  bool read_haproxy(const ParseContext& ctx, Record& rec);
  // A syslog message from named that is a BIND 9 query line: its client, question and server.
  bool read_bind9(const ParseContext& ctx, Record& rec);
  // An AWS VPC flow log header (vpc_flow.h): the lines of input `source` after it are read by the
  // layout it names (recipe VPCFLOWLOG) before any other recipe. False if the line is none.
  bool set_vpc_layout(uint32_t source, std::string_view header);

 private:
  // False, reason() saying what the line is (what), which recipe (name) fails on it, and why.
  bool fail(const char* what, const char* name, GrokResult g);
  std::unique_ptr<GrokMatcher> detect_;  // every recipe's detection pattern, first match wins
  // Per recipe with a pattern of its own (JAVALOG, TRACINGLOG: their detection patterns capture
  // nothing), made when first needed.
  std::vector<std::unique_ptr<GrokMatcher>> parsers_;
  bool read_message(const ParseContext& ctx, Record& rec, std::unique_ptr<GrokMatcher>& m,
                    const std::shared_ptr<const GrokSet>& set, bool access);
  std::unique_ptr<GrokMatcher> haproxy_, bind9_;
  std::unique_ptr<Record> inner_;         // what read_message reads, before it joins rec
  bool unavailable_ = false;             // a recipe missing from the library: none is tried
  PerSource<GrokMatcher> vpc_;          // each input's VPC flow layout
  const char* reason_ = nullptr;
  const char* name_ = nullptr;
  std::string why_;
};

}  // namespace ki
