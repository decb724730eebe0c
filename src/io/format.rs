//! The file format under weights and checkpoints: safetensors, with an
//! FNV-1a checksum of every tensor in the metadata, and a model's
//! parameters and buffers as its entries (a count as an `int64` scalar).
//! `weights.rs` and `checkpoint.rs` both write and read through here (and
//! neither imports the other).

use std::collections::HashMap;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use crate::error::{FileError, StateDictError};
use crate::float::Float;
use crate::nn::{Leaf, Module, Slot, StateValue, walk};
use crate::tensor::Tensor;

/// The `format` entry of a checkpoint's metadata: `checkpoint.rs` writes
/// it, and `weights.rs` refuses by name a checkpoint given as weights.
pub(super) const CHECKPOINT_FORMAT: &str = "tapegrad-checkpoint";

/// The safetensors dtype of the element type.
fn dtype_of<T: Float>() -> Dtype {
    if T::BYTES == 8 { Dtype::F64 } else { Dtype::F32 }
}

/// One tensor ready to be written: its name, element type, shape and
/// little-endian bytes.
pub(super) struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl Entry {
    pub(super) fn new<T: Float>(name: impl Into<String>, t: &Tensor<T>) -> Self {
        let mut bytes = Vec::with_capacity(t.len() * T::BYTES);
        for &x in t.data() {
            x.write_le(&mut bytes);
        }
        Entry { name: name.into(), dtype: dtype_of::<T>(), shape: t.shape().to_vec(), bytes }
    }

    /// A count, as an `int64` scalar (PyTorch's `num_batches_tracked`).
    pub(super) fn count(name: impl Into<String>, n: u64) -> Result<Self, FileError> {
        let name = name.into();
        let n = i64::try_from(n).map_err(|_| FileError::Format(format!("count {name:?} is too large for int64")))?;
        Ok(Entry { name, dtype: Dtype::I64, shape: Vec::new(), bytes: n.to_le_bytes().to_vec() })
    }

    /// A named value of a model or an optimizer.
    pub(super) fn value<T: Float>(name: impl Into<String>, value: &StateValue<T>) -> Result<Self, FileError> {
        match value {
            StateValue::Tensor(t) => Ok(Entry::new(name, t)),
            StateValue::Count(n) => Entry::count(name, *n),
        }
    }
}

/// The file error of a model whose state cannot be laid out.
pub(super) fn state_error(error: StateDictError) -> FileError {
    match error {
        StateDictError::Missing { name } => FileError::Missing { name },
        StateDictError::Unexpected { name } => FileError::Unexpected { name },
        StateDictError::Shape { name, expected, found } => FileError::Shape { name, expected, found },
        StateDictError::Duplicate { name } => FileError::Duplicate { name },
        StateDictError::Kind { name, expected } => FileError::Format(format!("{name:?} should be {expected}")),
    }
}

/// Every parameter and buffer of `model` as an entry, named by its path
/// with `prefix` in front (a checkpoint's `model/`).
pub(super) fn model_entries<T: Float, M: Module<T> + ?Sized>(model: &M, prefix: &str) -> Result<Vec<Entry>, FileError> {
    let mut entries = Vec::new();
    let mut result = Ok(());
    walk(model, &mut String::new(), &mut |path, leaf| {
        let name = format!("{prefix}{path}");
        match leaf {
            Leaf::Param(p) => entries.push(Entry::new(name, p.value())),
            Leaf::Buffer(b) => match b.with(|value| Entry::value(name, value)) {
                Ok(entry) => entries.push(entry),
                Err(e) => result = Err(e),
            },
        }
    });
    result?;
    let mut seen = std::collections::HashSet::new();
    if let Some(e) = entries.iter().find(|e| !seen.insert(e.name.as_str())) {
        let name = e.name[prefix.len()..].to_string();
        return Err(FileError::Duplicate { name });
    }
    Ok(entries)
}

/// FNV-1a (64 bits) over every tensor's name, element type, shape and bytes,
/// in the order of their names. Stored in the metadata of the files written
/// here, so that a flipped bit, in the data or in the header's description
/// of it, is an error on load rather than a silently different weight.
fn checksum<'a>(mut tensors: Vec<(&'a str, Dtype, &'a [usize], &'a [u8])>) -> String {
    tensors.sort_unstable_by_key(|t| t.0);
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let mut eat = |bytes: &[u8]| {
        for &b in bytes {
            hash ^= b as u64;
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    };
    for (name, dtype, shape, bytes) in tensors {
        eat(name.as_bytes());
        eat(&[0]);
        eat(format!("{dtype:?}").as_bytes());
        for &d in shape {
            eat(&(d as u64).to_le_bytes());
        }
        eat(&(bytes.len() as u64).to_le_bytes());
        eat(bytes);
    }
    format!("{hash:016x}")
}

/// Checks the checksum in the metadata, if the file has one (files written
/// elsewhere, by PyTorch for instance, do not).
fn verify_checksum(bytes: &[u8], file: &SafeTensors<'_>) -> Result<(), FileError> {
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| FileError::Format(e.to_string()))?;
    let Some(expected) = header.metadata().as_ref().and_then(|m| m.get("checksum")) else {
        return Ok(());
    };
    let tensors = file.tensors();
    let actual =
        checksum(tensors.iter().map(|(name, view)| (name.as_str(), view.dtype(), view.shape(), view.data())).collect());
    if &actual == expected {
        Ok(())
    } else {
        Err(FileError::Format(format!(
            "checksum mismatch (file says {expected}, data gives {actual}): the file is corrupted"
        )))
    }
}

/// Serialises tensors, with `metadata` and a checksum, to safetensors bytes.
pub(super) fn serialize(entries: &[Entry], mut metadata: HashMap<String, String>) -> Result<Vec<u8>, FileError> {
    let mut seen = std::collections::HashSet::new();
    if let Some(e) = entries.iter().find(|e| !seen.insert(e.name.as_str())) {
        return Err(FileError::Duplicate { name: e.name.clone() });
    }
    let described = entries.iter().map(|e| (e.name.as_str(), e.dtype, &e.shape[..], &e.bytes[..])).collect();
    metadata.insert("checksum".to_string(), checksum(described));
    let views = entries
        .iter()
        .map(|e| {
            TensorView::new(e.dtype, e.shape.clone(), &e.bytes)
                .map(|view| (e.name.clone(), view))
                .map_err(|err| FileError::Format(err.to_string()))
        })
        .collect::<Result<Vec<_>, _>>()?;
    safetensors::serialize(views, Some(metadata)).map_err(|e| FileError::Format(e.to_string()))
}

/// Parses safetensors bytes and checks their checksum, turning any defect
/// into [`FileError::Format`].
pub(super) fn parse(bytes: &[u8]) -> Result<SafeTensors<'_>, FileError> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| FileError::Format(e.to_string()))?;
    verify_checksum(bytes, &file)?;
    Ok(file)
}

/// Decodes tensor `name` from the file, checking its element type and that
/// its shape is `expected`.
pub(super) fn decode<T: Float>(file: &SafeTensors<'_>, name: &str, expected: &[usize]) -> Result<Tensor<T>, FileError> {
    let view = file.tensor(name).map_err(|_| FileError::Missing { name: name.to_string() })?;
    if view.dtype() != dtype_of::<T>() {
        let found = match view.dtype() {
            Dtype::F32 => "float32".to_string(),
            Dtype::F64 => "float64".to_string(),
            other => format!("{other:?}"),
        };
        return Err(FileError::Dtype { name: name.to_string(), expected: T::DTYPE, found });
    }
    if view.shape() != expected {
        return Err(FileError::Shape {
            name: name.to_string(),
            expected: expected.to_vec(),
            found: view.shape().to_vec(),
        });
    }
    // `deserialize` has checked that the bytes fit the shape and dtype.
    let data = view.data().chunks_exact(T::BYTES).map(T::read_le).collect();
    Tensor::new(data, expected).map_err(|e| FileError::Format(format!("tensor {name:?}: {e}")))
}

/// Decodes what `slot` expects from tensor `name` of the file: a tensor
/// of its shape in the model's element type, or an `int64` count.
pub(super) fn decode_slot<T: Float>(
    file: &SafeTensors<'_>,
    name: &str,
    slot: &Slot,
) -> Result<StateValue<T>, FileError> {
    match slot {
        Slot::Tensor(shape) => decode(file, name, shape).map(StateValue::Tensor),
        Slot::Count => {
            let view = file.tensor(name).map_err(|_| FileError::Missing { name: name.to_string() })?;
            if view.dtype() != Dtype::I64 || view.data().len() != 8 {
                return Err(FileError::Dtype {
                    name: name.to_string(),
                    expected: "int64",
                    found: format!("{:?} of shape {:?}", view.dtype(), view.shape()),
                });
            }
            let bytes: [u8; 8] = view.data().try_into().expect("checked to be 8 bytes");
            u64::try_from(i64::from_le_bytes(bytes))
                .map(StateValue::Count)
                .map_err(|_| FileError::Format(format!("count {name:?} is negative")))
        }
    }
}
