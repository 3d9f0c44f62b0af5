"""Log file -> DataFrame, side by side: ``python -m benchmarks.dataframe [--lines N]``.

One input: N apache_combined lines (our flog-compatible generator, seed 1; default 1,000,000).
Every tool runs ``--runs`` times (default 3), each time in its own process, the order alternating;
the median run is kept. A run reports its wall time from the file to the finished table (imports
done before), its CPU time over the same span (every thread of the process), its peak RSS over
the RSS after imports, and the table's own size. Nothing of ours here is parallel: one thread
parses, except in the ``mt`` rows. The input is synced to disk and read once before timing (page cache for everyone alike):

* ``to_arrow``       ki.read_logs(path, threads=1).to_arrow()   (C++ parse -> typed columns -> Arrow, no copy)
* ``to_pandas``      ki.read_logs(path, threads=1).to_pandas()  (the same, to Arrow-backed pandas)
* ``to_arrow mt``, ``to_pandas mt``: the same with read_logs' default threads (one per CPU, at most
  8): the file cut into parts at line starts, parsed at once, joined in input order
* ``records``        ki.read_logs(path, threads=1).records      (dicts built in C++)
* ``json.loads``     the old path: C++ JSON text + json.loads per document + pd.json_normalize
* ``read_csv``       a pandas user's own: pd.read_csv(sep=' ') + Series.str.extract + to_datetime
* ``re loop``        a Python ``re`` loop into pd.DataFrame + to_datetime
* ``pyregex dicts``  benchmarks/pyregex_parser.py building the same nested dicts as ``records``

``--search N`` adds the search engine into a DataFrame: N documents bulk-indexed into the real
search engine of the tests (tests/search_harness: OpenSearch 3.8 behind nginx TLS) and force-merged
to one segment, then read back whole by ``ki.search(...).to_pandas()`` and by
``elasticsearch.helpers.scan`` + ``pd.json_normalize``. A fresh engine's JIT makes its first reads
2-3x slower, so the engine is warmed first: untimed helpers.scan reads (each followed by one
ki.search) until two scans in a row agree within 10% (at least 3, at most 8). Then each tool runs
``--search-runs`` times (default 3), one process a run, the order alternating run by run; the
table shows the median and the line under it every run. Each tool's modules (pyarrow and
kafkainsight; elasticsearch; eland) are imported before its clock starts.

``--search-engine es8`` runs the search rows against a real Elasticsearch 8.19 instead
(kafkainsight.sandbox.search's es8 line: Elasticsearch's integration-test distribution from Maven
Central, behind the same nginx TLS front); ``os3`` (OpenSearch 3) is the default.

``--eland`` adds eland's ``eland.DataFrame(es, index).to_pandas()``, run by the python of a
separate venv (made with pip if missing: eland pins its own pandas and client): build/eland8-venv
with ``eland>=8.15,<9`` (the elasticsearch 8 client) for es8, build/eland-venv with eland 9 else.
Against OpenSearch it fails: eland 9.2.0 (and 8.18.2) open a point in time with Elasticsearch's
``POST /<index>/_pit``, which OpenSearch does not have (its PIT is ``/_search/point_in_time``):
``BadRequestError(400, 'no handler found for uri [/bench-search/_pit] and method [POST]')``, after
warning that its major version (9) does not match the server's (3.8.0). The failure is printed
under the table; no server version is faked.

Writes docs/BENCHMARKS-DATAFRAME.md (``--out``) and prints the table.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOOLS = ("to_arrow", "to_pandas", "to_arrow mt", "to_pandas mt", "records", "json.loads", "read_csv", "re loop",
         "pyregex dicts")
# Files larger than memory into Parquet, batch by batch (--tools): iter_batches (its next batch read
# ahead on a thread of its own) and a pandas user's read_csv(chunksize=) with the read_csv tool's steps.
PARQUET_TOOLS = ("iter_batches parquet", "read_csv chunks parquet")
PARQUET_BATCH = 100_000


def all_cores() -> int:
    """read_logs' default threads: the CPUs this process may use, at most 8."""
    return min(len(os.sched_getaffinity(0)), 8)

COMBINED_RE = (r'^(\S+) (\S+) (\S+) \[([^\]]+)\] "(\S+) (\S+) (\S+)" (\d{3}) (\d+|-) "([^"]*)" "([^"]*)"$')


def rss_mib() -> float:
    return proc_status_mib("VmRSS")


def proc_status_mib(key: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def frame_bytes(obj) -> int:
    if hasattr(obj, "nbytes") and not hasattr(obj, "memory_usage"):
        return int(obj.nbytes)  # pyarrow.Table
    if hasattr(obj, "memory_usage"):
        return int(obj.memory_usage(deep=True).sum())
    return 0


CSV_ARGS = dict(sep=" ", header=None, quotechar='"', escapechar="\\", engine="c",
                names=["ip", "ident", "user", "time", "tz", "request", "status", "bytes", "referrer", "agent"],
                na_values=["-"], keep_default_na=False)


def csv_frame(df):
    """The read_csv tool's steps after reading: the request split, the time parsed."""
    import pandas as pd
    req = df["request"].str.extract(r"^(\S+) (\S+) (\S+)$")
    df["method"], df["path"], df["protocol"] = req[0], req[1], req[2]
    df["@timestamp"] = pd.to_datetime(df["time"].str.lstrip("[") + df["tz"].str.rstrip("]"),
                                      format="%d/%b/%Y:%H:%M:%S%z", utc=True)
    return df.drop(columns=["time", "tz", "request"])


class Rows:
    """What a batch-by-batch tool keeps: the row count (its output went to a file)."""
    n = 0

    def __len__(self):
        return self.n


def worker(tool: str, path: str) -> dict:
    import pandas as pd
    import pyarrow  # noqa: F401  (imported before the baseline RSS for every tool alike)
    import kafkainsight as ki
    sys.path.insert(0, ROOT)
    from benchmarks import pyregex_parser as P
    import re
    # numpy's OpenBLAS threads spin for ~0.1 s after the import; a notebook's imports are long
    # done when it reads a file, so the clock starts once they sleep (every tool alike).
    time.sleep(0.3)
    base = rss_mib()
    ru0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    if tool == "to_arrow":
        out = ki.read_logs(path, threads=1).to_arrow()
    elif tool == "to_pandas":
        out = ki.read_logs(path, threads=1).to_pandas()
    elif tool == "to_arrow mt":  # read_logs' default: a thread per CPU
        out = ki.read_logs(path).to_arrow()
    elif tool == "to_pandas mt":
        out = ki.read_logs(path).to_pandas()
    elif tool == "records":
        out = ki.read_logs(path, threads=1).records
    elif tool == "json.loads":
        out = pd.json_normalize([json.loads(d) for d in ki.read_logs(path).docs])
    elif tool == "read_csv":
        out = csv_frame(pd.read_csv(path, **CSV_ARGS))
    elif tool == "iter_batches parquet":
        import pyarrow.parquet as pq
        out, writer = Rows(), None
        for b in ki.iter_batches(path, batch_size=PARQUET_BATCH):
            writer = writer or pq.ParquetWriter(path + ".ki.parquet", b.schema)
            writer.write_batch(b)  # every batch of this file has one schema; a mismatch raises
            out.n += b.num_rows
        writer.close()
    elif tool == "read_csv chunks parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq
        out, writer = Rows(), None
        for chunk in pd.read_csv(path, chunksize=PARQUET_BATCH, **CSV_ARGS):
            t = pa.Table.from_pandas(csv_frame(chunk), preserve_index=False)
            writer = writer or pq.ParquetWriter(path + ".csv.parquet", t.schema)
            writer.write_table(t)
            out.n += t.num_rows
        writer.close()
    elif tool == "re loop":
        rx = re.compile(COMBINED_RE)
        rows = []
        with open(path, encoding="utf-8", errors="replace") as f:
            for line in f:
                m = rx.match(line.rstrip("\n"))
                if m:
                    rows.append(m.groups())
        df = pd.DataFrame(rows, columns=["ip", "ident", "user", "time", "method", "path", "protocol", "status",
                                         "bytes", "referrer", "agent"])
        df["status"] = df["status"].astype("int64")
        df["bytes"] = pd.to_numeric(df["bytes"], errors="coerce")
        df["@timestamp"] = pd.to_datetime(df["time"], format="%d/%b/%Y:%H:%M:%S %z", utc=True)
        out = df.drop(columns=["time"])
    elif tool == "pyregex dicts":
        with open(path, encoding="utf-8", errors="replace") as f:
            out = [d for d in (P.parse_line(line.rstrip("\n")) for line in f) if d is not None]
    else:
        raise SystemExit(f"unknown tool {tool}")
    wall = time.perf_counter() - t0
    ru1 = resource.getrusage(resource.RUSAGE_SELF)
    cpu = ru1.ru_utime - ru0.ru_utime + ru1.ru_stime - ru0.ru_stime  # all threads (pyarrow's too)
    for suffix in (".ki.parquet", ".csv.parquet"):
        if tool in PARQUET_TOOLS and os.path.exists(path + suffix):
            os.remove(path + suffix)
    return {"tool": tool, "rows": len(out) if not hasattr(out, "num_rows") else out.num_rows, "wall": wall,
            # VmHWM, not ru_maxrss: Linux carries the parent's peak into ru_maxrss across fork + exec
            # (the benchmark's parent, after its parse stage, showed as 324 MiB for every tool).
            "cpu": cpu, "peak_mib": proc_status_mib("VmHWM") - base, "table_mib": frame_bytes(out) / 2**20}


def run(n: int, tools=TOOLS, tmp: str | None = None, runs: int = 3, path: str | None = None,
        log=print) -> list[dict]:
    """Each tool `runs` times in its own process, the order alternating; the median run by wall
    time is kept (with every run's wall in `walls`)."""
    import kafkainsight as ki
    tmp = tmp or tempfile.mkdtemp(prefix="ki-df-")
    path = path or os.path.join(tmp, f"combined-{n}.log")
    if not os.path.exists(path):
        ki.generate("apache_combined", n, output=path, seed=1)
    os.sync()  # the input's writeback would otherwise run during the first tool's timing
    with open(path, "rb") as f:  # in the page cache for every tool alike
        while f.read(1 << 24):
            pass
    got: dict[str, list] = {t: [] for t in tools}
    for i in range(runs):
        for tool in (tools if i % 2 == 0 else tools[::-1]):
            p = subprocess.run([sys.executable, "-m", "benchmarks.dataframe", "_worker", tool, path], cwd=ROOT,
                               capture_output=True, text=True, timeout=1800)
            if p.returncode != 0:
                log(f"  {tool}: failed: {p.stderr[-500:]}")
                got[tool].append({"tool": tool, "rows": 0, "wall": float("nan"), "cpu": 0.0, "peak_mib": 0.0,
                                  "table_mib": 0.0, "problems": [f"exit {p.returncode}: {p.stderr[-200:]}"]})
                continue
            r = json.loads(p.stdout.strip().splitlines()[-1])
            r["problems"] = [] if r["rows"] == n else [f"{r['rows']:,} rows, expected {n:,}"]
            log(f"  {tool:14s} {r['rows']:>9,} rows {r['wall']:7.2f} s {r['rows'] / r['wall']:>11,.0f} rows/s  "
                f"cpu {r['cpu']:5.2f} s  peak +{r['peak_mib']:6.0f} MiB  table {r['table_mib']:6.0f} MiB")
            got[tool].append(r)
    res = []
    for tool in tools:
        rs = sorted(got[tool], key=lambda r: (r["wall"] != r["wall"], r["wall"]))
        med = dict(rs[(len(rs) - 1) // 2]) if rs else None
        if med is None:
            continue
        med["walls"] = [r["wall"] for r in got[tool]]
        med["problems"] = sorted({p for r in got[tool] for p in r.get("problems", [])})
        med["rows_per_s"] = med["rows"] / med["wall"] if med["wall"] and med["wall"] == med["wall"] else 0
        res.append(med)
    return res


def search_worker(tool: str, url: str, index: str, ca: str, user: str, password: str) -> dict:
    import pandas as pd
    # Each tool's modules are imported before the clock starts, as for the file tools above.
    if tool == "ki.search":
        import pyarrow  # noqa: F401
        import kafkainsight as ki
    elif tool == "eland":
        import eland as ed
    from elasticsearch import Elasticsearch, helpers
    base = rss_mib()
    t0 = time.perf_counter()
    if tool == "ki.search":
        out = ki.search(url, index, user=user, password=password, ca_certs=ca, progress=False).to_pandas()
    elif tool == "eland":
        es = Elasticsearch(url, ca_certs=ca, basic_auth=(user, password), request_timeout=120)
        out = ed.DataFrame(es, index).to_pandas()
    elif tool == "helpers.scan":
        es = Elasticsearch(url, ca_certs=ca, basic_auth=(user, password), request_timeout=120)
        out = pd.json_normalize([h["_source"] for h in helpers.scan(es, index=index, size=5000)])
        out["@timestamp"] = pd.to_datetime(out["@timestamp"], format="ISO8601", utc=True)
    else:
        raise SystemExit(f"unknown tool {tool}")
    wall = time.perf_counter() - t0
    # VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so a child of the big benchmark
    # process (100k documents in dicts) would report the parent's peak (345 MiB here, 121 real).
    peak = proc_status_mib("VmHWM")
    return {"tool": tool, "rows": len(out), "wall": wall, "peak_mib": peak - base, "table_mib": frame_bytes(out) / 2**20}


# eland's venv and requirement per engine line: its client must speak the server's major version
# (elasticsearch-py 9 sends ``compatible-with=9``, which Elasticsearch 8 rejects).
ELAND_VENVS = {"os3": os.path.join(ROOT, "build", "eland-venv"),
               "es8": os.path.join(ROOT, "build", "eland8-venv")}
ELAND_REQS = {"os3": "eland>=9,<10",     # 9.x: elasticsearch 9 client, pandas 2
              "es8": "eland>=8.15,<9"}   # 8.x: elasticsearch 8 client
ELAND_VENV = ELAND_VENVS["os3"]


def eland_python(create: bool, line: str = "os3") -> str | None:
    """The python of a separate venv with eland (its pandas / client pins differ from ours)."""
    venv = ELAND_VENVS.get(line, ELAND_VENVS["os3"])
    py = os.path.join(venv, "bin", "python")
    if not os.path.exists(py) and create:
        subprocess.run([sys.executable, "-m", "venv", venv], check=True)
        subprocess.run([py, "-m", "pip", "install", "-q", ELAND_REQS.get(line, ELAND_REQS["os3"])],
                       check=True)
    return py if os.path.exists(py) else None


def warm_engine(es, index: str, url: str, ca: str, user: str, password: str, tries: int = 8,
                least: int = 3) -> list[float]:
    """Untimed reads until two scans in a row agree within 10% (a fresh engine's JIT makes the first
    reads 2-3x slower), `least` rounds at least (the first two can agree while both slow). Each
    round also runs one ki.search so its requests are warm too."""
    import kafkainsight as ki
    from elasticsearch import helpers
    times: list[float] = []
    for _ in range(tries):
        t0 = time.perf_counter()
        for _ in helpers.scan(es, index=index, size=5000):
            pass
        times.append(time.perf_counter() - t0)
        ki.search(url, index, user=user, password=password, ca_certs=ca, progress=False)
        if len(times) >= least and abs(times[-1] - times[-2]) <= 0.1 * min(times[-1], times[-2]):
            break
    return times


def run_search(n: int, runs: int = 3, eland: bool = False, line: str = "os3") -> list[dict]:
    """Each tool `runs` times in its own process, the order alternating run by run; the median."""
    sys.path.insert(0, ROOT)
    import statistics
    import kafkainsight as ki
    from elasticsearch import Elasticsearch, helpers
    from tests.search_harness.engine import SearchEngine
    tools = {"ki.search": sys.executable, "helpers.scan": sys.executable}
    if eland:
        py = eland_python(create=True, line=line)
        if py:
            tools["eland"] = py
    se = SearchEngine(line=line, verbose=False)
    by_tool: dict[str, list[dict]] = {t: [] for t in tools}
    try:
        se.start(timeout=300)
        print(f"  engine: {se.engine_name} {se.engine_version} (line {se.line}, Java {se.java_major}, "
              f"heap {se.heap})", flush=True)
        es = Elasticsearch(**se.client_kwargs(), request_timeout=120)
        docs = ki.read_logs(ki.generate_lines("apache_combined", n, seed=1)).records
        helpers.bulk(es, ({"_index": "bench-search", "_source": d} for d in docs), chunk_size=5000, refresh=True)
        del docs
        es.indices.forcemerge(index="bench-search", max_num_segments=1)
        warm = warm_engine(es, "bench-search", se.url, se.ca_path, se.user, se.password)
        print("  warm-up scans (s): " + ", ".join(f"{t:.2f}" for t in warm), flush=True)
        order = list(tools)
        for i in range(runs):
            for tool in (order if i % 2 == 0 else order[::-1]):
                p = subprocess.run([tools[tool], "-m", "benchmarks.dataframe", "_search", tool, se.url, "bench-search",
                                    se.ca_path, se.user, se.password], cwd=ROOT, capture_output=True, text=True,
                                   timeout=1800)
                if p.returncode != 0:
                    print(f"  {tool}: failed: {p.stderr[-1500:]}", file=sys.stderr)
                    by_tool[tool].append({"tool": tool, "error": p.stderr.strip().splitlines()[-1][:300]})
                    continue
                r = json.loads(p.stdout.strip().splitlines()[-1])
                print(f"  {tool:14s} {r['rows']:>9,} rows {r['wall']:7.2f} s", flush=True)
                by_tool[tool].append(r)
    finally:
        se.stop()
    res = []
    for tool, rs in by_tool.items():
        ok = [r for r in rs if "wall" in r]
        if not ok:
            if rs:
                res.append(rs[-1])  # {"tool", "error"}: shown under the table
            continue
        walls = sorted(r["wall"] for r in ok)
        med = dict(sorted(ok, key=lambda r: r["wall"])[len(ok) // 2])
        med["wall"] = statistics.median(walls)
        med["walls"] = walls
        med["rows_per_s"] = med["rows"] / med["wall"] if med["wall"] else 0
        res.append(med)
    return res


def render(res: list[dict], n: int, ref_tool: str = "to_pandas", what: str = "apache_combined lines") -> str:
    ref = {r["tool"]: r for r in res}.get(ref_tool)
    lines = [f"## {n:,} {what}", "",
             f"| tool | rows/s | wall s (median; all runs) | CPU s | peak RSS over imports MiB | table MiB | "
             f"time / {ref_tool}'s |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for r in res:
        x = f"{r['wall'] / ref['wall']:.1f}x" if ref and r is not ref else ""
        walls = ", ".join(f"{w:.2f}" for w in r.get("walls", [r["wall"]]))
        flag = f" **FAILED: {'; '.join(r['problems'])[:150]}**" if r.get("problems") else ""
        lines.append(f"| {r['tool']}{flag} | {r['rows_per_s']:,.0f} | {r['wall']:.2f} ({walls}) | "
                     f"{r.get('cpu', float('nan')):.2f} | {r['peak_mib']:.0f} | {r['table_mib']:.0f} | {x} |")
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_worker":
        print(json.dumps(worker(argv[1], argv[2])))
        return 0
    if argv and argv[0] == "_search":
        print(json.dumps(search_worker(*argv[1:7])))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--lines", type=int, default=1_000_000)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "BENCHMARKS-DATAFRAME.md"))
    ap.add_argument("--search", type=int, default=0, help="documents for the search rows (0: none)")
    ap.add_argument("--runs", type=int, default=3, help="runs per tool (alternating order); the median is kept")
    ap.add_argument("--search-runs", type=int, default=3, help="runs of each search tool (the median is shown)")
    ap.add_argument("--eland", action="store_true",
                    help="add an eland row (its own venv per engine line, build/eland-venv or "
                         "build/eland8-venv, made if missing)")
    ap.add_argument("--search-engine", default="os3", choices=("os3", "os2", "es8"),
                    help="engine line of the search rows (kafkainsight.sandbox.search): os3 = OpenSearch 3 "
                         "(default), es8 = Elasticsearch 8 (eland runs only there)")
    args = ap.parse_args(argv)
    tools = [t.strip() for t in args.tools.split(",") if t.strip()]
    res = run(args.lines, tools, runs=args.runs) if tools else []
    cmd = " ".join(["python -m benchmarks.dataframe", *(f"'{a}'" if not a or " " in a else a for a in argv)])
    md = (f"# Logs into DataFrames, side by side\n\nCommand: `{cmd}`, {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())} at the end; one process per tool, "
          f"see the module docstring.\n\n")
    if res:
        md += render(res, args.lines)
    if args.search:
        load0 = " ".join(f"{x:.2f}" for x in os.getloadavg())
        sres = run_search(args.search, args.search_runs, args.eland, args.search_engine)
        load1 = " ".join(f"{x:.2f}" for x in os.getloadavg())
        ok = [r for r in sres if "wall" in r]
        engine = {"os3": "OpenSearch 3", "os2": "OpenSearch 2", "es8": "Elasticsearch 8"}[args.search_engine]
        md += "\n" + render(ok, args.search, "ki.search", f"documents from the search engine ({engine})")
        md += ("\nMedian of " + str(args.search_runs) + " runs each (order alternating, after warming the "
               "engine); all runs, s: " +
               "; ".join(f"{r['tool']} " + ", ".join(f"{w:.2f}" for w in r["walls"]) for r in ok) + ". "
               f"Load average (1, 5, 15 min) before the search rows {load0}, after them {load1} "
               f"({time.strftime('%H:%M UTC', time.gmtime())}).\n")
        for r in sres:
            if "error" in r:
                md += f"\n{r['tool']} failed on every run: `{r['error']}`\n"
    print(md)
    if args.out:
        with open(args.out, "w") as f:
            f.write(md)
    return 0


if __name__ == "__main__":
    sys.exit(main())
