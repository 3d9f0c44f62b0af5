"""Timing one tool the same way for every benchmark: a subprocess from spawn to exit."""
from __future__ import annotations

import os
import subprocess
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
