"""The producer against a real Apache Kafka broker (tests/kafka_harness), read back with
confluent-kafka and kcat."""
import json
import subprocess
import sys
import threading
import time

import pytest

import kafkainsight as ki
from kafkainsight.kafka import KafkaTopicError, Producer
from tests.conftest_kafka import unique_name
from tests.kafka_util import consume_all, headers, kcat_count

pytestmark = pytest.mark.kafka


def test_file_to_real_kafka_exactly(kafka_cluster, tmp_path):
    topic = unique_name("logs")
    kafka_cluster.create_topic(topic, partitions=4)
    kafka_cluster.create_topic(topic + ".dlq", partitions=1)
    lines = ki.generate_lines("apache_combined", 20000, seed=8, start=1700000000, sleep=1)
    lines.insert(500, "not a log line at all")
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n")
    st = Producer(kafka_cluster.bootstrap, topic, key="source.ip", headers="all").produce_file(log)
    assert (st.read, st.produced, st.dead_lettered, st.failed_delivery) == (20001, 20000, 1, 0)
    msgs = consume_all(kafka_cluster.bootstrap, topic)
    assert len(msgs) == 20000
    assert kcat_count(kafka_cluster.bootstrap, topic) in (None, 20000)
    seen = set()
    for m in msgs:
        no = int(headers(m)["ki.line"])
        seen.add(no)
        assert json.loads(m.value()) == ki.parse_line(lines[no - 1])
    assert len(seen) == 20000
    dlq = consume_all(kafka_cluster.bootstrap, topic + ".dlq")
    assert [m.value().decode() for m in dlq] == ["not a log line at all"]
    assert headers(dlq[0])["ki.line"] == "501"


def test_missing_topic_is_a_clear_error(kafka_cluster):
    topic = unique_name("missing")
    with pytest.raises(KafkaTopicError) as e:
        Producer(kafka_cluster.bootstrap, topic, timeout=10)
    assert f"topic '{topic}' does not exist" in str(e.value) and "--create" in str(e.value)


def test_script_against_real_kafka(kafka_cluster, tmp_path):
    topic = unique_name("script")
    kafka_cluster.create_topic(topic, partitions=2)
    log = tmp_path / "a.log"
    ki.generate("rfc5424", 3000, output=str(log), seed=2)
    r = subprocess.run([sys.executable, "scripts/kafka_producer.py", str(log), "-b", kafka_cluster.bootstrap,
                        "-t", topic, "--on-parse-error", "skip", "-X", "compression.type=zstd"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "read=3000 produced=3000" in r.stderr
    assert kcat_count(kafka_cluster.bootstrap, topic) in (None, 3000)
    assert len(consume_all(kafka_cluster.bootstrap, topic)) == 3000


def test_leader_sigkill_mid_produce_loses_and_duplicates_nothing(kafka_cluster3, tmp_path):
    kc = kafka_cluster3
    topic = unique_name("failover")
    kc.create_topic(topic, partitions=1, replication=3, config={"min.insync.replicas": 2})
    n = 30000
    log = tmp_path / "a.log"
    ki.generate("apache_common", n, output=str(log), seed=3)
    p = Producer(kc.bootstrap, topic, rate=6000, on_parse_error="skip", headers="all")  # ~5 s of traffic; acks=all, idempotent
    leader = kc.leader_of(topic, 0)
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("st", p.produce_file(log)))
    t.start()
    time.sleep(1.5)
    kc.kill(leader)  # SIGKILL
    t.join(timeout=300)
    kc.restart(leader)
    st = result["st"]
    assert st.produced == n and st.failed_delivery == 0, st.errors
    lines = [int(headers(m)["ki.line"]) for m in consume_all(kc.bootstrap, topic, timeout=60)]
    assert len(lines) == n and len(set(lines)) == n
