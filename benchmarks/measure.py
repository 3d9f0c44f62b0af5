"""Timing one tool the same way for every benchmark: a subprocess from spawn to exit."""
from __future__ import annotations

import os
import subprocess
import threading
import time
from typing import Callable, Optional, Sequence

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run_measured(cmd: Sequence[str], workdir: str, timeout: float, other_cpu: Optional[Callable[[], float]] = None,
                 env: Optional[dict] = None) -> dict:
    """Spawn cmd, wait for it with os.wait4: wall seconds, its own user+sys CPU, exit code, output,
    and ``other_cpu``: how much CPU the callable's subject (broker, server) used meanwhile."""
    out_path = os.path.join(workdir, "stdout.txt")
    err_path = os.path.join(workdir, "stderr.txt")
    with open(out_path, "wb") as out, open(err_path, "wb") as err:
        c0 = other_cpu() if other_cpu else 0.0
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=err, stdin=subprocess.DEVNULL, cwd=ROOT, env=env)
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
        c1 = other_cpu() if other_cpu else 0.0
    proc.returncode = os.waitstatus_to_exitcode(status)
    with open(out_path, encoding="utf-8", errors="replace") as f:
        stdout = f.read()
    with open(err_path, encoding="utf-8", errors="replace") as f:
        stderr = f.read()
    # (ru_maxrss is not reported: after fork+exec Linux carries the parent's peak RSS over.)
    return {"wall": wall, "cpu": ru.ru_utime + ru.ru_stime, "user": ru.ru_utime, "sys": ru.ru_stime,
            "rc": proc.returncode, "timed_out": bool(killed), "stdout": stdout, "stderr": stderr,
            "other_cpu": c1 - c0}
