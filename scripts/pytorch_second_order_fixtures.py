"""Generates tests/fixtures/pytorch_second_order.json: PyTorch's double
backward (float64) for every expression of scripts/pytorch_op_fixtures.py
(the same cases, the same inputs) and a few more, for the ops those cases do
not reach. tests/pytorch_second_order.rs rebuilds each expression with
tapegrad and checks that both agree to 1e-10 relative.

Run from the repository root (needs torch; the tests themselves do not):
    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python scripts/pytorch_second_order_fixtures.py

For an expression f with inputs x_i, weights w shaped like its output, and
directions u_i shaped like the inputs (all random), each case stores

    first[i]   = dL/dx_i               with L = sum(w * f(x)), create_graph=True
    second[i]  = d/dx_i sum_j <first[j], u_j>   (the Hessian of L times u)
    weights_grad = d/dw sum_j <first[j], u_j>   (the Jacobian of f times u)

the second being torch.autograd.grad of the first, with w a leaf that
requires a gradient. Inputs listed in "constants" (class labels) get null.
"""

import json
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
# Importing the first-order generator builds its cases (it seeds torch with
# 0 first), so the inputs here are exactly those of pytorch_ops.json.
from pytorch_op_fixtures import CASES, CONSTANTS, away_from_zero, positive, randn, tensor_json  # noqa: E402

torch.manual_seed(1)

# Ops the first-order cases do not reach on their own. The Rust test has the
# same names (tests/common/expressions.rs). As there, inputs stay away from
# the points where an op has a kink or a jump (sign and abs at 0, the hinge
# 1 - y s = 0), where tapegrad and PyTorch may pick different one-sided
# derivatives.
EXTRA_CASES = {
    "broadcast_to": ([randn(3, 1)], lambda x: x.expand(2, 3, 4) * x.expand(2, 3, 4)),
    "sum_to": ([randn(2, 3, 4)], lambda x: x.sum(dim=(0, 2), keepdim=True).reshape(1, 3, 1) ** 2),
    # sign has a zero derivative (and a jump at 0, kept away from); the
    # product makes a gradient flow through it.
    "sign": ([away_from_zero(2, 3)], lambda x: torch.sign(x) * x * x),
    "scalar_methods": ([positive(2, 3)], lambda x: ((x + 0.5) * 2.0 / 4.0 - 1.0).pow(2) + 2.0 / x),
    # x.detach() is a constant copy: the second derivative of d x² is 2d.
    "detach": ([randn(2, 3)], lambda x: x.detach() * x * x),
    "mean_axis_keepdim_squared": ([randn(2, 3, 4)], lambda x: x.mean(dim=2, keepdim=True) ** 2),
    "sum_axis_squared": ([randn(3, 5)], lambda x: x.sum(dim=0) ** 2),
    "matmul_same_operand": ([randn(3, 3)], lambda x: x @ x),
    "linear_3d_bias_tanh": (
        [randn(2, 4, 3), randn(5, 3), randn(5)],
        lambda x, w, b: torch.tanh(torch.nn.functional.linear(x, w, b)),
    ),
    # The labels as variables too (their gradient is -s where the margin is
    # violated); no 1 - y s is near 0.
    "svm_max_margin_labels_too": (
        [torch.tensor([[0.3], [-2.0], [1.7], [-0.4], [2.5], [0.1]], dtype=torch.float64),
         torch.tensor([[1.0], [-1.0], [-1.0], [1.0], [1.0], [-1.0]], dtype=torch.float64)],
        lambda s, y: torch.relu(1.0 - y * s).mean(),
    ),
}


def double_backward(inputs, fn, constants):
    leaves = [x.clone().requires_grad_(i not in constants) for i, x in enumerate(inputs)]
    wanted = [x for i, x in enumerate(leaves) if i not in constants]
    out = fn(*leaves)
    weights = torch.empty_like(out).uniform_(0.5, 1.5).requires_grad_(True)
    first = torch.autograd.grad((out * weights).sum(), wanted, create_graph=True)
    directions = [torch.randn_like(x) for x in wanted]
    h = sum((g * u).sum() for g, u in zip(first, directions))
    # A gradient that does not depend on some input has no graph back to it.
    second = torch.autograd.grad(h, wanted + [weights], allow_unused=True)
    # (Some double-backward formulas return a lazy zero tensor: adding it
    # to real zeros materialises it.)
    second = [torch.zeros_like(x) if g is None else torch.zeros_like(x) + g for x, g in zip(wanted + [weights], second)]
    return out, weights, directions, first, second


def per_input(values, count, constants):
    """Puts None at the positions of the constants."""
    found = iter(values)
    return [None if i in constants else tensor_json(next(found)) for i in range(count)]


def main():
    cases = []
    for name, (inputs, fn) in {**CASES, **EXTRA_CASES}.items():
        constants = CONSTANTS.get(name, [])
        out, weights, directions, first, second = double_backward(inputs, fn, constants)
        for v in (out, *first, *second):
            assert torch.isfinite(v).all(), name
        n = len(inputs)
        cases.append(
            {
                "name": name,
                "inputs": [tensor_json(x) for x in inputs],
                "constants": constants,
                "weights": tensor_json(weights),
                "directions": per_input(directions, n, constants),
                "first": per_input(first, n, constants),
                "second": per_input(second[:-1], n, constants),
                "weights_grad": tensor_json(second[-1]),
            }
        )
    out_path = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pytorch_second_order.json"
    meta = {"generator": "scripts/pytorch_second_order_fixtures.py", "torch": torch.__version__, "dtype": "float64"}
    out_path.write_text(json.dumps({"meta": meta, "cases": cases}, indent=1) + "\n")
    print(f"wrote {len(cases)} cases to {out_path}")


if __name__ == "__main__":
    main()
