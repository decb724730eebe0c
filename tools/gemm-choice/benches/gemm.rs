//! f32 GEMM throughput: `matrixmultiply` vs `gemm` (single-threaded), plus a
//! naive i-k-j loop for the tiny MLP shape. All matrices are row-major and
//! contiguous; C is overwritten (beta = 0 semantics).
//!
//! GFLOP/s = 2*m*n*k / median time. Criterion's reported throughput
//! ("elem/s") is set to 2*m*n*k, so it reads directly as FLOP/s.

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use std::hint::black_box;
use std::time::Duration;

struct Case {
    name: &'static str,
    m: usize,
    k: usize,
    n: usize,
    naive: bool,
}

const CASES: &[Case] = &[
    Case { name: "square_256", m: 256, k: 256, n: 256, naive: false },
    Case { name: "square_512", m: 512, k: 512, n: 512, naive: false },
    Case { name: "square_1024", m: 1024, k: 1024, n: 1024, naive: false },
    Case { name: "mlp_32x16x16", m: 32, k: 16, n: 16, naive: true },
    Case { name: "mnist_128x784x256", m: 128, k: 784, n: 256, naive: false },
];

/// Deterministic values in [-1, 1) (xorshift), so runs are reproducible.
fn fill(len: usize, seed: u64) -> Vec<f32> {
    let mut s = seed | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            ((s >> 40) as f32 / (1u64 << 24) as f32) * 2.0 - 1.0
        })
        .collect()
}

/// C = A * B with matrixmultiply::sgemm (row-major, beta = 0).
fn mm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n);
    // SAFETY: the slices are exactly the sizes the strides describe; C does not alias A or B.
    unsafe {
        matrixmultiply::sgemm(
            m, k, n,
            1.0,
            a.as_ptr(), k as isize, 1,
            b.as_ptr(), n as isize, 1,
            0.0,
            c.as_mut_ptr(), n as isize, 1,
        );
    }
}

/// C = A * B with gemm::gemm, Parallelism::None (row-major; read_dst = false
/// so C is overwritten; gemm computes dst := alpha*dst + beta*lhs*rhs).
fn gm(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    assert!(a.len() == m * k && b.len() == k * n && c.len() == m * n);
    // SAFETY: as above. Argument order is (dst, cs, rs), (lhs, cs, rs), (rhs, cs, rs).
    unsafe {
        gemm::gemm(
            m, n, k,
            c.as_mut_ptr(), 1, n as isize,
            false,
            a.as_ptr(), 1, k as isize,
            b.as_ptr(), 1, n as isize,
            0.0f32, 1.0f32,
            false, false, false,
            gemm::Parallelism::None,
        );
    }
}

/// Naive i-k-j triple loop; zeroing C is part of the timed work.
fn naive(m: usize, k: usize, n: usize, a: &[f32], b: &[f32], c: &mut [f32]) {
    c.fill(0.0);
    for i in 0..m {
        let crow = &mut c[i * n..(i + 1) * n];
        for p in 0..k {
            let aip = a[i * k + p];
            let brow = &b[p * n..(p + 1) * n];
            for (cj, bj) in crow.iter_mut().zip(brow) {
                *cj += aip * bj;
            }
        }
    }
}

fn check(name: &str, lib: &str, got: &[f32], want: &[f32], k: usize) {
    let tol = 1e-5 * k as f32;
    let max_err = got
        .iter()
        .zip(want)
        .map(|(g, w)| (g - w).abs())
        .fold(0.0f32, f32::max);
    assert!(max_err <= tol, "{name}/{lib}: max abs error {max_err} > {tol}");
}

fn bench(c: &mut Criterion) {
    for case in CASES {
        let (m, k, n) = (case.m, case.k, case.n);
        let a = fill(m * k, 0x9E37_79B9_7F4A_7C15 ^ (m * 31 + k) as u64);
        let b = fill(k * n, 0xD1B5_4A32_D192_ED03 ^ (k * 37 + n) as u64);

        // Correctness check against the naive loop before timing anything.
        let mut want = vec![0.0f32; m * n];
        naive(m, k, n, &a, &b, &mut want);
        let mut got = vec![f32::NAN; m * n]; // NaN: proves C is overwritten, not read
        mm(m, k, n, &a, &b, &mut got);
        check(case.name, "matrixmultiply", &got, &want, k);
        got.fill(f32::NAN);
        gm(m, k, n, &a, &b, &mut got);
        check(case.name, "gemm", &got, &want, k);

        let mut g = c.benchmark_group(case.name);
        g.throughput(Throughput::Elements((2 * m * n * k) as u64));
        if m * n * k >= 512 * 512 * 512 {
            g.sample_size(30).measurement_time(Duration::from_secs(8));
        }
        let mut out = vec![0.0f32; m * n];
        g.bench_function(BenchmarkId::from_parameter("matrixmultiply"), |bch| {
            bch.iter(|| mm(m, k, n, black_box(&a), black_box(&b), black_box(&mut out)))
        });
        g.bench_function(BenchmarkId::from_parameter("gemm"), |bch| {
            bch.iter(|| gm(m, k, n, black_box(&a), black_box(&b), black_box(&mut out)))
        });
        if case.naive {
            g.bench_function(BenchmarkId::from_parameter("naive_ikj"), |bch| {
                bch.iter(|| naive(m, k, n, black_box(&a), black_box(&b), black_box(&mut out)))
            });
        }
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
