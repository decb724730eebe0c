"""NumPy (its bundled OpenBLAS) on W5, the square matrix products of
benches/gemm.rs, and the MNIST MLP's products (128x784x256, 128x256x128,
128x128x10), for the side-by-side table in BENCHMARKS.md: forward
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

import numpy as np
from threadpoolctl import threadpool_info, threadpool_limits

from timing import measure, print_rows


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    rows = []
    with threadpool_limits(args.threads, user_api="blas"):
        blas = [i for i in threadpool_info() if i["user_api"] == "blas"]
        # W5's squares, then the MNIST MLP's products (m x k x n, as benches/gemm.rs).
        for m, k, n in ((256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (128, 784, 256), (128, 256, 128), (128, 128, 10)):
            a, b, g = (rng.standard_normal(shape, dtype=np.float32) for shape in ((m, k), (k, n), (m, n)))
            c, da, db = (np.empty(shape, np.float32) for shape in ((m, n), (m, k), (k, n)))
            flops = 2 * m * k * n
            name = f"W5 matmul n={m}" if m == k == n else f"matmul {m}x{k}x{n}"
            t = measure(lambda: np.matmul(a, b, out=c), min_time=0.5, warmup=5)
            rows.append((f"{name} forward", f"{t * 1e3:.3f} ms, {flops / t / 1e9:.1f} GFLOP/s"))

            def fwd_bwd():
                np.matmul(a, b, out=c)
                np.matmul(g, b.T, out=da)
                np.matmul(a.T, g, out=db)

            t = measure(fwd_bwd, min_time=0.5, warmup=5)
            rows.append((f"{name} forward+backward", f"{t * 1e3:.3f} ms, {3 * flops / t / 1e9:.1f} GFLOP/s"))
    info = ", ".join(f"{i['internal_api']} {i['version']} core {i.get('architecture')} threads {i['num_threads']}" for i in blas)
    print(f"NumPy {np.__version__} ({info})")
    print_rows(rows)


if __name__ == "__main__":
    main()
