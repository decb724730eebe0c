"""Which instruction set each peer really runs, as the library itself reports
it: run under the same environment as the measurements, so that a knob that
forces the AVX2 level on an AVX-512 machine is seen to take effect (or not).

    .venv/bin/python benches/peers/isa_check.py
    TAPEGRAD_SIMD=avx2 OPENBLAS_CORETYPE=Haswell ATEN_CPU_CAPABILITY=avx2 \\
        XLA_FLAGS=--xla_cpu_max_isa=AVX2 .venv/bin/python benches/peers/isa_check.py

* NumPy: OpenBLAS's core type chosen at run time (threadpoolctl's
  `architecture`, which OPENBLAS_CORETYPE sets), not numpy.show_config()'s
  build-time string.
* PyTorch: ATen's CPU capability (ATEN_CPU_CAPABILITY caps it; it covers
  ATen's own kernels, the fused Adam among them) and the BLAS behind matmul
  (its own dispatch: MKL_ENABLE_INSTRUCTIONS / ONEDNN_MAX_CPU_ISA if MKL or
  oneDNN).
* JAX: compiles a product and an elementwise update with XLA's dump on, and
  reports the ISA options XLA compiled with, how often the machine code XLA
  emitted (the dumped objects, disassembled) uses zmm (512-bit) and ymm
  registers (`--xla_cpu_max_isa=AVX2` must leave no zmm), and which library
  the dot was handed to: a YNNPACK / XNNPACK / oneDNN fusion has its own CPU
  dispatch, which that flag does not cap.
* tapegrad: the level `TAPEGRAD_SIMD` selects is printed by `cargo bench
  --bench gemm` in its first line; here only the variable and the CPU flags.
"""

import glob
import os
import re
import subprocess
import sys
import tempfile

KNOBS = ("TAPEGRAD_SIMD", "OPENBLAS_CORETYPE", "ATEN_CPU_CAPABILITY", "MKL_ENABLE_INSTRUCTIONS", "ONEDNN_MAX_CPU_ISA", "XLA_FLAGS")


def cpu_flags():
    flags = set()
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    return [f for f in ("avx2", "fma", "avx512f", "avx512vl", "avx512bw", "avx512dq", "avx512_bf16") if f in flags]


def numpy_check():
    import numpy as np
    from threadpoolctl import threadpool_info

    a = np.ones((64, 64), np.float32)
    a @ a  # loads the BLAS
    for info in threadpool_info():
        if info["user_api"] == "blas":
            return f"NumPy {np.__version__}: {info['internal_api']} {info['version']}, run-time core {info.get('architecture')!r}"
    return f"NumPy {np.__version__}: no BLAS found by threadpoolctl"


def torch_check():
    try:
        import torch
    except ImportError:
        return "PyTorch: not installed"
    config = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", config)
    onednn = "oneDNN" in config or "MKLDNN" in config
    return (
        f"PyTorch {torch.__version__}: ATen CPU capability {torch.backends.cpu.get_cpu_capability()!r}, "
        f"BLAS {blas.group(1) if blas else '?'}, MKL {torch.backends.mkl.is_available()}, oneDNN {onednn}"
    )


JAX_PROBE = """
import jax, jax.numpy as jnp
a = jnp.ones((256, 256)); b = jnp.ones((256, 256))
jax.block_until_ready(jax.jit(lambda a, b: a @ b)(a, b))
x = jnp.ones((1 << 16,)); g = jnp.ones((1 << 16,))
jax.block_until_ready(jax.jit(lambda x, g: x - 1e-3 * g / (jnp.sqrt(g * g) + 1e-8))(x, g))
print(jax.__version__)
"""


def jax_check():
    with tempfile.TemporaryDirectory() as dump:
        env = dict(os.environ)
        env["XLA_FLAGS"] = f"{env.get('XLA_FLAGS', '')} --xla_dump_to={dump}".strip()
        out = subprocess.run([sys.executable, "-c", JAX_PROBE], env=env, capture_output=True, text=True)
        if out.returncode != 0:
            return f"JAX: failed ({out.stderr.strip().splitlines()[-1] if out.stderr.strip() else out.returncode})"
        # The flags XLA compiled with (non-default ones are listed).
        options = set()
        for path in glob.glob(f"{dump}/*.debug_options"):
            with open(path) as f:
                options.update(line.strip() for line in f if "isa" in line or "xnn" in line or "ynn" in line)
        # Who runs the dot: a library fusion (YNNPACK, XNNPACK, oneDNN: their
        # own CPU dispatch, which --xla_cpu_max_isa does not cap) or XLA's code.
        hlo = ""
        for path in glob.glob(f"{dump}/*cpu_after_optimizations.txt"):
            with open(path) as f:
                hlo += f.read()
        libraries = sorted(set(re.findall(r'"kind":"(__\w+)"', hlo))) or ["XLA's own code"]
        # The machine code XLA emitted (its LLVM output, dumped as objects).
        zmm = ymm = 0
        for path in glob.glob(f"{dump}/*.o"):
            asm = subprocess.run(["objdump", "-d", path], capture_output=True, text=True).stdout
            zmm += asm.count("%zmm")
            ymm += asm.count("%ymm")
        return (
            f"JAX {out.stdout.strip()}: XLA options {sorted(options) or 'defaults'}; XLA-emitted code uses "
            f"zmm (512-bit) {zmm} times, ymm (256-bit) {ymm} times; dot run by {libraries}"
        )


def main():
    print("CPU flags:", " ".join(cpu_flags()))
    print("knobs:", ", ".join(f"{k}={os.environ[k]!r}" for k in KNOBS if k in os.environ) or "none set")
    for check in (numpy_check, torch_check, jax_check):
        try:
            print(check())
        except Exception as e:  # a missing peer is reported, not fatal
            print(f"{check.__name__}: {type(e).__name__}: {e}")


if __name__ == "__main__":
    main()
