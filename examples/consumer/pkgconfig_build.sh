#!/bin/sh
# Builds the consumer with pkg-config instead of CMake: PKG_CONFIG_PATH must name the install's
# lib/pkgconfig. Usage: pkgconfig_build.sh OUTPUT_BINARY
set -eu
here=$(dirname "$0")
g++ -o "$1" "$here/main.cc" $(pkg-config --cflags --libs openfle)
