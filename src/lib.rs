//! # tapegrad
//!
//! A minimal, fast, tape-based reverse-mode automatic differentiation engine
//! on tensors.
//!
//! * [`Tensor`]: a contiguous row-major n-dimensional array of `f32` (default)
//!   or `f64`.
//! * [`Tape`] records every operation on its [`Var`]s as it runs; a reverse
//!   sweep ([`Var::backward`]) returns [`Gradients`].
//! * [`grad`] with `create_graph` records the backward sweep itself, so
//!   gradients can be differentiated again: [`hvp`], [`hessian`],
//!   [`jacobian`], and the extreme eigenvalues of a Hessian
//!   ([`hessian_max_eigenvalue`], [`hessian_min_eigenvalue`]) are built on it.
//! * [`check_gradients`] and [`check_second_order`] compare the tape's
//!   gradients, and its gradients of gradients, with central finite
//!   differences.
//! * [`nn`], [`optim`], [`data`] and [`io`]: layers and losses, optimizers
//!   and schedules, toy data sets, safetensors weights and checkpoints.
//! * [`linalg::gemm`] is the matrix product every op uses;
//!   [`set_num_threads`] lets it and the optimizers use more than one thread.
//!
//! ```
//! use tapegrad::prelude::*;
//!
//! let tape = Tape::new();
//! let x = tape.var(Tensor::from_vec(vec![1.0f32, 2.0, 3.0, 4.0], [2, 2]));
//! let w = tape.var(Tensor::from_vec(vec![0.5, -1.0], [2, 1]));
//! let y = (x.matmul(w) + 1.0).tanh().sum();
//! let grads = y.backward();
//! println!("dy/dw = {}", grads.wrt(w));
//! println!("{tape}");
//! ```
#![deny(unsafe_code)]
#![warn(missing_docs)]

// Layers, each importing only from the ones above it in this list:
// kernels; float, shape, error; tensor, param; ops; tape; nn, optim, data,
// diagnostics; io; report. ARCHITECTURE.md draws the diagram.
mod kernels;

mod error;
mod float;
mod shape;

mod param;
mod tensor;

mod ops;

mod tape;

pub mod data;
pub mod diagnostics;
pub mod nn;
pub mod optim;

pub mod io;
pub mod linalg;

#[cfg(feature = "report")]
pub mod report;

pub use error::TensorError;
pub use float::Float;
pub use kernels::threads::{num_threads, set_num_threads};
pub use param::{Param, ParamId};
pub use shape::Shape;
pub use tape::{
    Anomaly, Eigenpair, GradCheck, Gradients, InputCheck, NodeInfo, Phase, ScopeGuard, Tape, Var, check_gradients,
    check_second_order, grad, hessian, hessian_max_eigenvalue, hessian_min_eigenvalue, hvp, jacobian,
};
pub use tensor::Tensor;

/// The names most programs need: the core types, the nn layer, the
/// optimizers and schedules, and the toy data sets.
pub mod prelude {
    pub use crate::data::{Dataset, toy};
    pub use crate::nn::{Activation, Init, Linear, Mlp, Module, loss};
    pub use crate::optim::{
        Adam, AdamW, Constant, Cosine, InverseSqrt, LinearDecay, Momentum, MomentumForm, Optimizer, RmsProp, Schedule,
        Sgd, StepDecay, Warmup,
    };
    pub use crate::{
        Float, Gradients, Param, Tape, Tensor, Var, check_gradients, grad, hessian, hessian_max_eigenvalue,
        hessian_min_eigenvalue, hvp, jacobian,
    };
}

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
