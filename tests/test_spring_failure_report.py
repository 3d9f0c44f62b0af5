"""Spring Boot's own file log (Boot 3.5 from Maven Central, its Logback layout, written by a real
JVM at test time) of an application that fails to start: its condition evaluation report and its
failure analysis report put their text on the lines after the record's ("… : " then "\\n\\n***…"),
unindented. With --multiline java each report is one event whose message is that text; nothing is
dead-lettered."""
from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

import kafkainsight as ki
from tests.harness_util import build_java_app

POM = Path(__file__).parent / "spring_app" / "pom.xml"
APP = """package com.example.shop;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;

@SpringBootApplication
public class App {
    public interface PaymentGateway {}

    // No bean implements PaymentGateway: the context fails and Boot's failure analyzer says why.
    public App(PaymentGateway gateway) {}

    public static void main(String[] args) {
        SpringApplication.run(App.class, args);
    }
}
"""


@pytest.fixture(scope="module")
def spring_log(tmp_path_factory):
    work = tmp_path_factory.mktemp("spring")
    cp = build_java_app(POM, {"com/example/shop/App.java": APP}, work)
    log = work / "app.log"
    r = subprocess.run(["java", "-cp", cp, "com.example.shop.App",
                        f"--logging.file.name={log}", "--spring.main.banner-mode=off"],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 1, r.stdout[-2000:]  # it must fail to start
    return log


def test_spring_boot_failure_reports_are_one_event_each(spring_log):
    lines = spring_log.read_text().splitlines()
    r = ki.read_logs(str(spring_log), multiline="java")
    assert r.failed == [] and r.stats["lines"] == len(lines)
    docs = r.records
    assert {d["kafkainsight"]["recipe"] for d in docs} == {"SPRINGBOOTLOG"}
    assert all(d["process"]["pid"] == docs[0]["process"]["pid"] for d in docs)
    by_logger = {d["log"]["logger"]: d for d in docs}
    # Boot abbreviates and cuts its logger names to 40 characters: "." may come first
    cond = by_logger[".s.b.a.l.ConditionEvaluationReportLogger"]
    assert cond["message"].startswith("Error starting ApplicationContext.") and cond["log"]["level"] == "INFO"
    report = by_logger["o.s.b.d.LoggingFailureAnalysisReporter"]
    assert report["log"]["level"] == "ERROR" and report["event"]["severity"] == 3
    text = "\n".join(lines[lines.index("APPLICATION FAILED TO START") - 1:]).rstrip("\n")
    assert report["message"] == text  # the whole report, from its first row of stars
    assert "Description:" in text and "Action:" in text and "PaymentGateway" in text
    assert "error" not in report  # a report, not a stack trace
    # every line is in exactly one event: the record lines start them, the rest continue them
    starts = [i for i, line in enumerate(lines) if line[:4].isdigit()]
    assert len(docs) == len(starts) and r.stats["joined"] == len(lines) - len(starts)
