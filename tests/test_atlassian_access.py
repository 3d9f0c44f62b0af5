"""Jira's and Confluence's access logs, read without options by recipe ATLASSIANACCESS: plaso's
test files, checked against the values plaso's own tests state and against each line."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path

import kafkainsight as ki

DIR = Path(__file__).parent / "data" / "real" / "atlassian"
UA = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_14_6) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/87.0.4280.88 Safari/537.36"


def test_plasos_stated_values():
    for name, xff, address, user in (("confluence_access.log", None, "192.168.192.1", "user"),
                                     ("confluence_access_post7.11.log", "192.168.1.15", "0:0:0:0:0:0:0:1", "testuser")):
        d = ki.read_logs(DIR / name).records[0]
        assert datetime.fromisoformat(d["@timestamp"]) == datetime.fromisoformat("2021-06-17T12:57:26+02:00")
        assert (d["http"]["request"]["method"], d["url"]["original"], d["http"]["version"]) == ("GET", "/index.action", "1.1")
        assert (d["http"]["response"]["status_code"], d["http"]["response"]["body"]["bytes"]) == (200, 7881)
        assert (d["http"]["request"]["referrer"], d["user_agent"]["original"]) == ("http://localhost/", UA)
        assert d["event"]["duration"] == 1020 * 1_000_000 and d["process"]["thread"]["name"] == "http-nio-8080-exec-6"
        assert (d["source"]["address"], d["user"]["name"]) == (address, user)
        assert d.get("atlassian", {}).get("x_forwarded_for") == xff


def test_every_line():
    for path in sorted(DIR.glob("*.log")):
        lines = path.read_text().splitlines()
        r = ki.read_logs(path)
        assert (r.stats["parsed"], r.stats["failed"]) == (len(lines), 0), (path.name, r.failed)
        for line, d in zip(lines, r.records):
            assert d["kafkainsight"]["recipe"] == "ATLASSIANACCESS"
            words = line.split("] ", 1)[1].split(" ")
            method_at = words.index(d["http"]["request"]["method"])
            assert words[method_at - 1] == d["source"]["address"] and words[method_at - 2] == d["process"]["thread"]["name"]
            assert words[method_at - 3] == d.get("user", {}).get("name", "-")
            assert words[method_at + 1] == d["url"]["original"] and int(words[method_at + 3]) == d["http"]["response"]["status_code"]
            assert words[method_at + 4] == f"{d['event']['duration'] // 1_000_000}ms"
            assert words[method_at + 5] == str(d["http"]["response"].get("body", {}).get("bytes", "-"))
            assert " ".join(words[method_at + 7:]) == d["user_agent"]["original"]
