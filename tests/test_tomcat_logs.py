"""Apache Tomcat's own log as a Tomcat distribution writes catalina.out (JULI's OneLineFormatter:
`dd-MMM-yyyy HH:mm:ss.SSS LEVEL [thread] class.method message`), written at test time by a real
embedded Tomcat 11 (Maven Central) that starts, answers a request whose servlet throws, and stops.
Read with no format and `--multiline java`: every line a TOMCATLOG event, the servlet's exception
one event with its stack trace."""
from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

import kafkainsight as ki
from tests.harness_util import build_java_app
from tests.test_real_logs import flat

POM = Path(__file__).parent / "tomcat_app" / "pom.xml"
APP = """package kafkainsight.tests;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.util.logging.FileHandler;
import java.util.logging.Handler;
import java.util.logging.Logger;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.juli.OneLineFormatter;

// Logs as a distribution's conf/logging.properties sets Tomcat up: OneLineFormatter into a file.
public class TomcatApp {
    public static void main(String[] args) throws Exception {
        Logger root = Logger.getLogger("");
        for (Handler h : root.getHandlers()) root.removeHandler(h);
        FileHandler file = new FileHandler(args[0]);
        file.setFormatter(new OneLineFormatter());
        file.setEncoding("UTF-8");
        root.addHandler(file);
        Tomcat tomcat = new Tomcat();
        tomcat.setBaseDir(args[1]);
        tomcat.setPort(0);
        tomcat.getConnector();
        Context ctx = tomcat.addContext("", null);
        Tomcat.addServlet(ctx, "cart", new HttpServlet() {
            @Override
            protected void doGet(HttpServletRequest req, HttpServletResponse resp) {
                throw new IllegalStateException("cart 42 is empty", new IOException("store offline"));
            }
        });
        ctx.addServletMappingDecoded("/cart", "cart");
        tomcat.start();
        int port = tomcat.getConnector().getLocalPort();
        HttpURLConnection c = (HttpURLConnection) URI.create("http://127.0.0.1:" + port + "/cart").toURL().openConnection();
        System.out.println(c.getResponseCode());
        tomcat.stop();
        tomcat.destroy();
        file.close();
    }
}
"""
# A user's own reading of a record's first line
LINE = re.compile(r"^(\d\d)-(\w{3})-(\d{4}) (\d\d:\d\d:\d\d\.\d{3}) (\w+) \[([^\]]+)\] ([\w.$]+)\.([\w$<>]+) (.*)$")
MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


@pytest.fixture(scope="module")
def catalina_log(tmp_path_factory):
    work = tmp_path_factory.mktemp("tomcat")
    cp = build_java_app(POM, {"kafkainsight/tests/TomcatApp.java": APP}, work)
    log = work / "catalina.log"
    r = subprocess.run(["java", "-Duser.timezone=UTC", "-cp", cp, "kafkainsight.tests.TomcatApp", str(log),
                        str(work / "base")], capture_output=True, text=True, timeout=300,
                       env={**os.environ, "TZ": "UTC"})
    assert r.returncode == 0 and r.stdout.strip() == "500", (r.stdout[-2000:], r.stderr[-2000:])
    return log


def test_tomcat_log_is_read_line_for_line(catalina_log):
    text = catalina_log.read_text()
    r = ki.read_logs(str(catalina_log), multiline="java")
    assert r.failed == [] and r.stats["lines"] == len(text.splitlines())
    docs = [flat(d) for d in r.records]
    assert len(docs) >= 5 and {d["kafkainsight.recipe"] for d in docs} == {"TOMCATLOG"}
    firsts = [ln for ln in text.splitlines() if LINE.match(ln)]
    assert len(firsts) == len(docs)
    for line, d in zip(firsts, docs):
        day, mon, year, hms, level, thread, cls, method, msg = LINE.match(line).groups()
        assert d["@timestamp"] == f"{year}-{MONTHS.index(mon) + 1:02d}-{day}T{hms}Z"
        assert (d["log.level"], d["process.thread.name"], d["log.logger"], d["log.origin.function"]) == \
            (level, thread, cls, method)
        assert d["message"] == msg
    assert any(d["message"].startswith("Starting Servlet engine: [Apache Tomcat/11.") for d in docs)


def test_a_servlets_exception_is_one_event_with_its_trace(catalina_log):
    docs = [flat(d) for d in ki.read_logs(str(catalina_log), multiline="java").records]
    (severe,) = [d for d in docs if d["log.level"] == "SEVERE"]
    assert severe["message"].startswith("Servlet.service() for servlet [cart] in context with path [] threw exception")
    assert severe["event.severity"] == 3 and severe["process.thread.name"].startswith("http-nio-")
    assert (severe["error.type"], severe["error.message"]) == ("java.lang.IllegalStateException", "cart 42 is empty")
    assert "Caused by: java.io.IOException: store offline" in severe["error.stack_trace"]
    assert "\tat kafkainsight.tests.TomcatApp$1.doGet(" in severe["error.stack_trace"]
