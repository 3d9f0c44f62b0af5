"""The real flog (github.com/mingrammer/flog v0.4.4, built from the Go module proxy at test time,
tests/flog/go.mod), not our imitation of it: every format it writes, read without options, in a
zone with a half-hour offset. Each line is checked against what a user's own regex (or
json.loads) reads from it, through .records (documents) and through to_pandas() (the columns
path, which has its own reader of combined lines)."""
import json
import os
import re
import subprocess
from datetime import datetime, timedelta, timezone

import pandas as pd
import pytest

import kafkainsight as ki
from tests.harness_util import build_go_tool
from tests.test_real_logs import flat

LINES = 5000
TZ = "Asia/Kolkata"  # +05:30, no daylight saving time
ZONE = timezone(timedelta(hours=5, minutes=30))


@pytest.fixture(scope="module")
def flog():
    return build_go_tool("flog", "github.com/mingrammer/flog")


def write(flog, fmt, path):
    subprocess.run([str(flog), "-f", fmt, "-n", str(LINES), "-t", "log", "-o", str(path), "-w"],
                   env={**os.environ, "TZ": TZ}, check=True, timeout=120, capture_output=True)
    lines = path.read_text().splitlines()
    assert len(lines) == LINES
    return lines


def instant(text, fmt=None):
    """A time as written (flog's text, or our @timestamp: ISO 8601 with the offset written, or Z)."""
    dt = datetime.strptime(text, fmt) if fmt else datetime.fromisoformat(text.replace("Z", "+00:00"))
    return dt if dt.tzinfo else dt.replace(tzinfo=ZONE)


def check(doc, want, line):
    for name, value in want.items():
        got = flat(doc).get(name)
        if name == "@timestamp":
            got = instant(got)
        assert got == value, (name, line)


def read(path, **kw):
    res = ki.read_logs(str(path), **kw)
    assert res.stats["parsed"] == LINES and not res.failed, res.failed[:3]
    return res


ACCESS = re.compile(r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+|-)(?: "([^"]*)" "([^"]*)")?$')


def access_fields(line):
    m = ACCESS.match(line)
    assert m, line
    ip, _, user, t, method, path, proto, status, size, referrer, agent = m.groups()
    want = {"@timestamp": instant(t, "%d/%b/%Y:%H:%M:%S %z"), "source.ip": ip,
            "user.name": None if user == "-" else user, "http.request.method": method, "url.original": path,
            "http.version": proto.removeprefix("HTTP/"), "http.response.status_code": int(status),
            "http.response.body.bytes": None if size == "-" else int(size)}
    if referrer is not None:
        want["http.request.referrer"] = referrer
        want["user_agent.original"] = agent
    return want


@pytest.mark.parametrize("fmt", ["apache_common", "apache_combined"])
def test_flog_access_lines_read_as_a_regex_reads_them(flog, tmp_path, fmt):
    lines = write(flog, fmt, tmp_path / "access.log")
    res = read(tmp_path / "access.log")
    assert res.stats["by_format"] == {fmt: LINES}
    df = res.to_pandas()
    for i, (line, doc) in enumerate(zip(lines, res.records)):
        want = access_fields(line)
        check(doc, want, line)
        for name, value in want.items():
            cell = df[name].iloc[i]
            if name == "@timestamp":
                cell = cell.to_pydatetime()
            elif value is None:
                assert pd.isna(cell), (name, line)
                continue
            assert cell == value, (name, line)
        assert doc["kafkainsight"]["anonymous"] == ("name" not in doc.get("user", {}))


def test_flog_json_lines_say_what_json_loads_says(flog, tmp_path):
    lines = write(flog, "json", tmp_path / "json.log")
    res = read(tmp_path / "json.log")
    assert res.stats["by_format"] == {"json": LINES}
    for line, doc in zip(lines, res.records):
        src = json.loads(line)
        want = {"@timestamp": instant(src["datetime"], "%d/%b/%Y:%H:%M:%S %z"), "source.ip": src["host"],
                "user.name": None if src["user-identifier"] == "-" else src["user-identifier"],
                "http.request.method": src["method"], "url.original": src["request"],
                "http.version": src["protocol"].removeprefix("HTTP/"), "http.response.status_code": src["status"],
                "http.response.body.bytes": src["bytes"], "http.request.referrer": src["referer"]}
        check(doc, want, line)


ERROR = re.compile(r"^\[(\w{3} \w{3} \d{2} \d{2}:\d{2}:\d{2} \d{4})\] \[(\w+):([\w-]+)\] \[pid (\d+):tid (\d+)\] "
                   r"\[client ([\d.]+):(\d+)\] (.*)$")


def test_flog_apache_error_lines_in_the_zone_given(flog, tmp_path):
    lines = write(flog, "apache_error", tmp_path / "error.log")
    res = read(tmp_path / "error.log", tz="+05:30")
    assert res.stats["by_format"] == {"apache_error": LINES}
    for line, doc in zip(lines, res.records):
        m = ERROR.match(line)
        assert m, line
        t, module, level, pid, tid, ip, port, message = m.groups()
        want = {"@timestamp": instant(t, "%a %b %d %H:%M:%S %Y"), "log.logger": module, "log.level": level,
                "process.pid": int(pid), "process.thread.id": int(tid), "source.ip": ip, "source.port": int(port),
                "message": message}
        check(doc, want, line)


SYSLOG = {
    "rfc3164": re.compile(r"^<(\d+)>(\w{3} \d{2} \d{2}:\d{2}:\d{2}) (\S+) ([^\[\s]+)\[(\d+)\]: (.*)$"),
    # flog's host names may hold a blank ("directweb services.net"): its msgid is always ID<digits>
    "rfc5424": re.compile(r"^<(\d+)>(\d+) (\S+) (.+?) (\S+) (\d+) (ID\d+) - (.*)$"),
}
# the keywords of syslog(3) and rsyslog's %syslogseverity-text%
SEVERITIES = ["emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"]


@pytest.mark.parametrize("fmt", ["rfc3164", "rfc5424"])
def test_flog_syslog_lines_give_priority_host_program_and_message(flog, tmp_path, fmt):
    lines = write(flog, fmt, tmp_path / "syslog.log")
    year = datetime.now(ZONE).year  # BSD syslog writes none: the year of the lines, read in the zone given
    res = read(tmp_path / "syslog.log", tz="+05:30", year=year)
    assert res.stats["by_format"] == {fmt: LINES}
    for line, doc in zip(lines, res.records):
        m = SYSLOG[fmt].match(line)
        assert m, line
        if fmt == "rfc3164":
            pri, t, host, app, pid, message = m.groups()
            want = {"@timestamp": instant(f"{year} {t}", "%Y %b %d %H:%M:%S")}
        else:
            # flog writes its local time followed by "Z": read as the line says, UTC
            pri, version, t, host, app, pid, msgid, message = m.groups()
            want = {"@timestamp": instant(t), "log.syslog.version": version, "log.syslog.msgid": msgid}
        pri = int(pri)
        want.update({"log.syslog.priority": pri, "log.syslog.facility.code": pri >> 3,
                     "log.syslog.severity.code": pri & 7, "log.syslog.severity.name": SEVERITIES[pri & 7],
                     "host.hostname": host, "process.name": app, "process.pid": int(pid), "message": message})
        check(doc, want, line)
