"""JAX (jit, optax) on the workloads of benches/workloads.rs and
benches/gemm.rs (W1-W5), with the same definitions as
pytorch_workloads.py, for the side-by-side table in BENCHMARKS.md.

    taskset -c 0 .venv/bin/python benches/peers/jax_workloads.py   # one core
    .venv/bin/python benches/peers/jax_workloads.py --threads 2     # the whole machine (2 cores)
    .venv/bin/python benches/peers/jax_workloads.py --only W2

JAX has no thread-count setting: XLA's CPU client sizes its pool to the
CPUs the process may run on, so one thread is `taskset -c N` (the issue's
"JAX jit pinned to one core") and two threads is no pinning on a 2-core
machine. The script prints the CPUs it may run on so a log shows which.

Each training step is one `jax.jit` of value_and_grad + optax.adam update
+ apply_updates, with parameters and optimizer state donated (updated in
place, as PyTorch's and tapegrad's steps are). Each figure is the median
over repeats of the mean time of a batch of calls, the last call of each
batch waited for with block_until_ready (like pytorch_workloads.py's
`measure`).
"""

import argparse
import math
import os

import jax
import jax.numpy as jnp
import optax

from timing import measure, print_rows


def measure_jax(step, **options):
    """`measure`, waiting for JAX's asynchronous results."""
    return measure(step, wait=jax.block_until_ready, **options)


def make_moons(n, noise, key):
    """sklearn's make_moons, as tapegrad's toy::moons."""
    n_out = n // 2
    n_in = n - n_out
    t_out = jnp.linspace(0, math.pi, n_out)
    t_in = jnp.linspace(0, math.pi, n_in)
    x = jnp.concatenate(
        [jnp.stack([jnp.cos(t_out), jnp.sin(t_out)], 1), jnp.stack([1 - jnp.cos(t_in), 0.5 - jnp.sin(t_in)], 1)]
    )
    y = jnp.concatenate([jnp.zeros(n_out), jnp.ones(n_in)])[:, None]
    return x + noise * jax.random.normal(key, x.shape), y


def init_mlp(sizes, key):
    """nn.Linear's initialisation: U(-1/sqrt(fan_in), 1/sqrt(fan_in)) for W and b."""
    params = []
    for a, b in zip(sizes, sizes[1:]):
        key, kw, kb = jax.random.split(key, 3)
        bound = 1 / math.sqrt(a)
        params.append(
            (jax.random.uniform(kw, (a, b), minval=-bound, maxval=bound), jax.random.uniform(kb, (b,), minval=-bound, maxval=bound))
        )
    return params


def mlp(params, x, act):
    for i, (w, b) in enumerate(params):
        x = x @ w + b
        if i + 1 < len(params):
            x = act(x)
    return x


def training_step(params, opt, loss_fn, x, y):
    """A jitted step with donated parameters and optimizer state; returns a
    no-argument callable that runs one step and keeps the new state."""

    def step(params, state, x, y):
        loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
        updates, state = opt.update(grads, state, params)
        return optax.apply_updates(params, updates), state, loss

    step = jax.jit(step, donate_argnums=(0, 1))
    box = {"params": params, "state": opt.init(params)}

    def run():
        box["params"], box["state"], loss = step(box["params"], box["state"], x, y)
        return loss

    return run


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1, help="only labels the output: pin with taskset for 1")
    parser.add_argument("--only", default="W1,W2,W3,W4,W5", help="comma-separated workloads, e.g. W4")
    args = parser.parse_args()
    only = set(args.only.split(","))
    key = jax.random.PRNGKey(0)
    rows = []

    if "W1" in only:
        x, y = make_moons(32, 0.1, key)

        def bce(params, x, y):
            z = mlp(params, x, jnp.tanh)
            return optax.sigmoid_binary_cross_entropy(z, y).mean()

        t = measure_jax(training_step(init_mlp([2, 16, 16, 1], key), optax.adam(1e-2), bce, x, y))
        rows.append(("W1 tiny, Adam", f"{t * 1e6:.1f} us/step"))

    if "W2" in only:
        kx, kl = jax.random.split(jax.random.PRNGKey(1))
        x = jax.random.normal(kx, (128, 784))
        labels = jax.random.randint(kl, (128,), 0, 10)

        def ce(params, x, labels):
            logits = mlp(params, x, jax.nn.relu)
            return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

        t = measure_jax(training_step(init_mlp([784, 256, 128, 10], key), optax.adam(1e-3), ce, x, labels))
        rows.append(("W2 mnist-sized, Adam", f"{t * 1e3:.3f} ms/step"))

    if "W3" in only:
        x, y = make_moons(100, 0.1, jax.random.PRNGKey(2))
        y = 2 * y - 1

        def svm_l2(params, x, y):
            scores = mlp(params, x, jax.nn.relu)
            l2 = sum((w * w).sum() + (b * b).sum() for w, b in params)
            return jax.nn.relu(1 - y * scores).mean() + 1e-4 * l2

        t = measure_jax(training_step(init_mlp([2, 16, 16, 1], key), optax.sgd(0.1), svm_l2, x, y))
        rows.append(("W3 micrograd demo, SGD", f"{t * 1e6:.1f} us/step"))

    if "W4" in only:
        n = 10_000_000
        kp, kg = jax.random.split(jax.random.PRNGKey(3))
        grad = jax.random.normal(kg, (n,))
        for name, opt in (("Adam", optax.adam(1e-3)), ("AdamW", optax.adamw(1e-3, weight_decay=1e-2))):
            p = jax.random.normal(kp, (n,))

            def update(p, state, g, opt=opt):
                updates, state = opt.update(g, state, p)
                return optax.apply_updates(p, updates), state

            update = jax.jit(update, donate_argnums=(0, 1))
            box = {"p": p, "state": opt.init(p)}

            def step(update=update, box=box):
                box["p"], box["state"] = update(box["p"], box["state"], grad)
                return box["p"]

            t = measure_jax(step, min_time=1.0, repeats=10)
            rows.append((f"W4 {name}, 10M params", f"{t * 1e3:.2f} ms, {28 * n / t / 1e9:.1f} GB/s"))

    if "W5" in only:
        for size in (256, 512, 1024):
            ka, kb, kg = jax.random.split(jax.random.PRNGKey(size), 3)
            a = jax.random.normal(ka, (size, size))
            b = jax.random.normal(kb, (size, size))
            g = jax.random.normal(kg, (size, size))
            flops = 2 * size**3
            matmul = jax.jit(lambda a, b: a @ b)
            t = measure_jax(lambda: matmul(a, b), min_time=0.5)
            rows.append((f"W5 matmul n={size} forward", f"{t * 1e3:.3f} ms, {flops / t / 1e9:.1f} GFLOP/s"))

            @jax.jit
            def fwd_bwd(a, b, g):
                c, vjp = jax.vjp(lambda a, b: a @ b, a, b)
                return c, vjp(g)

            t = measure_jax(lambda: fwd_bwd(a, b, g), min_time=0.5)
            rows.append((f"W5 matmul n={size} forward+backward", f"{t * 1e3:.3f} ms, {3 * flops / t / 1e9:.1f} GFLOP/s"))

    cpus = sorted(os.sched_getaffinity(0))
    print(f"JAX {jax.__version__} on {jax.devices()[0].platform}, CPUs {cpus} ({args.threads} thread(s))")
    print_rows(rows)


if __name__ == "__main__":
    main()
