"""The side-by-side table of BENCHMARKS.md, from the logs of
benches/peers/side_by_side.sh (target/side-by-side/pytorch-*.txt) and
criterion's medians (target/criterion).

    python3 benches/peers/side_by_side_table.py

PyTorch columns give its run before / its run after tapegrad's; the ratio
compares tapegrad with the better of the two (for the optimizers, PyTorch's
fused step).
"""

import json
import pathlib
import re

UNITS = {"us": 1e3, "ms": 1e6}


def criterion():
    medians = {}
    for bench in pathlib.Path("target/criterion").glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        medians[meta["full_id"]] = estimates["median"]["point_estimate"]
    return medians


def pytorch(threads, when):
    """name -> nanoseconds, from one log of the PyTorch script."""
    times = {}
    path = pathlib.Path(f"target/side-by-side/pytorch-{threads}-{when}.txt")
    for line in path.read_text().splitlines()[1:]:
        m = re.match(r"(.+?)\s{2,}([\d.]+) (us|ms)", line)
        if m:
            times[m.group(1).strip()] = float(m.group(2)) * UNITS[m.group(3)]
    return times


def fmt(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs" if ns >= 1e5 else f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def ratio(ours, theirs):
    if ours is None or theirs is None:
        return "—"
    r = theirs / ours
    return f"{r:.2f}x faster" if r >= 1 else f"{1 / r:.2f}x slower"


def main():
    ours = criterion()
    torch = {(t, w): pytorch(t, w) for t in (1, 2) for w in ("before", "after")}
    w2 = "W2 mnist-sized: 784-256-128-10 ReLU, CE, batch 128, Adam (step, {} thread)"
    rows = [
        ("W1 step", "W1 tiny: 2-16-16-1 tanh, BCE, batch 32, Adam (step)", None, "W1 tiny, Adam fused"),
        ("W2 step", w2.format(1), w2.format(2), "W2 mnist-sized, Adam fused"),
        ("W3 step", "W3 micrograd demo: 2-16-16-1 ReLU, SVM + L2, 100 points, SGD (step)", None, "W3 micrograd demo, SGD"),
    ]
    for opt in ("Adam", "AdamW"):
        group = "W4 optimizer step, 10M f32 parameters"
        rows.append((f"W4 {opt}", f"{group}/{opt}, 1 thread", f"{group}/{opt}, 2 thread", f"W4 {opt} fused, 10M params"))
    for n in (200_000, 1_000_000):
        group = "Adam step, smaller parameters"
        rows.append(
            (f"Adam, {n:,} params", f"{group}/{n} parameters, 1 thread", f"{group}/{n} parameters, 2 thread", f"Adam fused, {n} params")
        )
    for n in (256, 512, 1024):
        for what, torch_what in (("forward", "forward"), ("backward", "forward+backward")):
            shape = f"{n}x{n}x{n}"
            rows.append(
                (
                    f"W5 n={n}, {torch_what}",
                    f"{what}/{shape}/tapegrad",
                    f"{what}/{shape}/tapegrad 2 threads",
                    f"W5 matmul n={n} {torch_what}",
                )
            )
    print("| workload | tapegrad, 1 thread | PyTorch, 1 thread | ratio | tapegrad, 2 threads | PyTorch, 2 threads | ratio |")
    print("|---|---|---|---|---|---|---|")
    for label, one, two, torch_name in rows:
        cells = [label]
        for threads, ours_id in ((1, one), (2, two)):
            before, after = torch[(threads, "before")].get(torch_name), torch[(threads, "after")].get(torch_name)
            best = min(t for t in (before, after) if t is not None)
            mine = ours.get(ours_id) if ours_id else None
            cells += [fmt(mine) if mine else "—", f"{fmt(before)} / {fmt(after)}", ratio(mine, best)]
        print("| " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
