"""auth.log beyond sshd's own lines: sudo's command lines, the shadow tools' (useradd, groupadd)
account lines and PAM modules' user lines, read from Filebeat's own system/auth test files
(tests/data/real/filebeat/PROVENANCE.md) and from lines of real auth logs quoted below.
Each line has the values Filebeat's expected output states for it, under the names its current
pipelines give them (grok-auth-messages.yml: user.name, system.auth.sudo.*; common.yml:
user.effective.name from sudo's USER, event.category iam / event.type for the shadow tools)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

import kafkainsight as ki
from tests.test_real_logs import flat

LOG = Path(__file__).parent / "data" / "real" / "filebeat" / "system-auth-test.log"

# line number -> what Filebeat's expected output says of it (its values; today's names)
SUDO = {
    5: {"user.name": "vagrant", "system.auth.sudo.tty": "pts/0", "system.auth.sudo.pwd": "/home/vagrant",
        "system.auth.sudo.user": "root", "system.auth.sudo.command": "/bin/ls"},
    7: {"user.name": "vagrant", "system.auth.sudo.tty": "pts/1", "system.auth.sudo.pwd": "/home/vagrant",
        "system.auth.sudo.user": "root", "system.auth.sudo.command": "/bin/cat /var/log/secure"},
    8: {"user.name": "tsg", "system.auth.sudo.error": "user NOT in sudoers", "system.auth.sudo.tty": "pts/1",
        "system.auth.sudo.pwd": "/home/vagrant", "system.auth.sudo.user": "root",
        "system.auth.sudo.command": "/bin/ls"},
}
ACCOUNTS = {
    9: {"group.name": "apache", "group.id": "48", "process.name": "groupadd", "process.pid": 6991,
        "event.category": ["iam"], "event.type": ["group", "creation"], "event.outcome": "success"},
    10: {"user.name": "apache", "user.id": "48", "group.id": "48", "system.auth.useradd.home": "/usr/share/httpd",
         "system.auth.useradd.shell": "/sbin/nologin", "process.name": "useradd", "process.pid": 6995,
         "event.category": ["iam"], "event.type": ["user", "creation"], "event.outcome": "success"},
}


def test_filebeats_auth_test_file_reads_as_filebeat_reads_it():
    res = ki.read_logs(str(LOG), threads=1, year=2018)
    assert res.failed == [] and len(res.records) == 10
    docs = {i + 1: flat(d) for i, d in enumerate(res.records)}
    for n, want in {**SUDO, **ACCOUNTS}.items():
        got = {k: docs[n].get(k) for k in want}
        assert got == want, (n, got)
    for n in SUDO:  # sudo's USER is the effective user (common.yml)
        assert docs[n]["user.effective.name"] == "root" and docs[n]["process.name"] == "sudo"
    assert docs[5]["@timestamp"] == "2018-02-21T23:35:33Z"
    # sshd's lines as before
    assert (docs[4]["user.name"], docs[4]["source.ip"], docs[4]["event.outcome"]) == ("root", "216.160.83.57", "failure")


def test_sudo_lines_newer_sudo_writes_and_lines_that_are_not_commands():
    doc = flat(ki.parse_line("Dec  7 10:00:00 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; GROUP=adm ;"
                             " TSID=000001 ; COMMAND=/usr/bin/env A=1 ; ls"))
    assert (doc["user.name"], doc["system.auth.sudo.group"], doc["system.auth.sudo.tsid"]) == ("alice", "adm", "000001")
    assert doc["system.auth.sudo.command"] == "/usr/bin/env A=1 ; ls"  # the command keeps its own " ; "
    doc = flat(ki.parse_line("Dec  7 10:00:01 h sudo:    alice : 3 incorrect password attempts ; TTY=pts/0 ; "
                             "PWD=/home/alice ; USER=root ; COMMAND=/bin/sh"))
    assert doc["system.auth.sudo.error"] == "3 incorrect password attempts"
    for line in ("Dec  7 10:00:03 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; NEWKEY=1 ; COMMAND=/bin/ls",
                 "Dec  7 10:00:04 h sudo: alice : TTY=pts/0 ; PWD=/tmp"):
        doc = flat(ki.parse_line(line))  # no command: the message only, nothing half read
        assert not any(k.startswith("system.auth.sudo") for k in doc) and "user.name" not in doc, line
    doc = flat(ki.parse_line("Dec  7 10:00:05 h userdel[42]: failed removing user alice"))
    assert (doc["event.type"], doc["event.outcome"]) == (["user", "deletion"], "failure")


# Lines of Filebeat's filebeat/module/system/auth/test/secure-rhel7.log (@ d13173e2), a CentOS 7
# /var/log/secure under a brute-force attack, with what Filebeat reads from each: its expected
# output (secure-rhel7.log-expected.json @ 0d156feb: event.category, the user of pam_succeed_if's
# line) and its current pipelines for what that output predates (grok-auth-messages.yml @ be628fe4:
# the signature; common.yml @ 4702ca3c: event.type ["info"], ["authentication", "session"] for Accepted).
SECURE_RHEL7 = {
    "Feb 22 16:45:20 slave22 sshd[2738]: Failed password for root from 202.109.143.106 port 1786 ssh2":
        {"user.name": "root", "source.ip": "202.109.143.106", "source.port": 1786, "event.outcome": "failure",
         "event.category": ["authentication"], "event.type": ["info"], "event.action": "ssh_login"},
    'Feb 22 16:45:20 slave22 sshd[2738]: pam_succeed_if(sshd:auth): requirement "uid >= 1000" not met by user "root"':
        {"user.name": "root", "event.outcome": None},
    "Feb 22 16:48:04 slave22 sshd[2805]: Accepted publickey for drewr from 69.245.39.97 port 34202 ssh2: "
    "RSA 01:67:32:d9:b3:20:5d:2d:5f:b4:35:c5:a5:8b:0a:5e":
        {"user.name": "drewr", "event.outcome": "success", "event.category": ["authentication", "session"],
         "system.auth.ssh.signature": "RSA 01:67:32:d9:b3:20:5d:2d:5f:b4:35:c5:a5:8b:0a:5e"},
    # "for user X by (uid=0)": no user acts, X is the user (Filebeat's rename of its empty by-user)
    "Feb 22 16:48:04 slave22 sshd[2805]: pam_unix(sshd:session): session opened for user drewr by (uid=0)":
        {"user.name": "drewr", "user.effective.name": None, "event.outcome": None},
    "Feb 22 16:48:04 slave22 sshd[2805]: pam_unix(sshd:session): session closed for user drewr":
        {"user.name": "drewr"},
    # lines none of Filebeat's patterns read keep their message only
    "Feb 22 16:45:26 slave22 sshd[2738]: PAM 4 more authentication failures; logname= uid=0 euid=0 tty=ssh ruser= "
    "rhost=202.109.143.106  user=root": {"user.name": None, "event.outcome": None},
    # (Filebeat leaves a disconnect's client out; here it is the client, with no outcome)
    "Feb 22 16:48:04 slave22 sshd[2809]: Received disconnect from 69.245.39.97: 11: disconnected by user":
        {"user.name": None, "source.ip": "69.245.39.97", "event.outcome": None},
}


def test_secure_log_of_a_rhel7_host_reads_as_filebeat_reads_it():
    res = ki.read_logs(list(SECURE_RHEL7), year=2017)
    assert res.failed == []
    for (line, want), doc in zip(SECURE_RHEL7.items(), res.records):
        d = flat(doc)
        assert {k: d.get(k) for k in want} == want, line


def test_pam_session_lines_name_the_acting_and_the_effective_user():
    # sudo, su, cron and systemd through PAM (auth.log of Debian 12 / Ubuntu 24.04 hosts): "for user
    # X(uid=N) by Y(uid=M)" is Y acting as X. Filebeat's common.yml reads the same users; the
    # "(uid=N)" of the effective user goes to user.effective.id here instead of staying in its name.
    cases = {
        "Dec 06 10:38:47 localhost.localdomain sudo[1392]: pam_unix(sudo:session): session opened for user root(uid=0) by tp2_linux(uid=1001)":
            {"user.name": "tp2_linux", "user.id": "1001", "user.effective.name": "root", "user.effective.id": "0"},
        "Dec 06 10:38:47 localhost.localdomain sudo[1392]: pam_unix(sudo:session): session closed for user root":
            {"user.name": "root", "user.id": None, "user.effective.name": None},
        "Feb 04 18:39:01 maketopsite CRON[4706]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)":
            {"user.name": "root", "user.id": "0", "user.effective.name": None},
        "2026-05-27T15:26:15.958379+00:00 ip-172-31-10-246 su[1342]: pam_unix(su-l:session): session opened for user root(uid=0) by ubuntu(uid=0)":
            {"user.name": "ubuntu", "user.effective.name": "root", "process.name": "su"},
        "Jul 17 17:36:42 TheArrival sudo[56346]: pam_unix(sudo:auth): authentication failure; logname=alessandro uid=1000 "
        "euid=0 tty=/dev/pts/4 ruser=alessandro rhost= user=alessandro":
            {"user.name": "alessandro", "event.outcome": None},  # a failed sudo password, no ssh login
        # a name PAM did not write as one: none rather than the rest of the line
        "Jul 17 17:36:42 h sshd[5]: pam_sss(sshd:auth): received for user bob: 7 (Authentication failure)":
            {"user.name": None},
    }
    for line, want in cases.items():
        d = flat(ki.parse_line(line, year=2026))
        assert {k: d.get(k) for k in want} == want, line


def test_openssh_98s_sshd_session_logs_logins_as_sshd_did():
    # OpenSSH 9.8 split the daemon: Debian 13, Ubuntu 24.10 and Fedora 41 log the same lines under
    # sshd-session (and OpenSSH 10's sshd-auth); the failed-login alert must still see them.
    lines = ["Sep  8 14:20:01 host sshd-session[77]: Accepted password for bob from 1.2.3.4 port 1 ssh2",
             "2026-05-27T15:25:32.288613+00:00 ip-172-31-10-246 sshd-session[1181]: pam_unix(sshd:session): session "
             "opened for user ubuntu(uid=1000) by ubuntu(uid=0)",
             "Sep  8 14:20:02 host sshd-auth[78]: Failed password for invalid user admin from 45.155.205.9 port 4242 ssh2"]
    a, s, f = (flat(d) for d in ki.read_logs(lines, year=2026).records)
    assert (a["user.name"], a["source.ip"], a["event.outcome"], a["event.action"]) == ("bob", "1.2.3.4", "success", "ssh_login")
    assert (s["user.name"], s["user.effective.name"], s["user.effective.id"]) == ("ubuntu", "ubuntu", "1000")
    assert (f["user.name"], f["event.outcome"], f["process.name"]) == ("admin", "failure", "sshd-auth")


REAL_F2B = Path(__file__).parent / "data" / "real" / "fail2ban"
F2B_SSHD = REAL_F2B / "sshd"


def fail2ban_cases(path):
    """(line, failJSON or None) for each log line of a fail2ban test log."""
    want, cases = None, []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith(("# failJSON:", "#failJSON:")):
            want = json.loads(line.split("failJSON:", 1)[1])
        elif line and not line.startswith("#"):
            cases.append((line, want))
            want = None
    return cases


def test_sshd_clients_are_the_hosts_fail2ban_finds_and_no_injected_one():
    # fail2ban's own sshd test log: for every line its filter counts as a failure from a host
    # written in that line, the document's client is that host, also where the client chose a
    # user name (or ssh1 ruser) holding another address ("Failed password for invalid user test
    # from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 …": 127.0.0.1, so nobody can frame an address
    # for the auth_failures alert). fail2ban also follows a connection over several lines (a host
    # named only by an earlier line of the same pid); that is not done here: those lines are
    # skipped, as are two lines with no host and a bracketed program ("… [sshd]: User root …").
    cases = fail2ban_cases(F2B_SSHD)
    res = ki.read_logs([line for line, _ in cases], year=2005)
    assert res.failed == [] and len(res.records) == len(cases) == 155
    checked, unread = 0, []
    for (line, want), doc in zip(cases, res.records):
        if not (want and want.get("match") and want.get("host")) or want["host"] not in line:
            continue
        d = flat(doc)
        host = d.get("source.ip") or d.get("source.domain")
        if host and host.startswith("::ffff:"):  # fail2ban names an IPv4-mapped client by its IPv4 address
            host = host[len("::ffff:"):]
        if host is None and "[sshd]" in line:
            unread.append(line)
            continue
        assert host == want["host"], line
        if "user" in want:
            assert d.get("user.name", "") == want["user"], line
        checked += 1
    assert checked == 95 and len(unread) == 2
    # what kind of line each is: refusals are failed logins, disconnects only name the client
    by_line = {line: flat(doc) for (line, _), doc in zip(cases, res.records)}
    outcome = {line: d.get("event.outcome") for line, d in by_line.items()}
    assert outcome["Jan  5 01:31:41 www sshd[1643]: ROOT LOGIN REFUSED FROM 1.2.3.4"] == "failure"
    assert outcome["Apr 16 22:01:15 al-ribat sshd[5154]: User root from 46.45.128.3 not allowed because listed in "
                   "DenyUsers"] == "failure"
    assert outcome["Apr 29 17:53:38 Jamess-iMac.local sshd[47831]: error: PAM: authentication error for james from "
                   "205.186.180.102"] == "failure"
    assert outcome["Jul 17 23:03:05 srv sshd[1296]: Connection closed by authenticating user root 192.0.2.10 port "
                   "46038 [preauth]"] is None
    assert by_line["Jul 17 23:04:01 srv sshd[1300]: Connection closed by authenticating user test 127.0.0.1 port "
                   "12345 192.0.2.11 port 46039 [preauth]"]["source.port"] == 46039


def _journal(ident: str, message: str, comm: str | None = None, pid: str = "1181") -> str:
    """A record as `journalctl -o json` prints it (every value a string; _COMM is journald's own)."""
    rec = {"__CURSOR": "s=1;i=2", "__REALTIME_TIMESTAMP": "1733569832288613", "_HOSTNAME": "ip-172-31-10-246",
           "PRIORITY": "6", "SYSLOG_FACILITY": "10", "SYSLOG_IDENTIFIER": ident, "_PID": pid, "MESSAGE": message}
    if comm is not None:
        rec["_COMM"] = comm
    return json.dumps(rec)


def test_journald_records_of_sshd_sudo_and_the_kernel_read_as_their_syslog_lines():
    # Debian 12 and later keep auth events in the journal only (no rsyslog, no auth.log):
    # `journalctl -o json -f | kafkainsight produce -` must see the same logins as auth.log gives.
    lines = [
        _journal("sshd-session", "Failed password for invalid user admin from 45.155.205.9 port 4242 ssh2", "sshd-session"),
        _journal("sshd", "Accepted publickey for deploy from 203.0.113.8 port 22 ssh2: ED25519 SHA256:abc", "sshd"),
        _journal("sudo", "pam_unix(sudo:session): session opened for user root(uid=0) by ubuntu(uid=1000)", "sudo"),
        _journal("CRON", "pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)", "cron"),
        _journal("kernel", "[UFW BLOCK] IN=eth0 OUT= MAC=90:10:35:5a:1e:3a:90:10:9e:ec:2c:71:08:00 SRC=203.0.113.36 "
                           "DST=172.16.54.114 LEN=52 TOS=0x00 PREC=0x00 TTL=115 ID=15743 DF PROTO=TCP SPT=17805 DPT=445 "
                           "WINDOW=8192 RES=0x00 SYN URGP=0"),
        # `logger -t sshd …` by any local user: journald's _COMM says logger, so no login is read
        _journal("sshd", "Failed password for root from 198.51.100.9 port 22 ssh2", "logger", pid="4242"),
        # Postfix and Dovecot name their program otherwise than their process
        _journal("postfix/submission/smtpd", "warning: unknown[82.221.106.233]: SASL LOGIN authentication failed: "
                 "UGFzc3dvcmQ6", "smtpd"),
        _journal("dovecot", "imap-login: Disconnected (auth failed, 1 attempts in 2 secs): user=<info>, method=PLAIN, "
                 "rip=198.51.100.23, lip=192.0.2.1, TLS", "imap-login"),
    ]
    res = ki.read_logs(lines)
    assert res.failed == []
    f, a, s, c, k, forged, smtp, imap = (flat(d) for d in res.records)
    assert (smtp["source.ip"], smtp["event.outcome"]) == ("82.221.106.233", "failure")
    assert (imap["source.ip"], imap["user.name"], imap["event.outcome"]) == ("198.51.100.23", "info", "failure")
    assert (f["event.outcome"], f["user.name"], f["source.ip"], f["source.port"]) == ("failure", "admin", "45.155.205.9", 4242)
    assert (f["process.name"], f["host.hostname"], f["@timestamp"]) == ("sshd-session", "ip-172-31-10-246", "2024-12-07T11:10:32.288613Z")
    assert (a["event.outcome"], a["system.auth.ssh.signature"]) == ("success", "ED25519 SHA256:abc")
    assert (s["user.name"], s["user.effective.name"]) == ("ubuntu", "root")
    assert c["user.name"] == "root"
    assert (k["source.ip"], k["destination.port"]) == ("203.0.113.36", 445)
    assert "event.outcome" not in forged and "source.ip" not in forged
    assert forged["message"] == "Failed password for root from 198.51.100.9 port 22 ssh2"


@pytest.mark.parametrize("name,read,unread", [("postfix", 57, ["does not resolve to address"]),
                                              ("dovecot", 50, ["@4000", "auth-worker(default)", "auth(info@"])])
def test_mail_server_logins_and_clients_are_the_ones_fail2ban_finds(name, read, unread):
    # fail2ban's Postfix and Dovecot test logs: every line its filters count from a host written in
    # the line gives that host as the client; every line read as a failed login is one fail2ban
    # counts too (a lost auth server or an unknown SASL mechanism is no password tried). Not read:
    # lines with no syslog header (multilog's TAI64N, a bare date) or Dovecot 2.3's user in the tag,
    # and Postfix's reverse-DNS warning (its address is the name's, not the client's).
    cases = fail2ban_cases(REAL_F2B / name)
    res = ki.read_logs([line for line, _ in cases], year=2005)
    assert res.failed == [] and len(res.records) == len(cases)
    checked, missed = 0, []
    for (line, want), doc in zip(cases, res.records):
        d = flat(doc)
        counted = bool(want and want.get("match"))
        if d.get("event.outcome") == "failure":
            assert counted, line
            assert d["event.action"] in ("smtp_auth", "mail_login") and d["event.category"] == ["authentication"], line
        if counted and want.get("host") and want["host"] in line:
            if d.get("source.ip") is None:
                missed.append(line)
                continue
            assert d["source.ip"] == want["host"], line
            checked += 1
    assert checked == read
    assert len(missed) == sum(1 for line in missed if any(u in line for u in unread)) and missed, missed


def test_postfix_and_dovecot_logins_name_the_client_not_what_the_client_wrote():
    lines = [
        "Sep  6 00:44:56 trianon postfix/submission/smtpd[11538]: warning: unknown[82.221.106.233]: SASL LOGIN "
        "authentication failed: UGFzc3dvcmQ6",
        "Mar 10 13:33:30 gandalf postfix/smtpd[3937]: 1A2B3C: client=mail.example.com[192.0.2.9], sasl_method=PLAIN, "
        "sasl_username=bob",
        "Jun 13 16:30:54 platypus dovecot: imap-login: Disconnected (auth failed, 2 attempts): user=<a>, rip=6.6.6.6, x=<>,"
        " method=PLAIN, rip=49.176.98.87, lip=113.212.99.194, TLS",
        "Jun 13 16:31:00 platypus dovecot: imap-login: Login: user=<bob>, method=PLAIN, rip=49.176.98.87, "
        "lip=113.212.99.194, mpid=7, TLS",
        # A name that holds Dovecot's failure words does not make a clean disconnect a failure.
        "Jun 13 16:32:00 platypus dovecot: imap-login: Disconnected (no auth attempts in 0 secs): "
        "user=<x (auth failed)>, rip=49.176.98.88, lip=113.212.99.194, TLS",
    ]
    f, ok, inj, login, named = (flat(d) for d in ki.read_logs(lines, year=2026).records)
    assert (named["source.ip"], named.get("event.outcome")) == ("49.176.98.88", None)
    assert (f["source.ip"], f["event.action"], f["event.outcome"], f.get("user.name")) == \
        ("82.221.106.233", "smtp_auth", "failure", None)
    assert (ok["source.ip"], ok["source.domain"], ok["user.name"], ok["event.outcome"]) == \
        ("192.0.2.9", "mail.example.com", "bob", "success")
    assert (inj["source.ip"], inj["event.outcome"]) == ("49.176.98.87", "failure")  # the last rip=, after the name
    assert (login["user.name"], login["event.outcome"], login["event.action"]) == ("bob", "success", "mail_login")
