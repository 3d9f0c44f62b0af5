"""dpkg's log (/var/log/dpkg.log on Debian and Ubuntu), read without options by recipe DPKGLOG:
the lines the real dpkg wrote on this machine while scripts/setup.sh installed its packages,
and plaso's test file; each document checked against its line split by the test itself."""
from __future__ import annotations

import os
from pathlib import Path

import pytest

import kafkainsight as ki

PLASO = Path(__file__).parent / "data" / "real" / "debian" / "dpkg.log"
SYSTEM = Path("/var/log/dpkg.log")


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
