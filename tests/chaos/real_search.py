"""Scenarios on the real search engine (tests/search_harness: OpenSearch behind nginx with TLS and
basic auth): the faults a real node can produce, checked document by document with the official
Elasticsearch client. The engine is shared (session fixture or one started by Env); each run
indexes into its own index and deletes it afterwards.
"""
from __future__ import annotations

import re
import threading
import time
import uuid
from typing import Dict

from kafkainsight.kafka import EmbeddedBroker
from tests.chaos.measure import wait_until
from tests.chaos.scenarios import ConsumeRun, Env, Result

class EngineTarget:
    """The real engine as the consumer's target: its HTTPS front (verify the harness CA, basic
    auth), one fresh index, created first when ``mappings`` are given."""

    def __init__(self, se, mappings: dict | None = None):
        self.se = se
        self.where = f"{se.engine_name or 'OpenSearch'} {se.engine_version or ''}".strip()
        self.url, self.ca_path, self.user, self.password = se.url, se.ca_path, se.user, se.password
        self.index = f"chaos-{uuid.uuid4().hex[:10]}"
        if mappings is not None:
            st, body = se.request("PUT", f"/{self.index}", {
                "settings": {"number_of_shards": 1, "number_of_replicas": 0}, "mappings": mappings})
            assert st == 200, (st, body)

    def count(self) -> int:
        # The engine's own port: the count stays readable while the HTTPS front is down. A refresh
        # first, so the count is what was acknowledged, not what the last periodic refresh saw.
        self.se.request("POST", f"/{self.index}/_refresh", raw=True, timeout=5)
        st, body = self.se.request("GET", f"/{self.index}/_count", raw=True, timeout=5)
        return body["count"] if st == 200 else 0

    def docs(self) -> Dict[str, dict]:
        from elasticsearch import Elasticsearch, helpers
        es = Elasticsearch(**self.se.client_kwargs(), request_timeout=60)
        try:
            es.indices.refresh(index=self.index)
            return {h["_id"]: h["_source"] for h in
                    helpers.scan(es, index=self.index, query={"query": {"match_all": {}}}, size=2000)}
        finally:
            es.close()

    def stop(self) -> None:
        self.se.request("DELETE", f"/{self.index}", raw=True)


def engine_down(env: Env) -> Result:
    """The node unreachable (connection refused) for es_down_s while traffic keeps arriving: half
    the topic is indexed, the front goes down, the other half is produced, the front comes back."""
    down = env.profile.es_down_s
    se = env.search()
    n = env.profile.consume_docs
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        target = EngineTarget(se)
        run = ConsumeRun(env, f"engine_down_{down:g}s", b.bootstrap, "data_log", n, target=target, prefill=n // 2)
        run.consumer(run={"max_messages": n})   # the whole topic, the second half included
        wait_until(lambda: run.docs() >= n // 2, timeout=120)
        se.stop_frontend()
        t_down = time.monotonic()
        run.fill()                               # the consumer fetches these while the node is down
        time.sleep(max(0.0, down - (time.monotonic() - t_down)))
        t = time.monotonic()                     # the outage ends as nginx starts again
        se.start_frontend()
        label = (f"HTTPS front (nginx) stopped for {down:g} s after half the docs, while the other half "
                 f"arrived: connection refused, in-flight requests cut"
                 + (" (CI's shortened outage; 20 s in the full matrix)" if down < 20 else ""))
        return run.finish(target.where, label, t)


def engine_sigkill_restart(env: Env) -> Result:
    """The engine JVM SIGKILLed while bulks are in flight and live traffic keeps coming, then
    started again on its data: what it acknowledged must survive, the rest must be retried."""
    se = env.search()
    n = env.profile.consume_docs
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        target = EngineTarget(se)
        run = ConsumeRun(env, "engine_sigkill_restart", b.bootstrap, "data_log", n, target=target, prefill=n // 4)
        run.consumer(run={"max_messages": n}, sink={"bulk_max_docs": 100})
        def live_traffic():                      # ~5,000 docs/s, 250 at a time
            for upto in range(n // 4 + 250, n + 250, 250):
                run.fill(min(n, upto))
                time.sleep(0.05)
        filler = threading.Thread(target=live_traffic, daemon=True)
        filler.start()
        wait_until(lambda: run.docs() >= n * 2 // 5, timeout=120)
        se.kill_engine()                         # SIGKILL: nginx answers 502 until it is back
        t = time.monotonic()
        se.restart_engine()
        restart_s = time.monotonic() - t
        filler.join(timeout=120)
        r = run.finish(target.where, "engine JVM SIGKILLed at 40 % with bulks in flight and traffic arriving, "
                       f"restarted on its data at once (ready again after {restart_s:.0f} s; 502 from the front meanwhile)", t)
        r.note = "recovery = from the kill until the count grew again, the engine's restart included"
        return r


_LONG = re.compile(r"^\s*[-+]?\d+(\.0*)?\s*$")


def _rejected(doc: dict) -> bool:
    """What the engine refuses under ``user.name: long``: a name that does not coerce to a long."""
    name = (doc.get("user") or {}).get("name")
    return name is not None and not (isinstance(name, (int, float)) or _LONG.match(str(name)))


def engine_mapping_errors(env: Env) -> Result:
    """An index whose mapping rejects some documents (the engine's own 400
    mapper_parsing_exception per item): those, and only those, go to the DLQ."""
    se = env.search()
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        target = EngineTarget(se, mappings={"properties": {"user": {"properties": {"name": {"type": "long"}}}}})
        run = ConsumeRun(env, "engine_mapping_errors_to_dlq", b.bootstrap, "data_log", env.profile.consume_docs,
                         target=target)
        run.consumer()
        r = run.finish(target.where, "index mapped user.name as long: the engine rejects documents whose "
                       "user.name is text (400 per item)", None, expected_dlq=lambda i, d: _rejected(d))
        if r.tally.dlq_expected == 0:  # the scenario proves nothing without rejections
            r.ok = False
            r.note = "no document had a text user.name: nothing for the engine to reject"
        return r


SCENARIOS = {
    "engine_down": engine_down,
    "engine_sigkill_restart": engine_sigkill_restart,
    "engine_mapping_errors_to_dlq": engine_mapping_errors,
}
