"""Fields after the user agent, as people add them to nginx's combined format: the timing pairs of
nginx's own "upstream_time" example (`rt=$request_time uct="$upstream_connect_time" ...`) and a bare
`$request_time` after "$http_x_forwarded_for". Lines a real nginx writes at test time (one request
proxied to the same nginx, so that the upstream times have values), read with no options: pairs
become fields, other text is kept in kafkainsight.unparsed; nothing on a line is dropped."""
from __future__ import annotations

import re

import pytest

import kafkainsight as ki
from tests.nginx_harness import NGINX, logs_of_requests
from tests.test_real_logs import flat

COMBINED = ('$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
            '"$http_referer" "$http_user_agent"')
HTTP = """
    log_format upstream_time '%s rt=$request_time uct="$upstream_connect_time" '
                             'uht="$upstream_header_time" urt="$upstream_response_time"';
    log_format timed '%s "$http_x_forwarded_for" $request_time';
    access_log {dir}/upstream.log upstream_time;
    access_log {dir}/timed.log timed;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location /proxied {{ proxy_pass http://127.0.0.1:{port}/; }}
    }}
""" % (COMBINED.replace("{", "{{").replace("}", "}}"), COMBINED.replace("{", "{{").replace("}", "}}"))

# A user's own reading of the tails (what they would check the fields against).
PAIRS = re.compile(r'" rt=(?P<rt>[0-9.]+) uct="(?P<uct>[^"]*)" uht="(?P<uht>[^"]*)" urt="(?P<urt>[^"]*)"$')
TIMED = re.compile(r'"(?P<xff>[^"]*)" (?P<rt>[0-9.]+)$')


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    if not NGINX:
        pytest.skip("needs nginx (scripts/setup.sh installs it)")
    requests = [("/", {"User-Agent": "ki-test/1.0"}),
                ("/proxied", {"User-Agent": "ki-test/1.0", "X-Forwarded-For": "203.0.113.7"})]
    up, timed = logs_of_requests(tmp_path_factory.mktemp("nginx"), HTTP, requests, "upstream.log", "timed.log")
    assert len(up) == len(timed) == 3, (up, timed)  # "/", then the proxied request's two lines
    return up, timed


def read_each(lines: list[str], regex: re.Pattern) -> list[tuple[dict, re.Match]]:
    """Each line's flat document (every line must parse) with the user's regex match of it."""
    r = ki.read_logs(lines)
    assert r.failed == []
    out = [(flat(x), regex.search(line)) for x, line in zip(r.records, lines)]
    assert all(m for _, m in out), lines
    return out


def test_timing_pairs_become_fields(logs):
    lines = logs[0]
    docs = []
    for doc, m in read_each(lines, PAIRS):
        docs.append(doc)
        assert doc["kafkainsight.format"] == "apache_combined"
        assert doc["user_agent.original"] == "ki-test/1.0"
        assert doc["rt"] == pytest.approx(float(m["rt"])) and isinstance(doc["rt"], float)
        for k in ("uct", "uht", "urt"):  # quoted by nginx: text as written; "-" (no upstream): none
            assert doc.get(k) == (None if m[k] == "-" else m[k]), (k, m.string)
        assert "kafkainsight.unparsed" not in doc
    proxied = [doc for doc in docs if doc["url.original"] == "/proxied"]
    assert len(proxied) == 1 and re.fullmatch(r"[0-9]+\.[0-9]{3}", proxied[0]["urt"])
    t = ki.read_logs(lines).to_pandas()
    assert str(t["rt"].dtype) == "float64"
    assert t["urt"].notna().sum() == 1


def test_other_text_after_the_agent_is_kept(logs):
    docs = []
    for doc, m in read_each(logs[1], TIMED):
        docs.append(doc)
        assert doc["kafkainsight.unparsed"] == m["rt"]  # $request_time: no name on the line, kept as written
        assert doc.get("network.forwarded_ip") == (None if m["xff"] == "-" else m["xff"])
    assert [d.get("network.forwarded_ip") for d in docs if d["url.original"] == "/proxied"] == ["203.0.113.7"]
