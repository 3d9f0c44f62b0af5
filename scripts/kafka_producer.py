#!/usr/bin/env python3
"""Stream log files into Kafka (KafkaInsight). Same as `kafkainsight produce`; see --help.

Defaults as the original KafkaInsight (bootstrap, topic data_log, sample_logs/apache.log generated
if missing). Settings: flag, then environment, then .env, then default; every setting with its
variable and default: docs/CONFIGURATION.md.
"""
import sys

from kafkainsight.cli import main

if __name__ == "__main__":
    sys.exit(main(["produce", *sys.argv[1:]]))
