"""The consumer group on a real 3-node Kafka writing to the real search engine, while members
join, leave (SIGTERM) and crash (SIGKILL) under live traffic: every line is in the index exactly
once. The scenario is benchmarks/scaleout.churn (the benchmark runs it at larger volumes);
docs/SCALING.md has the numbers."""
from __future__ import annotations

import pytest

from benchmarks import scaleout
from tests.conftest_kafka import unique_name

pytestmark = [pytest.mark.kafka, pytest.mark.search, pytest.mark.timeout(900)]


def test_members_added_and_removed_mid_run_lose_and_duplicate_nothing(kafka_cluster3, search_engine):
    topic = unique_name("churn")
    scaleout.make_topic(kafka_cluster3, topic, partitions=12)
    n = 8000
    r = scaleout.churn(kafka_cluster3, search_engine, topic, n, rate=200, tag=topic, min_gap=6.0)
    print(r)
    assert r["produced"] == n
    # What a user checks: _count, and each line (its /seq/<i> path) there once.
    assert (r["count"], r["distinct"], r["lost"], r["duplicated"], r["unexpected"]) == (n, n, 0, 0, 0)
    m = r["members"]
    assert m["m2"]["exit"] == -9                       # the crashed member
    for name in ("m1", "m3", "m4", "m5"):              # the others stopped cleanly on SIGTERM
        assert m[name]["exit"] == 0, (name, m[name])
    # The membership changes happened while there was work: the first members and the ones that
    # joined later each indexed part of the stream.
    for name in ("m1", "m3", "m4"):
        assert m[name]["indexed"] > 0, (name, m)
    # A crash loses nothing: what m2 took without committing went to another member again;
    # documents it had already indexed came back as 409 duplicates, not as second copies.
    assert sum(v.get("indexed", 0) for v in m.values()) <= n
