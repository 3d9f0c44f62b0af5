#!/usr/bin/env bash
# Every stage side by side (issue 7): writes docs/BENCHMARKS.md and docs/benchmarks.png.
#   scripts/bench.sh                  1M lines, 3 runs each, all stages (about 30-40 min here)
#   scripts/bench.sh --lines 2000 --runs 1 --stages parse,produce --brokers embedded   # a smoke run
# Arguments go to python -m benchmarks.bench (--help).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${KI_VENV:-.venv}/bin/python
[ -x "$PY" ] || PY=python3
exec nice -n "${BENCH_NICE:-0}" "$PY" -m benchmarks.bench "$@"
