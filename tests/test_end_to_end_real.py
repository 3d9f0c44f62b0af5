"""Producer -> real Apache Kafka 3.9 -> consumer -> real search engine (OpenSearch behind nginx
TLS + basic auth, tests/search_harness), checked with the official elasticsearch client."""
import json
import os

import pytest

import kafkainsight as ki
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from kafkainsight.kafka import Producer
from tests.conftest_kafka import unique_name
from tests.kafka_util import consume_all, headers

pytestmark = [pytest.mark.kafka, pytest.mark.search]


def test_file_to_kafka_to_search_engine(kafka_cluster, search_engine, tmp_path):
    es_client = pytest.importorskip("elasticsearch")
    from elasticsearch import helpers
    topic, index = unique_name("e2e"), unique_name("logs")
    kafka_cluster.create_topic(topic, partitions=3)
    kafka_cluster.create_topic(topic + ".dlq", partitions=1)
    lines = ki.generate_lines("apache_combined", 8000, seed=21, start=1706099953, sleep=1)
    log = tmp_path / "access.log"
    log.write_text("\n".join(lines) + "\n")
    st = Producer(kafka_cluster.bootstrap, topic, headers="all").produce_file(log)
    assert st.produced == 8000
    sink = ElasticsearchSink(search_engine.url, ca_certs=search_engine.ca_path, user=search_engine.user,
                             password=search_engine.password, index=index, linger=0.2)
    c = Consumer(kafka_cluster.bootstrap, topic, unique_name("g"), {"session.timeout.ms": "6000"})
    cs = c.run(sink, stop_at_end=True)
    assert cs.indexed == 8000 and cs.duplicates == 0 and cs.dead_lettered == 0, cs
    es = es_client.Elasticsearch(search_engine.url, ca_certs=search_engine.ca_path,
                                 basic_auth=(search_engine.user, search_engine.password))
    es.indices.refresh(index=index)
    assert es.count(index=index)["count"] == 8000
    # every document equals the parse of its line; _ids are topic-partition-offset
    expected = {f"{topic}-{m.partition()}-{m.offset()}": ki.parse_line(lines[int(headers(m)["ki.line"]) - 1])
                for m in consume_all(kafka_cluster.bootstrap, topic)}
    got = {}
    for hit in helpers.scan(es, index=index, query={"query": {"match_all": {}}}):
        got[hit["_id"]] = hit["_source"]
    assert got == expected
    # a second group re-reads everything: nothing new is indexed
    again = Consumer(kafka_cluster.bootstrap, topic, unique_name("g"), {"session.timeout.ms": "6000"}).run(
        sink, stop_at_end=True)
    assert again.duplicates == 8000 and again.indexed == 0
    es.indices.refresh(index=index)
    assert es.count(index=index)["count"] == 8000
    assert search_engine.engine_name and search_engine.engine_version


def test_real_access_and_nginx_error_logs_into_the_template_nothing_rejected(kafka_cluster, search_engine):
    # Real servers' lines (tests/data/real) under our ECS template: every one indexed, none turned
    # away by a mapping; related.ip (nginx's address lists) and destination.ip are ip fields, so
    # CIDR queries find them; nginx's connection number is a long.
    es_client = pytest.importorskip("elasticsearch")
    real = os.path.join(os.path.dirname(__file__), "data", "real")
    logs = [os.path.join(real, "apache_access.log"), os.path.join(real, "nginx_error.log")]
    topic, index = unique_name("real"), unique_name("real-logs")
    kafka_cluster.create_topic(topic, partitions=1)
    kafka_cluster.create_topic(topic + ".dlq", partitions=1)
    lines = sum(1 for log in logs for _ in open(log, encoding="utf-8", errors="surrogateescape"))
    with Producer(kafka_cluster.bootstrap, topic) as p:
        assert sum(p.produce_file(log).produced for log in logs) == lines
    sink = ElasticsearchSink(search_engine.url, ca_certs=search_engine.ca_path, user=search_engine.user,
                             password=search_engine.password, index=index, install_template=True, linger=0.2)
    cs = Consumer(kafka_cluster.bootstrap, topic, unique_name("g"), {"session.timeout.ms": "6000"}).run(
        sink, stop_at_end=True)
    assert (cs.indexed, cs.dead_lettered) == (lines, 0), cs
    es = es_client.Elasticsearch(search_engine.url, ca_certs=search_engine.ca_path,
                                 basic_auth=(search_engine.user, search_engine.password))
    es.indices.refresh(index=index)
    props = es.indices.get_mapping(index=index)[index]["mappings"]["properties"]
    assert props["related"]["properties"]["ip"]["type"] == "ip"
    assert props["destination"]["properties"]["ip"]["type"] == "ip"
    assert props["nginx"]["properties"]["error"]["properties"]["connection_id"]["type"] == "long"
    # fail2ban's nginx-tls-fallback lines: handshakes on 0.0.0.0:443 from three clients.
    tls = es.search(index=index, query={"term": {"destination.ip": "0.0.0.0/8"}})["hits"]["hits"]
    assert sorted(h["_source"]["source"]["ip"] for h in tls) == ["142.93.180.14", "5.126.32.148", "80.191.166.166"]
    big = es.search(index=index, query={"range": {"nginx.error.connection_id": {"gte": 5_000_000}}})["hits"]["total"]
    assert big["value"] == 3
    hits = es.search(index=index, query={"term": {"related.ip": "199.96.0.0/16"}})["hits"]["hits"]
    assert [h["_source"]["source"]["ip"] for h in hits] == ["199.96.1.1"]
