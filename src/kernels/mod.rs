//! The machine-level layer: the matrix product, vectorisable math, SIMD
//! dispatch, threads and memory advice. Nothing here knows about tensors;
//! the rest of the crate builds on it. The only `unsafe` code of the crate
//! lives here, each use argued next to it.

pub(crate) mod cpu;
pub(crate) mod gemm;
pub(crate) mod math;
pub(crate) mod pages;
pub(crate) mod probe;
pub(crate) mod threads;
pub(crate) mod vectorize;
