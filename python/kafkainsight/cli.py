"""The `kafkainsight` command: generate, parse, demo (the main job)."""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time

from . import _core
from ._options import parse_duration, parse_tz
from ._version import __version__

EXIT_OK, EXIT_FAILED_LINES, EXIT_USAGE, EXIT_IO = 0, 3, 2, 1


def _cmd_generate(a: argparse.Namespace) -> int:
    from .generate import generate
    number = a.number if a.number is not None else (0 if a.bytes else 1000)
    out = a.output
    if a.type != "stdout" and not out:
        out = "generated.log"
    st = generate(a.format, number, bytes=a.bytes, output=out if a.type != "stdout" else None, type=a.type,
                  sleep=a.sleep, delay=a.delay, loop=a.loop, seed=a.seed, start=a.start, tz=a.tz)
    if a.type != "stdout":
        print(f"{out} is created. ({st['lines']} lines, {st['bytes']} bytes)", file=sys.stderr)
    return EXIT_OK


def _print_stats(stats: dict, file=sys.stderr) -> None:
    rate = stats["lines"] / stats["seconds"] if stats["seconds"] > 0 else 0.0
    print(f"lines={stats['lines']} parsed={stats['parsed']} failed={stats['failed']} empty={stats['empty']} "
          f"in {stats['seconds']:.3f}s ({rate:,.0f} lines/s, {stats['bytes'] / max(stats['seconds'], 1e-9) / 1e6:.1f} MB/s)",
          file=file)
    for fmt, n in stats["by_format"].items():
        print(f"  {fmt:16s} {n}", file=file)


def _cmd_parse(a: argparse.Namespace) -> int:
    stats = _core.convert(a.files or ["-"], a.output, a.failed or "", a.format, a.schema, a.original,
                          parse_tz(a.tz), a.year or 0)
    _print_stats(stats)
    if stats["failed"]:
        where = f" (see {a.failed})" if a.failed else " (use --failed FILE to keep them with reasons)"
        print(f"{stats['failed']} line(s) did not parse{where}", file=sys.stderr)
        return EXIT_FAILED_LINES
    return EXIT_OK


def _cmd_demo(a: argparse.Namespace) -> int:
    """Generate logs of every format, parse them, print a summary."""
    from .generate import generate
    workdir = a.workdir or tempfile.mkdtemp(prefix="kafkainsight-demo-")
    os.makedirs(workdir, exist_ok=True)
    print(f"KafkaInsight {__version__} demo (work dir {workdir})")
    files = []
    t0 = time.perf_counter()
    for fmt in ("apache_common", "apache_combined", "apache_error", "rfc3164", "rfc5424", "json"):
        path = os.path.join(workdir, f"{fmt}.log")
        generate(fmt, a.lines, output=path, type="log", seed=a.seed, sleep="1s", start=1700000000)
        files.append(path)
    gen_s = time.perf_counter() - t0
    print(f"1. generated {a.lines:,} lines in each of {len(files)} formats in {gen_s:.2f}s")
    out = os.path.join(workdir, "documents.ndjson")
    failed = os.path.join(workdir, "failed.ndjson")
    stats = _core.convert(files, out, failed, "auto", a.schema, False, 0, 0)
    print(f"2. parsed + encoded ({a.schema}) into {out}")
    _print_stats(stats, file=sys.stdout)
    with open(out, "rb") as f:
        first = f.readline()
    print("3. first document:")
    print("   " + json.dumps(json.loads(first), ensure_ascii=False))
    ok = stats["failed"] == 0 and stats["parsed"] == a.lines * len(files)
    print("result:", "OK, every line parsed" if ok else f"{stats['failed']} line(s) failed, see {failed}")
    return EXIT_OK if ok else EXIT_FAILED_LINES


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kafkainsight", description="Real-time log pipeline with a fast C++ core.")
    p.add_argument("--version", action="version", version=f"kafkainsight {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    g = sub.add_parser("generate", help="write flog-compatible fake logs",
                       description="flog-compatible fake log generator (same flags as flog 0.4.4, plus --seed).")
    g.add_argument("-f", "--format", default="apache_common", choices=[f for f in _core.FORMATS])
    g.add_argument("-o", "--output", default=None, help='output file (default "generated.log" for -t log|gz)')
    g.add_argument("-t", "--type", default="stdout", choices=["stdout", "log", "gz"])
    g.add_argument("-n", "--number", type=int, default=None, help="number of lines (default 1000)")
    g.add_argument("-b", "--bytes", type=int, default=0, help="size to generate in bytes (ignored when -n is set)")
    g.add_argument("-s", "--sleep", default="0", help="event-time interval per line, e.g. 1, 20ms, 5s (no real sleep)")
    g.add_argument("-d", "--delay", default="0", help="real delay between lines, e.g. 0.1, 20ms")
    g.add_argument("-l", "--loop", action="store_true", help="loop forever until killed")
    g.add_argument("--seed", type=int, default=0, help="random seed (0 = random); same seed, same lines")
    g.add_argument("--start", type=int, default=-1, help="epoch seconds of the first event (default now)")
    g.add_argument("--tz", default=None, help="offset written in timestamps, e.g. +08:00 (default UTC)")
    g.set_defaults(func=_cmd_generate)

    pa = sub.add_parser("parse", help="parse log files into JSON documents (NDJSON)")
    pa.add_argument("files", nargs="*", help="log files (plain or .gz); - or none for stdin")
    pa.add_argument("-f", "--format", default="auto", choices=["auto", *_core.FORMATS])
    pa.add_argument("--schema", default="ecs", choices=list(_core.SCHEMAS))
    pa.add_argument("-o", "--output", default="-", help="where documents go (default stdout)")
    pa.add_argument("--failed", default=None, help="write lines that did not parse (with reasons) here")
    pa.add_argument("--original", action="store_true", help="keep the raw line in event.original")
    pa.add_argument("--tz", default=None, help="zone of timestamps that carry none (default UTC)")
    pa.add_argument("--year", type=int, default=None, help="year for BSD syslog timestamps (default: inferred)")
    pa.set_defaults(func=_cmd_parse)

    d = sub.add_parser("demo", help="the main job on embedded defaults: generate -> parse -> summary")
    d.add_argument("--lines", type=int, default=100_000, help="lines per format (default 100000)")
    d.add_argument("--schema", default="ecs", choices=list(_core.SCHEMAS))
    d.add_argument("--seed", type=int, default=42)
    d.add_argument("--workdir", default=None)
    d.set_defaults(func=_cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        for attr in ("sleep", "delay"):
            if hasattr(args, attr):
                parse_duration(getattr(args, attr))
        return args.func(args)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (ValueError, OSError, RuntimeError) as e:
        print(f"kafkainsight: error: {e}", file=sys.stderr)
        return EXIT_USAGE if isinstance(e, ValueError) else EXIT_IO


if __name__ == "__main__":
    sys.exit(main())
