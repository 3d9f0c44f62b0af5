"""Pieces both test harnesses use (tests/kafka_harness, tests/search_harness): the reaper
that kills a harness's processes if its Python owner dies, log tails, the JDK's version."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path
from typing import Type

# A child process reading "+PID" / "-PID" / "rm DIR" lines on stdin; when stdin closes (the
# owner exited, even by SIGKILL) it kills the recorded process groups and removes DIR.
# Protocol on its stdin: "+PID", "-PID", "rm PATH"; EOF means "the owner is gone".
REAPER = r"""
import os, shutil, signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
pids, rm = set(), None
for line in sys.stdin:
    line = line.strip()
    if line.startswith("+"): pids.add(int(line[1:]))
    elif line.startswith("-"): pids.discard(int(line[1:]))
    elif line.startswith("rm "): rm = line[3:]
for pid in pids:
    try: os.killpg(pid, signal.SIGKILL)
    except OSError: pass
if rm:
    import time; time.sleep(0.5)
    shutil.rmtree(rm, ignore_errors=True)
"""



def tail_text(text: str, lines: int) -> str:
    return "\n".join(text.rstrip().splitlines()[-lines:])


def tail_file(path: Path, lines: int = 40) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            f.seek(max(0, f.tell() - 256 * 1024))
            return tail_text(f.read().decode(errors="replace"), lines)
    except OSError as e:
        return f"<no log: {e}>"


def java_major_version(java: str, error: Type[Exception] = RuntimeError, hint: str = "") -> int:
    """17 for 'openjdk version "17.0.15"', 8 for "1.8.0"; raises ``error`` when it cannot tell."""
    try:
        out = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise error(f"cannot run {java} -version: {e}.{' ' + hint if hint else ''}") from e
    m = re.search(r'version "(\d+)(?:\.(\d+))?', out.stderr + out.stdout)
    if not m:
        raise error(f"cannot parse the output of {java} -version: {out.stderr!r}")
    major = int(m.group(1))
    return int(m.group(2)) if major == 1 else major
