"""nginx sending its access log to syslog (`access_log syslog:server=…`), received by a real
syslog-ng that writes BSD syslog and RFC 5424 files: each line, read without options, is the
access line nginx wrote (its fields, its time with a zone, its format) with the syslog header's
host, program and priority kept."""
from __future__ import annotations

from datetime import datetime, timezone

import pytest

import kafkainsight as ki
from tests.nginx_harness import NGINX, running_nginx, send
from tests.test_real_logs import flat
from tests.test_syslog_json import _lines, syslog_ng_files  # noqa: F401 (a fixture)

HTTP = """
    access_log syslog:server=127.0.0.1:SYSLOG_PORT,tag=nginx,severity=info combined;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location /missing {{ return 404; }}
    }}
"""

# (path, user agent, referrer or None)
REQUESTS = [("/", "curl/8.4.0", None), ("/missing?q=1", "ki-test/1.0", "https://shop.example/cart"),
            ("/a%20b", 'agent "quoted"', None)]


def test_access_lines_sent_by_nginx_through_syslog_ng_are_access_documents(syslog_ng_files, tmp_path):
    if not NGINX:
        pytest.skip("needs nginx (scripts/setup.sh installs it)")
    port, bsd, ietf = syslog_ng_files
    start = datetime.now(timezone.utc).replace(microsecond=0)
    with running_nginx(tmp_path, HTTP.replace("SYSLOG_PORT", str(port))) as web:
        for path, agent, ref in REQUESTS:
            send(web, path, {"User-Agent": agent} | ({"Referer": ref} if ref else {}))
    end = datetime.now(timezone.utc)
    for path, fmt in ((bsd, "rfc3164"), (ietf, "rfc5424")):
        lines = _lines(path, len(REQUESTS))
        r = ki.read_logs(path)
        assert (r.stats["parsed"], r.stats["failed"]) == (len(REQUESTS), 0), (r.failed, lines)
        assert r.stats["by_format"] == {"apache_combined": len(REQUESTS)}, lines
        for (want_path, agent, ref), doc, line in zip(REQUESTS, (flat(d) for d in r.records), lines):
            assert doc["url.original"] == want_path and doc["http.request.method"] == "GET", line
            assert doc["http.response.status_code"] == (404 if want_path.startswith("/missing") else 200), line
            # nginx writes a quote as \x22 (its escape=default); kept as written, as in its files
            assert doc["source.ip"] == "127.0.0.1" and doc["user_agent.original"] == agent.replace('"', r"\x22"), line
            assert doc["http.request.referrer"] == (ref or "-"), line
            assert start <= datetime.fromisoformat(doc["@timestamp"].replace("Z", "+00:00")) <= end, line
            # the syslog header: nginx's tag; in RFC 5424 (syslog-ng's BSD files have no <PRI>)
            # facility local7 (nginx's default) and severity info
            assert doc["process.name"] == "nginx" and doc["host.hostname"], line
            if fmt == "rfc5424":
                assert (doc["log.syslog.priority"], doc["log.syslog.facility.name"],
                        doc["log.syslog.severity.name"], doc["log.level"]) == (23 * 8 + 6, "local7", "info", "info"), line
            assert "message" not in doc and doc["kafkainsight.wrapper"] == "syslog", line  # the line's values are the document
