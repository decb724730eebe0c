//! Checkpoints: the weights and buffers, the optimizer's state (step
//! counts, velocities, moments), its parameter groups, which parameters are
//! frozen, and the training step, in one safetensors file, so that training
//! resumes exactly where it stopped.
//!
//! Everything is stored by *name* (`optimizer/layers.0.weight/m`), because
//! parameter ids are only unique within one process.

use std::collections::HashMap;
use std::path::Path;

use safetensors::tensor::SafeTensors;

use super::atomic::{read, write_atomically};
use super::format::{CHECKPOINT_FORMAT, Entry, decode, decode_slot, model_entries, parse, serialize, state_error};
use crate::error::FileError;
use crate::float::Float;
use crate::nn::{Module, assign, slots};
use crate::optim::{Optimizer, ParamGroup, StateValue};
use crate::param::ParamId;
use crate::tensor::Tensor;

/// Version 2 added buffers, parameter groups and frozen parameters;
/// version 1 files (which had none) still load.
const VERSION: &str = "2";

const MODEL: &str = "model/";

fn state_prefix(param: &str) -> String {
    format!("optimizer/{param}/")
}

/// Names joined one per line, for the metadata; a name with a line break
/// or a `/` cannot be stored.
fn name_list<'n>(names: impl Iterator<Item = &'n str>) -> Result<String, FileError> {
    let names: Vec<&str> = names.collect();
    if let Some(bad) = names.iter().find(|n| n.contains('\n')) {
        return Err(FileError::Format(format!("parameter name {bad:?} contains a line break")));
    }
    Ok(names.join("\n"))
}

/// The checkpoint as safetensors bytes: every parameter and buffer under
/// `model/<name>`, every state entry under `optimizer/<name>/<entry>`, and
/// in the metadata the optimizer's name, learning rate and `step`, its
/// parameter groups (`group.<k>.lr_scale`, `.weight_decay`, `.params`) and
/// the frozen parameters. Optimizer counts (Adam's step per parameter) are
/// stored as `f64` tensors of shape `[1]`, exact below 2^53, and listed in
/// the metadata; buffer counts as `int64` scalars, as in weight files.
pub fn checkpoint_to_bytes<T: Float, M: Module<T> + ?Sized, O: Optimizer<T>>(
    model: &M,
    optimizer: &O,
    step: u64,
) -> Result<Vec<u8>, FileError> {
    let mut entries = model_entries(model, MODEL)?;
    let named = model.named_params();
    if let Some((name, _)) = named.iter().find(|(name, _)| name.contains('/')) {
        return Err(FileError::Format(format!("parameter name {name:?} contains '/'")));
    }
    let mut counts = Vec::new();
    for (name, param) in &named {
        for (entry, value) in optimizer.export_state(param.id()) {
            let key = format!("{}{entry}", state_prefix(name));
            match value {
                StateValue::Tensor(t) => entries.push(Entry::new(key, &t)),
                StateValue::Count(n) => {
                    entries.push(Entry::new(key.clone(), &Tensor::from_vec(vec![n as f64], [1])));
                    counts.push(key);
                }
            }
        }
    }
    let name_of = |id: ParamId| named.iter().find(|(_, p)| p.id() == id).map(|(name, _)| name.as_str());
    let frozen = name_list(named.iter().filter(|(_, p)| !p.requires_grad()).map(|(name, _)| name.as_str()))?;
    let mut metadata = HashMap::from([
        ("format".to_string(), CHECKPOINT_FORMAT.to_string()),
        ("version".to_string(), VERSION.to_string()),
        ("optimizer".to_string(), optimizer.name().to_string()),
        ("lr".to_string(), format!("{:e}", optimizer.lr())),
        ("step".to_string(), step.to_string()),
        ("counts".to_string(), counts.join("\n")),
        ("frozen".to_string(), frozen),
    ]);
    let groups = optimizer.param_groups();
    metadata.insert("groups".to_string(), groups.len().to_string());
    for (k, (group, ids)) in groups.iter().enumerate() {
        // Members the model does not hold are not saved: they could not be
        // found again by name.
        let members = name_list(ids.iter().filter_map(|&id| name_of(id)))?;
        metadata.insert(format!("group.{k}.lr_scale"), format!("{:e}", group.scale()));
        let decay = group.own_weight_decay().map_or("none".to_string(), |wd| format!("{wd:e}"));
        metadata.insert(format!("group.{k}.weight_decay"), decay);
        metadata.insert(format!("group.{k}.params"), members);
    }
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

/// The metadata of a checkpoint.
struct Metadata(HashMap<String, String>);

impl Metadata {
    fn get(&self, key: &str) -> Result<&str, FileError> {
        self.0
            .get(key)
            .map(String::as_str)
            .ok_or_else(|| FileError::NotACheckpoint(format!("no {key:?} in the metadata")))
    }

    fn number<N: std::str::FromStr>(&self, key: &str) -> Result<N, FileError> {
        self.get(key)?.parse().map_err(|_| FileError::NotACheckpoint(format!("{key:?} is not a number")))
    }

    /// A rate or a decay: a finite number `>= 0`.
    fn rate(&self, key: &str) -> Result<f64, FileError> {
        let value: f64 = self.number(key)?;
        if value.is_finite() && value >= 0.0 {
            Ok(value)
        } else {
            Err(FileError::NotACheckpoint(format!("{key:?} is {value}, not a finite number >= 0")))
        }
    }

    /// The names listed under `key`, one per line (none if absent: a
    /// version 1 file).
    fn names(&self, key: &str) -> Vec<&str> {
        self.0.get(key).map(|v| v.split('\n').filter(|n| !n.is_empty()).collect()).unwrap_or_default()
    }

    /// The parameter groups, with members by name.
    fn groups(&self) -> Result<Vec<(ParamGroup, Vec<&str>)>, FileError> {
        let count: usize = if self.0.contains_key("groups") { self.number("groups")? } else { 0 };
        (0..count)
            .map(|k| {
                let mut group = ParamGroup::new().lr_scale(self.rate(&format!("group.{k}.lr_scale"))?);
                let decay = format!("group.{k}.weight_decay");
                if self.get(&decay)? != "none" {
                    group = group.weight_decay(self.rate(&decay)?);
                }
                Ok((group, self.names(&format!("group.{k}.params"))))
            })
            .collect()
    }
}

/// Restores a checkpoint into `model` and `optimizer`, which must be built
/// like the ones saved (same names and shapes, same optimizer); returns the
/// saved step. The learning rate, the parameter groups and which parameters
/// are frozen are restored too. On any error the model is unchanged; an
/// optimizer-state error may leave the optimizer with part of the
/// checkpoint's state.
pub fn load_checkpoint_bytes<T: Float, M: Module<T> + ?Sized, O: Optimizer<T>>(
    model: &mut M,
    optimizer: &mut O,
    bytes: &[u8],
) -> Result<u64, FileError> {
    let file = parse(bytes)?;
    let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| FileError::Format(e.to_string()))?;
    let meta = Metadata(header.metadata().clone().unwrap_or_default());
    if meta.get("format")? != CHECKPOINT_FORMAT {
        return Err(FileError::NotACheckpoint(format!("format is {:?}", meta.get("format")?)));
    }
    let version = meta.get("version")?;
    if version != VERSION && version != "1" {
        return Err(FileError::NotACheckpoint(format!("version {version} (this build reads 1 and {VERSION})")));
    }
    let found = meta.get("optimizer")?;
    if found != optimizer.name() {
        return Err(FileError::OptimizerMismatch { expected: optimizer.name(), found: found.to_string() });
    }
    let step: u64 = meta.number("step")?;
    let lr = meta.rate("lr")?;
    let counts = meta.names("counts");

    let slots = slots(model).map_err(state_error)?;
    let params: Vec<(String, ParamId)> = model.named_params().into_iter().map(|(n, p)| (n, p.id())).collect();
    // Every tensor of the file must belong to the model.
    for name in file.names() {
        let known = match name.strip_prefix(MODEL) {
            Some(model_name) => slots.iter().any(|(s, _)| s == model_name),
            None => params.iter().any(|(p, _)| name.starts_with(&state_prefix(p))),
        };
        if !known {
            return Err(FileError::Unexpected { name: name.to_string() });
        }
    }
    let id_of = |name: &str| {
        params.iter().find(|(p, _)| p == name).map(|&(_, id)| id).ok_or_else(|| {
            FileError::NotACheckpoint(format!("the metadata names a parameter {name:?} the model lacks"))
        })
    };
    // Decode everything before changing anything.
    let values = slots
        .iter()
        .map(|(name, slot)| decode_slot(&file, &format!("{MODEL}{name}"), slot).map(Some))
        .collect::<Result<Vec<_>, _>>()?;
    let mut states = Vec::with_capacity(params.len());
    for (name, id) in &params {
        let Some((_, crate::nn::Slot::Tensor(shape))) = slots.iter().find(|(s, _)| s == name) else {
            unreachable!("every parameter has a tensor slot")
        };
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
        states.push((name, *id, entries));
    }
    let groups = meta.groups()?;
    let members = groups.iter().flat_map(|(_, names)| names.iter().copied());
    if let Some(name) = crate::nn::first_duplicate(members) {
        return Err(FileError::NotACheckpoint(format!("parameter {name:?} is in two groups")));
    }
    let groups = groups
        .into_iter()
        .map(|(group, names)| Ok((group, names.into_iter().map(id_of).collect::<Result<Vec<_>, FileError>>()?)))
        .collect::<Result<Vec<_>, FileError>>()?;
    let frozen = meta.names("frozen");
    for name in &frozen {
        id_of(name)?;
    }

    for (name, id, entries) in states {
        if !entries.is_empty() {
            optimizer
                .import_state(id, entries)
                .map_err(|error| FileError::OptimizerState { name: name.clone(), error })?;
        }
    }
    optimizer.set_lr(lr);
    if !groups.is_empty() || !optimizer.param_groups().is_empty() {
        optimizer.set_param_groups(groups);
    }
    assign(model, values);
    let mut names = params.iter().map(|(name, _)| name.as_str());
    model.visit_params_mut(&mut |p| {
        let name = names.next().expect("the same parameters, in the same order");
        if frozen.contains(&name) { p.freeze() } else { p.unfreeze() }
    });
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
