//! A model's weights in the safetensors format: one tensor per parameter
//! and buffer, under its name in the model (its path of field names, as in
//! PyTorch's `state_dict()`), in the model's element type; a count
//! (BatchNorm's `num_batches_tracked`) as an `int64` scalar, as PyTorch
//! saves it. `Linear` keeps PyTorch's `[out, in]` layout, so a file written
//! by `safetensors.torch.save_file(model.state_dict(), ..)` for a PyTorch
//! module of the same structure loads here, and the other way round.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::{Dtype, SafeTensors, TensorView};

use super::atomic::{read, write_atomically};
use crate::error::{FileError, StateDictError};
use crate::float::Float;
use crate::nn::{Leaf, Module, Slot, StateValue, assign, slots, walk};
use crate::tensor::Tensor;

/// The safetensors dtype of the element type.
fn dtype_of<T: Float>() -> Dtype {
    if T::BYTES == 8 { Dtype::F64 } else { Dtype::F32 }
}

/// One tensor ready to be written: its name, element type, shape and
/// little-endian bytes.
pub(crate) struct Entry {
    name: String,
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl Entry {
    pub(crate) fn new<T: Float>(name: impl Into<String>, t: &Tensor<T>) -> Self {
        let mut bytes = Vec::with_capacity(t.len() * T::BYTES);
        for &x in t.data() {
            x.write_le(&mut bytes);
        }
        Entry { name: name.into(), dtype: dtype_of::<T>(), shape: t.shape().to_vec(), bytes }
    }

    /// A count, as an `int64` scalar (PyTorch's `num_batches_tracked`).
    pub(crate) fn count(name: impl Into<String>, n: u64) -> Result<Self, FileError> {
        let name = name.into();
        let n = i64::try_from(n).map_err(|_| FileError::Format(format!("count {name:?} is too large for int64")))?;
        Ok(Entry { name, dtype: Dtype::I64, shape: Vec::new(), bytes: n.to_le_bytes().to_vec() })
    }

    /// A named value of a model or an optimizer.
    pub(crate) fn value<T: Float>(name: impl Into<String>, value: &StateValue<T>) -> Result<Self, FileError> {
        match value {
            StateValue::Tensor(t) => Ok(Entry::new(name, t)),
            StateValue::Count(n) => Entry::count(name, *n),
        }
    }
}

/// The file error of a model whose state cannot be laid out.
pub(crate) fn state_error(error: StateDictError) -> FileError {
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
pub(crate) fn model_entries<T: Float, M: Module<T> + ?Sized>(model: &M, prefix: &str) -> Result<Vec<Entry>, FileError> {
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
pub(crate) fn verify_checksum(bytes: &[u8], file: &SafeTensors<'_>) -> Result<(), FileError> {
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
pub(crate) fn serialize(entries: &[Entry], mut metadata: HashMap<String, String>) -> Result<Vec<u8>, FileError> {
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
pub(crate) fn parse(bytes: &[u8]) -> Result<SafeTensors<'_>, FileError> {
    let file = SafeTensors::deserialize(bytes).map_err(|e| FileError::Format(e.to_string()))?;
    verify_checksum(bytes, &file)?;
    Ok(file)
}

/// [`parse`], for a file that should hold weights: a checkpoint is refused
/// by name rather than with a confusing "unexpected tensor".
fn parse_weights(bytes: &[u8]) -> Result<SafeTensors<'_>, FileError> {
    let file = parse(bytes)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| FileError::Format(e.to_string()))?;
    let format = header.metadata().as_ref().and_then(|m| m.get("format"));
    if format.is_some_and(|f| f == super::checkpoint::FORMAT) {
        return Err(FileError::IsACheckpoint);
    }
    Ok(file)
}

/// Decodes tensor `name` from the file, checking its element type and that
/// its shape is `expected`.
pub(crate) fn decode<T: Float>(file: &SafeTensors<'_>, name: &str, expected: &[usize]) -> Result<Tensor<T>, FileError> {
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
pub(crate) fn decode_slot<T: Float>(
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

/// The weights of `model` as safetensors bytes: one tensor per parameter,
/// under its name.
pub fn weights_to_bytes<T: Float, M: Module<T> + ?Sized>(model: &M) -> Result<Vec<u8>, FileError> {
    let entries = model_entries(model, "")?;
    // Only the checksum goes into the metadata: safetensors writes metadata
    // in hash-map order, and one key keeps the file's bytes deterministic.
    serialize(&entries, HashMap::new())
}

/// Saves the weights of `model` to a safetensors file, atomically.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::io::{load_weights, save_weights};
/// use tapegrad::nn::{Activation, Mlp, Module};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Mlp::<f32>::new(&[2, 8, 1], Activation::Tanh, &mut rng);
/// let path = std::env::temp_dir().join("tapegrad-doc-weights.safetensors");
/// save_weights(&model, &path).unwrap();
///
/// let mut copy = Mlp::<f32>::new(&[2, 8, 1], Activation::Tanh, &mut rng);
/// load_weights(&mut copy, &path).unwrap();
/// assert!(model.params().zip(copy.params()).all(|(a, b)| a.value() == b.value()));
/// # std::fs::remove_file(&path).ok();
/// ```
pub fn save_weights<T: Float, M: Module<T> + ?Sized>(model: &M, path: impl AsRef<Path>) -> Result<(), FileError> {
    write_atomically(path.as_ref(), &weights_to_bytes(model)?)?;
    Ok(())
}

/// Loads weights from safetensors bytes into `model`: every parameter and
/// buffer must be in the file with its shape and element type, and the file
/// must hold nothing else. On any error the model is unchanged.
pub fn load_weights_bytes<T: Float, M: Module<T> + ?Sized>(model: &mut M, bytes: &[u8]) -> Result<(), FileError> {
    let file = parse_weights(bytes)?;
    let expected = slots(model).map_err(state_error)?;
    let mut names: Vec<&str> = file.names();
    names.sort_unstable();
    if let Some(extra) = names.iter().find(|n| !expected.iter().any(|(e, _)| e == *n)) {
        return Err(FileError::Unexpected { name: extra.to_string() });
    }
    let values =
        expected.iter().map(|(name, slot)| decode_slot(&file, name, slot).map(Some)).collect::<Result<Vec<_>, _>>()?;
    assign(model, values);
    Ok(())
}

/// Loads weights from a safetensors file into `model`, strictly (see
/// [`load_weights_bytes`]).
pub fn load_weights<T: Float, M: Module<T> + ?Sized>(model: &mut M, path: impl AsRef<Path>) -> Result<(), FileError> {
    let bytes = read(path.as_ref())?;
    load_weights_bytes(model, &bytes)
}

/// What a partial load did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PartialLoad {
    /// Parameters that were loaded.
    pub loaded: Vec<String>,
    /// Parameters the file has no tensor for; they keep their values.
    pub missing: Vec<String>,
    /// Tensors in the file that no parameter is named after; ignored.
    pub unexpected: Vec<String>,
}

/// Loads the parameters the file has, leaves the others, and reports both.
/// A tensor whose shape or element type does not fit its parameter is still
/// an error (and then nothing is loaded).
pub fn load_weights_partial<T: Float, M: Module<T> + ?Sized>(
    model: &mut M,
    path: impl AsRef<Path>,
) -> Result<PartialLoad, FileError> {
    let bytes = read(path.as_ref())?;
    let file = parse_weights(&bytes)?;
    let expected = slots(model).map_err(state_error)?;
    let mut report = PartialLoad::default();
    let mut values = Vec::with_capacity(expected.len());
    for (name, slot) in &expected {
        if file.tensor(name).is_ok() {
            values.push(Some(decode_slot(&file, name, slot)?));
            report.loaded.push(name.clone());
        } else {
            values.push(None);
            report.missing.push(name.clone());
        }
    }
    let mut unexpected: Vec<String> =
        file.names().into_iter().filter(|n| !expected.iter().any(|(e, _)| e == n)).map(str::to_string).collect();
    unexpected.sort();
    report.unexpected = unexpected;
    assign(model, values);
    Ok(report)
}
