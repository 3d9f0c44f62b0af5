"""log4j2's JsonLayout lines written at test time by a real JVM (jars from Maven Central via
tests/jvm_logs/pom.xml), parsed with no options: time (``instant`` or ``timeMillis``), level,
logger, message and the thrown exception as log4j2 documents them."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest

import kafkainsight as ki
from tests.harness_util import build_java_app

POM = Path(__file__).parent / "jvm_logs" / "pom.xml"

APP = """
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

public class App {
  public static void main(String[] args) {
    Logger log = LogManager.getLogger("com.example.Checkout");
    log.info("order {} placed", 42);
    log.warn("payment slow");
    log.error("payment failed", new IllegalStateException("card declined"));
    LogManager.getLogger("com.example.Audit").fatal("ledger out of balance");
  }
}
"""

CONFIG = """<Configuration status="WARN">
  <Appenders>
    <Console name="out" target="SYSTEM_OUT">
      <JsonLayout compact="true" eventEol="true" includeTimeMillis="{millis}"/>
    </Console>
  </Appenders>
  <Loggers><Root level="debug"><AppenderRef ref="out"/></Root></Loggers>
</Configuration>
"""


@pytest.fixture(scope="module")
def jvm_app(tmp_path_factory):
    work = tmp_path_factory.mktemp("jvm")
    return work, build_java_app(POM, {"App.java": APP}, work)


def run_app(jvm_app, millis: bool) -> list[str]:
    work, cp = jvm_app
    cfg = work / f"log4j2-{millis}.xml"
    cfg.write_text(CONFIG.format(millis=str(millis).lower()))
    r = subprocess.run(["java", f"-Dlog4j.configurationFile={cfg}", "-cp", cp, "App"],
                       capture_output=True, text=True, timeout=300, check=True)
    return [line for line in r.stdout.splitlines() if line.strip()]


@pytest.mark.parametrize("millis", [False, True], ids=["instant", "timeMillis"])
def test_log4j2_json_layout_lines(jvm_app, millis):
    t0 = time.time()
    lines = run_app(jvm_app, millis)
    res = ki.read_logs(lines)
    assert res.failed == [] and len(res.records) == 4, lines
    info, warn, err, fatal = res.records
    assert info["message"] == "order 42 placed"
    assert info["log"]["level"] == "INFO" and info["log"]["logger"] == "com.example.Checkout"
    assert info["event"]["severity"] == 6
    assert info["thread"] == "main"
    assert "instant" not in info and "timeMillis" not in info  # consumed as @timestamp
    from datetime import datetime
    ts = datetime.fromisoformat(info["@timestamp"].replace("Z", "+00:00")).timestamp()
    assert t0 - 60 < ts < time.time() + 5
    assert warn["event"]["severity"] == 4
    assert err["event"]["severity"] == 3
    # log4j2's thrown as ECS's error.* (its stack, an array, stays as written)
    assert err["error"]["type"] == "java.lang.IllegalStateException"
    assert err["error"]["message"] == "card declined"
    assert fatal["log"]["level"] == "FATAL" and fatal["event"]["severity"] == 2
    assert fatal["log"]["logger"] == "com.example.Audit"
