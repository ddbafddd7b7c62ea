#!/bin/sh
# Installs openfle from BUILD_DIR into a temporary prefix and builds examples/consumer against it,
# once with find_package(openfle) and once with pkg-config, then runs both.
# Usage: run.sh SOURCE_DIR BUILD_DIR
set -eu
src=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cmake --install "$build" --prefix "$work/prefix" >/dev/null
cmake -S "$src/examples/consumer" -B "$work/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$work/prefix" >/dev/null
cmake --build "$work/consumer" >/dev/null
LD_LIBRARY_PATH="$work/prefix/lib:${LD_LIBRARY_PATH:-}" "$work/consumer/consumer"
libdir=$(ls -d "$work"/prefix/lib* | head -n 1)
PKG_CONFIG_PATH="$libdir/pkgconfig" "$src/examples/consumer/pkgconfig_build.sh" "$work/consumer_pc"
LD_LIBRARY_PATH="$libdir:${LD_LIBRARY_PATH:-}" "$work/consumer_pc"
echo "consumer built with CMake and pkg-config against the install: ok"
