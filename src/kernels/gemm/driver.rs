//! The loops around the micro-kernel: degenerate cases and orientation
//! (`run`), the choice of a path (`path`), and the three paths: dot products
//! for a column vector, direct for small products, packed with cache
//! blocking for the others.

use super::kernel::{RowsAt, kernel, store};
use super::pack::{pack_a, pack_b};
use super::simd::Simd;
use super::{BufferGuard, Elem, MatMut, MatRef};
use crate::kernels::cpu::SimdLevel;
use crate::kernels::threads::{num_threads, parts_for, run_parts, split_costs};

/// Cache blocking of the packed path. The packing buffers hold up to
/// `mc * kc` elements of `A` and `kc * nc` of `B`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Blocking {
    /// Depth of a packed block (rows of `B`, columns of `A`).
    pub kc: usize,
    /// Rows of `A` packed at once (rounded up to a multiple of `MR`).
    pub mc: usize,
    /// Columns of `B` packed at once (rounded up to a multiple of `NR`).
    pub nc: usize,
}

/// How one level chooses a path, by the number of multiply-adds `m k n`.
#[derive(Clone, Copy, Debug)]
pub(super) struct Plan {
    /// Up to this, the direct path.
    pub direct_max: usize,
    /// Blocking of the packed path below `large_min`.
    pub blocking: Blocking,
    /// From this on, `large` blocking: deeper blocks are faster on big
    /// products, but need larger buffers, which stay allocated.
    pub large_min: usize,
    pub large: Blocking,
}

/// Test hook: forces a path, and small blocks so that every loop of the
/// packed path turns more than once on small matrices.
#[cfg(test)]
#[derive(Clone, Copy, Debug)]
pub(super) enum Force {
    Direct,
    Packed { kc: usize, mc: usize, nc: usize },
}

#[cfg(test)]
thread_local! {
    pub(super) static FORCE: std::cell::Cell<Option<Force>> = const { std::cell::Cell::new(None) };
}

/// `c = alpha * a * b + beta * c` for checked views: handles the cases
/// without a product, orients the problem so that rows of `C` are
/// contiguous if either its rows or its columns are, and calls the kernels
/// of `level`.
#[inline]
pub(super) fn run<T: Elem>(level: SimdLevel, alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: MatMut<'_, T>) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    if m == 0 || n == 0 {
        return;
    }
    if k == 0 || alpha == T::ZERO {
        scale(beta, c);
        return;
    }
    let (a, b, c) = (tidy(a), tidy(b), tidy_mut(c));
    // Cᵀ = Bᵀ Aᵀ when that suits the kernels better: they store rows of C,
    // best when contiguous; a column vector C is best computed as dot
    // products of contiguous rows of A, and a row vector C as a row of A
    // times contiguous rows of B. The kernels' vectors run along the rows of
    // C, so a C with a few columns and more rows (a weight gradient with two
    // inputs, say) is computed transposed, even at the price of strided
    // stores: otherwise most lanes would compute padding.
    let narrow = (2..8).contains(&n) && m >= 2 * n;
    let flip = (c.col_stride != 1 && c.row_stride == 1)
        || (n == 1 && a.col_stride != 1 && a.row_stride == 1)
        || (m == 1 && b.col_stride != 1 && b.row_stride == 1)
        || narrow;
    let (a, b, c) = if flip { (b.t(), a.t(), c.t()) } else { (a, b, c) };
    // The path is chosen for the whole product, also when it is split: every
    // block of rows then computes its elements with the same operations, in
    // the same order, and a split product is bit-identical to the unsplit
    // one, whatever the number of threads.
    let size = a.rows.saturating_mul(a.cols).saturating_mul(b.cols);
    // One thread (the common case, a W1 step's dozen products) decides
    // without a call.
    let parts = if num_threads() == 1 { 1 } else { row_blocks::<T>(level, &a, &b, &c) };
    if parts == 1 {
        return T::compute(level, size, alpha, a, b, beta, c);
    }
    run_parts(split_rows(a, c, parts), |(a, c)| T::compute(level, size, alpha, a, b, beta, c));
}

/// Blocks of rows are a multiple of this, so that every thread but the last
/// runs whole tiles of the micro-kernel (16 rows at most).
const ROW_ALIGN: usize = 16;

/// Into how many blocks of rows to split `C` (1: not at all), by the cost
/// model of `threads::parts_for`: the product's time on one thread, from
/// the rate this level's kernels were measured at, against what each extra
/// thread adds, which is packing all of `B` again (`k n` elements copied,
/// read from the calling thread's cache if it wrote them last) and fetching
/// its rows of `A` and `C` from there. Only a `C` whose rows are contiguous
/// and do not overlap can be split into disjoint slices, which is every `C`
/// the ops pass after orientation.
#[inline(never)]
fn row_blocks<T: Elem>(level: SimdLevel, a: &MatRef<'_, T>, b: &MatRef<'_, T>, c: &MatMut<'_, T>) -> usize {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let splittable = c.col_stride == 1 && c.cols <= c.row_stride;
    if !splittable || m < 2 * ROW_ALIGN {
        return 1;
    }
    let costs = split_costs();
    let (serial, extra) =
        split_estimate(macs_per_ns(level), size_of::<T>(), [m, k, n], costs.transfer_ns, costs.read_ns);
    parts_for(serial, extra).min(m / ROW_ALIGN)
}

/// The model's two figures for a product of `m x k x n` elements of `bytes`
/// bytes, at `rate` `f32` multiply-adds a ns: its time on one thread and
/// what each extra thread adds, in ns.
pub(super) fn split_estimate(
    rate: f64,
    bytes: usize,
    [m, k, n]: [usize; 3],
    transfer_ns: f64,
    read_ns: f64,
) -> (f64, f64) {
    // Rates and costs are measured for f32; f64 has half the lanes and
    // twice the bytes.
    let width = bytes as f64 / 4.0;
    let macs = m as f64 * k as f64 * n as f64;
    let serial = macs * width / rate;
    let (b, a_and_c) = ((k * n) as f64 * width, (m * k + m * n) as f64 * width / 2.0);
    // B: fetched and copied again (a read and a write); A and C: fetched.
    let extra = b * (transfer_ns + 2.0 * read_ns) + a_and_c * transfer_ns;
    (serial, extra)
}

/// Multiply-adds a nanosecond of the packed `f32` path at `level` on one
/// thread, measured once per level (a 128 x 256 x 128 product, the best of
/// three: about 0.1 ms at AVX-512).
pub fn macs_per_ns(level: SimdLevel) -> f64 {
    static RATES: [std::sync::OnceLock<f64>; 3] = [const { std::sync::OnceLock::new() }; 3];
    let index = SimdLevel::ALL.iter().position(|&l| l == level).unwrap_or(0);
    *RATES[index].get_or_init(|| {
        let (m, k, n) = (128, 256, 128);
        let a: Vec<f32> = (0..m * k).map(|i| (i % 7) as f32).collect();
        let b: Vec<f32> = (0..k * n).map(|i| (i % 5) as f32).collect();
        let mut c = vec![0.0f32; m * n];
        let best = (0..3)
            .map(|_| {
                let t0 = std::time::Instant::now();
                let (a, b) = (MatRef::row_major(&a, m, k), MatRef::row_major(&b, k, n));
                f32::compute(level, m * k * n, 1.0, a, b, 0.0, MatMut::row_major(&mut c, m, n));
                t0.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min);
        ((m * k * n) as f64 / (best * 1e9)).max(1e-3)
    })
}

/// `parts` pairs (rows of `A`, the same rows of `C`), covering `C` once.
fn split_rows<'a, T>(
    a: MatRef<'a, T>,
    c: MatMut<'a, T>,
    parts: usize,
) -> impl Iterator<Item = (MatRef<'a, T>, MatMut<'a, T>)> {
    let m = a.rows;
    let block = m.div_ceil(parts).div_ceil(ROW_ALIGN) * ROW_ALIGN;
    let (row_stride, cols) = (c.row_stride, c.cols);
    let mut rest = c.data;
    let mut i0 = 0;
    std::iter::from_fn(move || {
        if i0 >= m {
            return None;
        }
        let rows = block.min(m - i0);
        // The last block keeps the tail of the slice (its last row may end
        // before a full stride).
        let (head, tail) = if i0 + rows < m {
            std::mem::take(&mut rest).split_at_mut(rows * row_stride)
        } else {
            (std::mem::take(&mut rest), &mut [][..])
        };
        let a_rows = MatRef { data: &a.data[i0 * a.row_stride..], rows, ..a };
        let c_rows = MatMut { data: head, rows, cols, row_stride, col_stride: 1 };
        rest = tail;
        i0 += rows;
        Some((a_rows, c_rows))
    })
}

/// The stride along a dimension of length 1 is never used: make it 1, so
/// that a vector looks contiguous in both directions.
fn tidy<T>(mut v: MatRef<'_, T>) -> MatRef<'_, T> {
    if v.rows == 1 {
        v.row_stride = 1;
    }
    if v.cols == 1 {
        v.col_stride = 1;
    }
    v
}

fn tidy_mut<T>(mut v: MatMut<'_, T>) -> MatMut<'_, T> {
    if v.rows == 1 {
        v.row_stride = 1;
    }
    if v.cols == 1 {
        v.col_stride = 1;
    }
    v
}

/// `c = beta * c`, writing zeros (without reading) when `beta == 0`.
fn scale<T: Elem>(beta: T, c: MatMut<'_, T>) {
    if beta == T::ONE {
        return;
    }
    for i in 0..c.rows {
        for j in 0..c.cols {
            let x = &mut c.data[i * c.row_stride + j * c.col_stride];
            *x = if beta == T::ZERO { T::ZERO } else { beta * *x };
        }
    }
}

/// Which loops compute a product.
#[derive(Clone, Copy, Debug)]
pub(super) enum Path {
    /// `n == 1` with the rows of `A` contiguous: dot products.
    Dot,
    /// Small: operands read in place.
    Direct,
    /// Large: operands packed block by block, with this blocking.
    Packed(Blocking),
}

/// The path for a product with the given views and a level's plan; `size`
/// is the number of multiply-adds of the whole product (of which these
/// views may be a block of rows).
#[inline]
pub(super) fn path<T>(a: &MatRef<'_, T>, b: &MatRef<'_, T>, size: usize, plan: &Plan) -> Path {
    let n = b.cols;
    #[cfg(test)]
    match FORCE.get() {
        Some(Force::Direct) => return Path::Direct,
        Some(Force::Packed { kc, mc, nc }) => return Path::Packed(Blocking { kc, mc, nc }),
        None => {}
    }
    if n == 1 && a.col_stride == 1 {
        Path::Dot
    } else if size <= plan.direct_max {
        Path::Direct
    } else if size < plan.large_min {
        Path::Packed(plan.blocking)
    } else {
        Path::Packed(plan.large)
    }
}

/// A column vector `C = alpha A b + beta C` with the rows of `A` contiguous:
/// dot products, four rows at a time.
#[inline(always)]
pub(super) fn dot_path<S: Simd>(
    s: S,
    alpha: S::T,
    a: MatRef<'_, S::T>,
    b: MatRef<'_, S::T>,
    beta: S::T,
    mut c: MatMut<'_, S::T>,
) {
    let (m, k) = (a.rows, a.cols);
    let mut buffers = (b.row_stride != 1).then(BufferGuard::<S::T>::take);
    let x: &[S::T] = match &mut buffers {
        Some(buffers) => {
            let (_, x) = buffers.get(0, k);
            for (p, x) in x.iter_mut().enumerate() {
                *x = b.data[p * b.row_stride];
            }
            x
        }
        None => &b.data[..k],
    };
    let mut i0 = 0;
    while m - i0 >= 4 {
        dot_rows::<S, 4>(s, &a, i0, x, alpha, beta, &mut c);
        i0 += 4;
    }
    while i0 < m {
        dot_rows::<S, 1>(s, &a, i0, x, alpha, beta, &mut c);
        i0 += 1;
    }
}

/// `C[i0 + r] = alpha (row i0 + r of A) . x + beta C[i0 + r]` for `r < R`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn dot_rows<S: Simd, const R: usize>(
    s: S,
    a: &MatRef<'_, S::T>,
    i0: usize,
    x: &[S::T],
    alpha: S::T,
    beta: S::T,
    c: &mut MatMut<'_, S::T>,
) {
    let k = x.len();
    let mut rows = [&a.data[..0]; R];
    unroll!(R, r => {
        rows[r] = &a.data[(i0 + r) * a.row_stride..][..k];
    });
    let mut acc = [s.zero(); R];
    let whole = k / S::W * S::W;
    for (q, x) in x[..whole].chunks_exact(S::W).enumerate() {
        let x = s.load(x);
        unroll!(R, r => {
            acc[r] = s.madd(s.load(&rows[r][q * S::W..]), x, acc[r]);
        });
    }
    unroll!(R, r => {
        let mut sum = s.sum(acc[r]);
        for p in whole..k {
            sum = sum + rows[r][p] * x[p];
        }
        let out = &mut c.data[(i0 + r) * c.row_stride];
        *out = if beta == S::T::ZERO { alpha * sum } else { alpha * sum + beta * *out };
    });
}

/// Where the direct path reads `A`: element `(i, p)` at `data[i * rs + p]`
/// (`Rows`) or at `data[i + p * cs]` (`Cols`).
#[derive(Clone, Copy)]
enum ASource<'a, T> {
    Rows { data: &'a [T], rs: usize },
    Cols { data: &'a [T], cs: usize },
}

/// Small products: `A` in place (or copied once if neither its rows nor
/// its columns are contiguous), `B` in place when its rows are contiguous
/// except for a last, narrower panel, which is copied and zero-padded.
///
/// Blocks of rows are the outer loop and panels of `B` the inner one, so
/// that each tile size's set-up runs only if that size is used.
#[inline(always)]
pub(super) fn direct_path<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    alpha: S::T,
    a: MatRef<'_, S::T>,
    b: MatRef<'_, S::T>,
    beta: S::T,
    mut c: MatMut<'_, S::T>,
) {
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let nr_full = NV * S::W;
    let a_copied = a.row_stride != 1 && a.col_stride != 1;
    // Panels of B read in place; the others are packed, one after another.
    let in_place = if b.col_stride == 1 { n / nr_full } else { 0 };
    let packed = n.div_ceil(nr_full) - in_place;
    // The buffers are taken from their thread-local only if needed.
    let mut buffers = (a_copied || packed > 0).then(BufferGuard::<S::T>::take);
    let (a_buf, b_buf) = match &mut buffers {
        Some(buffers) => buffers.get(if a_copied { m * k } else { 0 }, packed * k * nr_full),
        None => (&mut [][..], &mut [][..]),
    };
    for (i, panel) in b_buf.chunks_exact_mut(k * nr_full).enumerate() {
        let j0 = (in_place + i) * nr_full;
        pack_b::<S, NV>(s, panel, &b, 0, k, j0, (n - j0).min(nr_full));
    }
    let a_src = if a.row_stride == 1 {
        ASource::Cols { data: a.data, cs: a.col_stride }
    } else if a.col_stride == 1 {
        ASource::Rows { data: a.data, rs: a.row_stride }
    } else {
        for (p, col) in a_buf.chunks_exact_mut(m).enumerate() {
            for (i, x) in col.iter_mut().enumerate() {
                *x = a.data[i * a.row_stride + p * a.col_stride];
            }
        }
        ASource::Cols { data: a_buf, cs: m }
    };
    let rows = DirectRows { a: a_src, k, b: &b, in_place, b_packed: b_buf, n, alpha, beta };
    let mut i0 = 0;
    while m - i0 >= MR {
        rows.run::<S, MR, NV>(s, i0, &mut c);
        i0 += MR;
    }
    // The last rows (fewer than MR) in blocks of 16, 8, 4, 2 and 1 rows.
    if MR > 16 && m - i0 >= 16 {
        rows.run::<S, 16, NV>(s, i0, &mut c);
        i0 += 16;
    }
    if MR > 8 && m - i0 >= 8 {
        rows.run::<S, 8, NV>(s, i0, &mut c);
        i0 += 8;
    }
    if MR > 4 && m - i0 >= 4 {
        rows.run::<S, 4, NV>(s, i0, &mut c);
        i0 += 4;
    }
    if MR > 2 && m - i0 >= 2 {
        rows.run::<S, 2, NV>(s, i0, &mut c);
        i0 += 2;
    }
    if MR > 1 && m - i0 >= 1 {
        rows.run::<S, 1, NV>(s, i0, &mut c);
    }
}

/// What a block of rows of the direct path reads: `A`, and `B` as `in_place`
/// panels read through its strides followed by panels packed in `b_packed`.
struct DirectRows<'a, T> {
    a: ASource<'a, T>,
    k: usize,
    b: &'a MatRef<'a, T>,
    in_place: usize,
    b_packed: &'a [T],
    n: usize,
    alpha: T,
    beta: T,
}

impl<T: Elem> DirectRows<'_, T> {
    /// Rows `i0..i0 + R` of `C`, one tile per panel of `B`.
    #[inline(always)]
    fn run<S: Simd<T = T>, const R: usize, const NV: usize>(&self, s: S, i0: usize, c: &mut MatMut<'_, T>) {
        let DirectRows { a, k, b, in_place, b_packed, n, alpha, beta } = *self;
        let nr_full = NV * S::W;
        let mut rows = [&[][..]; R];
        if let ASource::Rows { data, rs } = a {
            unroll!(R, i => {
                rows[i] = &data[(i0 + i) * rs..][..k];
            });
        }
        let rows = &rows;
        for jp in 0..n.div_ceil(nr_full) {
            let j0 = jp * nr_full;
            let (panel, b_rs): (&[T], usize) = if jp < in_place {
                (&b.data[j0..], b.row_stride)
            } else {
                (&b_packed[(jp - in_place) * k * nr_full..], nr_full)
            };
            let b_rows = (0..k).map(|p| &panel[p * b_rs..][..nr_full]);
            let tile = match a {
                ASource::Rows { .. } => kernel::<S, R, NV, _, _>(s, (0..k).map(|p| RowsAt { rows, p }), b_rows),
                ASource::Cols { data, cs } => {
                    kernel::<S, R, NV, _, _>(s, (0..k).map(|p| &data[p * cs + i0..][..R]), b_rows)
                }
            };
            store::<S, R, NV>(s, &tile, c, i0, j0, R, (n - j0).min(nr_full), alpha, beta);
        }
    }
}

/// Larger products: the five loops of Goto's algorithm around the
/// micro-kernel, with `A` and `B` packed block by block.
#[inline(always)]
pub(super) fn packed_path<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    blocking: &Blocking,
    alpha: S::T,
    a: MatRef<'_, S::T>,
    b: MatRef<'_, S::T>,
    beta: S::T,
    mut c: MatMut<'_, S::T>,
) {
    let nr_full = NV * S::W;
    let (m, k, n) = (a.rows, a.cols, b.cols);
    let kc_max = blocking.kc.clamp(1, k);
    let mc_max = blocking.mc.clamp(1, m).div_ceil(MR) * MR;
    let nc_max = blocking.nc.clamp(1, n).div_ceil(nr_full) * nr_full;
    let mut buffers = BufferGuard::<S::T>::take();
    let (a_buf, b_buf) = buffers.get(mc_max * kc_max, nc_max * kc_max);

    let mut jc = 0;
    while jc < n {
        let nc = (n - jc).min(nc_max);
        let b_panels = nc.div_ceil(nr_full);
        let mut pc = 0;
        while pc < k {
            let kc = (k - pc).min(kc_max);
            let b_block = &mut b_buf[..b_panels * kc * nr_full];
            for (jr, panel) in b_block.chunks_exact_mut(kc * nr_full).enumerate() {
                let j0 = jr * nr_full;
                pack_b::<S, NV>(s, panel, &b, pc, kc, jc + j0, (nc - j0).min(nr_full));
            }
            let b_block = &*b_block;
            // Later blocks of k add to what the first one stored.
            let beta = if pc == 0 { beta } else { S::T::ONE };
            let mut ic = 0;
            while ic < m {
                let mc = (m - ic).min(mc_max);
                let a_block = &mut a_buf[..mc.div_ceil(MR) * kc * MR];
                for (ir, panel) in a_block.chunks_exact_mut(kc * MR).enumerate() {
                    let i0 = ir * MR;
                    pack_a::<S::T, MR>(panel, &a, ic + i0, (mc - i0).min(MR), pc, kc);
                }
                let a_block = &*a_block;
                for (jr, b_panel) in b_block.chunks_exact(kc * nr_full).enumerate() {
                    let j0 = jr * nr_full;
                    let nr = (nc - j0).min(nr_full);
                    for (ir, a_panel) in a_block.chunks_exact(kc * MR).enumerate() {
                        let i0 = ir * MR;
                        let mr = (mc - i0).min(MR);
                        let a_cols = a_panel.chunks_exact(MR);
                        let b_rows = b_panel.chunks_exact(nr_full);
                        // The last panel of B may need fewer vectors.
                        let c = &mut c;
                        let (ic, jc) = (ic + i0, jc + j0);
                        if nr > (NV - 1) * S::W {
                            let tile = kernel::<S, MR, NV, _, _>(s, a_cols, b_rows);
                            store::<S, MR, NV>(s, &tile, c, ic, jc, mr, nr, alpha, beta);
                        } else if nr <= S::W {
                            let tile = kernel::<S, MR, 1, _, _>(s, a_cols, b_rows);
                            store::<S, MR, 1>(s, &tile, c, ic, jc, mr, nr, alpha, beta);
                        } else if nr <= 2 * S::W {
                            let tile = kernel::<S, MR, 2, _, _>(s, a_cols, b_rows);
                            store::<S, MR, 2>(s, &tile, c, ic, jc, mr, nr, alpha, beta);
                        } else {
                            let tile = kernel::<S, MR, 3, _, _>(s, a_cols, b_rows);
                            store::<S, MR, 3>(s, &tile, c, ic, jc, mr, nr, alpha, beta);
                        }
                    }
                }
                ic += mc_max;
            }
            pc += kc_max;
        }
        jc += nc_max;
    }
}
