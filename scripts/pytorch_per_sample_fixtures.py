"""Generates tests/fixtures/pytorch_per_sample.json: per-sample gradients of
a few small models computed by PyTorch in float64 with
torch.func.vmap(torch.func.grad(...)), the reference BackPACK and Opacus
are tested against. tests/pytorch_per_sample.rs rebuilds each model with
tapegrad and checks that its per-sample gradients agree to 1e-12.

Run from the repository root (needs torch; the tests themselves do not):
    python3 -m venv .venv && .venv/bin/pip install torch
    .venv/bin/python scripts/pytorch_per_sample_fixtures.py

Each case stores the parameters (by tapegrad's names, in the PyTorch
layout: a linear weight is [out, in]), the batch x and targets y, and for
every parameter the tensor [B, ...shape] whose row i is the gradient of
sample i's loss alone.
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.func import grad, vmap

torch.manual_seed(0)
DT = torch.float64


def randn(*shape):
    return torch.randn(shape, dtype=DT)


def layer(name, i, o):
    """A linear layer's parameters, named NAME.weight [o, i] and NAME.bias [o]."""
    return {f"{name}.weight": randn(o, i) / i**0.5, f"{name}.bias": randn(o) * 0.1}


def mlp_params(sizes):
    """An MLP's parameters as tapegrad's Mlp names them: layers.k.weight, layers.k.bias."""
    params = {}
    for k, (i, o) in enumerate(zip(sizes, sizes[1:])):
        params.update(layer(f"layers.{k}", i, o))
    return params


def mlp(params, x, activation, layers):
    for k in range(layers):
        x = F.linear(x, params[f"layers.{k}.weight"], params[f"layers.{k}.bias"])
        if k < layers - 1:
            x = activation(x)
    return x


# Each loss takes one sample's output and target (no batch axis) and
# returns the sample's loss: the sum of its terms, as tapegrad's
# Reduction::None row of terms sums.
def bce(out, y):
    return F.binary_cross_entropy_with_logits(out, y, reduction="sum")


def cross_entropy(out, y):
    return F.cross_entropy(out.unsqueeze(0), y.long().unsqueeze(0), reduction="sum")


def mse(out, y):
    return F.mse_loss(out, y, reduction="sum")


def case(name, params, x, y, model, loss):
    def sample_loss(p, xi, yi):
        # vmap takes the batch axis away; the model sees a batch of one.
        return loss(model(p, xi.unsqueeze(0)).squeeze(0), yi)

    per_sample = vmap(grad(sample_loss), in_dims=(None, 0, 0))(params, x, y)
    as_json = lambda t: {"shape": list(t.shape), "data": t.reshape(-1).tolist()}
    return {
        "name": name,
        "params": {k: as_json(v) for k, v in params.items()},
        "x": as_json(x),
        "y": as_json(y),
        "per_sample": {k: as_json(per_sample[k]) for k in params},
    }


def sequence(params, x):
    """A linear layer over each step of [B, T, in], tanh, the steps averaged, a linear head."""
    h = torch.tanh(F.linear(x, params["layer.weight"], params["layer.bias"])).mean(dim=1)
    return F.linear(h, params["head.weight"], params["head.bias"])


def scaled(params, x):
    """Inputs scaled by a parameter (read by a product, not a linear layer), then an MLP."""
    return mlp(params, x * params["scale"], torch.tanh, 2)


CASES = [
    case(
        "tanh_mlp_bce",
        mlp_params([2, 8, 8, 1]),
        randn(6, 2),
        torch.randint(0, 2, (6, 1)).to(DT),
        lambda p, x: mlp(p, x, torch.tanh, 3),
        bce,
    ),
    case(
        "relu_mlp_cross_entropy",
        mlp_params([3, 6, 4]),
        randn(5, 3),
        torch.randint(0, 4, (5,)).to(DT),
        lambda p, x: mlp(p, x, torch.relu, 2),
        cross_entropy,
    ),
    case(
        "gelu_mlp_mse_two_outputs",
        mlp_params([3, 5, 2]),
        randn(4, 3),
        randn(4, 2),
        lambda p, x: mlp(p, x, F.gelu, 2),
        mse,
    ),
    case(
        "linear_over_a_sequence",
        {**layer("layer", 3, 4), **layer("head", 4, 2)},
        randn(5, 3, 3),
        randn(5, 2),
        sequence,
        mse,
    ),
    case(
        "scaled_inputs",
        {"scale": randn(3), **mlp_params([3, 4, 1])},
        randn(6, 3),
        torch.randint(0, 2, (6, 1)).to(DT),
        scaled,
        bce,
    ),
]

out = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "pytorch_per_sample.json"
out.write_text(json.dumps({"torch": torch.__version__, "cases": CASES}, indent=None) + "\n")
print(f"wrote {out}: {len(CASES)} cases")
