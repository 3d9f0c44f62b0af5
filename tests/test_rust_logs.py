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
