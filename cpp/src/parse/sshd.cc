// OpenSSH's lines in syslog (tag "sshd", or "sshd-session" / "sshd-auth" since OpenSSH 9.8 split
// the daemon): who tried to log in, from where, and whether it worked, with the field names and
// event categories of Filebeat's system.auth module, so failed logins can be counted per address
// or user like an access log's 401s.
//   Accepted publickey for vagrant from 10.0.2.2 port 63673 ssh2: RSA 39:33:…
//   Failed password for invalid user admin from 5.188.10.180 port 41822 ssh2
//   Invalid user test from 10.0.2.2[ port 52683]
//   pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost=1.2.3.4  user=root
//   error: PAM: Authentication failure for james from example.com via 192.168.1.201
//   User root from 1.2.3.4 not allowed because not listed in AllowUsers
//   error: maximum authentication attempts exceeded for root from 1.2.3.4 port 49940 ssh2 [preauth]
// and the client address (and user) of the lines around a login: disconnects, resets, failed
// key exchanges, port scanners ("Connection closed by authenticating user root 1.2.3.4 port 1
// [preauth]", "Unable to negotiate with 1.2.3.4 port 1: …", "Did not receive identification
// string from 1.2.3.4"). The client chooses the user name (and ssh1's ruser), so a name holding
// " from 10.0.0.1 port 1 ssh2" must not become the address: the address is read where fail2ban's
// sshd filter reads it (its test log's injection cases are in tests/test_auth_logs.py).
// Other lines keep only their message.

#include "parse/parser.h"
#include "parse/scan.h"
#include "util/ip.h"

namespace ki {

namespace {

using sv = std::string_view;
constexpr size_t npos = sv::npos;

// An address or host name as sshd writes the client (a name when UseDNS is on).
bool host_like(sv s) {
  if (s.empty()) return false;
  if (is_ip(s)) return true;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_'))
      return false;
  return true;
}

struct Peer {
  sv host;
  int port = -1;
  sv tail;  // what follows "HOST[ port N][ sshN]"
};

// "HOST[ port N][ sshN]" at s's start (HOST ends at a blank, or at ':' when colon_ends).
bool peer_at(sv s, Peer& p, bool colon_ends = false) {
  size_t end = s.find(' ');
  if (colon_ends) end = std::min(end, s.find(": "));
  if (end == npos) end = s.size();
  p.host = s.substr(0, end);
  if (!host_like(p.host)) return false;
  s.remove_prefix(end);
  p.port = -1;
  if (s.starts_with(" port ")) {
    size_t d = 6;
    while (d < s.size() && (s[d] >= '0' && s[d] <= '9')) ++d;
    p.port = port_number(s.substr(6, d - 6));
    if (p.port < 0) return false;
    s.remove_prefix(d);
  }
  if (s.starts_with(" ssh")) {  // " ssh2", " ssh1", " ssh"
    size_t d = 4;
    while (d < s.size() && (s[d] >= '0' && s[d] <= '9')) ++d;
    if (d == s.size() || s[d] == ' ' || s[d] == ':') s.remove_prefix(d);
  }
  p.tail = s;
  return true;
}

bool tail_ends(sv t) { return t.empty() || t == " [preauth]" || t == " " /* (trailing blank) */; }

void set_peer(const Peer& p, Record& rec) {
  rec.client_ip = p.host;
  rec.port = p.port;
}

void login(Record& rec, sv event, sv method, bool ok) {
  login_event(rec, "ssh_login", ok, ok);  // an accepted ssh login opens a session
  if (!event.empty()) rec.fields.push_back(Field::string("system.auth.ssh.event", event));
  if (!method.empty()) rec.fields.push_back(Field::string("system.auth.ssh.method", method));
}

// A refusal: a failed login of `user` from the peer.
bool refused(Record& rec, const Peer& p, sv user) {
  set_peer(p, rec);
  rec.user = user;
  login(rec, "Failed", {}, false);
  return true;
}

// "USER from HOST[ port N][ sshN][: INFO]" after "for [invalid user ]": the user and the peer,
// the way fail2ban's filter reads them. A one-word user is followed by the address (and the key
// or ssh1's ruser after ": "); an invalid user's name (the client's) runs to the first " from "
// after which nothing holds " from "; else the address is the last " from " and the name holds
// no ':'. False if none fits.
bool user_from(sv r, bool invalid, sv& user, Peer& p) {
  const size_t sp = r.find(' ');
  if (sp != npos && sp > 0 && r.substr(sp).starts_with(" from ") && peer_at(r.substr(sp + 6), p) &&
      (tail_ends(p.tail) || p.tail.starts_with(": "))) {
    user = r.substr(0, sp);
    return true;
  }
  if (invalid) {
    const size_t f = r.find(" from ");
    if (f != npos && peer_at(r.substr(f + 6), p) && p.tail.find(" from ") == npos &&
        (tail_ends(p.tail) || p.tail.starts_with(": "))) {
      user = r.substr(0, f);
      return true;
    }
  }
  const size_t f = r.rfind(" from ");
  if (f != npos && r.substr(0, f).find(':') == npos && peer_at(r.substr(f + 6), p) && tail_ends(p.tail)) {
    user = r.substr(0, f);
    return true;
  }
  return false;
}

sv strip_invalid(sv r, bool& invalid) {
  for (sv w : {"invalid user ", "illegal user "})
    if (r.starts_with(w)) {
      invalid = true;
      return r.substr(w.size());
    }
  invalid = false;
  return r;
}

sv strip_preauth(sv s) {
  if (s.ends_with(" [preauth]")) s.remove_suffix(10);
  return s;
}

// "[WHO ]HOST port N" at the end of s ("authenticating user root 1.2.3.4 port 22", "1.2.3.4"):
// the host is the last word before " port N" (a user name may hold blanks and addresses).
bool trailing_peer(sv s, sv& who, Peer& p) {
  s = strip_preauth(s);
  const size_t port_at = s.rfind(" port ");
  sv head = s;
  p.port = -1;
  if (port_at != npos) {
    const int port = port_number(s.substr(port_at + 6));
    if (port >= 0) {
      p.port = port;
      head = s.substr(0, port_at);
    }
  }
  const size_t sp = head.rfind(' ');
  p.host = sp == npos ? head : head.substr(sp + 1);
  if (!host_like(p.host)) return false;
  who = sp == npos ? sv{} : head.substr(0, sp);
  return true;
}

// "authenticating user X", "invalid user X", "user X" before a trailing peer: the user.
bool user_words(sv who, sv& user) {
  for (sv w : {"authenticating user ", "invalid user ", "illegal user ", "user "})
    if (who.starts_with(w)) {
      user = who.substr(w.size());
      return true;
    }
  // "invalid user  1.2.3.4" (an empty name): the words without their last blank
  for (sv w : {"authenticating user", "invalid user", "user"})
    if (who == w) {
      user = {};
      return true;
    }
  return false;
}

bool read_failed_or_accepted(sv m, Record& rec) {
  for (sv what : {"Accepted ", "Failed "}) {
    if (!m.starts_with(what)) continue;
    sv rest = m.substr(what.size());
    const size_t sp = rest.find(' ');
    if (sp == npos || !rest.substr(sp).starts_with(" for ")) return false;
    const sv method = rest.substr(0, sp);
    bool invalid;
    rest = strip_invalid(rest.substr(sp + 5), invalid);
    sv user;
    Peer p;
    if (!user_from(rest, invalid, user, p)) return false;
    set_peer(p, rec);
    rec.user = user;
    login(rec, what.substr(0, what.size() - 1), method, what[0] == 'A');
    if (p.tail.starts_with(": ") && p.tail.size() > 2)  // the key's type and fingerprint
      rec.fields.push_back(Field::string("system.auth.ssh.signature", p.tail.substr(2)));
    return true;
  }
  return false;
}

// Lines that say a login failed without "Failed …": a user, a peer, an outcome.
bool read_refusal(sv m, Record& rec) {
  // "PAM: Authentication failure for USER from HOST[ via ADDR]" (macOS, older Linux-PAM builds)
  if (m.starts_with("PAM: ")) {
    sv r = m.substr(sv("PAM: ").size());
    size_t f = npos;
    for (sv w : {"Authentication failure for ", "authentication failure for ", "Authentication error for ",
                 "authentication error for ", "User not known to the underlying authentication module for "}) {
      if (r.starts_with(w)) {
        f = w.size();
        break;
      }
    }
    if (f == npos) return false;
    bool invalid;
    r = strip_invalid(r.substr(f), invalid);
    r = scan::trim(r);
    if (const size_t via = r.rfind(" via "); via != npos) r = r.substr(0, via);
    const size_t from = r.rfind(" from ");
    Peer p;
    if (from == npos || !peer_at(r.substr(from + 6), p) || !tail_ends(p.tail)) return false;
    return refused(rec, p, r.substr(0, from));
  }
  // "ROOT LOGIN REFUSED FROM HOST[ port N]"
  if (constexpr sv kRootRefused = "ROOT LOGIN REFUSED FROM "; m.starts_with(kRootRefused)) {
    Peer p;
    if (!peer_at(strip_preauth(m.substr(kRootRefused.size())), p) || !tail_ends(p.tail)) return false;
    return refused(rec, p, "root");
  }
  // "User USER from HOST not allowed because REASON" (AllowUsers, DenyUsers, groups, a locked account)
  if (m.starts_with("User ")) {
    const size_t because = m.rfind(" not allowed because ");
    if (because == npos || because < 5) return false;
    const sv head = m.substr(5, because - 5);
    const size_t from = head.rfind(" from ");
    Peer p;
    if (from == npos || !peer_at(head.substr(from + 6), p) || !p.tail.empty()) return false;
    return refused(rec, p, head.substr(0, from));
  }
  // "maximum authentication attempts exceeded for [invalid user ]USER from HOST port N ssh2 [preauth]"
  if (constexpr sv kMaxAttempts = "maximum authentication attempts exceeded for "; m.starts_with(kMaxAttempts)) {
    bool invalid;
    const sv r = strip_invalid(m.substr(kMaxAttempts.size()), invalid);
    sv user;
    Peer p;
    if (!user_from(r, invalid, user, p)) return false;
    return refused(rec, p, user);
  }
  // "Disconnecting: Too many authentication failures for USER [preauth]" (no address)
  if (constexpr sv kTooMany = "Disconnecting: Too many authentication failures for "; m.starts_with(kTooMany)) {
    bool invalid;
    const sv user = strip_invalid(strip_preauth(m.substr(kTooMany.size())), invalid);
    if (user.empty()) return false;
    rec.user = user;
    login(rec, "Failed", {}, false);
    return true;
  }
  return false;
}

// The client of a line around a login (no outcome: a disconnect is not a refusal).
bool read_connection(sv m, Record& rec) {
  Peer p;
  // "Connection closed by [authenticating |invalid ]user X HOST port N [preauth]", "Disconnected
  // from …", "Connection reset by …", "Disconnecting [invalid ]user X HOST port N: reason"
  for (sv w : {"Connection closed by ", "Connection reset by ", "Disconnected from ", "Disconnecting "}) {
    if (!m.starts_with(w)) continue;
    sv rest = m.substr(w.size());
    if (w == "Disconnecting ") {  // the reason after the port holds the user name again: cut at the first
      const size_t c = rest.find(": ");
      if (c == npos) return false;
      rest = rest.substr(0, c);
    }
    sv who, user;
    if (!trailing_peer(rest, who, p)) return false;
    const bool named = !who.empty() && user_words(who, user);
    if (!who.empty() && !named) return false;
    set_peer(p, rec);
    if (named && !user.empty()) rec.user = user;
    return true;
  }
  // "Received disconnect from HOST[ port N]:[ ]CODE: text [preauth]" (older: "HOST: CODE: text")
  if (constexpr sv kReceived = "Received disconnect from "; m.starts_with(kReceived)) {
    if (!peer_at(m.substr(kReceived.size()), p, true) || !p.tail.starts_with(":")) return false;
    set_peer(p, rec);
    return true;
  }
  // sshd's own words, then the peer
  for (sv w : {"Did not receive identification string from ", "Unable to negotiate with ",
               "banner exchange: Connection from ", "ssh_dispatch_run_fatal: Connection from ", "Connection from ",
               "Timeout before authentication for connection from ", "Timeout before authentication for "}) {
    if (!m.starts_with(w)) continue;
    if (!peer_at(m.substr(w.size()), p)) return false;
    set_peer(p, rec);
    return true;
  }
  // "Bad protocol version identification 'TEXT' from HOST port N": the client wrote TEXT
  if (m.starts_with("Bad protocol version identification ")) {
    const size_t from = m.rfind(" from ");
    if (from == npos || !peer_at(m.substr(from + 6), p) || !tail_ends(p.tail)) return false;
    set_peer(p, rec);
    return true;
  }
  // TCP wrappers: "refused connect from NAME@HOST (ADDR)"
  if (m.starts_with("refused connect from ") && m.ends_with(")")) {
    const size_t open = m.rfind(" (");
    if (open == npos || !peer_at(m.substr(open + 2, m.size() - open - 3), p) || !p.tail.empty()) return false;
    set_peer(p, rec);
    return true;
  }
  return false;
}

}  // namespace

void read_sshd(sv m, Record& rec) {
  // Solaris' "[ID 800047 auth.info] " and sshd's "error: " / "fatal: " before the words
  if (m.starts_with("[ID ")) {
    const size_t close = m.find("] ");
    if (close != npos) m.remove_prefix(close + 2);
  }
  for (sv w : {"error: ", "fatal: "})
    if (m.starts_with(w)) m.remove_prefix(w.size());
  if (m.starts_with("Invalid user ") || m.starts_with("Illegal user ")) {  // "Invalid user NAME from HOST[ port N]"
    const sv rest = strip_preauth(m.substr(sv("Invalid user ").size()));
    const size_t from = rest.rfind(" from ");
    Peer p;
    if (from == npos || !peer_at(rest.substr(from + 6), p) || !tail_ends(p.tail)) return;
    set_peer(p, rec);
    rec.user = rest.substr(0, from);
    login(rec, "Invalid", {}, false);
    return;
  }
  if (m.starts_with("pam_unix(sshd:auth): authentication failure;")) {
    read_pam_users(m, rec);  // user= and rhost= (an address, or a name: source.domain)
    login(rec, "Failed", "password", false);
    return;
  }
  if (m.starts_with("pam_")) {
    read_pam_users(m, rec);
    return;
  }
  // (each reader writes nothing unless the whole line fits it)
  if (!read_failed_or_accepted(m, rec) && !read_refusal(m, rec)) read_connection(m, rec);
}

void login_event(Record& rec, sv action, bool ok, bool session) {
  // event.category / event.type as Filebeat's system.auth common.yml sets them
  rec.fields.push_back({"event.category", Field::Kind::Json,
                        session ? "[\"authentication\",\"session\"]" : "[\"authentication\"]"});
  rec.fields.push_back({"event.type", Field::Kind::Json, "[\"info\"]"});
  rec.fields.push_back(Field::string("event.action", action));
  rec.fields.push_back(Field::string("event.outcome", ok ? "success" : "failure"));
}

bool is_sshd(sv app) { return app == "sshd" || app == "sshd-session" || app == "sshd-auth"; }

}  // namespace ki
