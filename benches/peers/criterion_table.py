"""Prints the medians of the last `cargo bench` run (target/criterion) as a
Markdown table: benchmark, median time, and throughput (GFLOP/s for the
matrix products, GB/s for the optimizer step), from criterion's own files.

    python3 benches/peers/criterion_table.py
"""

import json
import pathlib


def fmt_time(ns):
    if ns >= 1e6:
        return f"{ns / 1e6:.3f} ms"
    if ns >= 1e3:
        return f"{ns / 1e3:.2f} µs"
    return f"{ns:.0f} ns"


def main():
    rows = []
    for bench in sorted(pathlib.Path("target/criterion").glob("**/new/benchmark.json")):
        meta = json.loads(bench.read_text())
        median = json.loads((bench.parent / "estimates.json").read_text())["median"]["point_estimate"]
        rate = ""
        throughput = meta.get("throughput") or {}
        if "Elements" in throughput:
            rate = f"{throughput['Elements'] / median:.1f} GFLOP/s"
        elif "BytesDecimal" in throughput:
            rate = f"{throughput['BytesDecimal'] / median:.1f} GB/s"
        rows.append((meta["full_id"], fmt_time(median), rate))
    print("| benchmark | median | rate |")
    print("|---|---|---|")
    for row in rows:
        print("| " + " | ".join(row) + " |")


if __name__ == "__main__":
    main()
