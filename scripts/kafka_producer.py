#!/usr/bin/env python3
"""Stream log files into Kafka (KafkaInsight). Same as `kafkainsight produce`; see --help.

Defaults as the original KafkaInsight (bootstrap, topic data_log, sample_logs/apache.log generated
if missing). Settings: flag, then environment, then .env, then default; every setting with its
variable and default: docs/CONFIGURATION.md.
"""
import os
import sys

try:
    from kafkainsight.cli import main
except ImportError as e:  # run with a Python that lacks the package (e.g. /usr/bin/python3 outside .venv)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    sys.stderr.write(
        f"{os.path.basename(__file__)}: the kafkainsight package is not installed for {sys.executable} ({e}).\n"
        f"Install it, from {root}:\n"
        "  scripts/setup.sh             # Debian packages, .venv, pip install . (then use .venv/bin/python)\n"
        "  pip install .                # or into the Python you run this with\n")
    sys.exit(2)

if __name__ == "__main__":
    sys.exit(main(["produce", *sys.argv[1:]]))
