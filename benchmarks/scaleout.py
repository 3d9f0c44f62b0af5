"""Scale-out of the consumer group on a real cluster: a 3-node Kafka (tests/kafka_harness), a
12-partition topic, 1..4 `kafkainsight consume` processes in one group writing to the real
search engine (tests/search_harness: OpenSearch behind nginx TLS). For each group size: docs/s
and CPU per document (the consumers' user+sys, and the brokers' and engine's). Then the churn
run: live traffic while members are added, stopped (SIGTERM) and killed (SIGKILL); the index
must hold every line exactly once (``_count`` and the distinct /seq/<i> paths).

    .venv/bin/python -m benchmarks.scaleout                  # 100k lines, groups of 1..4, churn
    .venv/bin/python -m benchmarks.scaleout --lines 20000 --groups 1 2 --no-churn

Each line is an Apache common log line whose path is /seq/<i>, so the check needs no
cooperation from the code under test. tests/test_scaleout.py runs the churn at test volumes.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Callable, Optional

ROOT = Path(__file__).resolve().parent.parent
_TCK = os.sysconf("SC_CLK_TCK")


def seq_lines(n: int, start: int = 0) -> list[str]:
    """Apache common log lines, each with a unique path /seq/<i>."""
    return [f'10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255} - - [04/Dec/2026:12:{(i // 60) % 60:02d}:{i % 60:02d} '
            f'+0000] "GET /seq/{i} HTTP/1.1" {200 if i % 17 else 503} {100 + i % 900}' for i in range(start, start + n)]


def proc_cpu_s(pid: Optional[int]) -> float:
    """user+sys seconds of a live process (and its reaped children), 0 if it is gone."""
    if not pid:
        return 0.0
    try:
        f = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return sum(int(x) for x in f[11:15]) / _TCK


def machine_busy() -> tuple[float, float]:
    """(busy, total) jiffies of all CPUs from /proc/stat."""
    v = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = v[3] + v[4]
    return sum(v) - idle, sum(v)


class Member:
    """One `kafkainsight consume` process of the group."""

    def __init__(self, name: str, bootstrap: str, topic: str, group: str, engine, index: str,
                 extra: tuple[str, ...] = ()):
        self.name = name
        self.log = open(Path(os.environ.get("TMPDIR", "/tmp")) / f"ki-scaleout-{os.getpid()}-{name}.log", "w+")
        cmd = [sys.executable, "-m", "kafkainsight", "consume", topic, "-b", bootstrap, "-g", group,
               "--url", engine.url, "--ca-certs", str(engine.ca_path), "--index", index, "--env-file", os.devnull,
               "-X", "session.timeout.ms=6000", "-X", "heartbeat.interval.ms=1000", *extra]
        env = {**os.environ, "ELASTIC_PASSWORD": engine.password}
        env.pop("ELASTIC_API_KEY", None)
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=self.log, env=env)
        self.cpu_s = 0.0
        self.returncode: Optional[int] = None

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 120) -> int:
        """Signal and reap; CPU from the kernel's rusage of the reaped process."""
        if self.returncode is None and self.proc.poll() is not None:  # exited by itself, reaped by poll()
            self.returncode = self.proc.returncode
        if self.returncode is None:
            self.proc.send_signal(sig)
            deadline = time.monotonic() + timeout
            while True:
                pid, status, ru = os.wait4(self.proc.pid, os.WNOHANG)
                if pid:
                    break
                if time.monotonic() > deadline:
                    self.proc.kill()
                    pid, status, ru = os.wait4(self.proc.pid, 0)
                    break
                time.sleep(0.05)
            self.proc.returncode = self.returncode = os.waitstatus_to_exitcode(status)
            self.cpu_s = ru.ru_utime + ru.ru_stime
        return self.returncode

    def stderr(self) -> str:
        self.log.flush()
        self.log.seek(0)
        return self.log.read()

    def close(self) -> None:
        if self.returncode is None:
            self.stop(signal.SIGKILL)
        self.log.close()
        os.unlink(self.log.name)


def doc_count(engine, index: str) -> int:
    status, body = engine.request("GET", f"/{index}/_count")
    return body["count"] if status == 200 else 0


def wait_count(engine, index: str, target: int, timeout: float, alive: Callable[[], None] = lambda: None,
               poll: float = 0.25) -> float:
    """Wait until the index counts at least ``target`` documents; returns when (monotonic)."""
    deadline = time.monotonic() + timeout
    while True:
        alive()
        if doc_count(engine, index) >= target:
            return time.monotonic()
        if time.monotonic() > deadline:
            raise TimeoutError(f"{index}: {doc_count(engine, index)} of {target} documents after {timeout:.0f}s")
        time.sleep(poll)


def indexed_paths(engine, index: str) -> list[str]:
    """url.original of every document (scroll), to find duplicates and gaps."""
    engine.request("POST", f"/{index}/_refresh")
    status, body = engine.request("POST", f"/{index}/_search?scroll=1m",
                                  {"size": 5000, "_source": ["url.original"], "sort": ["_doc"]})
    assert status == 200, body
    paths = []
    while body["hits"]["hits"]:
        paths += [h["_source"]["url"]["original"] for h in body["hits"]["hits"]]
        status, body = engine.request("POST", "/_search/scroll", {"scroll": "1m", "scroll_id": body["_scroll_id"]})
        assert status == 200, body
    engine.request("DELETE", "/_search/scroll", {"scroll_id": body["_scroll_id"]})
    return paths


def exactly_once(engine, index: str, n: int) -> dict:
    """_count, distinct /seq/<i> paths, which are missing and which are there twice."""
    engine.request("POST", f"/{index}/_refresh")
    paths = indexed_paths(engine, index)
    seen = set(paths)
    expected = {f"/seq/{i}" for i in range(n)}
    return {"count": doc_count(engine, index), "distinct": len(seen), "lost": len(expected - seen),
            "duplicated": len(paths) - len(seen), "unexpected": len(seen - expected)}


def make_topic(cluster, topic: str, partitions: int = 12) -> None:
    cluster.create_topic(topic, partitions=partitions, replication=min(3, len(cluster.alive_nodes())))
    cluster.create_topic(topic + ".dlq", partitions=1, replication=min(3, len(cluster.alive_nodes())))


def fill(bootstrap: str, topic: str, lines: list[str], rate: Optional[float] = None):
    """Produce the lines; with ``rate``, in tenth-of-a-second slices at that many lines/s."""
    from kafkainsight import Producer
    p = Producer(bootstrap, topic, format="apache_common", config={"linger.ms": "20"})
    step = max(1, int(rate / 10)) if rate else len(lines)
    t0 = time.monotonic()
    for i in range(0, len(lines), step):
        p.produce_lines(lines[i:i + step])
        if rate:
            time.sleep(max(0.0, t0 + (i + step) / rate - time.monotonic()))
    p.close()
    assert p.stats.produced == len(lines), p.stats
    return p.stats


def run_group(cluster, engine, topic: str, n: int, members: int, tag: str, timeout: float = 600,
              extra: tuple[str, ...] = ()) -> dict:
    """``members`` consumers in a new group read the whole topic (n lines) into a new index."""
    index, group = f"scale-{tag}-{members}", f"scale-{tag}-{members}"
    engine.request("DELETE", f"/{index}")
    nodes = {i: cluster.pid(i) for i in cluster.alive_nodes()}
    side = lambda: (sum(proc_cpu_s(p) for p in nodes.values()), proc_cpu_s(engine.pid))  # noqa: E731
    (brokers0, engine0), busy0 = side(), machine_busy()
    t0 = time.monotonic()
    group_members = [Member(f"{tag}{members}-{i}", cluster.bootstrap, topic, group, engine, index, extra)
                     for i in range(members)]
    try:
        def alive():
            for m in group_members:
                assert m.proc.poll() is None, f"{m.name} exited {m.proc.returncode}:\n{m.stderr()[-3000:]}"
        t_first = wait_count(engine, index, 1, timeout, alive)
        c_first = doc_count(engine, index)
        t_end = wait_count(engine, index, n, timeout, alive)
        (brokers1, engine1), busy1 = side(), machine_busy()
        for m in group_members:
            assert m.stop() == 0, m.stderr()[-3000:]
        check = exactly_once(engine, index, n)
    finally:
        for m in group_members:
            m.close()
    engine.request("DELETE", f"/{index}")
    cpu = sum(m.cpu_s for m in group_members)
    busy = (busy1[0] - busy0[0]) / max(1, busy1[1] - busy0[1])
    return {"members": members, "args": " ".join(extra), "docs": n, "seconds_to_all": round(t_end - t0, 2),
            "docs_per_s": round((n - c_first) / max(1e-6, t_end - t_first)),
            "consumer_cpu_us_per_doc": round(cpu / n * 1e6, 1),
            "broker_cpu_us_per_doc": round((brokers1 - brokers0) / n * 1e6, 1),
            "engine_cpu_us_per_doc": round((engine1 - engine0) / n * 1e6, 1),
            "machine_busy": round(busy, 3), **check}


def member_stats(m: Member) -> dict:
    """The counters of a member's final summary line ({} if it was killed)."""
    found = re.findall(r"consumed=(\d+) indexed=(\d+) duplicates=(\d+)", m.stderr())
    return {"exit": m.returncode, **(dict(zip(("consumed", "indexed", "duplicates"), map(int, found[-1])))
                                     if found else {})}


def churn(cluster, engine, topic: str, n: int, rate: float, tag: str, timeout: float = 600,
          log: Callable[[str], None] = print, min_gap: float = 8.0) -> dict:
    """Live traffic (n lines at ``rate``/s) into the topic while the group changes: start with
    two members, add a third, SIGTERM the first (a clean leave), add a fourth, SIGKILL the second
    (a crash: its uncommitted batch is delivered again), add a fifth. Each step waits for more
    documents in the index, so every member has had partitions when the next change comes."""
    index, group = f"churn-{tag}", f"churn-{tag}"
    engine.request("DELETE", f"/{index}")
    produced: dict = {}
    feeder = threading.Thread(target=lambda: produced.update(st=fill(cluster.bootstrap, topic, seq_lines(n), rate)),
                              daemon=True)
    members: dict[str, Member] = {}

    def add(name: str) -> None:
        members[name] = Member(f"{tag}-{name}", cluster.bootstrap, topic, group, engine, index)
        log(f"churn: + {name} at {doc_count(engine, index)} docs")

    def alive():
        for name, m in members.items():
            assert m.returncode is not None or m.proc.poll() is None, \
                f"{name} exited {m.proc.returncode}:\n{m.stderr()[-3000:]}"

    steps = [(0.15, lambda: add("m3")), (0.35, lambda: stop("m1", signal.SIGTERM)), (0.5, lambda: add("m4")),
             (0.65, lambda: stop("m2", signal.SIGKILL)), (0.8, lambda: add("m5"))]

    def stop(name: str, sig: int) -> None:
        code = members[name].stop(sig)
        log(f"churn: - {name} ({signal.Signals(sig).name}, exit {code}) at {doc_count(engine, index)} docs")
        if sig == signal.SIGTERM:
            assert code == 0, members[name].stderr()[-3000:]

    try:
        feeder.start()
        add("m1")
        add("m2")
        last = time.monotonic()
        for frac, step in steps:
            wait_count(engine, index, int(n * frac), timeout, alive)
            time.sleep(max(0.0, last + min_gap - time.monotonic()))  # the group settles between changes
            step()
            last = time.monotonic()
        wait_count(engine, index, n, timeout, alive)
        feeder.join(timeout)
        time.sleep(3)  # anything indexed twice would show now
        for name, m in members.items():
            if m.returncode is None:
                assert m.stop() == 0, m.stderr()[-3000:]
        stats = {name: member_stats(m) for name, m in members.items()}
        check = exactly_once(engine, index, n)
    finally:
        for m in members.values():
            m.close()
    engine.request("DELETE", f"/{index}")
    return {"docs": n, "produced": produced["st"].produced, "members": stats, **check}


def main(argv: Optional[list[str]] = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.scaleout", description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=100_000, help="lines in the topic (each group reads all)")
    ap.add_argument("--groups", type=int, nargs="+", default=[1, 2, 3, 4], help="group sizes to measure")
    ap.add_argument("--partitions", type=int, default=12)
    ap.add_argument("--churn-lines", type=int, default=60_000)
    ap.add_argument("--churn-rate", type=float, default=1500, help="lines/s of the live traffic in the churn run")
    ap.add_argument("--no-churn", action="store_true")
    ap.add_argument("--consumer-args", default="", help="extra `consume` arguments, e.g. '--max-in-flight 6'")
    ap.add_argument("--json", help="write the results here")
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tests.kafka_harness.cluster import KafkaCluster
    from tests.search_harness import SearchEngine
    results: dict = {"lines": a.lines, "partitions": a.partitions, "cores": os.cpu_count(), "groups": []}
    cluster, engine = KafkaCluster(nodes=3), SearchEngine()
    try:
        cluster.start(timeout=180)
        engine.start(timeout=300)
        topic = f"scale-{os.getpid()}"
        make_topic(cluster, topic, a.partitions)
        t = time.monotonic()
        fill(cluster.bootstrap, topic, seq_lines(a.lines))
        print(f"filled {topic}: {a.lines} lines, {a.partitions} partitions in {time.monotonic() - t:.1f}s")
        for k in a.groups:
            r = run_group(cluster, engine, topic, a.lines, k, str(os.getpid()), extra=tuple(a.consumer_args.split()))
            print(json.dumps(r))
            results["groups"].append(r)
        if not a.no_churn:
            ctopic = f"churn-{os.getpid()}"
            make_topic(cluster, ctopic, a.partitions)
            r = churn(cluster, engine, ctopic, a.churn_lines, a.churn_rate, str(os.getpid()))
            print(json.dumps(r))
            results["churn"] = r
    finally:
        engine.stop()
        cluster.stop()
    if a.json:
        Path(a.json).write_text(json.dumps(results, indent=1) + "\n")
    print("| consumers | docs/s | consumer CPU µs/doc | broker CPU µs/doc | engine CPU µs/doc | machine busy | "
          "count | distinct |")
    print("|---|---|---|---|---|---|---|---|")
    for r in results["groups"]:
        print(f"| {r['members']} | {r['docs_per_s']} | {r['consumer_cpu_us_per_doc']} | {r['broker_cpu_us_per_doc']} | "
              f"{r['engine_cpu_us_per_doc']} | {r['machine_busy']:.0%} | {r['count']} | {r['distinct']} |")
    ok = all(r["lost"] == r["duplicated"] == 0 for r in results["groups"] + [results.get("churn", {"lost": 0,
                                                                                               "duplicated": 0})])
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
