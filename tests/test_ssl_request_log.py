"""mod_ssl's ssl_request_log (`[%t] %h %{SSL_PROTOCOL}x %{SSL_CIPHER}x "%r" %b`, the CustomLog of
its default ssl.conf) and access lines with the protocol and cipher after the time: written at
test time by a real nginx serving real TLS handshakes (its $ssl_protocol and $ssl_cipher are
OpenSSL's names, as mod_ssl's are), read with no options."""
from __future__ import annotations

import shutil
import socket
import ssl
import subprocess
import urllib.request

import pytest

import kafkainsight as ki
from tests.nginx_harness import NGINX, running_nginx
from tests.test_real_logs import flat

HTTP = """
    log_format ssl_request '[$time_local] $remote_addr $ssl_protocol $ssl_cipher "$request" $body_bytes_sent';
    log_format ssl_request_agent '[$time_local] $remote_addr $ssl_protocol $ssl_cipher "$request" '
                                 '$body_bytes_sent "$http_referer" "$http_user_agent"';
    log_format combined_tls '$remote_addr - $remote_user [$time_local] $ssl_protocol $ssl_cipher "$request" '
                            '$status $body_bytes_sent "$http_referer" "$http_user_agent"';
    access_log {dir}/ssl_request.log ssl_request;
    access_log {dir}/ssl_request_agent.log ssl_request_agent;
    access_log {dir}/combined_tls.log combined_tls;
    server {{
        listen 127.0.0.1:{port} ssl;
        ssl_certificate {dir}/cert.pem;
        ssl_certificate_key {dir}/key.pem;
        ssl_protocols TLSv1.2 TLSv1.3;
        location / {{ return 200 "ok\\n"; }}
        location /missing {{ return 404; }}
    }}
"""

# (path, the TLS version the client insists on)
REQUESTS = [("/", ssl.TLSVersion.TLSv1_2), ("/report?q=1", ssl.TLSVersion.TLSv1_3),
            ("/missing", ssl.TLSVersion.TLSv1_2)]


@pytest.fixture(scope="module")
def logs(tmp_path_factory):
    if not NGINX or not shutil.which("openssl"):
        pytest.skip("needs nginx and openssl (scripts/setup.sh installs them)")
    d = tmp_path_factory.mktemp("nginx-tls")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-days", "1",
                    "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(d / "key.pem"), "-out", str(d / "cert.pem")],
                   check=True, capture_output=True)
    seen = []  # (protocol, cipher) as the client negotiated them
    with running_nginx(d, HTTP) as port:
        for path, version in REQUESTS:
            ctx = ssl.create_default_context(cafile=str(d / "cert.pem"))
            ctx.minimum_version = ctx.maximum_version = version
            with socket.create_connection(("127.0.0.1", port), timeout=5) as raw, \
                    ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
                seen.append((tls.version(), tls.cipher()[0]))
            req = urllib.request.Request(f"https://127.0.0.1:{port}{path}", headers={
                "User-Agent": "ki-test/1.0", "Referer": "https://example.test/"})
            try:
                urllib.request.urlopen(req, timeout=5, context=ctx).read()
            except urllib.error.HTTPError:
                pass
    out = {name: (d / f"{name}.log").read_text().splitlines()
           for name in ("ssl_request", "ssl_request_agent", "combined_tls")}
    for name, lines in out.items():
        assert len(lines) == len(REQUESTS), (name, lines, (d / "error.log").read_text())
    return out, seen


def test_mod_ssl_request_log_gives_tls_and_the_request(logs):
    out, seen = logs
    r = ki.read_logs(out["ssl_request"])
    assert r.failed == [], r.failed
    docs = [flat(x) for x in r.records]
    assert [d["kafkainsight.format"] for d in docs] == ["apache_common"] * 3
    assert [(d["tls.version_protocol"], d["tls.version"], d["tls.cipher"]) for d in docs] == [
        ("tls", v.removeprefix("TLSv"), c) for v, c in seen]
    assert {d["source.ip"] for d in docs} == {"127.0.0.1"}
    assert [d["url.original"] for d in docs] == [p for p, _ in REQUESTS]
    assert all(d["http.request.method"] == "GET" and d["http.version"] == "1.1" for d in docs)
    sizes = [d["http.response.body.bytes"] for d in docs]
    assert sizes[:2] == [3, 3] and sizes[2] > 100  # "ok\n" twice, then nginx's 404 page
    assert not any("http.response.status_code" in d for d in docs)  # %b only: no status in this log
    # The same lines as a table: TLS columns are categories.
    t = ki.read_logs(out["ssl_request"]).to_pandas()
    assert str(t["tls.cipher"].dtype) == "category" and t["tls.version"].tolist() == [v[4:] for v, _ in seen]


def test_referrer_and_agent_after_it_and_tls_inside_a_combined_line(logs):
    out, seen = logs
    for name, fmt in (("ssl_request_agent", "apache_combined"), ("combined_tls", "apache_combined")):
        r = ki.read_logs(out[name])
        assert r.failed == [], (name, r.failed)
        docs = [flat(x) for x in r.records]
        assert [d["kafkainsight.format"] for d in docs] == [fmt] * 3, name
        assert [d["tls.cipher"] for d in docs] == [c for _, c in seen], name
        assert {d["user_agent.original"] for d in docs} == {"ki-test/1.0"}, name
        assert {d["http.request.referrer"] for d in docs} == {"https://example.test/"}, name
    statuses = [flat(x).get("http.response.status_code") for x in ki.read_logs(out["combined_tls"]).records]
    assert statuses == [200, 200, 404]
    # The flat layout names them as mod_ssl's variables.
    flat_doc = ki.parse_line(out["ssl_request"][0], schema="kafkainsight")
    assert (flat_doc["ssl_protocol"], flat_doc["ssl_cipher"]) == seen[0]
