"""java.util.logging's default layout (SimpleFormatter: "Dec 06, 2026 4:40:48 PM class method", then
"LEVEL: message", a stack trace after it), written at test time by a real JVM to stderr: one event
a record with --multiline java (recipe JULLOG); without it, each line says what it is."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from datetime import datetime

import pytest

import kafkainsight as ki
from tests.test_real_logs import flat

APP = """
import java.util.logging.*;

public class Jul {
    public static void main(String[] args) {
        Logger log = Logger.getLogger("com.example.shop.Checkout");
        log.info("started on port 8080");
        log.warning("slow response: 1200 ms");
        try {
            throw new IllegalStateException("cart 42 is empty", new java.io.IOException("store offline"));
        } catch (Exception e) {
            log.log(Level.SEVERE, "checkout failed", e);
        }
        Logger.getLogger("").info("root says hi");
    }
}
"""
HEADER = re.compile(r"^(\w{3} \d\d, \d{4} \d{1,2}:\d\d:\d\d [AP]M) (\S+) (\S+)$")


@pytest.fixture(scope="module")
def jul_log(tmp_path_factory):
    if not shutil.which("java"):
        pytest.skip("no JVM")
    d = tmp_path_factory.mktemp("jul")
    (d / "Jul.java").write_text(APP)
    r = subprocess.run(["java", "-Duser.language=en", "-Duser.country=US", "-Duser.timezone=UTC", "Jul.java"],
                       cwd=d, capture_output=True, text=True, timeout=300, env={**os.environ, "TZ": "UTC"})
    assert r.returncode == 0, r.stderr[-2000:]
    (d / "stderr.log").write_text(r.stderr)
    return d / "stderr.log"


def test_jul_records_are_one_event_each(jul_log):
    text = jul_log.read_text()
    r = ki.read_logs(str(jul_log), multiline="java")
    assert r.failed == [] and r.stats["lines"] == len(text.splitlines())
    docs = [flat(d) for d in r.records]
    assert [d["message"] for d in docs] == ["started on port 8080", "slow response: 1200 ms", "checkout failed",
                                            "root says hi"]
    assert [d["log.level"] for d in docs] == ["INFO", "WARNING", "SEVERE", "INFO"]
    assert [d["event.severity"] for d in docs] == [6, 4, 3, 6]
    headers = [HEADER.match(ln) for ln in text.splitlines() if HEADER.match(ln)]
    assert len(headers) == len(docs)
    for m, d in zip(headers, docs):
        when = datetime.strptime(m[1], "%b %d, %Y %I:%M:%S %p")
        assert d["@timestamp"] == when.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert {d["kafkainsight.recipe"], d["log.logger"], d["log.origin.function"]} == {"JULLOG", m[2], m[3]}
    severe = docs[2]
    assert (severe["error.type"], severe["error.message"]) == ("java.lang.IllegalStateException", "cart 42 is empty")
    assert severe["error.stack_trace"].startswith("java.lang.IllegalStateException: cart 42 is empty\n\tat Jul.main(")
    assert "Caused by: java.io.IOException: store offline" in severe["error.stack_trace"]


def test_without_multiline_each_line_says_what_it_is(jul_log):
    r = ki.read_logs(str(jul_log))
    reasons = [f["reason"] for f in r.failed]
    assert any(x.startswith("java.util.logging's first line of a record") for x in reasons)
    assert all("--multiline java" in x for x in reasons)
    assert r.stats["lines"] == len(jul_log.read_text().splitlines())  # every line accounted for
    assert r.stats["parsed"] + len(r.failed) + r.stats["empty"] == r.stats["lines"]
