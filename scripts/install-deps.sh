#!/usr/bin/env bash
# Installs every Debian 12 package openfle needs to build, test, fuzz and benchmark
# (docs/design.md lists what each is for). Runs apt-get through sudo when not root.
# Set OPENFLE_SKIP_DEPS=1 to skip (e.g. on a machine already set up).
set -euo pipefail
if [[ "${OPENFLE_SKIP_DEPS:-0}" == "1" ]]; then exit 0; fi

packages=(
  # build
  build-essential cmake ninja-build pkg-config
  libbson-dev libssl-dev libsqlite3-dev libcli11-dev libspdlog-dev libfmt-dev nlohmann-json3-dev
  libexpected-dev
  # tests and benchmarks (libmongocrypt-dev is the test-only compatibility oracle)
  libgtest-dev libgmock-dev libbenchmark-dev libmongocrypt-dev
  # fuzzing and static analysis
  clang-16 libclang-rt-16-dev clang-tidy-16 llvm-16
  # test servers and helpers, run with Debian's /usr/bin/python3
  python3 python3-pykmip python3-cryptography python3-jwt python3-botocore python3-pymongo
  python3-mockupdb openssl
)

sudo=""
if [[ "$(id -u)" != "0" ]]; then sudo="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q --no-install-recommends "${packages[@]}"
