#!/usr/bin/env bash
# The fault matrix (issue 6): every scenario of tests/chaos at full volume, on the real
# three-node Kafka, the mock cluster and the Elasticsearch test server; writes
# docs/RELIABILITY.md. Exit 0 only if every scenario came out as expected.
#   scripts/chaos.sh                      # full matrix (~10 min on 2 cores)
#   scripts/chaos.sh --profile quick      # CI's reduced volumes
#   scripts/chaos.sh --only es_ mock_     # scenarios by name prefix
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --dev
exec nice -n 5 .venv/bin/python -m tests.chaos "$@"
