"""The consumer process the chaos scenarios start (and SIGKILL): our Consumer +
ElasticsearchSink with every option the scenarios need (request timeout, backoff), which the
CLI does not all expose. Prints the final ConsumeStats as one JSON line on stdout.

    python -m tests.chaos.worker '{"bootstrap": ..., "topic": ..., "group": ..., "sink": {...}, "run": {...}}'

SIGTERM stops like Ctrl-C: in-flight bulks finish, offsets are committed, stats are printed.
"""
from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys


def main() -> int:
    spec = json.loads(sys.argv[1])
    from kafkainsight.elasticsearch import Consumer, ElasticsearchSink

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    sink_kw = dict(spec.get("sink", {}))
    sink_kw.setdefault("password", os.environ.get("ELASTIC_PASSWORD", ""))
    sink = ElasticsearchSink(spec["url"], **sink_kw)
    c = Consumer(spec["bootstrap"], spec["topic"], spec["group"], spec.get("config", {}), **spec.get("consumer", {}))
    try:
        st = c.run(sink, **spec.get("run", {}))
    except KeyboardInterrupt:
        st = c.last_stats
    print(json.dumps(dataclasses.asdict(st) if st else {}, default=str), flush=True)
    return 1 if st is None or st.fatal else 0


if __name__ == "__main__":
    sys.exit(main())
