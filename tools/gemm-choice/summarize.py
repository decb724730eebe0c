#!/usr/bin/env python3
"""Print a markdown table of criterion medians and GFLOP/s (2*m*n*k / median).

Usage: python3 summarize.py [CRITERION_DIR]   (default: target/criterion next to this file)
"""
import json, os, sys

HERE = os.path.dirname(os.path.abspath(__file__))
root = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "target", "criterion")
CASES = [("square_256", 256, 256, 256), ("square_512", 512, 512, 512),
         ("square_1024", 1024, 1024, 1024), ("mlp_32x16x16", 32, 16, 16),
         ("mnist_128x784x256", 128, 784, 256)]
LIBS = ["matrixmultiply", "gemm", "naive_ikj"]

def fmt_t(ns):
    for unit, div in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= div:
            return f"{ns / div:.3g} {unit}"
    return f"{ns:.3g} ns"

print("| case (m×k×n) | " + " | ".join(f"{l} median | {l} GFLOP/s" for l in LIBS) + " |")
print("|---" * (1 + 2 * len(LIBS)) + "|")
for name, m, k, n in CASES:
    row = [f"{name} ({m}×{k}×{n})"]
    for lib in LIBS:
        p = os.path.join(root, name, lib, "new", "estimates.json")
        if not os.path.exists(p):
            row += ["—", "—"]
            continue
        med = json.load(open(p))["median"]["point_estimate"]  # ns
        row += [fmt_t(med), f"{2 * m * n * k / med:.1f}"]
    print("| " + " | ".join(row) + " |")
