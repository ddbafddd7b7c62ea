#!/usr/bin/env bash
# The README's second command, and exactly what CI runs (.ci/run): installs the dependencies,
# then builds and runs the whole test suite:
#   1. the release build (warnings as errors): unit, interop (libmongocrypt), CLI, KMS and install tests;
#   2. the same suite under AddressSanitizer + UndefinedBehaviorSanitizer;
#   3. every libFuzzer target (clang-16), smoke-run from its seed corpus;
#   4. the benchmarks beside libmongocrypt: bulk decryption, then auto-insert and find-reply-decrypt
#      (short runs, printed, not asserted).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
fuzz_seconds=${OPENFLE_FUZZ_SECONDS:-30}
start=$(date +%s)
step() { echo; echo "=== $* ($(( $(date +%s) - start ))s)"; }

step "dependencies"
scripts/install-deps.sh

step "release build"
scripts/build.sh build-ci
step "release tests"
ctest --test-dir build-ci --output-on-failure -j "$(nproc)"

step "sanitizer build (ASan + UBSan)"
scripts/build.sh build-ci-asan -DOPENFLE_SANITIZE=ON -DOPENFLE_BUILD_BENCH=OFF
step "sanitizer tests"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-ci-asan --output-on-failure -j "$(nproc)" -LE install

step "fuzz build (clang-16)"
CC=clang-16 CXX=clang++-16 scripts/build.sh build-ci-fuzz -DOPENFLE_FUZZ=ON -DOPENFLE_SANITIZE=ON \
  -DOPENFLE_BUILD_TESTS=OFF -DOPENFLE_BUILD_BENCH=OFF -DOPENFLE_INTEROP=OFF
for target in build-ci-fuzz/fuzz/*_fuzz; do
  name=$(basename "$target")
  step "fuzz $name for ${fuzz_seconds}s"
  corpus=$(mktemp -d)
  seeds="fuzz/corpus/$name"
  [[ -d "$seeds" ]] || seeds="fuzz/corpus/${name%_fuzz}"
  dict=()
  [[ -f "fuzz/${name%_fuzz}.dict" ]] && dict=(-dict="fuzz/${name%_fuzz}.dict")
  ASAN_OPTIONS=detect_leaks=1 "$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 \
    "${dict[@]}" -artifact_prefix="$corpus/" "$corpus" "$seeds" 2>&1 | grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done|==[0-9]+==ERROR)" || true
  if ls "$corpus"/crash-* "$corpus"/leak-* "$corpus"/timeout-* >/dev/null 2>&1; then
    echo "fuzzer $name found a failure:"; ls "$corpus"; exit 1
  fi
  rm -rf "$corpus"
done

step "benchmark beside libmongocrypt (short run)"
/usr/bin/python3 bench/compare.py build-ci --threads 1,2 --trials 3 --warmup-ms 300 2>/dev/null
for benchmark in auto-insert find-reply-decrypt; do
  /usr/bin/python3 bench/compare.py build-ci --benchmark "$benchmark" --threads 1,2 --trials 1 --trial-ms 500 \
    --warmup-ms 200 2>/dev/null
done

step "rewrap benchmark (short run: 1000 keys, KMS answering after 20 ms)"
build-ci/bench/rewrap_bench --keys 1000 --baseline-keys 20 --concurrency 64

step "all passed"
