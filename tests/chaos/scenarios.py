"""The fault matrix. Each scenario starts our producer or consumer as real processes, injects
its faults while they run, waits for them to finish, and reconciles sent against arrived.

A scenario returns a ``Result``; ``ok`` means what the issue promises: 0 lost, 0 duplicated
(in Elasticsearch, and in Kafka where the producer is idempotent), permanent failures exactly
in the DLQ. Volumes come from the profile: ``quick`` (CI) or ``full`` (scripts/chaos.sh).
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional

import kafkainsight as ki
from kafkainsight.kafka import EmbeddedBroker, Producer
from tests.chaos.measure import Proc, Sampler, reap_all, spawn, wait_until
from tests.chaos.reconcile import (Tally, expected_index, line_counts, reconcile_event_ids, reconcile_index,
                                   reconcile_topic)
from tests.es_server import EsTestServer
from tests.kafka_util import consume_all

# Kafka error codes (librdkafka rd_kafka_resp_err_t, the protocol's numbers) and API keys.
NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, NETWORK_EXCEPTION = 6, 7, 13
COORDINATOR_NOT_AVAILABLE, NOT_COORDINATOR, NOT_ENOUGH_REPLICAS = 15, 16, 19
NOT_ENOUGH_REPLICAS_AFTER_APPEND, KAFKA_STORAGE_ERROR = 20, 56
LEADER_NOT_AVAILABLE, REBALANCE_IN_PROGRESS = 5, 27
FENCED_INSTANCE_ID = 82
API_PRODUCE, API_FETCH, API_OFFSET_COMMIT, API_HEARTBEAT = 0, 1, 8, 12

FAST_GROUP = {"session.timeout.ms": "6000", "heartbeat.interval.ms": "500"}
# Small fetches and a small local queue, so a Kafka fault mid-consume meets a consumer that
# still has to fetch (by default librdkafka prefetches the whole small topic at once).
SMALL_FETCH = {"fetch.message.max.bytes": "65536", "queued.max.messages.kbytes": "256"}


@dataclass
class Profile:
    name: str
    produce_lines: int       # lines per producer scenario
    consume_docs: int        # documents per consumer scenario
    es_down_s: float         # the Elasticsearch outage
    consumer_kills: int      # SIGKILLs of the consumer in one run
    rate: int                # producer --rate while faults are injected (lines/s)


PROFILES = {
    "quick": Profile("quick", produce_lines=12_000, consume_docs=4_000, es_down_s=5, consumer_kills=3, rate=3_000),
    "full": Profile("full", produce_lines=60_000, consume_docs=20_000, es_down_s=20, consumer_kills=6, rate=6_000),
}


@dataclass
class Result:
    scenario: str
    where: str               # what carried the fault: real 3-node Kafka, mock cluster, ES test server
    volume: str
    faults: str
    tally: Tally
    recovery_s: Optional[float] = None
    peak_rss_mb: float = 0.0
    seconds: float = 0.0
    expect: str = "0 lost, 0 duplicated, DLQ exact"
    ok: bool = False
    note: str = ""
    procs: List[str] = field(default_factory=list)
    mock_unwritten: int = 0  # of tally.lost: acked by librdkafka on the mock's word, never written (IMPLICIT_ACK)


class Env:
    """What the scenarios need: a work dir and, on first use, the real three-node cluster
    (given by the caller, e.g. the pytest fixture, or started here)."""

    def __init__(self, profile: str = "quick", real3=None, workdir: Optional[str] = None, seed: int = 6):
        self.profile = PROFILES[profile]
        self._real3, self._own_real3 = real3, False
        self._search, self._own_search = None, False
        self.workdir = workdir or tempfile.mkdtemp(prefix="ki-chaos-")
        self.rng = random.Random(seed)

    def real3(self):
        if self._real3 is None:
            from tests.kafka_harness.cluster import KafkaCluster
            self._real3 = KafkaCluster(nodes=3)
            self._real3.start(timeout=180)
            self._own_real3 = True
        return self._real3

    def search(self):
        """The real search engine (tests/search_harness), started on first use."""
        if self._search is None:
            from tests.search_harness.engine import SearchEngine
            self._search = SearchEngine().start(timeout=240)
            self._own_search = True
        return self._search

    def path(self, name: str) -> str:
        p = os.path.join(self.workdir, name)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        return p

    def close(self) -> None:
        reap_all()
        if self._own_real3 and self._real3 is not None:
            self._real3.stop()
            self._real3 = None
        if self._own_search and self._search is not None:
            self._search.stop()
            self._search = None


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def gen_lines(n: int, seed: int, fmt: str = "apache_combined") -> List[str]:
    return ki.generate_lines(fmt, n, seed=seed, start=1706099953, sleep=1)


def topic_count(bootstrap: str, topics: List[str]):
    """A probe: messages in the topics (sum of high watermarks), for the recovery sampler."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "ki-chaos-probe"})
    parts = {}

    def probe() -> int:
        total = 0
        for t in topics:
            if t not in parts:
                md = c.list_topics(t, timeout=2)
                parts[t] = list(md.topics[t].partitions)
            for p in parts[t]:
                total += c.get_watermark_offsets(TopicPartition(t, p), timeout=2, cached=False)[1]
        return total
    probe.close = c.close  # type: ignore[attr-defined]
    return probe


# ------------------------------------------------------------------ producer -> Kafka

def _producer_cmd(path: str, bootstrap: str, topic: str, *extra: str) -> List[str]:
    # --headers all: reconciliation finds each message's line by its ki.line header
    return ["-m", "kafkainsight", "produce", path, "-b", bootstrap, "-t", topic, "-q", "--timeout", "30",
            "--headers", "all", *extra]


# librdkafka's idempotent producer, when a Produce request of a partition succeeds while an earlier
# one of the same partition failed, counts the earlier messages as written ("implicitly acked"): a
# real broker refuses a batch whose sequence number skips unwritten ones (OUT_OF_ORDER_SEQUENCE_NUMBER),
# so the later success proves it. librdkafka 2.0.2's mock cluster checks sequence numbers only for
# transactional producers: with leaders moving back and forth, a later batch can land on a broker
# that is leader again while the earlier one was refused, and the earlier messages are then acked
# but never written. Seen in mock_leader_moves_produce (1 run in 5: 121-1,293 lines, each time
# exactly a librdkafka IMPLICITACK debug line's count).
IMPLICIT_ACK = re.compile(r"IMPLICITACK: .*?(\d+) message\(s\) implicitly acked")


def _implicit_acks(stderr: str) -> int:
    return sum(int(m.group(1)) for m in IMPLICIT_ACK.finditer(stderr))


def _produce_with_fault(env: Env, name: str, where: str, faults: str, bootstrap: str, topic: str,
                        inject: Callable[[Sampler], float], rate: Optional[int] = None,
                        mock_implicit_acks: bool = False) -> Result:
    """Our producer CLI on a file while ``inject`` injects faults (returns when the fault ended).
    mock_implicit_acks: the lines librdkafka acked implicitly (above) are the mock's, not lost by us:
    the run logs librdkafka's eos debug lines, and the scenario passes with lines missing only if
    exactly that many messages were implicitly acked (the row says so)."""
    n = env.profile.produce_lines
    lines = gen_lines(n, seed=env.rng.randrange(1 << 30))
    bad = sorted(env.rng.sample(range(1, n + 1), 5))
    for ln in bad:
        lines[ln - 1] = f"not a log line #{ln}"
    log = env.path(f"{name}/input.log")
    with open(log, "w") as f:
        f.write("\n".join(lines) + "\n")
    probe = topic_count(bootstrap, [topic])
    sampler = Sampler(probe).start()
    t0 = time.monotonic()
    debug = ["-X", "debug=eos"] if mock_implicit_acks else []
    p = spawn(_producer_cmd(log, bootstrap, topic, "--rate", str(rate or env.profile.rate), *debug), "producer",
              env={"SPDLOG_LEVEL": "debug"} if mock_implicit_acks else None)
    fault_end = inject(sampler)
    rc = p.wait(timeout=600)
    sampler.stop()
    probe.close()
    tally = reconcile_topic(bootstrap, topic, lines, dlq_topic=topic + ".dlq", expected_dlq_lines=bad)
    r = Result(name, where, f"{n:,} lines", faults, tally, recovery_s=sampler.recovery_after(fault_end),
               peak_rss_mb=p.peak_rss_mb, seconds=time.monotonic() - t0, procs=["producer"])
    r.ok = rc == 0 and tally.clean
    implicit = _implicit_acks(p.stderr) if mock_implicit_acks else 0
    if mock_implicit_acks:
        r.expect = "0 lost, 0 duplicated, DLQ exact; lines the mock acked without writing count apart"
    if rc != 0:
        r.note = f"producer exit {rc}: {p.stderr.strip().splitlines()[-1:]}"
    elif tally.lost and tally.lost == implicit and tally.duplicated == 0 and tally.wrong == 0 and tally.dlq_exact:
        r.ok = True
        r.mock_unwritten = implicit
        r.note = (f"{implicit} lines missing = the {implicit} messages librdkafka acked implicitly after a later "
                  "batch of their partition succeeded on the mock, which does not check sequence numbers (a real "
                  "broker refuses that batch); not a loss of ours")
    elif tally.lost:  # what the producer itself counted as acknowledged
        r.note = (f"producer said: {[x for x in p.stderr.splitlines() if 'read=' in x][-1:]}"
                  + (f"; librdkafka acked {implicit} implicitly" if mock_implicit_acks else ""))
    return r


# The generated lines carry 2024 event times, which become the messages' timestamps: without
# retention.ms=-1 Kafka's 7-day time retention would delete them at its next check.
REAL3_TOPIC = {"min.insync.replicas": 2, "retention.ms": -1}


def real3_leader_kill_produce(env: Env) -> Result:
    kc = env.real3()
    topic = _name("chaos-p")
    kc.create_topic(topic, partitions=1, replication=3, config=REAL3_TOPIC)
    kc.create_topic(topic + ".dlq", partitions=1, replication=3, config=REAL3_TOPIC)
    n = env.profile.produce_lines

    def inject(s: Sampler) -> float:
        wait_until(lambda: s.samples and s.samples[-1][1] >= n // 3, timeout=120)
        leader = kc.leader_of(topic, 0)
        kc.kill(leader)  # SIGKILL
        t = time.monotonic()
        threading.Timer(8, lambda: kc.restart(leader)).start()  # back while the producer still runs
        return t
    r = _produce_with_fault(env, "kafka_leader_sigkill_mid_produce", "Kafka 3.9.2, 3 nodes",
                            "SIGKILL of the partition leader at 1/3 (acks=all, min.insync.replicas=2, "
                            "idempotent); node restarted 8 s later", kc.bootstrap, topic, inject)
    wait_until(lambda: len(kc.alive_nodes()) == 3, timeout=90)
    return r


def mock_broker_down_produce(env: Env) -> Result:
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        n = env.profile.produce_lines

        def inject(s: Sampler) -> float:
            wait_until(lambda: s.samples and s.samples[-1][1] >= n // 3, timeout=120)
            b.cluster.broker_down(1)
            time.sleep(3)
            b.cluster.broker_up(1)
            return time.monotonic()
        return _produce_with_fault(env, "mock_broker_down_and_back_produce", "mock cluster",
                                   "the only broker down for 3 s mid-produce", b.bootstrap, "data_log", inject)


def mock_leader_moves_produce(env: Env) -> Result:
    with EmbeddedBroker(brokers=3, topics={"data_log": 4, "data_log.dlq": 1}, replication=3) as b:
        n = env.profile.produce_lines

        def inject(s: Sampler) -> float:
            wait_until(lambda: s.samples and s.samples[-1][1] >= n // 5, timeout=120)
            moves = 0
            for i in range(8):
                for p in range(4):
                    b.cluster.set_leader("data_log", p, 1 + (i + p) % 3)
                    moves += 1
                time.sleep(0.25)
            return time.monotonic()
        return _produce_with_fault(env, "mock_leader_moves_produce", "mock cluster",
                                   "32 leader moves over 2 s (4 partitions, 3 brokers)", b.bootstrap, "data_log",
                                   inject, mock_implicit_acks=True)


def mock_produce_request_errors(env: Env) -> Result:
    with EmbeddedBroker(brokers=3, topics={"data_log": 4, "data_log.dlq": 1}, replication=3) as b:
        n = env.profile.produce_lines
        # Not NETWORK_EXCEPTION: a client-side code no broker puts in a Produce response, and
        # librdkafka 2.0.2 fails the batch for it (reported: failed_delivery, exit 1).
        errs = [NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, NOT_ENOUGH_REPLICAS, LEADER_NOT_AVAILABLE,
                NOT_ENOUGH_REPLICAS_AFTER_APPEND, KAFKA_STORAGE_ERROR] * 4

        def inject(s: Sampler) -> float:
            wait_until(lambda: s.samples and s.samples[-1][1] >= n // 4, timeout=120)
            b.cluster.push_request_errors(API_PRODUCE, errs)
            return time.monotonic()
        r = _produce_with_fault(env, "mock_produce_request_errors", "mock cluster",
                                   "24 Produce requests answered NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT, "
                                   "NOT_ENOUGH_REPLICAS, LEADER_NOT_AVAILABLE, NOT_ENOUGH_REPLICAS_AFTER_APPEND, "
                                   "KAFKA_STORAGE_ERROR",
                                   b.bootstrap, "data_log", inject)
        r.note = ("NETWORK_EXCEPTION is left out: it is a client-side code no broker sends in a Produce "
                  "response, and librdkafka 2.0.2 fails such a batch at once (we report it: failed_delivery, "
                  "exit 1, nothing silently lost)")
        return r


# ------------------------------------------------------------------ producer --resume

def _resume_run(env: Env, name: str, resume: bool) -> Result:
    n = env.profile.produce_lines
    with EmbeddedBroker(topics={"data_log": 8}) as b:
        lines = gen_lines(n, seed=env.rng.randrange(1 << 30), fmt="apache_common")
        log = env.path(f"{name}/input.log")
        with open(log, "w") as f:
            f.write("\n".join(lines) + "\n")
        ck = env.path(f"{name}/checkpoint.json")
        extra = ["--on-parse-error", "skip"] + (["--resume", ck] if resume else [])
        probe = topic_count(b.bootstrap, ["data_log"])
        t0 = time.monotonic()
        first = spawn(_producer_cmd(log, b.bootstrap, "data_log", "--rate", str(env.profile.rate), *extra),
                      "producer")
        wait_until(lambda: probe() >= n * 2 // 5, timeout=300)
        first.kill(signal.SIGKILL)
        first.wait()
        before = probe()
        ck_line = 0
        if resume and os.path.exists(ck):
            ck_line = next(iter(json.load(open(ck))["files"].values()))["line"]
        sampler = Sampler(probe).start()
        t_restart = time.monotonic()
        second = spawn(_producer_cmd(log, b.bootstrap, "data_log", *extra), "producer")
        rc = second.wait(timeout=600)
        sampler.stop()
        recovery = sampler.recovery_after(t_restart)
        probe.close()
        counts = line_counts(b.bootstrap, "data_log")
        t = reconcile_topic(b.bootstrap, "data_log", lines)
        if resume:
            early_dups = sum(1 for ln, c in counts.items() if c > 1 and ln <= ck_line)
            window = before - ck_line  # lines in Kafka beyond the checkpoint when it was killed
            ok = rc == 0 and t.lost == 0 and t.wrong == 0 and early_dups == 0 and t.duplicated <= max(window, 0)
            expect = "0 lost; duplicates only beyond the checkpoint (<= lines in flight/unsaved at the kill)"
            note = (f"killed after {before:,} lines were in Kafka; checkpoint said line {ck_line:,}; "
                    f"re-run skipped {ck_line:,} lines, sent {n - ck_line:,}; duplicates {t.duplicated:,} "
                    f"(bound {max(window, 0):,})")
        else:
            ok = rc == 0 and t.lost == 0 and t.wrong == 0 and t.duplicated == before
            expect = "0 lost; every line in Kafka before the kill duplicated (no resume position)"
            note = f"killed after {before:,} lines were in Kafka; all re-sent: {t.duplicated:,} duplicates"
        for m in (second.stderr.strip().splitlines()[-1:] if rc else []):
            note += f"; exit {rc}: {m}"
        return Result(name, "mock cluster", f"{n:,} lines",
                      "producer SIGKILLed at 40 % of the file, re-run " + ("with --resume" if resume else
                                                                            "without --resume"),
                      t, recovery_s=recovery,
                      peak_rss_mb=max(first.peak_rss_mb, second.peak_rss_mb), seconds=time.monotonic() - t0,
                      expect=expect, ok=ok, note=note, procs=["producer x2"])


def producer_resume(env: Env) -> Result:
    return _resume_run(env, "producer_sigkill_rerun_with_resume", True)


def producer_no_resume(env: Env) -> Result:
    return _resume_run(env, "producer_sigkill_rerun_without_resume", False)


def _index_into_test_server(env: Env, name: str, bootstrap: str, topic: str, n_expected: int, index: str,
                            run: Optional[dict] = None, sink: Optional[dict] = None):
    """Our consumer (a process) from ``topic`` into a fresh ES test server; returns (server, proc)."""
    es = EsTestServer(workdir=env.path(f"{name}/es")).start()
    spec = {"bootstrap": bootstrap, "topic": topic, "group": _name("chaos-g"), "config": FAST_GROUP,
            "url": es.url, "sink": {"ca_certs": es.ca_path, "user": "elastic", "index": index, **(sink or {})},
            "run": run or {"stop_at_end": True}}
    p = spawn(["-m", "tests.chaos.worker", json.dumps(spec)], "consumer", env={"ELASTIC_PASSWORD": es.password})
    return es, p


def producer_sigkill_x5_event_ids(env: Env) -> Result:
    """Five SIGKILLs of the producer at random points of one file, each run starting the file
    again, then a whole run, all without --resume: event ids make it one document per line."""
    name, n = "producer_sigkill_x5_rerun_event_ids", env.profile.produce_lines
    t0 = time.monotonic()
    with EmbeddedBroker(topics={"data_log": 8, "data_log.dlq": 1}) as b:
        log = env.path(f"{name}/input.log")
        with open(log, "w") as f:
            f.write("\n".join(gen_lines(n, seed=env.rng.randrange(1 << 30), fmt="apache_common")) + "\n")
        cmd = ["-m", "kafkainsight", "produce", log, "-b", b.bootstrap, "-t", "data_log", "-q", "--timeout", "30",
               "--event-ids", "files"]
        probe = topic_count(b.bootstrap, ["data_log"])
        procs, points = [], []
        for _ in range(5):
            before = probe()
            frac = env.rng.uniform(0.1, 0.9)
            p = spawn(cmd + ["--rate", str(env.profile.rate)], "producer")
            wait_until(lambda: probe() - before >= n * frac or not p.alive(), timeout=300)
            p.kill(signal.SIGKILL)
            p.wait()
            procs.append(p)
            points.append(probe() - before)
        last = spawn(cmd, "producer")
        rc = last.wait(timeout=600)
        procs.append(last)
        in_kafka = probe()
        probe.close()
        es, cons = _index_into_test_server(env, name, b.bootstrap, "data_log", n, "eo")
        try:
            crc = cons.wait(timeout=600)
            st = json.loads(cons.stdout.strip().splitlines()[-1]) if cons.stdout.strip() else {}
            tally = reconcile_event_ids(es.docs("eo"), open(log, "rb").read())
        finally:
            es.stop()
    ok = rc == 0 and crc == 0 and tally.clean and tally.arrived == n
    note = (f"killed after {', '.join(f'{k:,}' for k in points)} lines of each run were in Kafka; Kafka held "
            f"{in_kafka:,} messages for {n:,} lines; the consumer indexed {st.get('indexed', '?'):,} and counted "
            f"{st.get('duplicates', '?'):,} duplicates (409, same content), id_conflicts {st.get('id_conflicts', '?')}")
    if tally.examples:
        note += "; " + ", ".join(tally.examples)
    return Result(name, "mock cluster + ES test server", f"{n:,} lines",
                  "producer SIGKILLed 5 times at random points (each run from the start of the file), then a whole "
                  "run; never --resume; `--event-ids files`", tally, peak_rss_mb=max(p.peak_rss_mb for p in procs),
                  seconds=time.monotonic() - t0, ok=ok, note=note, procs=["producer x6", "consumer"],
                  expect="0 lost, 0 duplicated in the index (Kafka holds the extra copies; the consumer's _id is the "
                         "line's event id)")


def latency_20_lines_per_s(env: Env) -> Result:
    """Lines appended at 20/s to a file our producer follows, our consumer writing to the ES test
    server (documents searchable at once): append -> acknowledged, our own share of the latency."""
    name, rate, seconds = "latency_20_lines_per_s", 20, 15 if env.profile.name == "quick" else 30
    n = rate * seconds
    t0 = time.monotonic()
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        log = env.path(f"{name}/live.log")
        open(log, "w").close()
        lines = gen_lines(n + 1, seed=env.rng.randrange(1 << 30))
        prod = spawn(["-m", "kafkainsight", "produce", log, "--follow", "-b", b.bootstrap, "-t", "data_log", "-q"],
                     "producer")
        es, cons = _index_into_test_server(env, name, b.bootstrap, "data_log", n + 1, "live",
                                           run={"max_messages": n + 1})
        polls: List[tuple] = []
        stop = threading.Event()

        def poller():
            while not stop.is_set():
                polls.append((time.monotonic(), len(es._docs_nocopy("live")) if "live" in es.indices() else 0))
                stop.wait(0.005)
        th = threading.Thread(target=poller, daemon=True)
        th.start()
        appended = []
        try:
            with open(log, "a") as f:
                f.write(lines[0] + "\n")  # priming: both connected and assigned
                f.flush()
                wait_until(lambda: polls and polls[-1][1] >= 1, timeout=120)
                start = time.monotonic()
                for k in range(1, n + 1):
                    due = start + (k - 1) / rate
                    time.sleep(max(0.0, due - time.monotonic()))
                    f.write(lines[k] + "\n")
                    f.flush()
                    appended.append(time.monotonic())
            crc = cons.wait(timeout=120)
            prod.kill(signal.SIGTERM)
            prc = prod.wait(timeout=60)
        finally:
            stop.set()
            th.join(timeout=10)
            docs = es.docs("live") if "live" in es.indices() else {}
            es.stop()
    lat, j = [], 0
    for k, t_a in enumerate(appended, start=2):  # the k-th document: the (k-1)-th appended line
        while j < len(polls) and polls[j][1] < k:
            j += 1
        if j < len(polls):
            lat.append(polls[j][0] - t_a)
    lat.sort()

    def pct(q):
        return lat[min(len(lat) - 1, int(q * len(lat)))] * 1000 if lat else float("nan")
    st = json.loads(cons.stdout.strip().splitlines()[-1]) if cons.stdout.strip() else {}
    tally = reconcile_event_ids(docs, open(log, "rb").read())
    ok = crc == 0 and prc == 0 and tally.clean and len(lat) == n
    note = (f"append -> acknowledged by a server that makes documents searchable at once: p50 {pct(0.5):.0f} ms, "
            f"p99 {pct(0.99):.0f} ms, max {pct(1.0):.0f} ms over {len(lat)} lines (polled every 5 ms); the "
            f"consumer's own figure (ki.ts read time -> acknowledged) p50 {st.get('latency_p50_ms', float('nan')):.0f} "
            f"ms, p99 {st.get('latency_p99_ms', float('nan')):.0f} ms; {st.get('bulk_requests', '?')} bulk requests "
            f"for {n + 1} documents; default settings (--linger 1, adaptive flush)")
    return Result(name, "mock cluster + ES test server", f"{n:,} lines at {rate}/s",
                  "none: live traffic at 20 lines/s (the producer follows the file, inotify)", tally,
                  peak_rss_mb=max(prod.peak_rss_mb, cons.peak_rss_mb), seconds=time.monotonic() - t0, ok=ok,
                  note=note, procs=["producer", "consumer"],
                  expect="0 lost, 0 duplicated; latency measured (the goal: p99 <= 300 ms for our share)")


# ------------------------------------------------------------------ Kafka -> Elasticsearch

class TestServerTarget:
    """Where the consumer indexes: the Elasticsearch test server (fault injection via ``es``)."""

    def __init__(self, workdir: str):
        self.es = EsTestServer(workdir=workdir).start()
        self.url, self.ca_path, self.user, self.password = self.es.url, self.es.ca_path, "elastic", self.es.password
        self.index = "test-log"

    def count(self) -> int:
        return len(self.es._docs_nocopy(self.index))

    def docs(self) -> Dict[str, dict]:
        return self.es.docs(self.index)

    def stop(self) -> None:
        self.es.stop()


class ConsumeRun:
    """A topic filled with ``n`` documents and a place to index them (the ES test server unless
    ``target`` says otherwise, e.g. the real engine); consumers as processes."""

    def __init__(self, env: Env, name: str, bootstrap: str, topic: str, n: int, fill_config: Optional[dict] = None,
                 target=None, prefill: Optional[int] = None):
        self.env, self.name, self.bootstrap, self.topic, self.n = env, name, bootstrap, topic, n
        self.lines = gen_lines(n, seed=env.rng.randrange(1 << 30))
        # One producer for every fill: its line numbers (header ki.line) continue across calls.
        self._filler = Producer(bootstrap, topic, fill_config or {}, dlq_topic=topic + ".dlq", headers="all")
        self._filled = 0
        self.fill(n if prefill is None else prefill)
        self.target = target or TestServerTarget(env.path(f"{name}/es"))
        self.es: Optional[EsTestServer] = getattr(self.target, "es", None)
        self.group = _name("chaos-g")
        self.procs: List[Proc] = []
        self.sampler = Sampler(self.target.count).start()
        self.t0 = time.monotonic()

    def consumer(self, run: Optional[dict] = None, sink: Optional[dict] = None, config: Optional[dict] = None,
                 consumer: Optional[dict] = None) -> Proc:
        sink_kw = {"ca_certs": self.target.ca_path, "user": self.target.user, "index": self.target.index,
                   "linger": 0.2, "bulk_max_docs": 200, "backoff_initial_ms": 50, "backoff_max_ms": 1000,
                   **(sink or {})}
        spec = {"bootstrap": self.bootstrap, "topic": self.topic, "group": self.group,
                "config": {**FAST_GROUP, **(config or {})}, "url": self.target.url, "sink": sink_kw,
                "run": run or {"stop_at_end": True}, "consumer": consumer or {}}
        p = spawn(["-m", "tests.chaos.worker", json.dumps(spec)], "consumer",
                  env={"ELASTIC_PASSWORD": self.target.password})
        self.procs.append(p)
        return p

    def fill(self, upto: Optional[int] = None) -> None:
        """Produce lines [filled, upto) to the topic (default: the rest), as live traffic would."""
        upto = self.n if upto is None else upto
        st = self._filler.produce_lines(self.lines[self._filled:upto])
        assert st.produced == upto - self._filled, st
        self._filled = upto

    def docs(self) -> int:
        return self.target.count()

    def finish(self, where: str, faults: str, fault_end: Optional[float], expected_dlq: Callable[[str, dict], bool]
               = lambda i, d: False, expect: str = "0 lost, 0 duplicated, DLQ exact") -> Result:
        rcs = [p.wait(timeout=600) for p in self.procs]
        self.sampler.stop()
        self._filler.close()  # its librdkafka client goes before the broker does
        try:
            for attempt in range(40):  # injected errors the consumer left unused hit this reader first
                try:
                    expected = expected_index(self.bootstrap, self.topic, self.lines)
                    break
                except RuntimeError:
                    if attempt == 39:
                        raise
                    time.sleep(0.2)
            want_dlq = {i for i, d in expected.items() if expected_dlq(i, d)}
            dlq_ids = [m.key().decode() for m in consume_all(self.bootstrap, self.topic + ".dlq")]
            tally = reconcile_index(expected, self.target.docs(), dlq_ids, want_dlq)
        finally:
            self.target.stop()
        r = Result(self.name, where, f"{self.n:,} docs", faults, tally,
                   recovery_s=self.sampler.recovery_after(fault_end) if fault_end else None,
                   peak_rss_mb=max((p.peak_rss_mb for p in self.procs), default=0.0),
                   seconds=time.monotonic() - self.t0, expect=expect, procs=[f"consumer x{len(self.procs)}"])
        # A SIGKILLed consumer exits -9 by design; every other exit must be 0.
        bad = [(p, rc) for p, rc in zip(self.procs, rcs) if rc not in (0, -signal.SIGKILL)]
        r.ok = tally.clean and not bad
        if bad:
            r.note = "; ".join(f"consumer exit {rc}: {p.stderr.strip().splitlines()[-1:]}" for p, rc in bad)
        if tally.examples:
            r.note = (r.note + "; " if r.note else "") + ", ".join(tally.examples)
        return r


def _when_docs(run: ConsumeRun, frac: float, timeout: float = 120) -> None:
    wait_until(lambda: run.docs() >= run.n * frac, timeout=timeout)


def _es_fault(env: Env, name: str, faults: str, before: Callable[[EsTestServer], None],
              inject: Optional[Callable[[ConsumeRun], float]] = None, sink: Optional[dict] = None,
              expected_dlq: Callable[[str, dict], bool] = lambda i, d: False) -> Result:
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        run = ConsumeRun(env, name, b.bootstrap, "data_log", env.profile.consume_docs)
        before(run.es)
        run.consumer(sink=sink)
        fault_end = inject(run) if inject else None
        return run.finish("ES test server", faults, fault_end, expected_dlq)


def _whole_request_burst(env: Env, status: int) -> Result:
    def inject(run: ConsumeRun) -> float:
        _when_docs(run, 0.3)
        run.es.fail_next_requests(8, status=status)
        wait_until(lambda: run.es.counters.get("injected_errors", 0) >= 8, timeout=60)
        return time.monotonic()  # the burst is over
    return _es_fault(env, f"es_whole_request_{status}_burst",
                     f"8 bulk requests in a row answered {status} (whole request), once 30 % was indexed",
                     lambda es: es.delay_responses(0.02, path_prefix="/_bulk"), inject)


def es_429_burst(env: Env) -> Result:
    return _whole_request_burst(env, 429)


def es_503_burst(env: Env) -> Result:
    return _whole_request_burst(env, 503)


def es_item_429(env: Env) -> Result:
    return _es_fault(env, "es_per_item_429_30pct", "every bulk item fails with 429 with probability 0.3",
                     lambda es: es.item_failure_rate(0.3, status=429, seed=11))


def es_connection_resets(env: Env) -> Result:
    def inject(run: ConsumeRun) -> float:
        _when_docs(run, 0.2)
        run.es.drop_next_connections(3, path_prefix="/_bulk", rst=True)
        _when_docs(run, 0.5)
        run.es.drop_next_connections(3, path_prefix="/_bulk", after_processing=True, rst=True)
        return time.monotonic()
    return _es_fault(env, "es_connection_resets",
                     "3 TCP resets mid-request, then 3 resets after the bulk was applied (client cannot know)",
                     lambda es: es.delay_responses(0.02, path_prefix="/_bulk"), inject)


def es_slow_responses(env: Env) -> Result:
    def inject(run: ConsumeRun) -> float:
        _when_docs(run, 0.3)
        run.es.delay_responses(3.0, n=3, path_prefix="/_bulk")
        wait_until(lambda: run.es.counters.get("delayed", 0) >= 3, timeout=60)
        run.es.delay_responses(0.02, path_prefix="/_bulk")
        return time.monotonic()  # the last slow response has started
    return _es_fault(env, "es_responses_slower_than_timeout",
                     "3 bulk responses held 3 s against a 1 s request timeout (the bulks were applied)",
                     lambda es: es.delay_responses(0.02, path_prefix="/_bulk"), inject, sink={"timeout": 1.0})


def es_down(env: Env) -> Result:
    down = env.profile.es_down_s

    def inject(run: ConsumeRun) -> float:
        _when_docs(run, 0.3)
        run.es.set_down(True)
        time.sleep(down)
        run.es.set_down(False)
        return time.monotonic()
    label = f"server down {down:g} s mid-run" + (" (CI's shortened outage; 20 s in the full matrix)"
                                                  if down < 20 else "")
    return _es_fault(env, f"es_down_{down:g}s", label,
                     lambda es: es.delay_responses(0.02, path_prefix="/_bulk"), inject)


def es_mapping_errors(env: Env) -> Result:
    return _es_fault(env, "es_mapping_errors_to_dlq",
                     "documents with user.name rejected (400 document_parsing_exception: field mapped long)",
                     lambda es: es.reject_fields({"user.name": "long"}),
                     expected_dlq=lambda i, d: "user" in d)


# ------------------------------------------------------------------ Kafka faults under the consumer

def _mock_consume_fault(env: Env, name: str, faults: str, inject: Callable[[ConsumeRun, EmbeddedBroker], float],
                        brokers: int = 1, replication: int = 1) -> Result:
    with EmbeddedBroker(brokers=brokers, topics={"data_log": 4, "data_log.dlq": 1}, replication=replication) as b:
        run = ConsumeRun(env, name, b.bootstrap, "data_log", env.profile.consume_docs)
        run.es.delay_responses(0.05, path_prefix="/_bulk")
        run.consumer(sink={"bulk_max_docs": 100}, config=SMALL_FETCH)
        fault_end = inject(run, b)
        return run.finish("mock cluster", faults, fault_end)


def mock_broker_down_consume(env: Env) -> Result:
    def inject(run: ConsumeRun, b: EmbeddedBroker) -> float:
        _when_docs(run, 0.3)
        b.cluster.broker_down(1)
        time.sleep(3)
        b.cluster.broker_up(1)
        return time.monotonic()
    return _mock_consume_fault(env, "mock_broker_down_and_back_consume", "the only broker down for 3 s mid-consume",
                               inject)


def mock_leader_moves_consume(env: Env) -> Result:
    def inject(run: ConsumeRun, b: EmbeddedBroker) -> float:
        _when_docs(run, 0.2)
        for i in range(12):
            for p in range(4):
                b.cluster.set_leader("data_log", p, 1 + (i + p) % 3)
            time.sleep(0.25)
        return time.monotonic()
    return _mock_consume_fault(env, "mock_leader_moves_consume", "48 leader moves over 3 s mid-consume", inject,
                               brokers=3, replication=3)


def _mock_request_errors(env: Env, name: str, api: int, api_name: str, **errors: int) -> Result:
    """Mid-consume, the next 12 ``api`` requests are answered with ``errors`` (3 rounds, in order)."""
    def inject(run: ConsumeRun, b: EmbeddedBroker) -> float:
        _when_docs(run, 0.2)
        b.cluster.push_request_errors(api, list(errors.values()) * 3)
        return time.monotonic()
    return _mock_consume_fault(env, name, f"12 {api_name} requests answered {', '.join(errors)}", inject)


def mock_fetch_errors(env: Env) -> Result:
    return _mock_request_errors(env, "mock_fetch_request_errors", API_FETCH, "Fetch",
                                NOT_LEADER_FOR_PARTITION=NOT_LEADER_FOR_PARTITION, REQUEST_TIMED_OUT=REQUEST_TIMED_OUT,
                                LEADER_NOT_AVAILABLE=LEADER_NOT_AVAILABLE, NETWORK_EXCEPTION=NETWORK_EXCEPTION)


def mock_offset_commit_errors(env: Env) -> Result:
    return _mock_request_errors(env, "mock_offset_commit_errors", API_OFFSET_COMMIT, "OffsetCommit",
                                REQUEST_TIMED_OUT=REQUEST_TIMED_OUT, NOT_COORDINATOR=NOT_COORDINATOR,
                                COORDINATOR_NOT_AVAILABLE=COORDINATOR_NOT_AVAILABLE,
                                REBALANCE_IN_PROGRESS=REBALANCE_IN_PROGRESS)


def mock_fenced_by_own_id(env: Env) -> Result:
    """What a coordinator failover did to our static member once (Kafka 3.9, a leader SIGKILLed):
    a heartbeat answered FENCED_INSTANCE_ID although no other consumer has the id. The member
    holds the host's slot for it, so it joins again with a new client instead of stopping."""
    def inject(run: ConsumeRun, b: EmbeddedBroker) -> float:
        _when_docs(run, 0.3)
        b.cluster.push_request_errors(API_HEARTBEAT, [FENCED_INSTANCE_ID])
        holder.append(run)
        return time.monotonic()
    holder: List[ConsumeRun] = []
    r = _mock_consume_fault(env, "mock_consumer_fenced_by_own_id",
                            "a Heartbeat answered FENCED_INSTANCE_ID (the member's own id) mid-consume", inject)
    out = [ln for p in holder[0].procs for ln in (p.stdout + p.stderr).splitlines()]
    if not any("fenced by this consumer's own" in ln for ln in out):
        r.ok = False  # the fault must have hit: a run that never saw it proves nothing
        r.note = "the consumer never reported the fence"
    elif not any(ln.startswith("{") and json.loads(ln).get("rejoins") == 1 for ln in out):  # worker's stats
        r.ok = False
        r.note = "the consumer's summary does not count the rejoin"
    return r


def real3_leader_kill_consume(env: Env) -> Result:
    kc = env.real3()
    topic = _name("chaos-c")
    kc.create_topic(topic, partitions=3, replication=3, config=REAL3_TOPIC)
    kc.create_topic(topic + ".dlq", partitions=1, replication=3, config=REAL3_TOPIC)
    run = ConsumeRun(env, "kafka_leader_sigkill_mid_consume", kc.bootstrap, topic, env.profile.consume_docs)
    run.es.delay_responses(0.05, path_prefix="/_bulk")
    run.consumer(sink={"bulk_max_docs": 100}, config=SMALL_FETCH)
    _when_docs(run, 0.3)
    leader = kc.leader_of(topic, 0)
    kc.kill(leader)
    t = time.monotonic()
    time.sleep(5)
    kc.restart(leader)
    r = run.finish("Kafka 3.9.2, 3 nodes", "SIGKILL of partition 0's leader at 30 % (3 partitions, RF 3, "
                   "min.insync.replicas=2), restarted 5 s later", t)
    wait_until(lambda: len(kc.alive_nodes()) == 3, timeout=90)
    return r


# ------------------------------------------------------------------ consumer processes

def consumer_sigkill_restarts(env: Env) -> Result:
    kills = env.profile.consumer_kills
    with EmbeddedBroker(topics={"data_log": 4, "data_log.dlq": 1}) as b:
        run = ConsumeRun(env, f"consumer_sigkill_x{kills}", b.bootstrap, "data_log", env.profile.consume_docs)
        run.es.delay_responses(0.03, path_prefix="/_bulk")
        points = sorted(env.rng.uniform(0.05, 0.9) for _ in range(kills))
        recov = []
        for frac in points:
            p = run.consumer()
            wait_until(lambda: run.docs() >= run.n * frac or not p.alive(), timeout=180)
            time.sleep(env.rng.uniform(0, 0.3))  # anywhere: mid-bulk, mid-commit, between
            p.kill(signal.SIGKILL)
            p.wait()
            recov.append(time.monotonic())
        run.consumer()
        r = run.finish("consumer process", f"consumer SIGKILLed {kills} times at random points "
                       f"({', '.join(f'{x:.0%}' for x in points)} of the docs), restarted each time", None)
        gaps = [run.sampler.recovery_after(t) for t in recov]
        r.recovery_s = max((g for g in gaps if g is not None), default=None)
        r.note = ("recovery includes the group's wait for the killed member's session to expire "
                  "(session.timeout.ms=6000) before its partitions are handed to the restarted one")
        return r


def consumer_rebalances(env: Env) -> Result:
    with EmbeddedBroker(topics={"data_log": 6, "data_log.dlq": 1}) as b:
        run = ConsumeRun(env, "consumer_group_rebalances", b.bootstrap, "data_log", env.profile.consume_docs)
        run.es.delay_responses(0.05, path_prefix="/_bulk")
        idle = {"idle_timeout": 15}  # longer than a dead member's session (6 s) plus the rebalance
        a = run.consumer(run=idle)
        _when_docs(run, 0.1)
        run.consumer(run=idle)                # B joins: 2 members
        _when_docs(run, 0.3)
        c = run.consumer(run=idle)            # C joins: 3 members
        _when_docs(run, 0.5)
        a.kill(signal.SIGTERM)                # A leaves cleanly: back to 2
        _when_docs(run, 0.65)
        c.kill(signal.SIGKILL)                # C dies: its partitions move after the session timeout
        t = time.monotonic()
        run.consumer(run=idle)                # D joins
        for p in run.procs:                   # (under pytest's 300 s limit, so a hang is reported)
            p.wait(timeout=150)
        hung = [p for p in run.procs if p.timed_out]
        # A member ends after idle_timeout with no messages; one that went idle while partitions
        # were still in limbo leaves them unread (lag, not loss). A batch run of the same group
        # takes whatever is left, as an operator would.
        before = run.docs()
        run.consumer()
        r = run.finish("consumer group", "2 then 3 members; one leaves (SIGTERM), one dies (SIGKILL), "
                       "one joins: 4 rebalances; then a --stop-at-end run of the same group", t)
        r.note = (f"the members indexed {before:,} of {run.n:,} before ending on their idle timeout; the "
                  f"batch run of the same group indexed the remaining {run.n - before:,}")
        if hung:  # a member that never ends is a bug even if the batch run made up for it
            r.ok = False
            r.note += "; still running 150 s after the last join (stopped with SIGTERM): " + "; ".join(
                f"{p.name} pid {p.pid}: {p.stderr.strip().splitlines()[-3:]}" for p in hung)
        return r


# ------------------------------------------------------------------ the matrix

SCENARIOS: Dict[str, Callable[[Env], Result]] = {
    "kafka_leader_sigkill_mid_produce": real3_leader_kill_produce,
    "kafka_leader_sigkill_mid_consume": real3_leader_kill_consume,
    "mock_broker_down_and_back_produce": mock_broker_down_produce,
    "mock_broker_down_and_back_consume": mock_broker_down_consume,
    "mock_leader_moves_produce": mock_leader_moves_produce,
    "mock_leader_moves_consume": mock_leader_moves_consume,
    "mock_produce_request_errors": mock_produce_request_errors,
    "mock_fetch_request_errors": mock_fetch_errors,
    "mock_offset_commit_errors": mock_offset_commit_errors,
    "mock_consumer_fenced_by_own_id": mock_fenced_by_own_id,
    "consumer_sigkill_restarts": consumer_sigkill_restarts,
    "consumer_group_rebalances": consumer_rebalances,
    "es_whole_request_429_burst": es_429_burst,
    "es_whole_request_503_burst": es_503_burst,
    "es_per_item_429_30pct": es_item_429,
    "es_connection_resets": es_connection_resets,
    "es_responses_slower_than_timeout": es_slow_responses,
    "es_down": es_down,
    "es_mapping_errors_to_dlq": es_mapping_errors,
    "producer_sigkill_rerun_with_resume": producer_resume,
    "producer_sigkill_rerun_without_resume": producer_no_resume,
    "producer_sigkill_x5_rerun_event_ids": producer_sigkill_x5_event_ids,
    "latency_20_lines_per_s": latency_20_lines_per_s,
}

# The real engine's scenarios live in their own module (it imports this one's pieces).
from tests.chaos.real_search import SCENARIOS as _ENGINE_SCENARIOS  # noqa: E402

SCENARIOS.update(_ENGINE_SCENARIOS)
from tests.chaos.restarts import SCENARIOS as _RESTART_SCENARIOS  # noqa: E402

SCENARIOS.update(_RESTART_SCENARIOS)
