"""The Kafka test harness against a real broker: round trip on 1 node, leader failover on 3."""
from __future__ import annotations

import collections
import os
import signal
import sys
import time

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

# The fixtures normally come from tests/conftest.py; importing them here as well keeps this file
# runnable on its own (conftest_kafka shares one cluster per size between both registrations).
from tests.conftest_kafka import kafka_cluster, kafka_cluster3, unique_name  # noqa: E402,F401

pytestmark = pytest.mark.kafka

ck = pytest.importorskip("confluent_kafka", reason="pip install confluent-kafka")


def _consume_all(bootstrap: str, topic: str, expected: int, timeout: float = 30.0,
                 settle: float = 1.0) -> list:
    """Read ``topic`` from the beginning with a fresh consumer group until ``expected``
    messages arrived, then ``settle`` seconds more to catch any duplicates."""
    consumer = ck.Consumer({
        "bootstrap.servers": bootstrap,
        "group.id": unique_name("grp"),
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        "session.timeout.ms": 10000,
    })
    consumer.subscribe([topic])
    got = []
    deadline = time.monotonic() + timeout
    settle_until = None
    try:
        while time.monotonic() < deadline:
            if settle_until is not None and time.monotonic() > settle_until:
                break
            msgs = consumer.consume(num_messages=500, timeout=0.5)
            for m in msgs:
                if m.error():
                    if m.error().code() == ck.KafkaError._PARTITION_EOF:
                        continue
                    raise AssertionError(f"consumer error: {m.error()}")
                got.append((m.partition(), m.key(), m.value()))
            if msgs:
                consumer.commit(asynchronous=False)
            if len(got) >= expected and settle_until is None:
                settle_until = time.monotonic() + settle
    finally:
        consumer.close()
    return got


def test_round_trip_1000_messages(kafka_cluster):
    topic = unique_name("roundtrip")
    kafka_cluster.create_topic(topic, partitions=3, replication=1)
    assert kafka_cluster.leader_of(topic, 0) == 1

    delivered, errors = [], []

    def on_delivery(err, msg):
        (errors if err else delivered).append(err or msg.value())

    producer = ck.Producer({"bootstrap.servers": kafka_cluster.bootstrap, "linger.ms": 5})
    expected = [f"message-{i:04d}".encode() for i in range(1000)]
    for i, value in enumerate(expected):
        producer.produce(topic, key=str(i).encode(), value=value, on_delivery=on_delivery)
        producer.poll(0)
    assert producer.flush(30) == 0
    assert errors == []
    assert len(delivered) == 1000

    got = _consume_all(kafka_cluster.bootstrap, topic, expected=1000)
    assert len(got) == 1000
    assert sorted(v for _, _, v in got) == expected
    assert {p for p, _, _ in got} == {0, 1, 2}          # keyed messages reached all partitions
    for _, key, value in got:                           # key and value travelled together
        assert value == f"message-{int(key):04d}".encode()


def test_leader_sigkill_no_loss_no_duplicates(kafka_cluster3):
    kc = kafka_cluster3
    topic = unique_name("failover")
    kc.create_topic(topic, partitions=1, replication=3, config={"min.insync.replicas": 2})
    info = kc.wait_for_isr(topic, 0, 3)
    assert sorted(info["replicas"]) == [1, 2, 3]

    n_total, kill_at, restart_at = 3000, 1000, 2000
    acked, failed = [], []

    def on_delivery(err, msg):
        (failed if err else acked).append(err or msg.value())

    producer = ck.Producer({
        "bootstrap.servers": kc.bootstrap,
        "enable.idempotence": True,     # implies acks=all, retries, max.in.flight <= 5
        "acks": "all",
        "linger.ms": 2,
        "batch.num.messages": 50,       # many small batches: some are in flight at the kill
        "message.timeout.ms": 45000,
    })
    expected = [f"event-{i:05d}".encode() for i in range(n_total)]
    victim = None
    t0 = time.monotonic()
    try:
        for i, value in enumerate(expected):
            if i == kill_at:
                victim = kc.leader_of(topic, 0)
                assert victim in (1, 2, 3)
                acked_at_kill = len(acked)   # < kill_at: some sends still in flight
                kc.kill(victim, signal.SIGKILL)
                t_kill = time.monotonic()
            if i == restart_at:
                # Messages kill_at..restart_at were produced while the dead leader was being
                # fenced; the two survivors (min.insync.replicas=2 still met) take over.
                new_leader = kc.wait_for_leader(topic, 0, not_in=(victim,), timeout=30)
                t_failover = time.monotonic() - t_kill
                kc.restart(victim)
            while True:
                try:
                    producer.produce(topic, value=value, on_delivery=on_delivery)
                    break
                except BufferError:
                    producer.poll(0.05)
            producer.poll(0)
            time.sleep(0.004)           # ~250 msg/s: sends span the kill and the failover
        assert producer.flush(60) == 0
    finally:
        if victim is not None and not kc.is_alive(victim):
            kc.restart(victim)          # leave the shared cluster whole for other tests

    assert failed == [], failed[:5]
    assert len(acked) == n_total
    final = kc.wait_for_isr(topic, 0, 3, timeout=30)    # the restarted node caught up

    got = _consume_all(kc.bootstrap, topic, expected=n_total, settle=2.0)
    counts = collections.Counter(v for _, _, v in got)
    lost = [v for v in expected if v not in counts]
    duplicated = [v for v, c in counts.items() if c > 1]
    print(f"\nvictim node {victim} SIGKILLed with {kill_at - acked_at_kill} sends unacked, "
          f"new leader {new_leader}, failover "
          f"{t_failover:.1f}s, final ISR {final['isr']}, produced+acked {len(acked)}, "
          f"consumed {len(got)}, lost {len(lost)}, duplicated {len(duplicated)}, "
          f"test body {time.monotonic() - t0:.1f}s")
    assert lost == []
    assert duplicated == []
    assert len(got) == n_total
    # Order within the single partition is preserved by the idempotent producer.
    assert [v for _, _, v in got] == expected
