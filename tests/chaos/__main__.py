"""python -m tests.chaos [--profile quick|full] [--only PREFIX ...] [--merge] [--out docs/RELIABILITY.md]"""
from __future__ import annotations

import argparse
import os
import sys
import time
import traceback

from tests.chaos.measure import ROOT, reap_all
from tests.chaos.reconcile import Tally
from tests.chaos.report import kept_rows, render
from tests.chaos.scenarios import SCENARIOS, Env, Result


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.chaos", description=__doc__)
    ap.add_argument("--profile", choices=["quick", "full"], default="full")
    ap.add_argument("--only", nargs="*", default=None, help="scenario name prefixes")
    ap.add_argument("--out", default=os.path.join(ROOT, "docs", "RELIABILITY.md"))
    ap.add_argument("--list", action="store_true")
    ap.add_argument("--merge", action="store_true",
                    help="keep the rows of the scenarios not run now from the page at --out (each row names its run)")
    a = ap.parse_args(argv)
    names = [n for n in SCENARIOS if not a.only or any(n.startswith(p) for p in a.only)]
    if a.list:
        print("\n".join(names))
        return 0
    env = Env(a.profile)
    results = []
    t0 = time.monotonic()
    try:
        for n in names:
            print(f"== {n}", file=sys.stderr, flush=True)
            try:
                r = SCENARIOS[n](env)
            except Exception as e:  # a scenario that breaks is a result too, not a silent gap
                traceback.print_exc()
                r = Result(n, "-", "-", "-", Tally(), note=f"scenario failed to run: {e!r}")
            reap_all()
            results.append(r)
            t = r.tally
            print(f"   {'ok' if r.ok else 'NOT OK'}: lost={t.lost} dup={t.duplicated} wrong={t.wrong} "
                  f"dlq={t.dead_lettered}/{t.dlq_expected} recovery={r.recovery_s} rss={r.peak_rss_mb:.0f}MiB "
                  f"{r.seconds:.0f}s {r.note}", file=sys.stderr, flush=True)
    finally:
        env.close()
    kept = {}
    if a.merge and os.path.exists(a.out):
        with open(a.out) as f:
            kept = kept_rows(f.read())
    with open(a.out, "w") as f:
        f.write(render(results, a.profile, time.monotonic() - t0, order=list(kept), kept=kept))
    print(f"wrote {a.out}", file=sys.stderr)
    return 0 if all(r.ok for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
