"""The fault matrix at CI volumes (tests/chaos, profile "quick"): every scenario must lose
nothing, duplicate nothing in Elasticsearch (and in Kafka, for the idempotent producer) and
dead-letter exactly the permanent failures. scripts/chaos.sh runs the same scenarios at full
volume and writes docs/RELIABILITY.md; here the table goes to build/chaos/RELIABILITY-quick.md.
"""
import os
import time

import pytest

from tests.chaos.measure import reap_all
from tests.chaos.report import render
from tests.chaos.scenarios import SCENARIOS, Env

pytestmark = pytest.mark.chaos
_RESULTS = []


@pytest.fixture(scope="module")
def env(request, tmp_path_factory):
    real3 = None
    e = Env("quick", workdir=str(tmp_path_factory.mktemp("chaos")))
    # The real three-node cluster comes from the session fixture (shared with the producer's
    # failover test), started only when a scenario needs it.
    e.real3 = lambda: request.getfixturevalue("kafka_cluster3")  # type: ignore[method-assign]
    e.search = lambda: request.getfixturevalue("search_engine")  # type: ignore[method-assign]
    t0 = time.monotonic()
    yield e
    e.close()
    out = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "build", "chaos")
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "RELIABILITY-quick.md"), "w") as f:
        f.write(render(_RESULTS, "quick", time.monotonic() - t0))


def _marks(name):
    if name.startswith("kafka_"):
        return [pytest.mark.kafka]
    return [pytest.mark.search] if name.startswith("engine_") else []


@pytest.mark.parametrize("name", [pytest.param(n, marks=_marks(n)) for n in SCENARIOS])
def test_scenario(env, name):
    try:
        r = SCENARIOS[name](env)
    finally:
        reap_all()  # nothing a broken scenario started outlives it
    _RESULTS.append(r)
    t = r.tally
    assert r.ok, (f"{name}: lost={t.lost} duplicated={t.duplicated} wrong={t.wrong} "
                  f"dlq={t.dead_lettered}/{t.dlq_expected} exact={t.dlq_exact}; {r.note}; {t.examples}")
    # The table's numbers are what the assertion saw: the expectation per scenario.
    # (the mock cluster's implicitly acked, never written lines are its own, counted apart and
    # checked by the scenario to equal librdkafka's IMPLICITACK count: docs/RELIABILITY_NOTES.md)
    if name != "producer_sigkill_rerun_without_resume":
        assert t.lost - r.mock_unwritten == 0 and t.wrong == 0
