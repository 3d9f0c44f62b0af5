"""Adaptive flush (issue 15, item 1): a partial bulk goes out as soon as Kafka has nothing more
for the consumer, not after --linger; under a backlog only full bulks form."""
import random
import threading

import pytest

import kafkainsight as ki
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from kafkainsight.kafka import EmbeddedBroker, Producer
from tests.es_server import EsTestServer

FAST = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"}
LINGER = 600  # far longer than the test may take: a bulk that waited for it would never arrive


@pytest.fixture
def es(tmp_path):
    with EsTestServer(workdir=str(tmp_path / "es")) as server:
        yield server


def sink(es, **kw):
    return ElasticsearchSink(es.url, ca_certs=es.ca_path, password=es.password, linger=LINGER, **kw)


def count(es):
    return len(es._docs_nocopy("test-log")) if "test-log" in es.indices() else 0


def test_a_partial_bulk_goes_out_once_kafka_has_nothing_more(es):
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        c = Consumer(b.bootstrap, "data_log", f"g-{random.randrange(1 << 30)}", FAST)
        result = {}
        th = threading.Thread(target=lambda: result.setdefault("st", c.run(sink(es))), daemon=True)
        th.start()
        p = Producer(b.bootstrap, "data_log")
        lines = ki.generate_lines("apache_common", 8, seed=3)
        try:
            p.produce_lines(lines[:3])
            assert es.wait_for(lambda s: count(s) == 3, timeout=60), count(es)
            p.produce_lines(lines[3:])
            assert es.wait_for(lambda s: count(s) == 8, timeout=60), count(es)
        finally:
            c.stop()
            th.join(timeout=60)
        st = result["st"]
        assert st.indexed == 8 and st.bulk_requests >= 2, st  # each burst its own partial bulk


def test_a_backlog_still_goes_out_in_full_bulks(es):
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        Producer(b.bootstrap, "data_log").produce_lines(ki.generate_lines("apache_common", 5000, seed=4))
        st = Consumer(b.bootstrap, "data_log", f"g-{random.randrange(1 << 30)}", FAST).run(
            sink(es, bulk_max_docs=1000), stop_at_end=True)
        assert st.indexed == 5000 and st.bulk_requests == 5, st
