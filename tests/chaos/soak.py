"""The soak (opt-in): a generator keeps appending to a log file; our producer follows it
(``--follow --resume``) into the real three-node Kafka; our consumer moves it into the
Elasticsearch test server; a fault is injected every minute. Every 5 s it samples throughput
and the resident memory of our processes; at the end it stops the generator, lets the
pipeline drain, and reconciles the file against Kafka and Kafka against Elasticsearch.
Writes docs/SOAK.md.

    python -m tests.chaos.soak --minutes 10 [--rate 1000] [--watcher 'CMD ...']

The watcher (``kafkainsight watch`` on the soak topic, its own group) runs alongside, is
restarted if it dies, and its RSS is sampled with ours; ``--watcher CMD`` replaces it,
``--watcher ''`` leaves it out.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
from typing import Dict, List, Optional

import kafkainsight as ki
from tests.chaos.measure import ROOT, Proc, spawn, wait_until
from tests.chaos.reconcile import line_counts, reconcile_event_ids
from tests.chaos.scenarios import FAST_GROUP, topic_count
from tests.es_server import EsTestServer


class Generator(threading.Thread):
    """Appends ``rate`` lines/s (apache_combined, seeded) in 100 ms chunks until stopped."""

    def __init__(self, path: str, rate: int, seed: int = 5):
        super().__init__(daemon=True)
        self.path, self.rate, self.seed = path, rate, seed
        self.written = 0
        self.stop_event = threading.Event()

    def run(self) -> None:
        t0 = time.monotonic()
        chunk_no = 0
        with open(self.path, "a", buffering=1 << 16) as f:
            while not self.stop_event.is_set():
                due = int((time.monotonic() - t0) * self.rate)
                n = due - self.written
                if n > 0:
                    # Event times of now, as live logs have: the message timestamp is the event
                    # time, and Kafka's time retention (7 days) deletes older ones within a minute.
                    lines = ki.generate_lines("apache_combined", n, seed=self.seed + chunk_no,
                                              start=int(time.time()), sleep=0)
                    f.write("\n".join(lines) + "\n")
                    f.flush()
                    self.written += n
                    chunk_no += 1
                self.stop_event.wait(0.1)


class Soak:
    def __init__(self, minutes: float, rate: int, workdir: str, watcher: Optional[str]):
        self.minutes, self.rate, self.workdir, self.watcher_cmd = minutes, rate, workdir, watcher
        os.makedirs(workdir, exist_ok=True)
        self.log = os.path.join(workdir, "access.log")
        self.ck = os.path.join(workdir, "producer.checkpoint")
        self.events: List[str] = []
        self.samples: List[Dict] = []
        self.t0 = time.monotonic()
        self.restarts = {"producer": 0, "consumer": 0, "watcher": 0}
        self.peak = {"producer": 0.0, "consumer": 0.0, "watcher": 0.0}
        self.rss_hist: Dict[str, List[float]] = {"producer": [], "consumer": [], "watcher": []}

    def event(self, msg: str) -> None:
        line = f"{time.monotonic() - self.t0:6.0f} s  {msg}"
        self.events.append(line)
        print("soak:", line, file=sys.stderr, flush=True)

    # --- our processes
    def start_producer(self) -> Proc:
        self.producer = spawn(["-m", "kafkainsight", "produce", self.log, "--follow", "--resume", self.ck,
                               "-b", self.kc.bootstrap, "-t", self.topic, "-q", "--timeout", "30", "--headers", "all"],
                              "producer")
        return self.producer

    def start_consumer(self) -> Proc:
        spec = {"bootstrap": self.kc.bootstrap, "topic": self.topic, "group": "soak", "config": FAST_GROUP,
                "url": self.es.url, "sink": {"ca_certs": self.es.ca_path, "index": "soak", "linger": 0.5, "backoff_initial_ms": 100,
                                             "backoff_max_ms": 2000, "timeout": 10.0},
                "run": {}}
        self.consumer = spawn(["-m", "tests.chaos.worker", json.dumps(spec)], "consumer",
                              env={"ELASTIC_PASSWORD": self.es.password})
        return self.consumer

    def start_watcher(self) -> Optional[Proc]:
        if self.watcher_cmd == "":
            self.watcher = None
            return None
        # By default the real watcher: its own group on the soak topic, alerts to stdout (dropped) and
        # to the soak.alerts topic; it is restarted like the others if it dies.
        cmd = shlex.split(self.watcher_cmd) if self.watcher_cmd else [
            sys.executable, "-m", "kafkainsight", "watch", self.topic, "-b", self.kc.bootstrap, "-g", "soak-watch",
            "--offset-reset", "earliest", "--alerts-topic", "soak.alerts", "-q"]
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.watcher = Proc(p, "watcher").watch_peak()
        return self.watcher

    def restart(self, which: str, sig: int = signal.SIGKILL) -> None:
        p = getattr(self, which)
        p.kill(sig)
        p.wait(timeout=120)
        self.peak[which] = max(self.peak[which], p.peak_rss_mb)
        self.restarts[which] += 1
        getattr(self, f"start_{which}")()

    # --- faults, one per minute, in turn
    def faults(self):
        kc, es = self.kc, self.es

        def consumer_kill():
            self.event("fault: consumer SIGKILL, restarted")
            self.restart("consumer")

        def producer_kill():
            self.event("fault: producer SIGKILL, restarted with --resume")
            self.restart("producer")

        def es_down():
            self.event("fault: Elasticsearch down 15 s")
            es.set_down(True)
            time.sleep(15)
            es.set_down(False)

        def leader_kill():
            leader = kc.leader_of(self.topic, 0)
            self.event(f"fault: SIGKILL of Kafka node {leader} (leader of partition 0), restarted after 10 s")
            kc.kill(leader)
            time.sleep(10)
            kc.restart(leader)

        def es_throttle():
            self.event("fault: Elasticsearch 429 burst (6 requests) + per-item 429 at 30 % for 20 s")
            es.fail_next_requests(6, status=429)
            es.item_failure_rate(0.3, status=429, seed=3)
            time.sleep(20)
            es.item_failure_rate(0)

        def es_slow():
            self.event("fault: 3 Elasticsearch responses slower than the 10 s timeout")
            es.delay_responses(12, n=3, path_prefix="/_bulk")
        return [consumer_kill, es_down, producer_kill, leader_kill, es_throttle, es_slow]

    def sample(self, probe_kafka) -> None:
        s = {"t": time.monotonic() - self.t0, "written": self.gen.written, "es": len(self.es._docs_nocopy("soak"))}
        try:
            s["kafka"] = probe_kafka()
        except Exception:
            s["kafka"] = self.samples[-1]["kafka"] if self.samples else 0
        for name in ("producer", "consumer", "watcher"):
            p = getattr(self, name, None)
            rss = p.rss_mb() if p is not None else 0.0
            s[f"rss_{name}"] = rss
            if rss:
                self.rss_hist[name].append(rss)
                self.peak[name] = max(self.peak[name], rss)
        self.samples.append(s)

    def run(self) -> int:
        from tests.kafka_harness.cluster import KafkaCluster
        self.kc = KafkaCluster(nodes=3)
        self.es = EsTestServer(workdir=os.path.join(self.workdir, "es"))
        self.gen = Generator(self.log, self.rate)
        try:
            self.kc.start(timeout=180)
            self.topic = "soak"
            self.kc.create_topic(self.topic, partitions=3, replication=3, config={"min.insync.replicas": 2})
            self.kc.create_topic(self.topic + ".dlq", partitions=1, replication=3, config={"min.insync.replicas": 2})
            self.es.start()
            self.es.delay_responses(0)  # keep the server honest: no delay unless a fault says so
            open(self.log, "w").close()
            self.gen.start()
            self.event(f"generator appending {self.rate} lines/s to {self.log}")
            self.start_producer()
            self.start_consumer()
            self.start_watcher()
            if self.watcher is None:
                self.event("watcher: not started (--watcher '')")
            probe = topic_count(self.kc.bootstrap, [self.topic])
            faults = self.faults()
            started = time.monotonic()  # the soak's minutes count from here, not from the cluster's start
            end = started + self.minutes * 60
            next_fault, k, next_sample = started + 30, 0, started
            fault_thread: Optional[threading.Thread] = None
            while time.monotonic() < end:
                now = time.monotonic()
                if now >= next_sample:
                    self.sample(probe)
                    next_sample += 5
                if now >= next_fault and (fault_thread is None or not fault_thread.is_alive()):
                    fault_thread = threading.Thread(target=faults[k % len(faults)], daemon=True)
                    fault_thread.start()
                    k += 1
                    next_fault = now + 60
                for name in ("producer", "consumer"):  # a process that died by itself is a finding
                    p = getattr(self, name)
                    if not p.alive() and (fault_thread is None or not fault_thread.is_alive()):
                        p.wait()
                        self.event(f"{name} exited by itself (exit {p.returncode}): {p.stderr.strip()[-300:]}")
                        self.restart(name)
                if self.watcher is not None and not self.watcher.alive():
                    self.restart("watcher")
                time.sleep(0.2)
            if fault_thread is not None:
                fault_thread.join(timeout=120)
            self.gen.stop_event.set()
            self.gen.join()
            self.event(f"generator stopped after {self.gen.written:,} lines; draining")
            # Drain: the producer has read every line and the index stopped growing.
            stable, last = 0, None
            deadline = time.monotonic() + 300
            while time.monotonic() < deadline and stable < 4:
                self.sample(probe)
                cur = (self.samples[-1]["kafka"], self.samples[-1]["es"])
                stable = stable + 1 if cur == last and cur[1] >= self.gen.written else 0
                last = cur
                time.sleep(2.5)
            for name in ("producer", "consumer"):
                p = getattr(self, name)
                p.kill(signal.SIGTERM)
                p.wait(timeout=120)
                self.peak[name] = max(self.peak[name], p.peak_rss_mb)
            if self.watcher is not None:
                self.watcher.kill(signal.SIGTERM)
                self.watcher.wait(timeout=30)
            probe.close()
            return self.reconcile()
        finally:
            self.gen.stop_event.set()
            for name in ("producer", "consumer", "watcher"):
                p = getattr(self, name, None)
                if p is not None and p.alive():
                    p.kill()
                    p.wait(timeout=30)
            self.es.stop()
            self.kc.stop()

    def reconcile(self) -> int:
        with open(self.log, encoding="utf-8", errors="surrogateescape") as f:
            lines = f.read().splitlines()
        counts = line_counts(self.kc.bootstrap, self.topic, timeout=120)
        self.kafka_lost = sum(1 for ln in range(1, len(lines) + 1) if counts[ln] == 0)
        self.kafka_dups = sum(c - 1 for c in counts.values() if c > 1)
        # The producer follows one file: its lines carry event ids, the index's _ids (one document per line).
        with open(self.log, "rb") as f:
            self.es_tally = reconcile_event_ids(self.es.docs("soak"), f.read())
        self.lines = len(lines)
        self.kafka_messages = sum(counts.values())
        ok = self.kafka_lost == 0 and self.es_tally.clean
        self.event(f"reconciled: {len(lines):,} lines; Kafka lost {self.kafka_lost}, extra copies "
                   f"{self.kafka_dups} (producer restarts); Elasticsearch lost {self.es_tally.lost}, "
                   f"duplicated {self.es_tally.duplicated}, wrong {self.es_tally.wrong}")
        return 0 if ok else 1


def _watcher_text(cmd: Optional[str]) -> str:
    if cmd == "":
        return "not run (--watcher '')"
    if cmd:
        return "`" + cmd + "`, restarted if it dies"
    return "`kafkainsight watch` on the soak topic (own group, alerts to soak.alerts), restarted if it dies"


def render(s: Soak, rc: int) -> str:
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [f"# Soak\n\nGenerated by `scripts/soak.sh {s.minutes:g}` on {when}; do not edit. "
           f"{s.minutes:g} minutes: a generator appends {s.rate} apache_combined lines/s to a file; our producer "
           "follows it (`--follow --resume`) into Kafka 3.9.2 (3 KRaft nodes, 3 partitions, RF 3, "
           "min.insync.replicas=2); our consumer indexes into the Elasticsearch test server; one fault a minute "
           "(in turn: consumer SIGKILL, Elasticsearch down 15 s, producer SIGKILL + `--resume`, SIGKILL of the "
           "partition leader, 429 burst + per-item 429, responses slower than the timeout). "
           f"Watcher: {_watcher_text(s.watcher_cmd)}."
           "\n\n"]
    t = s.es_tally
    out.append(f"## Result: {'OK' if rc == 0 else 'NOT OK'}\n\n| | |\n|---|---:|\n"
               f"| lines written | {s.lines:,} |\n| messages in Kafka | {s.kafka_messages:,} |\n"
               f"| lines lost on the way to Kafka | {s.kafka_lost} |\n"
               f"| extra copies in Kafka (producer SIGKILLs; bounded by the --resume checkpoint) | {s.kafka_dups} |\n"
               f"| documents in Elasticsearch | {t.arrived:,} |\n"
               f"| lines lost on the way to Elasticsearch | {t.lost} |\n"
               f"| duplicated lines in Elasticsearch (documents beyond one per line; `_id` = the line's event id) "
               f"| {t.duplicated} |\n"
               f"| wrong content | {t.wrong} |\n"
               f"| restarts (producer / consumer) | {s.restarts['producer']} / {s.restarts['consumer']} |\n\n")
    out.append("## Memory (resident, MiB)\n\n| process | first minute median | last minute median | peak |\n"
               "|---|---:|---:|---:|\n")
    for name in ("producer", "consumer", "watcher"):
        h = s.rss_hist[name]
        if not h:
            continue
        per_min = 12  # samples per minute
        first, last = sorted(h[:per_min]), sorted(h[-per_min:])
        out.append(f"| {name} | {first[len(first) // 2]:.0f} | {last[len(last) // 2]:.0f} | {s.peak[name]:.0f} |\n")
    out.append("\nA process restarted by a fault starts again from a small RSS, so medians are the fair "
               "comparison; flat means the last minute is not above the first by more than noise.\n\n")
    out.append("## Throughput over time (every 30 s)\n\n| t (s) | lines written | in Kafka | in ES | "
               "Kafka msgs/s | ES docs/s | producer RSS | consumer RSS |\n|---:|---:|---:|---:|---:|---:|---:|---:|\n")
    prev = None
    for smp in s.samples:
        if prev is not None and smp["t"] - prev["t"] < 29.5 and smp is not s.samples[-1]:
            continue
        if prev is None:
            kr = er = 0.0
        else:
            dt = max(smp["t"] - prev["t"], 1e-9)
            kr, er = (smp["kafka"] - prev["kafka"]) / dt, (smp["es"] - prev["es"]) / dt
        out.append(f"| {smp['t']:.0f} | {smp['written']:,} | {smp['kafka']:,} | {smp['es']:,} | {kr:,.0f} | {er:,.0f} "
                   f"| {smp['rss_producer']:.0f} | {smp['rss_consumer']:.0f} |\n")
        prev = smp
    out.append("\n## Events\n\n```\n" + "\n".join(s.events) + "\n```\n")
    return "".join(out)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.chaos.soak", description=__doc__)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--rate", type=int, default=1000, help="lines per second appended (default 1000)")
    ap.add_argument("--watcher", default=None,
                    help="watcher command (default: kafkainsight watch on the soak topic; '' = none)")
    ap.add_argument("--workdir", default=None)
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "SOAK.md"))
    a = ap.parse_args(argv)
    import tempfile
    s = Soak(a.minutes, a.rate, a.workdir or tempfile.mkdtemp(prefix="ki-soak-"), a.watcher)
    rc = s.run()
    with open(a.out, "w") as f:
        f.write(render(s, rc))
    print(f"wrote {a.out}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
