#!/usr/bin/env python3
"""Grok throughput: a 6-field grok pattern, the KafkaInsight C++ core (PCRE2 + JIT) vs Python's
``re`` with the same regex.

N lines of an in-house access format are written with a fixed seed to a temporary file; then,
alternating the two, each is timed ``--repeat`` times and the median is kept:

* ours:   ``_core.convert([path], "/dev/null", grok=...)``: read + grok match + typed fields +
          @timestamp + ECS encode (nested JSON) + write NDJSON, in C++ on ONE thread;
* python: the same expanded regex (``_core.grok_regex``, PCRE2 named groups renamed to Python's)
          compiled with ``re``; per line ``search`` + a dict of the captures (int/float converted,
          nothing else: no time parsing, no nesting) + ``json.dumps``;
* syslog-ng (if installed): the same regex in ``regexp-parser()`` (PCRE), a file source
          (no-parse) and ``$(format-json)`` to a file, timed until every line is written
          (benchmarks/peers.py runs the daemon).

Run from the repository root:

    .venv/bin/python benchmarks/grok.py [--lines 200000] [--repeat 3]
"""
from __future__ import annotations

import json
import os
import random
import re
import statistics
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from benchmarks import peers  # noqa: E402
from benchmarks.machine import cpu_model  # noqa: E402
from benchmarks.parse import timed  # noqa: E402

import kafkainsight as ki  # noqa: E402
from kafkainsight._options import grok_config  # noqa: E402

PATTERN = ("%{TIMESTAMP_ISO8601:timestamp} %{IP:source.ip} %{WORD:http.request.method} "
           "%{URIPATHPARAM:url.original} %{INT:http.response.status_code:int} %{NUMBER:event.duration_s:float}")
TARGET_LPS = 300_000


def write_lines(path: str, n: int, seed: int = 42) -> int:
    rnd = random.Random(seed)
    methods = ["GET", "GET", "GET", "POST", "PUT", "DELETE"]
    paths = ["/api/v1/orders", "/api/v1/orders/%d", "/static/app.%d.js", "/health", "/api/v1/users/%d?expand=cart"]
    with open(path, "w") as f:
        for i in range(n):
            p = rnd.choice(paths)
            p = p % rnd.randint(1, 99999) if "%d" in p else p
            f.write(f"2026-12-04T10:{(i // 60000) % 60:02d}:{(i // 1000) % 60:02d}.{i % 1000:03d}Z "
                    f"10.{rnd.randint(0, 255)}.{rnd.randint(0, 255)}.{rnd.randint(1, 254)} {rnd.choice(methods)} {p} "
                    f"{rnd.choice([200, 200, 200, 201, 204, 301, 404, 500])} {rnd.random():.4f}\n")
    return os.path.getsize(path)


def python_re(path: str, regex: str, caps: list) -> int:
    rx = re.compile(regex.replace("(?<g", "(?P<g"))
    conv = {"int": int, "float": float}
    fields = [(f"g{i}", name, conv.get(t)) for i, (name, t) in enumerate(caps)]
    n = 0
    with open(path) as f, open(os.devnull, "w") as out:
        for line in f:
            m = rx.search(line.rstrip("\n"))
            if m is None:
                continue
            d = {}
            for g, name, c in fields:
                v = m.group(g)
                if v:
                    d[name] = c(v) if c else v
            out.write(json.dumps(d) + "\n")
            n += 1
    return n


def syslog_ng(path: str, regex: str, n: int, tmp: str):
    """(wall, cpu) of syslog-ng's regexp-parser with the same regex, or None if it is not installed."""
    quoted = regex.replace("\\", "\\\\").replace('"', '\\"')

    def conf(work: str, out: str) -> str:
        return "\n".join([
            peers.SYSLOG_NG_HEAD, peers.syslog_ng_source(path),
            f'parser p_grok {{ regexp-parser(patterns("{quoted}") prefix(".g.")); }};',
            f'destination d_out {{ file("{out}" template("$(format-json --key .g.*)\\n")); }};',
            "log { source(s_in); parser(p_grok); destination(d_out); flags(flow-control); };", ""])
    return peers.time_conf("syslog-ng", conf, n, tmp)


def main(argv=None) -> int:
    a = peers.lines_and_repeat(__doc__, argv)
    regex, caps = ki._core.grok_regex(PATTERN)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "grok.log")
        size = write_lines(path, a.lines)
        g = grok_config(PATTERN)
        ours, py, sng = [], [], []
        for _ in range(a.repeat):
            s = syslog_ng(path, regex, a.lines, tmp)
            if s:
                sng.append(s)
            w, c, st = timed(lambda: ki._core.convert([path], "/dev/null", "", "grok", "ecs", False, 0, 0, grok=g))
            assert st.parsed == a.lines, st
            ours.append((w, c))
            w, c, n = timed(lambda: python_re(path, regex, caps))
            assert n == a.lines
            py.append((w, c))
    ow = statistics.median(w for w, _ in ours)
    pw = statistics.median(w for w, _ in py)
    oc = statistics.median(c for _, c in ours)
    pc = statistics.median(c for _, c in py)
    print(f"grok, {a.lines} lines ({size / 1e6:.1f} MB), pattern: {PATTERN}")
    print(f"CPU: {cpu_model()}")
    # Per CPU second too: on a shared machine the wall clock also counts time the core was taken away.
    print(f"ours (C++ PCRE2 JIT, 1 thread): {a.lines / ow:,.0f} lines/s wall, {a.lines / oc:,.0f} lines per CPU-s "
          f"({size / ow / 1e6:.0f} MB/s, CPU/wall {oc / ow:.2f})")
    print(f"python re (same regex):         {a.lines / pw:,.0f} lines/s wall, {a.lines / pc:,.0f} lines per CPU-s "
          f"(CPU/wall {pc / pw:.2f})")
    if sng:
        sw, sc = statistics.median(w for w, _ in sng), statistics.median(c for _, c in sng)
        print(f"syslog-ng regexp-parser (same regex, daemon): {a.lines / sw:,.0f} lines/s wall, "
              f"{a.lines / sc:,.0f} lines per CPU-s (CPU/wall {sc / sw:.2f}; threaded, may use both cores)")
    best = min(ow, oc)
    print(f"speed-up (CPU): {pc / oc:.1f}x; bar {TARGET_LPS:,} lines/s on one core: "
          f"{'met' if a.lines / best >= TARGET_LPS else 'NOT met'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
