//! Copies of blocks of `A` and `B` into the layouts the micro-kernel reads,
//! whatever the strides of the views.

use super::simd::{Simd, transpose};
use super::{Elem, MatRef};

/// Rows `i0..i0 + mr` and columns `p0..p0 + kc` of `a` into `dst` as one
/// `MR`-row panel: `dst[p * MR + i] = A[i0 + i, p0 + p]`, rows `mr..MR` zero.
#[inline(always)]
pub(super) fn pack_a<T: Elem, const MR: usize>(
    dst: &mut [T],
    a: &MatRef<'_, T>,
    i0: usize,
    mr: usize,
    p0: usize,
    kc: usize,
) {
    let dst = &mut dst[..kc * MR];
    let (rs, cs) = (a.row_stride, a.col_stride);
    if rs == 1 {
        // Columns of A are contiguous: copy MR elements per column.
        for (p, d) in (0..kc).zip(dst.chunks_exact_mut(MR)) {
            let src = &a.data[(p0 + p) * cs + i0..][..mr];
            if mr == MR {
                d.copy_from_slice(src);
            } else {
                d[..mr].copy_from_slice(src);
                d[mr..].fill(T::ZERO);
            }
        }
    } else if cs == 1 && mr == MR {
        // Rows of A are contiguous: read MR rows side by side.
        let mut rows = [&a.data[..0]; MR];
        unroll!(MR, i => {
            rows[i] = &a.data[(i0 + i) * rs + p0..][..kc];
        });
        for (p, d) in (0..kc).zip(dst.chunks_exact_mut(MR)) {
            unroll!(MR, i => {
                d[i] = rows[i][p];
            });
        }
    } else {
        for (p, d) in (0..kc).zip(dst.chunks_exact_mut(MR)) {
            for (i, x) in d.iter_mut().enumerate() {
                *x = if i < mr { a.data[(i0 + i) * rs + (p0 + p) * cs] } else { T::ZERO };
            }
        }
    }
}

/// Rows `p0..p0 + kc` and columns `j0..j0 + nr` of `b` into `dst` as one
/// `NR`-column panel (`NR = NV * W`): `dst[p * NR + j] = B[p0 + p, j0 + j]`,
/// columns `nr..NR` zero.
#[inline(always)]
pub(super) fn pack_b<S: Simd, const NV: usize>(
    s: S,
    dst: &mut [S::T],
    b: &MatRef<'_, S::T>,
    p0: usize,
    kc: usize,
    j0: usize,
    nr: usize,
) {
    let nr_full = NV * S::W;
    let zero = S::T::ZERO;
    let dst = &mut dst[..kc * nr_full];
    let (rs, cs) = (b.row_stride, b.col_stride);
    if cs == 1 {
        // Rows of B are contiguous: copy NR elements per row.
        for (p, d) in (0..kc).zip(dst.chunks_exact_mut(nr_full)) {
            let src = &b.data[(p0 + p) * rs + j0..][..nr];
            if nr == nr_full {
                d.copy_from_slice(src);
            } else {
                d[..nr].copy_from_slice(src);
                d[nr..].fill(zero);
            }
        }
    } else if rs == 1 {
        // Columns of B are contiguous (a transposed view): W x W blocks are
        // loaded as W columns and transposed in registers; what is left
        // over (fewer than W rows or columns) is copied element by element.
        let w = S::W;
        let mut j = 0;
        while j + w <= nr {
            let mut cols: [&[S::T]; 16] = [&[]; 16];
            unroll!(16, jj => {
                if jj < w {
                    cols[jj] = &b.data[(j0 + j + jj) * cs + p0..][..kc];
                }
            });
            let mut p = 0;
            while p + w <= kc {
                let mut v = [s.zero(); 16];
                unroll!(16, jj => {
                    if jj < w {
                        v[jj] = s.load(&cols[jj][p..]);
                    }
                });
                transpose(s, &mut v);
                unroll!(16, pp => {
                    if pp < w {
                        s.store(v[pp], &mut dst[(p + pp) * nr_full + j..]);
                    }
                });
                p += w;
            }
            for (p, d) in (p..kc).zip(dst[p * nr_full..].chunks_exact_mut(nr_full)) {
                for (jj, d) in d[j..j + w].iter_mut().enumerate() {
                    *d = cols[jj][p];
                }
            }
            j += w;
        }
        for j in j..nr {
            let src = &b.data[(j0 + j) * cs + p0..][..kc];
            for (d, &x) in dst.chunks_exact_mut(nr_full).zip(src) {
                d[j] = x;
            }
        }
        if nr < nr_full {
            for d in dst.chunks_exact_mut(nr_full) {
                d[nr..].fill(zero);
            }
        }
    } else {
        for (p, d) in (0..kc).zip(dst.chunks_exact_mut(nr_full)) {
            for (j, x) in d.iter_mut().enumerate() {
                *x = if j < nr { b.data[(p0 + p) * rs + (j0 + j) * cs] } else { zero };
            }
        }
    }
}
