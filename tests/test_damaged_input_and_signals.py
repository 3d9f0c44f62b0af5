"""Damaged input and endings (issue 18, items 7-9): gzip files cut short or with a bad CRC are
reported (file, byte offset, exit 1) after the lines before the damage are delivered and counted;
SIGTERM / SIGINT stop produce and consume promptly with their stats, also on an endless line
(/dev/zero), a FIFO nobody writes to, and with /metrics on; `.env` values are literal and a
missing --env-file that was named is an error."""
import errno
import gzip
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request

import pytest

import kafkainsight as ki
from kafkainsight.kafka import EmbeddedBroker, Producer
from tests.es_server import EsTestServer
from tests.kafka_util import consume_all

KI = [sys.executable, "-m", "kafkainsight"]
N = 10_000


def run(*args, timeout=300, **kw):
    return subprocess.run([*KI, *args], capture_output=True, timeout=timeout, **kw)


def lines(n=N, seed=7):
    return ki.generate_lines("apache_common", n, seed=seed, start=1700000000, sleep=1)


def member(ls) -> bytes:
    return gzip.compress(("\n".join(ls) + "\n").encode())


def stats(err: str, keys) -> dict:
    return {k: int(re.search(rf"\b{k}=(\d+)", err).group(1)) for k in keys}


def cut_second_member(tmp_path):
    """Two members of 5,000 lines; the second one is cut in the middle (gzip -t: unexpected end of file)."""
    ls = lines()
    m1, m2 = member(ls[:5000]), member(ls[5000:])
    path = tmp_path / "cut.log.gz"
    path.write_bytes(m1 + m2[: len(m2) // 2])
    return path, ls, len(m1)


def bad_crc(tmp_path):
    """Two members of 5,000 lines; a byte of the first member's CRC-32 is flipped."""
    ls = lines()
    m1, m2 = bytearray(member(ls[:5000])), member(ls[5000:])
    m1[-8] ^= 0xFF  # the trailer: CRC-32 (4 bytes), then ISIZE (4 bytes)
    path = tmp_path / "crc.log.gz"
    path.write_bytes(bytes(m1) + m2)
    return path, ls, len(m1)


def offset_in(err: str, path) -> int:
    m = re.search(re.escape(str(path)) + r".*?at byte (\d+)", err)
    assert m, err
    return int(m.group(1))


@pytest.mark.parametrize("make", [cut_second_member, bad_crc])
def test_produce_damaged_gzip_delivers_the_lines_before_and_reports_where(tmp_path, make):
    path, ls, m1_len = make(tmp_path)
    with EmbeddedBroker(topics={"t": 2, "t.dlq": 1}) as b:
        r = run("produce", str(path), "-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull)
        err = r.stderr.decode()
        assert r.returncode == 1, err
        assert "Traceback" not in err
        # The stats line is printed and every line read is accounted for.
        c = stats(err, ["read", "produced", "dead_lettered", "failed_delivery"])
        assert c["read"] == c["produced"] and c["failed_delivery"] == 0 and c["dead_lettered"] == 0
        # The lines before the damage were delivered (all of the first member), nothing after it.
        got = consume_all(b.bootstrap, "t")
        assert len(got) == c["produced"]
        assert 5000 <= c["produced"] < N
        if make is bad_crc:  # the CRC is checked at the end of its member: the next member is not read
            assert c["produced"] == 5000
            assert "CRC" in err and m1_len - 8 <= offset_in(err, path) <= m1_len
        else:
            assert "unexpected end of file" in err and offset_in(err, path) == path.stat().st_size
        # ... and they are the first lines of the file, each once (every line has its own second).
        want = sorted(ki.parse_line(l)["@timestamp"] for l in ls[:c["produced"]])
        assert sorted(json.loads(m.value())["@timestamp"] for m in got) == want


@pytest.mark.parametrize("make", [cut_second_member, bad_crc])
def test_parse_damaged_gzip_writes_the_lines_before_and_reports_where(tmp_path, make):
    path, ls, _ = make(tmp_path)
    out = tmp_path / "out.ndjson"
    r = run("parse", str(path), "-o", str(out))
    err = r.stderr.decode()
    assert r.returncode == 1, err
    assert "Traceback" not in err
    c = stats(err, ["lines", "parsed", "failed"])
    assert 5000 <= c["lines"] == c["parsed"] < N
    offset_in(err, path)
    assert len(out.read_bytes().splitlines()) == c["parsed"]


# ---------------------------------------------------------------- signals


class Running:
    """A CLI process whose stderr is collected as it comes (to find the metrics port)."""

    def __init__(self, *args, env=None):
        # Ctrl-C as in a terminal: a runner that started us in the background ignores SIGINT,
        # and a child would inherit that.
        self.p = subprocess.Popen([*KI, *args], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                                  env={**os.environ, **(env or {})},
                                  preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        self.err: list[str] = []
        self.t = threading.Thread(target=lambda: self.err.extend(self.p.stderr), daemon=True)
        self.t.start()

    def stderr(self) -> str:
        return "".join(self.err)

    def kill(self) -> None:
        if self.p.poll() is None:
            self.p.kill()
            self.p.wait()

    def metrics(self, timeout=120) -> str:
        """/metrics once the command's C++ loop reports (its first stats snapshot)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            m = re.search(r"metrics: http://[^:]+:(\d+)/metrics", self.stderr())
            if m:
                body = urllib.request.urlopen(f"http://127.0.0.1:{m.group(1)}/metrics", timeout=5).read().decode()
                ts = re.search(r'kafkainsight_last_update_timestamp_seconds\{[^}]*\} (\S+)', body)
                if ts and float(ts.group(1)) > 0:
                    return body
            assert self.p.poll() is None, self.stderr()
            time.sleep(0.1)
        raise AssertionError("no stats snapshot on /metrics:\n" + self.stderr())

    def stop(self, sig, timeout=60) -> tuple[int, str, float]:
        t0 = time.monotonic()
        self.p.send_signal(sig)
        try:
            self.p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.p.kill()
            self.p.wait()
            raise AssertionError(f"still running {timeout}s after {sig!r}:\n{self.stderr()}")
        took = time.monotonic() - t0
        self.t.join(10)
        return self.p.returncode, self.stderr(), took


@pytest.fixture
def start():
    """Starts CLI processes; a failed test leaves none behind."""
    procs = []
    yield lambda *args, env=None: procs.append(Running(*args, env=env)) or procs[-1]
    for p in procs:
        p.kill()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_produce_endless_line_stops_on_signal(start, sig):
    """/dev/zero: one line that never ends. It is cut at the reader's limit and dead-lettered (the
    first 64 KiB with the reason), the rest is skipped until a signal ends the run."""
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1}) as b:
        proc = start("produce", "/dev/zero", "-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull,
                       "--metrics-port", "0", "--metrics-host", "127.0.0.1")
        deadline = time.monotonic() + 120
        while not re.search(r'kafkainsight_dead_lettered_total\{[^}]*\} [1-9]', proc.metrics()):
            assert time.monotonic() < deadline, proc.stderr()
            time.sleep(0.2)
        code, err, took = proc.stop(sig)
        print(f"stopped {took:.2f}s after {sig!r}")
        assert code == 0, err
        assert "Traceback" not in err and "stopped: read=" in err
        c = stats(err, ["read", "produced", "dead_lettered", "failed_delivery"])
        assert c == {"read": 1, "produced": 0, "dead_lettered": 1, "failed_delivery": 0}
        (m,) = consume_all(b.bootstrap, "t.dlq")
        h = {k: v.decode() for k, v in m.headers()}
        assert len(m.value()) == 64 * 1024 and set(m.value()) == {0}
        assert "longer than" in h["ki.error.reason"] and h["ki.line"] == "1"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_produce_fifo_without_writer_stops_on_signal(start, tmp_path, sig):
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1}) as b:
        proc = start("produce", str(fifo), "-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull,
                       "--metrics-port", "0", "--metrics-host", "127.0.0.1")
        proc.metrics()
        code, err, took = proc.stop(sig)
        print(f"stopped {took:.2f}s after {sig!r}")
        assert code == 0, err
        assert "Traceback" not in err and "stopped: read=0 " in err


def test_produce_fifo_lines_then_signal_while_the_writer_is_silent(start, tmp_path):
    """A writer that sends some lines and then stays open but silent: the lines are delivered,
    the wait for more ends with SIGTERM."""
    fifo = tmp_path / "in.fifo"
    os.mkfifo(fifo)
    with EmbeddedBroker(topics={"t": 1, "t.dlq": 1}) as b:
        proc = start("produce", str(fifo), "-b", b.bootstrap, "-t", "t", "-q", "--env-file", os.devnull,
                       "--metrics-port", "0", "--metrics-host", "127.0.0.1")
        deadline = time.monotonic() + 120
        while True:  # a writer can open the FIFO once the producer has it open for reading
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
                break
            except OSError as e:
                assert e.errno == errno.ENXIO and proc.p.poll() is None and time.monotonic() < deadline, proc.stderr()
                time.sleep(0.1)
        os.set_blocking(fd, True)
        with os.fdopen(fd, "w") as w:
            w.write("\n".join(lines(300)) + "\n")
            w.flush()
            deadline = time.monotonic() + 120
            while not re.search(r'kafkainsight_lines_out_total\{[^}]*\} 300', proc.metrics()):
                assert time.monotonic() < deadline, proc.stderr()
                time.sleep(0.2)
            code, err, _ = proc.stop(signal.SIGTERM)
        assert code == 0, err
        assert stats(err, ["read", "produced"]) == {"read": 300, "produced": 300}
        assert len(consume_all(b.bootstrap, "t")) == 300


def test_consume_sigterm_with_metrics_prints_stats_and_exits_0(start, tmp_path):
    with EsTestServer(workdir=str(tmp_path / "es")) as es, EmbeddedBroker(topics={"data_log": 2}) as b:
        Producer(b.bootstrap, "data_log").produce_lines(lines(500))
        proc = start("consume", "-b", b.bootstrap, "-g", "sigterm-metrics", "--url", es.url, "--ca-certs",
                       es.ca_path, "--env-file", os.devnull, "--linger", "0.1", "--metrics-port", "0",
                       "--metrics-host", "127.0.0.1", "-X", "session.timeout.ms=6000",
                       env={"ELASTIC_PASSWORD": es.password})
        proc.metrics()
        es.wait_for(lambda s: len(s.docs("test-log")) >= 500 if "test-log" in s.indices() else False, timeout=120)
        code, err, took = proc.stop(signal.SIGTERM)
        print(f"stopped {took:.2f}s after SIGTERM")
        assert code == 0, err
        assert "Traceback" not in err and "SystemError" not in err
        assert "stopped: consumed=" in err


# ---------------------------------------------------------------- .env


def test_dotenv_values_are_literal_not_interpolated(tmp_path, monkeypatch):
    from kafkainsight.settings import Settings
    monkeypatch.setenv("HOME", "/home/someone")
    env = tmp_path / ".env"
    env.write_text("ELASTIC_PASSWORD=pa${ss}wo${HOME}rd$\nKAFKA_TOPIC=\"t${HOME}\"\nES_INDEX='i${x}'\n")
    env.chmod(0o600)
    s = Settings(str(env), environ={})
    assert s.get("ELASTIC_PASSWORD") == "pa${ss}wo${HOME}rd$"
    assert s.get("KAFKA_TOPIC") == "t${HOME}"
    assert s.get("ES_INDEX") == "i${x}"


@pytest.mark.parametrize("cmd", ["produce", "consume", "watch", "report", "deploy-assets"])
def test_missing_env_file_that_was_named_is_an_error(tmp_path, cmd):
    missing = tmp_path / "nope.env"
    args = {"produce": [str(tmp_path / "x.log")], "consume": [], "watch": [], "report": [str(tmp_path / "x.log")],
            "deploy-assets": ["--dry-run"]}[cmd]
    r = run(cmd, *args, "--env-file", str(missing), timeout=60, cwd=tmp_path)
    err = r.stderr.decode()
    assert r.returncode == 2, err
    assert str(missing) in err and "Traceback" not in err
    # The default .env may be absent: no error about it.
    (tmp_path / "x.log").write_text("\n".join(lines(3)) + "\n")
    r = run("produce", str(tmp_path / "x.log"), "--embedded", timeout=120, cwd=tmp_path)
    assert r.returncode == 0, r.stderr.decode()
