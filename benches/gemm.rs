//! Matrix products, `f32`: the engine's matmul, tapegrad's GEMM called
//! directly, and `matrixmultiply::sgemm`, for the shapes the crate uses and
//! the square products of workload W5 (n = 256, 512, 1024).
//!
//! ```sh
//! cargo bench --bench gemm
//! ```
//!
//! The GEMM is crate-private, so it is measured through the public API:
//!
//! * `forward/MxKxN`: `tapegrad` is `A.matmul(B)` recorded on a cleared tape
//!   (two constants copied in, one product); `tape_only` is the same without
//!   the product, what the tape adds; `gemm` is one call of
//!   `tapegrad::linalg::gemm` into a reused `C` (the engine's overhead is
//!   `tapegrad` over `gemm`); `matrixmultiply` is one `sgemm` call with
//!   `beta = 0` into a reused `C`. One thread, and for the square products
//!   also `tapegrad 2 threads` and `gemm 2 threads`.
//! * `backward/MxKxN`: `A.matmul(B)` and its backward sweep into reused
//!   gradients (`backward_with_into`, as a training loop), whose products
//!   `G Bᵀ` and `Aᵀ G` read the transposed operands through strides, against
//!   the same three products with `gemm` and with `sgemm`.
//!
//! Throughput counts two FLOPs per multiply-add, so criterion's `elem/s`
//! reads as FLOP/s. Both sides are checked against each other before timing.
//! `TAPEGRAD_SIMD=avx2` (or `baseline`) runs tapegrad's lower SIMD levels.

mod common;

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tapegrad::linalg::{MatMut, MatRef, gemm};
use tapegrad::{Gradients, Param, Tape, Tensor, set_num_threads};

use common::fill;

/// A strided `f32` operand for `sgemm`: data, row stride, column stride.
type Operand<'a> = (&'a [f32], isize, isize);

/// `c = a b` (`m x k` times `k x n`, `c` row-major) with `matrixmultiply`.
fn sgemm(m: usize, k: usize, n: usize, a: Operand<'_>, b: Operand<'_>, c: &mut [f32]) {
    let extent = |(data, rs, cs): Operand<'_>, rows: usize, cols: usize| {
        (rows - 1) as isize * rs + (cols - 1) as isize * cs < data.len() as isize
    };
    assert!(extent(a, m, k) && extent(b, k, n) && c.len() == m * n);
    // SAFETY: both operands' strides are non-negative and their largest
    // offsets are inside their slices (checked above); `c` holds `m * n`
    // elements, is written row-major, and is a `&mut` that aliases neither
    // operand. With `beta = 0`, `c` is not read.
    unsafe {
        matrixmultiply::sgemm(
            m,
            k,
            n,
            1.0,
            a.0.as_ptr(),
            a.1,
            a.2,
            b.0.as_ptr(),
            b.1,
            b.2,
            0.0,
            c.as_mut_ptr(),
            n as isize,
            1,
        );
    }
}

/// The largest difference between two results, relative to the largest value.
fn check(what: &str, got: &[f32], want: &[f32]) {
    let scale = want.iter().fold(1.0f32, |s, x| s.max(x.abs()));
    let err = got.iter().zip(want).fold(0.0f32, |e, (x, y)| e.max((x - y).abs())) / scale;
    assert!(err < 1e-4, "{what}: tapegrad and matrixmultiply differ by {err:e} (relative)");
}

fn group_settings(g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>, mkn: usize) {
    if mkn >= 256 * 256 * 256 {
        g.sample_size(20).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(4));
    } else {
        g.sample_size(50).warm_up_time(Duration::from_secs(1)).measurement_time(Duration::from_secs(2));
    }
}

/// The tiny products of a 2-16-16-1 MLP at batch 32, the MNIST MLP's
/// (784-256-128-10 at batch 128), and square ones.
const FORWARD: [(usize, usize, usize); 9] = [
    (32, 2, 16),
    (32, 16, 16),
    (32, 16, 1),
    (128, 784, 256),
    (128, 256, 128),
    (128, 128, 10),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
];

fn forward(c: &mut Criterion) {
    // The level the kernels run at, so that a log shows whether
    // TAPEGRAD_SIMD took effect.
    eprintln!("tapegrad SIMD level: {}", tapegrad::linalg::simd_level_name());
    for (m, k, n) in FORWARD {
        let (a, b) = (fill(m * k, 1), fill(k * n, 2));
        let mut tape = Tape::<f32>::new();
        let ours = tape.constant_from_slice(&a, [m, k]).matmul(tape.constant_from_slice(&b, [k, n])).value();
        let mut theirs = vec![0.0; m * n];
        sgemm(m, k, n, (&a, k as isize, 1), (&b, n as isize, 1), &mut theirs);
        check(&format!("forward {m}x{k}x{n}"), ours.data(), &theirs);

        let mut g = c.benchmark_group(format!("forward/{m}x{k}x{n}"));
        g.throughput(Throughput::Elements(2 * (m * k * n) as u64));
        group_settings(&mut g, m * k * n);
        let two = square(m, k, n);
        bench_threads(&mut g, "tapegrad", two, || {
            tape.clear();
            let (x, w) = (tape.constant_from_slice(black_box(&a), [m, k]), tape.constant_from_slice(&b, [k, n]));
            black_box(x.matmul(w));
        });
        let mut direct = vec![0.0; m * n];
        bench_threads(&mut g, "gemm", two, || {
            let (x, w) = (MatRef::row_major(black_box(&a), m, k), MatRef::row_major(&b, k, n));
            gemm(1.0, x, w, 0.0, MatMut::row_major(&mut direct, m, n));
        });
        g.bench_function(BenchmarkId::from_parameter("tape_only"), |bench| {
            bench.iter(|| {
                tape.clear();
                black_box((tape.constant_from_slice(black_box(&a), [m, k]), tape.constant_from_slice(&b, [k, n])));
            })
        });
        g.bench_function(BenchmarkId::from_parameter("matrixmultiply"), |bench| {
            bench.iter(|| sgemm(m, k, n, (black_box(&a), k as isize, 1), (&b, n as isize, 1), &mut theirs))
        });
        g.finish();
    }
}

/// `C = A B`, then `dA = G Bᵀ` and `dB = Aᵀ G`: the tiny MLP's hidden layer
/// and the MNIST MLP's three layers.
const BACKWARD: [(usize, usize, usize); 7] = [
    (32, 16, 16),
    (128, 784, 256),
    (128, 256, 128),
    (128, 128, 10),
    (256, 256, 256),
    (512, 512, 512),
    (1024, 1024, 1024),
];

/// Square products are also run on two threads.
fn square(m: usize, k: usize, n: usize) -> bool {
    m == k && k == n && m >= 256
}

/// A benchmark run once on one thread and, for square products, again on
/// two (`name` and `name 2 threads`).
fn bench_threads(
    g: &mut criterion::BenchmarkGroup<'_, criterion::measurement::WallTime>,
    name: &str,
    two: bool,
    mut f: impl FnMut(),
) {
    g.bench_function(BenchmarkId::from_parameter(name), |bench| bench.iter(&mut f));
    if two {
        set_num_threads(2);
        g.bench_function(BenchmarkId::from_parameter(format!("{name} 2 threads")), |bench| bench.iter(&mut f));
        set_num_threads(1);
    }
}

fn backward(c: &mut Criterion) {
    for (m, k, n) in BACKWARD {
        let (a, b, g_seed) = (fill(m * k, 3), fill(k * n, 4), fill(m * n, 5));
        let pa = Param::new("a", Tensor::from_vec(a.clone(), [m, k]));
        let pb = Param::new("b", Tensor::from_vec(b.clone(), [k, n]));
        let seed = Tensor::from_vec(g_seed.clone(), [m, n]);
        let mut tape = Tape::<f32>::new();

        // Both sides once, compared.
        let grads = tape.param(&pa).matmul(tape.param(&pb)).backward_with(&seed);
        let (mut c_mm, mut da_mm, mut db_mm) = (vec![0.0; m * n], vec![0.0; m * k], vec![0.0; k * n]);
        let mm = |c_mm: &mut [f32], da_mm: &mut [f32], db_mm: &mut [f32]| {
            sgemm(m, k, n, (&a, k as isize, 1), (&b, n as isize, 1), c_mm);
            sgemm(m, n, k, (&g_seed, n as isize, 1), (&b, 1, n as isize), da_mm); // G Bᵀ
            sgemm(k, m, n, (&a, 1, k as isize), (&g_seed, n as isize, 1), db_mm); // Aᵀ G
        };
        mm(&mut c_mm, &mut da_mm, &mut db_mm);
        check(&format!("backward {m}x{k}x{n} dA"), grads.param(&pa).unwrap().data(), &da_mm);
        check(&format!("backward {m}x{k}x{n} dB"), grads.param(&pb).unwrap().data(), &db_mm);
        drop(grads);

        let mut g = c.benchmark_group(format!("backward/{m}x{k}x{n}"));
        g.throughput(Throughput::Elements(3 * 2 * (m * k * n) as u64));
        group_settings(&mut g, 3 * m * k * n);
        let two = square(m, k, n);
        // The gradients' buffers reused, as a training loop does
        // (`backward_into`): new ones would cost the system's first touch of
        // their pages every step.
        let mut grads = Gradients::new();
        bench_threads(&mut g, "tapegrad", two, || {
            tape.clear();
            tape.param(&pa).matmul(tape.param(&pb)).backward_with_into(&seed, &mut grads);
            black_box(&grads);
        });
        let (mut c_direct, mut da_direct, mut db_direct) = (vec![0.0; m * n], vec![0.0; m * k], vec![0.0; k * n]);
        bench_threads(&mut g, "gemm", two, || {
            let (a, b, g) =
                (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n), MatRef::row_major(&g_seed, m, n));
            gemm(1.0, a, b, 0.0, MatMut::row_major(&mut c_direct, m, n));
            gemm(1.0, g, b.t(), 0.0, MatMut::row_major(&mut da_direct, m, k));
            gemm(1.0, a.t(), g, 0.0, MatMut::row_major(&mut db_direct, k, n));
        });
        g.bench_function(BenchmarkId::from_parameter("matrixmultiply"), |bench| {
            bench.iter(|| mm(black_box(&mut c_mm), &mut da_mm, &mut db_mm))
        });
        g.finish();
    }
}

criterion_group!(benches, forward, backward);
criterion_main!(benches);
