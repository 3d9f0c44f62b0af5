#!/usr/bin/env bash
# One-time set-up on a fresh Debian 12 machine: system packages, a virtualenv, the package.
# Idempotent and quiet when already done. Usage: scripts/setup.sh [--no-install]
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${KI_VENV:-$ROOT/.venv}

APT_PKGS=(
  build-essential cmake ninja-build pkg-config
  librdkafka-dev libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libsimdjson-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libssl-dev
  kcat openssl curl default-jre-headless maven
)

missing=()
for p in "${APT_PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

PY=${PYTHON:-python3}
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating virtualenv $VENV"
  "$PY" -m venv "$VENV"
  "$VENV/bin/pip" install -q --upgrade pip
fi

if [ "${1:-}" != "--no-install" ]; then
  # Editable-free install: what users get from `pip install .`. Rebuilds only what changed
  # (scikit-build-core keeps its build dir under build/).
  "$VENV/bin/pip" install -q ".[test,notebook,bench]"
fi
