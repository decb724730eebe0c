#!/usr/bin/env bash
# One run of every workload, the peers (PyTorch, JAX, NumPy's OpenBLAS) and
# tapegrad back to back, for the side-by-side tables in BENCHMARKS.md. The
# peers run before and after tapegrad, so that a change in the machine's
# load during the run shows as a difference between the two.
#
#     python3 -m venv .venv && .venv/bin/pip install torch "jax[cpu]" optax numpy threadpoolctl   # once
#     benches/peers/side_by_side.sh                  # the CPU's own level; logs in target/side-by-side/
#     AVX2=1 benches/peers/side_by_side.sh           # every library held to AVX2 (on an AVX-512 machine)
#     python3 benches/peers/side_by_side_table.py    # the table
#
# One thread: tapegrad, PyTorch and NumPy set their thread count; JAX has no
# such setting, so its one-thread run is pinned with `taskset -c $ONE_CORE`
# (default 0). Two threads: no pinning (a 2-core machine). With AVX2=1 the
# knobs below are exported, and isa.txt records what each library then
# reports (benches/peers/isa_check.py), so a knob that did not take effect
# shows there.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${OUT:-target/side-by-side}
py=${PYTHON:-.venv/bin/python}
one_core=${ONE_CORE:-0}
mkdir -p "$out"
if [ "${AVX2:-0}" = 1 ]; then
    export TAPEGRAD_SIMD=avx2 OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2
    export MKL_ENABLE_INSTRUCTIONS=AVX2 ONEDNN_MAX_CPU_ISA=AVX2
    export XLA_FLAGS="--xla_cpu_max_isa=AVX2${XLA_FLAGS:+ $XLA_FLAGS}"
fi
cargo bench --no-run >/dev/null 2>&1
{
    date -u; uname -srm; grep -m1 "model name" /proc/cpuinfo; nproc; rustc --version; cat /proc/loadavg
} >"$out/machine.txt"
"$py" benches/peers/isa_check.py >"$out/isa.txt" 2>&1

peers() {
    for threads in 1 2; do
        "$py" benches/peers/pytorch_workloads.py --threads "$threads" >"$out/pytorch-$threads-$1.txt"
        "$py" benches/peers/numpy_matmul.py --threads "$threads" >"$out/numpy-$threads-$1.txt"
    done
    taskset -c "$one_core" "$py" benches/peers/jax_workloads.py --threads 1 >"$out/jax-1-$1.txt" 2>"$out/jax-1-$1.err"
    "$py" benches/peers/jax_workloads.py --threads 2 >"$out/jax-2-$1.txt" 2>"$out/jax-2-$1.err"
}

peers before
cargo bench --bench workloads 2>&1 | grep -v "^Benchmarking" >"$out/tapegrad-workloads.txt"
cargo bench --bench gemm 2>&1 | grep -v "^Benchmarking" >"$out/tapegrad-gemm.txt"
peers after
cat /proc/loadavg >>"$out/machine.txt"
echo "logs in $out"
