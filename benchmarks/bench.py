"""Every stage side by side, one command: ``scripts/bench.sh`` (= ``python -m benchmarks.bench``).

One input for every stage: N apache_combined lines (flog format, our generator, seed 1; default
1,000,000, ``--lines`` for fewer). One real Apache Kafka (tests/kafka_harness) and one real
search engine (OpenSearch behind nginx TLS, tests/search_harness) on loopback, plus the embedded
broker and the ES test server (labelled). Every figure is the median of ``--runs`` runs with the
tools alternating; every tool is its own process, timed by benchmarks.measure / benchmarks.peers;
every run's output is counted (lines in the file, end offsets / messages in Kafka, ``_count``).

Stages (``--stages``, all by default):

* ``parse``     parse + encode to a JSON file: ours, Python ``re`` (benchmarks/pyregex_parser.py),
                syslog-ng apache-accesslog-parser(), rsyslog mmnormalize.
* ``produce``   file -> Kafka, acknowledged: ours, kcat (ceiling), syslog-ng, rsyslog, the original
                (split + kafka-python), confluent-kafka (benchmarks/produce.py does the runs).
* ``consume``   Kafka -> search engine, acknowledged: ours, the original (per-document index),
                helpers.bulk, curl (ceiling) (benchmarks/consume.py does the runs).
* ``e2e``       file -> Kafka -> search engine with the producer following the file: lines/s and
                the latency from append to searchable (see ``e2e_run``).
* ``dataframe`` file -> DataFrame: ``read_logs().to_pandas()`` / ``.to_arrow()`` / ``.records``
                against a pandas user's own (``pd.read_csv`` + ``str.extract``, a ``re`` loop), the old
                ``json.loads`` path and a pure-Python regex building dicts (benchmarks/dataframe.py).
* ``scaling``   1/2/4 partitions and consumers; 10k/100k/N lines (CPU per line, peak RSS).

Writes docs/BENCHMARKS.md, docs/benchmarks.png and (``--json``) the raw results; ``--from-json``
renders them again without running anything.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from types import SimpleNamespace

from benchmarks import consume as C
from benchmarks import peers
from benchmarks import produce as P
from benchmarks.machine import end_meta, machine_meta
from benchmarks.measure import ROOT, PeakRss, run_measured

PY = sys.executable
KI = P.KI_CLI
SEED = 1
STAGES = ("parse", "dataframe", "produce", "consume", "e2e", "scaling")
PARSE_TOOLS = ("ours", "python-re", "syslog-ng", "rsyslog")
AIMS = {"kcat": 0.8, "e2e_original": 30.0, "cpu_bulk": 10.0, "to_arrow": 1.5e6, "to_pandas": 1e6,
        "df_peers": 10.0, "records": 3.0, "df_memory": 2.0}
# The dataframe stage: benchmarks.dataframe tool -> row name ("ours" is to_pandas, what a pandas
# user compares with).
DF_TOOLS = {"to_pandas": "ours", "to_arrow": "ours (to_arrow)", "to_pandas mt": "ours (all cores)",
            "to_arrow mt": "ours (to_arrow, all cores)", "records": "ours (records)",
            "json.loads": "original", "read_csv": "pd.read_csv + str.extract", "re loop": "re loop + pd.DataFrame",
            "pyregex dicts": "python-re dicts"}


def log(msg: str):
    print(msg, flush=True)


# ------------------------------------------------------------------------------------------------
# Workers (run as `python -m benchmarks.bench _WORKER ...`): standard library + the client only
# ------------------------------------------------------------------------------------------------

def _pyparse(inp: str, out: str) -> int:
    """Python re parser, writing NDJSON like the others."""
    from benchmarks.pyregex_parser import parse_line
    dumps = json.dumps
    n = 0
    with open(inp, encoding="utf-8", errors="surrogateescape") as f, open(out, "w", encoding="utf-8") as g:
        w = g.write
        for line in f:
            doc = parse_line(line)
            if doc is not None:
                w(dumps(doc))
                w("\n")
                n += 1
    print(json.dumps({"parsed": n}))
    return 0


def _follow_original(path: str, bootstrap: str, topic: str, total: str) -> int:
    """The original producer (split parsing + kafka-python, acks=all) tailing a growing file
    until ``total`` lines were read, then flush."""
    from kafka import KafkaProducer
    total = int(total)
    producer = KafkaProducer(bootstrap_servers=bootstrap.split(","), acks="all",
                             value_serializer=lambda v: json.dumps(v).encode("utf-8"))
    n, part = 0, ""
    with open(path, encoding="utf-8", errors="replace") as fh:
        while n < total:
            chunk = fh.readline()
            if not chunk:
                time.sleep(0.01)
                continue
            part += chunk
            if not part.endswith("\n"):
                continue
            line, part = part[:-1], ""
            n += 1
            producer.send(topic, P.split_parse(line))
    producer.flush()
    producer.close()
    print(json.dumps({"read": n}))
    return 0


# ------------------------------------------------------------------------------------------------
# Helpers
# ------------------------------------------------------------------------------------------------

def summarize(runs: list, n: int, size: int) -> dict:
    wall = statistics.median(r["wall"] for r in runs)
    return {"n": n, "wall": wall, "cpu": statistics.median(r["cpu"] for r in runs),
            "rss": statistics.median(r.get("rss", 0) for r in runs),
            "lps": n / wall if wall > 0 else 0.0, "mbps": size / 1e6 / wall if wall > 0 else 0.0,
            "min_wall": min(r["wall"] for r in runs), "max_wall": max(r["wall"] for r in runs),
            "problems": sorted({p for r in runs for p in r.get("problems", [])}), "runs": len(runs)}


def row(stage, target, tool, s, note="") -> dict:
    s = {k: v for k, v in s.items() if k not in ("stage", "target", "tool", "note")}   # s may be a row
    return {"stage": stage, "target": target, "tool": tool, "note": note, **s}


_ORDER = {"parse": 0, "dataframe": 0.5, "produce": 1, "consume": 2, "e2e": 3, "scaling-size": 4,
          "scaling-partitions": 5}


def ordered(rows) -> list:
    return sorted(rows, key=lambda r: _ORDER.get(r["stage"], 9))   # stable: run order within a stage


def count_lines(path: str) -> int:
    n = 0
    try:
        with open(path, "rb") as f:
            while True:
                b = f.read(1 << 22)
                if not b:
                    return n
                n += b.count(b"\n")
    except OSError:
        return -1


def alternate(tools, i):
    return list(tools) if i % 2 == 0 else list(tools)[::-1]


# ------------------------------------------------------------------------------------------------
# Stage: parse + encode to a file
# ------------------------------------------------------------------------------------------------

def parse_once(tool, inp, n, tmp, timeout) -> dict:
    out = os.path.join(tmp, f"parse-{tool}.ndjson")
    if tool in ("syslog-ng", "rsyslog"):
        res = peers.run_peer(tool, "file", inp, n, tmp, timeout)
        got = res["delivered"]
    else:
        cmd = ([KI, "parse", inp, "-o", out] if tool == "ours"
               else [PY, "-m", "benchmarks.bench", "_pyparse", inp, out])
        res = run_measured(cmd, tmp, timeout)
        got = count_lines(out)
        try:
            os.unlink(out)
        except OSError:
            pass
    problems = []
    if res["rc"] != 0 or res["timed_out"]:
        problems.append(f"exit code {res['rc']}{' (timed out)' if res['timed_out'] else ''}: {res['stderr'][-300:]}")
    if got != n:
        problems.append(f"wrote {got} documents, expected {n}")
    res["problems"] = problems
    log(f"  [parse] {tool:10s} wall {res['wall']:7.2f} s  cpu {res['cpu']:6.2f} s  rss {res['rss'] / 2**20:6.0f} MiB  "
        f"docs {got:,}  {'OK' if not problems else '!!! ' + '; '.join(problems)}")
    return res


def stage_parse(inp, n, size, args, tmp, tools=PARSE_TOOLS) -> list:
    tools = [t for t in tools if t not in ("syslog-ng", "rsyslog") or not peers.available(t)]
    runs = {t: [] for t in tools}
    for t in tools:   # warm-up, untimed: page cache
        if t == "ours":
            parse_once(t, inp, n, tmp, args.timeout)
    for i in range(args.runs):
        for t in alternate(tools, i):
            runs[t].append(parse_once(t, inp, n, tmp, args.timeout))
    return [row("parse", "JSON file", t, summarize(runs[t], n, size)) for t in tools]


# ------------------------------------------------------------------------------------------------
# Stage: file -> DataFrame (benchmarks/dataframe.py)
# ------------------------------------------------------------------------------------------------

def stage_dataframe(inp, n, size, args, tmp) -> list:
    from benchmarks import dataframe as D
    rows = []
    for r in D.run(n, list(DF_TOOLS), tmp=tmp, runs=args.runs, path=inp, log=log):
        walls = [w for w in r["walls"] if w == w] or [float("nan")]
        s = {"n": n, "wall": r["wall"], "cpu": r.get("cpu", 0.0), "rss": r["peak_mib"] * 2**20,
             "lps": r["rows_per_s"], "mbps": size / 1e6 / r["wall"] if r["wall"] else 0.0,
             "min_wall": min(walls), "max_wall": max(walls), "problems": r["problems"], "runs": len(r["walls"]),
             "table_mib": r["table_mib"]}
        if r["tool"].endswith(" mt"):
            s["threads"] = D.all_cores()
        rows.append(row("dataframe", "DataFrame", DF_TOOLS[r["tool"]], s))
    return rows


# ------------------------------------------------------------------------------------------------
# Stage: file -> Kafka (benchmarks/produce.py)
# ------------------------------------------------------------------------------------------------

def stage_produce(broker, files, n, size, args, tmp, tools) -> list:
    ns = SimpleNamespace(repeat=args.runs, experiments=[], no_diagnostics=True, timeout=args.timeout,
                         original_acks="all")
    tools = [t for t in tools if t not in P.PEERS or not peers.available(t)]
    out = P.bench_broker(broker, tools, files, ns, n, size, tmp, log)
    label = "Kafka 3.9 (real)" if broker.name == "kafka" else "embedded broker"
    return [row("produce", label, t, {**s, "n": n}) for t, s in out["tools"].items()]


# ------------------------------------------------------------------------------------------------
# Stage: Kafka -> search engine (benchmarks/consume.py)
# ------------------------------------------------------------------------------------------------

def consume_source(kafka, log_path, n_docs, tmp) -> dict:
    """The source topic of the consume stage: the first n_docs lines, produced once by ours
    (uncompressed: kafka-python cannot read lz4 without the lz4 module), and the curl bodies."""
    import kafkainsight as ki
    from kafkainsight.kafka import Producer
    src = os.path.join(tmp, "consume-src.log")
    with open(log_path, "rb") as f, open(src, "wb") as g:
        for i, line in enumerate(f):
            if i >= n_docs:
                break
            g.write(line)
    del ki
    topic = f"bench-consume-{uuid.uuid4().hex[:6]}"
    kafka.kc.create_topic(topic, partitions=C.PARTITIONS)
    kafka.kc.create_topic(topic + "-empty", partitions=C.PARTITIONS)
    kafka.kc.create_topic(topic + ".dlq", partitions=1)
    st = Producer(kafka.bootstrap, topic, {"compression.type": "none"}).produce_file(src)
    log(f"consume source: {st.summary()}")
    msgs, high = C.read_all(kafka.bootstrap, topic, n_docs)
    if len(msgs) != n_docs or high != n_docs:
        raise SystemExit(f"consume source check failed: topic holds {high}, read {len(msgs)}, expected {n_docs}")
    files = C.build_bulk_files(msgs, topic, tmp)
    value_bytes = sum(len(m[2]) for m in msgs)
    return {"bootstrap": kafka.bootstrap, "topic": topic, "empty_topic": topic + "-empty", "n": n_docs,
            "bulk_files": files, "value_bytes": value_bytes, "src": src}


def stage_consume(server, ctx, args, tmp, label, line_bytes) -> list:
    ns = SimpleNamespace(repeat=args.runs, timeout=args.timeout, linger=0.2, ours_args="--stop-at-end",
                         chunk=1000, original_docs=min(args.original_docs, ctx["n"]), no_warmup=False,
                         no_diagnostics=True, profile=False)
    tools = ["ours", "bulk", "original", "ceiling-p2"]
    out = C.bench_server(server, tools, ctx, ns, tmp, log)
    rows = []
    for t, s in out["tools"].items():
        s2 = {"n": s["docs"], "wall": s["wall"], "cpu": s["cpu"], "rss": s.get("rss", 0), "lps": s["dps"],
              "mbps": s["dps"] * line_bytes / 1e6, "min_wall": s["min_wall"], "max_wall": s["max_wall"],
              "problems": s["problems"], "runs": s["runs"], "server_cpu": s["server_cpu"]}
        name = {"bulk": "helpers.bulk", "ceiling-p2": "curl (ceiling)"}.get(t, t)
        rows.append(row("consume", label, name, s2))
    return rows


# ------------------------------------------------------------------------------------------------
# Stage: end to end, file -> Kafka -> search engine
# ------------------------------------------------------------------------------------------------

def _exited(proc) -> bool:
    """Has proc exited? (without reaping it: _wait4 still gets its rusage)"""
    try:
        return os.waitid(os.P_PID, proc.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:
        return True


def _wait4(proc, timeout: float):
    """Reap proc with its rusage (None when it did not exit in time)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pid, status, ru = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            return ru
        time.sleep(0.02)
    return None


def e2e_run(tool, kafka, server, n, lines, args, tmp) -> dict:
    """One end-to-end run of ``tool`` (ours | original) over the first ``n`` lines of ``lines``.

    The producer follows an (initially empty) file and the consumer runs, both started before any
    line is written. One priming line is appended and awaited (both are connected and assigned).
    Then (1) the latency phase: lines are appended at ``--e2e-rate`` lines/s for
    ``--e2e-seconds`` while ``_count`` (no refresh forced: the engine's own 1 s refresh decides
    what is searchable) is polled every 50 ms; the k-th line counts as searchable at the first
    poll that sees k documents (count-based: exact when documents become searchable in append
    order, within the interleaving of in-flight batches otherwise; polling adds <= 50 ms);
    (2) the throughput phase: all remaining lines are appended at once and the clock runs until
    ``_count`` reaches the total: lines/s = those lines / that time."""
    tag = uuid.uuid4().hex[:6]
    name = "".join(c if c.isalnum() else "-" for c in tool.lower()).strip("-")
    topic, index, group = f"e2e-{name}-{tag}", f"e2e-{name}-{tag}", f"e2e-{tag}"
    kafka.kc.create_topic(topic, partitions=P.PARTITIONS)
    kafka.kc.create_topic(topic + ".dlq", partitions=1)
    server.create_index(index)
    path = os.path.join(tmp, f"e2e-{tag}.log")
    open(path, "wb").close()
    lat_n = int(args.e2e_rate * args.e2e_seconds)
    total = n
    bulk_n = total - 1 - lat_n
    if bulk_n <= 0:
        raise SystemExit(f"e2e: {n} lines are too few for the latency phase ({lat_n} lines)")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTIC", "KAFKA_", "ES_INDEX"))}
    env["ELASTIC_PASSWORD"] = server.password
    bs = kafka.bootstrap
    if tool.startswith("ours"):
        ccmd = [KI, "consume", topic, "-b", bs, "-g", group, "--url", server.url, "--ca-certs", server.ca_path,
                "--user", server.user, "--index", index, "-X", "session.timeout.ms=6000", "--env-file", os.devnull,
                "--max-messages", str(total)] + tool.split()[1:]
        pcmd = [KI, "produce", path, "--follow", "-b", bs, "-t", topic, "-q", "--on-parse-error", "skip"]
    else:
        ccmd = [PY, C.__file__, "_worker", "original", bs, topic, group, server.url, server.ca_path, server.user,
                index, str(total), "1000"]
        pcmd = [PY, "-m", "benchmarks.bench", "_follow_original", path, bs, topic, str(total)]
    logs = {k: open(os.path.join(tmp, f"e2e-{tag}-{k}.txt"), "wb") for k in ("c.out", "c.err", "p.out", "p.err")}
    cons = subprocess.Popen(ccmd, stdout=logs["c.out"], stderr=logs["c.err"], cwd=ROOT, env=env)
    prod = subprocess.Popen(pcmd, stdout=logs["p.out"], stderr=logs["p.err"], cwd=ROOT, env=env)
    rss = PeakRss([cons.pid, prod.pid]).start()
    polls, appends, problems = [], [], []
    stop = threading.Event()

    def count():
        st, body = server.request("GET", f"/{index}/_count", timeout=30)
        return int(body["count"]) if st == 200 and isinstance(body, dict) else 0

    def poller():
        while not stop.is_set():
            t = time.perf_counter()
            try:
                polls.append((t, count()))
            except Exception:  # noqa: BLE001 - a failed poll is just a missing sample
                pass
            stop.wait(max(0.0, (0.02 if t_bulk is None else 0.05) - (time.perf_counter() - t)))

    def wait_count(k, timeout):
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            if polls and polls[-1][1] >= k:
                return True
            if _exited(cons):
                # its last documents become searchable at the engine's next refresh (1 s)
                end = time.perf_counter() + 5
                while time.perf_counter() < end and not (polls and polls[-1][1] >= k):
                    time.sleep(0.02)
                return bool(polls) and polls[-1][1] >= k
            time.sleep(0.02)
        return False

    kpolls = []

    def kafka_poller():   # when the throughput phase's lines were all in Kafka (diagnostic)
        ends = P.EndOffsets(bs, topic)
        try:
            while not stop.is_set():
                n_k = ends()
                kpolls.append((time.perf_counter(), n_k))
                if n_k >= total:
                    return
                stop.wait(0.01 if t_bulk is None else 0.05)  # finer while per-line latency is measured
        finally:
            ends.close()

    t_first = t_end = None
    t_bulk = None
    th = threading.Thread(target=poller, daemon=True)
    th.start()
    th_k = threading.Thread(target=kafka_poller, daemon=True)
    th_k.start()
    try:
        with open(path, "ab") as f:
            f.write(lines[0])
            f.flush()
            if not wait_count(1, 120):
                raise RuntimeError("the priming line never became searchable")
            # (1) latency phase: batches every 10 ms at the target rate
            t_first = time.perf_counter()
            written, per_tick = 1, max(1, int(args.e2e_rate / 100))
            while written < 1 + lat_n:
                due = t_first + (written - 1) / args.e2e_rate
                now = time.perf_counter()
                if now < due:
                    time.sleep(due - now)
                k = min(per_tick, 1 + lat_n - written)
                f.write(b"".join(lines[written:written + k]))
                f.flush()
                written += k
                appends.append((time.perf_counter(), written))
            if not wait_count(written, 120):
                raise RuntimeError(f"latency phase: only {polls[-1][1] if polls else 0} of {written} searchable")
            # (2) throughput phase: the rest at once
            t_bulk = time.perf_counter()
            for i in range(written, total, 50_000):
                f.write(b"".join(lines[i:min(i + 50_000, total)]))
            f.flush()
        if not wait_count(total, args.timeout):
            raise RuntimeError(f"throughput phase: only {polls[-1][1] if polls else 0} of {total} searchable")
        t_end = next(t for t, c in polls if c >= total)
    except Exception as e:  # noqa: BLE001 - reported as a failed run
        problems.append(str(e))
    finally:
        stop.set()
        th.join()
        th_k.join()
        rss.sample()
        peak = rss.stop()
        ru_c = _wait4(cons, 60)
        if ru_c is None:
            cons.kill()
            ru_c = _wait4(cons, 30)
            problems.append("consumer did not exit after the last document")
        if not _exited(prod) and tool.startswith("ours"):
            prod.send_signal(signal.SIGTERM)       # --follow: flush and exit 0
        ru_p = _wait4(prod, 60)
        if ru_p is None:
            prod.kill()
            ru_p = _wait4(prod, 30)
            problems.append("producer did not exit")
        for fh in logs.values():
            fh.close()
    for name, p in (("consumer", cons), ("producer", prod)):
        if p.returncode not in (0, None):
            problems.append(f"{name} exit code {p.returncode}")
    try:
        got = server.count(index)
        if got != total:
            problems.append(f"index holds {got}, expected {total}")
    except Exception as e:  # noqa: BLE001
        problems.append(f"count failed: {e}")
    server.delete_index(index)
    cpu = sum((ru.ru_utime + ru.ru_stime) for ru in (ru_c, ru_p) if ru is not None)
    def per_line(samples):
        """Seconds from each batch's append to the first sample counting its last line, one entry
        per line (a batch's lines were appended at once)."""
        out, j, prev = [], 0, 1
        for t_a, k_hi in appends:
            while j < len(samples) and samples[j][1] < k_hi:
                j += 1
            if j < len(samples):
                out += [samples[j][0] - t_a] * (k_hi - prev)
            prev = k_hi
        return sorted(out)

    lat_lines = per_line(polls) if (not problems or t_bulk) else []
    kafka_lines = per_line(kpolls) if (not problems or t_bulk) else []

    def pct(q, v=None):
        v = lat_lines if v is None else v
        return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")

    # The consumer's own figure: ki.ts (the producer's read) -> acknowledged by the engine.
    ack = (float("nan"), float("nan"))
    try:
        m = re.findall(r"latency p50=(\d+)ms p99=(\d+)ms", "".join(
            open(os.path.join(tmp, f"e2e-{tag}-c.{k}.txt"), encoding="utf-8", errors="replace").read()
            for k in ("out", "err")))
        if m:
            ack = (int(m[-1][0]) / 1e3, int(m[-1][1]) / 1e3)
    except OSError:
        pass

    wall = (t_end - t_bulk) if (t_end and t_bulk) else float("nan")
    t_k = next((t for t, c in kpolls if c >= total), None)
    in_kafka = (t_k - t_bulk) if (t_k and t_bulk) else float("nan")
    res = {"in_kafka": in_kafka, "wall": wall, "cpu": cpu, "rss": peak, "problems": problems, "p50": pct(0.50), "p99": pct(0.99),
           "kafka_p50": pct(0.50, kafka_lines), "kafka_p99": pct(0.99, kafka_lines), "ack_p50": ack[0],
           "ack_p99": ack[1], "bulk_n": bulk_n, "lat_n": lat_n, "total": total}
    log(f"  [e2e] {tool:9s} {total:,} lines: throughput phase {bulk_n:,} lines in {wall:6.2f} s "
        f"({bulk_n / wall if wall == wall and wall > 0 else 0:,.0f} lines/s; all in Kafka after {in_kafka:.2f} s), latency at {args.e2e_rate:,.0f}/s "
        f"p50 {res['p50'] * 1000:.0f} ms p99 {res['p99'] * 1000:.0f} ms (in Kafka p50 {res['kafka_p50'] * 1000:.0f} "
        f"p99 {res['kafka_p99'] * 1000:.0f}; read->acked p50 {res['ack_p50'] * 1000:.0f} p99 {res['ack_p99'] * 1000:.0f}), cpu {cpu:.2f} s, rss {peak / 2**20:.0f} MiB "
        f"{'OK' if not problems else '!!! ' + '; '.join(problems)}")
    return res


def stage_e2e(kafka, server, lines, args, tmp, line_bytes, label) -> list:
    sizes = {"ours": min(len(lines), args.e2e_lines), "original": min(len(lines), args.original_e2e_lines)}
    for v in args.e2e_variants.split(";"):
        if v.strip():
            sizes["ours " + v.strip()] = sizes["ours"]
    runs = {t: [] for t in sizes}
    for i in range(args.runs):
        for t in alternate(sizes, i):
            runs[t].append(e2e_run(t, kafka, server, sizes[t], lines, args, tmp))
    rows = []
    for t, rs in runs.items():
        ok = [r for r in rs if r["wall"] == r["wall"]] or rs
        bulk_n = rs[0]["bulk_n"]
        s = summarize([{**r, "wall": r["wall"] if r["wall"] == r["wall"] else float("inf")} for r in ok],
                      bulk_n, int(bulk_n * line_bytes))
        s["problems"] = sorted({p for r in rs for p in r["problems"]})
        s["p50"] = statistics.median(r["p50"] for r in ok)
        s["p99"] = statistics.median(r["p99"] for r in ok)
        s["in_kafka"] = statistics.median(r["in_kafka"] for r in ok)
        for k in ("kafka_p50", "kafka_p99", "ack_p50", "ack_p99"):
            s[k] = statistics.median(r.get(k, float("nan")) for r in ok)
        s["total"] = rs[0]["total"]
        s["cpu_per_line"] = statistics.median(r["cpu"] / r["total"] for r in ok)
        rows.append(row("e2e", label, t, s))
    return rows


# ------------------------------------------------------------------------------------------------
# Stage: scaling
# ------------------------------------------------------------------------------------------------

def scale_consumers(kafka, server, src, n_docs, parts, args, tmp) -> dict:
    """ours: n_docs lines produced (by ours) into a ``parts``-partition topic, then ``parts``
    consumers in one group, started together, each ending at the partitions' ends."""
    tag = uuid.uuid4().hex[:6]
    topic, index, group = f"scale-{parts}-{tag}", f"scale-{parts}-{tag}", f"scale-{tag}"
    kafka.kc.create_topic(topic, partitions=parts)
    kafka.kc.create_topic(topic + ".dlq", partitions=1)
    r = run_measured([KI, "produce", src, "-b", kafka.bootstrap, "-t", topic, "-q", "--on-parse-error", "skip"],
                     tmp, args.timeout)
    if r["rc"] != 0:
        raise RuntimeError(f"scaling: produce failed: {r['stderr'][-500:]}")
    server.create_index(index)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ELASTIC", "KAFKA_", "ES_INDEX"))}
    env["ELASTIC_PASSWORD"] = server.password
    cmd = [KI, "consume", topic, "-b", kafka.bootstrap, "-g", group, "--url", server.url, "--ca-certs",
           server.ca_path, "--user", server.user, "--index", index, "-X", "session.timeout.ms=6000",
           "--env-file", os.devnull, "--stop-at-end", "--idle-timeout", "5"]
    t0 = time.perf_counter()
    procs = [subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, cwd=ROOT, env=env)
             for _ in range(parts)]
    rss = PeakRss([p.pid for p in procs]).start()
    cpu, problems = 0.0, []
    for p in procs:
        ru = _wait4(p, args.timeout)
        if ru is None:
            p.kill()
            ru = _wait4(p, 30)
            problems.append("a consumer timed out")
        cpu += ru.ru_utime + ru.ru_stime if ru else 0.0
        if p.returncode != 0:
            problems.append(f"a consumer exited {p.returncode}: {p.stderr.read()[-300:]!r}")
        p.stderr.close()
    wall = time.perf_counter() - t0
    peak = rss.stop()
    got = server.count(index)
    if got != n_docs:
        problems.append(f"index holds {got}, expected {n_docs}")
    server.delete_index(index)
    log(f"  [scaling] {parts} partitions / consumers: {n_docs:,} docs in {wall:.2f} s ({n_docs / wall:,.0f} docs/s), "
        f"cpu {cpu:.2f} s, rss {peak / 2**20:.0f} MiB {'OK' if not problems else '!!! ' + '; '.join(problems)}")
    return {"wall": wall, "cpu": cpu, "rss": peak, "problems": problems}


def stage_scaling(kafka, server, files, lines, args, tmp, line_bytes, have) -> list:
    rows = []
    # Input size: ours parse and ours produce at 10k, 100k, N lines (N: reuse the stage figures).
    sizes = sorted({s for s in (10_000, 100_000) if s < len(lines)} | {len(lines)})
    for size in sizes:
        path = os.path.join(tmp, f"size-{size}.log")
        with open(path, "wb") as f:
            f.write(b"".join(lines[:size]))
        nbytes = os.path.getsize(path)
        if size == len(lines) and have.get(("parse", "ours")):
            p = have[("parse", "ours")]
        else:
            p = summarize([parse_once("ours", path, size, tmp, args.timeout) for _ in range(args.runs)], size, nbytes)
        rows.append(row("scaling-size", "parse -> JSON file", f"ours {size:,} lines", p))
        if kafka is None:
            continue
        if size == len(lines) and have.get(("produce", "ours")):
            q = have[("produce", "ours")]
        else:
            ns = SimpleNamespace(repeat=args.runs, experiments=[], no_diagnostics=True, timeout=args.timeout,
                                 original_acks="all")
            f2 = {"log": path, "ndjson": files["ndjson"]}
            out = P.bench_broker(kafka, ["ours"], f2, ns, size, nbytes, tmp, lambda *_: None)
            q = {**out["tools"]["ours"], "n": size}
        rows.append(row("scaling-size", "produce -> Kafka 3.9", f"ours {size:,} lines", q))
    # Partitions / consumers.
    if kafka is not None and server is not None:
        n_docs = min(len(lines), args.consume_docs)
        src = os.path.join(tmp, "scale-src.log")
        with open(src, "wb") as f:
            f.write(b"".join(lines[:n_docs]))
        for parts in (1, 2, 4):
            rs = [scale_consumers(kafka, server, src, n_docs, parts, args, tmp) for _ in range(args.runs)]
            rows.append(row("scaling-partitions", server.short_version, f"ours, {parts} partitions / consumers",
                            summarize(rs, n_docs, int(n_docs * line_bytes))))
    return rows


# ------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------

def fmt_rate(x):
    return f"{x:,.0f}" if x == x else "n/a"


def _ours_of(rows, r):
    """Ours on the same stage and target in the same run (other runs: other load, no ratio)."""
    return next((o for o in rows if o["stage"] == r["stage"] and o["target"] == r["target"] and o["tool"] == "ours"
                 and o.get("run") == r.get("run")), None)


def ratio_to_ours(rows, r):
    ours = _ours_of(rows, r)
    if not ours or not ours["lps"]:
        return float("nan")
    return r["lps"] / ours["lps"]


def us_ratio(rows, r):
    """r's CPU per line ÷ ours' (same stage, target and run)."""
    ours = _ours_of(rows, r)
    if not ours:
        return float("nan")
    per = (lambda x: x.get("cpu_per_line") or (x["cpu"] / x["n"] if x["n"] else float("nan")))
    return per(r) / per(ours) if per(ours) else float("nan")


def find(rows, stage, tool, target_has=""):
    return next((r for r in rows if r["stage"] == stage and r["tool"] == tool and target_has in r["target"]), None)


def cpu_ratio(a, b) -> float:
    """b's CPU per line ÷ a's: how many times less CPU a needs per line."""
    if not a or not b or not a["cpu"] or not a["n"] or not b["n"]:
        return float("nan")
    return (b["cpu"] / b["n"]) / (a["cpu"] / a["n"])


def _once(desc: str) -> str:
    """A tool description with a part repeated by earlier runs (\"; a; a; a\") said once."""
    parts = desc.split("; ")
    return "; ".join(p for i, p in enumerate(parts) if p not in parts[:i])


def run_of(r) -> str:
    """The run a row comes from: this one, or the earlier run it was kept from (--keep)."""
    return r.get("run", "this run")


def headline(rows) -> list:
    L = ["| aim | measured (lines/s) | by CPU per line | verdict | rows from |", "|---|---:|---:|---|---|"]

    def line(aim, ok, value, by_cpu, a, b):  # ok None: for information, no aim
        verdict = "(information)" if ok is None else "met" if ok else "**not met**"
        src = run_of(a)
        if run_of(a) != run_of(b):  # other load, maybe other input sizes: no ratio, no verdict
            value = by_cpu = "-"
            verdict = "(not compared)"
            src = f"different runs: {a['tool']} {run_of(a)}, {b['tool']} {run_of(b)}"
        L.append(f"| {aim} | {value} | {by_cpu} | {verdict} | {src} |")

    o, a = find(rows, "dataframe", "ours"), find(rows, "dataframe", "ours (to_arrow)")
    for r, key, what in ((a, "to_arrow", "to_arrow()"), (o, "to_pandas", "to_pandas()")):
        if r:
            line(f"file -> DataFrame: {what} >= {AIMS[key] / 1e6:g}M rows/s (one parsing thread)",
                 r["lps"] >= AIMS[key], f"{r['lps']:,.0f}", f"{r['cpu']:.2f} CPU-s", r, r)
    mt = find(rows, "dataframe", "ours (all cores)")
    cores = f"{mt['threads']} threads" if mt and mt.get("threads") else "all cores"
    for peer in ("pd.read_csv + str.extract", "re loop + pd.DataFrame"):
        p = find(rows, "dataframe", peer)
        for ours, how in ((o, "one thread"), (mt, cores)):
            if ours and p:
                v = ours["lps"] / p["lps"]
                line(f"file -> DataFrame: to_pandas() ({how}) >= {AIMS['df_peers']:.0f}x {peer}",
                     v >= AIMS["df_peers"], f"{v:.1f}x", f"{cpu_ratio(ours, p):.1f}x", ours, p)
    rec, py = find(rows, "dataframe", "ours (records)"), find(rows, "dataframe", "python-re dicts")
    if rec and py:
        v = rec["lps"] / py["lps"]
        line(f"file -> dicts: .records >= {AIMS['records']:.0f}x a pure-Python regex parser", v >= AIMS["records"],
             f"{v:.1f}x", f"{cpu_ratio(rec, py):.1f}x", rec, py)
    if a and a.get("table_mib"):
        v = a["rss"] / 2**20 / a["table_mib"]
        line(f"file -> DataFrame: to_arrow() peak memory within {AIMS['df_memory']:.0f}x the table",
             v <= AIMS["df_memory"], f"{v:.2f}x ({a['rss'] / 2**20:,.0f} MiB for {a['table_mib']:,.0f})", "-", a, a)
    for target in ("Kafka 3.9", "embedded"):
        o, k = find(rows, "produce", "ours", target), find(rows, "produce", "kcat", target)
        if o and k:
            v = o["lps"] / k["lps"]
            line(f"file -> Kafka ({target}): ours >= {AIMS['kcat']:.0%} of kcat", v >= AIMS["kcat"], f"{v:.0%}",
                 f"{cpu_ratio(o, k):.0%}", o, k)
        # the floor producer (benchmarks/floor_producer.c): the real ceiling, beside kcat
        for theirs in ("floor", "kcat"):
            a, b = (o, find(rows, "produce", "floor", target)) if theirs == "floor" else (
                find(rows, "produce", "floor", target), k)
            if a and b:
                v = a["lps"] / b["lps"]
                what = "ours / floor producer (C, zero-copy, same librdkafka settings)" if theirs == "floor" else \
                    "floor producer / kcat"
                line(f"file -> Kafka ({target}): {what}", None, f"{v:.0%}", f"{cpu_ratio(a, b):.0%}", a, b)
        # with the three provenance headers (--headers all): against kcat sending the same, and against plain kcat
        for mine, theirs, what in (("ours-headers", "kcat-headers", "three headers on either side"),
                                   ("ours-headers", "kcat", "ours with headers, kcat without")):
            a, b = find(rows, "produce", mine, target), find(rows, "produce", theirs, target)
            if a and b:
                v = a["lps"] / b["lps"]
                line(f"file -> Kafka ({target}): {mine} / {theirs} ({what})", None, f"{v:.0%}",
                     f"{cpu_ratio(a, b):.0%}", a, b)
        for peer in ("syslog-ng", "rsyslog"):
            p = find(rows, "produce", peer, target)
            if o and p:
                v = o["lps"] / p["lps"]
                line(f"file -> Kafka ({target}): ours ahead of {peer}", v > 1, f"{v:.2f}x", f"{cpu_ratio(o, p):.2f}x",
                     o, p)
    o, g = find(rows, "e2e", "ours"), find(rows, "e2e", "original")
    if o and g:
        v = o["lps"] / g["lps"]
        by_cpu = (g["cpu_per_line"] / o["cpu_per_line"]) if o.get("cpu_per_line") else float("nan")
        line(f"end to end: ours >= {AIMS['e2e_original']:.0f}x the original", v >= AIMS["e2e_original"], f"{v:.1f}x",
             f"{by_cpu:.1f}x", o, g)
    for target in ("OpenSearch", "EsTestServer"):
        o, b = find(rows, "consume", "ours", target), find(rows, "consume", "helpers.bulk", target)
        if o and b and o["cpu"] > 0:
            v = cpu_ratio(o, b)
            line(f"Kafka -> {target}: consumer CPU/doc >= {AIMS['cpu_bulk']:.0f}x lower than helpers.bulk",
                 v >= AIMS["cpu_bulk"], f"{o['lps'] / b['lps']:.1f}x the docs/s", f"{v:.1f}x", o, b)
        c = find(rows, "consume", "curl (ceiling)", target)
        if o and c:
            v = o["lps"] / c["lps"]
            line(f"Kafka -> {target}: ours >= 80% of the curl ceiling (docs/s)", v >= 0.8, f"{v:.0%}",
                 f"{cpu_ratio(o, c):.0%}", o, c)
    return L


def render(data) -> str:
    meta, rows = data["meta"], ordered(data["rows"])
    L = ["# Benchmarks side by side", "",
         f"Generated by `scripts/bench.sh {meta['argv']}` (benchmarks/bench.py) on {meta['date']}. "
         "**Ratios between rows of one run are the result**; absolute numbers move with the load of this "
         "shared machine. " + ("Rows not measured in this run were kept from earlier runs (`--keep`): every "
                               "table names the run of each row (`run`, `rows from`; \"this run\" = "
                               f"{meta['date']}), and a headline line whose two rows come from different runs "
                               "says so." if meta.get("kept") else "Every row comes from this run."), ""]
    L.append(f"- Machine: {meta['cpu']}, {meta['cores']} cores, {meta['os']}; **shared with other jobs** "
             f"(load average at start {meta['load']}, end {meta.get('load_end', '?')}; CPU pressure at start "
             f"{meta['psi']}, end {meta.get('psi_end', '?')})")
    v = meta["versions"]
    L.append(f"- Versions: kafkainsight {v.get('kafkainsight')} ({v.get('build', '?')}), Python {v['python']}, "
             f"kcat {v.get('kcat')}, syslog-ng {v.get('syslog-ng')}, rsyslog {v.get('rsyslog')}, kafka-python "
             f"{v.get('kafka-python')}, confluent-kafka {v.get('confluent-kafka')}, elasticsearch-py "
             f"{v.get('elasticsearch')}, curl {v.get('curl', '?')}")
    for k in ("kafka", "embedded", "engine", "testserver"):
        if meta.get(k):
            L.append(f"- {k}: {meta[k]}")
    L.append(f"- Input: {meta['lines']:,} apache_combined lines in flog's format (`kafkainsight generate`, "
             f"seed {SEED}), {meta['size'] / 1e6:.1f} MB ({meta['line_bytes']:.0f} B/line); every stage reads "
             f"these lines (consume and the partition scaling: the first {meta['consume_docs']:,})")
    if meta.get("kept"):
        L.append(f"- Kept from earlier runs (same generator and seed; their `lines` column gives their input size): "
                 f"{meta['kept']}")
    L.append(f"- Every figure: median of {meta['runs']} runs, tools alternating; each tool is its own process "
             "(CPU-s = its user+sys; peak RSS = its VmHWM, sampled); every run's output was counted")
    L.append("")
    L.append("## Headline")
    L.append("")
    L.extend(headline(rows))
    L.append("")
    L.append("![benchmarks chart](benchmarks.png)")
    L.append("")
    L.append("## All figures")
    L.append("")
    L.append("lines/s: lines (= documents) per wall second; MB/s: the same in raw log bytes; CPU-s: user+sys "
             "of the tool's process(es) for the whole run; peak RSS in MiB; × ours: lines/s ÷ ours' lines/s "
             "on the same stage and target in the same run (nan: ours has no row in that run).")
    L.append("")
    L.append("| stage | target | tool | lines | lines/s | MB/s | CPU-s | CPU µs/line | peak RSS MiB | × ours | "
             "CPU/line ÷ ours' | run |")
    L.append("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for r in rows:
        if r["stage"] not in ("parse", "dataframe", "produce", "consume", "e2e"):
            continue
        flag = " **FAILED: " + "; ".join(r["problems"])[:200] + "**" if r["problems"] else ""
        cpu = r["cpu"]
        us = r.get("cpu_per_line", cpu / r["n"] if r["n"] else 0) * 1e6
        L.append(f"| {r['stage']} | {r['target']} | {r['tool']}{flag} | {r['n']:,} | {fmt_rate(r['lps'])} | "
                 f"{r['mbps']:.1f} | {cpu:.2f} | {us:.1f} | {r['rss'] / 2**20:.0f} | {ratio_to_ours(rows, r):.3f} | "
                 f"{us_ratio(rows, r):.2f} | {run_of(r)} |")
    L.append("")
    e2e = [r for r in rows if r["stage"] == "e2e"]
    if e2e:
        L.append("## End to end: latency")
        L.append("")
        L.append(f"Latency from a line's append to the file until it is searchable, at {meta['e2e_rate']:,.0f} "
                 f"lines/s for {meta['e2e_seconds']:.0f} s (the producer follows the file; the consumer writes "
                 "to the engine; nothing forces a refresh, the engine's default 1 s refresh interval decides when "
                 "a document becomes searchable). Method: `_count` is polled every 20 ms (50 ms in runs before "
                 "2026-12-05); the k-th line is taken "
                 "as searchable at the first poll that counts k documents (count-based: exact while documents "
                 "become searchable in append order, otherwise within the interleaving of batches in flight; "
                 "polling adds up to one interval). Then the rest of the lines are appended at once: that is the "
                 "lines/s above (the original pipeline gets fewer lines, see `lines`). CPU µs/line: producer + "
                 "consumer over the whole run.")
        L.append("")
        L.append("Latency breakdown (p50 / p99 ms): **in Kafka** = append -> the line counted in the topic's "
                 "end offsets (polled every 10 ms, count-based like `_count`: the producer's read, parse, linger "
                 "and Kafka's acknowledged append); **read -> acked** = the consumer's own figure, from the "
                 "producer's read time (header `ki.ts`) to the engine's bulk acknowledgement (Kafka fetch, "
                 "consumer batching, the bulk request), over **every** line of the run: the throughput phase's "
                 "backlog included, so it is not the 20 lines/s figure (that one, against a server that makes "
                 "documents searchable at once: `latency_20_lines_per_s` in RELIABILITY.md); **searchable** = append -> counted by `_count`; what "
                 "lies between acknowledged and searchable is the engine's refresh (1 s interval: on average "
                 "half of it). Rows without a breakdown come from runs before it was measured.")
        L.append("")
        L.append("| pipeline | lines | throughput lines/s | of which: all in Kafka after s | all searchable after s "
                 "| p50 ms | p99 ms | in Kafka p50 / p99 | read -> acked p50 / p99 | CPU µs/line | "
                 "peak RSS MiB (both) | run |")
        L.append("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")

        def pair(r, a, b):
            x, y = r.get(a, float("nan")), r.get(b, float("nan"))
            return "-" if x != x else f"{x * 1e3:.0f} / {y * 1e3:.0f}"
        for r in e2e:
            L.append(f"| {r['tool']} | {r['total']:,} | {fmt_rate(r['lps'])} | {r.get('in_kafka', float('nan')):.2f} | "
                     f"{r['wall']:.2f} | {r['p50'] * 1e3:.0f} | {r['p99'] * 1e3:.0f} | "
                     f"{pair(r, 'kafka_p50', 'kafka_p99')} | {pair(r, 'ack_p50', 'ack_p99')} | "
                     f"{r['cpu_per_line'] * 1e6:.1f} | {r['rss'] / 2**20:.0f} | {run_of(r)} |")
        L.append("")
    sc = [r for r in rows if r["stage"].startswith("scaling")]
    if sc:
        L.append("## Scaling")
        L.append("")
        L.append("| what | target | lines | lines/s | CPU-s | CPU µs/line | peak RSS MiB |")
        L.append("|---|---|---:|---:|---:|---:|---:|")
        for r in sc:
            flag = " **FAILED**" if r["problems"] else ""
            L.append(f"| {r['tool']}{flag} | {r['target']} | {r['n']:,} | {fmt_rate(r['lps'])} | {r['cpu']:.2f} | "
                     f"{r['cpu'] / r['n'] * 1e6:.2f} | {r['rss'] / 2**20:.0f} |")
        L.append("")
    L.append("## Reading the table")
    L.append("")
    L.append("- The machine has 2 cores shared with other agents' builds and tests (see the load and CPU pressure "
             "above): wall times stretch when a tool is descheduled, so a tool's CPU-s is often well below its "
             "wall time. CPU per line moves much less than lines/s; both ratios are shown.")
    L.append("- Daemons (syslog-ng, rsyslog) never exit by themselves: they are timed from spawn until their "
             "output holds all lines (file line count or the topic's end offsets), start-up included like "
             "everyone else's; their CPU is read just before they are stopped.")
    L.append("- Peak RSS of the librdkafka producers (ours, kcat, syslog-ng, rsyslog, confluent) includes "
             "librdkafka's send queue: up to `queue.buffering.max.messages` (100,000 by default) messages wait "
             "there for the broker's acknowledgement. Below that many lines the whole input fits in the queue, so "
             "peak RSS rises with input size up to 100k lines and then meets the cap (Scaling: 40, 78, 134 MiB at "
             "10k, 100k, 1M lines); a run beyond 1M lines would show the plateau (not done here). The consumer "
             "rows with several consumers add up their processes' RSS.")
    L.append("- The original pipeline's per-document rows use fewer documents (`lines` column): one request per "
             "document on OpenSearch pays one translog fsync each (about 100-300 docs/s here).")
    L.append("")
    L.append("## How each tool was configured")
    L.append("")
    for k, d in meta["tools"].items():
        L.append(f"- **{k}**: {d}")
    L.append("")
    if os.path.exists(os.path.join(ROOT, "docs", "BENCHMARKS_PROFILE.md")):
        L.append("Where we fall short and where the time goes (perf profiles): "
                 "[BENCHMARKS_PROFILE.md](BENCHMARKS_PROFILE.md).")
        L.append("")
    if os.path.exists(os.path.join(ROOT, "docs", "BENCHMARKS_NOTES.md")):
        L.append("What was measured, stage by stage, and what it means (written by hand): "
                 "[BENCHMARKS_NOTES.md](BENCHMARKS_NOTES.md).")
        L.append("")
    bad = [r for r in rows if r["problems"]]
    L.append("## Verification")
    L.append("")
    if bad:
        for r in bad:
            L.append(f"- **FAILED** {r['stage']} / {r['target']} / {r['tool']}: {'; '.join(r['problems'])[:500]}")
    else:
        L.append("Every timed run delivered every line: parse outputs held N documents; Kafka topics held N "
                 "messages (read back, or end offsets on the embedded broker); indexes held N documents "
                 "(`_refresh` + `_count`); every tool exited 0 (daemons: stopped by us after delivering).")
    L.append("")
    return "\n".join(L)


# The README's short table: per stage, the target to show (first found) and its label.
README_STAGES = (("parse", ("JSON file",), "parse + encode", "ours"),
                 ("dataframe", ("DataFrame",), "file -> pandas DataFrame (one thread)", "ours"),
                 ("dataframe", ("DataFrame",), "file -> pandas DataFrame (all cores)", "ours (all cores)"),
                 ("produce", ("Kafka 3.9", "embedded"), "file -> Kafka, acks=all", "ours"),
                 ("consume", ("OpenSearch", "EsTestServer"), "Kafka -> search engine, acknowledged", "ours"),
                 ("e2e", ("",), "end to end", "ours"))


def render_readme(data) -> str:
    """The README's short table: per stage, ours against the original and the peers, lines/s
    (the full table, the aims and the method are in docs/BENCHMARKS.md)."""
    meta, rows = data["meta"], ordered(data["rows"])
    L = ["<!-- BENCH-TABLE (written by scripts/bench.sh --readme README.md) -->",
         f"{meta['lines']:,} apache_combined lines, median of {meta['runs']} runs, {meta['date']}, "
         f"{meta['cores']}-core machine shared with other jobs (consume and end to end: fewer documents). Lines "
         "(documents) per second, ours ÷ theirs in brackets; kcat and curl send pre-built messages (the ceilings). "
         "Full table, aims, method and versions: [docs/BENCHMARKS.md](docs/BENCHMARKS.md).", "",
         "| stage | target | **ours** | the original | peers |", "|---|---|---:|---|---|"]
    kept = []
    for stage, targets, label, tool in README_STAGES:
        target = next((t for t in targets if find(rows, stage, tool, t)), None)
        if target is None:
            continue
        ours = find(rows, stage, tool, target)
        rs = [r for r in rows if r["stage"] == stage and r["target"] == ours["target"]]

        def cell(r):
            flag = " FAILED" if r["problems"] else ""
            x = ours["lps"] / r["lps"] if r["lps"] else float("nan")
            return f"{fmt_rate(r['lps'])} ({x:.2f}x){flag}" if x < 10 else f"{fmt_rate(r['lps'])} ({x:.1f}x){flag}"
        orig = next((r for r in rs if r["tool"] == "original"), None)
        peers_ = sorted((r for r in rs if r["tool"] not in ("ours", "original") and not r["tool"].startswith("ours")
                         and not r["tool"].endswith(("-headers", "dicts"))), key=lambda r: -r["lps"])
        peer_cells = ", ".join(r["tool"] + " " + cell(r) for r in peers_) or "–"
        L.append(f"| {label} | {ours['target']} | {fmt_rate(ours['lps'])}{' FAILED' if ours['problems'] else ''} | "
                 f"{cell(orig) if orig else '–'} | {peer_cells} |")
        if run_of(ours) not in ("this run", meta["date"]):
            kept.append((label, run_of(ours)))
    if kept:  # the header's date is this run's: say which rows an earlier run measured
        runs: dict = {}
        for label, run in kept:
            runs.setdefault(run, []).append(label)
        L += ["", "; ".join(f"Rows of the run of {run}: " + " / ".join(ls) for run, ls in runs.items()) + "."]
    L += ["", "![ours vs peers, lines/s per stage](docs/benchmarks.png)", "<!-- /BENCH-TABLE -->"]
    return "\n".join(L)


def update_readme(data, path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    start = text.find("<!-- BENCH-TABLE")
    if start < 0:
        raise SystemExit(f"{path}: no <!-- BENCH-TABLE --> marker")
    end = text.find("<!-- /BENCH-TABLE -->", start)
    end = end + len("<!-- /BENCH-TABLE -->") if end >= 0 else text.find("-->", start) + 3
    with open(path, "w", encoding="utf-8") as f:
        f.write(text[:start] + render_readme(data) + text[end:])


def chart(data, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    rows = data["rows"]
    panels = [("parse", "JSON file", "parse + encode -> JSON file"),
              ("dataframe", "DataFrame", "file -> DataFrame (rows/s; dicts for records / python-re)"),
              ("produce", "Kafka 3.9", "file -> Kafka (acknowledged)"),
              ("consume", "OpenSearch", "Kafka -> OpenSearch (acknowledged)"),
              ("e2e", "", "end to end: file -> Kafka -> OpenSearch")]
    panels = [p for p in panels if any(r["stage"] == p[0] and p[1] in r["target"] for r in rows)]
    if not panels:
        return
    fig, axes = plt.subplots(len(panels), 1, figsize=(9, 1.0 + 1.25 * sum(
        len([r for r in rows if r["stage"] == s and t in r["target"]]) * 0.45 + 0.6 for s, t, _ in panels)))
    if len(panels) == 1:
        axes = [axes]
    for ax, (stage, target, title) in zip(axes, panels):
        rs = [r for r in rows if r["stage"] == stage and target in r["target"]]
        rs.sort(key=lambda r: r["lps"])
        names = [r["tool"] for r in rs]
        vals = [max(r["lps"], 1) for r in rs]
        colors = ["#d62728" if r["tool"] == "ours" else "#7f7f7f" for r in rs]
        ax.barh(names, vals, color=colors)
        ax.set_xscale("log")
        ax.set_title(title, fontsize=10, loc="left")
        for i, r in enumerate(rs):
            x = ratio_to_ours(rows, r)
            ax.text(vals[i] * 1.08, i, f"{r['lps']:,.0f}/s ({x:.2f}x ours)" if r["tool"] != "ours"
                    else f"{r['lps']:,.0f}/s", va="center", fontsize=8)
        ax.set_xlim(min(vals) / 2, max(vals) * 12)
        ax.tick_params(axis="y", labelsize=8)
    axes[-1].set_xlabel("lines per second (log scale; median of runs)")
    fig.suptitle(f"KafkaInsight vs peers, {data['meta']['lines']:,} apache_combined lines, "
                 f"{data['meta']['cores']}-core shared machine", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


# ------------------------------------------------------------------------------------------------

def versions() -> dict:
    v = {**C.versions(), **P.versions(), **peers.versions()}
    return v


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_pyparse":
        return _pyparse(*argv[1:])
    if argv and argv[0] == "_follow_original":
        return _follow_original(*argv[1:])
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lines", type=int, default=1_000_000, help="input lines (default 1,000,000)")
    ap.add_argument("--runs", type=int, default=3, help="runs per figure; the median is reported")
    ap.add_argument("--stages", default=",".join(STAGES), help="comma list of " + ",".join(STAGES))
    ap.add_argument("--brokers", default="kafka,embedded", help="produce stage: kafka (real), embedded")
    ap.add_argument("--servers", default="engine,testserver", help="consume stage: engine (real), testserver")
    ap.add_argument("--kafka-tools", default=",".join(P.ALL_TOOLS), help="produce stage on the real Kafka: tools")
    ap.add_argument("--embedded-tools", default="ours,ours-headers,kcat,kcat-headers,floor,confluent,syslog-ng,rsyslog",
                    help="produce tools on the embedded broker (the original is run on the real one)")
    ap.add_argument("--consume-docs", type=int, default=100_000,
                    help="documents for the consume stage and the partition scaling (first lines of the input)")
    ap.add_argument("--original-docs", type=int, default=2_000,
                    help="cap for the per-document original consumer (~50 docs/s on OpenSearch: one fsync each)")
    ap.add_argument("--e2e-lines", type=int, default=100_000, help="lines for ours end to end")
    ap.add_argument("--original-e2e-lines", type=int, default=2_000, help="lines for the original end to end")
    ap.add_argument("--e2e-rate", type=float, default=20,
                    help="lines/s during the latency phase (live traffic both pipelines keep up with)")
    ap.add_argument("--e2e-variants", default="--linger 0.1",
                    help='";"-separated extra consumer arguments for more ours rows in e2e ("" = none)')
    ap.add_argument("--e2e-seconds", type=float, default=10, help="length of the latency phase")
    ap.add_argument("--timeout", type=float, default=1200, help="seconds per run before it is stopped")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCHMARKS.md"))
    ap.add_argument("--chart", default=None, help="PNG (default: benchmarks.png next to --out)")
    ap.add_argument("--json", default="", help="write the raw results here (after every stage)")
    ap.add_argument("--keep", default="",
                    help="a --json file of an earlier run: keep its rows of the stages not run now")
    ap.add_argument("--readme", default="", help="also put the table into this README (between BENCH-TABLE markers)")
    ap.add_argument("--from-json", default="", help="only render --out and --chart from a --json file")
    args = ap.parse_args(argv)
    args.chart = args.chart or os.path.join(os.path.dirname(os.path.abspath(args.out)), "benchmarks.png")
    stages = [s.strip() for s in args.stages.split(",") if s.strip()]
    brokers = [b.strip() for b in args.brokers.split(",") if b.strip()]
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    bad = [s for s in stages if s not in STAGES] + [b for b in brokers if b not in ("kafka", "embedded")] + \
          [s for s in servers if s not in ("engine", "testserver")]
    if bad:
        ap.error(f"unknown stage/broker/server: {bad}")

    def write(data):
        for r in data["rows"]:
            r.setdefault("run", data["meta"]["date"])
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(data, f, indent=1, default=str)
        if args.out:
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out, "w", encoding="utf-8") as f:
                f.write(render(data))
            chart(data, args.chart)
        if args.readme:
            update_readme(data, args.readme)

    if args.from_json:
        with open(args.from_json, encoding="utf-8") as f:
            write(json.load(f))
        log(f"wrote {args.out} and {args.chart}")
        return 0

    import kafkainsight as ki
    meta = machine_meta(versions(), argv=" ".join(argv), lines=args.lines, runs=args.runs,
                        consume_docs=min(args.lines, args.consume_docs), e2e_rate=args.e2e_rate,
                        e2e_seconds=args.e2e_seconds, tools={})
    data = {"meta": meta, "rows": []}
    rows = data["rows"]
    if args.keep:
        with open(args.keep, encoding="utf-8") as f:
            old = json.load(f)
        kept = [r for r in old["rows"] if r["stage"].split("-")[0] not in stages]
        rows += kept
        by_run: dict = {}
        for r in kept:  # each row remembers its own run, also across several --keep generations
            r.setdefault("run", old["meta"]["date"])
            by_run.setdefault(r["run"], set()).add(r["stage"])
        meta["kept"] = f"{len(kept)} rows: " + "; ".join(
            f"{', '.join(sorted(st))} from the run of {run}" for run, st in sorted(by_run.items()))
        kept_stages = {r["stage"].split("-")[0] for r in kept}  # tool keys read "name (stage)"
        meta["tools"].update({k: _once(v) for k, v in old["meta"].get("tools", {}).items()
                              if k.rsplit("(", 1)[-1].rstrip(")") in kept_stages})
        for k in ("kafka", "embedded", "engine", "testserver"):  # what the kept rows ran on
            if k in old["meta"]:
                meta[k] = old["meta"][k]
    kc = kafka = engine = testserver = embedded = None
    with tempfile.TemporaryDirectory(prefix="bench.") as tmp:
        files = {"log": os.path.join(tmp, "apache_combined.log"), "ndjson": os.path.join(tmp, "apache_combined.ndjson")}
        t0 = time.monotonic()
        ki.generate("apache_combined", args.lines, output=files["log"], seed=SEED)
        conv = ki._core.convert([files["log"]], output=files["ndjson"])
        if conv.parsed != args.lines:
            raise SystemExit(f"input check failed: {conv}")
        with open(files["log"], "rb") as f:
            lines = f.readlines()
        size = os.path.getsize(files["log"])
        meta["size"], meta["line_bytes"] = size, size / args.lines
        log(f"input: {args.lines:,} lines, {size / 1e6:.1f} MB ({time.monotonic() - t0:.1f} s)")
        for t in PARSE_TOOLS + tuple(P.ALL_TOOLS):
            why = peers.available(t) if t in ("syslog-ng", "rsyslog") else None
            if why:
                meta["tools"][t] = f"skipped: {why}"
                log(f"!!! {t} skipped: {why}")
        meta["tools"].setdefault("ours (parse)", "`kafkainsight parse FILE -o OUT.ndjson` (C++ parse + ECS encode, one thread)")
        meta["tools"]["python-re (parse)"] = ("benchmarks/pyregex_parser.py: compiled regexes + json.dumps, "
                                              "writing NDJSON (`python -m benchmarks.bench _pyparse`)")
        for t in ("syslog-ng", "rsyslog"):
            if not peers.available(t):
                meta["tools"][f"{t} (parse)"] = peers.describe(t, "file")
                meta["tools"][f"{t} (produce)"] = peers.describe(t, "kafka")
        try:
            need_kafka = any(s in stages for s in ("consume", "e2e", "scaling")) or \
                ("produce" in stages and "kafka" in brokers)
            if need_kafka:
                from tests.kafka_harness.cluster import KafkaCluster
                t0 = time.monotonic()
                kc = KafkaCluster(nodes=1, extra_config={"auto.create.topics.enable": "false"})
                kc.start()
                kafka = P.RealKafka(kc)
                meta["kafka"] = kafka.version
                log(f"kafka {kc.version} at {kc.bootstrap} (up in {time.monotonic() - t0:.1f} s)")
            if "parse" in stages:
                log("== stage parse")
                rows += stage_parse(files["log"], args.lines, size, args, tmp)
                write(data)
            if "dataframe" in stages:
                log("== stage dataframe")
                rows += stage_dataframe(files["log"], args.lines, size, args, tmp)
                meta["tools"].update({
                    "ours (dataframe)": "`ki.read_logs(path, threads=1).to_pandas()`: C++ parse -> typed columns "
                                        "-> Arrow (no copy) -> Arrow-backed pandas; `(to_arrow)`: the pyarrow.Table; "
                                        "`(records)`: dicts built in C++; `(all cores)`: read_logs' default threads "
                                        "(one per CPU: parts of the file parsed at once, joined in input order)",
                    "original (dataframe)": "the old path: C++ JSON text + `json.loads` per document + "
                                            "`pd.json_normalize`",
                    "pd.read_csv + str.extract (dataframe)": "`pd.read_csv(sep=' ')` (C engine) + "
                                                             "`Series.str.extract` for the request + `pd.to_datetime`",
                    "re loop + pd.DataFrame (dataframe)": "a compiled `re` over every line into `pd.DataFrame` + "
                                                          "`to_datetime` / `to_numeric`",
                    "python-re dicts (dataframe)": "benchmarks/pyregex_parser.py building the same nested dicts as "
                                                   "`.records` (compare with ours (records))"})
                write(data)
            if "produce" in stages:
                for b in brokers:
                    log(f"== stage produce ({b})")
                    if b == "kafka":
                        rows += stage_produce(kafka, files, args.lines, size, args, tmp,
                                              [t.strip() for t in args.kafka_tools.split(",") if t.strip()])
                    else:
                        embedded = P.Embedded()
                        meta["embedded"] = embedded.version + "; each partition keeps only ~5 MB, so counts are end offsets"
                        try:
                            tools = [t.strip() for t in args.embedded_tools.split(",") if t.strip()]
                            rows += stage_produce(embedded, files, args.lines, size, args, tmp, tools)
                        finally:
                            embedded.close()
                    write(data)
                for t in P.ALL_TOOLS:
                    if t in P.TOOL_DESC:
                        meta["tools"][f"{t} (produce)"] = meta["tools"].get(f"{t} (produce)", P.TOOL_DESC[t])
                meta["tools"]["original (produce)"] = (P.TOOL_DESC["original"] + "; acks=all, other settings "
                                                       "kafka-python defaults (linger 0, no compression, no idempotence)")
            ctx = None
            for s in servers:
                if not any(x in stages for x in ("consume", "e2e", "scaling")):
                    break
                if s == "testserver" and "consume" not in stages:
                    continue
                t0 = time.monotonic()
                server = C.TestServer() if s == "testserver" else C.Engine()
                meta[s] = server.version
                log(f"{s}: {server.version} at {server.url} (up in {time.monotonic() - t0:.1f} s)")
                try:
                    if "consume" in stages:
                        log(f"== stage consume ({s})")
                        if ctx is None:
                            ctx = consume_source(kafka, files["log"], min(args.lines, args.consume_docs), tmp)
                        rows += stage_consume(server, ctx, args, tmp, server.short_version, meta["line_bytes"])
                        for t in ("ours", "bulk", "original", "ceiling-p2"):
                            meta["tools"][f"{t} (consume)"] = C.TOOL_DESC[t].format(chunk=1000) + (
                                " plus `--stop-at-end`" if t == "ours" else "")
                        write(data)
                    if s == "engine" and "e2e" in stages:
                        log("== stage e2e")
                        rows += stage_e2e(kafka, server, lines, args, tmp, meta["line_bytes"], server.short_version)
                        meta["tools"]["ours (e2e)"] = ("`kafkainsight produce FILE --follow` + `kafkainsight consume "
                                                       "--max-messages N` (defaults: acks=all, lz4, linger 20 ms, "
                                                       "flushed when caught up; bulk create, 4 in flight, adaptive "
                                                       "flush)")
                        meta["tools"]["original (e2e)"] = ("split parsing + kafka-python tailing the file (acks=all) + "
                                                           "kafka-python consumer with one `es.index()` per document")
                        write(data)
                    if s == "engine" and "scaling" in stages:
                        log("== stage scaling")
                        have = {(r["stage"], r["tool"]): r for r in rows
                                if r["target"].startswith(("JSON", "Kafka 3.9"))}
                        rows += stage_scaling(kafka, server, files, lines, args, tmp, meta["line_bytes"], have)
                        write(data)
                finally:
                    server.close()
        finally:
            if kc is not None:
                kc.stop()
    if args.keep:  # rows of the stages run now that this run did not measure (tools left out): kept too
        have = {(r["stage"], r["target"], r["tool"]) for r in rows}
        more = [r for r in old["rows"] if r["stage"].split("-")[0] in stages
                and (r["stage"], r["target"], r["tool"]) not in have]
        for r in more:
            r.setdefault("run", old["meta"]["date"])
        if more:
            rows += more
            meta["kept"] = (meta.get("kept", "") + ("; " if meta.get("kept") else "") + f"{len(more)} rows of the "
                            "stages run now that this run did not measure: " + ", ".join(
                                f"{r['stage']}/{r['target']}/{r['tool']} ({r['run']})" for r in more))
    end_meta(meta)
    write(data)
    log("\n" + render(data))
    log(f"wrote {args.out} and {args.chart}")
    failed = [r for r in rows if r["problems"]]
    if failed:
        print("\n!!! SOME RUNS FAILED: see the FAILED rows !!!", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
