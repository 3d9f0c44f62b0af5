#!/usr/bin/env bash
# The C++ suite under AddressSanitizer + UndefinedBehaviorSanitizer, in its own build directory
# (build/asan, clang), which also holds the libFuzzer targets (scripts/fuzz.sh).
#   scripts/sanitize.sh               build, then run every GoogleTest case (ctest)
#   scripts/sanitize.sh --build-only  build only (scripts/fuzz.sh uses this)
# Any sanitizer report fails the run (-fno-sanitize-recover, halt_on_error).
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${KI_ASAN_BUILD:-build/asan}
JOBS=${KI_ASAN_JOBS:-2}
command -v clang++ >/dev/null || { echo "sanitize: clang++ is needed (apt-get install clang libclang-rt-14-dev)" >&2; exit 1; }
if [ ! -f "$BUILD/build.ninja" ]; then
  # -O1: the sanitizers' usual trade between finding bugs fast and compiling fast.
  CC=clang CXX=clang++ cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DCMAKE_C_FLAGS_RELWITHDEBINFO="-O1 -g" -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g" \
    -DKI_BUILD_PYTHON=OFF -DKI_BUILD_TESTS=ON -DKI_BUILD_FUZZ=ON -DKI_SANITIZE=ON >/dev/null
fi
echo "== C++ under ASan + UBSan ($BUILD)"
nice -n 10 cmake --build "$BUILD" -j "$JOBS"
[ "${1:-}" = "--build-only" ] && exit 0
export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
ctest --test-dir "$BUILD" --output-on-failure -j "$JOBS" --no-tests=error
