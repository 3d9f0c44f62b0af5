#!/usr/bin/env python3
"""Stream log files into Kafka (KafkaInsight). Same as `kafkainsight produce`; see --help.

Defaults as the original KafkaInsight (bootstrap, topic data_log, sample_logs/apache.log generated
if missing). Settings: flag, then environment, then .env, then default; every setting with its
variable and default: docs/CONFIGURATION.md.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # also under python -I
from _entry import run  # noqa: E402

if __name__ == "__main__":
    sys.exit(run("produce"))
