//! Errors returned (not panicked) by fallible constructors and I/O.

use std::fmt;

use crate::shape::Shape;

/// Why a tensor could not be built from the data given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TensorError {
    /// The data's length is not the number of elements the shape holds.
    LengthMismatch {
        /// Elements supplied.
        len: usize,
        /// The shape requested.
        shape: Shape,
    },
}

impl fmt::Display for TensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorError::LengthMismatch { len, shape } => write!(
                f,
                "cannot build a tensor of shape {shape:?} ({} elements) from {len} values",
                crate::shape::numel(shape)
            ),
        }
    }
}

impl std::error::Error for TensorError {}
