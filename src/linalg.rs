//! The matrix product the ops use, open to callers: `C = alpha A B + beta C`
//! on strided views of slices, for `f32` and `f64`.
//!
//! Every matrix product of the engine (matmul, the fused linear layer and
//! their backward sweeps) goes through [`gemm`]; calling it directly is the
//! baseline the engine's overhead is measured against (`cargo bench --bench
//! gemm`). Views carry a row and a column stride, so a transpose is
//! [`MatRef::t`] and copies nothing.
//!
//! ```
//! use tapegrad::linalg::{MatMut, MatRef, gemm};
//!
//! let a = [1.0f32, 2.0, 3.0, 4.0, 5.0, 6.0]; // 2 x 3
//! let b = [1.0f32, 0.0, 0.0, 1.0, 1.0, 1.0]; // 3 x 2
//! let mut c = [0.0f32; 4];
//! gemm(1.0, MatRef::row_major(&a, 2, 3), MatRef::row_major(&b, 3, 2), 0.0, MatMut::row_major(&mut c, 2, 2));
//! assert_eq!(c, [4.0, 5.0, 10.0, 11.0]);
//!
//! // Aᵀ A (3 x 3) reads A through swapped strides.
//! let mut ata = [0.0f32; 9];
//! let a = MatRef::row_major(&a, 2, 3);
//! gemm(1.0, a.t(), a, 0.0, MatMut::row_major(&mut ata, 3, 3));
//! assert_eq!(ata[0], 1.0 * 1.0 + 4.0 * 4.0);
//! ```
//!
//! With [`set_num_threads`](crate::set_num_threads) above 1, products of
//! more than about two million multiply-adds are split by rows of `C`
//! across threads. A split product may round differently from the same
//! product on one thread (a block can take another path), by a few units in
//! the last place.
#![forbid(unsafe_code)]

pub use crate::kernels::gemm::{GemmScalar, MatMut, MatRef, gemm};

/// The SIMD level the kernels run at on this machine (`"avx512"`, `"avx2"`
/// or `"baseline"`): the CPU's, lowered by `TAPEGRAD_SIMD` if set. For
/// benchmark logs, which must show that a forced level took effect.
#[doc(hidden)]
pub fn simd_level_name() -> &'static str {
    crate::kernels::cpu::simd_level().name()
}

/// Probes of the machine's limits (clock, FMA peak, triad bandwidth), for
/// `cargo bench --bench roofline`; not part of the engine.
#[doc(hidden)]
pub mod probe {
    pub use crate::kernels::cpu::SimdLevel;
    pub use crate::kernels::gemm::macs_per_ns;
    pub use crate::kernels::probe::{Peak, Stores, clock_hz, fma_peak, triad};
    pub use crate::kernels::threads::{SplitCosts, split_costs};
}
