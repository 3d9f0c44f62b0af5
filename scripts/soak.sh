#!/usr/bin/env bash
# The soak (opt-in, not part of scripts/test.sh): scripts/soak.sh [minutes] (default 10).
# Generator -> file -> producer --follow --resume -> Kafka (3 real nodes) -> consumer ->
# Elasticsearch test server, one fault a minute; writes docs/SOAK.md. Extra arguments go to
# python -m tests.chaos.soak (e.g. --rate 2000, --watcher 'CMD').
set -euo pipefail
cd "$(dirname "$0")/.."
minutes="${1:-10}"
shift || true
scripts/setup.sh --dev
exec nice -n 5 .venv/bin/python -m tests.chaos.soak --minutes "$minutes" "$@"
