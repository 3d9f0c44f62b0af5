"""Multi-line events with stack traces written at test time by a real JVM (java.util.logging)
and a real CPython (logging.exception): each trace becomes exactly one event with the whole
text, numbered by its first line; --resume checkpoints stay exact; --follow sends the last
event of a quiet file after the flush timeout."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kafkainsight.logs import read_logs

JAVA_APP = r"""
import java.io.*;
import java.util.logging.*;

public class TraceApp {
    static void inner(int depth) throws IOException {
        if (depth == 0) throw new FileNotFoundException("config.yaml (No such file or directory)");
        inner(depth - 1);
    }
    static void middle() {
        try { inner(3); } catch (IOException e) { throw new IllegalStateException("cannot load config", e); }
    }
    public static void main(String[] args) throws Exception {
        Logger log = Logger.getLogger("com.acme.Checkout");
        log.setUseParentHandlers(false);
        FileHandler fh = new FileHandler(args[0]);
        fh.setFormatter(new SimpleFormatter());
        log.addHandler(fh);
        PrintWriter expected = new PrintWriter(new FileWriter(args[1]));
        log.info("service started");
        for (int i = 0; i < 3; i++) {
            try {
                middle();
            } catch (RuntimeException e) {
                RuntimeException outer = new RuntimeException("order " + i + " failed", e);
                outer.addSuppressed(new IllegalArgumentException("rollback failed"));
                log.log(Level.SEVERE, "checkout failed for order " + i, outer);
                StringWriter sw = new StringWriter();
                outer.printStackTrace(new PrintWriter(sw));
                expected.print(sw.toString());
                expected.print('\u0000');
            }
            log.warning("retrying");
        }
        log.info("done");
        fh.close();
        expected.close();
    }
}
"""

PY_APP = r"""
import logging, sys, traceback
logging.basicConfig(filename=sys.argv[1], level=logging.INFO,
                    format="%(asctime)s %(levelname)s %(name)s: %(message)s")
log = logging.getLogger("shop.payments")
expected = open(sys.argv[2], "w")

def charge(card):
    raise KeyError(card)

def pay(i):
    try:
        charge(f"card-{i}")
    except KeyError as e:
        raise RuntimeError(f"payment {i} declined") from e

for i in range(3):
    log.info("paying order %d", i)
    try:
        pay(i)
    except RuntimeError:
        log.exception("payment failed for order %d", i)
        expected.write(traceback.format_exc() + "\0")
try:
    try:
        1 / 0
    except ZeroDivisionError:
        {}["missing"]
except KeyError:
    log.exception("inconsistent state")
    expected.write(traceback.format_exc() + "\0")
log.info("done")
"""

JAVA_GROK = "%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:log.level} %{JAVACLASS:log.logger} %{GREEDYDATA:message}"
JUL_FORMAT = "%1$tF %1$tT.%1$tL %4$s %3$s %5$s%6$s%n"


@pytest.fixture(scope="module")
def java_log(tmp_path_factory):
    if not shutil.which("java"):
        pytest.skip("no JVM")
    d = tmp_path_factory.mktemp("jvm")
    (d / "TraceApp.java").write_text(JAVA_APP)
    log, expected = d / "app.log", d / "expected.txt"
    r = subprocess.run(["java", f"-Djava.util.logging.SimpleFormatter.format={JUL_FORMAT}", "TraceApp.java",
                        str(log), str(expected)], cwd=d, capture_output=True, text=True, timeout=180)
    assert r.returncode == 0, r.stderr
    traces = [t.rstrip("\n") for t in expected.read_text().split("\0") if t]
    assert len(traces) == 3 and all("Caused by:" in t and "Suppressed:" in t and "... " in t for t in traces)
    return log, traces


@pytest.fixture(scope="module")
def python_log(tmp_path_factory):
    d = tmp_path_factory.mktemp("cpython")
    (d / "app.py").write_text(PY_APP)
    log, expected = d / "app.log", d / "expected.txt"
    r = subprocess.run([sys.executable, str(d / "app.py"), str(log), str(expected)], capture_output=True, text=True,
                       timeout=60)
    assert r.returncode == 0, r.stderr
    traces = [t.rstrip("\n") for t in expected.read_text().split("\0") if t]
    assert len(traces) == 4 and "During handling of the above exception" in traces[3]
    return log, traces


def starts(path: Path, prefix_len: int = 4) -> list[int]:
    """1-based numbers of the lines that begin with a year (the log records' first lines)."""
    return [i for i, line in enumerate(path.read_text().splitlines(), 1) if line[:prefix_len].isdigit()]


@pytest.mark.parametrize("how", [dict(multiline="java"),
                                 dict(multiline_start=r"^%{TIMESTAMP_ISO8601} %{LOGLEVEL} ")])
def test_java_traces_are_one_event_each(java_log, how):
    log, traces = java_log
    r = read_logs(log, grok=JAVA_GROK, **how)
    total = len(log.read_text().splitlines())
    assert r.stats["lines"] == total and not r.failed
    assert r.stats["parsed"] == 8 and r.stats["joined"] == total - 8  # started, 3 x (trace, retrying), done
    assert r.line_numbers == starts(log)
    severe = [d for d in r.records if d["log"]["level"] == "SEVERE"]
    assert [d["message"] for d in severe] == [f"checkout failed for order {i}" for i in range(3)]
    assert [d["error"]["stack_trace"] for d in severe] == traces  # the whole trace, as the JVM printed it
    # The outermost exception (the trace's first line) named as ECS loggers name it
    assert [(d["error"]["type"], d["error"]["message"]) for d in severe] == [
        ("java.lang.RuntimeException", f"order {i} failed") for i in range(3)]
    assert all(d["event"]["severity"] == 3 and d["log"]["logger"] == "com.acme.Checkout" for d in severe)
    assert [d["log"]["level"] for d in r.records].count("WARNING") == 3


def test_python_tracebacks_are_one_event_each(python_log):
    log, traces = python_log
    r = read_logs(log, grok="%{PYTHONLOG}", multiline="python")
    total = len(log.read_text().splitlines())
    assert r.stats["lines"] == total and r.stats["parsed"] == 8 and not r.failed
    assert r.line_numbers == starts(log)
    errors = [d for d in r.records if d["log"]["level"] == "ERROR"]
    assert [d["message"] for d in errors] == [f"payment failed for order {i}" for i in range(3)] + ["inconsistent state"]
    assert [d["error"]["stack_trace"] for d in errors] == traces
    # The exception raised last (the traceback's last line), as traceback.format_exception_only names it
    assert [(d["error"]["type"], d["error"]["message"]) for d in errors] == [
        ("RuntimeError", f"payment {i} declined") for i in range(3)] + [("KeyError", "'missing'")]
    assert all(d["log"]["logger"] == "shop.payments" for d in r.records)
    # Without the preset every line is its own event: the traceback lines fail one by one.
    plain = read_logs(log, grok="%{PYTHONLOG}", format="grok")
    assert len(plain.failed) + plain.stats["empty"] == total - 8 and plain.stats["empty"] > 0


def test_without_grok_the_message_is_the_whole_event(python_log):
    log, traces = python_log
    r = read_logs(log, grok=r"^%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:log.level}", multiline="python")
    errors = [d for d in r.records if d["log"]["level"] == "ERROR"]
    assert errors[0]["message"].endswith(traces[0]) and "stack_trace" not in errors[0].get("error", {})


def test_event_bounds_keep_every_line(java_log):
    log, _ = java_log
    total = len(log.read_text().splitlines())
    r = read_logs(log, grok=JAVA_GROK, multiline="java", multiline_max_lines=5)
    # Long traces are cut into events of at most 5 lines: the tails do not match the pattern and
    # are reported as failed lines, numbered; nothing is dropped.
    s = r.stats
    assert s["lines"] == total == s["parsed"] + s["failed"] + s["joined"] + s["empty"]
    assert s["failed"] > 0 and all(f["line_no"] not in starts(log) for f in r.failed)


def _produce(broker, log, *extra, check=True):
    r = subprocess.run([sys.executable, "-m", "kafkainsight", "produce", str(log), "-b", broker.bootstrap, "-q",
                        "--headers", "all", "--grok", JAVA_GROK, "--multiline", "java", *extra],
                       capture_output=True, text=True, timeout=120)
    if check:
        assert r.returncode == 0, r.stderr
    return r


def test_produce_resume_checkpoint_counts_whole_events(java_log, tmp_path):
    from kafkainsight.kafka import EmbeddedBroker
    from tests.kafka_util import consume_all, headers
    src, _ = java_log
    log, ck = tmp_path / "app.log", tmp_path / "ck.json"
    text = src.read_text()
    log.write_text(text)
    total = len(text.splitlines())
    with EmbeddedBroker(topics={"data_log": 2, "data_log.dlq": 1}) as b:
        r = _produce(b, log, "--resume", str(ck))
        assert f"read={total} produced=8" in r.stderr, r.stderr
        assert json.loads(ck.read_text())["files"][str(log)]["line"] == total
        msgs = consume_all(b.bootstrap, "data_log")
        assert sorted(int(headers(m)["ki.line"]) for m in msgs) == starts(log)
        r = _produce(b, log, "--resume", str(ck))
        assert "read=0 produced=0" in r.stderr and f"resumed: {total}" in r.stderr, r.stderr
        with open(log, "a") as f:
            f.write("2026-01-01 00:00:00.000 SEVERE com.acme.Checkout late\njava.lang.Error: x\n\tat A.b(A.java:1)\n")
        r = _produce(b, log, "--resume", str(ck))
        assert "read=3 produced=1" in r.stderr, r.stderr
        assert json.loads(ck.read_text())["files"][str(log)]["line"] == total + 3


def test_follow_sends_the_last_event_of_a_quiet_file(tmp_path):
    from kafkainsight.kafka import EmbeddedBroker
    from tests.kafka_util import consume_all
    log = tmp_path / "live.log"
    log.write_text("")
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        p = subprocess.Popen([sys.executable, "-m", "kafkainsight", "produce", str(log), "-b", b.bootstrap, "-q",
                              "--follow", "--grok", JAVA_GROK, "--multiline", "java", "--multiline-flush", "0.3"],
                             stderr=subprocess.PIPE, text=True)
        try:
            with open(log, "a") as f:  # one trace, then the file stays quiet: no next line ends it
                f.write("2026-01-01 00:00:00.000 SEVERE com.acme.Checkout boom\n"
                        "java.lang.IllegalStateException: x\n\tat A.b(A.java:1)\n\t... 2 more\n")
            deadline, docs = time.monotonic() + 60, []
            while not docs and time.monotonic() < deadline:
                docs = [json.loads(m.value()) for m in consume_all(b.bootstrap, "data_log", timeout=5)]
                time.sleep(0.2)
            assert len(docs) == 1
            assert docs[0]["error"]["stack_trace"] == "java.lang.IllegalStateException: x\n\tat A.b(A.java:1)\n\t... 2 more"
        finally:
            p.send_signal(signal.SIGTERM)
            _, err = p.communicate(timeout=60)
        assert "read=4 produced=1" in err, err


def test_report_and_watch_join_lines_too(java_log):
    from kafkainsight.report import summarize_logs
    from kafkainsight.watch import evaluate_files
    log, _ = java_log
    total = len(log.read_text().splitlines())
    t = summarize_logs(log, grok=JAVA_GROK, multiline="java")["totals"]
    assert t["lines"] == t["parsed"] == total and t["failed"] == 0  # every line is in a parsed event
    t = summarize_logs(log, grok=JAVA_GROK)["totals"]
    assert t["parsed"] == 8 and t["failed"] + t["empty"] == total - 8
    assert isinstance(evaluate_files([log], grok=JAVA_GROK, multiline="java"), list)
    r = subprocess.run([sys.executable, "-m", "kafkainsight", "watch", "--logs", str(log), "--grok", JAVA_GROK,
                        "--multiline", "java", "-q"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
