//! The micro-kernel (an `MR x NR` tile of `C` in registers) and the store of
//! a finished tile into `C`.

use super::simd::Simd;
use super::{Elem, MatMut};

/// A column of the rows of `A` that a tile covers.
pub(super) trait Column<T> {
    /// Element `i` (`i < MR`, a constant once unrolled).
    fn at(&self, i: usize) -> T;
}

/// Consecutive elements: a packed panel, or a column-major `A`.
impl<T: Copy> Column<T> for &[T] {
    #[inline(always)]
    fn at(&self, i: usize) -> T {
        self[i]
    }
}

/// Column `p` of `R` rows, each a slice: a row-major `A` read in place. The
/// element is loaded where the kernel uses it, so that the load folds into
/// the broadcast.
#[derive(Clone, Copy)]
pub(super) struct RowsAt<'a, T, const R: usize> {
    pub rows: &'a [&'a [T]; R],
    pub p: usize,
}

impl<T: Copy, const R: usize> Column<T> for RowsAt<'_, T, R> {
    #[inline(always)]
    fn at(&self, i: usize) -> T {
        self.rows[i][self.p]
    }
}

/// An `MR x NR` tile, `NR = NV * W`: `MR` rows of `NV` vectors.
pub(super) type Tile<S, const MR: usize, const NV: usize> = [[<S as Simd>::V; NV]; MR];

/// `sum over p of A[.., p] B[p, ..]` for one tile.
///
/// `a` yields, for each `p`, column `p` of the tile's rows of `A` (read at
/// `0..MR`); `b` yields row `p` of the tile's columns of `B` (at least `NR`
/// elements). The shorter iterator sets `k`.
///
/// Every index into the tile is a constant (`unroll!`), so the tile lives in
/// `MR * NV` vector registers; each step is `NV` loads of `B`, and per row
/// of the tile one broadcast of `A[i, p]` and `NV` multiply-adds.
#[inline(always)]
pub(super) fn kernel<S: Simd, const MR: usize, const NV: usize, A, B>(
    s: S,
    a: impl Iterator<Item = A>,
    b: impl Iterator<Item = B>,
) -> Tile<S, MR, NV>
where
    A: Column<S::T>,
    B: AsRef<[S::T]>,
{
    let mut acc = [[s.zero(); NV]; MR];
    for (a_col, b_row) in a.zip(b) {
        let b_row = &b_row.as_ref()[..NV * S::W];
        let mut b_v = [s.zero(); NV];
        unroll!(NV, v => {
            b_v[v] = s.load(&b_row[v * S::W..]);
        });
        unroll!(MR, i => {
            let a_ip = s.splat(a_col.at(i));
            unroll!(NV, v => {
                acc[i][v] = s.madd(a_ip, b_v[v], acc[i][v]);
            });
        });
    }
    acc
}

/// `C[i0 + i, j0 + j] = alpha * tile[i, j] + beta * C[i0 + i, j0 + j]` for
/// `i < mr`, `j < nr`; with `beta == 0`, `C` is not read.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
pub(super) fn store<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    tile: &Tile<S, MR, NV>,
    c: &mut MatMut<'_, S::T>,
    i0: usize,
    j0: usize,
    mr: usize,
    nr: usize,
    alpha: S::T,
    beta: S::T,
) {
    let (zero, one) = (S::T::ZERO, S::T::ONE);
    let (rs, cs) = (c.row_stride, c.col_stride);
    if cs == 1 && nr == NV * S::W {
        // Whole rows of the tile, contiguous in C: vector loads and stores.
        let (data, base) = (&mut *c.data, i0 * rs + j0);
        let (alpha_v, beta_v) = (s.splat(alpha), s.splat(beta));
        match (alpha == one, beta == zero, beta == one) {
            (true, true, _) => each_row(s, tile, data, base, rs, mr, |_, t| t),
            (_, true, _) => each_row(s, tile, data, base, rs, mr, |_, t| s.mul(alpha_v, t)),
            (true, _, true) => each_row(s, tile, data, base, rs, mr, |out, t| s.add(s.load(out), t)),
            _ => each_row(s, tile, data, base, rs, mr, |out, t| s.madd(alpha_v, t, s.mul(beta_v, s.load(out)))),
        }
    } else {
        // A partial tile, or C with strided rows: element by element.
        unroll!(MR, i => {
            if i < mr {
                let row = (i0 + i) * rs;
                unroll!(NV, v => {
                    let mut lanes = [zero; 16];
                    s.store(tile[i][v], &mut lanes);
                    for (l, &x) in lanes[..S::W].iter().enumerate() {
                        let j = v * S::W + l;
                        if j < nr {
                            let out = &mut c.data[row + (j0 + j) * cs];
                            *out = if beta == zero { alpha * x } else { alpha * x + beta * *out };
                        }
                    }
                });
            }
        });
    }
}

/// `C vector = value(C vector, tile vector)` for every vector of the first
/// `mr` rows of a tile whose rows are contiguous in `c`, row `i` at
/// `base + i * rs`. `value` reads the C vector only if it needs it.
#[inline(always)]
fn each_row<S: Simd, const MR: usize, const NV: usize>(
    s: S,
    tile: &Tile<S, MR, NV>,
    c: &mut [S::T],
    base: usize,
    rs: usize,
    mr: usize,
    value: impl Fn(&[S::T], S::V) -> S::V,
) {
    unroll!(MR, i => {
        if i < mr {
            let row = &mut c[base + i * rs..][..NV * S::W];
            unroll!(NV, v => {
                let out = &mut row[v * S::W..][..S::W];
                let x = value(out, tile[i][v]);
                s.store(x, out);
            });
        }
    });
}
