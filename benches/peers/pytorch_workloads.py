"""PyTorch on the workloads of benches/workloads.rs and benches/gemm.rs
(W1-W5), with the same definitions, for the side-by-side table in
BENCHMARKS.md.

    .venv/bin/python benches/peers/pytorch_workloads.py            # 1 thread
    .venv/bin/python benches/peers/pytorch_workloads.py --threads 2
    .venv/bin/python benches/peers/pytorch_workloads.py --only W4    # one workload

Each figure is the median over repeats of the mean time of a batch of
iterations (after warm-up), like criterion's estimate.
"""

import argparse
import math

import torch
import torch.nn.functional as F

from timing import measure, print_rows


def make_moons(n, noise, gen):
    """sklearn's make_moons, as tapegrad's toy::moons."""
    n_out = n // 2
    n_in = n - n_out
    t_out = torch.linspace(0, math.pi, n_out)
    t_in = torch.linspace(0, math.pi, n_in)
    x = torch.cat([torch.stack([t_out.cos(), t_out.sin()], 1), torch.stack([1 - t_in.cos(), 0.5 - t_in.sin()], 1)])
    y = torch.cat([torch.zeros(n_out), torch.ones(n_in)]).unsqueeze(1)
    x = x + noise * torch.randn(x.shape, generator=gen)
    return x, y


def mlp(sizes, act):
    layers = []
    for i, (a, b) in enumerate(zip(sizes, sizes[1:])):
        layers.append(torch.nn.Linear(a, b))
        if i + 2 < len(sizes):
            layers.append(act())
    return torch.nn.Sequential(*layers)


def training_step(model, opt, loss_fn, x, y):
    def step():
        opt.zero_grad(set_to_none=True)
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()

    return step


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--only", default="W1,W2,W3,W4,W5", help="comma-separated workloads, e.g. W4")
    args = parser.parse_args()
    only = set(args.only.split(","))
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    gen = torch.Generator().manual_seed(0)
    rows = []

    if "W1" in only:
        # W1
        x, y = make_moons(32, 0.1, gen)
        for fused in (False, True):
            model = mlp([2, 16, 16, 1], torch.nn.Tanh)
            opt = torch.optim.Adam(model.parameters(), lr=1e-2, fused=fused)
            t = measure(training_step(model, opt, F.binary_cross_entropy_with_logits, x, y))
            rows.append((f"W1 tiny, Adam{' fused' if fused else ''}", f"{t * 1e6:.1f} us/step"))

    if "W2" in only:
        # W2
        x = torch.randn(128, 784)
        labels = torch.randint(0, 10, (128,))
        for fused in (False, True):
            model = mlp([784, 256, 128, 10], torch.nn.ReLU)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3, fused=fused)
            t = measure(training_step(model, opt, F.cross_entropy, x, labels))
            rows.append((f"W2 mnist-sized, Adam{' fused' if fused else ''}", f"{t * 1e3:.3f} ms/step"))

    if "W3" in only:
        # W3: micrograd's demo step
        x, y = make_moons(100, 0.1, gen)
        y = 2 * y - 1
        model = mlp([2, 16, 16, 1], torch.nn.ReLU)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)

        def svm_l2(scores, target):
            return torch.relu(1 - target * scores).mean() + 1e-4 * sum((p * p).sum() for p in model.parameters())

        t = measure(training_step(model, opt, svm_l2, x, y))
        rows.append(("W3 micrograd demo, SGD", f"{t * 1e6:.1f} us/step"))

    if "W4" in only:
        # W4
        n = 10_000_000
        p = torch.nn.Parameter(torch.randn(n))
        p.grad = torch.randn(n)
        for name, cls, kwargs in (("Adam", torch.optim.Adam, {}), ("AdamW", torch.optim.AdamW, {"weight_decay": 1e-2})):
            for fused in (False, True):
                opt = cls([p], lr=1e-3, fused=fused, **kwargs)
                t = measure(opt.step, min_time=1.0, repeats=10)
                rows.append((f"W4 {name}{' fused' if fused else ''}, 10M params", f"{t * 1e3:.2f} ms, {28 * n / t / 1e9:.1f} GB/s"))
        # Adam on parameters that stay in cache, beside W4's 10M.
        for size in (200_000, 1_000_000):
            q = torch.nn.Parameter(torch.randn(size))
            q.grad = torch.randn(size)
            opt = torch.optim.Adam([q], lr=1e-3, fused=True)
            t = measure(opt.step, min_time=1.0, repeats=10)
            rows.append((f"Adam fused, {size} params", f"{t * 1e6:.1f} us, {28 * size / t / 1e9:.1f} GB/s"))

    if "W5" in only:
        # W5
        # W5's squares, then the MNIST MLP's products (m x k x n, as benches/gemm.rs).
        for m, k, n in ((256, 256, 256), (512, 512, 512), (1024, 1024, 1024), (128, 784, 256), (128, 256, 128), (128, 128, 10)):
            a = torch.randn(m, k)
            b = torch.randn(k, n)
            flops = 2 * m * k * n
            name = f"W5 matmul n={m}" if m == k == n else f"matmul {m}x{k}x{n}"
            t = measure(lambda: a @ b, min_time=0.5)
            rows.append((f"{name} forward", f"{t * 1e3:.3f} ms, {flops / t / 1e9:.1f} GFLOP/s"))
            a_ = a.clone().requires_grad_(True)
            b_ = b.clone().requires_grad_(True)
            g = torch.randn(m, n)

            def fwd_bwd():
                a_.grad = None
                b_.grad = None
                (a_ @ b_).backward(g)

            t = measure(fwd_bwd, min_time=0.5)
            rows.append((f"{name} forward+backward", f"{t * 1e3:.3f} ms, {3 * flops / t / 1e9:.1f} GFLOP/s"))

    print(
        f"PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s), "
        f"ATen CPU capability {torch.backends.cpu.get_cpu_capability()}"
    )
    print_rows(rows)


if __name__ == "__main__":
    main()
