"""Round trip of a whole state dict between PyTorch and tapegrad: a model
with Embedding, Linear, BatchNorm1d (running statistics, num_batches_tracked),
LayerNorm and Dropout, and a module nested in it (res.inner, res.norm).

1. Builds the model, trains it a few steps (so that the running statistics
   and the count are not their initial values), and writes
   tests/fixtures/pytorch_mixed_model.safetensors with
   `save_file(model.state_dict(), ...)`, and tests/fixtures/pytorch_mixed_model.json
   with an input batch and the model's outputs in eval mode. tests/io.rs
   builds the same model in tapegrad, loads the file by name and compares.

2. If tests/fixtures/tapegrad_mixed_model.safetensors exists (tests/io.rs
   writes it with TAPEGRAD_WRITE_FIXTURES=1 and checks it), loads it with
   `model.load_state_dict(load_file(path))` (strict) into the same PyTorch
   model and checks that PyTorch's outputs in eval mode equal the ones
   tapegrad recorded in tests/fixtures/tapegrad_mixed_model.json.

Run from the repository root:
    .venv/bin/python scripts/pytorch_state_dict_fixture.py
"""

import json
import sys
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
nn = torch.nn


class Block(nn.Module):
    """x + tanh(norm(inner(x))): tapegrad's Block in tests/io.rs."""

    def __init__(self, width):
        super().__init__()
        self.inner = nn.Linear(width, width)
        self.norm = nn.LayerNorm(width)

    def forward(self, x):
        return x + torch.tanh(self.norm(self.inner(x)))


class Net(nn.Module):
    """Characters -> vectors -> Linear -> BatchNorm1d -> tanh -> Block -> Dropout -> Linear."""

    def __init__(self):
        super().__init__()
        self.emb = nn.Embedding(27, 6)
        self.fc = nn.Linear(18, 16)
        self.bn = nn.BatchNorm1d(16)
        self.res = Block(16)
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(16, 5)

    def forward(self, tokens):
        h = self.fc(self.emb(tokens).flatten(1))
        h = self.res(torch.tanh(self.bn(h)))
        return self.out(self.drop(h))


def tensor_json(t):
    return {"shape": list(t.shape), "data": t.detach().reshape(-1).tolist()}


def main():
    torch.manual_seed(0)
    model = Net()
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    for _ in range(20):
        tokens = torch.randint(0, 27, (32, 3))
        labels = torch.randint(0, 5, (32,))
        opt.zero_grad()
        F.cross_entropy(model(tokens), labels).backward()
        opt.step()
    model.eval()
    tokens = torch.randint(0, 27, (8, 3))
    with torch.no_grad():
        y = model(tokens)
    save_file(model.state_dict(), FIXTURES / "pytorch_mixed_model.safetensors")
    (FIXTURES / "pytorch_mixed_model.json").write_text(
        json.dumps(
            {
                "meta": {"generator": "scripts/pytorch_state_dict_fixture.py", "torch": torch.__version__},
                "input": {"shape": list(tokens.shape), "data": [float(v) for v in tokens.reshape(-1).tolist()]},
                "output": tensor_json(y),
            },
            indent=1,
        )
    )
    print("wrote pytorch_mixed_model.safetensors and .json")

    path = FIXTURES / "tapegrad_mixed_model.safetensors"
    if not path.exists():
        print(f"{path} not found: run TAPEGRAD_WRITE_FIXTURES=1 cargo test --release --test io, then this again")
        return
    recorded = json.loads((FIXTURES / "tapegrad_mixed_model.json").read_text())
    theirs = Net()
    theirs.load_state_dict(load_file(path))  # strict: every name, nothing more
    theirs.eval()
    tokens = torch.tensor(recorded["input"]["data"], dtype=torch.int64).reshape(recorded["input"]["shape"])
    with torch.no_grad():
        y = theirs(tokens)
    expected = torch.tensor(recorded["output"]["data"]).reshape(recorded["output"]["shape"])
    worst = (y - expected).abs().max().item()
    print(f"tapegrad's file in PyTorch: largest difference from tapegrad's outputs {worst:.3e}")
    print(f"  num_batches_tracked {int(theirs.bn.num_batches_tracked)}, running_mean[:3] {theirs.bn.running_mean[:3].tolist()}")
    if not torch.allclose(y, expected, rtol=1e-6, atol=1e-6):
        sys.exit("MISMATCH: PyTorch's outputs differ from tapegrad's")


if __name__ == "__main__":
    main()
