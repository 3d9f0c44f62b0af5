"""uWSGI's request log, read without options by recipe UWSGILOG: written at test time by a real
uWSGI (Debian's uwsgi-core and its python3 plugin) serving a WSGI app of the test's own, with
its default logformat, --log-micros and --memory-report; and lnav's uWSGI test file."""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
import urllib.error
import urllib.request
from datetime import datetime, timezone
from pathlib import Path

import pytest

import kafkainsight as ki

UWSGI = shutil.which("uwsgi")
APP = '''
def application(env, start):
    path = env["PATH_INFO"]
    if path == "/missing":
        start("404 Not Found", [("Content-Type", "text/plain")])
        return [b"no"]
    body = ("hello " + path + "?" + env.get("QUERY_STRING", "")).encode()
    start("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]
'''
# (method, path and query, status, body bytes the app returns)
REQUESTS = [("GET", "/", 200, len(b"hello /?")), ("GET", "/orders?id=7", 200, len(b"hello /orders?id=7")),
            ("GET", "/missing", 404, 2), ("POST", "/submit", 200, len(b"hello /submit?"))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(tmp_path: Path, name: str, *flags: str) -> tuple[Path, float, float]:
    (tmp_path / "app.py").write_text(APP)
    port, log = _free_port(), tmp_path / f"{name}.log"
    proc = subprocess.Popen([UWSGI, "--plugin", "python3", "--http-socket", f"127.0.0.1:{port}", "--wsgi-file",
                             str(tmp_path / "app.py"), "--logto", str(log), "--processes", "1", *flags],
                            cwd=tmp_path, env={**os.environ, "TZ": "UTC"},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.time()
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read()
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None and time.monotonic() < deadline, log.read_text() if log.exists() else ""
                time.sleep(0.1)
        for method, path, _, _ in REQUESTS:
            req = urllib.request.Request(f"http://127.0.0.1:{port}{path}", method=method,
                                         data=b"a=1" if method == "POST" else None)
            try:
                urllib.request.urlopen(req, timeout=5).read()
            except urllib.error.HTTPError as e:
                e.read()
        t1 = time.time()
        deadline = time.monotonic() + 10
        while log.read_text().count(" switches on core ") < len(REQUESTS) + 1 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        proc.terminate()
        proc.wait(10)
    return log, t0, t1


@pytest.mark.skipif(UWSGI is None, reason="needs uwsgi (scripts/setup.sh installs it)")
@pytest.mark.parametrize("flags", [(), ("--log-micros",), ("--memory-report",)], ids=["default", "micros", "memory"])
def test_a_real_uwsgi_request_log(tmp_path, flags):
    log, t0, t1 = _serve(tmp_path, "uwsgi", *flags)
    r = ki.read_logs(log)
    docs = [d for d in r.records if d["kafkainsight"].get("recipe") == "UWSGILOG"]
    # Its start-up and shut-down lines are no requests: not read as one (dead-lettered, counted).
    assert len(docs) == len(REQUESTS) + 1, (r.records, r.failed)
    assert r.stats["parsed"] + r.stats["failed"] + r.stats["empty"] == r.stats["lines"]
    for d, (method, path, status, size) in zip(docs[1:], REQUESTS):
        assert (d["http"]["request"]["method"], d["url"]["original"]) == (method, path)
        assert (d["http"]["response"]["status_code"], d["http"]["response"]["body"]["bytes"]) == (status, size)
        assert d["http"]["version"] == "1.1" and d["source"]["ip"] == "127.0.0.1"
        # ctime has whole seconds; uWSGI wrote it in UTC (TZ above), as it is read.
        when = datetime.fromisoformat(d["@timestamp"]).timestamp()
        assert int(t0) - 1 <= when <= t1 + 1, (d["@timestamp"], t0, t1)
        assert d["event"]["duration"] >= 0 and d["event"]["duration"] % 1000 == 0
        assert isinstance(d["process"]["pid"], int) and d["uwsgi"]["vars"] > 10
    assert [d["uwsgi"]["requests"] for d in docs] == list(range(1, len(docs) + 1))
    if "--memory-report" in flags:
        assert all(d["uwsgi"]["memory"]["rss_bytes"] > 1 << 20 for d in docs)
    df = r.to_pandas()
    rows = df[df["kafkainsight.recipe"] == "UWSGILOG"]
    assert list(rows["http.response.status_code"]) == [200] + [s for _, _, s, _ in REQUESTS]


def test_lnavs_uwsgi_file():
    path = Path(__file__).parent / "data" / "real" / "apps" / "uwsgi.log"
    lines = path.read_text().splitlines()
    r = ki.read_logs(path)
    assert (r.stats["parsed"], r.stats["failed"]) == (len(lines), 0)
    for d, line in zip(r.records, lines):
        assert d["kafkainsight"]["recipe"] == "UWSGILOG"
        took, unit = line.split(" bytes in ")[1].split(" (")[0].split()
        assert d["event"]["duration"] == int(took) * (1000 if unit == "micros" else 1_000_000), line
        assert f"[pid: {d['process']['pid']}|" in line and f"] {d['http']['request']['method']} {d['url']['original']} =>" in line
    assert r.records[0]["@timestamp"] == "2016-03-13T22:49:12Z"
