//! Matrix products `C = alpha A B + beta C` on strided views: tapegrad's own
//! GEMM.
//!
//! # Why not a GEMM crate
//!
//! A training step must not allocate in steady state, and the products of a
//! small MLP are tiny (32 x 16 x 16 at batch 32). `matrixmultiply` allocates
//! its packing buffer on every call and spends about 500 ns on such a product,
//! mostly outside the arithmetic. Here the packing buffers live in
//! thread-local storage, one pair per element type, grow to the largest size
//! needed and are then reused (nothing is allocated once they have grown);
//! small products skip packing altogether, and large ones match or beat
//! `matrixmultiply` (`cargo bench --bench gemm` compares them).
//!
//! # Structure
//!
//! * [`gemm`] checks the shapes and that every element a view can address is
//!   inside its slice. `driver::run` handles the degenerate cases (an empty
//!   `C`; `k = 0` or `alpha = 0`, where `C = beta C`) and turns the problem
//!   around (`Cᵀ = Bᵀ Aᵀ`) when `C` is column-major or a vector is better
//!   computed the other way, so that the kernels store contiguous rows, and
//!   when `C` has only a few columns (2-7) and more rows, so that their
//!   vectors are not mostly padding.
//! * With [`set_num_threads`](crate::set_num_threads) above 1, `run` splits
//!   products of 2M multiply-adds and more by blocks of rows of `C`.
//! * `arch` picks the code for the CPU's [`SimdLevel`](super::cpu::SimdLevel),
//!   detected once at run time (`cpu`). The library is compiled for baseline
//!   x86-64; the AVX2 and AVX-512 versions of the loops are compiled inside
//!   `#[target_feature]` functions, one per level, element type and path.
//! * `simd` is the vector type of each level: plain Rust arrays for the
//!   baseline (and other targets), `std::arch` intrinsics for AVX2 and
//!   AVX-512, so that the tile of the micro-kernel stays in registers
//!   whatever LLVM's vectoriser decides.
//! * `kernel` is the micro-kernel: an `MR x NR` tile of `C` held in registers
//!   as `[[V; NV]; MR]` (`NR = NV` vectors of `W` lanes), updated by rank-1
//!   products along `k`: `NV` vectors of row `p` of `B` times a broadcast of
//!   `A[i, p]` for each row `i`. Loops over rows and vectors are unrolled by
//!   a macro so that every index into the tile is a constant.
//! * `driver` has three paths. A column vector `C` with contiguous rows of
//!   `A` is dot products. Small products (up to 64³ multiply-adds, the MLP's)
//!   run *direct*: `A` is read in place through its strides (rows or
//!   columns), and so is `B` when its rows are contiguous; only a narrow edge
//!   panel of `B`, or a transposed `B`, is copied. Larger ones are *packed*
//!   (Goto, BLIS): a `KC x NC` block of `B` is copied into `NR`-column
//!   panels, an `MC x KC` block of `A` into `MR`-row panels, zero-padded at
//!   the edges, and the micro-kernel runs over every pair of panels. Packing
//!   absorbs the strides, so one kernel serves every layout; a transposed `B`
//!   is packed `W x W` blocks at a time, transposed in registers (`pack`).
//! * Tiles at the edges of `C` are written element by element (only the part
//!   inside `C`); the last rows of the direct path use smaller tiles (16, 8,
//!   4, 2, 1 rows), and the last panel of the packed path fewer vectors.
//!
//! With `beta = 0`, `C` is written without being read, so it may hold NaN.
//!
//! # unsafe
//!
//! Two files of this module are exceptions to the crate's
//! `#![deny(unsafe_code)]`, each sound because of run-time feature
//! detection:
//!
//! * `arch` calls the `#[target_feature]` functions, only after a token
//!   (`simd::Avx512`, `simd::Avx2`) proves that the CPU has the features;
//! * `simd` calls the intrinsics of those tokens. A token exists only once
//!   the CPU is known to support its level; loads and stores go through
//!   slices checked to hold the `W` elements they touch.
//!
//! Every other memory access is safe, bounds-checked Rust; the checks sit
//! outside the inner loops or are removed by the compiler.

/// Repeats `$body` with `$i` bound to each constant `0, 1, ..., $n - 1`
/// (`$n` at most 32, usually a const generic): indices into register tiles
/// are then constants, which keeps the tiles in registers.
macro_rules! unroll {
    ($n:expr, $i:ident => $body:block) => {
        unroll!(@ $n, $i, $body, 0 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 31)
    };
    (@ $n:expr, $i:ident, $body:block, $($k:literal)*) => {
        $(
            #[allow(clippy::reversed_empty_ranges, clippy::absurd_extreme_comparisons, unused_comparisons)]
            if $k < $n {
                let $i: usize = $k;
                $body
            }
        )*
    };
}

mod arch;
mod driver;
mod kernel;
mod pack;
mod simd;
#[cfg(test)]
mod tests;

use std::cell::Cell;
use std::fmt::Debug;
use std::ops::{Add, Mul};
use std::thread::LocalKey;

pub use driver::macs_per_ns;

use super::cpu::{self, SimdLevel};

/// A read-only strided view of a matrix inside a slice.
#[derive(Clone, Copy, Debug)]
pub struct MatRef<'a, T> {
    /// The slice holding the matrix; element `(i, j)` is at
    /// `i * row_stride + j * col_stride`.
    pub data: &'a [T],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Distance in the slice between consecutive rows.
    pub row_stride: usize,
    /// Distance in the slice between consecutive columns.
    pub col_stride: usize,
}

/// A mutable strided view of a matrix inside a slice.
#[derive(Debug)]
pub struct MatMut<'a, T> {
    /// The slice holding the matrix; element `(i, j)` is at
    /// `i * row_stride + j * col_stride`.
    pub data: &'a mut [T],
    /// Number of rows.
    pub rows: usize,
    /// Number of columns.
    pub cols: usize,
    /// Distance in the slice between consecutive rows.
    pub row_stride: usize,
    /// Distance in the slice between consecutive columns.
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

    /// The transpose of this view; no data moves.
    pub fn t(self) -> Self {
        MatMut {
            data: self.data,
            rows: self.cols,
            cols: self.rows,
            row_stride: self.col_stride,
            col_stride: self.row_stride,
        }
    }
}

/// One past the largest offset a `rows x cols` view with these strides
/// reads, or `None` if that offset does not fit in a `usize`.
#[inline]
fn extent(rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> Option<usize> {
    if rows == 0 || cols == 0 {
        return Some(0);
    }
    (rows - 1).checked_mul(row_stride)?.checked_add((cols - 1).checked_mul(col_stride)?)?.checked_add(1)
}

/// Panics unless the view lies inside its slice, naming `which` operand.
/// Inlined, with the message built out of line: every product of a training
/// step passes here three times.
#[inline]
#[track_caller]
fn check_view(which: &str, len: usize, rows: usize, cols: usize, row_stride: usize, col_stride: usize) {
    match extent(rows, cols, row_stride, col_stride) {
        Some(end) if end <= len => {}
        end => view_out_of_bounds(which, len, end, [rows, cols], [row_stride, col_stride]),
    }
}

#[cold]
#[inline(never)]
#[track_caller]
fn view_out_of_bounds(
    which: &str,
    len: usize,
    end: Option<usize>,
    [rows, cols]: [usize; 2],
    [rs, cs]: [usize; 2],
) -> ! {
    match end {
        None => panic!(
            "gemm: {which} is a [{rows}, {cols}] view with strides ({rs}, {cs}): its last offset overflows usize"
        ),
        Some(end) => panic!(
            "gemm: {which} is a [{rows}, {cols}] view with strides ({rs}, {cs}) reaching offset {}, past its slice of {len}",
            end - 1
        ),
    }
}

/// `true` if distinct elements of the view are distinct places in memory:
/// one stride walks a line without overlap, the other steps past it.
#[inline]
fn no_self_overlap(rows: usize, cols: usize, row_stride: usize, col_stride: usize) -> bool {
    let lines = |count: usize, stride: usize, line: usize| count <= 1 || stride >= line;
    let walk = |count: usize, stride: usize| if count <= 1 { 1 } else { (count - 1) * stride + 1 };
    (col_stride >= 1 || cols <= 1) && lines(rows, row_stride, walk(cols, col_stride))
        || (row_stride >= 1 || rows <= 1) && lines(cols, col_stride, walk(rows, row_stride))
}

/// Element types the GEMM multiplies: `f32` and `f64`.
pub trait GemmScalar: Sized {
    /// `c = alpha * a * b + beta * c` with the kernels of `level` (or of the
    /// largest level the CPU supports below it); dimensions already checked.
    #[doc(hidden)]
    fn gemm_at(
        level: SimdLevel,
        alpha: Self,
        a: MatRef<'_, Self>,
        b: MatRef<'_, Self>,
        beta: Self,
        c: MatMut<'_, Self>,
    );
}

impl GemmScalar for f32 {
    #[inline]
    fn gemm_at(level: SimdLevel, alpha: f32, a: MatRef<'_, f32>, b: MatRef<'_, f32>, beta: f32, c: MatMut<'_, f32>) {
        driver::run(level, alpha, a, b, beta, c);
    }
}

impl GemmScalar for f64 {
    #[inline]
    fn gemm_at(level: SimdLevel, alpha: f64, a: MatRef<'_, f64>, b: MatRef<'_, f64>, beta: f64, c: MatMut<'_, f64>) {
        driver::run(level, alpha, a, b, beta, c);
    }
}

/// `c = alpha * a * b + beta * c`. With `beta == 0`, `c` is not read (it may
/// hold NaN).
///
/// # Panics
/// If the dimensions disagree (the message gives all three shapes) or a view
/// reaches outside its slice. (The ops check shapes first and name
/// themselves; this is the last line of defence.)
#[inline]
#[track_caller]
pub fn gemm<T: GemmScalar>(alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: MatMut<'_, T>) {
    gemm_with(cpu::simd_level(), alpha, a, b, beta, c);
}

/// [`gemm`] with the kernels of a given level (tests force each one).
#[inline]
fn gemm_with<T: GemmScalar>(level: SimdLevel, alpha: T, a: MatRef<'_, T>, b: MatRef<'_, T>, beta: T, c: MatMut<'_, T>) {
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
    check_view("a", a.data.len(), a.rows, a.cols, a.row_stride, a.col_stride);
    check_view("b", b.data.len(), b.rows, b.cols, b.row_stride, b.col_stride);
    check_view("c", c.data.len(), c.rows, c.cols, c.row_stride, c.col_stride);
    assert!(
        // An empty `C` (a product with no output, `[4, 3] x [3, 0]`) has no
        // element to overlap; asked second, off the common path.
        no_self_overlap(c.rows, c.cols, c.row_stride, c.col_stride) || c.rows == 0 || c.cols == 0,
        "gemm: c is a [{}, {}] view with strides ({}, {}) whose elements overlap: the product would be written \
         several times into the same places",
        c.rows,
        c.cols,
        c.row_stride,
        c.col_stride
    );
    T::gemm_at(level, alpha, a, b, beta, c);
}

/// The arithmetic the kernels need, and each type's packing buffers.
trait Elem: Copy + PartialEq + Debug + Send + Sync + Add<Output = Self> + Mul<Output = Self> + 'static {
    const ZERO: Self;
    const ONE: Self;

    /// `a * b + c`, fused (one rounding) when `FMA`; `FMA` is only set where
    /// the target has the instruction, so it never becomes a library call.
    fn madd<const FMA: bool>(a: Self, b: Self, c: Self) -> Self;

    /// This thread's packing buffers for the type.
    fn buffers() -> &'static LocalKey<Cell<Buffers<Self>>>;

    /// The product with the kernels of `level` (or of the largest level below
    /// it that the CPU supports), on the path chosen for `size` multiply-adds
    /// (the whole product's, when this is a block of its rows).
    fn compute(
        level: SimdLevel,
        size: usize,
        alpha: Self,
        a: MatRef<'_, Self>,
        b: MatRef<'_, Self>,
        beta: Self,
        c: MatMut<'_, Self>,
    );
}

/// Packing buffers: grown to the largest size a product has needed, then
/// reused, so that a steady state allocates nothing.
struct Buffers<T> {
    a: Vec<T>,
    b: Vec<T>,
}

impl<T> Default for Buffers<T> {
    fn default() -> Self {
        Buffers { a: Vec::new(), b: Vec::new() }
    }
}

/// This thread's buffers, taken out of their thread-local for the length of
/// a product and put back when dropped. A product started while another is
/// running on the same thread (none is) would find them empty and allocate.
struct BufferGuard<T: Elem>(Buffers<T>);

impl<T: Elem> BufferGuard<T> {
    #[inline]
    fn take() -> Self {
        BufferGuard(T::buffers().try_with(Cell::take).unwrap_or_default())
    }

    /// Slices of `a_len` and `b_len` elements, each starting on a 64-byte
    /// boundary (a cache line, and one 512-bit vector).
    #[inline]
    fn get(&mut self, a_len: usize, b_len: usize) -> (&mut [T], &mut [T]) {
        (aligned(&mut self.0.a, a_len), aligned(&mut self.0.b, b_len))
    }
}

impl<T: Elem> Drop for BufferGuard<T> {
    fn drop(&mut self) {
        let buffers = std::mem::take(&mut self.0);
        // Fails only while the thread is being torn down: then drop them.
        let _ = T::buffers().try_with(move |cell| cell.set(buffers));
    }
}

/// `len` elements of `v` starting at a 64-byte boundary; grows `v` if needed.
#[inline]
fn aligned<T: Elem>(v: &mut Vec<T>, len: usize) -> &mut [T] {
    const ALIGN: usize = 64;
    let slack = ALIGN / size_of::<T>();
    if v.len() < len + slack {
        grow(v, len + slack);
    }
    let offset = v.as_ptr().align_offset(ALIGN).min(slack);
    &mut v[offset..offset + len]
}

#[cold]
#[inline(never)]
fn grow<T: Elem>(v: &mut Vec<T>, len: usize) {
    v.resize(len, T::ZERO);
}

macro_rules! impl_elem {
    ($t:ty, $buffers:ident, $compute:path) => {
        thread_local! {
            static $buffers: Cell<Buffers<$t>> = const { Cell::new(Buffers { a: Vec::new(), b: Vec::new() }) };
        }

        impl Elem for $t {
            const ZERO: Self = 0.0;
            const ONE: Self = 1.0;

            #[inline(always)]
            fn madd<const FMA: bool>(a: Self, b: Self, c: Self) -> Self {
                if FMA { a.mul_add(b, c) } else { a * b + c }
            }

            #[inline]
            fn buffers() -> &'static LocalKey<Cell<Buffers<Self>>> {
                &$buffers
            }

            #[inline]
            fn compute(
                level: SimdLevel,
                size: usize,
                alpha: Self,
                a: MatRef<'_, Self>,
                b: MatRef<'_, Self>,
                beta: Self,
                c: MatMut<'_, Self>,
            ) {
                $compute(level, size, alpha, a, b, beta, c)
            }
        }
    };
}

impl_elem!(f32, BUFFERS_F32, arch::compute_f32);
impl_elem!(f64, BUFFERS_F64, arch::compute_f64);
