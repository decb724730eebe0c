//! The machine's limits, which BENCHMARKS.md gives every workload as a
//! fraction of: the core clock, the peak of fused multiply-adds at each
//! SIMD level on one and two threads (so the number of FMA ports), and the
//! triad's memory bandwidth with ordinary and streaming stores.
//!
//! ```sh
//! cargo bench --bench roofline
//! ```
//!
//! Each figure is the best of several runs (a limit: anything slower was
//! disturbed). The arrays of the triad have W4's size (10M `f32`, 40 MB
//! each) and, for the bandwidth of main memory, 16 times that.

use tapegrad::linalg::probe::{SimdLevel, Stores, clock_hz, fma_peak, macs_per_ns, split_costs, triad};

fn best(runs: usize, f: impl Fn() -> f64) -> f64 {
    (0..runs).map(|_| f()).fold(0.0, f64::max)
}

fn main() {
    let clock = best(5, || clock_hz(300_000_000).unwrap_or(f64::NAN));
    println!("clock (dependent adds): {:.2} GHz", clock / 1e9);
    for level in [SimdLevel::Avx512, SimdLevel::Avx2Fma] {
        for threads in [1, 2] {
            let Some(peak) = fma_peak(level, threads, 1) else { continue };
            let flops = best(5, || fma_peak(level, threads, 20_000_000).map_or(0.0, |p| p.flops));
            // A multiply-add is two FLOPs on every lane.
            let ports = flops / threads as f64 / clock / (2.0 * peak.lanes as f64);
            println!(
                "FMA peak, {} ({} f32 lanes), {threads} thread(s): {:.1} GFLOP/s = {:.2} vector FMAs a cycle a core",
                level.name(),
                peak.lanes,
                flops / 1e9,
                ports
            );
        }
    }
    for level in [SimdLevel::Avx512, SimdLevel::Avx2Fma] {
        if level.is_supported() {
            println!(
                "GEMM rate the split decisions use, {}: {:.1} GFLOP/s (128x256x128, one thread)",
                level.name(),
                2.0 * macs_per_ns(level)
            );
        }
    }
    let costs = split_costs();
    println!(
        "split costs: hand-off {:.2} us to a polling worker, {:.1} us to a sleeping one; \
         {:.3} ns a float fetched from the other core, {:.3} ns read locally",
        costs.awake_ns / 1e3,
        costs.asleep_ns / 1e3,
        costs.transfer_ns,
        costs.read_ns
    );
    for (len, what) in [(10_000_000, "10M f32 arrays (W4's)"), (160_000_000, "160M f32 arrays")] {
        for stores in [Stores::Cached, Stores::Streaming] {
            for threads in [1, 2] {
                let bytes = best(1, || triad(len, threads, stores, 10));
                println!("triad a = b + s*c, {what}, {stores:?} stores, {threads} thread(s): {:.1} GB/s", bytes / 1e9);
            }
        }
    }
}
