// sudo's and the shadow tools' (useradd, groupadd, ...) lines in syslog, with the field names of
// Filebeat's system.auth module (its grok-auth-messages and common pipelines), so who ran what as
// root, and which accounts appeared, can be searched like sshd's logins:
//   vagrant : TTY=pts/0 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls
//   tsg : user NOT in sudoers ; TTY=pts/1 ; PWD=/home/vagrant ; USER=root ; COMMAND=/bin/ls
//   new group: name=apache, GID=48
//   new user: name=apache, UID=48, GID=48, home=/usr/share/httpd, shell=/sbin/nologin
// Other lines keep only their message (the shadow tools' also their event category).

#include "parse/parser.h"
#include "parse/scan.h"

namespace ki {

namespace {

// sudo's "KEY=value" items, as the field each goes to (a key not listed: the line is not read).
std::string_view sudo_field(std::string_view key) {
  if (key == "TTY") return "system.auth.sudo.tty";
  if (key == "PWD") return "system.auth.sudo.pwd";
  if (key == "USER") return "system.auth.sudo.user";
  if (key == "GROUP") return "system.auth.sudo.group";
  if (key == "TSID") return "system.auth.sudo.tsid";
  if (key == "ENV") return "system.auth.sudo.env";
  if (key == "CHROOT") return "system.auth.sudo.chroot";
  if (key == "CWD") return "system.auth.sudo.cwd";
  return {};
}

bool upper_key(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!(c >= 'A' && c <= 'Z')) return false;
  return true;
}

// "name=X, UID=N, ..." items of useradd's and groupadd's "new user:" / "new group:" lines.
std::string_view item(std::string_view s, std::string_view key) {
  size_t at = 0;
  while ((at = s.find(key, at)) != std::string_view::npos) {
    if (at == 0 || s[at - 1] == ' ') {
      std::string_view v = s.substr(at + key.size());
      return v.substr(0, v.find(','));
    }
    at += key.size();
  }
  return {};
}

// A user as PAM writes it: quoted or not, "(uid=N)" after it or not ("root(uid=0)", "(uid=0)", "\"root\"").
struct PamUser {
  std::string_view name, uid;
};
PamUser pam_user(std::string_view s) {
  PamUser u;
  if (s.ends_with(")")) {
    if (const size_t at = s.rfind("(uid="); at != std::string_view::npos) {
      const std::string_view id = s.substr(at + 5, s.size() - at - 6);
      if (!id.empty() && id.find_first_not_of("0123456789") == std::string_view::npos) {
        u.uid = id;
        s = s.substr(0, at);
      }
    }
  }
  if (s.size() >= 2 && (s.front() == '"' || s.front() == '\'') && s.back() == s.front()) s = s.substr(1, s.size() - 2);
  if (s.find_first_of(" \t\"'") == std::string_view::npos) u.name = s;  // else no user name
  return u;
}

}  // namespace

void read_pam_users(std::string_view m, Record& rec) {
  if (!rec.user.empty()) return;
  // common.yml's patterns in its order: "for user X by Y", "for user X", "by user Y", ' user "X"'
  PamUser by, user;
  if (const size_t f = m.find("for user "); f != std::string_view::npos) {
    std::string_view rest = m.substr(f + 9);
    if (const size_t b = rest.find(" by "); b != std::string_view::npos) {
      by = pam_user(rest.substr(b + 4));
      rest = rest.substr(0, b);
    }
    user = pam_user(rest);
  } else if (const size_t b = m.find("by user "); b != std::string_view::npos) {
    by = pam_user(m.substr(b + 8));
  } else if (const size_t q = m.find(" user \""); q != std::string_view::npos && q > 0 && m[q - 1] != ' ') {
    const std::string_view rest = m.substr(q + 7);
    if (const size_t end = rest.find('"'); end != std::string_view::npos) user = pam_user(rest.substr(0, end));
  } else if (m.find("): authentication failure; ") != std::string_view::npos) {
    // pam_unix's "... ruser= rhost= user=alice" (sshd's own is read as a failed login in sshd.cc)
    if (const size_t u = m.rfind(" user="); u != std::string_view::npos) {
      const std::string_view v = m.substr(u + 6);
      user = pam_user(v.substr(0, v.find(' ')));
    }
    // the remote host PAM names (dovecot's, su's empty one), as sshd's in sshd.cc
    if (const size_t h = m.rfind(" rhost="); h != std::string_view::npos && rec.client_ip.empty()) {
      const std::string_view v = m.substr(h + 7);
      const std::string_view host = v.substr(0, v.find(' '));
      if (!host.empty() && host.find('=') == std::string_view::npos) rec.client_ip = host;
    }
  }
  // The user acting ("by") is user.name; the one the session or check is for is the effective user.
  // Without a name "by" ("by (uid=0)": the service itself), the user it is for is user.name.
  if (!by.name.empty()) {
    rec.user = by.name;
    if (!by.uid.empty()) rec.fields.push_back(Field::string("user.id", by.uid));
    if (!user.name.empty()) rec.fields.push_back(Field::string("user.effective.name", user.name));
    if (!user.uid.empty()) rec.fields.push_back(Field::string("user.effective.id", user.uid));
  } else if (!user.name.empty()) {
    rec.user = user.name;
    if (!user.uid.empty()) rec.fields.push_back(Field::string("user.id", user.uid));
  }
}

void read_sudo(std::string_view m, Record& rec) {
  m = scan::trim(m);
  const size_t colon = m.find(" : ");
  if (colon == std::string_view::npos || colon == 0) return;  // (pam_unix's session lines and others)
  const std::string_view user = m.substr(0, colon);
  std::string_view rest = m.substr(colon + 3);
  std::string_view error;
  const size_t fields = rec.fields.size();
  bool command = false;
  while (!rest.empty()) {
    if (rest.starts_with("COMMAND=")) {  // the last item: the rest of the line, " ; " and all
      rec.fields.push_back(Field::string("system.auth.sudo.command", rest.substr(8)));
      command = true;
      break;
    }
    const size_t end = std::min(rest.find(" ; "), rest.size());
    const std::string_view part = rest.substr(0, end);
    const size_t eq = part.find('=');
    const std::string_view name = eq == std::string_view::npos ? std::string_view{} : sudo_field(part.substr(0, eq));
    if (!name.empty()) {
      rec.fields.push_back(Field::string(name, part.substr(eq + 1)));
      if (name == "system.auth.sudo.user") rec.fields.push_back(Field::string("user.effective.name", part.substr(eq + 1)));
    } else if (error.empty() && rec.fields.size() == fields && !(eq != std::string_view::npos && upper_key(part.substr(0, eq)))) {
      error = part;  // "user NOT in sudoers", "3 incorrect password attempts", ... before the items
    } else {
      break;  // an item we do not know: the line keeps its message only
    }
    rest = end < rest.size() ? rest.substr(end + 3) : std::string_view{};
  }
  if (!command) {
    rec.fields.resize(fields);
    return;
  }
  if (!error.empty()) rec.fields.push_back(Field::string("system.auth.sudo.error", error));
  rec.user = user;
}

void read_shadow_tool(std::string_view app, std::string_view m, Record& rec) {
  const bool user_tool = app == "useradd" || app == "userdel" || app == "usermod";
  const bool group_tool = app == "groupadd" || app == "groupdel" || app == "groupmod";
  if (!user_tool && !group_tool) return;
  const char last = app[app.size() - 3];  // add / del / mod
  rec.fields.push_back({"event.category", Field::Kind::Json, "[\"iam\"]"});
  rec.fields.push_back({"event.type", Field::Kind::Json,
                        last == 'a'   ? (user_tool ? "[\"user\",\"creation\"]" : "[\"group\",\"creation\"]")
                        : last == 'd' ? (user_tool ? "[\"user\",\"deletion\"]" : "[\"group\",\"deletion\"]")
                                      : (user_tool ? "[\"user\",\"change\"]" : "[\"group\",\"change\"]")});
  rec.fields.push_back(Field::string("event.outcome", m.find("fail") == std::string_view::npos ? "success" : "failure"));
  if (m.starts_with("new group: ")) {
    const std::string_view name = item(m, "name="), gid = item(m, "GID=");
    if (!name.empty()) rec.fields.push_back(Field::string("group.name", name));
    if (!gid.empty()) rec.fields.push_back(Field::string("group.id", gid));
  } else if (m.starts_with("new user: ")) {
    const std::string_view name = item(m, "name="), uid = item(m, "UID="), gid = item(m, "GID="),
                           home = item(m, "home="), shell = item(m, "shell=");
    if (!name.empty()) rec.user = name;
    if (!uid.empty()) rec.fields.push_back(Field::string("user.id", uid));
    if (!gid.empty()) rec.fields.push_back(Field::string("group.id", gid));
    if (!home.empty()) rec.fields.push_back(Field::string("system.auth.useradd.home", home));
    if (!shell.empty()) rec.fields.push_back(Field::string("system.auth.useradd.shell", shell));
  }
}

}  // namespace ki
