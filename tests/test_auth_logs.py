"""auth.log beyond sshd: sudo's command lines and the shadow tools' (useradd, groupadd) account
lines, read from Filebeat's own system/auth test file (tests/data/real/filebeat/PROVENANCE.md).
Each line has the values Filebeat's expected output states for it, under the names its current
pipelines give them (grok-auth-messages.yml: user.name, system.auth.sudo.*; common.yml:
user.effective.name from sudo's USER, event.category iam / event.type for the shadow tools)."""
from __future__ import annotations

from pathlib import Path

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
    for line in ("Dec  7 10:00:02 h sudo: pam_unix(sudo:session): session opened for user root(uid=0) by alice(uid=1000)",
                 "Dec  7 10:00:03 h sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; NEWKEY=1 ; COMMAND=/bin/ls",
                 "Dec  7 10:00:04 h sudo: alice : TTY=pts/0 ; PWD=/tmp"):
        doc = flat(ki.parse_line(line))  # no command: the message only, nothing half read
        assert not any(k.startswith("system.auth.sudo") for k in doc) and "user.name" not in doc, line
    doc = flat(ki.parse_line("Dec  7 10:00:05 h userdel[42]: failed removing user alice"))
    assert (doc["event.type"], doc["event.outcome"]) == (["user", "deletion"], "failure")
