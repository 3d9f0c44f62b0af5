// The Linux audit daemon's log (/var/log/audit/audit.log): "[node=host ]type=SYSCALL
// msg=audit(1485893834.891:18877199): arch=c000003e syscall=44 … comm="charon" exe=2F75…".
// Named as Filebeat's auditd module names them: the time and sequence of audit(…), the record
// type, ECS's user.*, process.*, source/destination, event.outcome, host.architecture, and the
// other keys under auditd.log.*; values auditd wrote in hex (a path with a blank, say) decoded,
// "?" and "(null)" left out, a msg='…' of key=value pairs read as more pairs.
#pragma once
#include <string_view>

namespace ki {

struct ParseContext;
struct Record;

bool looks_auditd(std::string_view line);
bool parse_auditd(std::string_view line, const ParseContext& ctx, Record& rec);

}  // namespace ki
