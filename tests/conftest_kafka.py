"""pytest fixtures that start a real Apache Kafka cluster (tests/kafka_harness, KRaft mode).

Use either way (both work, even together -- each cluster is started once per session):

    # tests/conftest.py
    from tests.conftest_kafka import *          # noqa: F401,F403
    # or
    pytest_plugins = ["tests.conftest_kafka"]

    @pytest.mark.kafka
    def test_something(kafka_cluster):           # 1 node, started on first use
        produce(kafka_cluster.bootstrap)

    @pytest.mark.kafka
    def test_failover(kafka_cluster3):           # 3 nodes, started only if a test asks for it
        kafka_cluster3.kill(kafka_cluster3.leader_of("t", 0))

Both are session-scoped: tests share the cluster, so each test should use its own topic and
consumer-group names (``unique_name()`` helps). A test that kills a node should restart it.
Set KAFKA_HARNESS_SKIP_IF_UNAVAILABLE=1 to skip (instead of error) when Java/Maven are missing.
"""
from __future__ import annotations

import os
import sys
import threading
import uuid

import pytest

_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if _ROOT not in sys.path:                      # `tests.` imports work from any rootdir/cwd
    sys.path.insert(0, _ROOT)

from tests.kafka_harness.cluster import KafkaCluster, KafkaHarnessError  # noqa: E402

__all__ = ["kafka_cluster", "kafka_cluster3", "KafkaCluster", "unique_name"]

# One cluster per size per process, even if these fixtures are registered twice (a conftest
# star-import plus a test module importing them, or a plugin line): pytest then has two
# FixtureDefs, and both must hand out the same cluster.
_CLUSTERS: dict = {}
_LOCK = threading.Lock()


def unique_name(prefix: str = "t") -> str:
    """A topic / consumer-group name no other test in the session uses."""
    return f"{prefix}-{uuid.uuid4().hex[:10]}"


def _get_cluster(nodes: int) -> KafkaCluster:
    with _LOCK:
        c = _CLUSTERS.get(nodes)
        if c is None:
            # The single node creates no topics by itself, like most production clusters:
            # tests create theirs, and the missing-topic error path is testable.
            extra = {"auto.create.topics.enable": "false"} if nodes == 1 else None
            c = KafkaCluster(nodes=nodes, verbose=True, extra_config=extra)
            try:
                c.start(timeout=120)
            except KafkaHarnessError as e:
                if os.environ.get("KAFKA_HARNESS_SKIP_IF_UNAVAILABLE") and (
                        "setup.sh" in str(e)):
                    pytest.skip(f"Kafka harness unavailable: {e}")
                raise
            _CLUSTERS[nodes] = c
        return c


def _release(nodes: int) -> None:
    with _LOCK:
        c = _CLUSTERS.pop(nodes, None)
    if c is not None:
        c.stop()


def _cluster_fixture(nodes: int):
    c = _get_cluster(nodes)
    try:
        yield c
    finally:
        _release(nodes)


@pytest.fixture(scope="session")
def kafka_cluster():
    """A 1-node KRaft cluster; ``.bootstrap`` is ``127.0.0.1:PORT``."""
    yield from _cluster_fixture(1)


@pytest.fixture(scope="session")
def kafka_cluster3():
    """A 3-node KRaft cluster (min.insync.replicas=2, default replication 3)."""
    yield from _cluster_fixture(3)


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "kafka: needs the real Apache Kafka broker started by tests/kafka_harness")
