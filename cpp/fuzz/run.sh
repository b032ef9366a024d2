#!/usr/bin/env bash
# Runs each libFuzzer target of BUILD_DIR for SECONDS, JOBS at a time (make fuzz; CI).
#
#   cpp/fuzz/run.sh BUILD_DIR SECONDS JOBS [TARGET...]
#
# Each target starts from its seeds (cpp/fuzz/corpus/<target>/, read-only) and its saved
# regressions, and grows a working corpus in BUILD_DIR/corpus/<target>/ that later runs
# reuse. Its log goes to BUILD_DIR/logs/<target>.log; one line per target is printed:
# executions, seconds, corpus size, coverage. A target that crashes, leaks, times out or
# breaks a property fails the run: the input is in BUILD_DIR/artifacts/, the report at the
# end of its log (printed). Once the bug is fixed, keep the input as
# cpp/fuzz/regressions/<target>/<what-it-was> (ctest replays that folder).
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
build="$1"
seconds="$2"
jobs="$3"
shift 3
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=(encoding token token_roundtrip claims password_hash otpauth jwks)
fi
mkdir -p "$build/logs" "$build/artifacts"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_stack_use_after_return=1:check_initialization_order=1:strict_string_checks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

fuzz_one() {
  local target="$1" binary="$build/cpp/fuzz/pyauth_fuzz_$1" log="$build/logs/$1.log"
  local args=(-max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048
    -print_final_stats=1 -artifact_prefix="$build/artifacts/$target-")
  [ -f "$here/dict/$target.dict" ] && args+=(-dict="$here/dict/$target.dict")
  mkdir -p "$build/corpus/$target"
  local dirs=("$build/corpus/$target" "$here/corpus/$target")
  [ -d "$here/regressions/$target" ] && dirs+=("$here/regressions/$target")
  if "$binary" "${args[@]}" "${dirs[@]}" >"$log" 2>&1; then
    local runs rate cov
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
    rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
    cov=$(grep -o 'cov: [0-9]* ft: [0-9]* corp: [0-9]*' "$log" | tail -1)
    printf 'fuzz %-16s passed: %s executions in %s s (%s/s), %s\n' \
      "$target" "$runs" "$seconds" "$rate" "$cov"
  else
    printf 'fuzz %-16s FAILED (log %s):\n' "$target" "$log"
    grep -v -E '^#[0-9]+' "$log" | tail -40
    return 1
  fi
}

pids=()
names=()
failed=0
for target in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do sleep 1; done
  fuzz_one "$target" &
  pids+=("$!")
  names+=("$target")
done
for i in "${!pids[@]}"; do
  wait "${pids[$i]}" || failed=$((failed + 1))
done
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
[ "$failed" -eq 0 ]
