#!/usr/bin/env bash
# clang-tidy-16 over the library and CLI sources (.clang-tidy; warnings are errors), using the
# compile commands of BUILD_DIR (default build/). Tests are left out: gtest's ASSERT macros are
# opaque to the optional-access checks.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
run-clang-tidy-16 -p "$build" -j "$(nproc)" -quiet \
  "$root/src/(common|bson|crypto|keydoc|keyvault|kms|client|net|cli|analysis|autoenc)/([a-z0-9_]+/)?[a-z0-9_]+(?<!_test)\.cc$" \
  > "$build/clang-tidy.log" 2>&1 || { grep -E "(error|warning):" "$build/clang-tidy.log" | sort -u | head -50; exit 1; }
echo "clang-tidy: clean"
