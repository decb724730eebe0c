"""Generates tests/fixtures/pytorch_layers.json: each layer of tapegrad's nn
(LayerNorm, BatchNorm1d in training and eval mode, Embedding, Dropout in
eval mode) run by PyTorch in float64, with its first and second derivatives.
tests/layers.rs builds the same layer, loads the same state by name and
checks that both agree to 1e-10 relative.

Run from the repository root (needs torch; the tests themselves do not):
    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python scripts/pytorch_layer_fixtures.py

Each case stores:
  * "layer": how to build it ("LayerNorm(5)", ...) and its mode;
  * "state": the layer's state_dict before the forward passes (parameters
    and buffers, num_batches_tracked as a count);
  * "batches": the inputs of earlier forward passes (BatchNorm's running
    statistics move with each) and "input", the one differentiated;
  * "output", and "w": the seed of the backward pass (the gradient of
    L = sum(w * output));
  * "grads": dL/d(input) (unless the input is indices) and dL/d(parameter),
    by name;
  * "u" and "hvp": directions u_i, one per differentiated tensor, and the
    gradient of h = sum_i <dL/d_i, u_i> with respect to each (Hessian-vector
    products, the second derivatives);
  * "state_after": the state_dict after the passes (running statistics).
"""

import json
from pathlib import Path

import torch

torch.manual_seed(0)
DT = torch.float64
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def tensor_json(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def state_json(module):
    state = {}
    for name, value in module.state_dict().items():
        if value.dtype == torch.int64:
            state[name] = {"count": int(value.item())}
        else:
            state[name] = tensor_json(value)
    return state


def case(name, layer, build, x, batches=(), train=True, indices=False):
    module = build().to(DT)
    with torch.no_grad():
        for pname, p in module.named_parameters():
            p.copy_(torch.randn(p.shape, dtype=DT) * 0.5 + (1.0 if pname == "weight" and p.dim() == 1 else 0.0))
        if hasattr(module, "running_mean") and not train:
            module.running_mean.copy_(torch.randn(module.running_mean.shape, dtype=DT))
            module.running_var.copy_(torch.rand(module.running_var.shape, dtype=DT) + 0.5)
            module.num_batches_tracked.fill_(7)
    state = state_json(module)
    module.train(train)
    for b in batches:
        module(b)
    params = [p for _, p in module.named_parameters()]
    names = [n for n, _ in module.named_parameters()]
    if not indices:
        x = x.clone().requires_grad_(True)
    out = module(x)
    w = torch.randn(out.shape, dtype=DT)
    loss = (w * out).sum()
    wrt = ([] if indices else [x]) + params
    keys = ([] if indices else ["input"]) + names
    first = torch.autograd.grad(loss, wrt, create_graph=True)
    u = [torch.randn(t.shape, dtype=DT) for t in wrt]
    h = sum((g * d).sum() for g, d in zip(first, u))
    # A layer linear in everything (Embedding, Dropout) has no second derivative.
    second = torch.autograd.grad(h, wrt, allow_unused=True) if h.requires_grad else [None] * len(wrt)
    second = [torch.zeros_like(t) if s is None else s for s, t in zip(second, wrt)]
    return {
        "name": name,
        "layer": layer,
        "training": train,
        "state": state,
        "batches": [tensor_json(b) for b in batches],
        "input": tensor_json(x),
        "indices": indices,
        "output": tensor_json(out),
        "w": tensor_json(w),
        "grads": {k: tensor_json(g) for k, g in zip(keys, first)},
        "u": {k: tensor_json(d) for k, d in zip(keys, u)},
        "hvp": {k: tensor_json(s) for k, s in zip(keys, second)},
        "state_after": state_json(module),
    }


def randn(*shape):
    return torch.randn(shape, dtype=DT)


def main():
    nn = torch.nn
    cases = [
        case("layernorm_2d", "LayerNorm(5)", lambda: nn.LayerNorm(5), randn(4, 5)),
        case("layernorm_3d", "LayerNorm(4)", lambda: nn.LayerNorm(4), randn(2, 3, 4) * 3.0 + 1.0),
        case("layernorm_eps", "LayerNorm(3, eps=0.1)", lambda: nn.LayerNorm(3, eps=0.1), randn(4, 3) * 0.2),
        case(
            "batchnorm_train_2d",
            "BatchNorm1d(4)",
            lambda: nn.BatchNorm1d(4),
            randn(6, 4) * 2.0 + 0.5,
            batches=[randn(5, 4), randn(3, 4) + 1.0],
        ),
        case("batchnorm_train_3d", "BatchNorm1d(3)", lambda: nn.BatchNorm1d(3), randn(4, 3, 5), batches=[randn(2, 3, 5)]),
        case(
            "batchnorm_train_momentum_none",
            "BatchNorm1d(3, momentum=None)",
            lambda: nn.BatchNorm1d(3, momentum=None),
            randn(5, 3),
            batches=[randn(4, 3) * 3.0, randn(6, 3) - 2.0],
        ),
        case("batchnorm_eval_2d", "BatchNorm1d(4)", lambda: nn.BatchNorm1d(4), randn(6, 4), train=False),
        case("batchnorm_eval_3d", "BatchNorm1d(2)", lambda: nn.BatchNorm1d(2), randn(3, 2, 4), train=False),
        case(
            "embedding",
            "Embedding(7, 3)",
            lambda: nn.Embedding(7, 3),
            torch.tensor([[1, 6, 1, 0], [3, 3, 5, 2]], dtype=torch.int64),
            indices=True,
        ),
        case("dropout_eval", "Dropout(0.3)", lambda: nn.Dropout(0.3), randn(3, 4), train=False),
    ]
    for c in cases:
        if c["indices"]:
            c["input"]["data"] = [float(v) for v in c["input"]["data"]]
    out = {"meta": {"generator": "scripts/pytorch_layer_fixtures.py", "torch": torch.__version__}, "cases": cases}
    (FIXTURES / "pytorch_layers.json").write_text(json.dumps(out, indent=1))
    print(f"wrote {len(cases)} cases to {FIXTURES / 'pytorch_layers.json'}")


if __name__ == "__main__":
    main()
