"""Timing one tool the same way for every benchmark: a subprocess from spawn to exit."""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from typing import Callable, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def vm_hwm(pid: int) -> int:
    """Peak resident set (VmHWM, bytes) of a live process; 0 when it is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


class PeakRss:
    """Samples the peak RSS of processes every ``interval`` s in a thread.

    ru_maxrss from wait4 is useless here (after fork+exec Linux carries the parent's peak over),
    so we read VmHWM, which is per address space and starts fresh at exec. It only grows, so
    sampling misses at most the growth of the last interval before exit."""

    def __init__(self, pids=(), interval: float = 0.02):
        self.pids = list(pids)
        self.peak = {}
        self._stop = threading.Event()
        self._interval = interval
        self._thread = threading.Thread(target=self._run, daemon=True)

    def add(self, pid: int):
        self.pids.append(pid)

    def sample(self):
        for pid in list(self.pids):
            v = vm_hwm(pid)
            if v > self.peak.get(pid, 0):
                self.peak[pid] = v

    def _run(self):
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self._interval)

    def start(self) -> "PeakRss":
        self._thread.start()
        return self

    def stop(self) -> int:
        """Stop sampling; the sum over the processes of their peaks (bytes)."""
        self._stop.set()
        self._thread.join()
        return sum(self.peak.values())


def run_measured(cmd: Sequence[str], workdir: str, timeout: float, other_cpu: Optional[Callable[[], float]] = None,
                 env: Optional[dict] = None) -> dict:
    """Spawn cmd, wait for it with os.wait4: wall seconds, its own user+sys CPU, peak RSS (bytes,
    sampled), exit code, output, and ``other_cpu``: how much CPU the callable's subject (broker, server) used meanwhile."""
    out_path = os.path.join(workdir, "stdout.txt")
    err_path = os.path.join(workdir, "stderr.txt")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        c0 = other_cpu() if other_cpu else 0.0
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
        rss = PeakRss([proc.pid]).start()
        killed = []

        def kill():
            killed.append(True)
            try:
                proc.kill()
            except OSError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        peak_rss = rss.stop()
        c1 = other_cpu() if other_cpu else 0.0
    proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    # (ru_maxrss is not used: after fork+exec Linux carries the parent's peak RSS over; see PeakRss.)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime, "sys": ru.ru_stime,
            "rc": proc.returncode, "timed_out": bool(killed), "stdout": stdout, "stderr": stderr,
            "other_cpu": c1 - c0, "rss": peak_rss}


def verification_lines(problems, ok_text: str) -> list:
    """The report's "Verification" section: each (target, tool, problems) mismatch, or ``ok_text``."""
    lines = ["## Verification", ""]
    if problems:
        lines += [f"- **MISMATCH** [{b}] {t}: {'; '.join(p)}" for b, t, p in problems]
    else:
        lines.append(ok_text)
    return lines + [""]


def collect_problems(results, key: str, *sections: str) -> list:
    """(target, tool, problems) of every run summary in ``sections`` that has problems."""
    return [(r[key], t, s["problems"]) for r in results
            for t, s in [kv for sec in sections for kv in r[sec].items()] if s["problems"]]


def bench_parser(doc: str, target: str, targets: str, tools, out_name: str) -> argparse.ArgumentParser:
    """A tool benchmark's command line: ``--<target>`` (brokers, servers) and add_run_args."""
    ap = argparse.ArgumentParser(description=doc.split("\n\n")[0])
    ap.add_argument(f"--{target}", default=targets, help=f"comma list of {targets}")
    add_run_args(ap, tools, out_name)
    return ap


def add_run_args(ap, tools, out_name: str) -> None:
    """The options every tool benchmark has: which tools, how often, how long, where the report goes."""
    ap.add_argument("--tools", default=",".join(tools), help="comma list of " + ",".join(tools))
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--timeout", type=float, default=900, help="seconds per run before it is killed")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", out_name), help="markdown report ('' = do not write)")
    ap.add_argument("--json", default="", help="also write the raw results here")


def write_outputs(report: str, args, payload: dict, failed: bool, what: str) -> int:
    """Print the report, write --out and --json; exit status 1 (and say so) when a run failed."""
    print("\n" + report)
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(report)
        print(f"wrote {args.out}")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump(payload, f, indent=1, default=str)
    if failed:
        print(f"\n!!! SOME RUNS FAILED OR THE {what} DID NOT MATCH: see the MISMATCH lines above !!!",
              file=sys.stderr)
    return 1 if failed else 0


def bench_each(names, start: Callable, bench: Callable, log: Callable, what: str, where: Callable) -> list:
    """Start each target (a broker, a server) by name, benchmark it, close it; the results in order."""
    results = []
    for name in names:
        log(f"{what} {name}: starting")
        t0 = time.monotonic()
        target = start(name)
        log(f"{what} {name}: {target.version} at {where(target)} (up in {time.monotonic() - t0:.1f} s)")
        try:
            results.append(bench(target))
        finally:
            target.close()
    return results
