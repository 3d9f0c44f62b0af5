"""Our processes under test: started as real OS processes (so SIGKILL and peak RSS are real),
their peak resident memory tracked from /proc (VmHWM); a sampler that times recovery."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, List, Optional, Tuple

from tests.harness_util import proc_status_kb

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@dataclass
class Proc:
    """One of our processes. ``wait()`` reaps it with wait4 and records its peak RSS (MiB)."""
    popen: subprocess.Popen
    name: str
    peak_rss_mb: float = 0.0
    returncode: Optional[int] = None
    stdout: str = ""
    stderr: str = ""
    timed_out: bool = False  # wait() had to stop it

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        """Running (or a zombie not reaped yet); never reaps, so wait() still gets the rusage."""
        if self.returncode is not None:
            return False
        try:
            return os.waitid(os.P_PID, self.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
        except ChildProcessError:
            return False

    def _status_mb(self, key: str) -> float:
        return proc_status_kb(self.pid, key) / 1024

    def rss_mb(self) -> float:
        """Current resident memory (0 when gone)."""
        return self._status_mb("VmRSS:")

    def watch_peak(self, interval: float = 0.1) -> "Proc":
        """Track the peak RSS from /proc's VmHWM while the process lives. (wait4's ru_maxrss is
        no good here: Linux carries the parent's peak across fork + exec into the child's.)"""
        def run():
            while self.returncode is None and self.alive():
                self.peak_rss_mb = max(self.peak_rss_mb, self._status_mb("VmHWM:"))
                time.sleep(interval)
        threading.Thread(target=run, daemon=True).start()
        return self

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.returncode is None:
            try:
                os.kill(self.pid, sig)
            except ProcessLookupError:
                pass

    def _reap_within(self, seconds: float) -> Optional[int]:
        """The wait status once the process has ended, or None if it still runs after ``seconds``."""
        deadline = time.monotonic() + seconds
        while True:
            pid, status, _ = os.wait4(self.pid, os.WNOHANG)
            if pid == self.pid:
                return status
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def wait(self, timeout: float = 300) -> int:
        if self.returncode is not None:
            return self.returncode
        # Drain pipes in threads so a chatty process never blocks on a full pipe.
        out: List[bytes] = []
        err: List[bytes] = []
        readers = []
        for stream, sink in ((self.popen.stdout, out), (self.popen.stderr, err)):
            if stream is not None:
                t = threading.Thread(target=lambda s=stream, k=sink: k.append(s.read()), daemon=True)
                t.start()
                readers.append(t)
        status = self._reap_within(timeout)
        if status is None:
            # SIGTERM first: our commands then print their stats (what a hung run was doing)
            self.timed_out = True
            self.kill(signal.SIGTERM)
            status = self._reap_within(10)
            if status is None:
                self.kill()
                status = os.wait4(self.pid, 0)[1]
        for t in readers:
            t.join(timeout=5)
        self.popen.returncode = self.returncode = os.waitstatus_to_exitcode(status)
        self.stdout = b"".join(out).decode(errors="replace")
        self.stderr = b"".join(err).decode(errors="replace")
        return self.returncode


_SPAWNED: List[Proc] = []


def spawn(args: List[str], name: str, env: Optional[dict] = None) -> Proc:
    """Start ``python args...`` from the repository root (our CLI or the chaos worker)."""
    p = subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ, **(env or {})},
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc = Proc(p, name).watch_peak()
    _SPAWNED.append(proc)
    return proc


def reap_all() -> int:
    """SIGKILL and reap whatever a scenario that broke left running; returns how many."""
    n = 0
    while _SPAWNED:
        p = _SPAWNED.pop()
        if p.returncode is None:
            if p.alive():
                n += 1
            p.kill()
            p.wait(timeout=30)
    return n


@dataclass
class Sampler:
    """Samples a monotonically growing count (documents in the index, messages in the topic)
    every ``interval`` s in a thread; ``recovery_after(t)`` = seconds from t until the count
    first grew after t: how long the pipeline needed to make progress again after a fault."""
    probe: Callable[[], int]
    interval: float = 0.1
    samples: List[Tuple[float, int]] = field(default_factory=list)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: Optional[threading.Thread] = None

    def start(self) -> "Sampler":
        def run():
            while not self._stop.is_set():
                try:
                    self.samples.append((time.monotonic(), int(self.probe())))
                except Exception:  # the thing probed is down: that is what we measure
                    pass
                self._stop.wait(self.interval)
        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._thread:
            self._thread.join(timeout=10)
        try:  # a last sample: the work may have ended between two ticks
            self.samples.append((time.monotonic(), int(self.probe())))
        except Exception:
            pass

    def value_at(self, t: float) -> int:
        v = 0
        for ts, n in self.samples:
            if ts > t:
                break
            v = n
        return v

    def recovery_after(self, t: float) -> Optional[float]:
        base = self.value_at(t)
        for ts, n in self.samples:
            if ts > t and n > base:
                return ts - t
        return None


def wait_until(pred: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if pred():
                return True
        except Exception:
            pass
        time.sleep(interval)
    return False
