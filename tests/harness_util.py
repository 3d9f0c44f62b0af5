"""Pieces the test harnesses share (tests/kafka_harness, tests/search_harness, tests/es_server,
tests/chaos, benchmarks). The process plumbing (free loopback ports, the reaper that kills a
harness's processes if its Python owner dies, stopping a process (group) with a SIGKILL fallback,
/proc readings, log tails, the JDK's version, Maven classpaths) lives in the product, in
``kafkainsight.sandbox._proc``, since the demo starts the same search engine; it is re-exported
here. What stays is the run-by-hand loop of the harnesses' ``__main__`` and a plain-HTTP stub."""
from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import signal
import sys
import threading
from pathlib import Path
from typing import Callable, Dict, Iterable, Optional, Type

from kafkainsight.sandbox._proc import (REAPER, ProcessHarness, Reaper, child_pids, file_lock,  # noqa: F401
                                        finish_process, java_major_version, pick_free_ports, port_is_free,
                                        proc_status_kb, run_maven, signal_process, tail_file, tail_text,
                                        write_atomically)


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


@contextlib.contextmanager
def running_server(cmd: list, port: int, stop: int = signal.SIGTERM):
    """`cmd` (a server in the foreground) started, yielded once 127.0.0.1:`port` accepts
    connections, stopped with `stop` afterwards (a graceful SIGINT, say)."""
    import socket
    import time
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield p
    finally:
        p.send_signal(stop)
        p.wait(timeout=10)


def build_go_tool(name: str, package: str = ".") -> Path:
    """Build the Go program `package` of the module in tests/<name> (its modules from the Go
    module proxy, at the versions its go.sum pins) into build/<name>/<name>; skips the test when
    Go is not installed."""
    import pytest
    go = shutil.which("go")
    if not go:
        pytest.skip(f"go is not installed ({name} is built from the Go module proxy)")
    root = Path(__file__).resolve().parent.parent
    exe = root / "build" / name / name
    exe.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "GOTOOLCHAIN": "local", "GOFLAGS": "-mod=mod"}
    r = subprocess.run([go, "build", "-o", str(exe), package], cwd=root / "tests" / name, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    return exe


def build_npm_tool(name: str) -> Path:
    """Install the npm packages tests/<name>/package-lock.json pins (from the npm registry) into a
    copy of tests/<name> under build/<name>, and return that directory; skips the test when Node.js
    or npm is not installed."""
    import pytest
    node, npm = shutil.which("node"), shutil.which("npm")
    if not node or not npm:
        pytest.skip(f"node and npm are not installed ({name} runs on Node.js with packages from npm)")
    root = Path(__file__).resolve().parent.parent
    work = root / "build" / name
    work.mkdir(parents=True, exist_ok=True)
    for f in (root / "tests" / name).iterdir():
        if f.is_file():
            shutil.copy2(f, work / f.name)
    stamp = work / "node_modules" / ".installed-lock"  # (npm ci again when the lock file changes)
    lock = (work / "package-lock.json").read_text()
    if not stamp.exists() or stamp.read_text() != lock:
        r = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=work, capture_output=True,
                           text=True, timeout=600)
        assert r.returncode == 0, r.stderr
        stamp.write_text(lock)
    return work


def build_cargo_tool(name: str) -> Path:
    """Build the Rust crate in tests/<name> (its crates from crates.io, at the versions its
    Cargo.lock pins) into build/<name>; skips the test when cargo is not installed."""
    import pytest
    cargo = shutil.which("cargo") or str(Path.home() / ".cargo" / "bin" / "cargo")
    if not Path(cargo).exists():
        pytest.skip(f"cargo is not installed ({name} is built from crates.io)")
    root = Path(__file__).resolve().parent.parent
    target = root / "build" / name
    r = subprocess.run([cargo, "build", "--locked", "--quiet", "--target-dir", str(target)],
                       cwd=root / "tests" / name, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr
    return target / "debug" / name


def build_java_app(pom: Path, sources: Dict[str, str], work: Path) -> str:
    """The runtime classpath of `pom`'s dependencies (Maven Central, ~/.m2 first) with `sources`
    ({relative path: Java source}) compiled into work/classes; skips the test without a JDK and
    Maven. Returns the classpath, classes included."""
    import pytest
    if not (shutil.which("java") and shutil.which("javac") and shutil.which("mvn")):
        pytest.skip("needs java, javac and mvn (scripts/setup.sh installs them)")
    out = work / "cp.txt"
    cp, errors = run_maven(["mvn", "-B", "-q", "-f", str(pom), "dependency:build-classpath",
                            f"-Dmdep.outputFile={out}", "-Dmdep.includeScope=runtime"], out, work)
    assert cp, "\n".join(errors)
    files = []
    for rel, text in sources.items():
        (work / "src" / rel).parent.mkdir(parents=True, exist_ok=True)
        (work / "src" / rel).write_text(text)
        files.append(str(work / "src" / rel))
    subprocess.run(["javac", "-cp", cp, "-d", str(work / "classes"), *files], check=True, timeout=300)
    return f"{cp}:{work / 'classes'}"
