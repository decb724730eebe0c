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
//!   gradients can be differentiated again: [`hvp`], [`hessian_of`],
//!   [`jacobian_of`] (and [`hessian`], [`jacobian`] of a closure), and the
//!   extreme eigenvalues of a Hessian ([`hessian_max_eigenvalue`],
//!   [`hessian_min_eigenvalue`], by Lanczos) are built on it.
//! * [`check_gradients`] and [`check_second_order`] compare the tape's
//!   gradients, and its gradients of gradients, with central finite
//!   differences.
//! * [`nn`], [`optim`], [`data`] and [`io`]: layers and losses, optimizers
//!   and schedules, toy data sets, safetensors weights and checkpoints.
//! * [`diagnostics`] measures each training step (norms, activations,
//!   histograms, sharpness); [`probe`] runs experiments around a model: the
//!   learning-rate range test and the loss landscape.
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
//!
//! ## The element type
//!
//! Tensors, tapes, layers and data sets are generic over the float type, `f32`
//! by default. A graph of literals infers `f64` (Rust's default for float
//! literals); where nothing fixes the type, annotate the first binding once
//! and the rest follows (E0282/E0283 "type annotations needed" otherwise):
//!
//! ```
//! use tapegrad::prelude::*;
//!
//! let tape = Tape::new();
//! let b = tape.var(Tensor::scalar(2.0)); // f64, from the literal
//! let z = b * b;
//! let w = z / 2.0;
//! assert_eq!(w.backward().wrt(b).item(), 2.0);
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let noise: Tensor = Tensor::randn([2, 3], &mut rng) * 0.5; // f32
//! let model: Mlp = Mlp::new(&[3, 4, 1], Activation::Relu, &mut rng); // f32
//! let data: Dataset = toy::moons(10, 0.1, &mut rng); // f32
//! # let _ = (noise, model, data);
//! ```
//!
//! ## rand
//!
//! Functions that draw random numbers take a generator of the [`rand`] this
//! crate is built against (0.10), re-exported as `tapegrad::rand`; the
//! [`prelude`] brings `StdRng` and `SeedableRng`. A generator from another
//! version of rand does not fit (a trait error naming `rand_core`).
#![deny(unsafe_code)]
#![warn(missing_docs)]

// Layers, each importing only from the ones above it in this list:
// kernels; float, shape, error; tensor, param; ops; tape; nn, data; optim;
// diagnostics, probe; io; report. ARCHITECTURE.md draws the diagram.
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

pub mod probe;

pub mod io;
pub mod linalg;

#[cfg(feature = "report")]
pub mod report;

pub use error::TensorError;
pub use float::Float;
pub use kernels::threads::{max_num_threads, num_threads, set_num_threads};
pub use param::{Param, ParamId};
pub use shape::Shape;
pub use tape::{
    Anomaly, Eigenpair, GradCheck, Gradients, InputCheck, NodeInfo, PerSampleGradients, PerSampleMethod,
    PerSampleNorms, Phase, ScopeGuard, Tape, Var, check_gradients, check_second_order, grad, hessian,
    hessian_max_eigenvalue, hessian_min_eigenvalue, hessian_of, hvp, jacobian, jacobian_of,
};
pub use tensor::Tensor;

/// The `rand` this crate is built against (0.10). Every function that takes
/// a random number generator takes one of this version's `Rng`s; a program
/// that depends on another version of rand gets a trait error it cannot
/// read, so use this one: `tapegrad::rand::rngs::StdRng`, or the
/// [`prelude`]'s `StdRng` and `SeedableRng`.
pub use rand;

/// The names most programs need: the core types, layers, losses and
/// metrics, the optimizers, parameter groups, schedules and clipping, the toy data sets,
/// weights and checkpoints, and a seedable generator from the [`rand`] this
/// crate uses. Everything the README's examples use comes from here.
///
/// ```
/// use tapegrad::prelude::*;
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let data: Dataset = toy::moons(64, 0.1, &mut rng);
/// let model: Mlp = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng);
/// let accuracy = metrics::binary_accuracy(&model.predict(data.x()), data.y());
/// assert!((0.0..=1.0).contains(&accuracy));
/// ```
pub mod prelude {
    pub use crate::data::{Dataset, toy};
    pub use crate::io::{load_checkpoint, load_weights, save_checkpoint, save_weights};
    pub use crate::nn::loss::{self, Reduction};
    pub use crate::nn::{
        Activation, BatchNorm1d, Dropout, Embedding, Flatten, Init, LayerNorm, Linear, Mlp, Module, Sequential,
        StateValue, metrics,
    };
    pub use crate::optim::{
        Adam, AdamW, Constant, Cosine, InverseSqrt, LinearDecay, Momentum, MomentumForm, Optimizer, ParamGroup,
        RmsProp, Schedule, Sequence, Sgd, StepDecay, Warmup, clip_grad_norm, clip_grad_value, scale_lr_for_batch,
    };
    pub use crate::{
        Float, Gradients, Param, Tape, Tensor, Var, check_gradients, grad, hessian, hessian_max_eigenvalue,
        hessian_min_eigenvalue, hessian_of, hvp, jacobian, jacobian_of,
    };
    pub use rand::{SeedableRng, rngs::StdRng};
}

// The README's examples are compiled and run as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
