//! Every error the crate returns (rather than panics with), one type per
//! domain: building a tensor ([`TensorError`]), pairing data into a data set
//! ([`DataError`]), restoring an optimizer's state ([`StateError`]),
//! loading a model's named tensors ([`StateDictError`]), files
//! ([`FileError`]), CSV tables ([`CsvError`], feature `csv`), and the first
//! NaN or infinity in a graph ([`Anomaly`], which the tape's anomaly detection
//! finds). Each says what is wrong and names what it is about: the shape, the
//! tensor, the optimizer's entry, the path, the line and column, the node.
#![forbid(unsafe_code)]

use std::fmt;
use std::path::PathBuf;

use crate::shape::{Shape, numel};

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
    /// The shape holds more elements than can exist in memory (the count
    /// overflows, or takes more than `isize::MAX` bytes).
    TooLarge {
        /// The shape requested.
        shape: Shape,
    },
}

impl fmt::Display for TensorError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TensorError::LengthMismatch { len, shape } => {
                write!(f, "cannot build a tensor of shape {shape:?} ({} elements) from {len} values", numel(shape))
            }
            TensorError::TooLarge { shape } => {
                write!(f, "a tensor of shape {shape:?} has more elements than fit in memory")
            }
        }
    }
}

impl std::error::Error for TensorError {}

/// Why inputs and targets could not be paired into a
/// [`Dataset`](crate::data::Dataset).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataError {
    /// `x` is not 2-D (`[N, D]`).
    XNotMatrix {
        /// The shape of `x`.
        x: Shape,
    },
    /// `y` is a scalar: it has no example axis.
    YScalar {
        /// The shape of `y`.
        y: Shape,
    },
    /// `x` and `y` hold different numbers of examples.
    ExampleCountMismatch {
        /// The shape of `x`.
        x: Shape,
        /// The shape of `y`.
        y: Shape,
    },
    /// `y` has the wrong shape for the task: `[N]` class indices for a
    /// classification, `[N, K]` values for a regression.
    TargetShape {
        /// The shape of `y`.
        y: Shape,
        /// The shape the task needs, as text (`"[N]"`).
        expected: &'static str,
    },
    /// There are not as many names as columns.
    NameCount {
        /// What is named: `"feature"`, `"target"`.
        what: &'static str,
        /// Names given.
        names: usize,
        /// Columns to name.
        columns: usize,
    },
    /// A classification's target is not a class index: not a whole number,
    /// or not below the number of classes.
    NotAClass {
        /// The example.
        index: usize,
        /// Its target, as text.
        value: String,
        /// The number of classes.
        classes: usize,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::XNotMatrix { x } => write!(f, "x must be 2-D [N, D], but has shape {x:?}"),
            DataError::YScalar { y } => {
                write!(f, "y must have an example axis (shape [N, ...]), but has shape {y:?}")
            }
            DataError::ExampleCountMismatch { x, y } => {
                write!(f, "x has shape {x:?} ({} examples) but y has shape {y:?} ({} examples)", x[0], y[0])
            }
            DataError::TargetShape { y, expected } => write!(f, "y must have shape {expected} but has shape {y:?}"),
            DataError::NameCount { what, names, columns } => {
                write!(f, "{names} {what} names given for {columns} {what} columns")
            }
            DataError::NotAClass { index, value, classes } => {
                write!(f, "example {index} has target {value}, which is not a class index in 0..{classes}")
            }
        }
    }
}

impl std::error::Error for DataError {}

/// Why saved state could not be put back into an optimizer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateError {
    /// An entry the optimizer needs is not there.
    Missing {
        /// The optimizer's name.
        optimizer: &'static str,
        /// The entry's name (`"m"`, `"velocity"`).
        entry: &'static str,
    },
    /// An entry holds a tensor where a count belongs, or the reverse.
    WrongKind {
        /// The optimizer's name.
        optimizer: &'static str,
        /// The entry's name.
        entry: &'static str,
        /// What it should hold: `"a tensor"` or `"a count"`.
        expected: &'static str,
    },
    /// An entry the optimizer does not know.
    Unexpected {
        /// The optimizer's name.
        optimizer: &'static str,
        /// The entry's name.
        entry: String,
    },
    /// The state's tensors do not all have one shape.
    Shapes {
        /// The optimizer's name.
        optimizer: &'static str,
        /// The first tensor's shape.
        first: Vec<usize>,
        /// A tensor of another shape.
        other: Vec<usize>,
    },
}

impl fmt::Display for StateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateError::Missing { optimizer, entry } => write!(f, "{optimizer}: state entry {entry:?} is missing"),
            StateError::WrongKind { optimizer, entry, expected } => {
                write!(f, "{optimizer}: state entry {entry:?} should be {expected}")
            }
            StateError::Unexpected { optimizer, entry } => write!(f, "{optimizer}: unexpected state entry {entry:?}"),
            StateError::Shapes { optimizer, first, other } => {
                write!(f, "{optimizer}: state tensors of shapes {first:?} and {other:?} differ")
            }
        }
    }
}

impl std::error::Error for StateError {}

/// Why named tensors (a state dict) could not be loaded into a model
/// ([`Module::load_named`](crate::nn::Module::load_named)). The model is
/// unchanged when a load fails.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StateDictError {
    /// The model has a parameter or buffer of this name that the state lacks.
    Missing {
        /// The name.
        name: String,
    },
    /// The state has a tensor that no parameter or buffer of the model is
    /// named after.
    Unexpected {
        /// The name.
        name: String,
    },
    /// A tensor's shape differs from its parameter's or buffer's.
    Shape {
        /// The name.
        name: String,
        /// The model's shape.
        expected: Vec<usize>,
        /// The state's shape.
        found: Vec<usize>,
    },
    /// A tensor where the model keeps a count, or the other way round.
    Kind {
        /// The name.
        name: String,
        /// What the model keeps there: `"a tensor"` or `"a count"`.
        expected: &'static str,
    },
    /// Two parameters or buffers (of the model, or of the state) have one
    /// name: loading would put one value into both.
    Duplicate {
        /// The name.
        name: String,
    },
}

impl fmt::Display for StateDictError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StateDictError::Missing { name } => write!(f, "the state has no tensor {name:?}"),
            StateDictError::Unexpected { name } => {
                write!(f, "the state has a tensor {name:?} that the model has no parameter or buffer for")
            }
            StateDictError::Shape { name, expected, found } => {
                write!(f, "tensor {name:?} has shape {found:?} in the state, but the model's has shape {expected:?}")
            }
            StateDictError::Kind { name, expected } => write!(f, "{name:?} should be {expected}"),
            StateDictError::Duplicate { name } => write!(
                f,
                "two tensors are named {name:?}: a model's names must be unique (a module of your own names its \
                 fields' tensors by the fields' names with params!)"
            ),
        }
    }
}

impl std::error::Error for StateDictError {}

/// Why a file (or its bytes) could not be saved or loaded. Nothing in the
/// model or optimizer is changed when a load fails; the previous file at a
/// path is left as it was when a save fails.
#[derive(Debug)]
pub enum FileError {
    /// Reading, writing, syncing or renaming failed.
    Io {
        /// The file.
        path: PathBuf,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The bytes are not a valid safetensors file (truncated, corrupted,
    /// not safetensors at all), or tensors could not be serialised (a name
    /// with a `/` in a checkpoint).
    Format(String),
    /// Two parameters or buffers of the model have one name: saving would
    /// write one tensor for both, loading would put one tensor into both.
    Duplicate {
        /// The name.
        name: String,
    },
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
    /// A tensor's element type differs from the model's (or a count,
    /// stored as `int64`, is where the model has a tensor, or the other way
    /// round).
    Dtype {
        /// The tensor's name.
        name: String,
        /// The model's element type (`float32`, `float64`; `int64` for a count).
        expected: &'static str,
        /// The type in the file.
        found: String,
    },
    /// The file is not a tapegrad checkpoint, or one of another version.
    NotACheckpoint(String),
    /// The file is a checkpoint (weights with optimizer state), given where
    /// weights were expected: load it with `load_checkpoint`.
    IsACheckpoint,
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
        error: StateError,
    },
}

impl fmt::Display for FileError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FileError::Io { path, error } => write!(f, "{}: {error}", path.display()),
            FileError::Format(e) => write!(f, "not a valid safetensors file: {e}"),
            FileError::Duplicate { name } => write!(
                f,
                "two tensors of the model are named {name:?}: a model's names must be unique (a module of your \
                 own names its fields' tensors by the fields' names with params!)"
            ),
            FileError::Missing { name } => write!(f, "tensor {name:?} is missing from the file"),
            FileError::Unexpected { name } => {
                write!(f, "the file has a tensor {name:?} that the model has no parameter for")
            }
            FileError::Shape { name, expected, found } => {
                write!(f, "tensor {name:?} has shape {found:?} in the file, but the parameter has shape {expected:?}")
            }
            FileError::Dtype { name, expected, found } => {
                write!(f, "tensor {name:?} is {found} in the file, but the model is {expected}")
            }
            FileError::NotACheckpoint(why) => write!(f, "not a tapegrad checkpoint: {why}"),
            FileError::IsACheckpoint => write!(
                f,
                "this file is a tapegrad checkpoint (weights and optimizer state), not a weights file: \
                 load it with load_checkpoint"
            ),
            FileError::OptimizerMismatch { expected, found } => {
                write!(f, "the checkpoint holds {found} state, but the optimizer is {expected}")
            }
            FileError::OptimizerState { name, error } => write!(f, "optimizer state of parameter {name:?}: {error}"),
        }
    }
}

impl std::error::Error for FileError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            FileError::Io { error, .. } => Some(error),
            FileError::OptimizerState { error, .. } => Some(error),
            _ => None,
        }
    }
}

/// Where the first non-finite number appeared.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    /// In a node's value, while recording the graph.
    Forward,
    /// In a gradient, during a backward sweep: the node's backward rule
    /// produced it for one of its inputs.
    Backward,
}

/// The first node whose value (or whose backward rule's output) was NaN or
/// infinite, with what it was computed from.
#[derive(Clone, Debug, PartialEq)]
pub struct Anomaly {
    /// Forward value or gradient.
    pub phase: Phase,
    /// The node's index on its tape.
    pub node: usize,
    /// The node's op, as in the tape listing.
    pub op: String,
    /// The node's own shape.
    pub shape: Shape,
    /// Each input: its index, its shape, and whether its value already held
    /// a non-finite number (then the problem started earlier).
    pub inputs: Vec<(usize, Shape, bool)>,
    /// For [`Phase::Backward`]: whether the gradient arriving at the node
    /// was itself finite, and which input received the bad gradient.
    pub backward: Option<(bool, usize)>,
}

impl fmt::Display for Anomaly {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.phase, self.backward) {
            (Phase::Forward, _) => write!(
                f,
                "anomaly: node #{} ({}, shape {:?}) computed NaN or infinity",
                self.node, self.op, self.shape
            )?,
            (Phase::Backward, Some((gradient_was_finite, input))) => write!(
                f,
                "anomaly: the backward rule of node #{} ({}, shape {:?}) gave a NaN or infinite gradient to input #{input}{}",
                self.node,
                self.op,
                self.shape,
                if gradient_was_finite { "" } else { " (the gradient arriving at the node was already non-finite)" }
            )?,
            (Phase::Backward, None) => write!(f, "anomaly in the backward rule of node #{} ({})", self.node, self.op)?,
        }
        if self.inputs.is_empty() {
            write!(f, "; it is a leaf: the data given to it is not finite")?;
        }
        for (index, shape, bad) in &self.inputs {
            write!(f, "; input #{index} {shape:?} {}", if *bad { "was already non-finite" } else { "was finite" })?;
        }
        Ok(())
    }
}

impl std::error::Error for Anomaly {}
/// Why a CSV table could not be read (feature `csv`). Every variant names
/// the file (its path, or the name given with a reader); those about a
/// place in it also name the line, counted from 1 as an editor does (the
/// header is line 1), and the column, counted from 1. `Display` writes
/// them as `file:line:column: what is wrong`.
#[cfg(feature = "csv")]
#[derive(Debug)]
pub enum CsvError {
    /// Opening or reading the file failed.
    Io {
        /// The file.
        file: String,
        /// What the operating system said.
        error: std::io::Error,
    },
    /// The file holds nothing, not even a header row.
    Empty {
        /// The file.
        file: String,
    },
    /// The file has a header row and no data rows.
    NoRows {
        /// The file.
        file: String,
    },
    /// A column asked for (a target, or one to ignore) is not in the header.
    UnknownColumn {
        /// The file.
        file: String,
        /// The name asked for.
        column: String,
        /// The header's names.
        header: Vec<String>,
    },
    /// A column asked for appears more than once in the header.
    DuplicateColumn {
        /// The file.
        file: String,
        /// The name asked for.
        column: String,
        /// Where it appears, counted from 1.
        columns: Vec<usize>,
    },
    /// Every column is a target or ignored: nothing is left as a feature.
    NoFeatures {
        /// The file.
        file: String,
    },
    /// A row has more or fewer fields than the header.
    Ragged {
        /// The file.
        file: String,
        /// The row's line.
        line: u64,
        /// The first column missing (a short row) or extra (a long one).
        column: usize,
        /// Fields in the header.
        expected: usize,
        /// Fields in the row.
        found: usize,
    },
    /// A field does not hold what its column needs: a finite number for a
    /// feature or a regression target, a non-empty label for a class.
    BadValue {
        /// The file.
        file: String,
        /// The field's line.
        line: u64,
        /// The field's column.
        column: usize,
        /// The column's name in the header.
        name: String,
        /// The field's text.
        value: String,
        /// What the column needs: `"a finite number"`, `"a class label"`.
        expected: &'static str,
    },
    /// A class label that is not among the classes given with
    /// `Csv::classes`.
    UnknownClass {
        /// The file.
        file: String,
        /// The field's line.
        line: u64,
        /// The field's column.
        column: usize,
        /// The label.
        label: String,
        /// The classes given.
        classes: Vec<String>,
    },
}

#[cfg(feature = "csv")]
impl fmt::Display for CsvError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CsvError::Io { file, error } => write!(f, "{file}: {error}"),
            CsvError::Empty { file } => write!(f, "{file}: the file is empty; a CSV table starts with a header row"),
            CsvError::NoRows { file } => write!(f, "{file}: the file has a header row but no data rows"),
            CsvError::UnknownColumn { file, column, header } => {
                write!(f, "{file}:1: no column is named {column:?}; the header has {header:?}")
            }
            CsvError::DuplicateColumn { file, column, columns } => {
                write!(f, "{file}:1: the header names {column:?} more than once, in columns {columns:?}")
            }
            CsvError::NoFeatures { file } => {
                write!(f, "{file}:1: every column is a target or ignored; no column is left as a feature")
            }
            CsvError::Ragged { file, line, column, expected, found } => write!(
                f,
                "{file}:{line}:{column}: the row has {found} fields but the header has {expected} \
                 (column {column} is {})",
                if found < expected { "missing" } else { "extra" }
            ),
            CsvError::BadValue { file, line, column, name, value, expected } => {
                write!(f, "{file}:{line}:{column}: column {name:?} holds {value:?}, which is not {expected}")
            }
            CsvError::UnknownClass { file, line, column, label, classes } => {
                write!(f, "{file}:{line}:{column}: the label {label:?} is not one of the classes {classes:?}")
            }
        }
    }
}

#[cfg(feature = "csv")]
impl std::error::Error for CsvError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            CsvError::Io { error, .. } => Some(error),
            _ => None,
        }
    }
}
