"""BSD syslog's tag read as a real syslog-ng reads it: 200 lines each of loghub's macOS and Linux
samples go through syslog-ng (a file source, its $PROGRAM, $PID and $MSG written as JSON), and
read_logs must give each line the same program, pid and message, and the host and tag loghub's
own parse (its structured CSV) names. macOS writes "name[pid] (context): message" with no ':'
after the pid."""
from __future__ import annotations

import csv
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

import kafkainsight as ki

SYSLOG_NG = shutil.which("syslog-ng") or "/usr/sbin/syslog-ng"
LOGHUB = Path(__file__).parent / "data" / "real" / "loghub"
pytestmark = pytest.mark.skipif(not os.path.exists(SYSLOG_NG), reason="syslog-ng not installed (scripts/setup.sh)")


def _through_syslog_ng(src: Path, tmp_path: Path) -> list[dict]:
    out = tmp_path / f"{src.stem}.json"
    conf = tmp_path / f"{src.stem}.conf"
    conf.write_text("\n".join([
        "@version: 3.38",
        "options { stats_freq(0); keep_hostname(yes); };",
        f'source s {{ file("{src}" follow-freq(1)); }};',
        f'destination d {{ file("{out}" template("$(format-json --scope none host=$HOST program=$PROGRAM '
        'pid=$PID msg=$MSG)\\n")); };',
        "log { source(s); destination(d); };", ""]))
    n = sum(1 for _ in open(src, "rb"))
    daemon = subprocess.Popen([SYSLOG_NG, "-F", "-f", str(conf), "-R", str(tmp_path / f"{src.stem}.persist"),
                               "-p", str(tmp_path / f"{src.stem}.pid"), "-c", str(tmp_path / f"{src.stem}.ctl"),
                               "--no-caps"], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert daemon.poll() is None, daemon.stderr.read().decode()
            if out.exists() and sum(1 for _ in open(out, "rb")) >= n:
                break
            time.sleep(0.1)
        return [json.loads(line) for line in open(out, encoding="utf-8")]
    finally:
        daemon.terminate()
        daemon.wait(10)


@pytest.mark.parametrize("name", ["Mac", "Linux"])
def test_tags_are_read_as_syslog_ng_reads_them(name, tmp_path):
    src = tmp_path / f"{name}.log"
    src.write_bytes((LOGHUB / f"{name}.log").read_bytes().rstrip(b"\n") + b"\n")  # loghub's last line has no newline
    theirs = _through_syslog_ng(src, tmp_path)
    r = ki.read_logs(LOGHUB / f"{name}.log")
    assert (r.stats["parsed"], r.stats["failed"]) == (200, 0), r.failed[:3]
    assert len(theirs) == 200
    with open(LOGHUB / f"{name}_structured.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    tagged = blanks = 0
    for d, ng, row in zip(r.records, theirs, rows):
        proc = d.get("process", {})
        assert d["host"]["hostname"] == ng["host"] == row["User" if name == "Mac" else "Level"], row["LineId"]
        if "name" not in proc:
            # No tag in the line (Linux's "syslogd 1.4.1: restart."): syslog-ng takes the first word
            # as the program; the line's text stays whole in the message.
            assert d["message"] == f"{ng['program']} {ng['msg']}", row["LineId"]
            continue
        tagged += 1
        assert proc["name"] == row["Component"] and str(proc.get("pid", "")) == row["PID"], row["LineId"]
        if " " in proc["name"]:
            # "Microsoft Word[1061]: …": syslog-ng ends the program at the blank; loghub, Filebeat
            # and we take the name up to "[pid]:".
            assert ng["program"] == proc["name"].split(" ")[0], row["LineId"]
            blanks += 1
            continue
        assert proc["name"] == ng["program"] and str(proc.get("pid", "")) == ng.get("pid", ""), row["LineId"]
        assert d["message"] == ng["msg"], row["LineId"]
    assert tagged >= 195 and blanks < 10
    if name == "Mac":  # the lines with "name[pid] (context):" are among them
        assert sum(1 for d in r.records if d["message"].startswith("(")) >= 5
