"""Applications' text logs written at test time by a real JVM (log4j2's PatternLayout in Spring
Boot's, logback's and log4j's layouts) and a real CPython (the logging module's layouts), read
by the grok recipes of docs/GROK.md. Without options each event line is read by its layout's
recipe, and the lines of a stack trace, read one by one, name the --multiline preset that joins
them; with that preset every event is read, stack traces and tracebacks included, as the recipe
named with --grok reads it."""
from __future__ import annotations

import re
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path

import pytest

import kafkainsight as ki
from tests.harness_util import build_java_app
from tests.test_grok import _advice, without_recipe
from tests.test_jvm_json_logs import jvm_app  # noqa: F401  (the fixture: App.java compiled against log4j2)
from tests.test_real_logs import flat

# App.java logs: INFO "order 42 placed", WARN "payment slow", ERROR "payment failed" with an
# IllegalStateException("card declined") (com.example.Checkout), FATAL "ledger out of balance"
# (com.example.Audit).
JAVA_LAYOUTS = {
    # Spring Boot's FILE_LOG_PATTERN for log4j2 (spring-boot's log4j2.xml; %xwEx is Spring's
    # converter, log4j2's own %xEx here)
    "spring_boot_2": ("%d{yyyy-MM-dd HH:mm:ss.SSS} %5p %pid --- [%t] %-40.40c{1.} : %m%n%xEx", "%{SPRINGBOOTLOG}"),
    # Spring Boot 3.4's CONSOLE_LOG_PATTERN (logback defaults.xml) without colours, application "demo"
    "spring_boot_3": ("%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %5p %pid --- [demo] [%15.15t] %-40.40c{1.} : %m%n%xEx",
                      "%{SPRINGBOOTLOG}"),
    "logback_order": ("%d{yyyy-MM-dd HH:mm:ss.SSS} [%t] %-5level %logger{36} - %msg%n%xEx", "%{JAVALOG}"),
    "log4j_classic": ("%d{ISO8601} %-5p [%t] %c: %m%n%xEx", "%{JAVALOG}"),
    # WildFly / JBoss EAP's server.log (its periodic-rotating-file-handler's %d %-5p [%c] (%t) %s%e%n)
    "wildfly": ("%d{yyyy-MM-dd HH:mm:ss,SSS} %-5p [%c] (%t) %m%n%xEx", "%{WILDFLYLOG}"),
    # A time of day only (the day is the clock's): log4j 2's default configuration's layout, and
    # WildFly's console handler (%K{level}%d{HH:mm:ss,SSS} %-5p [%c] (%t) %s%e, without colours)
    "log4j2_default": ("%d{HH:mm:ss.SSS} [%t] %-5level %logger{36} - %msg%n%xEx", "%{JAVALOG}"),
    "wildfly_console": ("%d{HH:mm:ss,SSS} %-5p [%c] (%t) %m%n%xEx", "%{WILDFLYLOG}"),
}

PATTERN_CONFIG = """<Configuration status="WARN">
  <Appenders><Console name="out" target="SYSTEM_OUT"><PatternLayout pattern="{pattern}"/></Console></Appenders>
  <Loggers><Root level="debug"><AppenderRef ref="out"/></Root></Loggers>
</Configuration>"""


def java_lines(jvm_app, layout: str, tmp_path) -> list[str]:
    work, cp = jvm_app
    cfg = tmp_path / f"{layout}.xml"
    cfg.write_text(PATTERN_CONFIG.replace("{pattern}", JAVA_LAYOUTS[layout][0]))
    r = subprocess.run(["java", "-Duser.timezone=UTC", f"-Dlog4j.configurationFile={cfg}", "-cp", f"{cp}:{work}",
                        "App"], capture_output=True, text=True, timeout=300, check=True)
    return r.stdout.splitlines()


@pytest.mark.parametrize("layout", list(JAVA_LAYOUTS))
def test_java_layouts_read_by_their_recipe_without_options(jvm_app, layout, tmp_path):
    t0 = time.time()
    lines = java_lines(jvm_app, layout, tmp_path)
    trace = [ln for ln in lines if ln.startswith("\tat ") or ln.startswith("java.")]
    assert any(ln.startswith("\tat ") for ln in lines)  # the stack trace is there
    recipe = JAVA_LAYOUTS[layout][1]
    plain = ki.read_logs(lines)
    assert len(plain.records) == 4 and len(plain.failed) == len(trace)
    assert {d["kafkainsight"]["recipe"] for d in plain.records} == {recipe[2:-1]}
    assert all(_advice(f["reason"]) == {"multiline": "java"} for f in plain.failed), plain.failed[0]["reason"]
    res = ki.read_logs(lines, multiline="java")
    assert res.failed == []
    assert [without_recipe(d) for d in res.records] == ki.read_logs(lines, grok=recipe, multiline="java").records
    docs = [flat(d) for d in res.records]
    assert [d["log.level"].strip() for d in docs] == ["INFO", "WARN", "ERROR", "FATAL"]
    assert [d["message"] for d in docs] == ["order 42 placed", "payment slow", "payment failed",
                                            "ledger out of balance"]
    full = "com.example.Checkout" if not layout.startswith("spring") else "c.e.Checkout"  # %c{1.} abbreviates
    assert docs[0]["log.logger"] == full
    assert docs[0]["process.thread.name"] == "main"
    assert docs[2]["error.stack_trace"].startswith("java.lang.IllegalStateException: card declined\n\tat App.main")
    assert "error.stack_trace" not in docs[0]
    for d in docs:
        ts = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp()
        assert t0 - 5 < ts < time.time() + 5, d["@timestamp"]
    if layout.startswith("spring"):
        assert docs[0]["process.pid"] > 0
    if layout == "spring_boot_3":
        assert docs[0]["service.name"] == "demo"


LOGBACK_POM = Path(__file__).parent / "logback_app" / "pom.xml"
LOGBACK_APP = """
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

public class App {
  public static void main(String[] args) {
    Logger log = LoggerFactory.getLogger("com.example.Checkout");
    log.info("order {} placed", 42);
    log.atWarn().addKeyValue("order", 42).addKeyValue("user", "bob smith").log("payment slow");
    log.error("payment failed", new IllegalStateException("card declined"));
    LoggerFactory.getLogger("com.example.Audit").debug("ledger checked");
  }
}
"""


def test_logback_default_layout_without_configuration(tmp_path):
    # logback-classic with no logback.xml: its TTLLLayout, "HH:mm:ss.SSS [thread] LEVEL logger -kvp- message"
    # (a time of day only; the key-value pairs of SLF4J 2's fluent API between the dashes).
    cp = build_java_app(LOGBACK_POM, {"App.java": LOGBACK_APP}, tmp_path)
    t0 = time.time()
    out = subprocess.run(["java", "-Duser.timezone=UTC", "-cp", cp, "App"], capture_output=True, text=True,
                         timeout=300, check=True).stdout
    lines = out.splitlines()
    assert re.match(r"\d\d:\d\d:\d\d\.\d{3} \[main\] INFO com\.example\.Checkout -- order 42 placed$", lines[0]), lines[0]
    plain = ki.read_logs(lines)
    assert len(plain.records) == 4 and {d["kafkainsight"]["recipe"] for d in plain.records} == {"JAVALOG"}
    assert all(_advice(f["reason"]) == {"multiline": "java"} for f in plain.failed) and plain.failed
    res = ki.read_logs(lines, multiline="java")
    assert res.failed == []
    docs = [flat(d) for d in res.records]
    assert [d["log.level"] for d in docs] == ["INFO", "WARN", "ERROR", "DEBUG"]
    assert [d["message"] for d in docs] == ["order 42 placed", "payment slow", "payment failed", "ledger checked"]
    assert [d["log.logger"] for d in docs] == ["com.example.Checkout"] * 3 + ["com.example.Audit"]
    assert (docs[1]["order"], docs[1]["user"]) == ("42", "bob smith")  # as logback quotes them
    assert "order" not in docs[0]
    assert docs[2]["error.type"] == "java.lang.IllegalStateException"
    assert docs[2]["error.stack_trace"].startswith("java.lang.IllegalStateException: card declined\n\tat App.main")
    for d in docs:  # the day from the clock, the time of day as written
        ts = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp()
        assert t0 - 5 < ts < time.time() + 5, d["@timestamp"]


PY_APP = """
import logging, sys
logging.basicConfig(format=sys.argv[1], stream=sys.stdout, level=logging.DEBUG)
log = logging.getLogger("shop.payments")
log.info("paid %d", 42)
log.warning("retrying")
try:
    1 / 0
except ZeroDivisionError:
    log.exception("refund failed")
"""

PY_LAYOUTS = {
    "cookbook": "%(asctime)s - %(name)s - %(levelname)s - %(message)s",  # the logging cookbook's
    "basic": "%(levelname)s:%(name)s:%(message)s",  # basicConfig's default
    "asctime_level_name": "%(asctime)s %(levelname)s %(name)s: %(message)s",
}


@pytest.mark.parametrize("layout", list(PY_LAYOUTS))
def test_python_logging_layouts_read_by_their_recipe_without_options(layout):
    t0 = time.time()
    out = subprocess.run([sys.executable, "-c", PY_APP, PY_LAYOUTS[layout]], capture_output=True, text=True,
                         timeout=60, check=True).stdout
    lines = out.splitlines()
    assert lines[3] == "Traceback (most recent call last):"
    plain = ki.read_logs(lines)
    assert len(plain.records) == 3 and {d["kafkainsight"]["recipe"] for d in plain.records} == {"PYTHONLOG"}
    assert _advice(plain.failed[0]["reason"]) == {"multiline": "python"}, plain.failed[0]["reason"]
    res = ki.read_logs(lines, multiline="python")
    assert res.failed == []
    docs = [flat(d) for d in res.records]
    named = [flat(d) for d in ki.read_logs(lines, grok="%{PYTHONLOG}", multiline="python").records]
    read_time = ("@timestamp", "event.ingested")  # (basicConfig's default has no time: the read time)
    assert [{k: v for k, v in d.items() if k not in read_time + ("kafkainsight.recipe",)} for d in docs] == \
        [{k: v for k, v in d.items() if k not in read_time} for d in named]
    assert [d["log.level"] for d in docs] == ["INFO", "WARNING", "ERROR"]
    assert [d["message"] for d in docs] == ["paid 42", "retrying", "refund failed"]
    assert {d["log.logger"] for d in docs} == {"shop.payments"}
    trace = docs[2]["error.stack_trace"]
    assert trace.startswith("Traceback (most recent call last):") and trace.endswith(
        "ZeroDivisionError: division by zero")
    for d in docs:  # asctime is local time without a zone (--tz); basicConfig's default has none: read time
        ts = datetime.fromisoformat(d["@timestamp"].replace("Z", "+00:00")).timestamp()
        assert abs(ts - t0) < 86400 + 60
    if layout == "basic":
        assert all(d.get("event.ingested") for d in docs)


def test_lines_nobody_reads_keep_the_generic_advice():
    # the seconds run into a word: not even GENERICLOG's time, date, level, message
    r = ki.read_logs(["2024-01-01 12:00:00,123XYZ <INFO> shop: paid"])
    assert r.failed[0]["reason"].startswith("a date first: an application's text log")
    assert re.search(r"--grok", r.failed[0]["reason"])
