"""Web servers' access logs written as JSON, read without options as their access lines are read:
nginx's `log_format … escape=json` with its variables' names, lines a real nginx writes at test
time (tests/nginx_harness.py); Node's pino-http, lines it writes at test time in front of a real
Node.js server (packages from npm: tests/node_http_logs); Caddy's layout and Rails' lograge
(Traefik's JSON: test_traefik_logs.py).
A document must give the ECS fields an access line gives (source.ip, http.*, url.original,
user_agent.original, event.duration), typed, and the alert rules must see the statuses."""
from __future__ import annotations

import json
import subprocess
from datetime import datetime, timezone

import pytest

import kafkainsight as ki
from tests.harness_util import build_npm_tool
from tests.nginx_harness import NGINX, logs_of_requests
from tests.test_real_logs import flat

# The layout nginx users write (the variables' names as keys; numbers unquoted), and one with the
# request's parts in keys of their own, every value quoted.
HTTP = """
    log_format json_combined escape=json '{{"time_local":"$time_local","remote_addr":"$remote_addr",'
        '"remote_user":"$remote_user","request":"$request","status":$status,"body_bytes_sent":$body_bytes_sent,'
        '"request_time":$request_time,"http_referrer":"$http_referer","http_user_agent":"$http_user_agent"}}';
    log_format json_parts escape=json '{{"time_iso8601":"$time_iso8601","remote_addr":"$remote_addr",'
        '"remote_port":"$remote_port","request_method":"$request_method","request_uri":"$request_uri",'
        '"server_protocol":"$server_protocol","status":"$status","body_bytes_sent":"$body_bytes_sent",'
        '"http_user_agent":"$http_user_agent"}}';
    access_log {dir}/combined.json json_combined;
    access_log {dir}/parts.json json_parts;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location /missing {{ return 404; }}
        location /broken {{ return 503; }}
    }}
"""

REQUESTS = [("/", {"User-Agent": "ki-test/1.0"}),
            ("/checkout?id=7&q=a%22b", {"User-Agent": 'agent "quoted" \\ slash', "Referer": "https://shop.example/cart"}),
            ("/missing", {"User-Agent": "curl/8.5.0"}),
            ("/broken", {})]


@pytest.fixture(scope="module")
def nginx_json(tmp_path_factory):
    if not NGINX:
        pytest.skip("needs nginx (scripts/setup.sh installs it)")
    combined, parts = logs_of_requests(tmp_path_factory.mktemp("nginx"), HTTP, REQUESTS, "combined.json", "parts.json")
    assert len(combined) == len(parts) == len(REQUESTS), (combined, parts)
    return combined, parts


def test_nginx_json_access_lines_give_the_access_fields(nginx_json):
    combined, parts = nginx_json
    for lines in (combined, parts):
        r = ki.read_logs(lines)
        assert r.failed == [] and len(r.records) == len(lines)
        for line, (path, headers), doc in zip(lines, REQUESTS, (flat(d) for d in r.records)):
            raw = json.loads(line)
            assert doc["kafkainsight.format"] == "app_json" and "event.ingested" not in doc, line
            assert doc["source.ip"] == raw["remote_addr"] == "127.0.0.1"
            assert doc["http.request.method"] == "GET" and doc["url.original"] == path
            assert doc["http.version"] == "1.1"
            assert doc["http.response.status_code"] == int(raw["status"])
            assert doc["http.response.body.bytes"] == int(raw["body_bytes_sent"])
            assert doc["user_agent.original"] == raw["http_user_agent"], line  # (urllib's own when none is given)
            assert headers.get("User-Agent", raw["http_user_agent"]) == raw["http_user_agent"]
            # What the server wrote is read once: no key left beside its ECS field (an empty value: none).
            assert not {"remote_addr", "status", "request", "request_method", "request_uri", "remote_user",
                        "http_user_agent", "body_bytes_sent", "time_local", "time_iso8601"} & set(doc), doc
            when = raw.get("time_local") or raw["time_iso8601"]
            fmt = "%d/%b/%Y:%H:%M:%S %z" if "time_local" in raw else "%Y-%m-%dT%H:%M:%S%z"
            assert datetime.fromisoformat(doc["@timestamp"]) == datetime.strptime(when, fmt)
        assert [flat(d)["http.response.status_code"] for d in r.records] == [200, 200, 404, 503]
    first = [flat(d) for d in ki.read_logs(combined).records]
    assert first[1]["http.request.referrer"] == "https://shop.example/cart" and "http_referrer" not in first[0]
    assert all(d["event.duration"] >= 0 for d in first)  # request_time (s, ms precision) as ns
    second = [flat(d) for d in ki.read_logs(parts).records]
    assert all(isinstance(d["source.port"], int) and d["source.port"] > 0 for d in second)


def test_nginx_json_statuses_reach_the_alert_rules(nginx_json):
    combined, _ = nginx_json
    # 20 of these lines: a 503 in every 4 is more than the 20 % the 5xx rule allows.
    alerts = ki.evaluate_logs(combined * 5, rules_text="rules:\n  http_5xx_share: {min_requests: 20}\n")
    assert any(a["rule"] == "http_5xx_share" for a in alerts), alerts


def test_caddy_and_other_json_lines():
    # Caddy's access log layout (its JSON encoder; "request" an object, duration in seconds).
    caddy = ('{"level":"info","ts":1646861401.5241024,"logger":"http.log.access.log0","msg":"handled request",'
             '"request":{"remote_ip":"192.0.2.10","remote_port":"41342","proto":"HTTP/2.0","method":"POST",'
             '"host":"example.com","uri":"/api?x=1","headers":{"User-Agent":["curl/7.82.0"]}},'
             '"user_id":"","duration":0.000929675,"size":10900,"status":502,"resp_headers":{"Server":["Caddy"]}}')
    d = flat(ki.parse_line(caddy))
    assert (d["source.ip"], d["source.port"], d["http.request.method"], d["url.original"], d["http.version"]) == \
        ("192.0.2.10", 41342, "POST", "/api?x=1", "2.0")
    assert (d["http.response.status_code"], d["http.response.body.bytes"], d["event.duration"]) == (502, 10900, 929675)
    assert d["message"] == "handled request" and d["log.logger"] == "http.log.access.log0"
    # An application's own "status" or "size" is not an access line's: no request beside it.
    for line in ('{"status": 200, "msg": "health check"}', '{"status": "ok", "request": "GET / HTTP/1.1"}',
                 '{"status": 999, "request": "GET / HTTP/1.1"}', '{"status": 200, "size": 5, "request_method": "GET"}'):
        doc = flat(ki.parse_line(line))
        if "request_method" in line:  # a method is a request: but "size" is Caddy's only beside its own object
            assert doc["http.response.status_code"] == 200 and doc["size"] == 5
        else:
            assert "http.response.status_code" not in doc and "status" in doc, line


def test_pino_http_lines_give_the_access_fields():
    # Node's pino-http, from npm (tests/node_http_logs, its lock file pins the versions), logging the
    # requests a real Node.js HTTP server answers: each line checked against the request it logs.
    work = build_npm_tool("node_http_logs")
    calls = [{"method": "GET", "path": "/", "status": 200, "body": "hello", "headers": {"User-Agent": "ki-test/1.0"}},
             {"method": "POST", "path": "/api/orders?x=1", "status": 201, "body": "",
              "headers": {"User-Agent": "curl/8.5.0", "Referer": "https://shop.example/cart"}},
             {"method": "GET", "path": "/missing", "status": 404, "body": "", "headers": {}},
             {"method": "DELETE", "path": "/api/orders/7", "status": 500, "body": "boom", "headers": {}}]
    r = subprocess.run(["node", "server.js"], cwd=work, input=json.dumps(calls), capture_output=True, text=True,
                       timeout=60, check=True)
    lines = r.stdout.splitlines()
    res = ki.read_logs(lines)
    assert res.failed == [] and len(res.records) == len(lines) == len(calls)
    for line, doc, c in zip(lines, (flat(d) for d in res.records), calls):
        raw = json.loads(line)
        assert doc["source.ip"] == raw["req"]["remoteAddress"] and doc["source.port"] == raw["req"]["remotePort"]
        assert (doc["http.request.method"], doc["url.original"], doc["http.response.status_code"]) == \
            (c["method"], c["path"], c["status"]), line
        assert doc.get("user_agent.original") == c["headers"].get("User-Agent"), line
        assert doc.get("http.request.referrer") == c["headers"].get("Referer"), line
        assert doc["event.duration"] == raw["responseTime"] * 1_000_000  # ms as ns
        assert doc["message"] == raw["msg"] and doc["@timestamp"].startswith(
            datetime.fromtimestamp(raw["time"] / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S"))
        assert not {"req.method", "req.url", "res.statusCode", "req.remoteAddress", "responseTime"} & set(doc)


def test_lograge_lines_give_the_access_fields():
    # Rails' lograge (its key=value and JSON formatters): method, path, status, duration in ms.
    for line in ('method=GET path=/users/1 format=html controller=UsersController action=show status=200 '
                 'duration=58.33 view=40.43 db=15.26',
                 '{"method":"GET","path":"/users/1","format":"html","controller":"UsersController","action":"show",'
                 '"status":200,"duration":58.33,"view":40.43,"db":15.26}'):
        d = flat(ki.parse_line(line))
        assert (d["http.request.method"], d["url.original"], d["http.response.status_code"], d["event.duration"]) == \
            ("GET", "/users/1", 200, 58_330_000), line
        assert d["controller"] == "UsersController" and d["view"] == 40.43


def test_heroku_router_lines_from_a_log_drain():
    # Heroku's log drains (logplex) write RFC 5424 with no structured data after a nil MSGID, the
    # router's message as key=value pairs. The first line is the payload of Grafana Loki's Heroku
    # drain test (clients/pkg/promtail/targets/heroku); the second, one with a list of forwarded
    # addresses, from another drain's test (its path and host shortened); the third an app's line.
    lines = ['<158>1 2022-06-13T14:52:23.622778+00:00 host heroku router - at=info method=GET path="/" '
             'host=cryptic-cliffs-27764.herokuapp.com request_id=59da6323-2bc4-4143-8677-cc66ccfb115f '
             'fwd="181.167.87.140" dyno=web.1 connect=0ms service=3ms status=200 bytes=6979 protocol=https',
             '<158>1 2016-08-20T02:15:10.862264+00:00 host heroku router - at=info method=GET path="/assets/admin.css" '
             'host=app.example.com.au request_id=bef7f609-eceb-4684-90ce-c249e6843112 fwd="58.6.203.42,54.239.202.42" '
             'dyno=web.1 connect=0ms service=2ms status=304 bytes=112',
             '<190>1 2022-06-13T14:52:23.621815+00:00 host app web.1 - Started GET "/" for 181.167.87.140']
    r = ki.read_logs(lines)
    assert r.failed == [] and len(r.records) == 3
    first, second, app = (flat(d) for d in r.records)
    assert (first["process.name"], first["log.syslog.procid"], first["@timestamp"]) == \
        ("heroku", "router", "2022-06-13T14:52:23.622778Z")
    assert (first["source.ip"], first["http.request.method"], first["url.original"], first["http.response.status_code"],
            first["http.response.body.bytes"]) == ("181.167.87.140", "GET", "/", 200, 6979)
    assert first["service"] == "3ms" and "service.name" not in first  # the router's time, not a service's name
    assert first["dyno"] == "web.1" and first["kafkainsight.renamed.host"] == "cryptic-cliffs-27764.herokuapp.com"
    assert second["fwd"] == "58.6.203.42,54.239.202.42" and "source.ip" not in second  # a list: kept as written
    assert second["http.response.status_code"] == 304
    assert app["message"] == 'Started GET "/" for 181.167.87.140' and app["log.syslog.procid"] == "web.1"
