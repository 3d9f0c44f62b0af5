"""The Linux audit daemon's log (format auditd), read without options: Filebeat's auditd module
test files. Every line is a document with the time and serial of its audit(…) stamp; the values
Filebeat's expected documents state for useradd.log are ours too (the keys its module and ours
name alike: ECS's process, source, user.audit, user.terminal, event.outcome and auditd.log.*);
hex-encoded values are decoded, "?" and "(null)" left out. Where ours differ on purpose (the
record type as event.action in lower case; uid as user.id, as Filebeat's module had it before
its ECS table), docs/FORMATS.md says so."""
from __future__ import annotations

import re
from datetime import datetime, timezone
from pathlib import Path

import kafkainsight as ki
from tests.test_real_logs import flat

FB = Path(__file__).parent / "data" / "real" / "filebeat"
STAMP = re.compile(r"msg=audit\((\d+)\.(\d{3}):(\d+)\):")

# Filebeat's useradd.log-expected.json (commit c89a52d2): sequence -> the values both name alike.
USERADD = {
    584: {"@timestamp": "2021-01-17T17:12:33.686Z", "process.pid": 2940, "process.executable": "/usr/sbin/groupadd",
          "source.ip": "127.0.0.1", "user.audit.id": "1000", "user.terminal": "pts/2", "event.outcome": "success",
          "auditd.log.op": "adding group to /etc/group", "auditd.log.hostname": "ubuntu-bionic", "auditd.log.id": "1004",
          "auditd.log.ses": "14", "auditd.log.record_type": "ADD_GROUP"},
    587: {"@timestamp": "2021-01-17T17:12:33.710Z", "process.pid": 2940, "auditd.log.id": "1004", "auditd.log.op": None},
    591: {"@timestamp": "2021-01-17T17:12:33.730Z", "process.pid": 2945, "process.executable": "/usr/sbin/useradd",
          "auditd.log.op": "adding user", "auditd.log.record_type": "ADD_USER"},
    593: {"@timestamp": "2021-01-17T17:12:33.814Z", "process.executable": "/sbin/pam_tally2", "auditd.log.reset": "0",
          "auditd.log.hostname": "localhost", "user.terminal": "/dev/pts/2"},
    594: {"@timestamp": "2021-01-17T17:12:38.174Z", "user.name": "charlie", "auditd.log.op": "PAM:chauthtok",
          "process.executable": "/usr/bin/passwd", "process.pid": 2953},
    595: {"@timestamp": "2021-01-17T17:12:38.178Z", "user.name": "root", "auditd.log.op": "PAM:authentication",
          "auditd.log.record_type": "USER_AUTH", "event.outcome": "success"},
}


def test_every_line_is_a_record_with_its_audit_stamp():
    for path in sorted(FB.glob("auditd-*.log")):
        lines = [x for x in path.read_text().splitlines() if x]
        r = ki.read_logs(path)
        assert (r.stats["parsed"], r.stats["failed"]) == (len(lines), 0), (path.name, r.failed[:2])
        for line, d in zip(lines, r.records):
            sec, ms, seq = STAMP.search(line).groups()
            assert d["kafkainsight"]["format"] == "auditd"
            assert datetime.fromisoformat(d["@timestamp"]) == datetime.fromtimestamp(int(sec) + int(ms) / 1000, timezone.utc)
            assert d["auditd"]["log"]["sequence"] == int(seq)
            assert d["auditd"]["log"]["record_type"] == re.search(r"type=(\S+)", line).group(1)
            f = flat(d)
            assert not any(v in ("?", "(null)") for v in f.values()), line


def test_filebeats_values_for_useradd():
    docs = {d["auditd"]["log"]["sequence"]: flat(d) for d in ki.read_logs(FB / "auditd-useradd.log").records}
    for seq, want in USERADD.items():
        got = docs[seq]
        for k, v in want.items():
            assert got.get(k) == v, (seq, k, got.get(k), v)


def test_hex_values_pairs_inside_msg_and_the_architecture():
    d = {x["auditd"]["log"]["sequence"]: flat(x) for x in ki.read_logs(FB / "auditd-test.log").records}
    # exe=2F7573…29: a path with a blank, written in hex by auditd
    assert d[18877199]["process.executable"] == "/usr/libexec/strongswan/charon (deleted)"
    assert (d[18877199]["host.architecture"], d[18877199]["process.parent.pid"], d[18877199]["process.exit_code"]) == \
        ("x86_64", 1240, 184)
    # USER_CMD: cmd=<hex> inside msg='…' -> process.args (as Filebeat splits it), cwd -> working directory
    assert d[19600329]["process.args"] == ["/usr/lib64/nagios/plugins/check_asterisk_sip_peers", "-p", "202"]
    assert d[19600329]["process.working_directory"] == "/" and d[19600329]["event.outcome"] == "success"
    # TTY: data=<hex> with control characters, shown as ^X as Filebeat shows them
    assert d[1065565]["auditd.log.data"].startswith("eh^?^?echo test^Mvim /etc/pam.d/password-auth-ac^M")
    # PROCTITLE in hex and in quotes
    assert {d[194438]["auditd.log.proctitle"], d[194440]["auditd.log.proctitle"]} == {"bash", "sshd: burn [priv]"}


def test_a_record_sent_through_syslog():
    # audisp's syslog plugin: the record as a syslog message; its own time, the header's host.
    line = ("Mar 16 04:02:40 web1 audispd: node=web1 type=USER_AUTH msg=audit(1489636960.072:19623789): pid=28281 "
            "uid=0 auid=700 ses=6793 msg='op=PAM:authentication acct=\"root\" exe=\"/usr/sbin/sshd\" hostname=? "
            "addr=96.241.146.97 terminal=ssh res=success'")
    (d,) = ki.read_logs([line]).records
    assert (d["kafkainsight"]["format"], d["kafkainsight"]["wrapper"]) == ("auditd", "syslog")
    assert d["@timestamp"] == "2017-03-16T04:02:40.072Z" and d["host"]["hostname"] == "web1"
    assert (d["user"]["name"], d["source"]["ip"], d["event"]["outcome"]) == ("root", "96.241.146.97", "success")
