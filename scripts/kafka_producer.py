#!/usr/bin/env python3
"""Stream log files into Kafka (KafkaInsight). Same as `kafkainsight produce`; see --help.

Defaults as the original KafkaInsight: bootstrap localhost:9093, topic data_log, file
sample_logs/apache.log (generated if missing). Settings: flag, then environment
(KAFKA_BOOTSTRAP_SERVERS, KAFKA_TOPIC, ...), then .env, then default.
"""
import sys

from kafkainsight.cli import main

if __name__ == "__main__":
    sys.exit(main(["produce", *sys.argv[1:]]))
