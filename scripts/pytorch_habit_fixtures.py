"""Generates tests/fixtures/pytorch_habits.json: what PyTorch gives for each
habit in tests/pytorch_habits.rs (issue 20's list: modes, Dropout,
LayerNorm, BatchNorm1d, Embedding, cat/stack, arange/eye, sin/cos,
slicing and t[i, j], clamp, argmax, state_dict, a training loop that reads
the loss after the step, a Sequential trained on a worker thread, a step
over a list of parameters, freezing and parameter groups), in float64, from
fixed inputs written out here so that the Rust test builds the same ones.

Run from the repository root (needs torch; the tests themselves do not):
    .venv/bin/python scripts/pytorch_habit_fixtures.py
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F

DT = torch.float64
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"


def grid(rows, cols, scale=0.5, shift=-1.0):
    """[rows, cols] of (i * cols + j) * scale + shift: inputs both sides can write."""
    return (torch.arange(rows * cols, dtype=DT).reshape(rows, cols) * scale + shift)


def wave(*shape):
    """sin(1 + 0.7 k) over the elements, reshaped: varied values, no RNG."""
    n = 1
    for d in shape:
        n *= d
    return torch.sin(1.0 + 0.7 * torch.arange(n, dtype=DT)).reshape(shape)


def t(x):
    return {"shape": list(x.shape), "data": x.detach().reshape(-1).tolist()}


def main():
    nn = torch.nn
    out = {}

    x = grid(2, 3)
    out["cat0"] = t(torch.cat([x, x * 2.0], 0))
    out["stack1"] = t(torch.stack([x, -x], 1))
    out["arange"] = t(torch.arange(0.0, 2.0, 0.5, dtype=DT))
    out["eye"] = t(torch.eye(3, dtype=DT))
    out["sin_cos"] = t(torch.sin(x) + torch.cos(x))
    out["slice"] = t(x[:, 1:3])
    out["item_1_2"] = x[1, 2].item()
    out["clamp"] = t(x.clamp(-0.5, 0.5))
    out["argmax1"] = t(wave(3, 4).argmax(1).to(DT))

    # Dropout in training mode: the elements kept are scaled by 1 / (1 - p).
    kept = F.dropout(torch.ones(1000, dtype=DT), 0.5, training=True)
    out["dropout_kept_values"] = sorted(set(kept.tolist()))

    # LayerNorm and BatchNorm1d (train, then eval), default init.
    h = wave(4, 3) * 2.0
    out["layernorm"] = t(nn.LayerNorm(3).to(DT)(h))
    bn = nn.BatchNorm1d(3).to(DT)
    out["batchnorm_train"] = t(bn(h))
    bn.eval()
    out["batchnorm_eval"] = t(bn(h))
    out["batchnorm_running_var"] = t(bn.running_var)

    # Embedding with a given table.
    emb = nn.Embedding(5, 2).to(DT)
    with torch.no_grad():
        emb.weight.copy_(wave(5, 2))
    out["embedding"] = t(emb(torch.tensor([[4, 0], [1, 1]])))

    # state_dict names of a nested module.
    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.inner = nn.Linear(3, 3)
            self.norm = nn.LayerNorm(3)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.Embedding(5, 2)
            self.fc = nn.Linear(4, 3)
            self.bn = nn.BatchNorm1d(3)
            self.res = Block()
            self.drop = nn.Dropout(0.1)
            self.out = nn.Linear(3, 2)

    out["state_dict_names"] = list(Net().state_dict().keys())

    # A small Sequential, trained by SGD: the loss of every step, read
    # after the step (as PyTorch users do), and the weights at the end.
    w1, b1, w2, b2 = wave(4, 3) * 0.5, wave(4) * 0.1, wave(2, 4) * 0.5, wave(2) * 0.1
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(DT)
    with torch.no_grad():
        for p, v in zip(net.parameters(), [w1, b1, w2, b2]):
            p.copy_(v)
    xs, ys = grid(5, 3, 0.3, -2.0), torch.tensor([0, 1, 1, 0, 1])
    opt = torch.optim.SGD(net.parameters(), lr=0.5)
    losses = []
    for _ in range(3):
        opt.zero_grad()
        loss = F.cross_entropy(net(xs), ys)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    out["sequential_losses"] = losses
    out["sequential_final_weight"] = t(net[2].weight)

    # A step over a list of parameters: least squares y = x w + b.
    w, b = torch.zeros(3, 1, dtype=DT, requires_grad=True), torch.zeros(1, dtype=DT, requires_grad=True)
    params = [w, b]
    opt = torch.optim.SGD(params, lr=0.1)
    target = grid(5, 1, 0.4, 1.0)
    for _ in range(2):
        opt.zero_grad()
        F.mse_loss(xs @ w + b, target).backward()
        opt.step()
    out["list_step_w"] = t(w)
    out["list_step_b"] = t(b)

    # Freezing the first layer, and groups: the second layer's weight at
    # ten times the rate, its bias without weight decay (AdamW).
    net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).to(DT)
    with torch.no_grad():
        for p, v in zip(net.parameters(), [w1, b1, w2, b2]):
            p.copy_(v)
    net[0].requires_grad_(False)
    opt = torch.optim.AdamW(
        [{"params": [net[2].weight], "lr": 0.1}, {"params": [net[2].bias], "weight_decay": 0.0}],
        lr=0.01,
        weight_decay=0.1,
    )
    for _ in range(3):
        opt.zero_grad()
        F.cross_entropy(net(xs), ys).backward()
        opt.step()
    out["groups_weight"] = t(net[2].weight)
    out["groups_bias"] = t(net[2].bias)
    out["frozen_weight"] = t(net[0].weight)

    doc = {"meta": {"generator": "scripts/pytorch_habit_fixtures.py", "torch": torch.__version__}, "values": out}
    (FIXTURES / "pytorch_habits.json").write_text(json.dumps(doc, indent=1))
    print(f"wrote {len(out)} values to {FIXTURES / 'pytorch_habits.json'}")


if __name__ == "__main__":
    main()
