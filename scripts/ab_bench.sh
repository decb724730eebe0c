#!/usr/bin/env bash
# A/B timing of the training-step workloads between a past commit and the
# working tree, in one window: builds `cargo bench --bench workloads` at both
# (the past one in a temporary worktree), then runs the two criterion
# binaries alternately, ROUNDS times, so that drift of the machine hits both
# alike. Prints each round's median and, at the end, the median of the
# medians per side.
#
#     scripts/ab_bench.sh <rev> [filter] [rounds]
#     scripts/ab_bench.sh 207e8e1 'W1|W2' 5
set -euo pipefail
rev=$1; filter=${2:-W1|W2}; rounds=${3:-5}
root=$(git rev-parse --show-toplevel)
before=$(mktemp -d /tmp/tapegrad-ab.XXXXXX)
trap 'git -C "$root" worktree remove --force "$before" >/dev/null 2>&1 || true' EXIT
git -C "$root" worktree add --detach "$before" "$rev" >/dev/null
build() { (cd "$1" && cargo bench --bench workloads --no-run --message-format=json 2>/dev/null |
    python3 -c 'import json,sys
for l in sys.stdin:
    m=json.loads(l)
    if m.get("reason")=="compiler-artifact" and m["target"]["name"]=="workloads" and m.get("executable"): print(m["executable"])' | tail -1); }
a=$(build "$before"); b=$(build "$root")
out=$(mktemp)
for r in $(seq 1 "$rounds"); do
    for side in before after; do
        bin=$a; [ "$side" = after ] && bin=$b
        "$bin" --bench --noplot --warm-up-time 2 --measurement-time 5 "$filter" 2>/dev/null |
            grep -E "^W|time:" | paste - - | python3 -c '
import re, sys
for line in sys.stdin:
    name = line.split()[0] + (" " + m.group(1) if (m := re.search(r"(\d+ thread)", line)) else "")
    median = re.search(r"time: +\[\S+ \S+ (\S+ \S+)", line).group(1)
    print(f"'"$side"'\t{name}\t{median}")' | tee -a "$out"
    done
done
python3 - "$out" <<'PY'
import sys, statistics, collections
runs = collections.defaultdict(list)
for line in open(sys.argv[1]):
    side, name, value = line.rstrip("\n").split("\t")
    number, unit = value.split()
    scale = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3}[unit]
    runs[(name.strip(), side)].append(float(number) * scale)
print("\nmedian of the round medians (µs):")
for name in sorted({n for n, _ in runs}):
    b, a = statistics.median(runs[(name, "before")]), statistics.median(runs[(name, "after")])
    print(f"{name:20s} before {b:10.2f}  after {a:10.2f}  after/before {a / b:.3f}")
PY
