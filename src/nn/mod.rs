//! Neural-network building blocks on top of the tape: the [`Module`] trait,
//! [`Linear`] layers, [`Sequential`] and the [`Mlp`], activations,
//! initialisation, losses and metrics.
#![forbid(unsafe_code)]

mod activation;
mod fields;
mod init;
mod linear;
pub mod loss;
pub mod metrics;
mod mlp;
mod module;
mod sequential;

pub use activation::Activation;
pub use init::Init;
pub use linear::Linear;
pub use mlp::{Mlp, MlpLayer};
pub use module::Module;
pub use sequential::{Chain, Sequential};
