#!/usr/bin/env bash
# One run of every workload, PyTorch and tapegrad back to back, for the table
# in BENCHMARKS.md. PyTorch runs before and after tapegrad, so that a change
# in the machine's load during the run shows as a difference between the two.
#
#     python3 -m venv .venv && .venv/bin/pip install torch   # once
#     benches/peers/side_by_side.sh                          # logs in target/side-by-side/
set -euo pipefail
cd "$(dirname "$0")/../.."
out=target/side-by-side
mkdir -p "$out"
cargo bench --no-run >/dev/null 2>&1
{ date -u; uname -srm; grep -m1 "model name" /proc/cpuinfo; nproc; rustc --version; } >"$out/machine.txt"
for threads in 1 2; do
    .venv/bin/python benches/peers/pytorch_workloads.py --threads "$threads" >"$out/pytorch-$threads-before.txt"
done
cargo bench --bench workloads 2>&1 | grep -v "^Benchmarking" >"$out/tapegrad-workloads.txt"
cargo bench --bench gemm 2>&1 | grep -v "^Benchmarking" >"$out/tapegrad-gemm.txt"
for threads in 1 2; do
    .venv/bin/python benches/peers/pytorch_workloads.py --threads "$threads" >"$out/pytorch-$threads-after.txt"
done
echo "logs in $out"
