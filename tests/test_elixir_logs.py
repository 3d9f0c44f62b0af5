"""Elixir's Logger lines, written at test time by a real Elixir (Debian's, installed by
scripts/setup.sh) in its default console layout ("$time $metadata[$level] $message", a blank line
between records in Elixir 1.14) and read without options by recipe ELIXIRLOG."""
import shutil
import subprocess
import time
from datetime import datetime

import pytest

import kafkainsight as ki

SCRIPT = """
require Logger
Logger.configure_backend(:console, metadata: [:request_id, :user_id])
Logger.info("order 42 placed")
Logger.metadata(request_id: "F7Hx2", user_id: 42)
Logger.warning("payment slow")
Logger.error("payment failed: card declined")
Logger.debug("ledger checked")
Logger.flush()
"""


@pytest.fixture(scope="module")
def elixir_lines():
    if not shutil.which("elixir"):
        pytest.skip("needs elixir (scripts/setup.sh installs it)")
    t0 = time.time()
    r = subprocess.run(["elixir", "-e", SCRIPT], capture_output=True, text=True, timeout=120, check=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": "/tmp", "LANG": "C.UTF-8", "TZ": "UTC"})
    return t0, r.stdout.splitlines(), time.time()


def test_elixir_logger_default_layout(elixir_lines):
    t0, lines, t1 = elixir_lines
    events = [ln for ln in lines if ln.strip()]
    assert len(events) == 4, lines
    r = ki.read_logs(lines)
    assert r.failed == [] and r.stats["parsed"] == 4 and r.stats["empty"] == len(lines) - 4
    docs = r.records
    assert {d["kafkainsight"]["recipe"] for d in docs} == {"ELIXIRLOG"}
    assert [(d["log"]["level"], d["message"]) for d in docs] == [
        ("info", "order 42 placed"), ("warning", "payment slow"), ("error", "payment failed: card declined"),
        ("debug", "ledger checked")]
    assert [d["event"]["severity"] for d in docs] == [6, 4, 3, 7]
    # The configured metadata, as Logger wrote it before [level]: a field each (an integer typed).
    assert "request_id" not in docs[0]
    assert all((d["request_id"], d["user_id"]) == ("F7Hx2", 42) for d in docs[1:])
    for d in docs:  # Logger writes the time of day only (UTC here): the day is the clock's
        ts = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp()
        assert t0 - 2 < ts < t1 + 2, d["@timestamp"]
