"""The Elasticsearch test server (tests/es_server) against clients nobody here wrote: the official
`elasticsearch` 8.x Python client, curl and plain http.client.

Tests that need the official client skip when it is not installed (pip install "elasticsearch>=8.12,<9").
"""
from __future__ import annotations

import base64
import gzip
import http.client
import json
import shutil
import socket
import ssl
import subprocess

import pytest

from tests.conftest_es import es_server, es_server_session, es_server_shared  # noqa: F401 - fixtures
from tests.es_server import EsTestServer

try:
    import elasticsearch
    from elasticsearch import Elasticsearch, helpers
except ImportError:                                   # pragma: no cover - depends on the venv
    elasticsearch = None

needs_client = pytest.mark.skipif(elasticsearch is None, reason="the elasticsearch package is not installed")
needs_curl = pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")


def client(es: EsTestServer, **kw) -> "Elasticsearch":
    kw.setdefault("max_retries", 0)
    return Elasticsearch(es.url, ca_certs=es.ca_path, basic_auth=(es.user, es.password), **kw)


class Raw:
    """A keep-alive http.client connection that verifies the server against the test CA."""

    def __init__(self, es: EsTestServer, auth: bool = True):
        self.ctx = ssl.create_default_context(cafile=es.ca_path)
        self.conn = http.client.HTTPSConnection("localhost", es.port, context=self.ctx, timeout=10)
        self.auth = "Basic " + base64.b64encode(f"{es.user}:{es.password}".encode()).decode() if auth else None

    def __call__(self, method: str, path: str, body=None, headers=None, ctype="application/json"):
        h = {}
        if self.auth:
            h["Authorization"] = self.auth
        if body is not None:
            if isinstance(body, (dict, list)):
                body = json.dumps(body).encode()
            h["Content-Type"] = ctype
        h.update(headers or {})
        self.conn.request(method, path, body=body, headers=h)
        r = self.conn.getresponse()
        data = r.read()
        assert r.getheader("X-Elastic-Product") == "Elasticsearch"
        assert int(r.getheader("content-length")) == len(data) or method == "HEAD"
        return r, (json.loads(data) if data and r.getheader("content-type", "").startswith("application/json") else data)

    def close(self):
        self.conn.close()


def ndjson(*lines) -> bytes:
    return b"".join(json.dumps(x).encode() + b"\n" for x in lines)


# ------------------------------------------------------------------------------------------------
# the official Python client


@needs_client
def test_info_product_check_and_fingerprint(es_server):
    es = es_server
    info = client(es).info()
    assert info["version"]["number"] == "8.12.2"
    assert info["version"]["build_flavor"] == "default"
    assert info["tagline"] == "You Know, for Search"
    assert {"name", "cluster_name", "cluster_uuid"} <= set(info)
    assert {"lucene_version", "minimum_wire_compatibility_version"} <= set(info["version"])
    # pinning the CA's SHA-256 (as ES 8 prints it at first start) instead of trusting a CA file
    assert len(es.ca_fingerprint) == 64
    pinned = Elasticsearch(es.url, ssl_assert_fingerprint=es.ca_fingerprint,
                           basic_auth=(es.user, es.password), max_retries=0)
    assert pinned.info()["cluster_name"] == info["cluster_name"]
    wrong = Elasticsearch(es.url, ssl_assert_fingerprint="00" * 32, basic_auth=(es.user, es.password),
                          max_retries=0)
    with pytest.raises(elasticsearch.ConnectionError):
        wrong.info()


@needs_client
def test_indices_create_exists_delete(es_server):
    c = client(es_server)
    r = c.indices.create(index="app-logs", settings={"number_of_shards": 1, "number_of_replicas": 0},
                         mappings={"properties": {"status": {"type": "long"}, "msg": {"type": "text"}}})
    assert r.body == {"acknowledged": True, "shards_acknowledged": True, "index": "app-logs"}
    assert c.indices.exists(index="app-logs")
    assert not c.indices.exists(index="other")
    got = c.indices.get(index="app-logs")["app-logs"]
    assert got["mappings"]["properties"]["status"] == {"type": "long"}
    assert got["settings"]["index"]["number_of_replicas"] == "0"
    with pytest.raises(elasticsearch.BadRequestError) as ei:
        c.indices.create(index="app-logs")
    assert ei.value.error == "resource_already_exists_exception"
    assert ei.value.body["error"]["root_cause"][0]["type"] == "resource_already_exists_exception"
    with pytest.raises(elasticsearch.BadRequestError) as ei:
        c.indices.create(index="Upper")
    assert ei.value.error == "invalid_index_name_exception"
    assert c.indices.delete(index="app-logs").body == {"acknowledged": True}
    assert not c.indices.exists(index="app-logs")
    with pytest.raises(elasticsearch.NotFoundError) as ei:
        c.indices.delete(index="app-logs")
    assert ei.value.error == "index_not_found_exception"


@needs_client
def test_helpers_bulk_5000_count_get(es_server):
    # search and query semantics: the real engine's tests (tests/test_search_engine.py)
    es = es_server
    c = client(es)
    docs = ({"_index": "web", "_id": f"d{i}", "status": 500 if i % 50 == 0 else 200,
             "client": {"ip": f"10.0.{i // 256}.{i % 256}"}, "message": f"GET /page/{i} HTTP/1.1",
             "@timestamp": "2024-05-01T12:00:00Z"} for i in range(5000))
    ok, errors = helpers.bulk(c, docs, chunk_size=500)
    assert (ok, errors) == (5000, [])
    assert es.bulk_requests == 10 and es.items == 5000
    assert c.count(index="web")["count"] == 5000
    assert len(es.docs("web")) == 5000
    assert sum(1 for d in es.docs("web").values() if d["status"] == 500) == 100
    assert c.count(index="web", query={"match_all": {}})["count"] == 5000
    with pytest.raises(elasticsearch.BadRequestError):         # queries: the real engine's business
        c.count(index="web", query={"range": {"status": {"gte": 500}}})
    d = c.get(index="web", id="d7")
    assert d["found"] and d["_version"] == 1 and d["_source"]["client"]["ip"] == "10.0.0.7"
    with pytest.raises(elasticsearch.NotFoundError):
        c.get(index="web", id="missing")
    # dynamic mapping like ES: long, text + .keyword, date, object
    props = c.indices.get_mapping(index="web")["web"]["mappings"]["properties"]
    assert props["status"] == {"type": "long"}
    assert props["message"]["fields"]["keyword"]["type"] == "keyword"
    assert props["@timestamp"] == {"type": "date"}
    assert props["client"]["properties"]["ip"]["type"] == "text"
    assert es.connections <= 2                       # the client keeps its connection alive


@needs_client
def test_api_key_and_wrong_credentials(es_server):
    es = es_server
    key = es.create_api_key("consumer")
    c = Elasticsearch(es.url, ca_certs=es.ca_path, api_key=(key["id"], key["api_key"]), max_retries=0)
    assert c.info()["version"]["number"] == "8.12.2"
    c2 = Elasticsearch(es.url, ca_certs=es.ca_path, api_key=key["encoded"], max_retries=0)
    assert c2.indices.create(index="k").body["acknowledged"]
    bad_key = Elasticsearch(es.url, ca_certs=es.ca_path, api_key=(key["id"], "nope"), max_retries=0)
    with pytest.raises(elasticsearch.AuthenticationException):
        bad_key.info()
    bad_pw = Elasticsearch(es.url, ca_certs=es.ca_path, basic_auth=(es.user, "wrong"), max_retries=0)
    with pytest.raises(elasticsearch.AuthenticationException) as ei:
        bad_pw.info()
    assert ei.value.meta.status == 401
    err = ei.value.body["error"]
    assert err["type"] == "security_exception"
    assert err["reason"] == "unable to authenticate user [elastic] for REST request [/]"
    assert err["root_cause"][0]["type"] == "security_exception"
    assert ei.value.meta.headers.get("WWW-Authenticate")
    anonymous = Elasticsearch(es.url, ca_certs=es.ca_path, max_retries=0)
    with pytest.raises(elasticsearch.AuthenticationException):
        anonymous.info()


@needs_client
def test_readonly_user_gets_403_on_writes(tmp_path):
    with EsTestServer(workdir=str(tmp_path), readonly_users={"reader": "r3ad"}) as es:
        client(es).indices.create(index="ro")
        c = Elasticsearch(es.url, ca_certs=es.ca_path, basic_auth=("reader", "r3ad"), max_retries=0)
        assert c.count(index="ro")["count"] == 0
        with pytest.raises(elasticsearch.AuthorizationException):
            c.indices.create(index="ro2")
        r = c.bulk(operations=[{"index": {"_index": "ro", "_id": "1"}}, {"a": 1}])
        assert r["errors"] and r["items"][0]["index"]["status"] == 403
        assert r["items"][0]["index"]["error"]["type"] == "security_exception"


@needs_client
def test_wrong_ca_fails_tls_verification(es_server, tmp_path):
    other = EsTestServer(workdir=str(tmp_path / "other")).start()
    other.stop()                                     # only its (different) CA file is needed
    c = Elasticsearch(es_server.url, ca_certs=other.ca_path,
                      basic_auth=(es_server.user, es_server.password), max_retries=0)
    with pytest.raises(elasticsearch.ConnectionError) as ei:
        c.info()
    assert "CERTIFICATE_VERIFY_FAILED" in repr(ei.value)
    assert es_server.wait_for(lambda s: s.counters.get("tls_failures", 0) >= 1, timeout=5)


@needs_client
def test_bulk_create_conflict_index_update_delete_shapes(es_server):
    es = es_server
    c = client(es)
    r = c.bulk(operations=[{"create": {"_index": "b", "_id": "1"}}, {"v": 1},
                           {"create": {"_index": "b", "_id": "1"}}, {"v": 2},
                           {"index": {"_index": "b", "_id": "1"}}, {"v": 3},
                           {"index": {"_index": "b"}}, {"v": 4},
                           {"delete": {"_index": "b", "_id": "nope"}},
                           {"update": {"_index": "b", "_id": "1"}}, {"doc": {"w": 1}},
                           {"delete": {"_index": "b", "_id": "1"}}], refresh="wait_for")
    body = r.body
    assert body["errors"] is True and isinstance(body["took"], int)
    it = body["items"]
    assert it[0] == {"create": {"_index": "b", "_id": "1", "_version": 1, "result": "created",
                                "_shards": {"total": 2, "successful": 1, "failed": 0},
                                "_seq_no": 0, "_primary_term": 1, "status": 201}}
    e = it[1]["create"]
    assert e["status"] == 409 and set(e) == {"_index", "_id", "status", "error"}
    assert e["error"]["type"] == "version_conflict_engine_exception"
    assert e["error"]["reason"] == "[1]: version conflict, document already exists (current version [1])"
    assert {"index_uuid", "shard", "index"} <= set(e["error"])
    assert it[2]["index"]["result"] == "updated" and it[2]["index"]["_version"] == 2
    assert it[2]["index"]["status"] == 200 and it[2]["index"]["_seq_no"] == 1
    auto_id = it[3]["index"]["_id"]
    assert len(auto_id) == 20 and it[3]["index"]["status"] == 201
    assert it[4]["delete"]["result"] == "not_found" and it[4]["delete"]["status"] == 404
    assert it[5]["update"]["result"] == "updated" and it[5]["update"]["_version"] == 3
    assert it[6]["delete"]["result"] == "deleted" and it[6]["delete"]["_version"] == 4
    assert es.docs("b") == {auto_id: {"v": 4}}
    assert es.counters["conflicts"] == 1


@needs_client
def test_whole_request_429_and_503(es_server):
    es = es_server
    c = client(es)
    es.fail_next_requests(1, status=429)
    with pytest.raises(elasticsearch.ApiError) as ei:
        c.bulk(operations=[{"index": {"_index": "x"}}, {"a": 1}])
    assert ei.value.meta.status == 429
    assert ei.value.error == "es_rejected_execution_exception"
    assert es.docs("x") == {}
    es.fail_next_requests(1, status=503, path_prefix=None)
    with pytest.raises(elasticsearch.ApiError) as ei:
        c.info()
    assert ei.value.meta.status == 503 and ei.value.error == "cluster_block_exception"
    # the client's own retry on 429 (max_retries=3 by default) gets through after two rejections
    es.fail_next_requests(2, status=429)
    retrying = client(es, max_retries=3)
    r = retrying.bulk(operations=[{"index": {"_index": "x", "_id": "1"}}, {"a": 1}])
    assert not r["errors"]
    assert [x.status for x in es.requests("/_bulk")] == [429, 429, 429, 200]
    assert es.docs("x") == {"1": {"a": 1}}


@needs_client
def test_per_item_429_rate_is_seeded(tmp_path):
    def run(seed):
        with EsTestServer(workdir=str(tmp_path / str(seed))) as es:
            es.item_failure_rate(0.2, status=429, seed=seed)
            c = client(es)
            failed = []
            for b in range(4):
                ops = []
                for i in range(500):
                    ops += [{"create": {"_index": "r", "_id": f"{b}-{i}"}}, {"i": i}]
                r = c.bulk(operations=ops)
                assert r.meta.status == 200 and r["errors"]
                for item in r["items"]:
                    if item["create"]["status"] == 429:
                        assert item["create"]["error"]["type"] == "es_rejected_execution_exception"
                        failed.append(item["create"]["_id"])
                    else:
                        assert item["create"]["status"] == 201
            assert len(es.docs("r")) == 2000 - len(failed)
            return failed
    a = run(7)
    assert 0.15 < len(a) / 2000 < 0.25
    assert run(7) == a


@needs_client
def test_mapping_errors_from_templates_and_reject_fields(es_server, tmp_path):
    es = es_server
    c = client(es)
    c.indices.put_index_template(name="logs", index_patterns=["logs-*"], priority=10, template={
        "settings": {"number_of_replicas": 0},
        "mappings": {"properties": {"http": {"properties": {"status": {"type": "long"}}},
                                    "client.ip": {"type": "ip"}, "ts": {"type": "date"}}}})
    r = c.bulk(operations=[{"create": {"_index": "logs-2024", "_id": "ok"}},
                           {"http": {"status": 200}, "client": {"ip": "1.2.3.4"}, "ts": "2024-05-01T00:00:00Z"},
                           {"create": {"_index": "logs-2024", "_id": "bad-status"}}, {"http": {"status": "abc"}},
                           {"create": {"_index": "logs-2024", "_id": "bad-ip"}}, {"client": {"ip": "not-an-ip"}},
                           {"create": {"_index": "logs-2024", "_id": "bad-date"}}, {"ts": "yesterday"},
                           {"create": {"_index": "logs-2024", "_id": "coerced"}}, {"http.status": "404"}])
    st = {i["create"]["_id"]: i["create"] for i in r["items"]}
    assert st["ok"]["status"] == 201 and st["ok"]["_shards"]["total"] == 1   # replicas 0 from the template
    assert st["coerced"]["status"] == 201                                     # "404" -> long, like ES
    e = st["bad-status"]["error"]
    assert st["bad-status"]["status"] == 400 and e["type"] == "document_parsing_exception"
    assert "failed to parse field [http.status] of type [long] in document with id 'bad-status'" in e["reason"]
    assert e["caused_by"] == {"type": "illegal_argument_exception", "reason": 'For input string: "abc"'}
    assert st["bad-ip"]["error"]["caused_by"]["reason"] == "'not-an-ip' is not an IP string literal."
    assert st["bad-date"]["error"]["caused_by"]["caused_by"]["type"] == "date_time_parse_exception"
    assert set(es.docs("logs-2024")) == {"ok", "coerced"}
    assert c.indices.get_mapping(index="logs-2024")["logs-2024"]["mappings"]["properties"]["http"] == \
        {"properties": {"status": {"type": "long"}}}
    # reject_fields: a type constraint without any mapping; ES < 8.8's error type on request
    es.reject_fields({"bytes": "long"})
    r = c.bulk(operations=[{"index": {"_index": "plain"}}, {"bytes": "12kb"}])
    assert r["items"][0]["index"]["status"] == 400
    es.reject_fields({})
    # dynamic mapping conflict: the first doc maps the field as long, like a real cluster would
    r = c.bulk(operations=[{"index": {"_index": "dyn"}}, {"n": 1}, {"index": {"_index": "dyn"}}, {"n": "x"}])
    assert [i["index"]["status"] for i in r["items"]] == [201, 400]
    with EsTestServer(workdir=str(tmp_path / "old"), mapping_error_type="mapper_parsing_exception") as old:
        old.reject_fields({"n": "long"})
        r = client(old).bulk(operations=[{"index": {"_index": "a"}}, {"n": "x"}])
        assert r["items"][0]["index"]["error"]["type"] == "mapper_parsing_exception"


@needs_client
def test_strict_mapping_and_index_template_application(es_server):
    c = client(es_server)
    c.indices.create(index="strict", mappings={"dynamic": "strict", "properties": {"a": {"type": "keyword"}}})
    r = c.bulk(operations=[{"index": {"_index": "strict"}}, {"a": "x"}, {"index": {"_index": "strict"}}, {"b": 1}])
    assert [i["index"]["status"] for i in r["items"]] == [201, 400]
    assert r["items"][1]["index"]["error"]["type"] == "strict_dynamic_mapping_exception"
    assert c.indices.exists_index_template(name="nope").body is False
    c.indices.put_index_template(name="t", index_patterns=["t-*"],
                                 template={"mappings": {"properties": {"k": {"type": "keyword"}}}})
    assert c.indices.exists_index_template(name="t").body is True
    c.index(index="t-1", id="1", document={"k": 5, "other": "text here"})
    props = c.indices.get_mapping(index="t-1")["t-1"]["mappings"]["properties"]
    assert props["k"] == {"type": "keyword"} and props["other"]["type"] == "text"
    assert c.count(index="t-*")["count"] == 1


@needs_client
def test_http_compress_gzip_request_bodies(es_server):
    es = es_server
    c = client(es, http_compress=True)
    helpers.bulk(c, ({"_index": "gz", "_id": str(i), "msg": "x" * 100} for i in range(1000)))
    bulks = es.requests("/_bulk")
    assert bulks and all(r.gzip for r in bulks)
    assert all(r.req_bytes < r.body_bytes for r in bulks)
    assert len(es.docs("gz")) == 1000


@needs_client
def test_drop_connections_before_and_after_processing(es_server):
    es = es_server
    c = client(es)
    c.indices.create(index="d")
    es.drop_next_connections(1, path_prefix="/_bulk")
    with pytest.raises(elasticsearch.ConnectionError):
        c.bulk(operations=[{"create": {"_index": "d", "_id": "1"}}, {"a": 1}])
    assert es.docs("d") == {}                       # dropped mid-request: nothing applied
    # applied, then dropped: the client cannot know, its retry hits the 409 of create
    es.drop_next_connections(1, path_prefix="/_bulk", after_processing=True)
    retrying = client(es, max_retries=2)
    r = retrying.bulk(operations=[{"create": {"_index": "d", "_id": "1"}}, {"a": 1}])
    assert r["items"][0]["create"]["status"] == 409
    assert es.docs("d") == {"1": {"a": 1}}
    assert [(x.status, x.fault) for x in es.requests("/_bulk")] == [
        (None, "drop"), (200, "drop_after"), (200, None)]


@needs_client
def test_slow_responses_and_down_up(es_server):
    es = es_server
    es.delay_responses(0.8, n=1, path_prefix="/")
    c = client(es, request_timeout=0.3)
    with pytest.raises(elasticsearch.ConnectionTimeout):
        c.info()
    assert c.info()["tagline"] == "You Know, for Search"
    port = es.port
    es.set_down(True)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=2)
    with pytest.raises(elasticsearch.ConnectionError):
        client(es).info()
    es.set_down(False)
    assert es.port == port
    assert client(es).info()["version"]["number"] == "8.12.2"


def test_a_connection_older_than_set_down_gets_no_answer(es_server):
    # A connection in its TLS handshake when set_down runs is not among those killed; it must not
    # serve a "down" engine's requests (a consumer test once got answers through one all outage).
    es = es_server
    ctx = ssl.create_default_context(cafile=es.ca_path)
    conn = http.client.HTTPSConnection("127.0.0.1", es.port, context=ctx, timeout=10)
    auth = {"Authorization": "Basic " + base64.b64encode(f"{es.user}:{es.password}".encode()).decode()}
    conn.request("GET", "/", headers=auth)
    assert conn.getresponse().read() and conn.sock is not None  # kept alive
    es.set_down(True, kill_connections=False)
    try:
        conn.request("GET", "/", headers=auth)
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError, ssl.SSLError)):
            conn.getresponse()
        assert [x.fault for x in es.requests("/")][-1] == "down"
    finally:
        conn.close()
        es.set_down(False)


# ------------------------------------------------------------------------------------------------
# curl and raw HTTP


@needs_curl
def test_curl_with_and_without_cacert(es_server):
    es = es_server
    ok = subprocess.run(["curl", "-sS", "--cacert", es.ca_path, "-u", f"{es.user}:{es.password}", f"{es.url}/"],
                        capture_output=True, text=True, timeout=20)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["version"]["number"] == "8.12.2"
    bad = subprocess.run(["curl", "-sS", "-u", f"{es.user}:{es.password}", f"{es.url}/"],
                         capture_output=True, text=True, timeout=20)
    assert bad.returncode == 60, bad.stderr            # CURLE_PEER_FAILED_VERIFICATION
    # the CLI flow of a consumer: NDJSON from a file, gzip'd, HTTP/1.1 keep-alive over 2 requests
    body = gzip.compress(ndjson({"create": {"_index": "c", "_id": "1"}}, {"m": "hi"}))
    r = subprocess.run(["curl", "-sS", "--cacert", es.ca_path, "-u", f"{es.user}:{es.password}",
                        "-H", "Content-Type: application/x-ndjson", "-H", "Content-Encoding: gzip",
                        "--data-binary", "@-", f"{es.url}/_bulk", "--next", "--cacert", es.ca_path,
                        "-u", f"{es.user}:{es.password}", f"{es.url}/c/_count"],
                       input=body, capture_output=True, timeout=20)
    assert r.returncode == 0, r.stderr
    out = r.stdout.decode()
    assert '"result":"created"' in out and '"count":1' in out
    assert es.connections == 2                         # the failed handshake is no connection; --next reuses


def test_keepalive_connection_close_and_content_length(es_server):
    es = es_server
    raw = Raw(es)
    for _ in range(3):
        r, body = raw("GET", "/")
        assert r.status == 200 and r.getheader("content-type") == "application/json"
    assert es.connections == 1
    assert len({x.conn_id for x in es.request_log}) == 1
    r, _ = raw("GET", "/", headers={"Connection": "close"})
    assert r.getheader("connection") == "close"
    r, _ = raw("HEAD", "/nope")
    assert r.status == 404
    assert es.connections == 2                          # http.client reconnected after the close
    raw.close()


def test_raw_bulk_rules_chunked_and_errors(es_server):
    es = es_server
    raw = Raw(es)
    r, body = raw("POST", "/_bulk", ndjson({"index": {"_index": "r"}}, {"a": 1})[:-1], ctype="application/x-ndjson")
    assert r.status == 400 and body["error"]["reason"] == "The bulk request must be terminated by a newline [\\n]"
    r, body = raw("POST", "/_bulk", ndjson({"index": {"_index": "r"}}, {"a": 1}), ctype="text/plain")
    assert r.status == 406 and body == {"error": "Content-Type header [text/plain] is not supported", "status": 406}
    r, body = raw("POST", "/_bulk", ndjson({"index": {"_index": "r", "_type": "_doc"}}, {"a": 1}),
                  ctype="application/x-ndjson")
    assert r.status == 400 and "unknown parameter [_type]" in body["error"]["reason"]
    r, body = raw("GET", "/_bulk")
    assert r.status == 405
    r, body = raw("GET", "/_nope")
    assert r.status == 400 and body["error"].startswith("no handler found for uri [/_nope]")
    # chunked transfer encoding (what libcurl uses with a read callback and no size)
    payload = ndjson(*[x for i in range(50) for x in ({"create": {"_index": "r", "_id": str(i)}}, {"i": i})])
    h = {"Authorization": raw.auth, "Content-Type": "application/x-ndjson", "Transfer-Encoding": "chunked"}
    raw.conn.request("POST", "/r/_bulk?refresh=true", body=iter(
        [payload[:1000], payload[1000:]]), headers=h, encode_chunked=True)
    resp = raw.conn.getresponse()
    out = json.loads(resp.read())
    assert resp.status == 200 and out["errors"] is False
    assert out["items"][0]["create"]["status"] == 201 and out["items"][0]["create"]["forced_refresh"]
    assert len(es.docs("r")) == 50
    # wrong password on the raw connection: 401 + WWW-Authenticate, connection still usable
    raw.auth = "Basic " + base64.b64encode(b"elastic:wrong").decode()
    r, body = raw("GET", "/")
    assert r.status == 401 and r.getheader("WWW-Authenticate")
    assert body["error"]["type"] == "security_exception" and body["status"] == 401
    raw.close()
    assert es.connections == 1


def test_raw_drop_is_a_connection_error(es_server):
    es = es_server
    raw = Raw(es)
    es.drop_next_connections(1)
    with pytest.raises((http.client.HTTPException, OSError)):
        raw("POST", "/_bulk", ndjson({"index": {"_index": "z"}}, {"a": 1}), ctype="application/x-ndjson")
    raw.close()
    raw = Raw(es)
    r, body = raw("POST", "/_bulk", ndjson({"index": {"_index": "z"}}, {"a": 1}), ctype="application/x-ndjson")
    assert r.status == 200 and not body["errors"]
    raw.close()


def test_shared_fixture_resets(es_server_shared):
    es = es_server_shared
    assert es.indices() == [] and es.request_log == []
    raw = Raw(es)
    raw("PUT", "/shared")
    raw.close()
    assert es.indices() == ["shared"]
    es.fail_next_requests(None, status=503, path_prefix=None)   # reset() clears this for the next test


def test_shared_fixture_resets_again(es_server_shared):
    test_shared_fixture_resets(es_server_shared)


def test_constructor_api_keys_and_compat_media_types(tmp_path):
    with EsTestServer(workdir=str(tmp_path), api_keys=[("kid", "secret"), "k2:s2"]) as es:
        raw = Raw(es, auth=False)
        r, body = raw("GET", "/", headers={"Authorization": "ApiKey " + base64.b64encode(b"kid:secret").decode()})
        assert r.status == 200 and body["version"]["number"] == "8.12.2"
        r, body = raw("GET", "/", headers={"Authorization": "ApiKey " + base64.b64encode(b"k2:bad").decode()})
        assert r.status == 401
        raw.auth = "Basic " + base64.b64encode(f"elastic:{es.password}".encode()).decode()
        v8 = "application/vnd.elasticsearch+json; compatible-with=8"
        r, body = raw("PUT", "/m1", {}, ctype=v8, headers={"Accept": v8})
        assert r.status == 200
        # versioned Content-Type without a versioned Accept: ES 8 refuses it (a classic hand-written-client bug)
        r, body = raw("PUT", "/m2", {}, ctype=v8)
        assert r.status == 400 and body["error"]["type"] == "media_type_header_exception"
        assert "Accept=null" in body["error"]["caused_by"]["reason"]      # Java's null, like ES
        r, body = raw("PUT", "/m3", {}, ctype="application/vnd.elasticsearch+json; compatible-with=9",
                      headers={"Accept": "application/vnd.elasticsearch+json; compatible-with=9"})
        assert r.status == 400
        raw.close()


def test_benchmark_mode_keeps_raw_sources(tmp_path):
    with EsTestServer(workdir=str(tmp_path), validate_documents=False) as es:
        raw = Raw(es)
        src = b'{"status":"not-a-number","msg":"Hello World"}'
        body = b'{"index":{"_index":"fast","_id":"1"}}\n' + src + b"\n"
        r, out = raw("POST", "/_bulk", body, ctype="application/x-ndjson")
        assert r.status == 200 and out["items"][0]["index"]["result"] == "created"
        assert es.docs("fast") == {"1": {"status": "not-a-number", "msg": "Hello World"}}
        assert es.mappings("fast") == {}                      # nothing parsed, nothing mapped
        r, out = raw("GET", "/fast/_count")
        assert out["count"] == 1
        raw.close()
