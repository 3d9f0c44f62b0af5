// OpenSSH's login lines in syslog (tag "sshd", or "sshd-session" / "sshd-auth" since OpenSSH 9.8
// split the daemon): who tried to log in, from where, and whether it worked, with the field
// names and event categories of Filebeat's system.auth module, so failed logins can be counted
// per address or user like an access log's 401s.
//   Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:…
//   Failed password for invalid user admin from 5.188.10.180 port 41822 ssh2
//   Invalid user test from 10.0.2.2[ port 52683]
//   Did not receive identification string from 2.125.160.217
//   pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root
// Other lines keep only their message.

#include "parse/parser.h"
#include "parse/scan.h"
#include "util/ip.h"

namespace ki {

namespace {

// "IP port N" (the port optional), then the end or a blank: the address into rec.
bool from_address(std::string_view s, Record& rec) {
  size_t sp = s.find(' ');
  std::string_view ip = s.substr(0, sp);
  if (!is_ip(ip)) return false;
  int port = -1;
  if (sp != std::string_view::npos && s.substr(sp + 1).starts_with("port ")) {
    std::string_view d = s.substr(sp + 6);
    port = port_number(d.substr(0, d.find(' ')));
    if (port < 0) return false;
  }
  rec.client_ip = ip;
  rec.port = port;
  return true;
}

// " key=value" of a PAM line (values end at a blank; empty values allowed).
std::string_view pam_value(std::string_view s, std::string_view key) {
  size_t at = 0;
  while ((at = s.find(key, at)) != std::string_view::npos) {
    if (at > 0 && s[at - 1] == ' ' && at + key.size() < s.size() + 1) {
      std::string_view v = s.substr(at + key.size());
      return v.substr(0, v.find(' '));
    }
    at += key.size();
  }
  return {};
}

void login(Record& rec, std::string_view event, std::string_view method, bool ok) {
  // event.category / event.type as Filebeat's common.yml sets them
  rec.fields.push_back({"event.category", Field::Kind::Json, ok ? "[\"authentication\",\"session\"]" : "[\"authentication\"]"});
  rec.fields.push_back({"event.type", Field::Kind::Json, "[\"info\"]"});
  rec.fields.push_back(Field::string("event.action", "ssh_login"));
  rec.fields.push_back(Field::string("event.outcome", ok ? "success" : "failure"));
  rec.fields.push_back(Field::string("system.auth.ssh.event", event));
  if (!method.empty()) rec.fields.push_back(Field::string("system.auth.ssh.method", method));
}

}  // namespace

void read_sshd(std::string_view m, Record& rec) {
  // Accepted|Failed METHOD for [invalid user ]USER from IP port N ssh2
  for (std::string_view what : {"Accepted ", "Failed "}) {
    if (!m.starts_with(what)) continue;
    std::string_view rest = m.substr(what.size());
    size_t sp = rest.find(' ');
    if (sp == std::string_view::npos || !rest.substr(sp).starts_with(" for ")) return;
    const std::string_view method = rest.substr(0, sp);
    rest.remove_prefix(sp + 5);
    if (rest.starts_with("invalid user ")) rest.remove_prefix(std::string_view("invalid user ").size());
    // The user name may hold blanks: the last " from " before an address ends it.
    size_t from = rest.rfind(" from ");
    if (from == std::string_view::npos || from == 0) return;
    if (!from_address(rest.substr(from + 6), rec)) return;
    rec.user = rest.substr(0, from);
    login(rec, what.substr(0, what.size() - 1), method, what[0] == 'A');
    // "... ssh2: RSA SHA256:…": the key's type and fingerprint
    if (const size_t sig = rest.find(" ssh2: ", from); sig != std::string_view::npos && sig + 7 < rest.size())
      rec.fields.push_back(Field::string("system.auth.ssh.signature", rest.substr(sig + 7)));
    return;
  }
  constexpr std::string_view kInvalid = "Invalid user ";
  if (m.starts_with(kInvalid)) {  // "Invalid user NAME from IP[ port N]"
    std::string_view rest = m.substr(kInvalid.size());
    size_t from = rest.rfind(" from ");
    if (from == std::string_view::npos || !from_address(rest.substr(from + 6), rec)) return;
    rec.user = rest.substr(0, from);
    login(rec, "Invalid", {}, false);
    return;
  }
  constexpr std::string_view kNoIdent = "Did not receive identification string from ";
  if (m.starts_with(kNoIdent)) {
    from_address(m.substr(kNoIdent.size()), rec);
    return;
  }
  if (m.starts_with("pam_unix(sshd:auth): authentication failure;")) {
    std::string_view host = pam_value(m, "rhost="), user = pam_value(m, "user=");
    if (!host.empty()) rec.client_ip = host;  // an address, or a name (source.domain)
    if (!user.empty()) rec.user = user;
    login(rec, "Failed", "password", false);
    return;
  }
  if (m.starts_with("pam_")) read_pam_users(m, rec);
}

bool is_sshd(std::string_view app) { return app == "sshd" || app == "sshd-session" || app == "sshd-auth"; }

}  // namespace ki
