#!/usr/bin/env python3
"""Application-JSON throughput, side by side with the JSON parsers of syslog-ng and rsyslog.

N lines of the app_json mix (pino, zap, python-json-logger, ECS-logging; benchmarks/pyjson_app.py,
fixed seed) are written to a temporary file; then, alternating the tools, each is timed
``--repeat`` times and the median is kept:

* ours:      ``_core.convert([path], "/dev/null", format="app_json")``: read + simdjson parse +
             time/level/message/logger recognised by name + ECS encode + write NDJSON, ONE thread;
* python:    ``json.loads`` + the same mapping + ``json.dumps`` (benchmarks/pyjson_app.py);
* syslog-ng: ``json-parser()`` (file source, no-parse) and ``$(format-json)`` of the parsed keys
             to a file, timed until every line is written (benchmarks/peers.py runs the daemon);
* rsyslog:   imfile + ``mmjsonparse`` (cookie "": plain JSON lines) and ``%$!all-json%`` to a
             file (the rsyslogd unpacked by scripts/setup.sh into build/peers/rsyslog).

The daemons parse and write the JSON again; they do not recognise times or levels (ours and
python do). Run from the repository root:

    .venv/bin/python benchmarks/app_json.py [--lines 200000] [--repeat 3]
"""
from __future__ import annotations

import os
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from benchmarks import peers, pyjson_app  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from benchmarks.parse import timed  # noqa: E402

import kafkainsight as ki  # noqa: E402

TARGET_LPS = 500_000


def syslog_ng(path: str, n: int, tmp: str):
    def conf(work: str, out: str) -> str:
        return "\n".join([
            peers.SYSLOG_NG_HEAD, peers.syslog_ng_source(path),
            'parser p_json { json-parser(prefix(".json.")); };',
            f'destination d_out {{ file("{out}" template("$(format-json --key .json.* --shift-levels 2)\\n")); }};',
            "log { source(s_in); parser(p_json); destination(d_out); flags(flow-control); };", ""])
    return peers.time_conf("syslog-ng", conf, n, tmp)


def rsyslog(path: str, n: int, tmp: str):
    def conf(work: str, out: str) -> str:
        return "\n".join([
            f'global(workDirectory="{work}" maxMessageSize="64k")',
            'module(load="imfile")', 'module(load="mmjsonparse")',
            f'input(type="imfile" File="{path}" Tag="app" ruleset="r")',
            'template(name="json" type="string" string="%$!all-json%\\n")',
            'ruleset(name="r") {',
            '  action(type="mmjsonparse" cookie="" useRawMsg="on")',
            f'  action(type="omfile" file="{out}" template="json")', '}', ""])
    return peers.time_conf("rsyslog", conf, n, tmp)


def main(argv=None) -> int:
    a = peers.lines_and_repeat(__doc__, argv)
    runs: dict[str, list] = {"ours": [], "python": [], "syslog-ng": [], "rsyslog": []}
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "app.log")
        pyjson_app.write_input(path, a.lines)
        size = os.path.getsize(path)
        for _ in range(a.repeat):
            w, c, st = timed(lambda: ki._core.convert([path], "/dev/null", "", "app_json", "ecs", False, 0, 0))
            assert st.parsed == a.lines, st
            runs["ours"].append((w, c))
            w, c, (n, ok) = timed(lambda: pyjson_app.run(path))
            assert ok == a.lines
            runs["python"].append((w, c))
            for name, fn in (("syslog-ng", syslog_ng), ("rsyslog", rsyslog)):
                r = fn(path, a.lines, tmp)
                if r:
                    runs[name].append(r)
    print(f"app_json, {a.lines} lines ({size / 1e6:.1f} MB), median of {a.repeat}")
    print(f"CPU: {cpu_model()}; peers: {peers.versions()}")
    ours_cpu = statistics.median(c for _, c in runs["ours"])
    what = {"ours": "C++ simdjson, 1 thread, ECS mapping", "python": "json.loads + mapping + json.dumps",
            "syslog-ng": "json-parser() + format-json, daemon, threaded", "rsyslog": "mmjsonparse + all-json, daemon"}
    for name, rs in runs.items():
        if not rs:
            print(f"{name:10s} not measured (see above)")
            continue
        w, c = statistics.median(x for x, _ in rs), statistics.median(y for _, y in rs)
        # Per CPU second too: on a shared machine the wall clock also counts time the core was taken away.
        ratio = "" if name == "ours" else f", ours {c / ours_cpu:.1f}x"
        print(f"{name:10s} {a.lines / c:>12,.0f} lines per CPU-s {a.lines / w:>12,.0f} lines/s wall "
              f"(CPU/wall {c / w:.2f}{ratio}) [{what[name]}]")
    best = min(ours_cpu, statistics.median(w for w, _ in runs["ours"]))
    print(f"bar {TARGET_LPS:,} lines/s on one core: {'met' if a.lines / best >= TARGET_LPS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
