"""Rust programs' logs, written at test time by the real env_logger and tracing-subscriber in their
default layouts (tests/rust_logs, crates from crates.io) and read without options: env_logger's
lines by recipe RUSTLOG, tracing's by TRACINGLOG (its spans and the event's fields as fields)."""
import subprocess
import time
from datetime import datetime

import pytest

import kafkainsight as ki
from tests.harness_util import build_cargo_tool


@pytest.fixture(scope="module")
def rust_logs():
    return build_cargo_tool("rust_logs")


def run(exe, mode: str) -> list[str]:
    r = subprocess.run([str(exe), mode], capture_output=True, text=True, timeout=60, check=True,
                       env={"PATH": "/usr/bin:/bin"})
    return (r.stderr if mode == "env" else r.stdout).splitlines()


def seconds(ts: str) -> float:
    return datetime.fromisoformat(ts.replace("Z", "+00:00")).timestamp()


def test_env_logger_default_layout(rust_logs):
    t0 = time.time()
    lines = run(rust_logs, "env")
    assert lines[0].startswith("[") and lines[0].endswith(" INFO  rust_logs] starting server on 0.0.0.0:8080")
    r = ki.read_logs(lines)
    assert r.failed == [] and len(r.records) == 4
    assert {d["kafkainsight"]["recipe"] for d in r.records} == {"RUSTLOG"}
    assert [(d["log"]["level"], d["log"]["logger"], d["message"]) for d in r.records] == [
        ("INFO", "rust_logs", "starting server on 0.0.0.0:8080"),
        ("WARN", "rust_logs::db", "slow query took 1250 ms"),
        ("ERROR", "rust_logs", "payment failed: card declined"),
        ("DEBUG", "audit", "ledger checked")]
    assert [d["event"]["severity"] for d in r.records] == [6, 4, 3, 7]
    for d in r.records:  # env_logger writes whole seconds, in UTC
        assert int(t0) - 1 <= seconds(d["@timestamp"]) <= time.time() + 1, d["@timestamp"]


def test_tracing_subscriber_default_layout(rust_logs):
    t0 = time.time()
    lines = run(rust_logs, "tracing")
    assert lines[2].endswith(' ERROR request{method="GET" uri="/orders/42"}: rust_logs: payment failed '
                             'err="card declined"'), lines[2]
    r = ki.read_logs(lines)
    assert r.failed == [] and len(r.records) == 4
    assert {d["kafkainsight"]["recipe"] for d in r.records} == {"TRACINGLOG"}
    docs = r.records
    assert [(d["log"]["level"], d["log"]["logger"], d["message"]) for d in docs] == [
        ("INFO", "rust_logs", "listening"), ("WARN", "rust_logs::db", "slow query"),
        ("ERROR", "rust_logs", "payment failed"), ("DEBUG", "audit", "ledger checked")]
    # The event's fields, as tracing wrote them: a &str quoted (text), an integer bare (typed).
    assert docs[0]["addr"] == "0.0.0.0:8080"
    assert docs[1]["took_ms"] == 1250
    assert docs[2]["err"] == "card declined"
    assert "tracing" not in docs[0]
    assert docs[2]["tracing"]["span"] == docs[3]["tracing"]["span"] == 'request{method="GET" uri="/orders/42"}'
    for d in docs:  # microseconds, UTC
        assert t0 - 1 < seconds(d["@timestamp"]) < time.time() + 1, d["@timestamp"]
        assert len(d["@timestamp"]) == len("2026-12-06T19:05:21.535740Z")


@pytest.mark.parametrize("backtrace", [False, True], ids=["no_backtrace", "RUST_BACKTRACE=1"])
def test_panics_between_log_lines(rust_logs, backtrace):
    # A worker thread's panic (a message of two lines) and main's (unwrap on an Err), between
    # env_logger's lines, all on stderr as a service's log file or container log holds them.
    env = {"PATH": "/usr/bin:/bin", **({"RUST_BACKTRACE": "1"} if backtrace else {})}
    r = subprocess.run([str(rust_logs), "panic"], capture_output=True, text=True, timeout=60, env=env)
    assert r.returncode == 101  # Rust's exit code for a panic in main
    lines = r.stderr.splitlines()
    plain = ki.read_logs(lines)  # without joining: the panics' first lines are read, the rest reported
    assert [d["kafkainsight"]["recipe"] for d in plain.records] == ["RUSTLOG", "RUSTPANIC", "RUSTLOG", "RUSTPANIC"]
    assert plain.failed and plain.stats["parsed"] + plain.stats["failed"] + plain.stats["empty"] == len(lines)
    if backtrace:
        assert any("--multiline rust" in f["reason"] for f in plain.failed)
    res = ki.read_logs(lines, multiline="rust")
    assert res.failed == []
    docs = res.records
    assert [d["kafkainsight"]["recipe"] for d in docs] == ["RUSTLOG", "RUSTPANIC", "RUSTLOG", "RUSTPANIC"]
    worker, main = docs[1], docs[3]
    assert worker["message"] == "payment failed: card declined\nretry in 5 minutes"
    assert worker["process"]["thread"]["name"] == "payments" and worker["process"]["thread"]["id"] > 0
    assert worker["log"]["origin"]["file"]["name"] == "src/main.rs"
    assert main["message"] == 'called `Result::unwrap()` on an `Err` value: "connection refused"'
    assert main["error"]["message"] == main["message"] and main["process"]["thread"]["name"] == "main"
    assert worker["event"]["severity"] == main["event"]["severity"] == 3
    if backtrace:
        assert worker["error"]["stack_trace"].startswith("stack backtrace:\n")
        assert "rust_logs::panics" in main["error"]["stack_trace"]
        assert "note:" not in main["error"]["stack_trace"]
    else:
        assert "stack_trace" not in worker["error"]
