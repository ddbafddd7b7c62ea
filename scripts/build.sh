#!/usr/bin/env bash
# Configures and builds openfle into BUILD_DIR (default build/) with the given extra CMake options.
# Usage: scripts/build.sh [BUILD_DIR] [-DOPTION=VALUE...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$build" -j "$(nproc)"
