"""The side-by-side table of BENCHMARKS.md, from the logs of
benches/peers/side_by_side.sh (target/side-by-side/{pytorch,jax,numpy}-*.txt)
and criterion's medians (target/criterion).

    python3 benches/peers/side_by_side_table.py [LOG_DIR]

Each peer's cell is the better of its run before and its run after
tapegrad's (both are in the logs); for the optimizers PyTorch's fused step.
The ratio compares tapegrad with the best peer of the row.
"""

import json
import pathlib
import re
import sys

UNITS = {"us": 1e3, "ms": 1e6}


def criterion():
    medians = {}
    for bench in pathlib.Path("target/criterion").glob("**/new/benchmark.json"):
        meta = json.loads(bench.read_text())
        estimates = json.loads((bench.parent / "estimates.json").read_text())
        medians[meta["full_id"]] = estimates["median"]["point_estimate"]
    return medians


def peer(logs, name, threads):
    """name -> nanoseconds, the better of the runs before and after tapegrad's."""
    times = {}
    for when in ("before", "after"):
        path = logs / f"{name}-{threads}-{when}.txt"
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            m = re.match(r"(.+?)\s{2,}([\d.]+) (us|ms)", line)
            if m:
                key, ns = m.group(1).strip(), float(m.group(2)) * UNITS[m.group(3)]
                times[key] = min(times.get(key, ns), ns)
    return times


def fmt(ns):
    if ns is None:
        return "—"
    if ns >= 1e6:
        return f"{ns / 1e6:.2f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.1f} µs"
    return f"{ns:.0f} ns"


def ratio(ours, best):
    if ours is None or best is None:
        return "—"
    r = best / ours
    return f"**{1 / r:.2f}x slower**" if r < 1 else f"{r:.2f}x faster"


def main():
    logs = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "target/side-by-side")
    ours = criterion()
    peers = {(p, t): peer(logs, p, t) for p in ("pytorch", "jax", "numpy") for t in (1, 2)}
    w2 = "W2 mnist-sized: 784-256-128-10 ReLU, CE, batch 128, Adam (step, {} thread)"
    # label, tapegrad 1 thread, tapegrad 2 threads, {peer: name in its log}
    rows = [
        ("W1 step", "W1 tiny: 2-16-16-1 tanh, BCE, batch 32, Adam (step)", None,
         {"pytorch": "W1 tiny, Adam fused", "jax": "W1 tiny, Adam"}),
        ("W2 step", w2.format(1), w2.format(2), {"pytorch": "W2 mnist-sized, Adam fused", "jax": "W2 mnist-sized, Adam"}),
        ("W3 step", "W3 micrograd demo: 2-16-16-1 ReLU, SVM + L2, 100 points, SGD (step)", None,
         {"pytorch": "W3 micrograd demo, SGD", "jax": "W3 micrograd demo, SGD"}),
    ]
    group = "W4 optimizer step, 10M f32 parameters"
    for opt in ("Adam", "AdamW"):
        rows.append((f"W4 {opt}, 10M", f"{group}/{opt}, 1 thread", f"{group}/{opt}, 2 thread",
                     {"pytorch": f"W4 {opt} fused, 10M params", "jax": f"W4 {opt}, 10M params"}))
    for n in (256, 512, 1024):
        for what, peer_what in (("forward", "forward"), ("backward", "forward+backward")):
            shape = f"{n}x{n}x{n}"
            name = f"W5 matmul n={n} {peer_what}"
            rows.append((f"W5 n={n}, {peer_what}", f"{what}/{shape}/tapegrad", f"{what}/{shape}/tapegrad 2 threads",
                         {"pytorch": name, "jax": name, "numpy": name}))
            rows.append((f"W5 n={n}, {peer_what}, GEMM alone", f"{what}/{shape}/gemm", f"{what}/{shape}/gemm 2 threads",
                         {"pytorch": name, "jax": name, "numpy": name}))
    for m, k, n in ((128, 784, 256), (128, 256, 128), (128, 128, 10)):
        for what, peer_what in (("forward", "forward"), ("backward", "forward+backward")):
            shape = f"{m}x{k}x{n}"
            name = f"matmul {shape} {peer_what}"
            rows.append((f"MLP {shape}, {peer_what}", f"{what}/{shape}/tapegrad", None, {"pytorch": name, "numpy": name}))
            rows.append((f"MLP {shape}, {peer_what}, GEMM alone", f"{what}/{shape}/gemm", None, {"pytorch": name, "numpy": name}))
    for threads in (1, 2):
        print(f"\n{threads} thread{'s' if threads > 1 else ''}:\n")
        print("| workload | tapegrad | PyTorch | JAX | NumPy | tapegrad against the best peer |")
        print("|---|---|---|---|---|---|")
        for label, one, two, names in rows:
            mine = ours.get(one if threads == 1 else two) if (one if threads == 1 else two) else None
            if mine is None:
                continue
            cells = {p: peers[(p, threads)].get(names[p]) if p in names else None for p in ("pytorch", "jax", "numpy")}
            found = [v for v in cells.values() if v is not None]
            best = min(found) if found else None
            print(f"| {label} | {fmt(mine)} | {fmt(cells['pytorch'])} | {fmt(cells['jax'])} | {fmt(cells['numpy'])} | {ratio(mine, best)} |")
    bw = "W4 bandwidth reference, 10M f32 arrays"
    print("\nW4 against the machine's bandwidth (GB/s, real bytes: Adam 28 B an element, triad 16):\n")
    for threads in (1, 2):
        triad = ours.get(f"{bw}/triad a = b + s*c, {threads} thread")
        adam = ours.get(f"{group}/Adam, {threads} thread")
        stream = ours.get(f"{group}/stream of Adam's traffic (4 read, 3 written), {threads} thread")
        if triad and adam:
            t, a = 16e7 / triad, 28e7 / adam
            s = f", Adam-shaped stream {28e7 / stream:.1f} GB/s" if stream else ""
            print(f"* {threads} thread: triad {t:.1f} GB/s, Adam {a:.1f} GB/s = {a / t:.0%} of the triad{s}")


if __name__ == "__main__":
    main()
