//! Saving and loading: a model's weights in the safetensors format
//! (interchangeable with PyTorch), and checkpoints that also hold the
//! optimizer's state so that training resumes exactly.
//!
//! Every function takes the model first, then the optimizer and the step
//! for checkpoints, then the path or the bytes.
//!
//! Reading never panics on bad input: a truncated, corrupted or foreign file
//! gives a [`FileError`] that says what is wrong and, where it is about one
//! tensor, names it; an I/O failure names the path. Writing is atomic: the
//! file is written beside its destination and renamed over it, so a crash
//! mid-save leaves the previous file intact. Saving to a symlink replaces
//! the file it points to (the link stays); saving over a read-only file is
//! refused with a `PermissionDenied` error.
#![forbid(unsafe_code)]

mod atomic;
mod checkpoint;
mod format;
mod weights;

pub use crate::error::FileError;
pub use checkpoint::{checkpoint_to_bytes, load_checkpoint, load_checkpoint_bytes, save_checkpoint};
pub use weights::{
    PartialLoad, load_weights, load_weights_bytes, load_weights_partial, save_weights, weights_to_bytes,
};
