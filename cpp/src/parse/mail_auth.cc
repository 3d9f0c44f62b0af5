// Mail servers' logins in syslog, the brute-force target after sshd: Postfix's SASL logins and
// Dovecot's IMAP/POP3 logins, as failed or accepted logins (event.category authentication,
// event.outcome, the client, the user), so the auth_failures alert counts them beside sshd's.
//   postfix/smtpd[3937]: warning: unknown[192.0.2.1]: SASL LOGIN authentication failed: UGFzc3dvcmQ6
//   postfix/smtpd[3937]: 1A2B3C: client=mail.example.com[192.0.2.9], sasl_method=PLAIN, sasl_username=bob
//   dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<bob>, method=PLAIN, rip=192.0.2.2, lip=10.0.0.1, TLS
//   dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=192.0.2.2, lip=10.0.0.1, mpid=7, TLS
//   dovecot: auth-worker(304): pam(bob,192.0.2.3): pam_authenticate() failed: Authentication failure (password mismatch?)
// Postfix's other smtpd and postscreen lines give their client (connect, reject, lost connection).
// The client writes the user name, so the address is the one after it (the last "rip=", the
// part after the name in "pam(…)").

#include "parse/parser.h"
#include "util/ip.h"

namespace ki {

namespace {

using sv = std::string_view;
constexpr size_t npos = sv::npos;

// "NAME[ADDR]", "NAME[ADDR]:PORT" or "[ADDR]:PORT" (Postfix's client): into rec; false if not one.
bool client_at(sv s, Record& rec) {
  const size_t open = s.find('[');
  const size_t close = s.rfind(']');
  if (open == npos || close == npos || close < open) return false;
  const sv addr = s.substr(open + 1, close - open - 1), name = s.substr(0, open), tail = s.substr(close + 1);
  if (!is_ip(addr) || name.find_first_of(" []") != npos) return false;
  int port = -1;
  if (!tail.empty()) {
    if (tail[0] != ':' || (port = port_number(tail.substr(1))) < 0) return false;
  }
  rec.client_ip = addr;
  rec.port = port;
  if (!name.empty() && name != "unknown") rec.fields.push_back(Field::string("source.domain", name));
  return true;
}

// Dovecot's "<proto>-login: …: user=<U>, method=M, rip=ADDR, lip=ADDR, …": the client (and user)
// of any such line; a failed login where it says "auth failed", an accepted one for "Login:".
bool dovecot_login_body(sv m, Record& rec) {
  if (m.starts_with("Info: ")) m.remove_prefix(6);
  size_t rip = m.rfind(", rip=");
  if (rip == npos) rip = m.rfind(": rip=");
  if (rip == npos) return false;
  sv addr = m.substr(rip + 6);
  addr = addr.substr(0, addr.find(','));
  if (!is_ip(addr)) return false;
  const sv head = m.substr(0, rip);
  sv user;
  if (const size_t u = head.find("user=<"); u != npos) {
    const sv rest = head.substr(u + 6);
    if (const size_t close = rest.rfind('>'); close != npos) user = rest.substr(0, close);
  }
  rec.client_ip = addr;
  if (!user.empty()) rec.user = user;
  // The outcome is Dovecot's text before the user name (which the client chose).
  const sv said = head.substr(0, head.find("user=<"));
  if (said.find("(auth failed") != npos || said.find("(auth_failed)") != npos)
    login_event(rec, "mail_login", false);
  else if (head.starts_with("Login: "))
    login_event(rec, "mail_login", true);
  return true;
}

bool dovecot_login(sv m, Record& rec) {
  const size_t login = m.find("-login: ");
  if (login == npos || login == 0 || m.substr(0, login).find(' ') != npos) return false;
  return dovecot_login_body(m.substr(login + 8), rec);
}

// Dovecot's auth process, after its tag: "[Info: ]pam(U,ADDR[,<session>]): pam_authenticate()
// failed: …" (also passwd-file, sql, ldap with "unknown user", "Password mismatch", "invalid
// credentials"); a worker's "conn unix:auth-worker (…): auth-worker<55>: " before it.
bool dovecot_auth_body(sv rest, Record& rec) {
  if (rest.starts_with("Info: ")) rest.remove_prefix(6);
  if (rest.starts_with("conn ")) {
    const size_t inner = rest.find(">: ");
    if (inner == npos) return false;
    rest.remove_prefix(inner + 3);
  }
  const size_t open = rest.find('(');
  const size_t close = rest.find("): ");
  if (open == npos || close == npos || close < open || rest.substr(0, open).find(' ') != npos) return false;
  const sv tail = rest.substr(close + 3);
  const bool failed = tail.find("failed") != npos || tail.find("mismatch") != npos || tail.starts_with("unknown user") ||
                      tail.starts_with("invalid credentials");
  if (!failed) return false;
  sv inside = rest.substr(open + 1, close - open - 1);
  if (!inside.empty() && (inside.back() == '>' || inside.back() == ',')) {  // a session id last, or an empty one
    const size_t c = inside.rfind(',');
    if (c == npos) return false;
    inside = inside.substr(0, c);
  }
  const size_t c = inside.rfind(',');
  if (c == npos || !is_ip(inside.substr(c + 1))) return false;
  rec.client_ip = inside.substr(c + 1);
  if (c > 0) rec.user = inside.substr(0, c);
  login_event(rec, "mail_login", false);
  return true;
}

// "auth: …", "auth-worker(304): …" in the message
bool dovecot_auth(sv m, Record& rec) {
  if (!m.starts_with("auth")) return false;
  const size_t colon = m.find(": ");
  if (colon == npos || m.substr(0, colon).find(' ') != npos) return false;
  return dovecot_auth_body(m.substr(colon + 2), rec);
}

}  // namespace

bool read_postfix(sv m, Record& rec) {
  // "warning: NAME[ADDR][:PORT]: SASL MECH authentication failed: …" (NAME "unknown" when it did
  // not resolve); a lost auth server or an unknown mechanism is no password tried (as fail2ban)
  if (m.starts_with("warning: ")) {
    const sv w = m.substr(9);
    const size_t sasl = w.find(": SASL ");
    if (sasl != npos) {
      const sv after = w.substr(sasl + 7);
      const size_t mech_end = after.find(' ');
      sv peer = w.substr(0, sasl);
      if (mech_end != npos && after.substr(mech_end).starts_with(" authentication failed") && client_at(peer, rec)) {
        const sv why = after.substr(mech_end + 22);
        const bool tried = !why.starts_with(": Connection lost to authentication server") &&
                           !why.starts_with(": Invalid authentication mechanism");
        if (tried) login_event(rec, "smtp_auth", false);
        return true;
      }
    }
  }
  // "QUEUEID: client=NAME[ADDR], sasl_method=PLAIN, sasl_username=bob": a message from a client
  // that logged in
  if (const size_t c = m.find(": client="); c != npos) {
    sv rest = m.substr(c + 9);
    const sv peer = rest.substr(0, rest.find(','));
    if (!client_at(peer, rec)) return false;
    if (const size_t u = rest.find(", sasl_username="); u != npos) {
      sv user = rest.substr(u + 16);
      rec.user = user.substr(0, user.find(", "));
      login_event(rec, "smtp_auth", true);
    }
    return true;
  }
  // "connect from NAME[ADDR]", "NOQUEUE: reject: RCPT from NAME[ADDR]: 554 …", "lost connection
  // after DATA from …", postscreen's "… from [ADDR]:PORT …": the client (the first " from " that
  // names one: what the client wrote, a from=<…> or HELO, comes after it)
  for (size_t at = m.find(" from "); at != npos; at = m.find(" from ", at + 1)) {
    sv rest = m.substr(at + 6);
    const size_t end = rest.find_first_of(" ,;");
    rest = rest.substr(0, end);
    if (!rest.empty() && rest.back() == ':') rest.remove_suffix(1);
    if (client_at(rest, rec)) return true;
  }
  return false;
}

bool read_dovecot(sv app, sv m, Record& rec) {
  if (app.ends_with("-login")) return dovecot_login_body(m, rec);  // "imap-login: Info: …" as the tag
  if (app.starts_with("auth")) return dovecot_auth_body(m, rec);    // "auth-worker(22401): Info: sql(…)"
  if (m.starts_with("dovecot: ")) m.remove_prefix(9);               // "dovecot[442]: dovecot: auth(default): …"
  return dovecot_login(m, rec) || dovecot_auth(m, rec);
}

}  // namespace ki
