//! Neural-network building blocks on top of the tape: the [`Module`] trait
//! (forward pass, fields, names as PyTorch gives them, train and eval mode,
//! freezing, state dicts), [`Linear`], [`Embedding`], [`Dropout`],
//! [`LayerNorm`], [`BatchNorm1d`], [`Flatten`], [`Sequential`] and the [`Mlp`],
//! activations, initialisation, losses and metrics.
#![forbid(unsafe_code)]

mod activation;
mod buffer;
mod dropout;
mod embedding;
mod fields;
mod flatten;
mod init;
mod linear;
pub mod loss;
pub mod metrics;
mod mlp;
mod module;
mod names;
mod norm;
mod sequential;

pub use crate::error::StateDictError;
pub use crate::param::StateValue;
pub use activation::Activation;
pub use buffer::Buffer;
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use flatten::Flatten;
pub use init::Init;
pub use linear::Linear;
pub use mlp::{Mlp, MlpLayer};
pub use module::{AsField, Field, FieldMut, Module};
pub(crate) use names::{Leaf, Slot, assign, first_duplicate, slots, walk};
pub use norm::{BatchNorm1d, LayerNorm};
pub use sequential::{Chain, Sequential};
