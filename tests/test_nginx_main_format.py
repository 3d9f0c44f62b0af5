"""nginx's stock "main" log_format (its nginx.conf, the official Docker image), which ends with
"$http_x_forwarded_for": lines a real nginx writes at test time for requests that came through
proxies, read with no options."""
from __future__ import annotations

import pytest

import kafkainsight as ki
from tests.nginx_harness import NGINX, logs_of_requests
from tests.test_real_logs import flat

# nginx's own conf/nginx.conf (and the official image's) names this format "main".
HTTP = """
    log_format  main  '$remote_addr - $remote_user [$time_local] "$request" '
                      '$status $body_bytes_sent "$http_referer" '
                      '"$http_user_agent" "$http_x_forwarded_for"';
    access_log {dir}/access.log main;
    server {{
        listen 127.0.0.1:{port};
        location / {{ return 200 "ok\\n"; }}
        location /missing {{ return 404; }}
    }}
"""

# (path, X-Forwarded-For or None, referrer or None)
REQUESTS = [
    ("/", None, None),
    ("/checkout?id=7", "203.0.113.7", "https://shop.example/cart"),
    ("/missing", "10.1.2.3, 198.51.100.20, 10.0.0.2", None),
    ("/", "unknown, 192.0.2.44", None),
    ("/", "2001:db8::1", None),
]


@pytest.fixture(scope="module")
def nginx_log(tmp_path_factory):
    if not NGINX:
        pytest.skip("needs nginx (scripts/setup.sh installs it)")
    requests = [(path, {"User-Agent": "ki-test/1.0"} | ({"X-Forwarded-For": xff} if xff else {}) |
                 ({"Referer": ref} if ref else {})) for path, xff, ref in REQUESTS]
    (lines,) = logs_of_requests(tmp_path_factory.mktemp("nginx"), HTTP, requests, "access.log")
    assert len(lines) == len(REQUESTS), lines
    return lines


def test_nginx_main_format_gives_the_forwarded_client(nginx_log):
    r = ki.read_logs(nginx_log)
    assert r.failed == []
    docs = [flat(x) for x in r.records]
    assert {d["kafkainsight.format"] for d in docs} == {"apache_combined"}
    assert {d["source.ip"] for d in docs} == {"127.0.0.1"}  # the peer: the last proxy
    assert [d.get("network.forwarded_ip") for d in docs] == [None, "203.0.113.7", "198.51.100.20", "192.0.2.44",
                                                             "2001:db8::1"]
    assert "related.ip" not in docs[0]
    assert docs[2]["related.ip"] == ["10.1.2.3", "198.51.100.20", "10.0.0.2", "127.0.0.1"]
    assert docs[1]["url.original"] == "/checkout?id=7"
    assert docs[1]["http.request.referrer"] == "https://shop.example/cart"
    assert docs[2]["http.response.status_code"] == 404
    assert {d["user_agent.original"] for d in docs} == {"ki-test/1.0"}
    # The same as a table: the column is an address where the header was sent, null elsewhere.
    t = ki.read_logs(nginx_log).to_pandas()
    assert t["network.forwarded_ip"].isna().tolist() == [True, False, False, False, False]
