"""Round trip of weights between PyTorch and tapegrad through safetensors.

1. Writes tests/fixtures/pytorch_mlp.safetensors with
   `safetensors.torch.save_file(model.state_dict(), ...)` for a PyTorch MLP
   whose parameter names and layout match tapegrad's `Mlp` (a ModuleList
   `layers` of `nn.Linear`, tanh between them), and tests/fixtures/pytorch_mlp.json
   with an input batch and PyTorch's outputs. tests/io.rs loads the file into
   `Mlp::<f32>::new(&[2, 8, 8, 1], Activation::Tanh, ..)` and compares outputs.

2. If tests/fixtures/tapegrad_mlp.safetensors exists (tests/io.rs writes and
   checks it), loads it into the same PyTorch MLP with
   `model.load_state_dict(safetensors.torch.load_file(path))` and checks that
   PyTorch's outputs equal the ones tapegrad recorded in
   tests/fixtures/tapegrad_mlp.json.

Run from the repository root:
    .venv/bin/python scripts/pytorch_safetensors_fixture.py
"""

import json
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


class Mlp(torch.nn.Module):
    """tapegrad's Mlp: Linear -> tanh -> ... -> Linear, parameters layers.i.weight/bias."""

    def __init__(self, sizes):
        super().__init__()
        self.layers = torch.nn.ModuleList(torch.nn.Linear(a, b) for a, b in zip(sizes, sizes[1:]))

    def forward(self, x):
        for i, layer in enumerate(self.layers):
            x = layer(x)
            if i + 1 < len(self.layers):
                x = torch.tanh(x)
        return x


def main():
    torch.manual_seed(0)
    model = Mlp([2, 8, 8, 1])
    x = torch.randn(5, 2)
    with torch.no_grad():
        y = model(x)
    save_file(model.state_dict(), FIXTURES / "pytorch_mlp.safetensors")
    (FIXTURES / "pytorch_mlp.json").write_text(
        json.dumps(
            {
                "meta": {"generator": "scripts/pytorch_safetensors_fixture.py", "torch": torch.__version__},
                "sizes": [2, 8, 8, 1],
                "input": {"shape": list(x.shape), "data": x.reshape(-1).tolist()},
                "output": {"shape": list(y.shape), "data": y.reshape(-1).tolist()},
            },
            indent=1,
        )
        + "\n"
    )
    print("wrote pytorch_mlp.safetensors and pytorch_mlp.json")

    ours = FIXTURES / "tapegrad_mlp.safetensors"
    if ours.exists():
        expected = json.loads((FIXTURES / "tapegrad_mlp.json").read_text())
        theirs = Mlp(expected["sizes"])
        theirs.load_state_dict(load_file(ours))
        x = torch.tensor(expected["input"]["data"]).reshape(expected["input"]["shape"])
        with torch.no_grad():
            y = theirs(x).reshape(-1)
        want = torch.tensor(expected["output"]["data"])
        diff = (y - want).abs().max().item()
        print(f"tapegrad_mlp.safetensors loads in PyTorch; max output difference {diff:.3e}")
        assert diff < 1e-5, diff


if __name__ == "__main__":
    main()
