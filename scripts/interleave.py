"""Runs one criterion bench binary under several environments, alternately,
for several rounds, and prints the median of each benchmark's round medians
per environment: A/B (or A/B/C...) comparisons of run-time settings in one
window, where drift of the machine hits every side alike.

    python3 scripts/interleave.py BINARY FILTER ROUNDS LABEL=ENV [LABEL=ENV ...]
    python3 scripts/interleave.py target/release/deps/gemm-* 'forward/512x512x512/gemm$' 5 \\
        kc256='TAPEGRAD_GEMM_BLOCKING=256,144,4080' kc512='TAPEGRAD_GEMM_BLOCKING=512,120,512'

FILTER may be several regexes joined by "||": each round then alternates the
sides filter by filter (finer-grained alternation on a drifting machine).
ENV is a space-separated list of VAR=value (empty for the defaults). A
binary given as LABEL@PATH=ENV runs that binary for this side instead
(comparing builds). Extra criterion options: INTERLEAVE_ARGS (default
"--warm-up-time 1 --measurement-time 3").
"""

import collections
import os
import re
import statistics
import subprocess
import sys

SCALE = {"ns": 1e-3, "µs": 1.0, "us": 1.0, "ms": 1e3, "s": 1e6}


def run(binary, filt, env):
    extra = os.environ.get("INTERLEAVE_ARGS", "--warm-up-time 1 --measurement-time 3").split()
    out = subprocess.run([binary, "--bench", "--noplot", *extra, filt], env=env, capture_output=True, text=True).stdout
    results, name = {}, None
    for line in out.splitlines():
        # Criterion also prints the change against its last saved run as
        # "time: [-1.2% +0.4% +2.0%]": only lines with a time unit count.
        m = re.match(r"^(\S.*?)\s+time:\s+\[\S+ \S+ (\S+) (\S+)", line)
        if m and m.group(3) in SCALE:
            results[m.group(1).strip()] = float(m.group(2)) * SCALE[m.group(3)]
            continue
        m = re.match(r"^\s+time:\s+\[\S+ \S+ (\S+) (\S+)", line)
        if m and name and m.group(2) in SCALE:
            results[name] = float(m.group(1)) * SCALE[m.group(2)]
            continue
        if line and not line.startswith(" ") and "time:" not in line and not line.startswith(("Benchmarking", "Found", "Warning", "Gnuplot")):
            name = line.strip()
    return results


def main():
    binary, filt, rounds, sides = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
    parsed = []
    for side in sides:
        label, _, env = side.partition("=")
        label, _, path = label.partition("@")
        env_vars = dict(os.environ)
        for item in env.split():
            k, _, v = item.partition("=")
            env_vars[k] = v
        parsed.append((label, path or binary, env_vars))
    medians = collections.defaultdict(list)
    # FILTER may be several filters joined by "||": each round then runs the
    # sides one filter at a time, so that they alternate at a finer grain.
    for r in range(rounds):
        for part in filt.split("||"):
            for label, path, env in parsed:
                for name, us in run(path, part, env).items():
                    medians[(name, label)].append(us)
                    print(f"round {r + 1}\t{label}\t{name}\t{us:.2f} µs", flush=True)
    print("\nmedian of the round medians (µs), [min, max]:")
    names = sorted({n for n, _ in medians})
    first = parsed[0][0]
    for name in names:
        cells = []
        for label, _, _ in parsed:
            v = medians.get((name, label))
            if v:
                rel = statistics.median(v) / statistics.median(medians[(name, first)]) if medians.get((name, first)) else float("nan")
                cells.append(f"{label} {statistics.median(v):.2f} [{min(v):.2f}, {max(v):.2f}] ({rel:.3f})")
        print(f"{name}\n    " + "\n    ".join(cells))


if __name__ == "__main__":
    main()
