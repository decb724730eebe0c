"""NumPy (its bundled OpenBLAS) on W5, the square matrix products of
benches/gemm.rs, for the side-by-side table in BENCHMARKS.md: forward
`a @ b` and forward+backward `a @ b`, `g @ b.T`, `a.T @ g` (NumPy hands the
transposed views to cblas with a transpose flag, no copy), f32, into
preallocated outputs (`out=`) like tapegrad's `gemm` rows. NumPy is not a
peer for W1-W4, which are fused training steps.

    .venv/bin/python benches/peers/numpy_matmul.py --threads 1
    .venv/bin/python benches/peers/numpy_matmul.py --threads 2

OpenBLAS's threads are set with threadpoolctl; the header prints the core
type OpenBLAS chose at run time (threadpoolctl's `architecture`, set by
OPENBLAS_CORETYPE if given) and the threads it uses.
"""

import argparse
import statistics
import time

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits


def measure(step, min_time=0.5, repeats=15):
    """Median seconds per call of `step`."""
    for _ in range(5):
        step()
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 0.05:
        step()
        n += 1
    per_call = (time.perf_counter() - t0) / n
    calls = max(1, int(min_time / repeats / per_call))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(calls):
            step()
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    with threadpool_limits(args.threads, user_api="blas"):
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        for size in (256, 512, 1024):
            a, b, g = (rng.standard_normal((size, size), dtype=np.float32) for _ in range(3))
            c, da, db = (np.empty((size, size), np.float32) for _ in range(3))
            flops = 2 * size**3
            t = measure(lambda: np.matmul(a, b, out=c))
            rows.append((f"W5 matmul n={size} forward", f"{t * 1e3:.3f} ms, {flops / t / 1e9:.1f} GFLOP/s"))

            def fwd_bwd():
                np.matmul(a, b, out=c)
                np.matmul(g, b.T, out=da)
                np.matmul(a.T, g, out=db)

            t = measure(fwd_bwd)
            rows.append((f"W5 matmul n={size} forward+backward", f"{t * 1e3:.3f} ms, {3 * flops / t / 1e9:.1f} GFLOP/s"))
    info = ", ".join(f"{i['internal_api']} {i['version']} core {i.get('architecture')} threads {i['num_threads']}" for i in blas)
    print(f"NumPy {np.__version__} ({info})")
    width = max(len(r[0]) for r in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")


if __name__ == "__main__":
    main()
