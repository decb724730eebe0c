//! W1 and W2 training steps and single matrix products in a plain loop, for
//! instruction counts and for timings that alternate two builds or two
//! settings in one window.
//!
//! ```sh
//! cargo bench --bench steps                       # W1 and W2, 1 and 2 threads: median time a step
//! cargo bench --no-run --bench steps              # prints target/release/deps/steps-HASH
//! valgrind --tool=callgrind target/release/deps/steps-HASH count w2 20   # and 40
//! target/release/deps/steps-HASH best gemm:512x512x512 200
//! ```
//!
//! `count W N` runs `N` steps of `W` on one thread after one warm-up step
//! and prints nothing else: the instructions a step are
//! `(total at 2N - total at N) / N`, which cancels the set-up (callgrind
//! counts do not depend on the machine's load, unlike timings).
//! `time W THREADS ROUNDS` prints the median time a step over `ROUNDS`
//! rounds of about 0.3 s each. `best W REPS` prints the fastest of `REPS`
//! single steps on one thread: on a busy machine the fastest short run is
//! one the scheduler did not interrupt, a usable figure for comparing two
//! versions of a kernel while other jobs run (not for the tables).
//!
//! `W` is `w1` or `w2` (the steps of `benches/workloads.rs`), `w4adam` or
//! `w4adamw` (one update of 10M `f32` parameters, as W4 there), or a product
//! `gemm:MxKxN` (`linalg::gemm` into a reused `C`), `matmul:MxKxN` (the
//! engine's matmul on a cleared tape, as `benches/gemm.rs`'s `tapegrad`
//! rows), `gemm3:MxKxN` or `matmul3:MxKxN` (forward and backward: the three
//! products).

mod common;

use std::hint::black_box;
use std::time::Instant;

use tapegrad::linalg::{MatMut, MatRef, gemm};
use tapegrad::{Gradients, Param, Tape, Tensor, set_num_threads};

/// A training step to repeat.
type Step = Box<dyn FnMut()>;

/// A product `kind:MxKxN`.
fn product(kind: &str, dims: &str) -> Step {
    let dims: Vec<usize> = dims.split('x').map(|d| d.parse().expect("steps: dimensions MxKxN")).collect();
    let [m, k, n] = dims[..] else { panic!("steps: dimensions MxKxN") };
    let (a, b, g) = (common::fill(m * k, 1), common::fill(k * n, 2), common::fill(m * n, 3));
    match kind {
        "gemm" | "gemm3" => {
            let (mut c, mut da, mut db) = (vec![0.0; m * n], vec![0.0; m * k], vec![0.0; k * n]);
            let three = kind == "gemm3";
            Box::new(move || {
                let (a, b, g) = (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n), MatRef::row_major(&g, m, n));
                gemm(1.0, a, b, 0.0, MatMut::row_major(&mut c, m, n));
                if three {
                    gemm(1.0, g, b.t(), 0.0, MatMut::row_major(&mut da, m, k));
                    gemm(1.0, a.t(), g, 0.0, MatMut::row_major(&mut db, k, n));
                }
                black_box((&c, &da, &db));
            })
        }
        "matmul" => {
            let mut tape = Tape::<f32>::new();
            Box::new(move || {
                tape.clear();
                let (x, w) = (tape.constant_from_slice(&a, [m, k]), tape.constant_from_slice(&b, [k, n]));
                black_box(x.matmul(w));
            })
        }
        "matmul3" => {
            let (pa, pb) = (Param::new("a", Tensor::from_vec(a, [m, k])), Param::new("b", Tensor::from_vec(b, [k, n])));
            let seed = Tensor::from_vec(g, [m, n]);
            let (mut tape, mut grads) = (Tape::<f32>::new(), Gradients::new());
            // The gradients' buffers reused, as a training loop does.
            Box::new(move || {
                tape.clear();
                tape.param(&pa).matmul(tape.param(&pb)).backward_with_into(&seed, &mut grads);
                black_box(&grads);
            })
        }
        _ => panic!("steps: unknown product kind {kind:?}"),
    }
}

fn workload(name: &str) -> Step {
    match name.split_once(':') {
        Some((kind, dims)) => product(kind, dims),
        None if name == "w1" => Box::new(common::w1_step()),
        None if name == "w2" => Box::new(common::w2_step()),
        None if name == "w4adam" => Box::new(common::w4_step(false)),
        None if name == "w4adamw" => Box::new(common::w4_step(true)),
        None => panic!("steps: unknown workload {name:?} (w1, w2, gemm:MxKxN, ...)"),
    }
}

/// The median time a step, in seconds, over `rounds` rounds of about 0.3 s.
fn time(step: &mut Step, rounds: usize) -> f64 {
    let t0 = Instant::now();
    let mut warm = 0;
    while t0.elapsed().as_secs_f64() < 0.2 {
        step();
        warm += 1;
    }
    let per_round = ((0.3 / (t0.elapsed().as_secs_f64() / warm as f64)) as usize).max(1);
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_round {
                step();
            }
            t.elapsed().as_secs_f64() / per_round as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    match args[..] {
        ["count", name, steps] => {
            let mut step = workload(name);
            step();
            for _ in 0..steps.parse::<usize>().expect("steps: count W N") {
                step();
            }
        }
        ["best", name, reps] => {
            let mut step = workload(name);
            step();
            let best = (0..reps.parse::<usize>().expect("steps: best W REPS"))
                .map(|_| {
                    let t = Instant::now();
                    step();
                    t.elapsed().as_secs_f64()
                })
                .fold(f64::INFINITY, f64::min);
            println!("{name}: {:.3} us at best", best * 1e6);
        }
        ["time", name, threads, rounds] => {
            set_num_threads(threads.parse().expect("steps: time W THREADS ROUNDS"));
            let mut step = workload(name);
            let t = time(&mut step, rounds.parse().expect("steps: time W THREADS ROUNDS"));
            println!("{name} {threads} thread(s): {:.3} us a step", t * 1e6);
        }
        _ => {
            for name in ["w1", "w2"] {
                for threads in [1, 2] {
                    set_num_threads(threads);
                    let mut step = workload(name);
                    println!("{name} {threads} thread(s): {:.3} us a step", time(&mut step, 11) * 1e6);
                }
            }
        }
    }
}
