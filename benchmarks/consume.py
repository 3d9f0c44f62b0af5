#!/usr/bin/env python3
"""Consume throughput: Kafka topic -> Elasticsearch-compatible server, acknowledged, for four tools.

The same topic content (N apache_combined lines, generated with seed 1 and produced once by
``kafkainsight.kafka.Producer`` as ECS JSON documents into a real 1-node Apache Kafka 3.9 started
by ``tests/kafka_harness``, 4 partitions) is moved into each server (``testserver``: the Python
Elasticsearch-8 look-alike ``tests.es_server.EsTestServer(keep_sources=False)``, in this process;
``engine``: OpenSearch 3.x behind nginx TLS, ``tests.search_harness.SearchEngine``) ``--repeat``
times by each tool, alternating the order, into a fresh index per run (created before the run
with default settings, so no tool pays for index creation). Every tool runs as its own
subprocess; we time it from spawn to exit (wall) and take its user+sys CPU from ``os.wait4``, so
the consumer's CPU is measured apart from the server's (the server's CPU during the run is
reported too: this process' own CPU for testserver, the JVM + nginx for engine). The median run
is kept. After every run the index is refreshed and ``_count`` must equal the expected count; a
mismatch is printed loudly, marked in the tables and makes the exit code 1.

Tools:

* ``ours``       ``kafkainsight consume TOPIC -b .. -g <fresh> --url .. --ca-certs .. --index ..
                 --idle-timeout 2 --linger 0.2 -X session.timeout.ms=6000`` (librdkafka + libcurl,
                 bulk op create, 1000 docs per bulk, 4 in flight, commits after the acks).
                 Its wall time includes the 2 s idle timeout that ends the run; its own
                 ``seconds`` (stats line) is reported as well.
* ``original``   the original KafkaInsight approach: kafka-python 2.0.2 ``KafkaConsumer`` (group,
                 earliest, ``json.loads`` deserializer) + ``Elasticsearch.index()`` per document.
                 Capped at ``--original-docs`` (default 10,000) documents: it stops at the cap
                 (no idle wait), docs/s is computed from that many documents.
* ``bulk``       kafka-python ``KafkaConsumer`` (same settings) + ``elasticsearch.helpers.bulk``
                 (``--chunk`` 1000 docs, op create, _id topic-partition-offset) streaming over the
                 consumer, idle timeout 2 s (like ours), one commit at the end.
* ``ceiling``    the server alone: the same documents as pre-built ``_bulk`` NDJSON bodies (1000
                 docs each, built before timing, ``{"create":{"_id":..}}`` + the Kafka value)
                 POSTed by one ``curl -K cfg`` invocation (one keep-alive TLS connection, one
                 request at a time).
* ``ceiling-p2`` the same with ``curl --parallel --parallel-max 2`` (2 requests in flight; ours
                 sends up to 4 with its default ``--max-in-flight 4``).
* ``ours-max``   diagnostic: ours with ``--max-messages N`` instead of the idle timeout (ends as
                 soon as the N-th document is acknowledged, so no idle tail).

The "ceiling" used for the ratios is the better of ``ceiling`` and ``ceiling-p2`` per server.

The source topic is written with ``compression.type=none`` (``--compression``): kafka-python 2.0.2
cannot read lz4 batches (the Producer's default) without the ``lz4`` module, which is not installed.

Diagnostics (``--no-diagnostics`` skips them): ours and the helpers.bulk worker on an empty topic
(their fixed cost: start-up, join, the 2 s idle timeout), and ``ceiling-p2`` while a busy-looping
process takes one core (is the server CPU-bound on this machine?). Profile (``--no-profile``): one
ours-max run under ``perf stat`` (poll(2) calls) and one under ``perf record -e cpu-clock``
(share of ours' CPU in its wait loop vs librdkafka's threads vs the rest). ``--ours-args`` adds
arguments to ours (e.g. ``"--max-in-flight 1"``); ``--json`` saves the raw results and
``--from-json`` renders the report again from them without running anything.

Run from the repository root:

    .venv/bin/python scripts/bench_consume.py [--servers testserver,engine] [--docs 100000]
        [--repeat 3] [--original-docs 10000] [--tools ours,original,bulk,ceiling,ceiling-p2,ours-max]
        [--ours-args ARGS] [--no-diagnostics] [--no-profile] [--json F] [--out docs/BENCH_CONSUME.md]
"""
from __future__ import annotations

import argparse
import base64
import contextlib
import datetime as _dt
import json
import os
import platform
import re
import shlex
import shutil
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from benchmarks.measure import run_measured as _run_measured, verification_lines  # noqa: E402
from benchmarks.measure import bench_each, bench_parser, collect_problems, write_outputs  # noqa: E402
from benchmarks.machine import end_meta, machine_meta  # noqa: E402
from tests.harness_util import child_pids  # noqa: E402

PY = sys.executable
KI_CLI = os.path.join(os.path.dirname(PY), "kafkainsight")
CURL = shutil.which("curl") or "curl"
PARTITIONS = 4
IDLE_TIMEOUT = 2.0
ALL_TOOLS = ("ours", "original", "bulk", "ceiling", "ceiling-p2", "ours-max")
CEILINGS = ("ceiling", "ceiling-p2")
AIM_CPU = 10.0      # helpers.bulk CPU per doc / ours CPU per doc
AIM_CEILING = 0.8   # ours docs/s / ceiling docs/s


# ------------------------------------------------------------------------------------------------
# Workers: the kafka-python consumers, run as
#   bench_consume.py _worker KIND BOOTSTRAP TOPIC GROUP URL CA USER INDEX CAP CHUNK
# with the password in $ELASTIC_PASSWORD. Only the standard library and the clients are imported.
# ------------------------------------------------------------------------------------------------

def _kp_messages(consumer, cap: int, idle: float):
    """Messages from a kafka-python consumer until ``cap`` (if > 0) or ``idle`` seconds without a
    message since the last one or the first assignment (the same rule as ours' --idle-timeout)."""
    n = 0
    last = None
    give_up = time.monotonic() + 60 + idle          # never assigned: stop after a minute
    while True:
        want = 500 if cap <= 0 else min(500, cap - n)
        recs = consumer.poll(timeout_ms=100, max_records=want)
        got = False
        for msgs in recs.values():
            for m in msgs:
                yield m
                n += 1
                got = True
                if cap > 0 and n >= cap:
                    return
        now = time.monotonic()
        if got:
            last = now
        elif consumer.assignment():
            if last is None:
                last = now
            elif now - last >= idle:
                return
        elif now > give_up:
            return


def _worker(kind, bootstrap, topic, group, url, ca, user, index, cap, chunk) -> dict:
    from elasticsearch import Elasticsearch, helpers
    from kafka import KafkaConsumer  # kafka-python 2.0.2

    t0 = time.monotonic()
    cap, chunk = int(cap), int(chunk)
    es = Elasticsearch(url, ca_certs=ca, basic_auth=(user, os.environ["ELASTIC_PASSWORD"]),
                       request_timeout=60)
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap.split(","), group_id=group,
                             auto_offset_reset="earliest",
                             enable_auto_commit=(kind == "original"),
                             value_deserializer=lambda v: json.loads(v))
    consumed = indexed = 0
    errors = []
    if kind == "original":
        # The original: one index request per message (auto-generated _id), auto-commit.
        for msg in _kp_messages(consumer, cap, IDLE_TIMEOUT):
            consumed += 1
            r = es.index(index=index, document=msg.value)
            if r.get("result") == "created":
                indexed += 1
            elif len(errors) < 5:
                errors.append(str(r))
    else:
        def actions():
            nonlocal consumed
            for msg in _kp_messages(consumer, cap, IDLE_TIMEOUT):
                consumed += 1
                yield {"_op_type": "create", "_index": index,
                       "_id": f"{msg.topic}-{msg.partition}-{msg.offset}", "_source": msg.value}

        ok, errs = helpers.bulk(es, actions(), chunk_size=chunk, max_chunk_bytes=5 << 20,
                                raise_on_error=False, raise_on_exception=False)
        indexed = ok
        errors = [str(e)[:300] for e in errs[:5]]
        consumer.commit()
    consumer.close()
    es.close()
    return {"consumed": consumed, "indexed": indexed, "errors": errors,
            "seconds": time.monotonic() - t0}


def worker_main(argv) -> int:
    print(json.dumps(_worker(*argv)), flush=True)
    return 0


# ------------------------------------------------------------------------------------------------
# Measuring one subprocess
# ------------------------------------------------------------------------------------------------

def run_measured(cmd, workdir: str, timeout: float, server_cpu=None, env=None) -> dict:
    res = _run_measured(cmd, workdir, timeout, server_cpu, env)
    res["server_cpu"] = res.pop("other_cpu")
    return res


_TCK = os.sysconf("SC_CLK_TCK")


def proc_tree_cpu(pids) -> float:
    """user+sys seconds of the given processes and all their (live) descendants."""
    total, seen, todo = 0.0, set(), [p for p in pids if p]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / _TCK
            todo.extend(child_pids(pid))
        except (OSError, IndexError, ValueError):
            pass
    return total


# ------------------------------------------------------------------------------------------------
# Servers
# ------------------------------------------------------------------------------------------------

class Server:
    name = "?"
    version = "?"

    def __init__(self):
        self.url = self.ca_path = self.user = self.password = None
        self._ctx = None

    def _setup_http(self):
        self._ctx = ssl.create_default_context(cafile=self.ca_path)
        self._auth = "Basic " + base64.b64encode(f"{self.user}:{self.password}".encode()).decode()

    def request(self, method: str, path: str, body: bytes | None = None, timeout: float = 120):
        hdrs = {"Authorization": self._auth}
        if body is not None:
            hdrs["Content-Type"] = "application/json"
        req = urllib.request.Request(self.url + path, data=body, method=method, headers=hdrs)
        try:
            with urllib.request.urlopen(req, timeout=timeout, context=self._ctx) as r:
                status, payload = r.status, r.read()
        except urllib.error.HTTPError as e:
            status, payload = e.code, e.read()
        try:
            return status, json.loads(payload) if payload else None
        except ValueError:
            return status, payload.decode(errors="replace")

    def create_index(self, name: str):
        st, body = self.request("PUT", f"/{name}", b"{}")
        if st != 200:
            raise RuntimeError(f"creating index {name}: HTTP {st} {body}")

    def delete_index(self, name: str):
        self.request("DELETE", f"/{name}")

    def count(self, name: str) -> int:
        st, body = self.request("POST", f"/{name}/_refresh")
        if st != 200:
            raise RuntimeError(f"refresh {name}: HTTP {st} {body}")
        st, body = self.request("GET", f"/{name}/_count")
        if st != 200:
            raise RuntimeError(f"_count {name}: HTTP {st} {body}")
        return int(body["count"])

    def cpu(self) -> float:
        raise NotImplementedError

    def close(self):
        pass


class TestServer(Server):
    name = "testserver"

    def __init__(self):
        super().__init__()
        from tests.es_server import ES_VERSION, EsTestServer
        self.es = EsTestServer(keep_sources=False).start()
        self.url, self.ca_path, self.user, self.password = self.es.url, self.es.ca_path, self.es.user, self.es.password
        self.version = (f"tests.es_server.EsTestServer (Python {platform.python_version()}, in the benchmark "
                        f"process; answers as Elasticsearch {ES_VERSION}; keep_sources=False, documents validated)")
        self.short_version = f"EsTestServer (ES {ES_VERSION} look-alike)"
        self._setup_http()

    def cpu(self) -> float:
        t = os.times()          # this process only: the server's threads (main thread is in wait4)
        return t.user + t.system

    def close(self):
        self.es.stop()


class Engine(Server):
    name = "engine"

    def __init__(self):
        super().__init__()
        from tests.search_harness.engine import SearchEngine
        self.se = SearchEngine().start()
        self.url, self.ca_path, self.user, self.password = self.se.url, self.se.ca_path, self.se.user, self.se.password
        self.version = (f"{self.se.engine_name} {self.se.engine_version} (Lucene {self.se.lucene_version}, 1 node, "
                        f"JVM heap {self.se.heap}, Java {self.se.java_major}) behind nginx TLS + basic auth "
                        f"(tests/search_harness)")
        self.short_version = f"{self.se.engine_name} {self.se.engine_version}"
        self._setup_http()

    def cpu(self) -> float:
        ng = self.se._nginx.pid if getattr(self.se, "_nginx", None) else None
        return proc_tree_cpu([self.se.pid, ng])

    def close(self):
        self.se.stop()


# ------------------------------------------------------------------------------------------------
# Kafka: the source topic, produced once
# ------------------------------------------------------------------------------------------------

def read_all(bootstrap: str, topic: str, n: int):
    """Every message of the topic as (partition, offset, value bytes), via confluent-kafka."""
    from confluent_kafka import Consumer, TopicPartition
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-consume-reader",
                  "enable.auto.commit": False, "enable.partition.eof": True, "log_level": 3})
    try:
        highs = {}
        for p in range(PARTITIONS):
            _lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30, cached=False)
            highs[p] = hi
        c.assign([TopicPartition(topic, p, 0) for p in range(PARTITIONS) if highs[p] > 0])
        out, done = [], {p for p in highs if highs[p] == 0}
        deadline = time.monotonic() + 300
        while len(done) < PARTITIONS and time.monotonic() < deadline:
            for m in c.consume(1000, timeout=1.0):
                if m.error():
                    if m.error().code() == -191:  # _PARTITION_EOF
                        done.add(m.partition())
                    continue
                out.append((m.partition(), m.offset(), m.value()))
        return out, sum(highs.values())
    finally:
        c.close()


def build_bulk_files(msgs, topic: str, tmp: str, per: int = 1000):
    paths = []
    for i in range(0, len(msgs), per):
        parts = []
        for p, o, v in msgs[i:i + per]:
            parts.append(b'{"create":{"_id":"%s-%d-%d"}}\n' % (topic.encode(), p, o))
            parts.append(v.rstrip(b"\n") + b"\n")
        path = os.path.join(tmp, f"bulk-{i // per:05d}.ndjson")
        with open(path, "wb") as f:
            f.write(b"".join(parts))
        paths.append(path)
    return paths


def write_curl_config(server: Server, index: str, files, path: str, parallel: int):
    """A curl -K file: one transfer per body, each printing its HTTP status (one invocation)."""
    def q(s):
        return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'
    lines = []
    if parallel > 1:
        lines += ["parallel", f"parallel-max = {parallel}"]
    per = [f"cacert = {q(server.ca_path)}", f"user = {q(server.user + ':' + server.password)}",
           'header = "Content-Type: application/x-ndjson"', "silent", "show-error",
           'output = "/dev/null"', 'write-out = "%{http_code}\\n"']
    for i, fpath in enumerate(files):
        if i:
            lines.append("next")
        lines += per + [f"url = {q(server.url + '/' + index + '/_bulk')}", f"data-binary = {q('@' + fpath)}"]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    os.chmod(path, 0o600)


# ------------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------------

_OURS_RE = re.compile(r"consumed=(\d+) indexed=(\d+) duplicates=(\d+) dead_lettered=(\d+) "
                      r"retried=(\d+) bulks=(\d+) in ([\d.]+)s")


def tool_cmd(tool, server, ctx, index, group, args, cfg_path):
    bs, topic = ctx["bootstrap"], ctx["topic"]
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("ELASTIC", "KAFKA_", "ES_INDEX"))}
    env["ELASTIC_PASSWORD"] = server.password
    if tool in ("ours", "ours-max"):
        cmd = [KI_CLI, "consume", topic, "-b", bs, "-g", group, "--url", server.url, "--ca-certs",
               server.ca_path, "--user", server.user, "--index", index, "--linger", str(args.linger),
               "-X", "session.timeout.ms=6000", "--env-file", os.devnull]
        cmd += ["--max-messages", str(ctx["n"])] if tool == "ours-max" else ["--idle-timeout", str(IDLE_TIMEOUT)]
        return cmd + shlex.split(args.ours_args), env
    if tool in ("original", "bulk"):
        cap = args.original_docs if tool == "original" else 0
        return [PY, os.path.abspath(__file__), "_worker", tool, bs, topic, group, server.url, server.ca_path,
                server.user, index, str(cap), str(args.chunk)], env
    if tool in CEILINGS:
        write_curl_config(server, index, ctx["bulk_files"], cfg_path, 2 if tool == "ceiling-p2" else 1)
        return [CURL, "-K", cfg_path], env
    raise ValueError(tool)


def expected_docs(tool, ctx, args) -> int:
    if tool == "original":
        return min(args.original_docs, ctx["n"])
    return ctx["n"] if not tool.endswith("(empty topic)") else 0


def check_output(tool: str, res: dict, expect: int) -> tuple[list, float | None]:
    """Problems the tool itself reported; ours' own 'seconds'."""
    problems, own = [], None
    if res["timed_out"]:
        problems.append("timed out")
    if res["rc"] != 0:
        problems.append(f"exit code {res['rc']}")
    if tool.startswith("ours"):
        m = _OURS_RE.search(res["stderr"])
        if not m:
            problems.append("no stats line from kafkainsight consume")
        else:
            consumed, indexed, dups, dlq = (int(m.group(i)) for i in range(1, 5))
            own = float(m.group(7))
            if consumed != expect or indexed != expect or dups or dlq:
                problems.append(f"ours reported consumed={consumed} indexed={indexed} duplicates={dups} "
                                f"dead_lettered={dlq}, expected {expect}")
    elif tool.startswith(("original", "bulk")):
        try:
            w = json.loads(res["stdout"].strip().splitlines()[-1])
            own = w["seconds"]
            if w["consumed"] != expect or w["indexed"] != expect or w["errors"]:
                problems.append(f"worker reported {w}, expected {expect}")
        except (ValueError, IndexError, KeyError):
            problems.append("no worker summary")
    elif tool in CEILINGS:
        codes = res["stdout"].split()
        bad = [c for c in codes if c != "200"]
        if bad or len(codes) != expect_requests(expect):
            problems.append(f"curl: {len(codes)} responses, non-200: {sorted(set(bad))[:5]}")
    return problems, own


def expect_requests(n: int) -> int:
    return (n + 999) // 1000


def one_run(tool, server, ctx, args, workdir, log, label=None, quiet=False, prefix=(), busy_core=False):
    label = label or tool
    base_tool = tool
    tag = uuid.uuid4().hex[:8]
    index = f"bench-{re.sub('[^a-z0-9]+', '-', label.lower()).strip('-')}-{tag}"
    group = f"bench-consume-{tag}"
    c = ctx if not label.endswith("(empty topic)") else dict(ctx, topic=ctx["empty_topic"], n=0)
    expect = expected_docs(label if label.endswith("(empty topic)") else base_tool, c, args)
    server.create_index(index)
    cmd, env = tool_cmd(base_tool, server, c, index, group, args, os.path.join(workdir, "curl.cfg"))
    spinner = subprocess.Popen([PY, "-c", "while True: pass"]) if busy_core else None
    try:
        res = run_measured(list(prefix) + cmd, workdir, args.timeout, server.cpu, env)
    finally:
        if spinner:
            spinner.kill()
            spinner.wait()
    problems, own = check_output(base_tool, res, expect)
    try:
        got = server.count(index)
        detail = f"index holds {got:,}"
        if got != expect:
            problems.append(f"INDEX COUNT MISMATCH: expected {expect:,}, _count says {got:,}")
    except Exception as e:  # noqa: BLE001 - report, do not hide
        problems.append(f"verification failed: {e}")
        detail = "count unknown"
    server.delete_index(index)
    res.update(tool=label, index=index, problems=problems, own_seconds=own, docs=expect, verified=detail)
    if not quiet:
        ok = "OK" if not problems else "!!! " + "; ".join(problems)
        rate = expect / res["wall"] if res["wall"] > 0 else 0
        log(f"  [{server.name}] {label:22s} wall {res['wall']:7.2f} s  {rate:9,.0f} docs/s  cpu {res['cpu']:6.2f} s "
            f"(u {res['user']:.2f} s {res['sys']:.2f})  server cpu {res['server_cpu']:6.2f} s"
            f"{f'  own {own:.2f} s' if own is not None else ''}  {detail}  {ok}")
    if problems:
        bar = "!" * 100
        shown = [x if "user =" not in x else "-K " + cmd[-1] for x in cmd]
        print(f"\n{bar}\n!!! MISMATCH/FAILURE [{server.name}] {label}: {'; '.join(problems)}\n"
              f"!!! cmd: {' '.join(shown)}\n!!! stderr tail: {res['stderr'][-1500:]}\n"
              f"!!! stdout tail: {res['stdout'][-500:]}\n{bar}\n", file=sys.stderr, flush=True)
    return res


def summarize(runs: list) -> dict:
    docs = runs[0]["docs"]
    wall = statistics.median(r["wall"] for r in runs)
    own = [r["own_seconds"] for r in runs if r["own_seconds"] is not None]
    return {"docs": docs, "wall": wall, "cpu": statistics.median(r["cpu"] for r in runs),
            "user": statistics.median(r["user"] for r in runs), "sys": statistics.median(r["sys"] for r in runs),
            "dps": docs / wall if wall > 0 else 0.0,
            "server_cpu": statistics.median(r["server_cpu"] for r in runs),
            "rss": statistics.median(r.get("rss", 0) for r in runs),
            "own": statistics.median(own) if own else None,
            "min_wall": min(r["wall"] for r in runs), "max_wall": max(r["wall"] for r in runs),
            "problems": sorted({p for r in runs for p in r["problems"]}), "runs": len(runs)}


WARMUP_MAX_RUNS = 8
WARMUP_STABLE = 0.10


def warm_up(server, tools, ctx, args, workdir, log) -> list:
    """Untimed runs until the engine is warm: its JIT takes several 100k-document runs to settle
    (a fresh OpenSearch here indexed the same bodies in 10.4 s, then 3.1 s), and whichever tool
    ran first would pay for it. The curl ceiling is run until two runs in a row are within 10 %
    of each other (at most 8), then each of our tools once. Returns the warm-up walls."""
    walls = []
    warm = "ceiling-p2" if "ceiling-p2" in tools else "ceiling"
    if warm in tools:
        for _ in range(WARMUP_MAX_RUNS):
            walls.append(one_run(warm, server, ctx, args, workdir, log, quiet=True)["wall"])
            log(f"  [{server.name}] warm-up {warm}: {walls[-1]:.2f} s")
            if len(walls) >= 2 and abs(walls[-1] - walls[-2]) <= WARMUP_STABLE * walls[-2]:
                break
    for tool in [t for t in ("ours",) if t in tools]:
        log(f"  [{server.name}] warm-up {tool}")
        one_run(tool, server, ctx, args, workdir, log, quiet=True)
    return walls


def bench_server(server, tools, ctx, args, workdir, log) -> dict:
    out = {"server": server.name, "version": server.version, "short": server.short_version,
           "tools": {}, "diag": {}}
    if not args.no_warmup:  # not timed: JIT, page cache, TLS session set-up paths
        out["warmup"] = warm_up(server, tools, ctx, args, workdir, log)
    runs = {t: [] for t in tools}
    for i in range(args.repeat):
        order = tools if i % 2 == 0 else tools[::-1]
        for tool in order:
            runs[tool].append(one_run(tool, server, ctx, args, workdir, log))
    for t in tools:
        out["tools"][t] = summarize(runs[t])
    if not args.no_diagnostics:
        # Fixed cost: start-up, connect, group join, the 2 s idle timeout, commit, exit.
        for tool in [t for t in ("ours", "bulk") if t in tools]:
            label = f"{tool} (empty topic)"
            rs = [one_run(tool, server, ctx, args, workdir, log, label=label) for _ in range(min(args.repeat, 2))]
            out["diag"][label] = summarize(rs)
        # Is the server CPU-bound on this 2-core machine? The ceiling again while one more
        # process keeps a core busy (like a consumer that busy-waits would).
        if "ceiling-p2" in tools:
            label = "ceiling-p2 + 1 busy-looping process"
            rs = [one_run("ceiling-p2", server, ctx, args, workdir, log, label=label, busy_core=True)
                  for _ in range(min(args.repeat, 2))]
            out["diag"][label] = summarize(rs)
    if args.profile and "ours" in tools:
        out["profile"] = profile_ours(server, ctx, args, workdir, log)
    return out


# Main-thread symbols of ours' event loop itself (waiting, not moving documents): clock reads,
# poll(2) and its kernel path, libcurl's multi interface and the loop.
_WAIT_SYMS = ("clock_gettime", "do_sys_poll", "__poll", "tcp_poll", "sock_poll", "fdget", "__x64_sys_poll",
              "asynccancel", "_copy_from_user", "__check_object_size", "fput", "steady_clock::now",
              "poll_freewait", "check_stack_object", "tcp_stream_memory_free", "curl_multi_perform",
              "EsClient::poll", "Impl::run", "do_syscall_64", "x64_sys_call", "srso_return_thunk",
              "entry_SYSCALL", "syscall_exit", "__pollwait", "_raw_spin_unlock_irqrestore")


def profile_ours(server, ctx, args, workdir, log) -> dict:
    """ours-max once under `perf stat` (poll(2) calls) and once under `perf record` (software
    sampling, cpu-clock): how much of ours' CPU is its wait loop. Empty dict without perf."""
    perf = shutil.which("perf")
    if not perf:
        log(f"  [{server.name}] profile skipped: perf not found")
        return {}
    prof = {}
    stat = os.path.join(workdir, "perf-stat.txt")
    r = one_run("ours-max", server, ctx, args, workdir, log, label="ours-max under perf stat",
                prefix=[perf, "stat", "-x", ",", "-o", stat, "-e",
                        "syscalls:sys_enter_poll,syscalls:sys_enter_ppoll,syscalls:sys_enter_epoll_wait", "--"])
    try:
        counts = {}
        with open(stat) as f:
            for line in f:
                parts = line.strip().split(",")
                if len(parts) > 2 and parts[2].startswith("syscalls:"):
                    counts[parts[2].split(":", 1)[1]] = int(parts[0]) if parts[0].isdigit() else None
        prof["polls"] = sum(v for v in counts.values() if v)
        prof["poll_counts"] = counts
        prof["stat_wall"], prof["stat_cpu"] = r["wall"], r["cpu"]
    except (OSError, ValueError) as e:
        log(f"  [{server.name}] perf stat unreadable: {e}")
    data = os.path.join(workdir, "perf.data")
    r = one_run("ours-max", server, ctx, args, workdir, log, label="ours-max under perf record",
                prefix=[perf, "record", "-q", "-e", "cpu-clock", "-F", "999", "-o", data, "--"])
    prof["record_wall"], prof["record_cpu"] = r["wall"], r["cpu"]
    prof["problems"] = r["problems"]
    rep = subprocess.run([perf, "report", "-i", data, "--no-children", "-s", "pid,dso,sym", "--stdio",
                          "-g", "none", "--percent-limit", "0"], capture_output=True, text=True).stdout
    wait = other = rdk = total = 0.0
    top: dict = {}
    for line in rep.splitlines():
        m = re.match(r"\s+([\d.]+)%\s+\d+:(\S+)\s+(\S+)\s+\[.\]\s+(.*)", line)
        if not m:
            continue
        pct, comm, dso, sym = float(m.group(1)), m.group(2), m.group(3), m.group(4).strip()
        total += pct
        if comm.startswith("rdk:"):
            rdk += pct
        elif any(w in sym for w in _WAIT_SYMS) or "libcurl" in dso:
            wait += pct
        else:
            other += pct
            key = f"{os.path.basename(dso)} {sym}"
            top[key] = top.get(key, 0.0) + pct
    if total:
        prof.update(wait=wait / total, rdk=rdk / total, other=other / total,
                    top=sorted(top.items(), key=lambda kv: -kv[1])[:8])
        log(f"  [{server.name}] profile: wait loop {wait / total:.0%} of ours' CPU samples, librdkafka threads "
            f"{rdk / total:.0%}, the rest {other / total:.0%}; poll(2) calls {prof.get('polls', '?')}")
    with contextlib.suppress(OSError):
        os.remove(data)
    return prof


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def build_info() -> str:
    """Which native code was measured: the _core module's mtime and the git state of its sources."""
    parts = []
    try:
        from kafkainsight import _core
        mtime = _dt.datetime.fromtimestamp(os.path.getmtime(_core.__file__), _dt.timezone.utc)
        parts.append(f"_core built {mtime:%Y-%m-%d %H:%M:%S} UTC")
    except Exception:  # noqa: BLE001
        pass
    try:
        head = subprocess.run(["git", "-C", ROOT, "log", "-1", "--format=%h %cd", "--date=format:%H:%M:%S"],
                              capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--", "cpp", "CMakeLists.txt"],
                               capture_output=True, text=True, timeout=10).stdout.strip()
        if head:
            parts.append(f"git HEAD {head}" + (" with uncommitted changes under cpp/" if dirty else ""))
    except (OSError, subprocess.SubprocessError):
        pass
    return ", ".join(parts) or "unknown"


def versions() -> dict:
    v = {"python": platform.python_version()}
    try:
        import kafkainsight
        v["kafkainsight"] = kafkainsight.__version__
    except Exception:  # noqa: BLE001
        v["kafkainsight"] = "?"
    v["build"] = build_info()
    try:
        import elasticsearch
        v["elasticsearch"] = elasticsearch.__versionstr__
    except Exception:  # noqa: BLE001
        v["elasticsearch"] = "not installed"
    try:
        import elastic_transport
        v["elastic-transport"] = elastic_transport.__version__
    except Exception:  # noqa: BLE001
        v["elastic-transport"] = "?"
    try:
        import kafka
        v["kafka-python"] = kafka.__version__
    except Exception:  # noqa: BLE001
        v["kafka-python"] = "not installed"
    try:
        import confluent_kafka
        cv = confluent_kafka.version()
        v["confluent-kafka"] = f"{cv[0] if isinstance(cv, tuple) else cv} (bundled librdkafka {confluent_kafka.libversion()[0]})"
    except Exception:  # noqa: BLE001
        v["confluent-kafka"] = "not installed"
    try:
        v["curl"] = subprocess.run([CURL, "--version"], capture_output=True, text=True,
                                   timeout=10).stdout.split("\n")[0].split(" (")[0]
    except (OSError, subprocess.SubprocessError):
        v["curl"] = "?"
    return v


TOOL_DESC = {
    "ours": "`kafkainsight consume` (C++: librdkafka + libcurl; bulk op create, 1000 docs/bulk, 4 in flight, "
            "--linger 0.2, --idle-timeout 2, commits after the acks)",
    "original": "original approach: kafka-python KafkaConsumer (group, earliest, json.loads) + `es.index()` per "
                "document (auto _id, auto-commit)",
    "bulk": "kafka-python KafkaConsumer (same) + `elasticsearch.helpers.bulk` streaming over it "
            "(chunk {chunk}, op create, _id topic-partition-offset), idle timeout 2 s, commit at the end",
    "ceiling": "the server alone: pre-built `_bulk` NDJSON bodies of 1000 docs POSTed by one `curl -K` "
               "invocation, one keep-alive TLS connection, one request at a time",
    "ceiling-p2": "the same bodies with `curl --parallel --parallel-max 2` (2 requests in flight)",
    "ours-max": "diagnostic: ours with `--max-messages N` instead of `--idle-timeout 2` (exits once the N-th "
                "document is acknowledged: no idle tail)",
}


def ceiling_of(r) -> tuple[float, str]:
    best = max(((r["tools"][c]["dps"], c) for c in CEILINGS if c in r["tools"]), default=(0.0, ""))
    return best


def fmt_row(r, tool, s, ceiling, ours_us) -> str:
    us = s["cpu"] / s["docs"] * 1e6 if s["docs"] else float("nan")
    flag = " **MISMATCH**" if s["problems"] else ""
    ratio = f"{s['dps'] / ceiling:.2f}" if ceiling and s["docs"] else "-"
    vs = f"{us / ours_us:.2f}" if ours_us and s["docs"] else "-"
    own = f"{s['own']:.2f}" if s["own"] is not None else "-"
    return (f"| {r['server']} | {tool}{flag} | {s['docs']:,} | {s['dps']:,.0f} | {s['wall']:.2f} "
            f"({s['min_wall']:.2f}-{s['max_wall']:.2f}) | {own} | {s['cpu']:.2f} | {us:.1f} | "
            f"{s['server_cpu']:.2f} | {ratio} | {vs} |")


def findings(results, meta) -> list:
    """Observations computed from this run's numbers (only what was measured)."""
    out = []
    for r in results:
        t, d, p = r["tools"], r["diag"], r.get("profile") or {}
        name = f"`{r['server']}`"
        if "ours" in t and "ours-max" in t:
            tail = t["ours"]["wall"] - t["ours-max"]["wall"]
            out.append(f"- {name}: ours' wall {t['ours']['wall']:.2f} s vs {t['ours-max']['wall']:.2f} s for the "
                       f"same documents with `--max-messages`: {tail:.2f} s is the idle timeout that ends the run "
                       f"({IDLE_TIMEOUT:.0f} s) plus noise; without it ours reaches "
                       f"{t['ours-max']['dps']:,.0f} docs/s.")
        if "ours" in t and t["ours"]["wall"] > 0:
            busy = t["ours"]["cpu"] / max(t["ours"]["wall"] - IDLE_TIMEOUT, 1e-9)
            out.append(f"- {name}: ours used {t['ours']['cpu']:.2f} CPU-s in {t['ours']['wall']:.2f} s, i.e. "
                       f"{busy:.0%} of a core while documents were moving (the wall time minus the "
                       f"{IDLE_TIMEOUT:.0f} s idle tail), though the curl ceiling needs {t['ceiling']['cpu']:.2f} CPU-s "
                       f"for the same bodies." if "ceiling" in t else "")
        if p.get("wait") is not None and p["wait"] >= 0.3 and p.get("polls"):
            out.append(f"- {name}: {p['wait']:.0%} of ours' CPU samples are its event loop waiting, and it called "
                       f"poll(2) {p['polls']:,} times ({p['polls'] / meta['docs']:.1f} per document): the loop "
                       "busy-waits while Elasticsearch works on the requests in flight.")
        k1, k2 = "ceiling-p2", "ceiling-p2 + 1 busy-looping process"
        if k1 in t and k2 in d:
            x = t[k1]["wall"] / d[k2]["wall"]
            out.append(f"- {name}: the curl ceiling with 2 in flight takes {d[k2]['wall']:.2f} s instead of "
                       f"{t[k1]['wall']:.2f} s while one more process keeps a core busy ({x:.2f}x the docs/s)"
                       + (": on this 2-core machine the server needs the CPU, so a consumer that burns a core "
                          "slows the server itself." if x < 0.85 else ": no clear slow-down from a busy core."))
    return [x for x in out if x] + ([""] if out else [])


VERIFIED = ("Every timed run was checked after the tool exited: `_refresh` + `_count` on its fresh index "
            "returned exactly the expected number of documents, every tool exited 0, ours' stats line "
            "reported consumed = indexed = expected with no duplicates or dead letters, the kafka-python "
            "workers reported no item errors, and every curl `_bulk` request answered 200.")


def render(results, meta, args) -> str:
    v = meta["versions"]
    L = ["# Consume benchmark: Kafka -> Elasticsearch-compatible server, acknowledged", ""]
    L.append("Generated by `scripts/bench_consume.py` "
             f"(`--servers {','.join(args.servers)} --docs {args.docs} --repeat {args.repeat} "
             f"--original-docs {args.original_docs} --chunk {args.chunk} --compression {args.compression}"
             f"{' --ours-args ' + shlex.quote(args.ours_args) if getattr(args, 'ours_args', '') else ''}`).")
    L.append("")
    L.append(f"- Date: {meta['date']}")
    L.append(f"- CPU: {meta['cpu']}, {meta['cores']} cores, shared with other jobs: load average at start "
             f"{meta['load']}, end {meta.get('load_end', '?')}; CPU pressure (time some task waited for a CPU) "
             f"at start {meta['psi']}, end {meta.get('psi_end', '?')}")
    L.append(f"- OS: {meta['os']}; Python {v['python']}")
    L.append(f"- kafkainsight {v['kafkainsight']} ({v.get('build', 'build unknown')}); elasticsearch (Python client) {v['elasticsearch']} "
             f"(elastic-transport {v['elastic-transport']}); kafka-python {v['kafka-python']}; "
             f"confluent-kafka {v['confluent-kafka']} (only to read the topic for the ceiling's bodies); {v['curl']}")
    L.append(f"- Kafka: {meta['kafka']}")
    for r in results:
        L.append(f"- Server `{r['server']}`: {r['version']}")
    L.append(f"- Input: {meta['docs']:,} apache_combined lines (`ki.generate(..., seed=1)`) produced once by "
             f"`kafkainsight.kafka.Producer` into a {PARTITIONS}-partition topic: {meta['docs']:,} ECS JSON "
             f"documents, {meta['value_bytes'] / 1e6:.1f} MB of values (avg {meta['value_bytes'] / max(meta['docs'], 1):.0f} B); "
             f"the ceiling's {len(meta['bulk_sizes'])} `_bulk` bodies total {sum(meta['bulk_sizes']) / 1e6:.1f} MB")
    L.append(f"- Each run: a fresh index (created before the run, default settings) and a fresh consumer group; "
             f"median of {args.repeat} runs, tools alternating{'' if args.no_warmup else ' (after untimed warm-up runs per server: the curl ceiling until two runs in a row agree within 10 %, then ours once; the JIT of a fresh engine makes its first runs 2-3x slower)'}; "
             "each tool is a subprocess timed from spawn to exit (Python start-up, connecting, group join, "
             "the idle timeout that ends it and the final commit included); after each run `_refresh` + `_count` "
             "must equal the expected count")
    L.append("")
    L.append("Tools:")
    L.append("")
    for t in args.tools:
        extra = f" plus `{args.ours_args}`" if t.startswith("ours") and getattr(args, "ours_args", "") else ""
        L.append(f"- **{t}**: {TOOL_DESC[t].format(chunk=args.chunk)}{extra}")
    L.append("")
    L.append("Columns: docs = documents the tool had to index (original: capped at `--original-docs`); "
             "docs/s = docs / wall; wall = median (min-max) s; own s = the tool's own elapsed time (ours: "
             "`seconds` from its stats line, from pipeline start to the end, idle timeout included; workers: "
             "from their first line); consumer CPU = user+sys of the tool's process (os.wait4); server CPU = "
             "CPU the server used during the run (testserver: this process, which hosts it; engine: JVM + "
             "nginx); ÷ ceiling = docs/s ÷ the best curl docs/s on that server; CPU/doc vs ours = tool's "
             "CPU µs/doc ÷ ours' CPU µs/doc.")
    L.append("")
    L.append("| server | tool | docs | docs/s | wall s | own s | consumer CPU-s | consumer CPU µs/doc | "
             "server CPU-s | ÷ ceiling | CPU/doc vs ours |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ceiling, _ = ceiling_of(r)
        o = r["tools"].get("ours")
        ours_us = o["cpu"] / o["docs"] * 1e6 if o and o["docs"] else None
        for t, s in r["tools"].items():
            L.append(fmt_row(r, t, s, ceiling, ours_us))
    L.append("")
    L.append("## Headline")
    L.append("")
    L.append(f"| server | ours CPU/doc vs helpers.bulk (aim >= {AIM_CPU:.0f}x lower) | ours docs/s ÷ ceiling "
             f"(aim >= {AIM_CEILING:.2f}) | ours-max docs/s ÷ ceiling (no idle tail) | ours docs/s vs helpers.bulk | "
             "ours docs/s vs original |")
    L.append("|---|---:|---:|---:|---:|---:|")
    for r in results:
        t = r["tools"]
        ceiling, which = ceiling_of(r)

        def cpu_ratio():
            if "ours" not in t or "bulk" not in t:
                return "n/a"
            x = (t["bulk"]["cpu"] / t["bulk"]["docs"]) / (t["ours"]["cpu"] / t["ours"]["docs"])
            return f"{x:.1f}x{' (met)' if x >= AIM_CPU else ' (**below aim**)'}"

        def vs_ceiling(tool, aim=True):
            if tool not in t or not ceiling:
                return "n/a"
            x = t[tool]["dps"] / ceiling
            return f"{x:.2f} (vs {which}){(' (met)' if x >= AIM_CEILING else ' (**below aim**)') if aim else ''}"

        def rate_ratio(other):
            if "ours" not in t or other not in t:
                return "n/a"
            return f"{t['ours']['dps'] / t[other]['dps']:.1f}x"

        L.append(f"| {r['server']} | {cpu_ratio()} | {vs_ceiling('ours')} | {vs_ceiling('ours-max', False)} | "
                 f"{rate_ratio('bulk')} | {rate_ratio('original')} |")
    L.append("")
    if any(r["diag"] for r in results):
        L.append("## Diagnostics")
        L.append("")
        L.append("*(empty topic)*: the tool on an empty 4-partition topic, i.e. its fixed cost (start-up, "
                 "connect, group join, the 2 s idle timeout, commit, exit). *ceiling-p2 + 1 busy-looping process*: "
                 "the ceiling again while this script runs `while True: pass` in another process (its CPU is not "
                 "in the consumer column): how much the server slows down when a core is taken. Medians of "
                 f"{min(args.repeat, 2)} runs.")
        L.append("")
        L.append("| server | what | docs/s | wall s | own s | consumer CPU-s | server CPU-s |")
        L.append("|---|---|---:|---:|---:|---:|---:|")
        for r in results:
            for what, s in r["diag"].items():
                flag = " **MISMATCH**" if s["problems"] else ""
                own = f"{s['own']:.2f}" if s["own"] is not None else "-"
                dps = f"{s['dps']:,.0f}" if s["docs"] else "-"
                L.append(f"| {r['server']} | {what}{flag} | {dps} | {s['wall']:.2f} | {own} | {s['cpu']:.2f} | "
                         f"{s['server_cpu']:.2f} |")
        L.append("")
    profs = [(r, r["profile"]) for r in results if r.get("profile")]
    if profs:
        L.append("## Where ours' CPU goes (perf: ours-max once under `perf stat`, once under `perf record -e cpu-clock`)")
        L.append("")
        L.append("wait loop = samples of ours' main thread in clock_gettime, poll(2) and its kernel path, libcurl's "
                 "multi interface and the pipeline's loop itself; librdkafka = its own threads (fetching, "
                 "decompressing); rest = everything else (copying, bulk bodies, response parsing, TLS, offsets, "
                 "Python start-up). The estimate scales ours' CPU µs/doc from the main table by (1 - wait loop).")
        L.append("")
        L.append("| server | poll(2) calls | poll(2) per doc | wait loop | librdkafka threads | rest | ours CPU µs/doc "
                 "| est. µs/doc without the wait loop | est. helpers.bulk CPU/doc ÷ that |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
        for r, p in profs:
            t = r["tools"]
            ours_us = t["ours"]["cpu"] / t["ours"]["docs"] * 1e6
            est = ours_us * (1 - p.get("wait", 0.0))
            bulk = f"{t['bulk']['cpu'] / t['bulk']['docs'] * 1e6 / est:.0f}x" if "bulk" in t and est > 0 else "n/a"
            polls = p.get("polls")
            L.append(f"| {r['server']} | {polls:,} | {polls / meta['docs']:.1f} | {p.get('wait', 0):.0%} | "
                     f"{p.get('rdk', 0):.0%} | {p.get('other', 0):.0%} | {ours_us:.1f} | {est:.1f} | {bulk} |"
                     if polls is not None and "wait" in p else f"| {r['server']} | profile incomplete | | | | | | | |")
        L.append("")
        for r, p in profs:
            if p.get("top"):
                L.append(f"- `{r['server']}`, largest 'rest' symbols (% of all samples): "
                         + ", ".join(f"{k} {v:.1f}%" for k, v in p["top"][:6]))
        L.append("")
    L.extend(findings(results, meta))
    return "\n".join(L + verification_lines(collect_problems(results, "server", "tools", "diag"), VERIFIED))


# ------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = bench_parser(__doc__, "servers", "testserver,engine", ALL_TOOLS, "BENCH_CONSUME.md")
    ap.add_argument("--docs", type=int, default=100_000)
    ap.add_argument("--original-docs", type=int, default=10_000, help="cap for the es.index()-per-doc tool")
    ap.add_argument("--chunk", type=int, default=1000, help="helpers.bulk chunk_size")
    ap.add_argument("--linger", type=float, default=0.2, help="ours' --linger")
    ap.add_argument("--compression", default="none", choices=["none", "gzip", "snappy", "lz4", "zstd"],
                    help="compression.type of the source topic (kafka-python 2.0.2 needs the lz4 / "
                         "python-snappy / zstandard package for those codecs; none is what the original "
                         "kafka-python producer wrote)")
    ap.add_argument("--ours-args", default="", help='extra arguments for ours, e.g. "--max-in-flight 1"')
    ap.add_argument("--no-warmup", action="store_true")
    ap.add_argument("--no-diagnostics", action="store_true",
                    help="skip the empty-topic runs and the ceiling with a busy core")
    ap.add_argument("--no-profile", dest="profile", action="store_false",
                    help="skip the two extra ours-max runs under perf stat / perf record")
    ap.add_argument("--from-json", default="", help="only render the report from a file written by --json")
    args = ap.parse_args(argv)
    args.servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    bad = [s for s in args.servers if s not in ("testserver", "engine")] + [t for t in args.tools if t not in ALL_TOOLS]
    if bad:
        ap.error(f"unknown server/tool: {bad}")

    if args.compression in ("lz4", "snappy", "zstd") and any(t in args.tools for t in ("original", "bulk")):
        mod = {"lz4": "lz4", "snappy": "snappy", "zstd": "zstandard"}[args.compression]
        try:
            __import__(mod)
        except ImportError:
            ap.error(f"--compression {args.compression}: kafka-python cannot read it without the "
                     f"'{mod}' module; use --compression none or drop original,bulk from --tools")

    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            saved = json.load(f)
        run_args = argparse.Namespace(**{**vars(args), **saved.get("args", {})})
        report = render(saved["results"], saved["meta"], run_args)
        print(report)
        if args.out:
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(report)
            print(f"wrote {args.out}")
        return 0

    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import kafkainsight as ki
    from kafkainsight.kafka import Producer
    from tests.kafka_harness.cluster import KafkaCluster

    def log(msg):
        print(msg, flush=True)

    meta = machine_meta(versions(), docs=args.docs)
    results = []
    with tempfile.TemporaryDirectory(prefix="bench_consume.") as tmp:
        log_path = os.path.join(tmp, "apache_combined.log")
        ki.generate("apache_combined", args.docs, output=log_path, seed=1)
        t0 = time.monotonic()
        kc = KafkaCluster(nodes=1, extra_config={"auto.create.topics.enable": "false"})
        kc.start()
        try:
            meta["kafka"] = (f"Apache Kafka {kc.version} (1 node, KRaft, JVM -Xmx512m, tests/kafka_harness), "
                             f"{PARTITIONS} partitions, produced with compression.type={args.compression}")
            log(f"kafka {kc.version} at {kc.bootstrap} (up in {time.monotonic() - t0:.1f} s)")
            topic = f"bench-consume-{uuid.uuid4().hex[:6]}"
            empty = topic + "-empty"
            kc.create_topic(topic, partitions=PARTITIONS)
            kc.create_topic(empty, partitions=PARTITIONS)
            kc.create_topic(topic + ".dlq", partitions=1)
            st = Producer(kc.bootstrap, topic, {"compression.type": args.compression}).produce_file(log_path)
            log(f"produced: {st.summary()}")
            msgs, high = read_all(kc.bootstrap, topic, args.docs)
            if len(msgs) != args.docs or high != args.docs:
                raise SystemExit(f"input check failed: topic holds {high} (read {len(msgs)}), expected {args.docs}")
            files = build_bulk_files(msgs, topic, tmp)
            meta["value_bytes"] = sum(len(m[2]) for m in msgs)
            meta["bulk_sizes"] = [os.path.getsize(f) for f in files]
            del msgs
            log(f"topic {topic}: {args.docs:,} docs, {meta['value_bytes'] / 1e6:.1f} MB; {len(files)} bulk bodies")
            ctx = {"bootstrap": kc.bootstrap, "topic": topic, "empty_topic": empty, "n": args.docs,
                   "bulk_files": files}
            results = bench_each(args.servers, lambda name: TestServer() if name == "testserver" else Engine(),
                                 lambda server: bench_server(server, args.tools, ctx, args, tmp, log),
                                 log, "server", lambda server: server.url)
        finally:
            kc.stop()

    end_meta(meta)
    saved_args = {k: v for k, v in vars(args).items() if k not in ("out", "json", "from_json")}
    return write_outputs(render(results, meta, args), args, {"meta": meta, "results": results, "args": saved_args},
                         bool(collect_problems(results, "server", "tools", "diag")), "INDEX COUNT")


if __name__ == "__main__":  # `_worker ...`: one Python client of a timed run, in its own process
    sys.exit(worker_main(sys.argv[2:]) if sys.argv[1:2] == ["_worker"] else main())
