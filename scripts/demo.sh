#!/usr/bin/env bash
# The main job end to end on embedded defaults (set-up included, idempotent): logs -> the embedded
# Kafka broker -> a real search engine over TLS -> search, alerts, report (kafkainsight demo --help).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# The search engine's compiled runner and classpath, where scripts/setup.sh fetched them.
export SEARCH_HARNESS_CACHE_DIR=${SEARCH_HARNESS_CACHE_DIR:-$(pwd)/build/search_harness}
exec .venv/bin/kafkainsight demo "$@"
