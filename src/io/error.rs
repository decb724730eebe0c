//! Typed errors of saving and loading.

use std::fmt;

/// Why a file could not be loaded into a model or optimizer. Nothing in the
/// model or optimizer is changed when a load fails.
#[derive(Debug)]
pub enum LoadError {
    /// The file could not be read.
    Io(std::io::Error),
    /// The bytes are not a valid safetensors file (truncated, corrupted,
    /// not safetensors at all).
    Format(String),
    /// A parameter of the model has no tensor of its name in the file.
    Missing {
        /// The parameter's name.
        name: String,
    },
    /// The file has a tensor the model has no parameter for (a strict load
    /// refuses it; a partial load reports it).
    Unexpected {
        /// The tensor's name.
        name: String,
    },
    /// A tensor's shape differs from its parameter's.
    Shape {
        /// The tensor's name.
        name: String,
        /// The parameter's shape.
        expected: Vec<usize>,
        /// The shape in the file.
        found: Vec<usize>,
    },
    /// A tensor's element type differs from the model's.
    Dtype {
        /// The tensor's name.
        name: String,
        /// The model's element type (`float32`, `float64`).
        expected: &'static str,
        /// The type in the file.
        found: String,
    },
    /// The file is not a tapegrad checkpoint, or one of another version.
    NotACheckpoint(String),
    /// The checkpoint holds the state of another optimizer.
    OptimizerMismatch {
        /// The optimizer being loaded into.
        expected: &'static str,
        /// The optimizer named in the file.
        found: String,
    },
    /// A parameter's optimizer state in the checkpoint is incomplete or
    /// does not fit.
    OptimizerState {
        /// The parameter's name.
        name: String,
        /// What is wrong.
        message: String,
    },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Io(e) => write!(f, "cannot read the file: {e}"),
            LoadError::Format(e) => write!(f, "not a valid safetensors file: {e}"),
            LoadError::Missing { name } => write!(f, "tensor {name:?} is missing from the file"),
            LoadError::Unexpected { name } => {
                write!(f, "the file has a tensor {name:?} that the model has no parameter for")
            }
            LoadError::Shape { name, expected, found } => {
                write!(f, "tensor {name:?} has shape {found:?} in the file, but the parameter has shape {expected:?}")
            }
            LoadError::Dtype { name, expected, found } => {
                write!(f, "tensor {name:?} is {found} in the file, but the model is {expected}")
            }
            LoadError::NotACheckpoint(why) => write!(f, "not a tapegrad checkpoint: {why}"),
            LoadError::OptimizerMismatch { expected, found } => {
                write!(f, "the checkpoint holds {found} state, but the optimizer is {expected}")
            }
            LoadError::OptimizerState { name, message } => {
                write!(f, "optimizer state of parameter {name:?}: {message}")
            }
        }
    }
}

impl std::error::Error for LoadError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LoadError::Io(e) => Some(e),
            _ => None,
        }
    }
}

impl From<std::io::Error> for LoadError {
    fn from(e: std::io::Error) -> Self {
        LoadError::Io(e)
    }
}

/// Why a file could not be saved. The previous file at the path, if any, is
/// left as it was.
#[derive(Debug)]
pub enum SaveError {
    /// Writing, syncing or renaming failed.
    Io(std::io::Error),
    /// The tensors could not be serialised (two parameters with one name,
    /// for instance).
    Format(String),
}

impl fmt::Display for SaveError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SaveError::Io(e) => write!(f, "cannot write the file: {e}"),
            SaveError::Format(e) => write!(f, "cannot serialise the tensors: {e}"),
        }
    }
}

impl std::error::Error for SaveError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            SaveError::Io(e) => Some(e),
            SaveError::Format(_) => None,
        }
    }
}

impl From<std::io::Error> for SaveError {
    fn from(e: std::io::Error) -> Self {
        SaveError::Io(e)
    }
}
