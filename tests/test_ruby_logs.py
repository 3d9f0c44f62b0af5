"""Ruby's Logger in its default layout (`I, [2026-12-06T16:43:02.474418 #17622]  INFO -- progname: message`:
Rails' production.log, Sidekiq, Sinatra), written at test time by a real Ruby (Debian's), read with no
options (recipe RUBYLOG)."""
from __future__ import annotations

import os
import re
import shutil
import subprocess

import pytest

import kafkainsight as ki
from tests.test_real_logs import flat

APP = r"""
require 'logger'
log = Logger.new($stdout)
log.level = Logger::DEBUG
log.info("Started GET \"/orders/42\" for 127.0.0.1 at 2026-12-06 16:43:02 +0000")
log.progname = "billing"
log.warn("card expiring: 2 days")
log.error("charge failed: timeout")
log.debug("sql: SELECT 1")
log.fatal("giving up")
log.unknown("???")
log.add(Logger::INFO) { "from a block" }
"""
# A user's own reading of a line
LINE = re.compile(r"^([DIWEFA]), \[(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}) #(\d+)\] +(\w+) -- ([^:]*): (.*)$")


@pytest.fixture(scope="module")
def ruby_log(tmp_path_factory):
    if not shutil.which("ruby"):
        pytest.skip("needs ruby (scripts/setup.sh installs it)")
    d = tmp_path_factory.mktemp("ruby")
    (d / "app.rb").write_text(APP)
    r = subprocess.run(["ruby", str(d / "app.rb")], capture_output=True, text=True, timeout=120,
                       env={**os.environ, "TZ": "UTC"}, check=True)
    return r.stdout.splitlines()


def test_ruby_logger_lines_are_read(ruby_log):
    assert len(ruby_log) == 7
    r = ki.read_logs(ruby_log)
    assert r.failed == []
    docs = [flat(d) for d in r.records]
    for line, d in zip(ruby_log, docs):
        letter, when, pid, level, progname, msg = LINE.match(line).groups()
        assert letter == level[0]
        assert d["kafkainsight.recipe"] == "RUBYLOG"
        assert (d["@timestamp"], d["process.pid"], d["log.level"]) == (when + "Z", int(pid), level)
        assert d.get("log.logger") == (progname or None) and d["message"] == msg
    assert docs[0]["message"].startswith('Started GET "/orders/42"')
    assert [d.get("event.severity") for d in docs] == [6, 4, 3, 7, 2, None, 6]  # ANY: no severity
