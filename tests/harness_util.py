"""Pieces the test harnesses share (tests/kafka_harness, tests/search_harness, tests/es_server,
tests/chaos, benchmarks): free loopback ports, the reaper that kills a harness's processes if
its Python owner dies, stopping a process (group) with a SIGKILL fallback, /proc readings,
log tails, the JDK's version and the run-by-hand loop of their ``__main__``."""
from __future__ import annotations

import contextlib
import glob
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Dict, Iterable, List, Optional, Tuple, Type

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


# --------------------------------------------------------------------------------------------
# ports


def port_is_free(port: int, reuse: bool = False, ipv6: bool = False) -> bool:
    """Whether 127.0.0.1:port (and with ``ipv6`` [::1]:port, where the host has IPv6) can be
    bound. ``reuse=True`` sets SO_REUSEADDR as the JVM does for server sockets, so TIME_WAIT
    leftovers of a killed process do not count as taken."""
    for family, addr in ((socket.AF_INET, "127.0.0.1"), (socket.AF_INET6, "::1"))[:2 if ipv6 else 1]:
        try:
            s = socket.socket(family, socket.SOCK_STREAM)
        except OSError:                               # no IPv6 here: nothing can squat [::1]
            continue
        with s:
            if reuse:
                s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                s.bind((addr, port))
            except OSError as e:
                if family == socket.AF_INET6 and e.errno == 99:   # EADDRNOTAVAIL: no ::1
                    continue
                return False
    return True


def pick_free_ports(count: int, error: Type[Exception] = RuntimeError, ipv6: bool = False) -> List[int]:
    """Free loopback ports *below* the kernel's ephemeral range, so that no outgoing connection
    (say, a client's while a node is down) can take one between picking and binding."""
    try:
        low = int(open("/proc/sys/net/ipv4/ip_local_port_range").read().split()[0])
    except (OSError, ValueError, IndexError):
        low = 32768
    lo, hi = (15000, low - 1) if low > 16000 else (low + 1, 65000)
    rng = random.Random(os.getpid() ^ time.monotonic_ns())
    ports: List[int] = []
    for _ in range(5000):
        p = rng.randint(lo, hi)
        if p not in ports and port_is_free(p, ipv6=ipv6):
            ports.append(p)
            if len(ports) == count:
                return ports
    raise error("could not find free loopback ports")


# --------------------------------------------------------------------------------------------
# processes


class Reaper:
    """A REAPER child that outlives nothing: it SIGKILLs the recorded process groups (and
    removes ``rm``) when this Python process goes away, even by SIGKILL."""

    def __init__(self, rm: Optional[str] = None, quiet: bool = False):
        out = subprocess.DEVNULL if quiet else None
        self._p: Optional[subprocess.Popen] = subprocess.Popen(
            [sys.executable, "-c", REAPER], stdin=subprocess.PIPE, text=True, stdout=out, stderr=out,
            start_new_session=True)
        if rm:
            self.tell(f"rm {rm}")

    def tell(self, line: str) -> None:
        p = self._p
        if p is not None and p.stdin is not None and not p.stdin.closed:
            with contextlib.suppress(BrokenPipeError, OSError, ValueError):
                p.stdin.write(line + "\n")
                p.stdin.flush()

    def add(self, pid: int) -> None:
        self.tell(f"+{pid}")

    def forget(self, pid: int) -> None:
        """The process is reaped: its pid may be reused by a stranger."""
        self.tell(f"-{pid}")

    def close(self) -> None:
        """EOF: the reaper kills what is still recorded and removes ``rm``."""
        p, self._p = self._p, None
        if p is None:
            return
        if p.stdin:
            with contextlib.suppress(OSError):
                p.stdin.close()
        with contextlib.suppress(subprocess.TimeoutExpired):
            p.wait(timeout=10)


class ProcessHarness:
    """What the harnesses of real servers (KafkaCluster, SearchEngine) share around their own
    start() and stop(): a with-block, a finalizer, the reaper and the temp workdir."""
    KEEP_ENV = ""                      # set: the temp workdir is kept (for a post-mortem)
    workdir: Optional[Path]
    _own_workdir: bool
    _reaper: Optional[Reaper]

    def _started(self) -> bool:
        raise NotImplementedError

    def start(self, timeout: float):
        raise NotImplementedError

    def stop(self, timeout: float) -> None:
        raise NotImplementedError

    def _start_reaper(self, quiet: bool = False) -> None:
        keep = not self._own_workdir or os.environ.get(self.KEEP_ENV)
        self._reaper = Reaper(rm=None if keep else str(self.workdir), quiet=quiet)

    def _release(self) -> None:
        """The end of stop(): the reaper goes, a temp workdir too (unless KEEP_ENV is set)."""
        if self._reaper is not None:
            self._reaper.close()                  # EOF: the reaper removes the temp dir
            self._reaper = None
        if self.workdir and self._own_workdir and not os.environ.get(self.KEEP_ENV):
            shutil.rmtree(self.workdir, ignore_errors=True)

    def __enter__(self):
        if not self._started():
            self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __del__(self):
        with contextlib.suppress(Exception):
            if self._started():
                self.stop(timeout=5)


def signal_process(proc: subprocess.Popen, *sigs: int) -> None:
    """Send each of ``sigs`` to a process that still runs (gone meanwhile: nothing)."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            for sig in sigs:
                os.kill(proc.pid, sig)


def finish_process(proc: subprocess.Popen, timeout: float, reaper: Optional[Reaper] = None,
                   stragglers: bool = False) -> None:
    """Wait up to ``timeout`` s for a process that was asked to stop, then SIGKILL its group if
    it still runs (``stragglers``: in any case -- nginx workers outlive their master) and reap
    it; the reaper forgets it (its pid may be reused)."""
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=max(0.1, timeout))
    if stragglers or proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=30)
    if reaper is not None:
        reaper.forget(proc.pid)


def proc_status_kb(pid: int, key: str = "VmRSS:") -> int:
    """A kB field of /proc/PID/status (VmRSS, VmHWM ...); 0 when the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(key):
                    return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0


def child_pids(pid: int) -> List[int]:
    """The live children of every thread of ``pid`` (Linux /proc)."""
    out: List[int] = []
    for task in glob.glob(f"/proc/{pid}/task/*/children"):
        with contextlib.suppress(OSError, ValueError):
            out += [int(x) for x in open(task).read().split()]
    return out


# --------------------------------------------------------------------------------------------
# ``python -m tests.<harness>``: run by hand until Ctrl-C


def parse_kv(items: Optional[Iterable[str]], flag: str) -> Dict[str, str]:
    """``["k=v", ...]`` of a repeatable ``flag`` -> ``{"k": "v"}``."""
    out = {}
    for item in items or []:
        if "=" not in item:
            raise SystemExit(f"{flag} expects KEY=VALUE, got {item!r}")
        k, v = item.split("=", 1)
        out[k.strip()] = v.strip()
    return out


def stop_event() -> threading.Event:
    """An event SIGTERM and SIGINT set (also when the process was started with SIGINT ignored)."""
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    return stop


def run_until(stop: threading.Event, check: Callable[[], bool] = lambda: True, interval: float = 0.5) -> None:
    """Until ``stop`` is set or ``check()`` says to end (returns False)."""
    with contextlib.suppress(KeyboardInterrupt):
        while not stop.wait(interval):
            if not check():
                return


def serve_by_hand(harness: ProcessHarness, timeout: float, describe: Callable[[], None],
                  check: Callable[[], bool] = lambda: True) -> int:
    """``python -m tests.<harness>``: start, ``describe()`` it (URLs, exports), run until Ctrl-C,
    SIGTERM or ``check()`` saying it died, then stop it."""
    stop = stop_event()
    harness.start(timeout=timeout)
    try:
        describe()
        print("# Ctrl-C to stop.", flush=True)
        run_until(stop, check)
    finally:
        print("# stopping...", flush=True)
        harness.stop()
    return 0


# --------------------------------------------------------------------------------------------
# Maven classpaths (cached under build/)


@contextlib.contextmanager
def file_lock(path: Path):
    """An exclusive flock on ``path``: parallel test processes resolve a classpath once."""
    with open(path, "w") as lock:
        try:
            import fcntl
            fcntl.flock(lock, fcntl.LOCK_EX)
        except ImportError:                           # pragma: no cover - not on Linux
            pass
        yield


def write_atomically(path: Path, text: str) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text + "\n")
    os.replace(tmp, path)                             # readers never see half a file


def run_maven(base: List[str], out: Path, cwd: Path, env: Optional[dict] = None,
              log: Optional[str] = None) -> Tuple[Optional[str], List[str]]:
    """Run a Maven command that writes ``out`` (offline first: instant when ~/.m2 is warm; then
    online). Returns (what it wrote, None when it failed; the failures, for the error message)."""
    errors: List[str] = []
    for cmd in (base + ["-o"], base):
        if log is not None:
            print(log + " ".join(cmd), file=sys.stderr, flush=True)
        try:
            r = subprocess.run(cmd, capture_output=True, text=True, timeout=900, cwd=str(cwd), env=env)
        except subprocess.TimeoutExpired:
            errors.append(f"{' '.join(cmd)}: timed out")
            continue
        if r.returncode == 0 and out.is_file():
            text = out.read_text().strip()
            out.unlink()
            if text:
                return text, errors
        errors.append(f"$ {' '.join(cmd)}\n" + tail_text(r.stdout + r.stderr, 25))
    return None, errors


def serve_http(handler: type):
    """A plain-HTTP stub (``handler``: a BaseHTTPRequestHandler) on 127.0.0.1, a free port,
    served from a daemon thread; ``shutdown()`` + ``server_close()`` end it."""
    import http.server
    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv


def report_errors(name: str, error: Type[Exception], run: Callable[[], int]) -> int:
    """``run()``; a harness error (no Java, Maven failed, did not start) is one line and exit 2."""
    try:
        return run()
    except error as e:
        print(f"{name}: error: {e}", file=sys.stderr)
        return 2


def build_go_tool(name: str) -> Path:
    """Build the Go program in tests/<name> (its modules from the Go module proxy) into
    build/<name>/<name>; skips the test when Go is not installed."""
    import pytest
    go = shutil.which("go")
    if not go:
        pytest.skip(f"go is not installed ({name} is built from the Go module proxy)")
    root = Path(__file__).resolve().parent.parent
    exe = root / "build" / name / name
    exe.parent.mkdir(parents=True, exist_ok=True)
    r = subprocess.run([go, "build", "-o", str(exe), "."], cwd=root / "tests" / name,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr
    return exe
