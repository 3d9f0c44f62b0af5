"""Opt-in: a user's own Kafka and Elasticsearch (e.g. the deploy/ docker-compose stack).

Runs only when KI_IT_KAFKA (bootstrap servers) and KI_IT_ES_URL are set; also reads
KI_IT_ES_CA (default certificates/http_ca.crt), ELASTIC_PASSWORD or ELASTIC_API_KEY.
    KI_IT_KAFKA=localhost:9093 KI_IT_ES_URL=https://localhost:9200 ELASTIC_PASSWORD=… \
        .venv/bin/python -m pytest tests/test_integration_env.py
"""
import os
import uuid

import pytest

import kafkainsight as ki
from kafkainsight.elasticsearch import Consumer, ElasticsearchSink
from kafkainsight.kafka import Producer

KAFKA, ES = os.environ.get("KI_IT_KAFKA"), os.environ.get("KI_IT_ES_URL")
pytestmark = pytest.mark.skipif(not (KAFKA and ES), reason="set KI_IT_KAFKA and KI_IT_ES_URL to run")


def test_users_cluster_end_to_end():
    run = uuid.uuid4().hex[:8]
    topic, index = f"ki-it-{run}", f"ki-it-{run}"
    st = Producer(KAFKA, topic, on_parse_error="skip").produce_lines(ki.generate_lines("apache_combined", 2000, seed=1))
    assert st.produced == 2000
    sink = ElasticsearchSink(ES, ca_certs=os.environ.get("KI_IT_ES_CA", "certificates/http_ca.crt"),
                             password=os.environ.get("ELASTIC_PASSWORD"), api_key=os.environ.get("ELASTIC_API_KEY"),
                             index=index, linger=0.5)
    cs = Consumer(KAFKA, topic, f"ki-it-{run}").run(sink, idle_timeout=5)
    assert cs.indexed == 2000 and not cs.fatal
