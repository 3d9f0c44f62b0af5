// MySQL's, MariaDB's and Percona Server's slow query log: one event a query, its lines joined by
// --multiline mysql ("# Time: …", "# User@Host: …", "# Query_time: …" and the other "# Key: value"
// lines, "use db;", "SET timestamp=…;", the statement). Fields as Filebeat's mysql/slowlog module
// names them (mysql.slowlog.*, event.duration, user.name, source.domain / source.ip).
#pragma once
#include <string_view>

namespace ki {

struct ParseContext;
struct Record;

// A joined event that starts as one ("# Time: " or "# User@Host: " first, a line under it).
bool looks_mysql_slow(std::string_view event);
bool parse_mysql_slow(std::string_view event, const ParseContext& ctx, Record& rec);
// The lines a server writes at the top of the file when it starts ("/usr/sbin/mysqld, Version: …
// started with:", "Tcp port: 3306  Unix socket: …", "Time  Id Command  Argument"): no events.
bool mysql_slow_header(std::string_view line);

}  // namespace ki
