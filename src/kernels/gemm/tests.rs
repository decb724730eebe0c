//! Every path, level, layout and scalar case against a naive `f64` product.

use super::driver::{FORCE, Force};
use super::*;

/// What the tests need of an element type.
trait TestFloat: GemmScalar + Elem {
    /// Unit roundoff.
    const EPS: f64;
    fn from_f64(x: f64) -> Self;
    fn to_f64(self) -> f64;
    fn nan() -> Self;
}

impl TestFloat for f32 {
    const EPS: f64 = f32::EPSILON as f64;
    fn from_f64(x: f64) -> Self {
        x as f32
    }
    fn to_f64(self) -> f64 {
        self as f64
    }
    fn nan() -> Self {
        f32::NAN
    }
}

impl TestFloat for f64 {
    const EPS: f64 = f64::EPSILON;
    fn from_f64(x: f64) -> Self {
        x
    }
    fn to_f64(self) -> f64 {
        self
    }
    fn nan() -> Self {
        f64::NAN
    }
}

/// How a matrix is laid out in its slice.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// Row-major, rows two elements longer than needed.
    Rows,
    /// Column-major (the `.t()` of a row-major matrix), columns padded.
    Cols,
    /// Neither rows nor columns contiguous: every other element of a
    /// padded row-major matrix.
    Strided,
}

const LAYOUTS: [Layout; 3] = [Layout::Rows, Layout::Cols, Layout::Strided];
const SCALARS: [f64; 4] = [0.0, 1.0, -0.5, 2.0];
const DIMS: [usize; 13] = [1, 2, 3, 5, 7, 8, 15, 16, 17, 31, 33, 64, 65];
/// Written into every element of C's slice that no view element covers, and
/// checked afterwards.
const SENTINEL: f64 = 12345.0;

/// Pseudo-random values in [-1, 1) (xorshift), reproducible.
fn values(len: usize, seed: u64) -> Vec<f64> {
    let mut s = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    (0..len)
        .map(|_| {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            (s >> 11) as f64 / (1u64 << 53) as f64 * 2.0 - 1.0
        })
        .collect()
}

/// The slice, row stride and column stride of an `r x c` matrix holding
/// `v` (row-major) in `layout`; other elements of the slice hold `fill`.
fn lay_out<T: TestFloat>(v: &[f64], r: usize, c: usize, layout: Layout, fill: f64) -> (Vec<T>, usize, usize) {
    let (rs, cs, len) = match layout {
        Layout::Rows => (c + 2, 1, r * (c + 2)),
        Layout::Cols => (1, r + 3, c * (r + 3)),
        Layout::Strided => (2 * c + 1, 2, r * (2 * c + 1)),
    };
    let mut data = vec![T::from_f64(fill); len.max(1)];
    for i in 0..r {
        for j in 0..c {
            data[i * rs + j * cs] = T::from_f64(v[i * c + j]);
        }
    }
    (data, rs, cs)
}

/// One product checked against the naive one: shapes, layouts, scalars,
/// level; `beta == 0` fills C with NaN, which must be overwritten. Returns
/// C's slice.
#[allow(clippy::too_many_arguments)]
fn check<T: TestFloat>(
    level: SimdLevel,
    m: usize,
    k: usize,
    n: usize,
    layouts: [Layout; 3],
    alpha: f64,
    beta: f64,
    seed: u64,
) -> Vec<T> {
    let what = format!("{m}x{k}x{n} {layouts:?} alpha {alpha} beta {beta} {level:?} {}", std::any::type_name::<T>());
    // Values rounded to T first, so that the reference sees what gemm sees.
    let round = |v: Vec<f64>| v.into_iter().map(|x| T::from_f64(x).to_f64()).collect::<Vec<_>>();
    let (av, bv, cv) = (round(values(m * k, seed)), round(values(k * n, seed + 1)), round(values(m * n, seed + 2)));
    let (a, a_rs, a_cs) = lay_out::<T>(&av, m, k, layouts[0], 0.0);
    let (b, b_rs, b_cs) = lay_out::<T>(&bv, k, n, layouts[1], 0.0);
    let (mut c, c_rs, c_cs) = lay_out::<T>(&cv, m, n, layouts[2], SENTINEL);
    let mut covered = vec![false; c.len()];
    for i in 0..m {
        for j in 0..n {
            covered[i * c_rs + j * c_cs] = true;
            if beta == 0.0 {
                c[i * c_rs + j * c_cs] = T::nan();
            }
        }
    }

    gemm_with(
        level,
        T::from_f64(alpha),
        MatRef { data: &a, rows: m, cols: k, row_stride: a_rs, col_stride: a_cs },
        MatRef { data: &b, rows: k, cols: n, row_stride: b_rs, col_stride: b_cs },
        T::from_f64(beta),
        MatMut { data: &mut c, rows: m, cols: n, row_stride: c_rs, col_stride: c_cs },
    );

    for i in 0..m {
        for j in 0..n {
            let (mut sum, mut size) = (0.0, 0.0);
            for p in 0..k {
                sum += av[i * k + p] * bv[p * n + j];
                size += (av[i * k + p] * bv[p * n + j]).abs();
            }
            let c0 = if beta == 0.0 { 0.0 } else { beta * cv[i * n + j] };
            let want = alpha * sum + c0;
            let tol = 4.0 * T::EPS * ((k as f64 + 2.0) * alpha.abs() * size + c0.abs() + 1e-30);
            let got = c[i * c_rs + j * c_cs].to_f64();
            assert!((got - want).abs() <= tol, "{what}: C[{i}, {j}] = {got}, want {want} (tolerance {tol:e})");
        }
    }
    for (x, covered) in c.iter().zip(covered) {
        assert!(covered || x.to_f64() == SENTINEL, "{what}: wrote outside the view");
    }
    c
}

fn levels() -> impl Iterator<Item = SimdLevel> {
    SimdLevel::ALL.into_iter().filter(|l| l.is_supported())
}

/// Unoptimised builds run the heaviest tests at the best level only, and on
/// fewer shapes: every level still goes through the grids.
const QUICK: bool = cfg!(debug_assertions);

fn heavy_levels() -> impl Iterator<Item = SimdLevel> {
    levels().filter(|&l| !QUICK || l == cpu::detected())
}

/// Runs `f` with a path forced, restoring the default afterwards.
fn forced(force: Force, f: impl FnOnce()) {
    struct Reset;
    impl Drop for Reset {
        fn drop(&mut self) {
            FORCE.set(None);
        }
    }
    let _reset = Reset;
    FORCE.set(Some(force));
    f();
}

/// Every (m, k, n) in `DIMS³`, each with one of the 27 layouts and one of the
/// 16 (alpha, beta) pairs in turn, at every level, in `f32` and `f64`.
fn grid(f32_only: bool) {
    let mut case = 0u64;
    for &m in &DIMS {
        for &k in &DIMS {
            for &n in &DIMS {
                let s = case as usize;
                let layouts = [LAYOUTS[s % 3], LAYOUTS[s / 3 % 3], LAYOUTS[s / 9 % 3]];
                let (alpha, beta) = (SCALARS[s * 7 / 3 % 4], SCALARS[(s * 5 + 1) % 4]);
                for level in levels() {
                    check::<f32>(level, m, k, n, layouts, alpha, beta, case);
                    if !f32_only {
                        check::<f64>(level, m, k, n, layouts, alpha, beta, case);
                    }
                }
                case += 1;
            }
        }
    }
}

#[test]
fn matches_naive_product_on_a_grid_of_shapes() {
    grid(false);
}

#[test]
fn matches_naive_product_on_the_direct_path() {
    forced(Force::Direct, || grid(true));
}

#[test]
fn matches_naive_product_on_the_packed_path_with_small_blocks() {
    // Blocks smaller than the matrices, so that every loop turns several
    // times and every block has edges.
    forced(Force::Packed { kc: 7, mc: 9, nc: 20 }, || grid(false));
}

#[test]
fn every_layout_and_scalar_pair_on_both_paths() {
    let shapes = [(1, 1, 1), (3, 1, 2), (7, 5, 3), (17, 33, 16), (33, 17, 65), (16, 64, 32)];
    let shapes = if QUICK { &shapes[..4] } else { &shapes[..] };
    let paths = [None, Some(Force::Direct), Some(Force::Packed { kc: 16, mc: 16, nc: 32 })];
    let mut seed = 1000;
    for path in paths {
        let mut run = || {
            for &(m, k, n) in shapes {
                for la in LAYOUTS {
                    for lb in LAYOUTS {
                        for lc in LAYOUTS {
                            for alpha in SCALARS {
                                for beta in SCALARS {
                                    seed += 1;
                                    for level in levels() {
                                        check::<f32>(level, m, k, n, [la, lb, lc], alpha, beta, seed);
                                        check::<f64>(level, m, k, n, [la, lb, lc], alpha, beta, seed);
                                    }
                                }
                            }
                        }
                    }
                }
            }
        };
        match path {
            Some(force) => forced(force, run),
            None => run(),
        }
    }
}

#[test]
fn large_products_cross_every_block_boundary() {
    use Layout::*;
    // k above KC, m above MC, n above NC (f32: 2048, f64: 1024).
    let cases = [
        (128, 784, 256, [Rows, Rows, Rows]),
        (300, 530, 260, [Cols, Rows, Rows]),
        (129, 257, 131, [Rows, Cols, Rows]),
        (70, 300, 2100, [Rows, Rows, Rows]),
        (97, 600, 45, [Cols, Cols, Cols]),
        (256, 256, 256, [Rows, Rows, Rows]),
    ];
    for (i, &(m, k, n, layouts)) in cases.iter().enumerate() {
        for level in heavy_levels() {
            check::<f32>(level, m, k, n, layouts, 1.0, 0.0, i as u64);
            check::<f64>(level, m, k, n, layouts, -0.5, 2.0, i as u64);
        }
    }
}

#[test]
fn the_mlp_and_mnist_shapes_in_the_orientations_backward_uses() {
    use Layout::*;
    // Forward A B, then G Bᵀ and Aᵀ G as the backward pass calls them.
    for (m, k, n) in [(32, 2, 16), (32, 16, 16), (32, 16, 1), (128, 784, 256), (128, 256, 128), (128, 128, 10)] {
        for level in heavy_levels() {
            check::<f32>(level, m, k, n, [Rows, Rows, Rows], 1.0, 0.0, 7);
            check::<f32>(level, m, n, k, [Rows, Cols, Rows], 1.0, 1.0, 8);
            check::<f32>(level, k, m, n, [Cols, Rows, Rows], 1.0, 1.0, 9);
        }
    }
}

#[test]
fn products_split_across_threads_are_bit_identical_to_one_thread() {
    use crate::kernels::threads::{TEST_PARTS, TEST_THREADS};
    use Layout::*;
    // Uneven splits (m not a multiple of the blocks), every layout of C (a
    // column-major C is turned around first; a strided one is not split),
    // the dot path (n = 1), and a product just above the size from which
    // the packed path takes deeper blocks, where each half alone would not.
    let cases = [
        (128, 784, 256, [Rows, Rows, Rows]),
        (250, 130, 97, [Cols, Rows, Rows]),
        (200, 300, 70, [Rows, Cols, Cols]),
        (190, 120, 100, [Rows, Rows, Strided]),
        (4000, 600, 1, [Rows, Rows, Rows]),
        (520, 520, 500, [Rows, Rows, Rows]),
    ];
    let bits = |c: Vec<f64>| c.into_iter().map(f64::to_bits).collect::<Vec<_>>();
    let bits32 = |c: Vec<f32>| c.into_iter().map(f32::to_bits).collect::<Vec<_>>();
    for (i, &(m, k, n, layouts)) in cases.iter().enumerate() {
        let seed = i as u64;
        let level = cpu::simd_level();
        let one = (
            bits32(check::<f32>(level, m, k, n, layouts, 1.0, 0.0, seed)),
            bits(check::<f64>(level, m, k, n, layouts, -0.5, 2.0, seed)),
        );
        // The cost model is bypassed: every product is split in `threads` parts.
        for threads in [2, 3, 7] {
            TEST_THREADS.set(Some(threads));
            TEST_PARTS.set(Some(threads));
            let split = (
                bits32(check::<f32>(level, m, k, n, layouts, 1.0, 0.0, seed)),
                bits(check::<f64>(level, m, k, n, layouts, -0.5, 2.0, seed)),
            );
            TEST_PARTS.set(None);
            TEST_THREADS.set(None);
            assert!(one == split, "{m}x{k}x{n} {layouts:?} on {threads} threads differs from one thread");
        }
    }
}

#[test]
fn zero_sized_dimensions() {
    for level in levels() {
        for (m, k, n) in [(0, 0, 0), (0, 3, 4), (3, 0, 4), (3, 4, 0), (0, 0, 5), (1, 0, 1), (17, 0, 33)] {
            for layouts in [[Layout::Rows; 3], [Layout::Cols; 3], [Layout::Strided; 3]] {
                for beta in SCALARS {
                    check::<f32>(level, m, k, n, layouts, 1.0, beta, 3);
                    check::<f64>(level, m, k, n, layouts, 2.0, beta, 3);
                }
            }
        }
    }
}

#[test]
fn matches_naive_product_including_transposed_views() {
    let (m, k, n) = (5, 7, 3);
    let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
    let b: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.11).cos()).collect();
    let expected: Vec<f64> = (0..m * n).map(|ij| (0..k).map(|p| a[ij / n * k + p] * b[p * n + ij % n]).sum()).collect();

    let mut c = vec![0.0; m * n];
    gemm(1.0, MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n), 0.0, MatMut::row_major(&mut c, m, n));
    for (x, y) in c.iter().zip(&expected) {
        assert!((x - y).abs() < 1e-12);
    }

    // (Bᵀ Aᵀ)ᵀ = A B: multiply the transposed views into a column-major c.
    let mut ct = vec![0.0; m * n];
    let c_view = MatMut { data: &mut ct, rows: n, cols: m, row_stride: 1, col_stride: n };
    gemm(1.0, MatRef::row_major(&b, k, n).t(), MatRef::row_major(&a, m, k).t(), 0.0, c_view);
    for (x, y) in ct.iter().zip(&expected) {
        assert!((x - y).abs() < 1e-12);
    }
}

#[test]
#[should_panic(expected = "gemm: a is a [2, 3] view with strides (3, 1) reaching offset 5, past its slice of 5")]
fn refuses_a_view_larger_than_its_slice() {
    let a = [1.0f32; 5];
    let b = [1.0f32; 4];
    let mut c = [0.0f32; 4];
    gemm(
        1.0,
        MatRef::row_major(&a, 2, 3),
        MatRef { data: &b, rows: 3, cols: 2, row_stride: 2, col_stride: 1 },
        0.0,
        MatMut::row_major(&mut c, 2, 2),
    );
}

#[test]
#[should_panic(
    expected = "gemm: a is a [3, 2] view with strides (9223372036854775808, 1): its last offset overflows usize"
)]
fn refuses_strides_whose_offsets_wrap_around() {
    let (a, b, mut c) = ([1.0f32; 6], [1.0f32; 4], [0.0f32; 6]);
    let huge = MatRef { data: &a, rows: 3, cols: 2, row_stride: 1 << 63, col_stride: 1 };
    gemm(1.0, huge, MatRef::row_major(&b, 2, 2), 0.0, MatMut::row_major(&mut c, 3, 2));
}

#[test]
#[should_panic(expected = "gemm: c is a [2, 2] view with strides (0, 1) whose elements overlap")]
fn refuses_an_output_whose_rows_overlap() {
    let (a, b, mut c) = ([1.0f32; 4], [1.0f32; 4], [0.0f32; 4]);
    let c = MatMut { data: &mut c, rows: 2, cols: 2, row_stride: 0, col_stride: 1 };
    gemm(1.0, MatRef::row_major(&a, 2, 2), MatRef::row_major(&b, 2, 2), 0.0, c);
}

#[test]
fn accepts_outputs_in_either_order_and_vectors_with_any_stride() {
    let (a, b) = ([1.0f32; 4], [1.0f32; 4]);
    let mut c = [0.0f32; 8];
    // Column-major, and a column with a gap between elements.
    gemm(1.0, MatRef::row_major(&a, 2, 2), MatRef::row_major(&b, 2, 2), 0.0, MatMut::row_major(&mut c, 2, 2).t());
    let column = MatMut { data: &mut c, rows: 2, cols: 1, row_stride: 3, col_stride: 0 };
    gemm(1.0, MatRef::row_major(&a, 2, 2), MatRef::row_major(&b[..2], 2, 1), 0.0, column);
    assert_eq!(c[0], 2.0);
}

#[test]
#[should_panic(expected = "gemm: [2, 3] x [2, 2] into [2, 2]")]
fn refuses_dimensions_that_disagree() {
    let (a, b, mut c) = ([1.0f64; 6], [1.0f64; 4], [0.0f64; 4]);
    gemm(1.0, MatRef::row_major(&a, 2, 3), MatRef::row_major(&b, 2, 2), 0.0, MatMut::row_major(&mut c, 2, 2));
}

#[test]
fn buffers_are_reused_once_grown() {
    let (m, k, n) = (200, 300, 100); // packed: both buffers in use
    let (a, b) = (vec![1.0f32; m * k], vec![1.0f32; k * n]);
    let mut c = vec![0.0f32; m * n];
    let mut product =
        || gemm(1.0, MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n), 0.0, MatMut::row_major(&mut c, m, n));
    let buffers = || {
        let guard = BufferGuard::<f32>::take();
        (guard.0.a.as_ptr(), guard.0.a.capacity(), guard.0.b.as_ptr(), guard.0.b.capacity())
    };
    product();
    let after_first = buffers();
    assert!(after_first.1 > 0 && after_first.3 > 0);
    for _ in 0..3 {
        product();
        assert_eq!(buffers(), after_first);
    }
    assert!(c.iter().all(|&x| x == k as f32));
}
