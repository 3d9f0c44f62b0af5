#!/usr/bin/env python3
"""Move everything in the Kafka topic into Elasticsearch, and keep moving it as it arrives
(KafkaInsight). Same as `kafkainsight consume`; see --help.

Defaults as the original KafkaInsight (topic data_log, group my-group, earliest, Elasticsearch at
https://localhost:9200 with TLS verified, user elastic with ELASTIC_PASSWORD from the environment
or .env, index test-log, never deleted unless --recreate-index). Every setting with its variable
and default: docs/CONFIGURATION.md.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # also under python -I
from _entry import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run("consume"))
