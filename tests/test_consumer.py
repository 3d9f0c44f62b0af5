"""Kafka -> Elasticsearch: the consumer against the ES-8-compatible test server (TLS, auth,
faults) with the embedded broker. Every message exactly once; offsets never past what ES
acknowledged."""
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time

import pytest

import kafkainsight as ki
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from kafkainsight.kafka import EmbeddedBroker, Producer
from tests.es_server import EsTestServer
from tests.kafka_util import consume_all, headers

FAST = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"}


@pytest.fixture
def es(tmp_path):
    with EsTestServer(workdir=str(tmp_path / "es")) as server:
        server.add_api_key(("kid", "ksecret"))
        yield server


@pytest.fixture
def broker():
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        yield b


def fill(broker, n=2000, fmt="apache_combined", seed=1, topic="data_log"):
    lines = ki.generate_lines(fmt, n, seed=seed, start=1706099953, sleep=1)
    st = Producer(broker.bootstrap, topic, headers="all").produce_lines(lines)
    assert st.produced == n
    return lines


def sink(es, **kw):
    kw.setdefault("ca_certs", es.ca_path)
    kw.setdefault("password", es.password)
    kw.setdefault("linger", 0.2)
    return ElasticsearchSink(es.url, **kw)


def group(name="g"):
    return f"{name}-{random.randrange(1 << 30)}"


def expected_docs(broker, lines):
    """_id -> the document the line at that (topic, partition, offset) parses to."""
    out = {}
    for m in consume_all(broker.bootstrap, "data_log"):
        out[f"data_log-{m.partition()}-{m.offset()}"] = ki.parse_line(lines[int(headers(m)["ki.line"]) - 1])
    return out


def test_end_to_end_every_message_once_with_its_parse(es, broker):
    lines = fill(broker, 3000)
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(sink(es), idle_timeout=2)
    assert (st.consumed, st.indexed, st.duplicates, st.dead_lettered) == (3000, 3000, 0, 0), st
    assert es.docs("test-log") == expected_docs(broker, lines)
    assert sum(st.lag.values()) == 0 and sum(st.committed.values()) == 3000
    assert st.bulk_requests >= 3 and 60_000 > st.latency_p99_ms >= st.latency_p50_ms > 0  # read -> ES ack


def test_stop_at_end_is_a_batch_run(es, broker):
    fill(broker, 1200)
    t0 = time.monotonic()
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(sink(es), stop_at_end=True)
    assert st.indexed == 1200 and sum(st.lag.values()) == 0
    assert time.monotonic() - t0 < 60


def test_restarts_resume_and_a_new_group_duplicates_nothing(es, broker):
    lines = fill(broker, 2000)
    g = group()
    s = sink(es, bulk_max_docs=300)
    first = Consumer(broker.bootstrap, "data_log", g, FAST).run(s, max_messages=700)
    assert first.indexed == 700
    rest = Consumer(broker.bootstrap, "data_log", g, FAST).run(s, idle_timeout=2)
    assert rest.consumed == 1300 and rest.duplicates == 0
    again = Consumer(broker.bootstrap, "data_log", group(), FAST).run(s, idle_timeout=2)
    assert again.consumed == 2000 and again.duplicates == 2000 and again.indexed == 0
    assert es.docs("test-log") == expected_docs(broker, lines)


def test_per_item_429_and_whole_request_faults_are_retried(es, broker):
    fill(broker, 2000)
    es.item_failure_rate(0.3, status=429, seed=7)
    es.fail_next_requests(2, status=429)
    es.fail_next_requests(1, status=503)
    es.drop_next_connections(1, path_prefix="/_bulk")
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(
        sink(es, bulk_max_docs=250, backoff_initial_ms=20, backoff_max_ms=200), idle_timeout=3)
    assert st.indexed == 2000 and st.dead_lettered == 0
    assert st.item_retries > 300 and st.request_retries >= 4
    assert len(es.docs("test-log")) == 2000


def test_mapping_errors_go_to_the_dlq_exactly(es, broker):
    lines = fill(broker, 1000)
    es.reject_fields({"user.name": "long"})  # every document with a user name is rejected
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(sink(es), idle_timeout=2)
    named = {i for i, d in expected_docs(broker, lines).items() if "user" in d}
    assert st.dead_lettered == len(named) and st.indexed == 1000 - len(named) and 0 < len(named) < 1000
    assert set(es.docs("test-log")).isdisjoint(named)
    dlq = consume_all(broker.bootstrap, "data_log.dlq")
    assert {m.key().decode() for m in dlq} == named
    h = headers(dlq[0])
    assert h["ki.error.stage"] == "index" and "400" in h["ki.error.reason"] and h["ki.topic"] == "data_log"


def test_es_down_mid_run_then_back(es, broker):
    fill(broker, 3000)
    es.delay_responses(0.05)

    def outage():
        es.wait_for(lambda s: s.items > 500, timeout=30)
        es.set_down(True)
        time.sleep(2)
        es.set_down(False)
    t = threading.Thread(target=outage)
    t.start()
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(
        sink(es, bulk_max_docs=200, backoff_initial_ms=50, backoff_max_ms=500), idle_timeout=4)
    t.join()
    # Bulks the server applied but could not answer come back as 409s: still exactly once.
    assert st.indexed + st.duplicates == 3000 and st.request_retries >= 1
    assert len(es.docs("test-log")) == 3000


def test_kill_9_and_restart_loses_and_duplicates_nothing(es, broker, tmp_path):
    lines = fill(broker, 4000)
    es.delay_responses(0.1, path_prefix="/_bulk")
    g = group("kill")
    env = {**os.environ, "ELASTIC_PASSWORD": es.password}
    cmd = [sys.executable, "scripts/elasticsearch_insertion.py", "-b", broker.bootstrap, "-g", g,
           "--url", es.url, "--ca-certs", es.ca_path, "--bulk-max-docs", "100", "--linger", "0.1",
           "-X", "session.timeout.ms=6000", "--idle-timeout", "3"]
    for kill_at in (600, 1500, 2600):
        p = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        es.wait_for(lambda s: len(s.docs("test-log")) >= kill_at if "test-log" in s.indices() else False,
                    timeout=60)
        p.send_signal(signal.SIGKILL)
        p.wait()
    r = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert es.docs("test-log") == expected_docs(broker, lines)


def test_auth_tls_and_secrets(es, broker, tmp_path):
    fill(broker, 100)
    # API key and CA fingerprint instead of the CA file
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(
        ElasticsearchSink(es.url, api_key="kid:ksecret", ca_fingerprint=es.ca_fingerprint, linger=0.2),
        idle_timeout=2)
    assert st.indexed == 100
    secret = "s3cr3t-Pa55-XYZ"
    env = {**os.environ, "ELASTIC_PASSWORD": secret}
    base = [sys.executable, "scripts/elasticsearch_insertion.py", "-b", broker.bootstrap, "-g", group(),
            "--url", es.url, "--idle-timeout", "2", "--startup-timeout", "2"]
    r = subprocess.run(base + ["--ca-certs", es.ca_path], env=env, capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "refused the credentials" in r.stderr and "ELASTIC_PASSWORD" in r.stderr
    assert secret not in r.stdout + r.stderr
    other = tmp_path / "other_ca.crt"
    with EsTestServer(workdir=str(tmp_path / "other")) as es2:
        other.write_bytes(open(es2.ca_path, "rb").read())
    r = subprocess.run(base + ["--ca-certs", str(other)], env={**env, "ELASTIC_PASSWORD": es.password},
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 1 and "TLS" in r.stderr and str(other) in r.stderr
    r = subprocess.run(base + ["--ca-certs", str(tmp_path / "missing.crt")], env=env, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode != 0 and "missing.crt" in r.stderr and "--ca-fingerprint" in r.stderr
    r = subprocess.run(base + ["--insecure"], env={**env, "ELASTIC_PASSWORD": es.password}, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0 and "verification is OFF" in r.stderr
    assert "password=***" in repr(sink(es)) and es.password not in repr(sink(es))


def test_dated_indices_template_and_recreate(es, broker):
    fill(broker, 500)
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(
        sink(es, index="logs-%Y.%m.%d", install_template=True), idle_timeout=2)
    assert st.indexed == 500
    assert es.indices() == ["logs-2024.01.24"]
    assert es.templates()["kafkainsight-ecs"]["index_patterns"] == ["logs-*"]
    assert es.mappings("logs-2024.01.24")["properties"]["source"]["properties"]["ip"]["type"] == "ip"
    # A fixed index that exists keeps its data; --recreate-index starts it afresh.
    s = sink(es, index="kept")
    Consumer(broker.bootstrap, "data_log", group(), FAST).run(s, idle_timeout=2)
    Consumer(broker.bootstrap, "data_log", group(), FAST).run(s, idle_timeout=2)
    assert len(es.docs("kept")) == 500
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(sink(es, index="kept", recreate_index=True),
                                                                   idle_timeout=2)
    assert st.indexed == 500 and st.duplicates == 0


def test_regex_topics_gzip_and_shards(es):
    with EmbeddedBroker(topics={"web_a": 2, "web_b": 2}) as b:
        Producer(b.bootstrap, "web_a", on_parse_error="skip").produce_lines(ki.generate_lines("apache_common", 300, seed=1))
        Producer(b.bootstrap, "web_b", on_parse_error="skip").produce_lines(ki.generate_lines("rfc5424", 200, seed=2))
        st = Consumer(b.bootstrap, "^web_.*", group(), FAST).run(
            sink(es, gzip=True, index="web", shards=2, replicas=0, dlq_topic="web.dlq"), idle_timeout=2)
    assert st.indexed == 500
    ids = set(es.docs("web"))
    assert sum(i.startswith("web_a-") for i in ids) == 300 and sum(i.startswith("web_b-") for i in ids) == 200
    assert any(r.gzip for r in es.requests("/_bulk"))
    assert es.mappings("web") is not None


def test_sigterm_finishes_in_flight_commits_and_exits_0(es, broker):
    fill(broker, 1500)
    es.delay_responses(0.2, path_prefix="/_bulk")
    g = group("term")
    cmd = [sys.executable, "scripts/elasticsearch_insertion.py", "-b", broker.bootstrap, "-g", g, "--url", es.url,
           "--ca-certs", es.ca_path, "--bulk-max-docs", "100", "--linger", "0.1", "-X", "session.timeout.ms=6000"]
    p = subprocess.Popen(cmd, env={**os.environ, "ELASTIC_PASSWORD": es.password}, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
    es.wait_for(lambda s: s.items >= 300, timeout=60)
    p.send_signal(signal.SIGTERM)
    _, err = p.communicate(timeout=60)
    assert p.returncode == 0, err
    assert "stopped: consumed=" in err
    es.delay_responses(0)
    # What the stopped run committed is not read again; the rest is.
    done = len(es.docs("test-log"))
    st = Consumer(broker.bootstrap, "data_log", g, FAST).run(sink(es), idle_timeout=2)
    assert st.duplicates == 0 and st.indexed == 1500 - done and len(es.docs("test-log")) == 1500


def test_two_consumers_in_one_group_share_the_work(es):
    with EmbeddedBroker(topics={"data_log": 4}) as b:
        lines = ki.generate_lines("apache_error", 4000, seed=9)
        Producer(b.bootstrap, "data_log", on_parse_error="skip").produce_lines(lines)
        es.delay_responses(0.05, path_prefix="/_bulk")
        g, results = group("pair"), []
        s = sink(es, bulk_max_docs=100)
        threads = [threading.Thread(target=lambda: results.append(
            Consumer(b.bootstrap, "data_log", g, FAST).run(s, idle_timeout=8))) for _ in range(2)]
        for t in threads:
            t.start()
            time.sleep(0.5)
        for t in threads:
            t.join(timeout=120)
    assert sum(r.indexed for r in results) + sum(r.duplicates for r in results) >= 4000
    assert len(es.docs("test-log")) == 4000


def test_kafka_metadata_adds_topic_partition_offset(es, broker):
    lines = fill(broker, 300, fmt="json")
    st = Consumer(broker.bootstrap, "data_log", group(), FAST).run(sink(es, kafka_metadata=True), stop_at_end=True)
    assert st.indexed == 300
    docs = es.docs("test-log")
    for _id, doc in docs.items():
        topic, partition, offset = _id.rsplit("-", 2)
        assert doc["kafka"] == {"topic": topic, "partition": int(partition), "offset": int(offset)}
    expected = expected_docs(broker, lines)
    assert {k: {f: v for f, v in d.items() if f != "kafka"} for k, d in docs.items()} == expected
