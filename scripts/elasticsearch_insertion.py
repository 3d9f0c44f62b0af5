#!/usr/bin/env python3
"""Move everything in the Kafka topic into Elasticsearch, and keep moving it as it arrives
(KafkaInsight). Same as `kafkainsight consume`; see --help.

Defaults as the original KafkaInsight (topic data_log, group my-group, earliest, Elasticsearch at
https://localhost:9200 with TLS verified, user elastic with ELASTIC_PASSWORD from the environment
or .env, index test-log, never deleted unless --recreate-index). Every setting with its variable
and default: docs/CONFIGURATION.md.
"""
import sys

from kafkainsight.cli import main

if __name__ == "__main__":
    sys.exit(main(["consume", *sys.argv[1:]]))
