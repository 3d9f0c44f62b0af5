"""GENERICLOG's other line starts: the date and time layouts that fail2ban's date detector and lnav
read at the start of a line (BIND's `11-Aug-2013 03:36:11.372`, stunnel's `2011.11.21 14:29:16`,
ctime, date(1), `[17/Jun/2011 17:00:45]`, monit's `[PDT Apr 16 21:05:29]`, TAI64N, ...).

Checked against what others state or write, not against our own reading:
- fail2ban's test logs (tests/data/real/fail2ban/): the time fail2ban's own tests expect of each
  line (its tests run in CET/CEST, so the lines without a zone are read in that zone here);
- lnav's TAI64N test file and the times lnav's test states for it;
- daemontools' `tai64n` stamping lines at test time, and its `tai64nlocal` reading them back;
- GNU date(1) and CPython's `time.ctime()` writing lines at test time.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

import kafkainsight as ki

REAL = Path(__file__).parent / "data" / "real"
F2B = json.loads((REAL / "fail2ban" / "line_start_times.json").read_text(encoding="utf-8"))
BERLIN = ZoneInfo("Europe/Berlin")  # fail2ban's tests: TZ=CET-01CEST-02,M3.5.0,M10.5.0


def _instant(ts: str) -> datetime:
    return datetime.fromisoformat(ts.replace("Z", "+00:00"))


def _tz(local: datetime) -> str:
    minutes = int(local.utcoffset().total_seconds() // 60)
    return f"+{minutes // 60:02d}:{minutes % 60:02d}"


def _read_as_fail2ban(case: dict, **kw) -> tuple[dict, datetime]:
    expected = datetime.fromisoformat(case["time"][:19]).replace(tzinfo=BERLIN)
    doc = ki.parse_line(case["line"], tz=_tz(expected), year=expected.year, **kw)
    assert "error" not in doc, (case, doc.get("error"))
    return doc, expected


def test_fail2ban_lines_are_read_at_the_times_fail2ban_expects():
    files = set()
    for case in F2B:
        if case["file"] in ("3proxy", "domino-smtp", "dovecot"):
            continue  # below: their day-first dates, their TAI64N
        doc, expected = _read_as_fail2ban(case)
        assert doc["kafkainsight"]["recipe"] in ("GENERICLOG", "MYSQLERRORLOG", "BIND9"), case
        assert abs((_instant(doc["@timestamp"]) - expected).total_seconds()) < 1, (case, doc["@timestamp"])
        files.add(case["file"])
    assert len(files) >= 17


def test_all_number_dates_the_month_first_unless_time_format_says_otherwise():
    # SquirrelMail (US): 10/06/2013 is 6 October, as fail2ban's test expects of it
    squirrel = [c for c in F2B if c["file"] == "squirrelmail"]
    assert _read_as_fail2ban(squirrel[0])[0]["@timestamp"].startswith("2013-10-06T15:50:41")
    # 3proxy and Domino write the day first: --time-format says so (3proxy's own zone, +0300, stays)
    for name, layout in (("3proxy", "%d-%m-%Y %H:%M:%S"), ("domino-smtp", "%d-%m-%Y %H:%M:%S")):
        cases = [c for c in F2B if c["file"] == name]
        assert cases
        for case in cases:
            doc, expected = _read_as_fail2ban(case, time_format=layout)
            assert doc["@timestamp"][:19] == case["time"][:19], (case, doc["@timestamp"])
    # without it, a date whose day could be a month is read month first (11-06-2013: 6 November)
    proxy = [c for c in F2B if c["file"] == "3proxy" and c["line"].startswith("11-06-2013")][0]
    assert ki.parse_line(proxy["line"])["@timestamp"] == "2013-11-06T02:09:40+03:00"
    # a day that cannot be a month, and a date with dots (German, Russian): the day first
    assert ki.parse_line("13-06-2013 01:39:34 +0300 PROXY")["@timestamp"] == "2013-06-13T01:39:34+03:00"
    assert ki.parse_line("11.10.2018 10:39:30 - Process(9884.1)")["@timestamp"] == "2018-10-11T10:39:30Z"


def test_levels_loggers_and_messages_as_written():
    by_file = {}
    for case in F2B:
        by_file.setdefault(case["file"], ki.parse_line(case["line"]))
    assert by_file["named-refused"]["log"]["level"] == "error"
    assert by_file["named-refused"]["message"].startswith("client 1.2.3.4#52115: zone transfer")
    assert by_file["asterisk"]["log"]["level"] == "NOTICE"
    assert by_file["vaultwarden"]["log"] == {"level": "ERROR", "logger": "vaultwarden::api::identity"}
    assert by_file["xrdp"]["log"]["level"] == "INFO" and by_file["xrdp"]["message"].startswith("AUTHFAIL: ")
    assert by_file["monit"]["log"]["level"] == "error" and by_file["monit"]["message"].startswith("Warning: Client")
    assert by_file["groupoffice"]["message"].startswith("LOGIN FAILED for user")
    maria = by_file["mysqld-auth"]  # MariaDB 10's "2015-10-07  8:25:38": its hour padded with a blank
    assert maria["kafkainsight"]["recipe"] == "MYSQLERRORLOG"
    assert maria["@timestamp"] == "2015-10-07T08:25:38Z" and maria["log"]["level"] == "Warning"


def test_tai64n_as_lnav_reads_its_test_file():
    res = ki.read_logs(str(REAL / "generic" / "lnav_logfile_tai64n.0"), threads=1)
    assert res.stats["failed"] == 0
    got = [d["@timestamp"] for d in res.records]
    # lnav's test_logfile.sh: "Sep 22 03:31:05 2005 -- 997", ... (whole ms)
    stated = ["03:31:05.997", "03:31:05.997", "03:31:06.210", "03:31:06.210", "03:31:07.714", "03:31:07.714",
              "03:31:07.715", "03:31:07.715", "03:31:07.954", "03:31:07.954"]
    assert [t[11:23] for t in got] == stated and all(t.startswith("2005-09-22T") for t in got)
    assert res.records[0]["message"] == "tcpserver: status: 5/30"
    # fail2ban's dovecot lines: fail2ban takes the label's seconds as Unix time; multilog's label is
    # 10 s ahead of it (tai64nlocal's reading, and lnav's above)
    for case in (c for c in F2B if c["file"] == "dovecot"):
        doc, expected = _read_as_fail2ban(case)
        assert _instant(doc["@timestamp"]).replace(microsecond=0) == expected - timedelta(seconds=10)


@pytest.mark.skipif(shutil.which("tai64n") is None, reason="needs daemontools (scripts/setup.sh installs it)")
def test_tai64n_written_by_daemontools(tmp_path):
    text = "".join(f"worker {i}: job done\n" for i in range(50))
    stamped = subprocess.run(["tai64n"], input=text, capture_output=True, text=True, check=True).stdout
    local = subprocess.run(["tai64nlocal"], input=stamped, capture_output=True, text=True, check=True,
                           env={**os.environ, "TZ": "UTC"}).stdout.splitlines()
    path = tmp_path / "current"  # multilog's file name
    path.write_text(stamped)
    res = ki.read_logs(str(path), threads=1)
    assert res.stats["failed"] == 0 and len(res.records) == 50
    for doc, ref, line in zip(res.records, local, text.splitlines()):
        # tai64nlocal: "2026-12-07 09:26:57.666328500 worker 0: job done"
        assert doc["@timestamp"] == ref[:10] + "T" + ref[11:29] + "Z"
        assert doc["message"] == line and ref[30:] == line


def test_date_and_ctime_written_at_test_time():
    epoch = 1_700_000_000 + 86400 * 45  # 2023-12-29, winter: the zone names below are unambiguous
    lines = []
    for zone, offset in (("UTC", "Z"), ("America/New_York", "-05:00"), ("Europe/Berlin", "+01:00"),
                         ("Asia/Tokyo", "+09:00")):
        out = subprocess.run(["date", "-d", f"@{epoch}"], capture_output=True, text=True, check=True,
                             env={**os.environ, "TZ": zone, "LC_ALL": "C"}).stdout.strip()
        lines.append((f"{out} backup of /srv finished", offset))  # a shell script's `echo "$(date) ..."`
    ctime = subprocess.run([sys.executable, "-c", f"import time; print(time.ctime({epoch}), 'cron: ran')"],
                           capture_output=True, text=True, check=True, env={**os.environ, "TZ": "UTC"}).stdout.strip()
    lines.append((ctime, "Z"))
    for line, offset in lines:
        doc = ki.parse_line(line)
        assert doc["kafkainsight"]["recipe"] == "GENERICLOG", (line, doc)
        assert _instant(doc["@timestamp"]) == datetime.fromtimestamp(epoch, timezone.utc), line
        assert doc["@timestamp"].endswith(offset), (line, doc["@timestamp"])
    assert ki.parse_line(lines[0][0])["message"] == "backup of /srv finished"
    assert ki.parse_line(ctime)["message"] == "cron: ran"


def test_what_is_not_a_time_keeps_its_reason():
    for line in ("13/13/2024 10:00:00 no such month", "2011.11.21 14:29:16x seconds run on",
                 "@400000004c91b044077a9e9 a label one digit short"):
        assert "error" in ki.parse_line(line), line


def test_lnav_date_command_files():
    # lnav's logfile_block.1/.2: date(1) output, EST and UTC, and a path line under two of them
    res = ki.read_logs(str(REAL / "generic" / "lnav_logfile_block.2"), threads=1)
    assert [(d["@timestamp"], d["message"]) for d in res.records] == [
        ("2021-05-19T12:00:02Z", "line 2"), ("2021-05-19T12:00:04Z", "line 4")]
    res = ki.read_logs(str(REAL / "generic" / "lnav_logfile_block.1"), threads=1)
    assert [d["@timestamp"] for d in res.records] == ["2021-05-19T08:00:01-05:00", "2021-05-19T08:00:03-05:00"]
    assert [f["line"] for f in res.failed] == ["/abc/def", "/ghi/jkl"]
    assert all("--multiline-start" in f["reason"] for f in res.failed)
    res = ki.read_logs(str(REAL / "generic" / "lnav_logfile_block.1"), threads=1, multiline_start=r"^%{DAY} %{MONTH} ")
    assert not res.failed and [d["error"]["stack_trace"] for d in res.records] == ["/abc/def", "/ghi/jkl"]


def test_access_lines_with_apaches_time_without_a_zone_or_with_a_zone_name():
    # fail2ban/tests/files/logs/apache-pass @ deffcbcd: an Apache LogFormat writing %t's layout
    # without its zone; fail2ban expects 2013-06-27T11:55:44 local (its tests' CEST, +02:00).
    line = ('192.0.2.12 - user1 [27/Jun/2013:11:55:44] "GET /knocking/ HTTP/1.1" 200 266 '
            '"http://domain.net/hello-world/" "Mozilla/5.0 (Windows NT 6.1; Win64; x64; rv:40.0) Gecko/20100101 Firefox/40.0"')
    (doc,) = ki.read_logs([line], tz="+02:00").records
    assert _instant(doc["@timestamp"]) == datetime(2013, 6, 27, 11, 55, 44, tzinfo=BERLIN)
    assert (doc["user"]["name"], doc["http"]["response"]["status_code"], doc["kafkainsight"]["format"]) == \
        ("user1", 200, "apache_combined")
    # SOGo's access lines name the zone (fail2ban's sogo-auth log): GMT and UTC are +00:00, whatever --tz
    (doc,) = ki.read_logs(['173.194.44.31 - - [24/Mar/2013:08:58:32 GMT] "POST /SOGo/connect HTTP/1.1" 403 34'],
                          tz="+02:00").records
    assert doc["@timestamp"] == "2013-03-24T08:58:32Z"
    # any other name is not guessed
    assert ki.read_logs(['1.2.3.4 - - [24/Mar/2013:08:58:32 CET] "GET / HTTP/1.1" 200 1']).failed
