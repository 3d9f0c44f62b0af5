#!/usr/bin/env bash
# Builds the libFuzzer targets (ASan + UBSan, build/asan) and runs each for a bounded time;
# fails on any crash, sanitizer report, leak or timeout. Also runs the atheris target for the
# .env / -X settings reader.
#   scripts/fuzz.sh            each target for KI_FUZZ_SECONDS (default 20 s)
#   scripts/fuzz.sh 600        each target for 10 minutes (on demand)
#   scripts/fuzz.sh 60 fuzz_encode fuzz_parse_json     only these targets
# The corpus grows in build/fuzz/corpus/<target> (seeded from sample_logs/, tests/data/real and
# cpp/fuzz/seeds) and is reused by later runs; crashing inputs land in build/fuzz/artifacts/.
# Reproduce one: build/asan/cpp/fuzz/<target> build/fuzz/artifacts/<target>-crash-...
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_EACH=${1:-${KI_FUZZ_SECONDS:-20}}
shift || true
BUILD=${KI_ASAN_BUILD:-build/asan}
OUT=build/fuzz
PY=${KI_VENV:-.venv}/bin/python
scripts/sanitize.sh --build-only

ALL=(fuzz_parse_auto fuzz_parse_apache_common fuzz_parse_apache_combined fuzz_parse_apache_error
     fuzz_parse_rfc3164 fuzz_parse_rfc5424 fuzz_parse_json fuzz_parse_app_json fuzz_parse_logfmt
     fuzz_parse_cri fuzz_parse_w3c fuzz_parse_klog fuzz_parse_zeek fuzz_parse_cef fuzz_parse_mysql_slow fuzz_parse_auditd fuzz_parse_compose fuzz_detect fuzz_encode fuzz_bulk_response
     fuzz_bulk_item fuzz_index_name fuzz_line_reader fuzz_grok fuzz_json_rows fuzz_access_columns fuzz_charset fuzz_settings)
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")

# Seeds: one file per log line of every sample and real log (lines are what the parsers see).
seed_lines() {
  local dir=$1
  mkdir -p "$dir"
  "$PY" - "$dir" sample_logs/*.log tests/data/real/*.log tests/data/real/filebeat/cef*.log \
    tests/data/real/filebeat/iptables*.log tests/data/real/filebeat/system-auth-test.log tests/data/real/fail2ban/sshd tests/data/real/fail2ban/postfix tests/data/real/fail2ban/dovecot tests/data/real/generic/*.log tests/data/real/windows/*.log <<'PYEOF'
import hashlib, os, sys
out = sys.argv[1]
for path in sys.argv[2:]:
    with open(path, "rb") as f:
        for i, line in enumerate(f):
            if i >= 60:
                break
            name = os.path.join(out, hashlib.sha1(line).hexdigest()[:16])
            if not os.path.exists(name):
                with open(name, "wb") as g:
                    g.write(line)
PYEOF
}

export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
JOBS=${KI_FUZZ_JOBS:-2}  # targets fuzzed at the same time (one core each)
mkdir -p "$OUT/artifacts" "$OUT/logs" "$OUT/status"
seed_lines "$OUT/seeds/lines"

fuzz_one() {
  local t=$1 corpus=$OUT/corpus/$1 log=$OUT/logs/$1.log seeds=() cmd
  mkdir -p "$corpus"
  case $t in
    fuzz_parse_w3c) seeds=(cpp/fuzz/seeds/w3c) ;;
    fuzz_parse_zeek) seeds=(cpp/fuzz/seeds/zeek) ;;
    fuzz_parse_mysql_slow) seeds=(cpp/fuzz/seeds/mysql_slow "$OUT/seeds/lines") ;;
    fuzz_grok) seeds=("$OUT/seeds/lines" cpp/fuzz/seeds/grok_events) ;;
    fuzz_line_reader) seeds=("$OUT/seeds/lines" cpp/fuzz/seeds/utf16) ;;
    fuzz_charset) seeds=(cpp/fuzz/seeds/charset) ;;
    fuzz_parse_*|fuzz_detect|fuzz_access_columns) seeds=("$OUT/seeds/lines") ;;
    fuzz_bulk_response) seeds=(cpp/fuzz/seeds/bulk_response) ;;
    fuzz_bulk_item) seeds=(cpp/fuzz/seeds/bulk_item) ;;
    fuzz_index_name) seeds=(cpp/fuzz/seeds/index_name) ;;
    fuzz_json_rows) seeds=(cpp/fuzz/seeds/json_rows) ;;
    fuzz_settings) seeds=(tests/fuzz/seeds/settings) ;;
  esac
  local args=(-max_total_time="$SECONDS_EACH" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
              -artifact_prefix="$OUT/artifacts/$t-" "$corpus" "${seeds[@]}")
  if [ "$t" = fuzz_settings ]; then
    cmd=(env KI_FUZZ_WORK="$OUT/work/$t" "$PY" tests/fuzz/fuzz_settings.py -max_len=4096 "${args[@]}")
  else
    cmd=(nice -n 5 "$BUILD/cpp/fuzz/$t" -max_len=8192 "${args[@]}")
  fi
  if "${cmd[@]}" >"$log" 2>&1; then echo ok > "$OUT/status/$t"; else echo FAILED > "$OUT/status/$t"; fi
}

echo "== fuzzing ${#TARGETS[@]} target(s) for ${SECONDS_EACH}s each, $JOBS at a time"
rm -f "$OUT/status/"*
touch "$OUT/started"
for t in "${TARGETS[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  fuzz_one "$t" &
done
wait

failed=()
printf '%-28s %10s %10s %8s %s\n' target runs "exec/s" corpus result > "$OUT/summary.txt"
for t in "${TARGETS[@]}"; do
  log=$OUT/logs/$t.log
  result=$(cat "$OUT/status/$t" 2>/dev/null || echo FAILED)
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  secs=$(sed -n 's/.*Done \([0-9]*\) runs in \([0-9]*\) second.*/\2/p' "$log" | tail -1)
  rate=$([ -n "$runs" ] && [ -n "$secs" ] && [ "$secs" -gt 0 ] && echo $((runs / secs)) || echo "-")
  printf '%-28s %10s %10s %8s %s\n' "$t" "${runs:--}" "$rate" "$(ls "$OUT/corpus/$t" | wc -l)" "$result" \
    >> "$OUT/summary.txt"
  if [ "$result" != ok ]; then
    failed+=("$t")
    echo "fuzz: $t FAILED (log $log; the input is in $OUT/artifacts/):" >&2
    grep -E "ERROR|SUMMARY|fuzz check failed|document:|Uncaught|Error|differ|runtime error|terminate|what()" "$log" | head -20 >&2 || tail -30 "$log" >&2
    # The input itself, so that a failure on a machine whose build/ is gone can be replayed.
    find "$OUT/artifacts" -name "$t-*" -newer "$OUT/started" | while read -r a; do
      echo "input $a (base64 of its first 8 KiB):" >&2
      head -c 8192 "$a" | base64 -w 0 >&2
      echo >&2
    done
  fi
done
cat "$OUT/summary.txt"
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: ${#failed[@]} target(s) found a problem: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: every target ran ${SECONDS_EACH}s without a crash"
