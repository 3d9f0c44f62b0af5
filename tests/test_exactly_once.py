"""Exactly-once from a log file to the index across producer crashes (issue 15, item 4): the
producer names each line by its file's fingerprint and byte offset (header ki.id) and the
consumer uses that as _id, so a producer killed with SIGKILL and run again on the same file,
without --resume, leaves one document per line."""
import json
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from confluent_kafka import Consumer as CkConsumer
from confluent_kafka import Producer as CkProducer
from confluent_kafka import TopicPartition

import kafkainsight as ki
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from kafkainsight.kafka import EmbeddedBroker
from tests.chaos.reconcile import reconcile_event_ids
from tests.conftest_kafka import unique_name
from tests.es_server import EsTestServer

FAST = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"}


@pytest.fixture
def es(tmp_path):
    with EsTestServer(workdir=str(tmp_path / "es")) as server:
        yield server


def in_topic(bootstrap: str, topic: str) -> int:
    """Messages in the topic (sum of the high watermarks)."""
    c = CkConsumer({"bootstrap.servers": bootstrap, "group.id": "ki-test-count"})
    try:
        parts = c.list_topics(topic, timeout=10).topics[topic].partitions
        return sum(c.get_watermark_offsets(TopicPartition(topic, p), timeout=10)[1] for p in parts)
    finally:
        c.close()


def produce_cmd(log, bootstrap, topic, *extra):
    return [sys.executable, "-m", "kafkainsight", "produce", str(log), "-b", bootstrap, "-t", topic, "-q",
            "--timeout", "30", "--event-ids", "files", *extra]


def consume(bootstrap, topic, es, index):
    sink = ElasticsearchSink(es.url, ca_certs=es.ca_path, password=es.password, index=index, linger=0.2)
    return Consumer(bootstrap, topic, f"g-{random.randrange(1 << 30)}", FAST).run(sink, stop_at_end=True)


def assert_one_document_per_line(docs: dict, data: bytes) -> str:
    """Every _id is <fingerprint>-<offset of a line>, each line exactly once, with its parse;
    returns the fingerprint."""
    t = reconcile_event_ids(docs, data)
    assert t.clean and t.arrived == t.sent, t
    fps = {i.rsplit("-", 1)[0] for i in docs}
    assert len(fps) == 1 and len(next(iter(fps))) == 16, sorted(fps)[:3]
    return fps.pop()


@pytest.mark.kafka
def test_producer_sigkilled_five_times_and_rerun_leaves_one_document_per_line(kafka_cluster, es, tmp_path):
    topic = unique_name("eo")
    kafka_cluster.create_topic(topic, partitions=4)
    kafka_cluster.create_topic(topic + ".dlq", partitions=1)
    n = 20_000
    log = tmp_path / "access.log"
    log.write_text("\n".join(ki.generate_lines("apache_combined", n, seed=15, start=1700000000, sleep=1)) + "\n")
    rng = random.Random(15)
    kills = []
    for _ in range(5):  # each run starts the file again (no --resume) and dies somewhere in it
        before = in_topic(kafka_cluster.bootstrap, topic)
        p = subprocess.Popen(produce_cmd(log, kafka_cluster.bootstrap, topic, "--rate", "8000"),
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        target = before + rng.randrange(n // 10, n * 9 // 10)
        deadline = time.monotonic() + 60
        while in_topic(kafka_cluster.bootstrap, topic) < target and time.monotonic() < deadline and p.poll() is None:
            time.sleep(rng.uniform(0.02, 0.2))
        p.send_signal(signal.SIGKILL)
        assert p.wait(timeout=30) == -signal.SIGKILL, "the producer ended before it was killed"
        kills.append(in_topic(kafka_cluster.bootstrap, topic) - before)
    r = subprocess.run(produce_cmd(log, kafka_cluster.bootstrap, topic), capture_output=True, text=True, timeout=300)
    assert r.returncode == 0 and f"read={n} produced={n}" in r.stderr, r.stderr
    total = in_topic(kafka_cluster.bootstrap, topic)
    assert total == n + sum(kills) and sum(kills) > n  # Kafka holds every line several times
    st = consume(kafka_cluster.bootstrap, topic, es, "eo")
    assert st.consumed == total and st.indexed == n and st.duplicates == total - n, st
    assert st.id_conflicts == 0 and st.bad_event_ids == 0 and st.dead_lettered == 0, st
    assert_one_document_per_line(es.docs("eo"), log.read_bytes())


def test_another_file_at_the_same_path_is_not_deduplicated(es, tmp_path):
    log = tmp_path / "app.log"
    first = ki.generate_lines("rfc5424", 300, seed=1, start=1700000000, sleep=1)
    second = ki.generate_lines("rfc5424", 300, seed=2, start=1700100000, sleep=1)
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        log.write_text("\n".join(first) + "\n")
        cmd = produce_cmd(log, b.bootstrap, "data_log")
        assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
        st = consume(b.bootstrap, "data_log", es, "one")
        assert st.indexed == 300
        fp1 = assert_one_document_per_line(es.docs("one"), log.read_bytes())
        # The same file again: nothing new. Then a new file at the same path (its lines at the
        # same offsets): all of it is new.
        assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
        os.remove(log)
        log.write_text("\n".join(second) + "\n")
        assert subprocess.run(cmd, capture_output=True, timeout=120).returncode == 0
        st = consume(b.bootstrap, "data_log", es, "one")
        assert (st.consumed, st.indexed, st.duplicates, st.id_conflicts) == (900, 300, 600, 0), st
        docs = es.docs("one")
        assert len(docs) == 600
        new = {i: d for i, d in docs.items() if not i.startswith(fp1)}
        assert assert_one_document_per_line(new, log.read_bytes()) != fp1


def test_malformed_event_ids_fall_back_to_topic_partition_offset_and_are_counted(es):
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        p = CkProducer({"bootstrap.servers": b.bootstrap})
        sent = [("0123456789abcdef-42", "good"), ("../_doc/evil", "path"), ("0123456789ABCDEF-1", "upper"),
                ("", "empty"), (None, "none")]
        for ident, what in sent:
            hs = [("ki.id", ident.encode())] if ident is not None else []
            p.produce("data_log", json.dumps({"message": what}).encode(), headers=hs)
        p.flush(10)
        st = consume(b.bootstrap, "data_log", es, "ids")
        assert st.indexed == 5 and st.bad_event_ids == 3, st
        docs = es.docs("ids")
        assert {i: d["message"] for i, d in docs.items()} == {
            "0123456789abcdef-42": "good", "data_log-0-1": "path", "data_log-0-2": "upper", "data_log-0-3": "empty",
            "data_log-0-4": "none"}


def test_stdin_and_headers_none_keep_topic_partition_offset(es, tmp_path):
    log = tmp_path / "a.log"
    log.write_text("\n".join(ki.generate_lines("apache_common", 50, seed=3)) + "\n")
    with EmbeddedBroker(topics={"data_log": 1, "data_log.dlq": 1}) as b:
        with open(log) as f:
            assert subprocess.run(produce_cmd("-", b.bootstrap, "data_log"), stdin=f, timeout=120).returncode == 0
        assert subprocess.run(produce_cmd(log, b.bootstrap, "data_log", "--headers", "none"),
                              timeout=120).returncode == 0
        st = consume(b.bootstrap, "data_log", es, "plain")
        assert st.indexed == 100 and st.bad_event_ids == 0
        assert sorted(es.docs("plain")) == sorted(f"data_log-0-{o}" for o in range(100))
