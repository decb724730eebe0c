//! Checkpoints: the weights, the optimizer's state (step counts,
//! velocities, moments) and the training step, in one safetensors file, so
//! that training resumes exactly where it stopped.
//!
//! State is stored by parameter *name* (`optimizer/layers.0.weight/m`),
//! because parameter ids are only unique within one process.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::SafeTensors;

use super::atomic::{read, write_atomically};
use super::format::{CHECKPOINT_FORMAT, Entry, decode, parse, serialize};
use crate::error::FileError;
use crate::float::Float;
use crate::nn::Module;
use crate::optim::{Optimizer, StateValue};
use crate::tensor::Tensor;

const VERSION: &str = "1";

fn model_key(param: &str) -> String {
    format!("model/{param}")
}

fn state_prefix(param: &str) -> String {
    format!("optimizer/{param}/")
}

/// The checkpoint as safetensors bytes: every parameter under
/// `model/<name>`, every state entry under `optimizer/<name>/<entry>`, and
/// the optimizer's name, learning rate and `step` in the metadata. Counts
/// (Adam's step per parameter) are stored as `f64` tensors of shape `[1]`,
/// exact below 2^53, and listed in the metadata.
pub fn checkpoint_to_bytes<T: Float, M: Module<T> + ?Sized, O: Optimizer<T>>(
    model: &M,
    optimizer: &O,
    step: u64,
) -> Result<Vec<u8>, FileError> {
    let mut entries = Vec::new();
    let mut counts = Vec::new();
    for param in model.params() {
        if param.name().contains('/') {
            return Err(FileError::Format(format!("parameter name {:?} contains '/'", param.name())));
        }
        entries.push(Entry::new(model_key(param.name()), param.value()));
        for (entry, value) in optimizer.export_state(param.id()) {
            let key = format!("{}{entry}", state_prefix(param.name()));
            match value {
                StateValue::Tensor(t) => entries.push(Entry::new(key, &t)),
                StateValue::Count(n) => {
                    entries.push(Entry::new(key.clone(), &Tensor::from_vec(vec![n as f64], [1])));
                    counts.push(key);
                }
            }
        }
    }
    let metadata = HashMap::from([
        ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
        ("version".to_string(), VERSION.to_string()),
        ("optimizer".to_string(), optimizer.name().to_string()),
        ("lr".to_string(), format!("{:e}", optimizer.lr())),
        ("step".to_string(), step.to_string()),
        ("counts".to_string(), counts.join("\n")),
    ]);
    serialize(&entries, metadata)
}

/// Saves a checkpoint atomically (see [`checkpoint_to_bytes`]): a crash
/// during the save leaves the previous checkpoint at `path` intact.
pub fn save_checkpoint<T: Float, M: Module<T> + ?Sized, O: Optimizer<T>>(
    model: &M,
    optimizer: &O,
    step: u64,
    path: impl AsRef<Path>,
) -> Result<(), FileError> {
    write_atomically(path.as_ref(), &checkpoint_to_bytes(model, optimizer, step)?)?;
    Ok(())
}

/// Reads a count saved by [`checkpoint_to_bytes`].
fn decode_count(file: &SafeTensors<'_>, key: &str) -> Result<u64, FileError> {
    let value = decode::<f64>(file, key, &[1])?.item();
    if value >= 0.0 && value.fract() == 0.0 && value < 2f64.powi(53) {
        Ok(value as u64)
    } else {
        Err(FileError::Format(format!("count {key:?} holds {value}, not a step count")))
    }
}

/// Restores a checkpoint into `model` and `optimizer`, which must be built
/// like the ones saved (same parameter names and shapes, same optimizer);
/// returns the saved step. The learning rate is restored too. On any error
/// the model is unchanged; an optimizer-state error may leave the optimizer
/// with part of the checkpoint's state.
pub fn load_checkpoint_bytes<T: Float, M: Module<T> + ?Sized, O: Optimizer<T>>(
    model: &mut M,
    optimizer: &mut O,
    bytes: &[u8],
) -> Result<u64, FileError> {
    let file = parse(bytes)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| FileError::Format(e.to_string()))?;
    let meta = header.metadata().clone().unwrap_or_default();
    let get = |key: &str| meta.get(key).ok_or_else(|| FileError::NotACheckpoint(format!("no {key:?} in the metadata")));
    if get("format")? != CHECKPOINT_FORMAT {
        return Err(FileError::NotACheckpoint(format!("format is {:?}", get("format")?)));
    }
    if get("version")? != VERSION {
        return Err(FileError::NotACheckpoint(format!("version {} (this build reads {VERSION})", get("version")?)));
    }
    let found = get("optimizer")?;
    if found != optimizer.name() {
        return Err(FileError::OptimizerMismatch { expected: optimizer.name(), found: found.clone() });
    }
    let step: u64 = get("step")?.parse().map_err(|_| FileError::NotACheckpoint("the step is not a number".into()))?;
    let lr: f64 = get("lr")?.parse().map_err(|_| FileError::NotACheckpoint("the lr is not a number".into()))?;
    let counts: Vec<&str> = get("counts")?.split('\n').filter(|k| !k.is_empty()).collect();

    // Every tensor of the file must belong to a parameter.
    let params: Vec<(String, Vec<usize>)> =
        model.params().map(|p| (p.name().to_string(), p.shape().to_vec())).collect();
    for name in file.names() {
        let known = params.iter().any(|(p, _)| name == model_key(p) || name.starts_with(&state_prefix(p)));
        if !known {
            return Err(FileError::Unexpected { name: name.to_string() });
        }
    }
    // Decode everything before changing anything.
    let mut weights = Vec::with_capacity(params.len());
    let mut states = Vec::with_capacity(params.len());
    for (name, shape) in &params {
        weights.push(decode::<T>(&file, &model_key(name), shape)?);
        let prefix = state_prefix(name);
        let mut entries = Vec::new();
        for key in file.names().into_iter().filter(|k| k.starts_with(&prefix)) {
            let entry = key[prefix.len()..].to_string();
            let value = if counts.contains(&key) {
                StateValue::Count(decode_count(&file, key)?)
            } else {
                StateValue::Tensor(decode::<T>(&file, key, shape)?)
            };
            entries.push((entry, value));
        }
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        states.push(entries);
    }
    let ids: Vec<_> = model.params().map(|p| p.id()).collect();
    for ((id, entries), (name, _)) in ids.into_iter().zip(states).zip(&params) {
        if !entries.is_empty() {
            optimizer
                .import_state(id, entries)
                .map_err(|error| FileError::OptimizerState { name: name.clone(), error })?;
        }
    }
    optimizer.set_lr(lr);
    for (param, value) in model.params_mut().zip(weights) {
        param.set_value(value);
    }
    Ok(step)
}

/// Restores a checkpoint from a file (see [`load_checkpoint_bytes`]).
pub fn load_checkpoint<T: Float, M: Module<T> + ?Sized, O: Optimizer<T>>(
    model: &mut M,
    optimizer: &mut O,
    path: impl AsRef<Path>,
) -> Result<u64, FileError> {
    let bytes = read(path.as_ref())?;
    load_checkpoint_bytes(model, optimizer, &bytes)
}
