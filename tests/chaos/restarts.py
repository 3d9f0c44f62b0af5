"""Restart and silence scenarios (issue 15): a consumer SIGKILLed and restarted on the real Kafka,
with static group membership (its default --instance-id) and, for comparison, without it
(dynamic membership: the restarted member waits for the dead one's session to expire); and an
application that logs FATAL and dies, watched live (tests/test_watch_crash.py).
"""
from __future__ import annotations

import pathlib
import signal
import time
from typing import Dict

from tests.chaos.measure import wait_until
from tests.chaos.reconcile import Tally
from tests.chaos.scenarios import ConsumeRun, Env, Result, _name

SESSION = {"session.timeout.ms": "45000", "heartbeat.interval.ms": "3000"}  # librdkafka's defaults


def _restart(env: Env, name: str, instance_id: str | None) -> Result:
    kc = env.real3()
    topic = _name("chaos-r")
    kc.create_topic(topic, partitions=3, replication=3)
    kc.create_topic(topic + ".dlq", partitions=1, replication=3)
    run = ConsumeRun(env, name, kc.bootstrap, topic, env.profile.consume_docs)
    run.es.delay_responses(0.03, path_prefix="/_bulk")
    consumer = {"instance_id": instance_id} if instance_id else {}
    p = run.consumer(config=SESSION, consumer=consumer)
    wait_until(lambda: run.docs() >= run.n * 0.4 or not p.alive(), timeout=180)
    p.kill(signal.SIGKILL)
    p.wait()
    t = time.monotonic()
    run.consumer(config=SESSION, consumer=consumer)  # the same group, the same host and topics
    how = "its default --instance-id (static membership)" if not instance_id else "--instance-id none (dynamic)"
    r = run.finish(f"Kafka 3.9.2, 3 nodes", f"consumer SIGKILLed at 40 %, restarted at once with {how}; "
                   "session.timeout.ms 45 s (the default)", t)
    r.note = ("recovery = from the kill until documents arrive again: the restarted member's start, "
              "its join and first bulk")
    return r


def consumer_sigkill_restart_static(env: Env) -> Result:
    return _restart(env, "consumer_sigkill_restart_static_id", None)


def consumer_sigkill_restart_dynamic(env: Env) -> Result:
    return _restart(env, "consumer_sigkill_restart_dynamic", "none")


def watch_alert_on_last_line(env: Env) -> Result:
    from tests.test_watch_crash import run_crashing_app
    t0 = time.monotonic()
    out = run_crashing_app(pathlib.Path(env.path("watch_crash/x")).parent)
    (crash_s, _), (beat_s, _) = out["alerts"]["error_levels"], out["alerts"]["heartbeat"]
    r = Result("watch_alert_on_last_line", "mock cluster", "31 lines",
               "a CPython app logs 30 INFO lines, then FATAL, and exits (produce --follow, watch live; "
               "lateness 2 s, heartbeat silence 5 s)", Tally(), recovery_s=crash_s, seconds=time.monotonic() - t0,
               expect="the FATAL line alerts within lateness + 1 s of silence, then the heartbeat fires")
    r.ok = crash_s <= 2 + 1 + 1.5 and beat_s <= 2 + 5 + 1 + 1.5  # + the pipeline's own latency
    r.note = (f"error_levels fired {crash_s:.1f} s after the app died (recovery column), heartbeat "
              f"{beat_s:.1f} s; before: the last window closed only with a later event, i.e. never")
    return r


SCENARIOS: Dict = {
    "consumer_sigkill_restart_static_id": consumer_sigkill_restart_static,
    "consumer_sigkill_restart_dynamic": consumer_sigkill_restart_dynamic,
    "watch_alert_on_last_line": watch_alert_on_last_line,
}
