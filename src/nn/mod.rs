//! Neural-network building blocks on top of the tape: the [`Module`] trait,
//! [`Linear`] layers, the [`Mlp`], activations, initialisation, losses and
//! metrics.
#![forbid(unsafe_code)]

mod activation;
mod init;
mod linear;
pub mod loss;
pub mod metrics;
mod mlp;
mod module;

pub use activation::Activation;
pub use init::Init;
pub use linear::Linear;
pub use mlp::Mlp;
pub use module::Module;
