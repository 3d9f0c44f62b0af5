#!/usr/bin/env bash
# The main job end to end on embedded defaults (set-up included, idempotent).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
exec .venv/bin/kafkainsight demo "$@"
