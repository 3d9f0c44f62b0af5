"""Reading topics back with an independent client (confluent-kafka, its own bundled librdkafka)."""
from __future__ import annotations

import contextlib
import json
import shutil
import subprocess
import uuid
from typing import Iterable, Iterator

from confluent_kafka import Consumer, TopicPartition

# librdkafka group settings that make joins and rebalances quick in tests.
FAST = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"}


def consume_all(bootstrap: str, topic: str, timeout: float = 30.0, report: dict | None = None) -> list:
    """Every message in the topic, start to current end, as confluent_kafka Messages.
    ``report`` (if given) gets each partition's (low, high, read) and whether every partition
    was read to its end before the timeout."""
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "ki-test-reader", "enable.auto.commit": False,
                  "enable.partition.eof": True})
    try:
        md = c.list_topics(topic, timeout=timeout)
        parts = list(md.topics[topic].partitions)
        tps, marks = [], {}
        for p in parts:
            lo, hi = marks[p] = c.get_watermark_offsets(TopicPartition(topic, p), timeout=timeout)
            if hi > lo:
                tps.append(TopicPartition(topic, p, lo))
        c.assign(tps)
        out, remaining = [], len(tps)
        import time
        deadline = time.monotonic() + timeout
        while remaining and time.monotonic() < deadline:
            m = c.poll(0.5)
            if m is None:
                continue
            if m.error():
                if m.error().code() == -191:  # _PARTITION_EOF
                    remaining -= 1
                    continue
                raise RuntimeError(m.error())
            out.append(m)
        if report is not None:
            read = dict.fromkeys(marks, 0)
            for m in out:
                read[m.partition()] += 1
            report["partitions"] = {p: (lo, hi, read[p]) for p, (lo, hi) in sorted(marks.items())}
            report["complete"] = remaining == 0
        return out
    finally:
        c.close()


def headers(m) -> dict:
    return {k: v.decode() for k, v in (m.headers() or [])}


def kcat_count(bootstrap: str, topic: str) -> int | None:
    """Message count read by kcat (another independent client), or None if kcat is missing."""
    if not shutil.which("kcat"):
        return None
    r = subprocess.run(["kcat", "-C", "-b", bootstrap, "-t", topic, "-e", "-q", "-f", "%o\\n"],
                       capture_output=True, text=True, timeout=60)
    return len(r.stdout.splitlines())


def group(prefix: str = "g") -> str:
    """A consumer group name no other test uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


@contextlib.contextmanager
def data_log_broker(partitions: int, lines: Iterable[str] = ()) -> Iterator:
    """An embedded broker with ``data_log`` (``partitions``) and ``data_log.dlq`` (1), data_log
    holding ``lines`` (produced by our Producer)."""
    from kafkainsight.kafka import EmbeddedBroker, Producer
    with EmbeddedBroker(topics={"data_log": partitions, "data_log.dlq": 1}) as b:
        lines = list(lines)
        if lines:
            Producer(b.bootstrap, "data_log").produce_lines(lines)
        yield b
