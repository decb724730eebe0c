"""Generates tests/fixtures/pytorch_optimizers.json: 50 steps of torch.optim
optimizers on one small fixed problem, in float64, with the parameter values
after every step. tests/optimizers.rs replays every case with tapegrad's
optimizers (the gradients computed by tapegrad's tape) and checks that each
step agrees.

Run from the repository root (needs torch; the tests themselves do not):
    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python scripts/pytorch_optimizer_fixtures.py

The problem: parameters x (shape [3]) and W (shape [2, 2]), constants c, B, Y,
and the loss

    0.5 * sum(c * x * x) + sum(tanh(x)) + mean((W @ B - Y)**2) + 0.1 * sum(exp(0.5 * W))

built only from ops that tapegrad has. The curvatures of x differ by a factor
of 100 (c), so the adaptive optimizers behave visibly differently from SGD.

Each case names the torch optimizer, its keyword arguments, and the learning
rate schedule as [first_step, lr] pairs (a case with two pairs changes the
rate mid-run by assigning param_group["lr"], as a scheduler does). Every
optimizer runs its single-tensor implementation (foreach=False), whose
rounding tapegrad follows. Each case also records its "sensitivity": how
much the trajectory moves when the gradients are perturbed by 1e-15 relative
(see SENSITIVITY_LIMIT), the floor below which no reimplementation can be
expected to agree.
"""

import json
import re
from pathlib import Path

import torch

DT = torch.float64
STEPS = 50

X0 = [1.0, -2.0, 0.5]
W0 = [[0.5, -0.3], [0.8, 0.2]]
C = [1.0, 10.0, 0.1]
B = [[1.0, 0.5, -1.0], [0.2, -0.4, 0.3]]
Y = [[1.0, 0.0, -1.0], [0.5, 1.5, 0.0]]

LOSS = "0.5 * sum(c * x * x) + sum(tanh(x)) + mean((W @ B - Y)**2) + 0.1 * sum(exp(0.5 * W))"

# name -> (torch optimizer, keyword arguments, lr schedule as [first_step, lr] pairs).
# The Rust test builds the matching tapegrad optimizer from the same fields.
CASES = {
    "sgd_weight_decay": ("SGD", {"weight_decay": 0.1}, [[0, 0.05]]),
    "sgd_momentum": ("SGD", {"momentum": 0.9}, [[0, 0.05]]),
    "sgd_nesterov": ("SGD", {"momentum": 0.9, "nesterov": True}, [[0, 0.05]]),
    "sgd_nesterov_weight_decay": ("SGD", {"momentum": 0.9, "nesterov": True, "weight_decay": 0.1}, [[0, 0.05]]),
    "sgd_momentum_lr_drop": ("SGD", {"momentum": 0.9}, [[0, 0.05], [25, 0.005]]),
    # lr 0.005, not 0.01: see SENSITIVITY_LIMIT.
    "rmsprop_alpha_0.9": ("RMSprop", {"alpha": 0.9}, [[0, 0.005]]),
    "rmsprop_alpha_0.99": ("RMSprop", {"alpha": 0.99}, [[0, 0.01]]),
    "rmsprop_weight_decay": ("RMSprop", {"alpha": 0.99, "weight_decay": 0.1}, [[0, 0.01]]),
    "adam": ("Adam", {}, [[0, 0.05]]),
    "adam_betas_eps": ("Adam", {"betas": [0.8, 0.99], "eps": 1e-7}, [[0, 0.05]]),
    "adam_weight_decay": ("Adam", {"weight_decay": 0.1}, [[0, 0.05]]),
    "adamw": ("AdamW", {"weight_decay": 0.1}, [[0, 0.05]]),
    "adamw_default_decay": ("AdamW", {}, [[0, 0.05]]),
    "adamw_lr_drop": ("AdamW", {"weight_decay": 0.1}, [[0, 0.05], [25, 0.005]]),
}


# Every case must be well-conditioned: perturbing the gradients by 1e-15
# relative (about five roundings) may change no parameter by more than this,
# relative, over the 50 steps. Otherwise no implementation that rounds the
# gradient differently from torch (tapegrad's tape does) could agree with the
# fixture to 1e-10. The case that taught us: RMSprop(alpha=0.9, lr=0.01) near
# the minimum of W[0, 1], where the gradient tends to 0 and the fast-forgetting
# average sqrt(s) follows |g| down, so the step lr*g/sqrt(s) stays about lr
# while g itself is a difference of nearly equal terms; a 1e-16 change in the
# gradient grew to 1e-6 in the parameter by step 50 (10x every three steps).
# With lr=0.005 it stays below 1e-13.
SENSITIVITY_LIMIT = 1e-11


def loss_fn(x, W, c, B, Y):
    d = W @ B - Y
    return 0.5 * (c * x * x).sum() + torch.tanh(x).sum() + (d * d).mean() + 0.1 * torch.exp(0.5 * W).sum()


# Small values are written on one line each (see `dumps`).
COMPACT = []


def one_line(value):
    COMPACT.append(json.dumps(value))
    return f"@@{len(COMPACT) - 1}@@"


def dumps(tree):
    """Indented JSON, with the values passed through `one_line` on one line."""
    text = json.dumps(tree, indent=1)
    return re.sub(r'"@@(\d+)@@"', lambda m: COMPACT[int(m.group(1))], text)


def tensor_json(t):
    return one_line({"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]})


def lr_at(schedule, step):
    return [lr for first, lr in schedule if first <= step][-1]


def run(optimizer, kwargs, schedule, noise=0.0):
    """The parameters (x, W) after every step; with `noise`, each gradient is
    first multiplied by 1 + noise * N(0, 1), elementwise."""
    generator = torch.Generator().manual_seed(0)
    x = torch.tensor(X0, dtype=DT, requires_grad=True)
    W = torch.tensor(W0, dtype=DT, requires_grad=True)
    c, B_, Y_ = (torch.tensor(v, dtype=DT) for v in (C, B, Y))
    opt = getattr(torch.optim, optimizer)([x, W], lr=lr_at(schedule, 0), foreach=False, **kwargs)
    steps = []
    for step in range(STEPS):
        for group in opt.param_groups:
            group["lr"] = lr_at(schedule, step)
        opt.zero_grad()
        loss_fn(x, W, c, B_, Y_).backward()
        if noise:
            for p in (x, W):
                p.grad.mul_(1.0 + noise * torch.randn(p.shape, generator=generator, dtype=DT))
        opt.step()
        assert torch.isfinite(x).all() and torch.isfinite(W).all()
        steps.append((x.detach().clone(), W.detach().clone()))
    return steps


def sensitivity(optimizer, kwargs, schedule):
    """The largest relative change of any parameter at any step when the
    gradients are perturbed by 1e-15 relative."""
    exact, perturbed = run(optimizer, kwargs, schedule), run(optimizer, kwargs, schedule, noise=1e-15)
    worst = 0.0
    for a, b in zip(exact, perturbed):
        for p, q in zip(a, b):
            worst = max(worst, ((p - q).abs() / p.abs()).max().item())
    return worst


def main():
    cases = []
    for name, (optimizer, kwargs, schedule) in CASES.items():
        worst = sensitivity(optimizer, kwargs, schedule)
        assert worst < SENSITIVITY_LIMIT, f"{name} is ill-conditioned: sensitivity {worst:.1e}"
        steps = [{"x": tensor_json(x), "W": tensor_json(W)} for x, W in run(optimizer, kwargs, schedule)]
        cases.append(
            {
                "name": name,
                "optimizer": optimizer,
                "kwargs": one_line(kwargs),
                "lr_schedule": one_line(schedule),
                "sensitivity": worst,
                "steps": steps,
            }
        )
    out_path = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pytorch_optimizers.json"
    meta = {
        "generator": "scripts/pytorch_optimizer_fixtures.py",
        "torch": torch.__version__,
        "dtype": "float64",
        "implementation": "single-tensor (foreach=False)",
    }
    problem = {
        "loss": LOSS,
        "x0": tensor_json(torch.tensor(X0, dtype=DT)),
        "W0": tensor_json(torch.tensor(W0, dtype=DT)),
        "c": tensor_json(torch.tensor(C, dtype=DT)),
        "B": tensor_json(torch.tensor(B, dtype=DT)),
        "Y": tensor_json(torch.tensor(Y, dtype=DT)),
        "steps": STEPS,
    }
    out_path.write_text(dumps({"meta": meta, "problem": problem, "cases": cases}) + "\n")
    print(f"wrote {len(cases)} cases of {STEPS} steps to {out_path}")


if __name__ == "__main__":
    main()
