#!/usr/bin/env python3
"""Side-by-side parse + encode throughput: the KafkaInsight C++ core vs a pure-Python regex parser.

Same process, same machine, same input files. For every format, N lines are generated with a
fixed seed into a temporary file; then, alternating the two tools, each is timed ``--repeat``
times and the median is kept:

* ours:   ``kafkainsight._core.convert([path], "/dev/null", format="auto", schema="ecs")`` --
          read + detect + parse + ECS-encode + write NDJSON, all in C++ on ONE thread;
* python: ``benchmarks.pyregex_parser.run(path)`` -- read + detect + regex parse + json.dumps.

Both auto-detect the format per line and produce ECS-shaped JSON. Wall time is
``time.perf_counter``; CPU time is ``time.process_time`` (the whole process, so a CPU/wall
ratio of ~1.0 shows that a run used one core). MB/s is input MB (10^6 bytes, line ends
included) per wall second.

Run from the repository root:

    .venv/bin/python scripts/bench_parse.py [--lines 200000] [--repeat 3]
        [--formats apache_combined,json] [--out docs/BENCH_PARSE.md]
"""
from __future__ import annotations

import argparse
import datetime as _dt
import gc
import os
import platform
import statistics
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from benchmarks.machine import cpu_model, loadavg as load_average  # noqa: E402

import kafkainsight as ki  # noqa: E402
from benchmarks import pyjson_app, pyregex_parser  # noqa: E402

ALL_FORMATS = ("apache_common", "apache_combined", "apache_error", "rfc3164", "rfc5424", "json")
# Application JSON (a fixed mix of pino, zap, python-json-logger and ECS lines), against
# json.loads + the same mapping in Python (benchmarks/pyjson_app.py). Not in the default set.
EXTRA_FORMATS = ("app_json",)
SEED = 42
START = 1700000000  # 2023-11-14T22:13:20Z
TARGET_FORMAT = "apache_combined"
TARGET_LPS = 1_500_000


def core_count() -> str:
    logical = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = logical
    return f"{logical} logical" + (f" ({usable} usable)" if usable != logical else "")


def timed(fn):
    """(wall seconds, cpu seconds, result) of one call, with the GC quiet and collected first."""
    gc.collect()
    gc_was = gc.isenabled()
    gc.disable()
    try:
        c0, t0 = time.process_time(), time.perf_counter()
        res = fn()
        t1, c1 = time.perf_counter(), time.process_time()
    finally:
        if gc_was:
            gc.enable()
    return t1 - t0, c1 - c0, res


def bench_format(fmt: str, lines: int, repeat: int, tmpdir: str, log) -> dict:
    path = os.path.join(tmpdir, f"{fmt}.log")
    if fmt == "app_json":
        pyjson_app.write_input(path, lines, SEED)
    else:
        ki.generate(fmt, lines, output=path, seed=SEED, start=START, sleep="1s")
    size = os.path.getsize(path)

    def ours():
        return ki._core.convert([path], "/dev/null", "", "auto", "ecs", False, 0, 0)

    def python():
        return pyjson_app.run(path) if fmt == "app_json" else pyregex_parser.run(path)

    # Warm-up: page cache, first-touch of the tables, regex caches (not timed).
    ours()
    python()

    runs = {"ours": [], "python": []}
    counts = {}
    for i in range(repeat):
        order = (("ours", ours), ("python", python)) if i % 2 == 0 else (("python", python), ("ours", ours))
        for name, fn in order:
            wall, cpu, res = timed(fn)
            runs[name].append((wall, cpu))
            if name == "ours":
                counts["ours"] = (res["lines"], res["parsed"], res["failed"])
            else:
                counts["python"] = (res[0], res[1], res[0] - res[1])
            log(f"  {fmt:16s} run {i + 1}/{repeat} {name:6s} wall {wall:7.3f} s  cpu {cpu:7.3f} s")

    out = {"format": fmt, "lines": lines, "bytes": size, "counts": counts}
    for name, rs in runs.items():
        wall = statistics.median(w for w, _ in rs)
        cpu = statistics.median(c for _, c in rs)
        n = counts[name][0]
        out[name] = {
            "wall": wall,
            "cpu": cpu,
            "lps": n / wall if wall else float("inf"),
            "mbps": size / 1e6 / wall if wall else float("inf"),
            "cpu_lps": n / cpu if cpu else float("inf"),
        }
    out["speedup"] = out["python"]["wall"] / out["ours"]["wall"] if out["ours"]["wall"] else float("inf")
    os.unlink(path)
    return out


def fmt_int(x: float) -> str:
    return f"{x:,.0f}"


def render(results: list[dict], args, started: str) -> str:
    lines = [
        "# Parse + encode throughput: C++ core vs pure-Python regex",
        "",
        f"- Date: {started}",
        f"- CPU: {cpu_model()}, {core_count()} cores; load average at the end: {load_average()}",
        f"- Python: {platform.python_implementation()} {platform.python_version()}; "
        f"kafkainsight {ki.__version__}; OS: {platform.platform()}",
        f"- Input: {args.lines:,} generated lines per format (seed {SEED}, start {START}, 1 s apart), "
        f"one temporary file each; median of {args.repeat} runs, the two tools alternating.",
        "- **Ours** = `kafkainsight._core.convert([path], \"/dev/null\", format=\"auto\", schema=\"ecs\")`: "
        "read + per-line format detection + parse + ECS JSON encode + write, in C++, "
        "**single-threaded (one core)**.",
        "- **Python** = `benchmarks/pyregex_parser.run(path)`: read + detection + compiled-regex parse + "
        "`json.dumps`, one core (GIL).",
        "- lines/s and MB/s are per wall-clock second (MB = 10^6 input bytes incl. line ends); "
        "CPU s = `time.process_time` of the run (≈ wall when one core does the work).",
        "",
        "| format | ours lines/s | ours MB/s | python lines/s | python MB/s | speed-up × |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        o, p = r["ours"], r["python"]
        lines.append(
            f"| {r['format']} | {fmt_int(o['lps'])} | {o['mbps']:.1f} | {fmt_int(p['lps'])} | "
            f"{p['mbps']:.1f} | {r['speedup']:.1f} |"
        )
    lines += [
        "",
        "Details (medians):",
        "",
        "| format | avg line B | ours wall s | ours CPU s | ours lines/CPU-s | python wall s | python CPU s "
        "| python lines/CPU-s | speed-up (CPU) × | parsed ours / python (of lines) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        o, p = r["ours"], r["python"]
        co, cp = r["counts"]["ours"], r["counts"]["python"]
        lines.append(
            f"| {r['format']} | {r['bytes'] / r['lines']:.0f} | {o['wall']:.3f} | {o['cpu']:.3f} | "
            f"{fmt_int(o['cpu_lps'])} | {p['wall']:.3f} | {p['cpu']:.3f} | {fmt_int(p['cpu_lps'])} | "
            f"{(p['cpu'] / o['cpu'] if o['cpu'] else float('inf')):.1f} | {co[1]:,} / {cp[1]:,} (of {co[0]:,}) |"
        )
    target = [r for r in results if r["format"] == TARGET_FORMAT]
    if target:
        lps = target[0]["ours"]["lps"]
        verdict = "meets" if lps >= TARGET_LPS else "falls short of"
        lines += [
            "",
            f"Target: ≥ {TARGET_LPS:,} {TARGET_FORMAT} lines/s per core (parse + encode). "
            f"Measured end to end (with file read and NDJSON write): {fmt_int(lps)} lines/s per wall second, "
            f"{fmt_int(target[0]['ours']['cpu_lps'])} lines per CPU second — {verdict} the target.",
            "",
            "The machine is shared: when CPU s is well below wall s the run was descheduled, and the "
            "per-CPU-second figures are the better measure of per-core speed.",
        ]
    lines += [
        "",
        "Reproduce: `.venv/bin/python scripts/bench_parse.py --lines "
        f"{args.lines} --repeat {args.repeat}`. In-memory C++ numbers (no I/O): "
        "`cpp/bench/parse_bench.cc` (build with `-DKI_BUILD_BENCH=ON`).",
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=200_000, help="lines generated per format (default 200000)")
    ap.add_argument("--repeat", type=int, default=3, help="timed runs per tool; the median is kept (default 3)")
    ap.add_argument("--formats", default=",".join(ALL_FORMATS),
                    help="comma-separated formats (default: all six)")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCH_PARSE.md"),
                    help="markdown report path (default docs/BENCH_PARSE.md; '' or '-' = do not write)")
    ap.add_argument("--quiet", action="store_true", help="no per-run lines")
    args = ap.parse_args(argv)

    formats = [f.strip() for f in args.formats.split(",") if f.strip()]
    bad = [f for f in formats if f not in ALL_FORMATS + EXTRA_FORMATS]
    if bad:
        ap.error(f"unknown format(s) {', '.join(bad)}; choose from {', '.join(ALL_FORMATS + EXTRA_FORMATS)}")
    if args.lines <= 0 or args.repeat <= 0:
        ap.error("--lines and --repeat must be positive")

    log = (lambda s: None) if args.quiet else (lambda s: print(s, file=sys.stderr, flush=True))
    started = _dt.datetime.now(_dt.timezone.utc).astimezone().strftime("%Y-%m-%d %H:%M:%S %Z")
    results = []
    with tempfile.TemporaryDirectory(prefix="ki-bench-") as tmp:
        for fmt in formats:
            results.append(bench_format(fmt, args.lines, args.repeat, tmp, log))

    report = render(results, args, started)
    print(report)
    if args.out and args.out != "-":
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report)
        print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
