"""Run a real Kafka cluster by hand, or just warm the Maven cache.

    python -m tests.kafka_harness --nodes 3        # prints export KAFKA_BOOTSTRAP_SERVERS=...
    python -m tests.kafka_harness --fetch-only     # resolve the broker jars (scripts/setup.sh)
"""
from __future__ import annotations

import argparse
import os
import sys
import time

if __package__ in (None, ""):                       # `python tests/kafka_harness` also works
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.harness_util import parse_kv, report_errors, serve_by_hand
from tests.kafka_harness.cluster import (CLASSPATH_FILE, KafkaCluster, KafkaHarnessError, kafka_version,
                                         resolve_classpath)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.kafka_harness",
                                 description="Start a real KRaft Kafka cluster on 127.0.0.1.")
    ap.add_argument("--nodes", type=int, default=1, help="combined broker+controller nodes")
    ap.add_argument("--workdir", help="keep data and logs here (default: a temp dir, removed)")
    ap.add_argument("--java", help="java executable (default: $JAVA_HOME/bin/java, PATH)")
    ap.add_argument("--config", action="append", metavar="KEY=VALUE",
                    help="extra server.properties entry, repeatable")
    ap.add_argument("--timeout", type=float, default=120, help="start timeout in seconds")
    ap.add_argument("--fetch-only", action="store_true",
                    help="only resolve the broker classpath with Maven (warms ~/.m2) and exit")
    args = ap.parse_args(argv)
    return report_errors("kafka_harness", KafkaHarnessError, lambda: _run(args))


def _run(args) -> int:
    if args.fetch_only:
        t0 = time.monotonic()
        cp = resolve_classpath(verbose=True)
        print(f"kafka_harness: Kafka {kafka_version(cp)} classpath ready "
              f"({len(cp.split(os.pathsep))} jars, {time.monotonic() - t0:.1f}s): "
              f"{CLASSPATH_FILE}")
        return 0

    cluster = KafkaCluster(nodes=args.nodes, workdir=args.workdir, java=args.java,
                           extra_config=parse_kv(args.config, "--config"), verbose=True)
    reported = set()

    def describe() -> None:
        print(f"# Kafka {cluster.version}, {cluster.nodes} node(s), "
              f"started in {cluster.timings['start_total_s']:.1f}s, workdir {cluster.workdir}")
        for i in cluster.node_ids:
            print(f"#   node {i}: pid {cluster.pid(i)}, broker 127.0.0.1:"
                  f"{cluster.broker_ports[i]}, controller 127.0.0.1:"
                  f"{cluster.controller_ports[i]}, log {cluster.log_path(i)}")
        print(f"export KAFKA_BOOTSTRAP_SERVERS={cluster.bootstrap}")

    def report_exits() -> bool:
        for i in cluster.node_ids:
            if i not in reported and not cluster.is_alive(i):
                reported.add(i)
                print(f"# node {i} exited; see {cluster.log_path(i)}", flush=True)
        return True
    return serve_by_hand(cluster, args.timeout, describe, report_exits)


if __name__ == "__main__":
    sys.exit(main())
