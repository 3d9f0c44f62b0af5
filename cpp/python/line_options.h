// Grok and multi-line options of every command that parses lines (parse, produce, watch --logs,
// report; parse_line / read_logs / Producer): bound once as _core.GrokConfig and
// _core.MultilineConfig (bind_lines.cc), applied to a ParserConfig here.
#pragma once
#include <pybind11/pybind11.h>

#include "parse/parser.h"

namespace ki_py {

// Compiles the patterns and checks the multi-line pattern now, in the caller's thread:
// an invalid pattern raises ValueError naming the pattern and the column (CLI: exit 2).
void apply_line_options(ki::ParserConfig& p, const ki::GrokConfig& grok, const ki::MultilineConfig& multiline);
// The files' character set (--encoding); ValueError for a name that is not one.
void apply_encoding(ki::ParserConfig& p, const std::string& encoding);

}  // namespace ki_py
