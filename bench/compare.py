#!/usr/bin/env python3
"""Runs `openfle bench` and the libmongocrypt side of the same benchmark back to back on this
machine and prints both side by side with the ratio, one markdown table per benchmark
(docs/benchmarks.md).

usage: bench/compare.py BUILD_DIR [--benchmark NAME|all] [--threads 1,2,8,64] [--trials 10]
                        [--trial-ms MS] [--warmup-ms MS] [--fields N] [--documents N]

NAME is bulk-decrypt (the default), auto-insert or find-reply-decrypt; `all` runs the three in
turn. Every option but --benchmark is passed to both programs. The JSON lines go to stderr.
"""
import json
import subprocess
import sys

# name -> (libmongocrypt program, its extra arguments, unit of one operation, note under the table)
BENCHMARKS = {
    "bulk-decrypt": ("mongocrypt_bulk_decrypt", [], "docs/s", None),
    "auto-insert": (
        "mongocrypt_auto",
        ["--benchmark", "auto-insert"],
        "inserts/s",
        "libmongocrypt's side is fed a precomputed mongocryptd reply: the query analysis that "
        "openfle's figure includes is not counted for libmongocrypt (nor a round trip to mongocryptd).",
    ),
    "find-reply-decrypt": ("mongocrypt_auto", ["--benchmark", "find-reply-decrypt"], "replies/s", None),
}


def run(cmd):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return {r["threads"]: r for r in (json.loads(line) for line in out.splitlines() if line.strip())}


def compare(build, name, extra, heading):
    program, their_args, unit, note = BENCHMARKS[name]
    theirs = run([f"{build}/bench/{program}", *their_args, *extra])
    ours = run([f"{build}/src/cli/openfle", "bench", "--benchmark", name, *extra])
    for key in ("fields", "documents"):
        a = {r.get(key) for r in theirs.values()}
        b = {r.get(key) for r in ours.values()}
        if a != b:
            sys.exit(f"{name}: the two sides ran different workloads ({key}: {a} vs {b})")
    version = next(iter(theirs.values())).get("version", "?")
    if heading:
        sample = next(iter(ours.values()))
        size = ", ".join(f"{sample[k]} {k if sample[k] != 1 else k[:-1]}" for k in ("fields", "documents") if k in sample)
        print(f"\n### {name} ({size})\n")
    print(f"| threads | libmongocrypt {version} ({unit}) | openfle ({unit}) | openfle / libmongocrypt |")
    print("|---:|---:|---:|---:|")
    base = ours.get(1, {}).get("ops_per_sec")
    for threads in sorted(ours):
        a = theirs[threads]["ops_per_sec"]
        b = ours[threads]["ops_per_sec"]
        print(f"| {threads} | {a:.0f} | {b:.0f} | {b / a:.1f}x |")
    if note:
        print(f"\n{note}")
    if base and 2 in ours:
        print(f"\nopenfle scaling, 2 threads / 1 thread: {ours[2]['ops_per_sec'] / base:.2f}x")
    for line in (json.dumps(r) for r in list(theirs.values()) + list(ours.values())):
        print(line, file=sys.stderr)


def main():
    if len(sys.argv) < 2 or sys.argv[1].startswith("-"):
        sys.exit(__doc__)
    build = sys.argv[1]
    extra = []
    names = ["bulk-decrypt"]
    args = iter(sys.argv[2:])
    for arg in args:
        if arg == "--benchmark" or arg.startswith("--benchmark="):
            value = arg.split("=", 1)[1] if "=" in arg else next(args, None)
            if value == "all":
                names = list(BENCHMARKS)
            elif value in BENCHMARKS:
                names = [value]
            else:
                sys.exit(f"--benchmark {value!r}: expected all or one of {', '.join(BENCHMARKS)}")
        else:
            extra.append(arg)
    for name in names:
        compare(build, name, extra, heading=len(names) > 1)
        sys.stdout.flush()


if __name__ == "__main__":
    main()
