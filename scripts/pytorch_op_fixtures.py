"""Generates tests/fixtures/pytorch_ops.json: values and gradients of about 90
expressions computed by PyTorch in float64. tests/pytorch_ops.rs rebuilds each
expression with tapegrad and checks that both agree to 1e-10 relative.

Run from the repository root (needs torch; the tests themselves do not):
    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python scripts/pytorch_op_fixtures.py

Each case stores its inputs, the output, the seed `w` used for the backward
pass (the gradient of sum(w * output)), and the gradient of every input
(null for inputs listed in "constants", which are data such as labels).
"""

import json
import math
from pathlib import Path

import torch
import torch.nn.functional as F

torch.manual_seed(0)
DT = torch.float64


def randn(*shape):
    return torch.randn(shape, dtype=DT)


def positive(*shape, low=0.5, high=2.0):
    return torch.rand(shape, dtype=DT) * (high - low) + low


def away_from_zero(*shape):
    """Values with |x| in [0.2, 2], both signs: no kinks of abs/relu nearby."""
    sign = torch.where(torch.rand(shape) < 0.5, -1.0, 1.0).to(DT)
    return sign * positive(*shape, low=0.2, high=2.0)


def idx(values):
    """Indices as tapegrad takes them: whole numbers in float64."""
    return torch.tensor(values, dtype=DT)


def gelu_tanh(x):
    return torch.nn.functional.gelu(x, approximate="tanh")


# name -> (inputs, function). The Rust test has the same names.
CASES = {
    "add_broadcast_row": ([randn(3, 4), randn(4)], lambda a, b: a + b),
    "sub_broadcast_outer": ([randn(3, 1), randn(1, 4)], lambda a, b: a - b),
    "mul_broadcast_3d": ([randn(2, 3, 4), randn(3, 1)], lambda a, b: a * b),
    "div_broadcast": ([randn(2, 3), positive(3)], lambda a, b: a / b),
    "add_scalar_tensor": ([randn(), randn(2, 3)], lambda a, b: a + b),
    "scalar_ops": (
        [positive(2, 3)],
        lambda x: (2.0 - x) * 3.0 + x / 4.0 - 1.5 + 3.0 / x + (x + 2.0) * 0.5,
    ),
    "neg": ([randn(5)], lambda x: -x),
    "exp": ([randn(2, 3)], torch.exp),
    "ln": ([positive(2, 3)], torch.log),
    "sqrt": ([positive(2, 3)], torch.sqrt),
    "powf": ([positive(2, 3)], lambda x: x.pow(2.5)),
    "abs": ([away_from_zero(2, 3)], torch.abs),
    "tanh": ([randn(2, 3)], torch.tanh),
    "sigmoid_extreme": ([torch.tensor([-40.0, -3.0, 0.0, 0.5, 3.0, 40.0], dtype=DT)], torch.sigmoid),
    "relu": ([away_from_zero(3, 4)], torch.relu),
    "leaky_relu": ([away_from_zero(3, 4)], lambda x: torch.nn.functional.leaky_relu(x, 0.05)),
    "gelu": ([randn(3, 4) * 2.0], F.gelu),
    "matmul_2d": ([randn(4, 3), randn(3, 5)], torch.matmul),
    "matmul_batched": ([randn(2, 4, 3), randn(2, 3, 5)], torch.matmul),
    "matmul_3d_by_2d": ([randn(2, 4, 3), randn(3, 5)], torch.matmul),
    "matmul_2d_by_3d": ([randn(4, 3), randn(2, 3, 5)], torch.matmul),
    "linear": ([randn(4, 3), randn(5, 3), randn(5)], F.linear),
    "linear_3d_no_bias": ([randn(2, 4, 3), randn(2, 3)], F.linear),
    "transpose": ([randn(3, 5)], lambda x: x.t()),
    "swap_axes_3d": ([randn(2, 3, 4)], lambda x: x.transpose(0, 2)),
    "reshape": ([randn(2, 6)], lambda x: x.reshape(3, 4) * torch.arange(12, dtype=DT).reshape(3, 4)),
    "sum": ([randn(3, 4)], lambda x: (x * x).sum()),
    "mean": ([randn(3, 4)], lambda x: (x * x).mean()),
    "sum_axis1_keepdim": ([randn(2, 3, 4)], lambda x: x.sum(dim=1, keepdim=True)),
    "mean_axis0": ([randn(2, 3, 4)], lambda x: x.mean(dim=0)),
    "max_axis_last_keepdim": ([randn(3, 5)], lambda x: x.max(dim=-1, keepdim=True).values),
    "max_axis0": ([randn(4, 3)], lambda x: x.max(dim=0).values),
    "softmax_last": ([randn(3, 5)], lambda x: torch.softmax(x, dim=-1)),
    "softmax_axis0": ([randn(3, 5)], lambda x: torch.softmax(x, dim=0)),
    "log_softmax_extreme": (
        [torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, -999.0, -1001.0]], dtype=DT)],
        lambda x: torch.log_softmax(x, dim=-1),
    ),
    "log_softmax_middle_axis": ([randn(2, 3, 4)], lambda x: torch.log_softmax(x, dim=1)),
    "neuron": (
        [randn(4, 3), randn(3, 1), randn(1)],
        lambda x, w, b: torch.tanh(x @ w + b).mean(),
    ),
    "mlp_log_softmax": (
        [randn(5, 3), randn(3, 8), randn(8), randn(8, 4), randn(4)],
        lambda x, w1, b1, w2, b2: torch.log_softmax(
            gelu_tanh(x @ w1 + b1) @ w2 + b2, dim=-1
        ).mean(),
    ),
    "reused_branches": ([randn(3)], lambda x: (lambda y: y * y + y + x.exp() * x)(torch.tanh(x))),
    # Fused losses. Inputs named in CONSTANTS get no gradient.
    "mse_loss": ([randn(4, 3), randn(4, 3)], F.mse_loss),
    "bce_with_logits": (
        [randn(6, 1) * 3.0, (torch.rand(6, 1) < 0.5).to(DT)],
        F.binary_cross_entropy_with_logits,
    ),
    "bce_with_logits_extreme": (
        [
            torch.tensor([1000.0, -1000.0, 1000.0, -1000.0, 0.5, -30.0], dtype=DT),
            torch.tensor([1.0, 0.0, 0.0, 1.0, 1.0, 0.25], dtype=DT),
        ],
        F.binary_cross_entropy_with_logits,
    ),
    "softmax_cross_entropy": (
        [randn(5, 4) * 2.0, torch.tensor([0.0, 3.0, 1.0, 1.0, 2.0], dtype=DT)],
        lambda x, y: F.cross_entropy(x, y.long()),
    ),
    "softmax_cross_entropy_extreme": (
        [
            torch.tensor([[1000.0, 0.0, -1000.0], [-1000.0, 1000.0, 0.0], [0.0, 0.0, 0.0]], dtype=DT),
            torch.tensor([2.0, 1.0, 0.0], dtype=DT),
        ],
        lambda x, y: F.cross_entropy(x, y.long()),
    ),
    "svm_max_margin": (
        [randn(8, 1) * 1.5, torch.where(torch.rand(8, 1) < 0.5, -1.0, 1.0).to(DT)],
        lambda s, y: torch.relu(1.0 - y * s).mean(),
    ),
    # Added with the exact GELU, 1-D matmul operands and loss reductions (at
    # the end, so that the inputs of the cases above stay as they were).
    "gelu_tanh": ([randn(3, 4) * 2.0], gelu_tanh),
    "erf": ([randn(3, 4) * 1.5], torch.erf),
    "matmul_vector_vector": ([randn(4), randn(4)], torch.matmul),
    "matmul_matrix_vector": ([randn(3, 4), randn(4)], torch.matmul),
    "matmul_vector_matrix": ([randn(4), randn(4, 5)], torch.matmul),
    "matmul_batched_vector": ([randn(2, 3, 4), randn(4)], torch.matmul),
    "matmul_vector_batched": ([randn(4), randn(2, 4, 5)], torch.matmul),
    "mse_loss_sum": ([randn(4, 3), randn(4, 3)], lambda p, t: F.mse_loss(p, t, reduction="sum")),
    "mse_loss_none": ([randn(4, 3), randn(4, 3)], lambda p, t: F.mse_loss(p, t, reduction="none")),
    "bce_with_logits_sum": (
        [randn(6, 1) * 3.0, (torch.rand(6, 1) < 0.5).to(DT)],
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="sum"),
    ),
    "bce_with_logits_none": (
        [randn(6, 1) * 3.0, (torch.rand(6, 1) < 0.5).to(DT)],
        lambda x, y: F.binary_cross_entropy_with_logits(x, y, reduction="none"),
    ),
    "softmax_cross_entropy_sum": (
        [randn(5, 4) * 2.0, torch.tensor([0.0, 3.0, 1.0, 1.0, 2.0], dtype=DT)],
        lambda x, y: F.cross_entropy(x, y.long(), reduction="sum"),
    ),
    "softmax_cross_entropy_none": (
        [randn(5, 4) * 2.0, torch.tensor([2.0, 0.0, 1.0, 3.0, 3.0], dtype=DT)],
        lambda x, y: F.cross_entropy(x, y.long(), reduction="none"),
    ),
    "svm_max_margin_none": (
        [randn(8, 1) * 1.5, torch.where(torch.rand(8, 1) < 0.5, -1.0, 1.0).to(DT)],
        lambda s, y: torch.relu(1.0 - y * s),
    ),
    # The tensor vocabulary (issue 20), appended so that the inputs above stay
    # as they were. Indices are float64 inputs listed in CONSTANTS (tapegrad
    # stores indices as whole numbers of the element type) and cast to long
    # for PyTorch.
    "index_select_rows": ([randn(4, 3), idx([2, 0, 2])], lambda x, i: x.index_select(0, i.long())),
    "index_select_last_axis": ([randn(2, 3, 4), idx([3, 1, 1, 0, 2])], lambda x, i: x.index_select(-1, i.long())),
    "gather_labels": ([randn(3, 4), idx([[2], [0], [3]])], lambda x, i: x.gather(1, i.long())),
    "gather_axis0_smaller": (
        [randn(3, 4, 2), idx([[[2, 0], [1, 1], [0, 2]], [[1, 2], [2, 2], [0, 0]]])],
        lambda x, i: x.gather(0, i.long()),
    ),
    "cat_three_axis1": ([randn(2, 1), randn(2, 3), randn(2, 2)], lambda *p: torch.cat(p, dim=1)),
    "cat_five_axis0": ([randn(1, 3), randn(2, 3), randn(1, 3), randn(3, 3), randn(1, 3)], lambda *p: torch.cat(p, dim=0)),
    "stack_axis1": ([randn(2, 3), randn(2, 3), randn(2, 3)], lambda *p: torch.stack(p, dim=1)),
    "narrow": ([randn(3, 5)], lambda x: x.narrow(1, 1, 3)),
    "slice_2d": ([randn(4, 5)], lambda x: x[1:3, 2:5]),
    "split_recombined": (
        [randn(5, 3)],
        lambda x: (lambda p: torch.cat([p[2], p[0], p[1]], dim=0) * p[0].sum())(x.split(2, dim=0)),
    ),
    "chunk_product": ([randn(6, 2)], lambda x: (lambda p: p[0] * p[1] * p[2])(x.chunk(3, dim=0))),
    "min_axis_last_keepdim": ([randn(3, 5)], lambda x: x.min(dim=-1, keepdim=True).values),
    "min_axis0": ([randn(4, 3)], lambda x: x.min(dim=0).values),
    "var_axis_sample": ([randn(3, 5)], lambda x: x.var(dim=1)),
    "var_axis_population_keepdim": ([randn(2, 3, 4)], lambda x: x.var(dim=1, correction=0, keepdim=True)),
    "var_axis_correction2": ([randn(4, 3)], lambda x: x.var(dim=0, correction=2)),
    "std_axis": ([randn(3, 6)], lambda x: x.std(dim=-1, keepdim=True)),
    "sin": ([randn(3, 4) * 2.0], torch.sin),
    "cos": ([randn(3, 4) * 2.0], torch.cos),
    # Both sides of the threshold (20), where PyTorch's softplus turns linear.
    "softplus": ([torch.tensor([-30.0, -2.0, 0.0, 1.5, 19.5, 20.5, 40.0], dtype=DT)], F.softplus),
    "log1p": ([positive(2, 3, low=-0.5, high=3.0)], torch.log1p),
    "expm1": ([randn(2, 3)], torch.expm1),
    "square": ([randn(2, 3)], torch.square),
    "rsqrt": ([positive(2, 3)], torch.rsqrt),
    "clamp": ([away_from_zero(3, 4) * 1.5], lambda x: x.clamp(-1.0, 1.0)),
    "clamp_min": ([away_from_zero(3, 4)], lambda x: x.clamp_min(0.0)),
    "clamp_max": ([away_from_zero(3, 4)], lambda x: x.clamp_max(0.0)),
    # Exactly at the bounds: PyTorch passes no gradient there.
    "clamp_at_bounds": ([torch.tensor([-2.0, -1.0, 0.5, 1.0, 3.0], dtype=DT)], lambda x: x.clamp(-1.0, 1.0)),
    "maximum_broadcast": ([randn(3, 4), randn(4)], torch.maximum),
    "minimum_broadcast": ([randn(3, 1), randn(1, 4)], torch.minimum),
    # Ties: PyTorch gives each operand half the gradient.
    "maximum_ties": ([idx([1.0, 2.0, 3.0, 2.0]), idx([2.0, 2.0, 2.0, 2.0])], torch.maximum),
    "minimum_ties": ([idx([1.0, 2.0, 3.0, 2.0]), idx([2.0, 2.0, 2.0, 2.0])], torch.minimum),
    "where_broadcast": (
        [idx([[1.0], [0.0], [1.0]]), randn(3, 4), randn(4)],
        lambda c, a, b: torch.where(c != 0, a, b),
    ),
    "masked_fill": ([randn(2, 3), idx([[0.0, 1.0, 0.0], [1.0, 1.0, 0.0]])], lambda x, m: x.masked_fill(m != 0, -2.5)),
}

# Inputs (by position) that are data, not variables: no gradient is recorded.
CONSTANTS = {
    "softmax_cross_entropy": [1],
    "softmax_cross_entropy_extreme": [1],
    "svm_max_margin": [1],
    "softmax_cross_entropy_sum": [1],
    "softmax_cross_entropy_none": [1],
    "svm_max_margin_none": [1],
    "index_select_rows": [1],
    "index_select_last_axis": [1],
    "gather_labels": [1],
    "gather_axis0_smaller": [1],
    "where_broadcast": [0],
    "masked_fill": [1],
}


def tensor_json(t):
    return {"shape": list(t.shape), "data": [float(v) for v in t.detach().reshape(-1).tolist()]}


def main():
    cases = []
    for name, (inputs, fn) in CASES.items():
        constants = CONSTANTS.get(name, [])
        leaves = [x.clone().requires_grad_(i not in constants) for i, x in enumerate(inputs)]
        out = fn(*leaves)
        seed = torch.empty_like(out).uniform_(0.5, 1.5)
        wanted = [x for i, x in enumerate(leaves) if i not in constants]
        found = iter(torch.autograd.grad(out, wanted, grad_outputs=seed))
        grads = [None if i in constants else next(found) for i in range(len(leaves))]
        for v in (out, *grads):
            assert v is None or torch.isfinite(v).all(), name
        cases.append(
            {
                "name": name,
                "inputs": [tensor_json(x) for x in inputs],
                "output": tensor_json(out),
                "seed": tensor_json(seed),
                "constants": constants,
                "grads": [None if g is None else tensor_json(g) for g in grads],
            }
        )
    out_path = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pytorch_ops.json"
    meta = {"generator": "scripts/pytorch_op_fixtures.py", "torch": torch.__version__, "dtype": "float64"}
    out_path.write_text(json.dumps({"meta": meta, "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out_path}")


if __name__ == "__main__":
    main()
