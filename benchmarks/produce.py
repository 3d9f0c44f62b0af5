#!/usr/bin/env python3
"""End-to-end produce throughput: log file -> Kafka, acknowledged, for four producers.

For every broker (``embedded``: librdkafka's in-process mock cluster; ``kafka``: a real 1-node
Apache Kafka 3.9 started by ``tests/kafka_harness``) the same input (N apache_combined lines,
generated once with seed 1) is produced ``--repeat`` times by each tool, alternating the order,
into a fresh 4-partition topic per run. Every tool runs as its own subprocess; we time it from
spawn to exit (wall) and take its user+sys CPU from ``os.wait4``. Each tool only exits after
every message was acknowledged (flush), so lines/s is *acknowledged* lines per wall second,
start-up and connection included. The median run is kept.

Tools:

* ``ours``      ``kafkainsight produce FILE -b .. -t .. -q --on-parse-error skip``:
                read -> parse -> ECS-encode -> librdkafka (idempotent, acks=all, lz4, linger 20 ms).
* ``kcat``      ``kcat -P -l NDJSON -X acks=all -X enable.idempotence=true -X compression.type=lz4
                -X linger.ms=20 -X sticky.partitioning.linger.ms=10`` on the *pre-encoded* ECS
                documents (the ceiling: same librdkafka, no parsing, no encoding).
* ``original``  the approach KafkaInsight users have today: pure-Python ``line.split(" ")`` into a
                flat dict + kafka-python 2.0.2 ``KafkaProducer(value_serializer=json.dumps)``,
                ``send()`` per line, ``flush()`` at the end (without the original's 1 s sleep per
                line). acks='all' by default (``--original-acks 1`` for kafka-python's default).
* ``confluent`` the same split parsing + json.dumps, produced with confluent-kafka (bundled
                librdkafka) with ours/kcat's settings.

After each run the topic is checked to hold exactly N messages
(``kafkainsight.kafka.count_topic``; on the embedded broker, whose partitions keep only ~5 MB,
the sum of the high watermarks of the fresh topic is checked instead and count_topic must agree
with high - low). A mismatch is printed loudly, marked in the table, and makes the exit code 1.

Diagnostics (not in the headline; ``--no-diagnostics`` skips them): ``kafkainsight parse FILE -o
/dev/null`` (parse + encode, no Kafka), and per broker the fixed cost of ``ours`` and ``kcat``
(the same commands on a 1-line file). ``--experiments "linger.ms=5;kcat:compression.type=none;
kcat+headers:"`` adds variants of ``ours`` (or of the named tool) with those ``-X`` overrides
(``,`` joins several in one variant) to every round, so they share the defaults' background
load; ``kcat+headers`` adds the three headers ours sends with every message (``-H``), to price
them. The report then also splits ours' extra CPU over kcat into its parts.

kcat's settings (``SETTINGS`` below) mirror ours' librdkafka defaults (cpp/src/kafka/producer.cc):
change both together. On a shared machine wall times move a lot; CPU-s moves less, and the
report records the load and Linux CPU pressure at start and end.

Run from the repository root:

    .venv/bin/python scripts/bench_produce.py [--brokers embedded,kafka] [--lines 200000]
        [--repeat 3] [--tools ours,kcat,original,confluent] [--out docs/BENCH_PRODUCE.md]
"""
from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
if ROOT not in sys.path:
    sys.path.insert(0, ROOT)
from benchmarks.measure import run_measured as _run_measured, verification_lines  # noqa: E402
from benchmarks.measure import bench_each, bench_parser, collect_problems, write_outputs  # noqa: E402
from benchmarks.machine import end_meta, machine_meta  # noqa: E402
PY = sys.executable
KI_CLI = os.path.join(os.path.dirname(PY), "kafkainsight")
if not os.path.exists(KI_CLI):
    KI_CLI = shutil.which("kafkainsight") or KI_CLI
KCAT = shutil.which("kcat") or shutil.which("kafkacat") or "kcat"
PARTITIONS = 4
# ours-headers / kcat-headers: the same messages both ways with the three provenance headers
# (ours sends none from a file by default, as kcat)
ALL_TOOLS = ("ours", "ours-headers", "kcat", "kcat-headers", "floor", "original", "confluent", "syslog-ng", "rsyslog")
FLOOR_SRC = os.path.join(ROOT, "benchmarks", "floor_producer.c")
FLOOR_BIN = os.path.join(ROOT, "build", "bench", "floor_producer")


def floor_binary() -> str:
    """benchmarks/floor_producer.c, compiled against the system librdkafka (the one ours and kcat use)."""
    if not os.path.exists(FLOOR_BIN) or os.path.getmtime(FLOOR_BIN) < os.path.getmtime(FLOOR_SRC):
        os.makedirs(os.path.dirname(FLOOR_BIN), exist_ok=True)
        subprocess.run([os.environ.get("CC", "cc"), "-O2", "-Wall", "-o", FLOOR_BIN, FLOOR_SRC, "-lrdkafka"],
                       check=True)
    return FLOOR_BIN
PEERS = ("syslog-ng", "rsyslog")
SETTINGS = ["acks=all", "enable.idempotence=true", "compression.type=lz4", "linger.ms=20",
            "sticky.partitioning.linger.ms=10"]
AIM_KCAT = 0.8
AIM_ORIGINAL = 30.0


# ------------------------------------------------------------------------------------------------
# Workers: the Python producers, run as `bench_produce.py _worker KIND FILE BOOTSTRAP TOPIC ACKS`.
# Only the standard library and the client are imported (not kafkainsight).
# ------------------------------------------------------------------------------------------------

_STATUS_CLASS = {"1": "Informational", "2": "Success", "3": "Redirection",
                 "4": "Client Error", "5": "Server Error"}


def split_parse(line: str) -> dict:
    """The original KafkaInsight parsing: split an access-log line on spaces into a flat dict."""
    f = line.split(" ")
    code = f[8]
    return {
        "ip_address": f[0],
        "username": f[2],
        "is_user": f[2] != "-",
        "timestamp": f[3][1:],            # [22/Nov/2026:02:34:09
        "timezone": f[4][:-1],            # +0000]
        "operation": f[5][1:],            # "GET
        "source": f[6],
        "network_protocol": f[7][:-1],    # HTTP/1.1"
        "status_code": int(code),
        "status": _STATUS_CLASS.get(code[:1], "Unknown"),
    }


def _records(path: str, counts: dict):
    """The original's read loop: each line split_parse'd; a line that does not split is skipped."""
    with open(path, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            counts["read"] += 1
            try:
                yield split_parse(line.rstrip("\n"))
            except (IndexError, ValueError):
                counts["skipped"] += 1


def _worker_original(path: str, bootstrap: str, topic: str, acks: str) -> dict:
    from kafka import KafkaProducer  # kafka-python 2.0.2

    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","),
                             acks="all" if acks == "all" else int(acks),
                             value_serializer=lambda v: json.dumps(v).encode("utf-8"))
    counts = {"read": 0, "sent": 0, "skipped": 0}
    for rec in _records(path, counts):
        producer.send(topic, rec)
        counts["sent"] += 1
    producer.flush()
    producer.close()
    return {**counts, "failed": None}


def _worker_confluent(path: str, bootstrap: str, topic: str, acks: str) -> dict:
    from confluent_kafka import Producer

    conf = {"bootstrap.servers": bootstrap}
    for kv in SETTINGS:
        k, v = kv.split("=", 1)
        conf[k] = v
    conf["acks"] = acks
    if acks != "all":
        conf["enable.idempotence"] = "false"
    producer = Producer(conf)
    failed = [0]

    def on_delivery(err, _msg):
        if err is not None:
            failed[0] += 1

    counts = {"read": 0, "sent": 0, "skipped": 0}
    dumps, produce, poll = json.dumps, producer.produce, producer.poll
    for rec in _records(path, counts):
        value = dumps(rec).encode("utf-8")
        while True:
            try:
                produce(topic, value, on_delivery=on_delivery)
                break
            except BufferError:      # local queue full: serve deliveries, then retry
                poll(0.05)
        poll(0)
        counts["sent"] += 1
    left = producer.flush(120)
    return {**counts, "failed": failed[0] + left}


def worker_main(argv) -> int:
    kind, path, bootstrap, topic, acks = argv
    fn = {"original": _worker_original, "confluent": _worker_confluent}[kind]
    print(json.dumps(fn(path, bootstrap, topic, acks)), flush=True)
    return 0


# ------------------------------------------------------------------------------------------------
# Measuring one subprocess
# ------------------------------------------------------------------------------------------------

def run_measured(cmd, workdir: str, timeout: float, broker_cpu=None, env=None) -> dict:
    res = _run_measured(cmd, workdir, timeout, broker_cpu, env)
    res["broker_cpu"] = res.pop("other_cpu")
    return res


# ------------------------------------------------------------------------------------------------
# Brokers
# ------------------------------------------------------------------------------------------------

class Embedded:
    name = "embedded"

    def __init__(self):
        from kafkainsight.kafka import EmbeddedBroker
        self.broker = EmbeddedBroker()
        self.bootstrap = self.broker.bootstrap
        self.version = "librdkafka mock cluster (in the benchmark process)"

    def create_topic(self, name, partitions=PARTITIONS):
        self.broker.create_topic(name, partitions)

    def delete_topic(self, name):
        pass  # the mock cannot delete; each partition keeps at most ~5 MB anyway

    def cpu(self) -> float:
        # The mock broker's threads live in this process; its main thread is blocked in wait4.
        t = os.times()
        return t.user + t.system

    def close(self):
        self.broker.close()


class RealKafka:
    name = "kafka"

    def __init__(self, kc=None):
        from tests.kafka_harness.cluster import KafkaCluster
        self._own = kc is None        # a cluster passed in is shared: the caller stops it
        self.kc = kc or KafkaCluster(nodes=1, extra_config={"auto.create.topics.enable": "false"})
        if self._own:
            self.kc.start()
        self.bootstrap = self.kc.bootstrap
        self.version = f"Apache Kafka {self.kc.version} (1 node, KRaft, JVM -Xmx512m, tests/kafka_harness)"
        self._tck = os.sysconf("SC_CLK_TCK")

    def create_topic(self, name, partitions=PARTITIONS):
        self.kc.create_topic(name, partitions=partitions)

    def delete_topic(self, name):
        try:
            from confluent_kafka.admin import AdminClient
            AdminClient({"bootstrap.servers": self.bootstrap}).delete_topics([name], operation_timeout=30)
        except Exception:  # best effort: only keeps the disk small
            pass

    def cpu(self) -> float:
        pid = self.kc.pid(1)
        if not pid:
            return 0.0
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / self._tck
        except (OSError, IndexError, ValueError):
            return 0.0

    def close(self):
        if self._own:
            self.kc.stop()


def watermarks(bootstrap: str, topic: str):
    """(sum of low, sum of high) watermarks, or None without confluent_kafka."""
    try:
        from confluent_kafka import Consumer, TopicPartition
    except ImportError:
        return None
    c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-produce-wm",
                  "enable.auto.commit": False, "log_level": 3})
    try:
        lo_sum = hi_sum = 0
        for p in range(PARTITIONS):
            lo, hi = c.get_watermark_offsets(TopicPartition(topic, p), timeout=30, cached=False)
            lo_sum += lo
            hi_sum += hi
        return lo_sum, hi_sum
    finally:
        c.close()


class EndOffsets:
    """Sum of a topic's end offsets, polled repeatedly over one open client (progress of daemons)."""

    def __init__(self, bootstrap: str, topic: str, partitions: int = PARTITIONS):
        from confluent_kafka import Consumer, TopicPartition
        self._c = Consumer({"bootstrap.servers": bootstrap, "group.id": "bench-end-offsets",
                            "enable.auto.commit": False, "log_level": 3})
        self._tps = [TopicPartition(topic, p) for p in range(partitions)]

    def __call__(self) -> int:
        from confluent_kafka import KafkaException
        try:
            return sum(self._c.get_watermark_offsets(tp, timeout=10, cached=False)[1] for tp in self._tps)
        except KafkaException:   # e.g. a fresh topic whose leaders are not elected yet: ask again
            return 0

    def close(self):
        self._c.close()


def verify(broker, topic: str, n: int) -> tuple[bool, str]:
    from kafkainsight.kafka import count_topic
    got = count_topic(broker.bootstrap, topic, keep=0, timeout=120)["messages"]
    wm = watermarks(broker.bootstrap, topic)
    if broker.name == "embedded" and wm is not None:
        lo, hi = wm
        ok = hi == n and got == hi - lo
        return ok, f"appended {hi} (high watermarks), retained {got} (low {lo})"
    detail = f"read back {got}" + (f" (watermarks {wm[0]}..{wm[1]})" if wm else "")
    return got == n, detail


# ------------------------------------------------------------------------------------------------
# The benchmark
# ------------------------------------------------------------------------------------------------

KCAT_HEADERS = ("ki.line=123456", "ki.format=apache_combined")


def tool_cmd(tool: str, broker, topic: str, files: dict, args, extra_x=(), headers=False):
    bs = broker.bootstrap
    if tool in ("ours", "ours-headers"):
        cmd = [KI_CLI, "produce", files["log"], "-b", bs, "-t", topic, "-q", "--on-parse-error", "skip"]
        if tool == "ours-headers":
            cmd += ["--headers", "all"]
        for x in extra_x:
            cmd += ["-X", x]
        return cmd
    if tool in ("kcat", "kcat-headers"):
        headers = headers or tool == "kcat-headers"
        cmd = [KCAT, "-P", "-b", bs, "-t", topic, "-l", files["ndjson"]]
        for x in list(SETTINGS) + list(extra_x):
            cmd += ["-X", x]
        if headers:  # the same three headers ours sends with --headers all (static values of the same size)
            for h in ("ki.source=" + files["log"],) + KCAT_HEADERS:
                cmd += ["-H", h]
        return cmd
    if tool == "floor":  # the pre-encoded documents, like kcat; our settings are compiled in
        return [floor_binary(), bs, topic, files["ndjson"]] + [a for x in extra_x for a in ("-X", x)]
    if tool in ("original", "confluent"):
        acks = args.original_acks if tool == "original" else "all"
        return [PY, os.path.abspath(__file__), "_worker", tool, files["log"], bs, topic, acks]
    raise ValueError(tool)


def check_output(tool: str, res: dict, n: int) -> list:
    """Problems the tool itself reported (exit code, its own counts)."""
    problems = []
    if res["timed_out"]:
        problems.append("timed out")
    if res["rc"] != 0:
        problems.append(f"exit code {res['rc']}")
    if tool.startswith("kcat") and "Delivery failed" in res["stderr"]:
        problems.append("kcat reported delivery failures")
    if tool in ("original", "confluent", "floor"):
        try:
            w = json.loads(res["stdout"].strip().splitlines()[-1])
            if w["sent"] != n or (w["failed"] or 0) != 0:
                problems.append(f"worker counts {w}")
        except (ValueError, IndexError, KeyError):
            problems.append("no worker summary")
    if tool.startswith("ours") and res["rc"] == 0 and "failed_delivery=0" not in res["stdout"] + res["stderr"]:
        problems.append("no clean summary from kafkainsight produce")
    return problems


def one_run(tool, broker, files, args, n, workdir, log, extra_x=(), label=None, verify_n=None, headers=False):
    topic = f"bench-{tool}-{uuid.uuid4().hex[:8]}"
    broker.create_topic(topic)
    if tool in PEERS:   # daemons: timed until the topic's end offsets reach n
        from benchmarks import peers
        cmd = [tool, "(daemon)"]
        expect_n = verify_n if verify_n is not None else n
        ends = EndOffsets(broker.bootstrap, topic)
        try:
            res = peers.run_peer(tool, "kafka", files["log"], expect_n, workdir, args.timeout, progress=ends,
                                 bootstrap=broker.bootstrap, topic=topic, other_cpu=broker.cpu)
        finally:
            ends.close()
        res["broker_cpu"] = res.pop("other_cpu")
    else:
        cmd = tool_cmd(tool, broker, topic, files, args, extra_x, headers)
        res = run_measured(cmd, workdir, args.timeout, broker.cpu)
    problems = check_output(tool, res, verify_n if verify_n is not None else n)
    expect = verify_n if verify_n is not None else n
    try:
        ok, detail = verify(broker, topic, expect)
    except Exception as e:  # noqa: BLE001 - report, do not hide
        ok, detail = False, f"verification failed: {e}"
    if not ok:
        problems.append(f"topic holds the wrong count: expected {expect}, {detail}")
    broker.delete_topic(topic)
    res.update(tool=label or tool, topic=topic, problems=problems, verified=detail)
    tag = "OK" if not problems else "!!! " + "; ".join(problems)
    log(f"  [{broker.name}] {label or tool:34s} wall {res['wall']:7.3f} s  cpu {res['cpu']:6.3f} s "
        f"(u {res['user']:.2f} s {res['sys']:.2f})  broker cpu {res['broker_cpu']:6.2f} s  {detail}  {tag}")
    if problems:
        bar = "!" * 100
        print(f"\n{bar}\n!!! MISMATCH/FAILURE [{broker.name}] {label or tool}: {'; '.join(problems)}\n"
              f"!!! cmd: {' '.join(cmd)}\n!!! stderr tail: {res['stderr'][-1500:]}\n{bar}\n",
              file=sys.stderr, flush=True)
    return res


def summarize(runs: list, n: int, size: int) -> dict:
    wall = statistics.median(r["wall"] for r in runs)
    cpu = statistics.median(r["cpu"] for r in runs)
    return {"wall": wall, "cpu": cpu, "lps": n / wall, "mbps": size / 1e6 / wall,
            "broker_cpu": statistics.median(r["broker_cpu"] for r in runs),
            "rss": statistics.median(r.get("rss", 0) for r in runs),
            "min_wall": min(r["wall"] for r in runs), "max_wall": max(r["wall"] for r in runs),
            "problems": sorted({p for r in runs for p in r["problems"]}), "runs": len(runs)}


def bench_broker(broker, tools, files, args, n, size, workdir, log) -> dict:
    out = {"broker": broker.name, "version": broker.version, "tools": {}, "diag": {}, "experiments": {}}
    # Warm-up (not timed): page cache, connections, the JVM's JIT on the real broker.
    for tool in [t for t in ("ours", "kcat") if t in tools]:
        log(f"  [{broker.name}] warm-up {tool}")
        one_run(tool, broker, files, args, n, workdir, lambda *_: None)
    # Every round runs every tool and every experiment once, so variants and defaults share the
    # same background load (this machine is shared); odd rounds run in reverse order.
    entries = [(t, t, (), False) for t in tools]
    for variant in args.experiments:
        tool, headers, xs = parse_variant(variant)
        label = tool + (" + 3 headers (-H)" if headers else "") + "".join(" -X " + x for x in xs)
        entries.append((label, tool, xs, headers))
    runs = {e[0]: [] for e in entries}
    for i in range(args.repeat):
        order = entries if i % 2 == 0 else entries[::-1]
        for label, tool, xs, headers in order:
            runs[label].append(one_run(tool, broker, files, args, n, workdir, log, extra_x=xs,
                                       label=label, headers=headers))
    for label, tool, xs, headers in entries:
        dest = out["tools"] if label in tools else out["experiments"]
        dest[label] = summarize(runs[label], n, size)

    if not args.no_diagnostics:
        # Fixed costs: the same commands on a 1-line file (start-up, connect, metadata, flush).
        for tool in [t for t in ("ours", "kcat") if t in tools]:
            small = {"log": files["log1"], "ndjson": files["ndjson1"]}
            rs = [one_run(tool, broker, small, args, 1, workdir, log, label=f"{tool} (1 line)")
                  for _ in range(args.repeat)]
            out["diag"][f"{tool} (1 line: fixed cost)"] = summarize(rs, 1, files["size1"])
    return out


def parse_variant(variant: str):
    """'linger.ms=5,batch.size=X' (ours), 'kcat:compression.type=none', 'kcat+headers:' -> (tool, headers, [-X])."""
    tool, headers, props = "ours", False, variant
    if ":" in variant.split("=", 1)[0]:
        tool, props = variant.split(":", 1)
        if tool.endswith("+headers"):
            tool, headers = tool[: -len("+headers")], True
        if tool not in ("ours", "kcat") or (headers and tool != "kcat"):
            raise SystemExit(f"bad experiment {variant!r}: use ours:X=Y,... kcat:X=Y,... or kcat+headers:X=Y,...")
    return tool, headers, [x.strip() for x in props.split(",") if x.strip()]


def parse_only(files, args, n, size, workdir, log) -> dict:
    rs = []
    for _ in range(args.repeat):
        r = run_measured([KI_CLI, "parse", files["log"], "-o", "/dev/null"], workdir, args.timeout)
        r["problems"] = [] if r["rc"] == 0 else [f"exit code {r['rc']}"]
        log(f"  [no broker] kafkainsight parse -o /dev/null  wall {r['wall']:7.3f} s  cpu {r['cpu']:6.3f} s")
        rs.append(r)
    return summarize(rs, n, size)


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def versions() -> dict:
    v = {"python": platform.python_version()}
    try:
        kv = subprocess.run([KCAT, "-V"], capture_output=True, text=True, timeout=10).stdout
        line = next((l for l in kv.splitlines() if l.startswith("Version")), kv.strip())
        v["kcat"] = line.split(" builtin.features")[0].replace("Version ", "").rstrip(")") + ")"
    except (OSError, subprocess.SubprocessError):
        v["kcat"] = "not found"
    try:
        import kafkainsight
        v["kafkainsight"] = kafkainsight.__version__
        so = kafkainsight._core.__file__
        ldd = subprocess.run(["ldd", so], capture_output=True, text=True, timeout=10).stdout
        lib = next((l.split("=>")[1].split("(")[0].strip() for l in ldd.splitlines() if "librdkafka" in l), "?")
        v["kafkainsight_rdkafka"] = lib
    except Exception:  # noqa: BLE001
        v.setdefault("kafkainsight", "?")
    for mod, attr in (("kafka", "__version__"),):
        try:
            v["kafka-python"] = getattr(__import__(mod), attr)
        except Exception:  # noqa: BLE001
            v["kafka-python"] = "not installed"
    try:
        import confluent_kafka
        cv = confluent_kafka.version()
        cv = cv[0] if isinstance(cv, tuple) else cv
        v["confluent-kafka"] = f"{cv} (bundled librdkafka {confluent_kafka.libversion()[0]})"
    except Exception:  # noqa: BLE001
        v["confluent-kafka"] = "not installed"
    return v


TOOL_DESC = {
    "ours": "`kafkainsight produce` (C++ parse + ECS encode + librdkafka, idempotent, acks=all, lz4, linger 20 ms; "
            "default `--headers ts`: no headers on a file)",
    "ours-headers": "the same with `--headers all` (ki.source, ki.line, ki.format on every message)",
    "kcat": "kcat -P on the pre-encoded ECS NDJSON, same librdkafka settings (no parsing: the ceiling)",
    "floor": "benchmarks/floor_producer.c (69 lines of C on the same librdkafka: mmap of the pre-encoded NDJSON, "
             "one rd_kafka_produce per line without a copy, our producer's settings, flush): the real ceiling",
    "kcat-headers": "the same with the three headers ours sends with `--headers all` (`-H`, static values of the same size)",
    "original": "original approach: Python `split(\" \")` + kafka-python KafkaProducer, send() per line, flush()",
    "confluent": "same split parsing + json.dumps, confluent-kafka Producer (ours/kcat settings)",
    "syslog-ng": "syslog-ng daemon: file source, apache-accesslog-parser(), kafka-c() destination "
                 "(benchmarks/peers.py); timed from spawn until the topic's end offsets reach N",
    "rsyslog": "rsyslogd: imfile + mmnormalize (liblognorm rule) + omkafka (benchmarks/peers.py); "
               "timed from spawn until the topic's end offsets reach N",
}


def fmt_row(broker, tool, s, ours_lps, n):
    ratio = s["lps"] / ours_lps if ours_lps else float("nan")
    flag = " **MISMATCH**" if s["problems"] else ""
    return (f"| {broker} | {tool}{flag} | {s['lps']:,.0f} | {s['mbps']:.1f} | {s['wall']:.3f} "
            f"({s['min_wall']:.2f}-{s['max_wall']:.2f}) | {s['cpu']:.2f} | {s['cpu'] / n * 1e6:.2f} | "
            f"{s['broker_cpu']:.2f} | {ratio:.3f} |")


def observations(r, meta) -> list:
    """Where ours' extra CPU goes, from this run's own numbers (only when the inputs were measured)."""
    t, e, d = r["tools"], r["experiments"], r["diag"]
    if "ours" not in t or "kcat" not in t:
        return []
    n = meta["lines"]
    out = []
    extra = t["ours"]["cpu"] - t["kcat"]["cpu"]
    parts = []
    if meta.get("parse"):
        parts.append(("parse + ECS encode (`kafkainsight parse -o /dev/null`)", meta["parse"]["cpu"]))
    fo, fk = d.get("ours (1 line: fixed cost)"), d.get("kcat (1 line: fixed cost)")
    if fo and fk:
        parts.append(("fixed start-up (1-line runs: Python + imports + connect)", fo["cpu"] - fk["cpu"]))
    rest = extra - sum(v for _, v in parts)
    out.append(f"- `{r['broker']}`: ours uses {t['ours']['cpu']:.2f} CPU-s, kcat {t['kcat']['cpu']:.2f} "
               f"(+{extra:.2f} s, {extra / n * 1e6:.2f} µs/line). Of that: "
               + "; ".join(f"{what} {v:.2f} s" for what, v in parts)
               + (f"; the rest {rest:+.2f} s" if parts else "")
               + (" (negative: ours' produce path, zero-copy from pooled parse batches, costs less than kcat's)."
                  if parts and rest < 0 else "."))
    hk, oh = e.get("kcat + 3 headers (-H)") or t.get("kcat-headers"), t.get("ours-headers")
    if hk or oh:
        out.append(f"- `{r['broker']}`: the three headers per message (`--headers all`, `-H`) cost "
                   + "; ".join(f"{who} {x['cpu'] - base['cpu']:+.2f} CPU-s ({x['lps'] / base['lps']:.2f}x its rate)"
                               for who, x, base in (("ours", oh, t["ours"]), ("kcat", hk, t["kcat"])) if x) + ".")
    for key, what in (("ours -X sticky.partitioning.linger.ms=10", "ours with librdkafka's default sticky partitioning (10 ms)"),
                      ("kcat -X sticky.partitioning.linger.ms=10", "kcat with sticky partitioning (10 ms)")):
        if key in e:
            base = t["ours" if key.startswith("ours") else "kcat"]
            out.append(f"- `{r['broker']}`: {what}: {e[key]['lps']:,.0f} lines/s "
                       f"({e[key]['lps'] / base['lps']:.2f}x its default), CPU {e[key]['cpu']:.2f} s "
                       f"(default {base['cpu']:.2f} s).")
    return out


VERIFIED = ("Every timed run was checked after the tool exited: the topic held exactly {lines:,} "
            "messages (kafka: counted by `count_topic`; embedded: high watermarks of the fresh topic, "
            "since each mock partition keeps only ~5 MB, and `count_topic` agreed with high - low), "
            "and every tool exited 0 without reporting a delivery failure.")


def render(results, meta, args) -> str:
    L = []
    L.append("# Produce benchmark: log file -> Kafka, acknowledged")
    L.append("")
    L.append("Generated by `scripts/bench_produce.py` "
             f"(`--brokers {','.join(args.brokers)} --lines {args.lines} --repeat {args.repeat}"
             f"{' --original-acks ' + args.original_acks if args.original_acks != 'all' else ''}"
             f"{' --experiments ' + repr(';'.join(args.experiment_specs)) if args.experiments else ''}`).")
    L.append("")
    L.append(f"- Date: {meta['date']}")
    L.append(f"- CPU: {meta['cpu']}, {meta['cores']} cores, shared with other jobs: load average at start "
             f"{meta['load']}, end {meta.get('load_end', '?')}; CPU pressure (time some task waited for a CPU) "
             f"at start {meta['psi']}, end {meta.get('psi_end', '?')}")
    L.append(f"- OS: {meta['os']}; Python {meta['versions']['python']}")
    L.append(f"- librdkafka (kcat -V): kcat {meta['versions']['kcat']}; "
             f"kafkainsight {meta['versions'].get('kafkainsight')} links {meta['versions'].get('kafkainsight_rdkafka', '?')} (the same library)")
    L.append(f"- kafka-python {meta['versions']['kafka-python']}; confluent-kafka {meta['versions']['confluent-kafka']}")
    for r in results:
        L.append(f"- Broker `{r['broker']}`: {r['version']}")
    L.append(f"- Input: {meta['lines']:,} apache_combined lines (`ki.generate(..., seed=1)`), "
             f"{meta['size'] / 1e6:.1f} MB; kcat reads the same lines pre-encoded as ECS NDJSON "
             f"({meta['ndjson_size'] / 1e6:.1f} MB, made by `ki._core.convert`)")
    L.append(f"- Each run: a fresh topic with {PARTITIONS} partitions; median of {args.repeat} runs, tools alternating; "
             "each tool is a subprocess timed from spawn to exit (start-up, connect and the final flush included)")
    L.append("")
    L.append("Tools:")
    L.append("")
    for t in args.tools:
        d = TOOL_DESC[t]
        if t == "original":
            d += f"; acks={'all' if args.original_acks == 'all' else args.original_acks}, other settings kafka-python defaults (linger 0, no compression, no idempotence)"
        L.append(f"- **{t}**: {d}")
    L.append("")
    L.append("Columns: lines/s = acknowledged lines per wall second; MB/s = raw log bytes (the same "
             f"{meta['size'] / 1e6:.1f} MB for every tool) per wall second; wall = median (min-max); "
             "CPU-s = user+sys of the producing process (os.wait4); broker CPU-s = CPU the broker used "
             "during the run (embedded: the benchmark process that hosts the mock cluster; kafka: the JVM); "
             "vs ours = tool lines/s / ours lines/s.")
    L.append("")
    L.append("| broker | tool | lines/s | MB/s | wall s | CPU-s | CPU µs/line | broker CPU-s | vs ours |")
    L.append("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        ours = r["tools"].get("ours", {}).get("lps", 0)
        for t, s in r["tools"].items():
            L.append(fmt_row(r["broker"], t, s, ours, meta["lines"]))
    L.append("")
    L.append("## Headline ratios")
    L.append("")
    L.append("ours vs kcat: our default (no headers on a file) against kcat, the same messages. ours-headers vs "
             "kcat-headers: the three provenance headers on both sides (`--headers all`, `-H`).")
    L.append("")
    L.append("| broker | ours / kcat (aim >= 0.8) | ours-headers / kcat-headers | ours-headers / kcat | "
             "ours / original (aim >= 30) | ours-headers / original | ours / confluent |")
    L.append("|---|---:|---:|---:|---:|---:|---:|")
    for r in results:
        t = r["tools"]
        def ratio(mine, other, aim=None):
            if mine not in t or other not in t:
                return "n/a"
            v = t[mine]["lps"] / t[other]["lps"]
            mark = "" if aim is None else (" (met)" if v >= aim else " (**below aim**)")
            return f"{v:.2f}{mark}"
        L.append(f"| {r['broker']} | {ratio('ours', 'kcat', AIM_KCAT)} | "
                 f"{ratio('ours-headers', 'kcat-headers')} | {ratio('ours-headers', 'kcat')} | "
                 f"{ratio('ours', 'original', AIM_ORIGINAL)} | {ratio('ours-headers', 'original')} | "
                 f"{ratio('ours', 'confluent')} |")
    L.append("")
    if any(r["diag"] for r in results) or meta.get("parse"):
        L.append("## Diagnostics")
        L.append("")
        L.append("| broker | what | wall s | CPU-s | lines/s |")
        L.append("|---|---|---:|---:|---:|")
        if meta.get("parse"):
            p = meta["parse"]
            L.append(f"| - | `kafkainsight parse FILE -o /dev/null` (parse + encode, no Kafka) | {p['wall']:.3f} | {p['cpu']:.2f} | {p['lps']:,.0f} |")
        for r in results:
            for what, s in r["diag"].items():
                L.append(f"| {r['broker']} | {what} | {s['wall']:.3f} | {s['cpu']:.2f} | - |")
        L.append("")
    if any(r["experiments"] for r in results):
        L.append("## Experiments (run in the same rounds as the defaults above, medians)")
        L.append("")
        L.append("| broker | variant | lines/s | wall s | CPU-s | broker CPU-s | vs ours default | vs kcat default |")
        L.append("|---|---|---:|---:|---:|---:|---:|---:|")
        for r in results:
            t = r["tools"]
            for v, s in r["experiments"].items():
                o = s["lps"] / t["ours"]["lps"] if "ours" in t else float("nan")
                k = s["lps"] / t["kcat"]["lps"] if "kcat" in t else float("nan")
                flag = " **MISMATCH**" if s["problems"] else ""
                L.append(f"| {r['broker']} | {v}{flag} | {s['lps']:,.0f} | {s['wall']:.3f} | {s['cpu']:.2f} | "
                         f"{s['broker_cpu']:.2f} | {o:.2f} | {k:.2f} |")
        L.append("")
    obs = [o for r in results for o in observations(r, meta)]
    if obs:
        L.append("## Where ours' extra CPU goes (computed from the runs above)")
        L.append("")
        L.extend(obs)
        L.append("")
        L.append("CPU-s are medians of separate runs, so the parts need not add up exactly; wall times on this "
                 "shared 2-core machine move more than CPU times.")
        L.append("")
    problems = collect_problems(results, "broker", "tools", "experiments")
    return "\n".join(L + verification_lines(problems, VERIFIED.format(lines=meta["lines"])))


# ------------------------------------------------------------------------------------------------

def main(argv=None) -> int:
    ap = bench_parser(__doc__, "brokers", "embedded,kafka", ALL_TOOLS, "BENCH_PRODUCE.md")
    ap.add_argument("--lines", type=int, default=200_000)
    ap.add_argument("--original-acks", default="all", choices=["all", "1"],
                    help="acks of the original kafka-python producer (its own default is 1)")
    ap.add_argument("--experiments", default="",
                    help='";"-separated variants, each [ours|kcat|kcat+headers:]X=Y[,X=Y], e.g. '
                         '"linger.ms=5;compression.type=none;kcat+headers:" (ours unless a tool is named)')
    ap.add_argument("--no-diagnostics", action="store_true", help="skip the 1-line and parse-only runs")
    args = ap.parse_args(argv)
    args.brokers = [b.strip() for b in args.brokers.split(",") if b.strip()]
    args.tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    args.experiments = [v.strip() for v in args.experiments.split(";") if v.strip()]
    args.experiment_specs = list(args.experiments)
    bad = [b for b in args.brokers if b not in ("embedded", "kafka")] + [t for t in args.tools if t not in ALL_TOOLS]
    if bad:
        ap.error(f"unknown broker/tool: {bad}")
    if "kcat" in args.tools and not shutil.which(KCAT):
        ap.error("kcat not found (apt-get install kcat), or drop it with --tools")

    if ROOT not in sys.path:
        sys.path.insert(0, ROOT)
    import kafkainsight as ki

    def log(msg):
        print(msg, flush=True)

    meta = machine_meta(versions(), lines=args.lines)
    with tempfile.TemporaryDirectory(prefix="bench_produce.") as tmp:
        files = {"log": os.path.join(tmp, "apache_combined.log"), "ndjson": os.path.join(tmp, "apache_combined.ndjson"),
                 "log1": os.path.join(tmp, "one.log"), "ndjson1": os.path.join(tmp, "one.ndjson")}
        ki.generate("apache_combined", args.lines, output=files["log"], seed=1)
        conv = ki._core.convert([files["log"]], output=files["ndjson"])
        if conv.parsed != args.lines:
            raise SystemExit(f"input check failed: {conv}")
        with open(files["log"], "rb") as f, open(files["log1"], "wb") as g:
            g.write(f.readline())
        ki._core.convert([files["log1"]], output=files["ndjson1"])
        meta["size"] = os.path.getsize(files["log"])
        meta["ndjson_size"] = os.path.getsize(files["ndjson"])
        files["size1"] = os.path.getsize(files["log1"])
        with open(files["log"]) as f:  # the original's parsing must accept every line
            assert all(split_parse(l.rstrip("\n")) for l in f)
        log(f"input: {args.lines:,} lines, {meta['size'] / 1e6:.1f} MB log, {meta['ndjson_size'] / 1e6:.1f} MB NDJSON")

        if not args.no_diagnostics:
            meta["parse"] = parse_only(files, args, args.lines, meta["size"], tmp, log)

        results = bench_each(args.brokers, lambda name: Embedded() if name == "embedded" else RealKafka(),
                             lambda broker: bench_broker(broker, args.tools, files, args, args.lines, meta["size"],
                                                         tmp, log),
                             log, "broker", lambda broker: broker.bootstrap)

    end_meta(meta)
    return write_outputs(render(results, meta, args), args, {"meta": meta, "results": results},
                         bool(collect_problems(results, "broker", "tools", "experiments", "diag")), "TOPIC COUNT")


if __name__ == "__main__":  # `_worker ...`: one Python client of a timed run, in its own process
    sys.exit(worker_main(sys.argv[2:]) if sys.argv[1:2] == ["_worker"] else main())
