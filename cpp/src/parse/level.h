// Log levels of the common logging libraries -> one syslog-scale severity, so rules can
// compare levels written by any of them.
#pragma once
#include <cstdint>
#include <string_view>

namespace ki {

// 0 emergency .. 7 debug (trace, verbose and trace1..trace8 are 7); -1 if unknown. Any case.
// Names: syslog keywords and their long forms, log4j/logback, Python logging, Go slog
// ("WARN+2" style offsets), zap (dpanic/panic), Serilog/.NET (Verbose, Information, Critical),
// java.util.logging (SEVERE, CONFIG, FINE..FINEST), one-letter forms (E, W, I, D, ...).
// Numbers (as text): 0..7 syslog severities; 10..60 pino/bunyan (10 trace .. 60 fatal).
int severity_from_level(std::string_view level);

// The same, but trace levels (trace, trace1..trace8, TRACE, pino 10) give 8: alert rules and
// the report's chart keep them apart from debug.
int severity_with_trace(std::string_view level);

// pino/bunyan numeric level -> its name ("trace".."fatal"); 0..7 -> syslog keyword; else empty.
std::string_view level_name_from_number(int64_t level);

}  // namespace ki
