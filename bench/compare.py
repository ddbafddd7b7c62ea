#!/usr/bin/env python3
"""Runs `openfle bench` and the libmongocrypt bulk-decryption benchmark back to back on this machine
and prints both side by side with the ratio (docs/benchmarks.md).

usage: bench/compare.py BUILD_DIR [--threads 1,2,8,64] [--trials 10]
"""
import json
import subprocess
import sys


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return {r["threads"]: r for r in (json.loads(line) for line in out.splitlines() if line.strip())}


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    build = sys.argv[1]
    extra = sys.argv[2:]
    theirs = run([f"{build}/bench/mongocrypt_bulk_decrypt", *extra])
    ours = run([f"{build}/src/cli/openfle", "bench", *extra])
    version = next(iter(theirs.values())).get("version", "?")
    print(f"| threads | libmongocrypt {version} (docs/s) | openfle (docs/s) | openfle / libmongocrypt |")
    print("|---:|---:|---:|---:|")
    base = ours.get(1, {}).get("ops_per_sec")
    for threads in sorted(ours):
        a = theirs[threads]["ops_per_sec"]
        b = ours[threads]["ops_per_sec"]
        print(f"| {threads} | {a:.0f} | {b:.0f} | {b / a:.1f}x |")
    if base and 2 in ours:
        print(f"\nopenfle scaling, 2 threads / 1 thread: {ours[2]['ops_per_sec'] / base:.2f}x")
    for line in (json.dumps(r) for r in list(theirs.values()) + list(ours.values())):
        print(line, file=sys.stderr)


if __name__ == "__main__":
    main()
