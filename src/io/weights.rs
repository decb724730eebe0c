//! A model's weights in the safetensors format: one tensor per parameter
//! and buffer, under its name in the model (its path of field names, as in
//! PyTorch's `state_dict()`), in the model's element type; a count
//! (BatchNorm's `num_batches_tracked`) as an `int64` scalar, as PyTorch
//! saves it. `Linear` keeps PyTorch's `[out, in]` layout, so a file written
//! by `safetensors.torch.save_file(model.state_dict(), ..)` for a PyTorch
//! module of the same structure loads here, and the other way round.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::SafeTensors;

use super::atomic::{read, write_atomically};
use super::format::{CHECKPOINT_FORMAT, decode_slot, model_entries, parse, serialize, state_error};
use crate::error::FileError;
use crate::float::Float;
use crate::nn::{Module, assign, slots};

/// [`parse`], for a file that should hold weights: a checkpoint is refused
/// by name rather than with a confusing "unexpected tensor".
fn parse_weights(bytes: &[u8]) -> Result<SafeTensors<'_>, FileError> {
    let file = parse(bytes)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| FileError::Format(e.to_string()))?;
    let format = header.metadata().as_ref().and_then(|m| m.get("format"));
    if format.is_some_and(|f| f == CHECKPOINT_FORMAT) {
        return Err(FileError::IsACheckpoint);
    }
    Ok(file)
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
