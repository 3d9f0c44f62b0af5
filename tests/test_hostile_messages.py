"""Hostile messages on the topic and an engine that fails under the consumer: injected bulk
actions, pretty-printed / non-JSON / oversized values, a re-created topic, an outage with a large
backlog. Messages are written with confluent-kafka (not our producer), so nothing here relies
on our own encoder having made them well-formed."""
import json
import os
import re
import subprocess
import sys
import threading
import time

import pytest
from confluent_kafka import Producer as CkProducer
from confluent_kafka.admin import AdminClient

import kafkainsight as ki
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from kafkainsight.kafka import Producer
from tests.conftest_kafka import unique_name
from tests.es_server import EsTestServer
from tests.kafka_util import FAST, consume_all, data_log_broker, headers

KI = [sys.executable, "-m", "kafkainsight"]


@pytest.fixture
def broker():
    with data_log_broker(1) as b:
        yield b


def sink(es, **kw):
    kw.setdefault("linger", 0.2)
    return ElasticsearchSink(es.url, ca_certs=es.ca_path, password=es.password, **kw)


def raw_produce(bootstrap, topic, values):
    """Values as bytes (None: a tombstone), written by confluent-kafka."""
    p = CkProducer({"bootstrap.servers": bootstrap})
    for v in values:
        p.produce(topic, value=v)
    assert p.flush(30) == 0


def good(n, seed):
    return [json.dumps(ki.parse_line(line)).encode()
            for line in ki.generate_lines("apache_combined", n, seed=seed, start=1706099953, sleep=1)]


def test_injected_actions_and_non_objects_are_dead_lettered_and_change_nothing(es, broker):
    first = good(20, seed=1)
    raw_produce(broker.bootstrap, "data_log", first)
    st = Consumer(broker.bootstrap, "data_log", "g-inj", FAST).run(sink(es), idle_timeout=2)
    assert st.indexed == 20
    before = es.docs("test-log")
    pretty = {"message": "pretty\nprinted", "n": 1, "nested": {"a": [1, 2]}}
    hostile = [
        b'{"a":1}\n{"delete":{"_index":"test-log","_id":"data_log-0-0"}}',              # the attack
        b'{"a":1}\n{"index":{"_index":"test-log","_id":"data_log-0-1"}}\n{"owned":true}',  # overwrite
        b'{"a":1}\r\n{"create":{"_index":"test-log","_id":"planted"}}\r\n{"owned":true}',
        b"not json at all",
        b"[1, 2, 3]",
        b'"just a string"',
        b'{"a":"\xff\xfe"}',                                                             # bad UTF-8
        b'{"a":1',
        None,                                                                            # tombstone
    ]
    rest = good(5, seed=2)
    raw_produce(broker.bootstrap, "data_log", hostile + [json.dumps(pretty, indent=2).encode()] + rest)
    st = Consumer(broker.bootstrap, "data_log", "g-inj", FAST).run(sink(es), idle_timeout=2)
    n = len(hostile) + 1 + len(rest)
    assert (st.consumed, st.dead_lettered, st.rejected, st.indexed) == (n, len(hostile), len(hostile), 6), st
    assert not st.fatal and st.request_retries == 0
    docs = es.docs("test-log")
    assert {k: docs[k] for k in before} == before  # nothing deleted or overwritten
    assert len(docs) == 26 and "planted" not in docs
    assert not any("owned" in d for d in docs.values())
    assert docs[f"data_log-0-{20 + len(hostile)}"] == pretty  # pretty-printed: re-serialised, indexed
    # Every refused value is in the DLQ as it came, with its offset and the reason.
    dlq = consume_all(broker.bootstrap, "data_log.dlq")
    assert [m.value() for m in dlq] == hostile[:-1] + [b""]  # the tombstone's null: an empty value
    reasons = [headers(m)["ki.error.reason"] for m in dlq]
    assert all(headers(m)["ki.error.stage"] == "validate" for m in dlq)
    assert [int(headers(m)["ki.offset"]) for m in dlq] == list(range(20, 20 + len(hostile)))
    assert "not a JSON document" in reasons[0] and reasons[4] == "not a JSON object"
    assert reasons[-1].startswith("empty message")


def test_a_request_refused_whole_is_split_until_the_culprit_stands_alone(es, broker):
    # The server takes bodies up to 64 KiB (http.max_content_length): one 100 KB document makes
    # any bulk that carries it fail whole with 413. It must end in the DLQ, alone.
    es.max_content_length = 64 << 10
    docs = good(300, seed=3)
    big = json.dumps({"message": "x" * 100_000}).encode()
    raw_produce(broker.bootstrap, "data_log", docs[:150] + [big] + docs[150:])
    st = Consumer(broker.bootstrap, "data_log", "g-413", FAST).run(sink(es, bulk_max_docs=100), idle_timeout=3)
    assert (st.indexed, st.dead_lettered, st.rejected) == (300, 1, 0), st
    assert len(es.docs("test-log")) == 300 and "data_log-0-150" not in es.docs("test-log")
    (m,) = consume_all(broker.bootstrap, "data_log.dlq")
    assert m.value() == big and headers(m)["ki.offset"] == "150" and "413" in headers(m)["ki.error.reason"]
    assert sum(1 for r in es.requests("/_bulk") if r.status == 413) >= 2  # split at least once


def test_a_passing_whole_request_400_loses_nothing(es, broker):
    raw_produce(broker.bootstrap, "data_log", good(400, seed=4))
    es.fail_next_requests(1, status=400, path_prefix="/_bulk")
    st = Consumer(broker.bootstrap, "data_log", "g-400", FAST).run(sink(es, bulk_max_docs=200), idle_timeout=3)
    assert (st.indexed, st.dead_lettered) == (400, 0), st
    assert len(es.docs("test-log")) == 400


def test_retried_documents_never_make_a_bulk_larger_than_bulk_max_docs(es, broker):
    raw_produce(broker.bootstrap, "data_log", good(1500, seed=5))
    es.item_failure_rate(0.5, status=429, seed=5)
    st = Consumer(broker.bootstrap, "data_log", "g-max", FAST).run(
        sink(es, bulk_max_docs=100, backoff_initial_ms=10, backoff_max_ms=50), idle_timeout=3)
    assert st.indexed == 1500 and st.item_retries > 500
    sizes = [r.items for r in es.requests("/_bulk")]
    assert max(sizes) == 100 and len(sizes) > 15


@pytest.mark.kafka
def test_a_recreated_topic_is_indexed_not_counted_as_duplicates(kafka_cluster, es):
    """Offsets of a re-created topic start at 0 again: its messages reuse the old _ids."""
    topic, g = topic_with_dlq(kafka_cluster, "recreate", 1), unique_name("g")
    old = good(1000, seed=6)
    raw_produce(kafka_cluster.bootstrap, topic, old)
    st = Consumer(kafka_cluster.bootstrap, topic, g, FAST).run(sink(es), idle_timeout=3)
    assert st.indexed == 1000
    admin = AdminClient({"bootstrap.servers": kafka_cluster.bootstrap})
    admin.delete_topics([topic])[topic].result(30)
    deadline = time.monotonic() + 60
    while topic in admin.list_topics(timeout=10).topics and time.monotonic() < deadline:
        time.sleep(0.5)
    kafka_cluster.create_topic(topic, partitions=1)
    new = good(1000, seed=7)
    raw_produce(kafka_cluster.bootstrap, topic, new)
    st = Consumer(kafka_cluster.bootstrap, topic, g, FAST).run(sink(es), idle_timeout=3)
    assert (st.consumed, st.indexed, st.duplicates, st.id_conflicts) == (1000, 1000, 0, 1000), st
    docs = es.docs("test-log")
    assert len(docs) == 2000
    assert sorted(json.dumps(d, sort_keys=True) for d in docs.values()) == sorted(
        json.dumps(json.loads(v), sort_keys=True) for v in old + new)
    # A redelivery of the new incarnation (another group) is recognised as such: exactly once.
    again = Consumer(kafka_cluster.bootstrap, topic, unique_name("g"), FAST).run(sink(es), idle_timeout=3)
    assert (again.indexed, again.duplicates) == (0, 1000), again
    assert len(es.docs("test-log")) == 2000


def topic_with_dlq(cluster, prefix: str, partitions: int) -> str:
    """A fresh topic of ``partitions`` and its one-partition dead-letter topic."""
    topic = unique_name(prefix)
    cluster.create_topic(topic, partitions=partitions)
    cluster.create_topic(topic + ".dlq", partitions=1)
    return topic


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        return int(re.search(r"VmRSS:\s+(\d+)", f.read()).group(1)) / 1024


@pytest.mark.kafka
def test_memory_stays_bounded_while_the_engine_is_down_with_a_large_backlog(kafka_cluster, tmp_path):
    topic = topic_with_dlq(kafka_cluster, "backlog", 4)
    n = 400_000
    log = tmp_path / "access.log"
    log.write_text("\n".join(ki.generate_lines("apache_combined", n, seed=8, start=1706099953, sleep=1)) + "\n")
    assert Producer(kafka_cluster.bootstrap, topic).produce_file(log).produced == n
    with EsTestServer(workdir=str(tmp_path / "es"), validate_documents=False) as es:
        es.delay_responses(0.5, n=1, path_prefix="/_bulk")  # the first bulk is slow; the engine goes
        p = subprocess.Popen([*KI, "consume", topic, "-b", kafka_cluster.bootstrap, "-g", unique_name("g"),
                              "--url", es.url, "--ca-certs", es.ca_path, "--idle-timeout", "3",
                              "--env-file", "/dev/null", "-X", "session.timeout.ms=6000"],
                             stderr=subprocess.PIPE, text=True, env={**os.environ, "ELASTIC_PASSWORD": es.password})
        err = []
        threading.Thread(target=lambda: err.extend(p.stderr), daemon=True).start()
        try:
            assert es.wait_for(lambda s: s.bulk_requests >= 1, timeout=60)
            es.set_down(True)
            t0, start_rss, peak = time.monotonic(), rss_mib(p.pid), 0.0
            while time.monotonic() - t0 < 20:
                peak = max(peak, rss_mib(p.pid))
                time.sleep(0.2)
            es.set_down(False)
            assert p.wait(timeout=240) == 0, "".join(err)
        finally:
            p.kill()
        text = "".join(err)
        docs = len(es.docs("test-log"))
    # Before, the consumer read the whole backlog into memory (~750 MiB for this one): a batch
    # that cannot go out now stops the reading, and --max-buffered-bytes bounds the rest.
    print(f"RSS at the outage's start {start_rss:.0f} MiB, peak {peak:.0f} MiB")
    assert peak - start_rss < 100, (start_rss, peak)
    assert docs == n, text[-3000:]
    # One log line per backoff step while down (about 8 in 20 s), not one per failed request.
    assert 3 <= len(re.findall(r"\[warning\].*next try in", text)) <= 12, text[-3000:]


@pytest.mark.kafka
def test_fetching_pauses_at_max_buffered_bytes_and_resumes_losing_nothing(kafka_cluster, es):
    topic = topic_with_dlq(kafka_cluster, "pause", 2)
    n = 20_000
    assert Producer(kafka_cluster.bootstrap, topic).produce_lines(
        ki.generate_lines("apache_combined", n, seed=9, start=1706099953, sleep=1)).produced == n
    es.item_failure_rate(0.2, status=429, seed=9)  # retries wait beside new documents
    st = Consumer(kafka_cluster.bootstrap, topic, unique_name("g"), FAST).run(
        sink(es, max_buffered_bytes=1 << 20, backoff_initial_ms=20, backoff_max_ms=100), idle_timeout=3)
    assert (st.consumed, st.indexed, st.duplicates) == (n, n, 0), st
    assert st.fetch_pauses >= 3 and len(es.docs("test-log")) == n


def test_lag_of_a_partition_not_fetched_yet_is_unknown_not_zero(es, broker):
    raw_produce(broker.bootstrap, "data_log", good(200, seed=10))
    broker.cluster.set_rtt(1, 400)  # every request takes 0.4 s: the first fetch comes well after the assignment
    snaps = []
    st = Consumer(broker.bootstrap, "data_log", "g-lag", FAST).run(
        sink(es), idle_timeout=3, progress=lambda d: snaps.append((dict(d["lag"]), list(d["lag_unknown"]),
                                                                    dict(d["committed"]))))
    assert st.indexed == 200 and st.lag == {"data_log[0]": 0} and st.lag_unknown == []
    assert any(unknown == ["data_log[0]"] for _, unknown, _ in snaps), snaps  # assigned, end not known yet
    # A lag of 0 is only ever reported once everything is committed.
    assert all(committed.get(p, 0) == 200 for lag, _, committed in snaps for p, v in lag.items() if v == 0), snaps
