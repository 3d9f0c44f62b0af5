"""`--multiline json`: JSON log records written over several lines (pretty-printed), as a real
CPython writes them at test time with `json.dumps(indent=2)` (python-json-logger's `json_indent`,
a handler of one's own), with a plain line between them.
"""
from __future__ import annotations

import subprocess
import sys
import time

import kafkainsight as ki

SCRIPT = r'''
import json, logging, sys
from datetime import datetime, timezone

class Pretty(logging.Formatter):
    def format(self, r):
        return json.dumps({"time": datetime.fromtimestamp(r.created, timezone.utc).isoformat(),
                           "level": r.levelname, "logger": r.name, "message": r.getMessage(),
                           "ctx": {"tags": ["a", "b}"], "line": r.lineno}}, indent=2)

h = logging.StreamHandler(sys.stdout)
h.setFormatter(Pretty())
log = logging.getLogger("shop")
log.addHandler(h)
log.setLevel(logging.INFO)
log.info("paid {order}")
log.warning('a quote " and a brace { in the message')
print("a plain line between", flush=True)
log.error("failed")
'''


def test_pretty_printed_records_are_one_event_each(tmp_path):
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    path = tmp_path / "app.log"
    path.write_text(out)
    lines = out.splitlines()
    res = ki.read_logs(str(path), multiline="json", threads=1)
    assert res.stats["lines"] == len(lines)
    assert [d["message"] for d in res.records] == ["paid {order}", 'a quote " and a brace { in the message', "failed"]
    assert [d["log"]["level"] for d in res.records] == ["INFO", "WARNING", "ERROR"]
    assert all(d["log"]["logger"] == "shop" for d in res.records)
    assert res.records[0]["ctx"]["tags"] == ["a", "b}"]
    for d in res.records:
        stamp = d["@timestamp"]
        assert stamp.startswith(time.strftime("%Y-%m-%d", time.gmtime(t0))) and "ingested" not in d.get("event", {})
    # the plain line is an event of its own: dead-lettered with its reason, nothing lost
    assert [f["line"] for f in res.failed] == ["a plain line between"]
    assert res.stats["parsed"] + res.stats["failed"] == 4


def test_without_the_preset_each_line_names_it(tmp_path):
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, check=True).stdout
    path = tmp_path / "app.log"
    path.write_text(out)
    res = ki.read_logs(str(path), threads=1)
    json_lines = [f for f in res.failed if f["line"] != "a plain line between"]
    assert json_lines and all("--multiline json" in f["reason"] for f in json_lines)
