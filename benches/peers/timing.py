"""Timing shared by the peer scripts: the median time per call, and the
aligned table they print. Imported from the scripts' own folder."""

import statistics
import time


def measure(step, min_time=0.3, repeats=15, warmup=10, wait=lambda out: None):
    """Median seconds per call of `step`, over `repeats` repeats of about
    `min_time / repeats` seconds each. `wait(out)` is called on the last
    result of each repeat (and of each warm-up call), for libraries that
    return before the work is done (JAX: `jax.block_until_ready`)."""
    for _ in range(warmup):
        wait(step())
    # Calls per repeat so that one repeat takes about min_time / repeats.
    t0 = time.perf_counter()
    n = 0
    while time.perf_counter() - t0 < 0.05:
        wait(step())
        n += 1
    per_call = (time.perf_counter() - t0) / n
    calls = max(1, int(min_time / repeats / per_call))
    samples = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        out = None
        for _ in range(calls):
            out = step()
        wait(out)
        samples.append((time.perf_counter() - t0) / calls)
    return statistics.median(samples)


def print_rows(rows):
    """(name, value) pairs, names padded to one width."""
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        print(f"{name:<{width}}  {value}")
