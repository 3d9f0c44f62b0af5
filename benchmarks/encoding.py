#!/usr/bin/env python3
"""What ``--encoding`` costs: the same access lines (every line with non-ASCII text in its URL and
user agent) written in UTF-8, Latin-1 and Shift_JIS, and as plain ASCII, read with
``read_logs(path, threads=1).to_arrow()``; CPU seconds of the best of ``--repeat`` runs each.

Latin-1 and Windows-1252 decode through a table (one-byte charsets), Shift_JIS through glibc's
iconv (multi-byte); an ASCII line is passed as it is.

    .venv/bin/python benchmarks/encoding.py [--lines 500000] [--repeat 5]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)

import kafkainsight as ki  # noqa: E402


def lines(n: int, word: str, agent: str) -> str:
    return "".join(f'10.0.{i % 250}.{i % 200 + 1} - - [07/Dec/2026:10:{i // 600 % 60:02d}:{i // 10 % 60:02d} +0100] '
                   f'"GET /{word}/{i}?q={word} HTTP/1.1" 200 {i} "https://example.com/" '
                   f'"Mozilla/5.0 (X11; Linux x86_64) {agent}/{i % 7}"\n' for i in range(n))


def cpu_seconds(path: str, repeat: int, **kw) -> float:
    best = float("inf")
    for _ in range(repeat):
        t = time.process_time()
        ki.read_logs(path, threads=1, **kw).to_arrow()
        best = min(best, time.process_time() - t)
    return best


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=500_000)
    ap.add_argument("--repeat", type=int, default=5)
    a = ap.parse_args(argv)
    latin = lines(a.lines, "caf\u00e9-na\u00efve", "M\u00fcller-Bot")
    japanese = lines(a.lines, "\u6771\u4eac-\u6ce8\u6587", "\u691c\u7d22Bot")
    with tempfile.TemporaryDirectory() as d:
        files = {}
        for name, text, enc in (("utf8", latin, "utf-8"), ("latin1", latin, "latin1"),
                                ("utf8_ja", japanese, "utf-8"), ("sjis", japanese, "shift_jis"),
                                ("ascii", latin.replace("\u00e9", "e").replace("\u00ef", "i").replace("\u00fc", "u"),
                                 "ascii")):
            files[name] = os.path.join(d, name + ".log")
            with open(files[name], "w", encoding=enc) as f:
                f.write(text)
        rows = [("Latin-1 text in UTF-8, no option", "utf8", {}),
                ("the same in Latin-1, encoding='latin1'", "latin1", {"encoding": "latin1"}),
                ("the same in Latin-1, encoding='windows-1252'", "latin1", {"encoding": "windows-1252"}),
                ("the same in Latin-1, no option (U+FFFD)", "latin1", {}),
                ("Japanese text in UTF-8, no option", "utf8_ja", {}),
                ("the same in Shift_JIS, encoding='shift_jis'", "sjis", {"encoding": "shift_jis"}),
                ("ASCII, no option", "ascii", {}),
                ("ASCII, encoding='latin1'", "ascii", {"encoding": "latin1"})]
        print(f"| {a.lines:,} access lines, one thread | CPU s (best of {a.repeat}) | lines per CPU-second |")
        print("| --- | ---: | ---: |")
        for label, key, kw in rows:
            s = cpu_seconds(files[key], a.repeat, **kw)
            print(f"| {label} | {s:.3f} | {a.lines / s:,.0f} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
