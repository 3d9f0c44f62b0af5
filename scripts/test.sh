#!/usr/bin/env bash
# Runs every test: set-up (idempotent), then the C++ suite (ctest) and the Python suite (pytest).
# Extra arguments go to pytest, e.g. scripts/test.sh -m "not kafka" -k parse
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
echo "== C++ tests (ctest)"
ctest --test-dir build/py --output-on-failure -j 2 --no-tests=error
echo "== C++ under ASan + UBSan, then every fuzz target for ${KI_FUZZ_SECONDS:-10} s (build/asan)"
scripts/sanitize.sh
scripts/fuzz.sh "${KI_FUZZ_SECONDS:-10}"
# Two workers (pytest-xdist; a test file stays on one worker): most tests wait on brokers,
# engines and restarts, so two at a time halve the wall time here. KI_TEST_WORKERS=0: one process.
echo "== Python tests (pytest, ${KI_TEST_WORKERS:-2} workers)"
.venv/bin/python -m pytest -q -n "${KI_TEST_WORKERS:-2}" --dist loadfile "$@"
