"""Debian's package logs: dpkg's (/var/log/dpkg.log, recipe DPKGLOG, read without options), apt's
history (/var/log/apt/history.log, recipe APTHISTORY, its records joined with --multiline apt)
and update-alternatives' (/var/log/alternatives.log, recipe ALTERNATIVESLOG): the files the real
dpkg, apt and update-alternatives wrote on this machine while scripts/setup.sh installed its
packages, and plaso's test files; each document checked against its lines split by the test itself."""
from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest

import kafkainsight as ki

PLASO = Path(__file__).parent / "data" / "real" / "debian" / "dpkg.log"
SYSTEM = Path("/var/log/dpkg.log")
PLASO_APT = Path(__file__).parent / "data" / "real" / "debian" / "apt_history.log"
SYSTEM_APT = Path("/var/log/apt/history.log")
SYSTEM_ALTERNATIVES = Path("/var/log/alternatives.log")


def _check(lines, docs):
    assert len(docs) == len(lines)
    for line, d in zip(lines, docs):
        date, clock, action, *args = line.split(" ")
        assert d["kafkainsight"]["recipe"] == "DPKGLOG" and d["event"]["action"] == action
        assert d["@timestamp"] == f"{date}T{clock}Z"  # local time, read in --tz (UTC here)
        pkg = d.get("package", {})
        if action == "status":
            state, name, version = args
            assert (d["dpkg"]["status"], pkg.get("version", "<none>")) == (state, version)
        elif action == "startup":
            assert d["dpkg"]["startup"] == " ".join(args)
            continue
        elif action == "conffile":
            assert (d["file"]["path"], d["dpkg"]["conffile"]) == tuple(args)
            continue
        else:
            name, before, after = args
            assert pkg["version"] == (before if after == "<none>" else after)
            assert d.get("dpkg", {}).get("previous_version") == (None if "<none>" in (before, after) else before)
        assert pkg["name"] + (":" + pkg["architecture"] if "architecture" in pkg else "") == name


def test_plasos_dpkg_log():
    lines = PLASO.read_text().splitlines()
    r = ki.read_logs(PLASO)
    assert r.stats["failed"] == 0
    _check(lines, r.records)


@pytest.mark.skipif(not SYSTEM.exists() or SYSTEM.stat().st_size == 0, reason="no dpkg log on this machine")
def test_this_machines_dpkg_log(tmp_path):
    # A copy: dpkg may append while the test reads (another job installing).
    copy = tmp_path / "dpkg.log"
    copy.write_bytes(SYSTEM.read_bytes())
    lines = [x for x in copy.read_text(errors="replace").splitlines() if x]
    r = ki.read_logs(copy)
    assert (r.stats["parsed"], r.stats["failed"]) == (len(lines), 0), r.failed[:3]
    _check(lines, r.records)
    actions = {d["event"]["action"] for d in r.records}
    assert {"install", "status", "configure", "startup"} <= actions, actions


_APT_LISTS = ("Install", "Reinstall", "Upgrade", "Downgrade", "Remove", "Purge")


def _apt_records(text: str) -> list[dict[str, str]]:
    """apt's history split by the test: records between blank lines, "Tag: value" lines."""
    out = []
    for block in text.split("\n\n"):
        lines = [x for x in block.splitlines() if x]
        if lines:
            out.append(dict(x.split(": ", 1) for x in lines))
    return out


def _check_apt(text: str, docs: list[dict]) -> None:
    want = _apt_records(text)
    assert len(docs) == len(want) > 0
    for rec, d in zip(want, docs):
        assert d["kafkainsight"]["recipe"] == "APTHISTORY", rec
        start = rec["Start-Date"].replace("  ", "T") + "Z"  # local time, --tz UTC
        assert d["@timestamp"] == start
        if "End-Date" in rec:  # (not yet written while apt runs)
            end = rec["End-Date"].replace("  ", "T") + "Z"
            assert d["event"]["end"] == end
            assert d["event"]["duration"] == (datetime.fromisoformat(end) - datetime.fromisoformat(start)).seconds * 10**9
        assert d.get("process", {}).get("command_line") == rec.get("Commandline")
        assert d.get("error", {}).get("message") == rec.get("Error")
        for tag in _APT_LISTS:
            assert d.get("apt", {}).get(tag.lower()) == rec.get(tag), tag
        if "Requested-By" in rec:
            name, uid = rec["Requested-By"].rstrip(")").split(" (")
            assert (d["user"]["name"], d["user"]["id"]) == (name, uid)
        assert set(rec) <= {"Start-Date", "End-Date", "Commandline", "Requested-By", "Error", *_APT_LISTS}, rec


def test_plasos_apt_history_joined_into_records():
    text = PLASO_APT.read_text()
    r = ki.read_logs(PLASO_APT, multiline="apt")
    assert r.failed == [] and r.stats["lines"] == len(text.splitlines())
    _check_apt(text, r.records)
    assert r.records[2]["error"]["message"] == "Sub-process /usr/bin/dpkg returned an error code (1)"
    # Read line by line, each record's line says how to join them (the blank lines are empty).
    plain = ki.read_logs(PLASO_APT)
    assert plain.records == [] and len(plain.failed) == 13 and plain.stats["empty"] == 3
    # ("Error: …" alone is too common a start to name it.)
    assert all("--multiline apt" in f["reason"] for f in plain.failed if not f["line"].startswith("Error: "))


def test_apt_history_requested_by_and_a_record_cut_short():
    # sudo apt writes who asked; a run that died leaves no End-Date (the record still reads).
    lines = ["Start-Date: 2024-03-01  10:00:00", "Commandline: apt install htop", "Requested-By: ana (1000)",
             "Install: htop:amd64 (3.2.2-2)", "End-Date: 2024-03-01  10:00:03", "",
             "Start-Date: 2024-03-01  11:00:00", "Commandline: apt remove htop", "Remove: htop:amd64 (3.2.2-2)"]
    r = ki.read_logs(lines, multiline="apt", tz="+01:00")
    assert r.failed == [] and len(r.records) == 2
    first, cut = r.records
    assert (first["user"]["name"], first["user"]["id"], first["apt"]["install"]) == ("ana", "1000", "htop:amd64 (3.2.2-2)")
    assert (first["@timestamp"], first["event"]["end"], first["event"]["duration"]) == \
        ("2024-03-01T10:00:00+01:00", "2024-03-01T10:00:03+01:00", 3 * 10**9)
    assert cut["apt"]["remove"] == "htop:amd64 (3.2.2-2)" and "end" not in cut.get("event", {})
    # A tag apt does not write is not guessed at: the record fails with what it is.
    odd = ki.read_logs(["Start-Date: 2024-03-01  10:00:00", "Frobnicate: x", "End-Date: 2024-03-01  10:00:01"],
                       multiline="apt")
    assert odd.records == [] and "a record of apt's history log" in odd.failed[0]["reason"]


@pytest.mark.skipif(not SYSTEM_APT.exists() or "Start-Date: " not in SYSTEM_APT.read_text(errors="replace"),
                    reason="no apt history on this machine")
def test_this_machines_apt_history(tmp_path):
    copy = tmp_path / "history.log"
    copy.write_bytes(SYSTEM_APT.read_bytes())
    text = copy.read_text(errors="replace")
    r = ki.read_logs(copy, multiline="apt")
    assert r.failed == [], r.failed[:2]
    _check_apt(text, r.records)


@pytest.mark.skipif(not SYSTEM_ALTERNATIVES.exists() or SYSTEM_ALTERNATIVES.stat().st_size == 0,
                    reason="no update-alternatives log on this machine")
def test_this_machines_alternatives_log(tmp_path):
    copy = tmp_path / "alternatives.log"
    copy.write_bytes(SYSTEM_ALTERNATIVES.read_bytes())
    lines = [x for x in copy.read_text(errors="replace").splitlines() if x]
    r = ki.read_logs(copy)
    assert r.failed == [] and len(r.records) == len(lines)
    for line, d in zip(lines, r.records):
        program, date, clock, message = line.split(" ", 3)
        assert d["kafkainsight"]["recipe"] == "ALTERNATIVESLOG" and d["process"]["name"] == program == "update-alternatives"
        assert (d["@timestamp"], d["message"]) == (f"{date}T{clock.rstrip(':')}Z", message)
