//! Matrix products through the `matrixmultiply` crate, behind a safe interface.
//!
//! This is the one place in the crate with `unsafe` code: `matrixmultiply`
//! takes raw pointers and strides so that transposed operands can be read in
//! place (the backward sweep of `matmul` multiplies by `Aᵀ` and `Bᵀ` without
//! copying them). [`gemm`] checks, before the call, that every element the
//! product can touch lies inside the slices it was given.
#![allow(unsafe_code)]

/// A read-only strided view of a matrix inside a slice.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    pub data: &'a [T],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

/// A mutable strided view of a matrix inside a slice.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    pub data: &'a mut [T],
    pub rows: usize,
    pub cols: usize,
    pub row_stride: usize,
    pub col_stride: usize,
}

impl<'a, T> MatRef<'a, T> {
    /// A row-major `rows x cols` matrix.
    pub fn row_major(data: &'a [T], rows: usize, cols: usize) -> Self {
        MatRef { data, rows, cols, row_stride: cols, col_stride: 1 }
    }

    /// The transpose of this view; no data moves.
    pub fn t(self) -> Self {
        MatRef {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

impl<'a, T> MatMut<'a, T> {
    /// A row-major `rows x cols` matrix.
    pub fn row_major(data: &'a mut [T], rows: usize, cols: usize) -> Self {
        MatMut { data, rows, cols, row_stride: cols, col_stride: 1 }
    }
}

/// One past the largest offset a `rows x cols` view with these strides reads.
fn extent(rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> usize {
    if rows == 0 || cols == 0 { 0 } else { (rows - 1) * row_stride + (cols - 1) * col_stride + 1 }
}

/// Element types `matrixmultiply` can multiply.
pub trait GemmScalar: Sized {
    /// `c = alpha * a * b + beta * c` on strided views, dimensions already checked.
    #[doc(hidden)]
    fn gemm_checked(alpha: Self, a: MatRef<'_, Self>, b: MatRef<'_, Self>, beta: Self, c: MatMut<'_, Self>);
}

macro_rules! impl_gemm {
    ($t:ty, $f:path) => {
        impl GemmScalar for $t {
            fn gemm_checked(alpha: $t, a: MatRef<'_, $t>, b: MatRef<'_, $t>, beta: $t, c: MatMut<'_, $t>) {
                // SAFETY: `gemm` has checked that a is m x k, b is k x n and c is m x n,
                // and that for each view the largest offset it can address,
                // (rows-1)*row_stride + (cols-1)*col_stride, is inside its slice.
                // Strides are non-negative, so no offset is below the start. `c` is
                // a `&mut` slice, so it aliases neither `a` nor `b`. With `beta == 0`
                // matrixmultiply does not read `c`; otherwise `c` is initialised
                // because it is a slice of initialised values.
                unsafe {
                    $f(
                        a.rows,
                        a.cols,
                        b.cols,
                        alpha,
                        a.data.as_ptr(),
                        a.row_stride as isize,
                        a.col_stride as isize,
                        b.data.as_ptr(),
                        b.row_stride as isize,
                        b.col_stride as isize,
                        beta,
                        c.data.as_mut_ptr(),
                        c.row_stride as isize,
                        c.col_stride as isize,
                    )
                }
            }
        }
    };
}

impl_gemm!(f32, matrixmultiply::sgemm);
impl_gemm!(f64, matrixmultiply::dgemm);

/// `c = alpha * a * b + beta * c`.
///
/// Panics (a bug in the caller, not user input: ops check shapes first) if the
/// dimensions disagree or a view reaches outside its slice.
pub(crate) fn gemm<T: GemmScalar>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: MatMut<'_, T>) {
    assert!(
        a.cols == b.rows && a.rows == c.rows && b.cols == c.cols,
        "gemm: [{}, {}] x [{}, {}] into [{}, {}]",
        a.rows,
        a.cols,
        b.rows,
        b.cols,
        c.rows,
        c.cols
    );
    assert!(extent(a.rows, a.cols, a.row_stride, a.col_stride) <= a.data.len(), "gemm: a out of bounds");
    assert!(extent(b.rows, b.cols, b.row_stride, b.col_stride) <= b.data.len(), "gemm: b out of bounds");
    assert!(extent(c.rows, c.cols, c.row_stride, c.col_stride) <= c.data.len(), "gemm: c out of bounds");
    T::gemm_checked(alpha, a, b, beta, c);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(a: &[f64], b: &[f64], m: usize, k: usize, n: usize) -> Vec<f64> {
        let mut c = vec![0.0; m * n];
        for i in 0..m {
            for j in 0..n {
                c[i * n + j] = (0..k).map(|p| a[i * k + p] * b[p * n + j]).sum();
            }
        }
        c
    }

    #[test]
    fn matches_naive_product_including_transposed_views() {
        let (m, k, n) = (5, 7, 3);
        let a: Vec<f64> = (0..m * k).map(|i| (i as f64 * 0.37).sin()).collect();
        let b: Vec<f64> = (0..k * n).map(|i| (i as f64 * 0.11).cos()).collect();
        let expected = naive(&a, &b, m, k, n);

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
    #[should_panic(expected = "out of bounds")]
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
}
