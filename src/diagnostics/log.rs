//! [`TrainingLog`]: the loss, learning rate and diagnostics of every step
//! and the metrics of every epoch, in memory and as CSV.

use std::fmt::Write;
use std::path::Path;

use super::{ActivationKind, Diagnostics, NoiseRow};
use crate::error::FileError;

/// What a training step reports besides its diagnostics.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StepMetrics {
    /// The mini-batch loss.
    pub loss: f64,
    /// The learning rate the step used.
    pub lr: f64,
}

/// What an epoch reports; `None` where there is nothing to report (a
/// regression has no accuracy, a run may have no test set).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochMetrics {
    /// The mean loss over the training set.
    pub train_loss: f64,
    /// Accuracy on the training set.
    pub train_accuracy: Option<f64>,
    /// The mean loss over the test set.
    pub test_loss: Option<f64>,
    /// Accuracy on the test set.
    pub test_accuracy: Option<f64>,
}

/// The columns every step has before its diagnostics: epoch, lr, loss.
const STEP_FIELDS: usize = 3;
/// Numbers per parameter: gradient norm, value norm, update norm.
const PARAM_FIELDS: usize = 3;
/// Numbers per activation: mean, std, saturation.
const ACTIVATION_FIELDS: usize = 3;

/// A training run's record: per step the loss, the learning rate and the
/// [`Diagnostics`]; per epoch the [`EpochMetrics`]. The parameters and
/// activations it follows are those of the first step recorded with
/// diagnostics (a later step that lacks one records NaN for it).
///
/// Steps are stored as rows of numbers in one `Vec`, so recording a step
/// allocates nothing once the log has the room
/// ([`with_capacity`](TrainingLog::with_capacity)).
///
/// ```
/// use tapegrad::diagnostics::{EpochMetrics, StepMetrics, TrainingLog};
/// let mut log = TrainingLog::new();
/// log.record_step(StepMetrics { loss: 0.7, lr: 0.1 }, None);
/// log.record_step(StepMetrics { loss: 0.5, lr: 0.1 }, None);
/// log.record_epoch(EpochMetrics { train_loss: 0.55, train_accuracy: Some(0.8), test_loss: None, test_accuracy: None });
/// assert_eq!(log.step_rows().map(|s| s.loss()).collect::<Vec<_>>(), [0.7, 0.5]);
/// assert_eq!(log.epoch_rows().next().unwrap().step, 2);
/// assert!(log.steps_csv().starts_with("step,epoch,lr,loss\n0,1,0.1,0.7\n"));
/// ```
#[derive(Clone, Debug, Default)]
pub struct TrainingLog {
    param_names: Vec<String>,
    activation_names: Vec<String>,
    activation_kinds: Vec<ActivationKind>,
    /// Whether the diagnostics columns are fixed (by the first step that had
    /// diagnostics).
    columns_fixed: bool,
    /// One row per step: `STEP_FIELDS`, then `PARAM_FIELDS` per parameter,
    /// then `ACTIVATION_FIELDS` per activation.
    rows: Vec<f64>,
    steps: usize,
    epochs: Vec<EpochRow>,
    /// The gradient noise scale, where measured (`noise.rs`).
    noise: Vec<NoiseRow>,
}

impl TrainingLog {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty log with room for `steps` steps of a model with `params`
    /// parameters and `activations` activation nodes, and for `epochs`
    /// epochs: recording them allocates nothing.
    pub fn with_capacity(steps: usize, epochs: usize, params: usize, activations: usize) -> Self {
        let width = STEP_FIELDS + PARAM_FIELDS * params + ACTIVATION_FIELDS * activations;
        TrainingLog {
            param_names: Vec::with_capacity(params),
            activation_names: Vec::with_capacity(activations),
            activation_kinds: Vec::with_capacity(activations),
            rows: Vec::with_capacity(steps * width),
            epochs: Vec::with_capacity(epochs),
            ..Self::default()
        }
    }

    /// Records a step: its metrics and, if measured, its diagnostics.
    pub fn record_step(&mut self, metrics: StepMetrics, diagnostics: Option<&Diagnostics>) {
        if let Some(d) = diagnostics.filter(|_| !self.columns_fixed) {
            self.fix_columns(d);
        }
        let epoch = self.epochs.len() + 1;
        self.rows.extend_from_slice(&[epoch as f64, metrics.lr, metrics.loss]);
        for (k, name) in self.param_names.iter().enumerate() {
            // The same parameters in the same order is the common case.
            let found = diagnostics.and_then(|d| match d.params().get(k) {
                Some(p) if p.name == *name => Some(p),
                _ => d.param(name),
            });
            match found {
                Some(p) => self.rows.extend_from_slice(&[p.grad_norm, p.value_norm, p.update_norm]),
                None => self.rows.extend_from_slice(&[f64::NAN; PARAM_FIELDS]),
            }
        }
        for (k, name) in self.activation_names.iter().enumerate() {
            let found = diagnostics.and_then(|d| match d.activations().get(k) {
                Some(a) if a.name == *name => Some(a),
                _ => d.activation(name),
            });
            match found {
                Some(a) => self.rows.extend_from_slice(&[a.mean, a.std, a.saturation]),
                None => self.rows.extend_from_slice(&[f64::NAN; ACTIVATION_FIELDS]),
            }
        }
        self.steps += 1;
    }

    fn fix_columns(&mut self, d: &Diagnostics) {
        // Steps recorded before had no diagnostics: give them NaN columns.
        let old_width = STEP_FIELDS;
        self.param_names.extend(d.params().iter().map(|p| p.name.clone()));
        self.activation_names.extend(d.activations().iter().map(|a| a.name.clone()));
        self.activation_kinds.extend(d.activations().iter().map(|a| a.kind));
        self.columns_fixed = true;
        let extra = self.width() - old_width;
        if extra > 0 && self.steps > 0 {
            let old = std::mem::take(&mut self.rows);
            for row in old.chunks_exact(old_width) {
                self.rows.extend_from_slice(row);
                self.rows.extend(std::iter::repeat_n(f64::NAN, extra));
            }
        }
    }

    /// Records the end of an epoch: its metrics, after the steps recorded so far.
    pub fn record_epoch(&mut self, metrics: EpochMetrics) {
        self.epochs.push(EpochRow { epoch: self.epochs.len() + 1, step: self.steps, metrics });
    }

    /// Number of steps recorded.
    pub fn steps(&self) -> usize {
        self.steps
    }

    /// Number of epochs recorded.
    pub fn epochs(&self) -> usize {
        self.epochs.len()
    }

    /// The names of the parameters followed, in column order.
    pub fn param_names(&self) -> &[String] {
        &self.param_names
    }

    /// The labels of the activation nodes followed, in column order.
    pub fn activation_names(&self) -> &[String] {
        &self.activation_names
    }

    /// The kind of each activation followed.
    pub fn activation_kinds(&self) -> &[ActivationKind] {
        &self.activation_kinds
    }

    /// Every step, in order.
    pub fn step_rows(&self) -> impl ExactSizeIterator<Item = StepRow<'_>> {
        let width = self.width();
        self.rows.chunks_exact(width).enumerate().map(move |(step, values)| StepRow { step, values, log: self })
    }

    /// Every epoch, in order.
    pub fn epoch_rows(&self) -> impl ExactSizeIterator<Item = &EpochRow> {
        self.epochs.iter()
    }

    /// Every measurement of the gradient noise scale, in order
    /// ([`record_noise`](TrainingLog::record_noise)).
    pub fn noise_rows(&self) -> &[NoiseRow] {
        &self.noise
    }

    pub(super) fn noise_rows_mut(&mut self) -> &mut Vec<NoiseRow> {
        &mut self.noise
    }

    fn width(&self) -> usize {
        STEP_FIELDS + PARAM_FIELDS * self.param_names.len() + ACTIVATION_FIELDS * self.activation_names.len()
    }

    /// The steps as CSV: `step,epoch,lr,loss`, then for each parameter
    /// `NAME.grad_norm,NAME.value_norm,NAME.update_ratio`, then for each
    /// activation `NAME.mean,NAME.std,NAME.saturated` (or `NAME.dead`).
    /// Missing values are empty cells.
    pub fn steps_csv(&self) -> String {
        let mut csv = String::from("step,epoch,lr,loss");
        for name in &self.param_names {
            for quantity in ["grad_norm", "value_norm", "update_ratio"] {
                let _ = write!(csv, ",{}", csv_field(&format!("{name}.{quantity}")));
            }
        }
        for (name, kind) in self.activation_names.iter().zip(&self.activation_kinds) {
            for quantity in ["mean", "std", kind.saturation_name()] {
                let _ = write!(csv, ",{}", csv_field(&format!("{name}.{quantity}")));
            }
        }
        csv.push('\n');
        for row in self.step_rows() {
            let _ = write!(csv, "{},{}", row.step(), row.epoch());
            push_numbers(&mut csv, &[row.lr(), row.loss()]);
            for k in 0..self.param_names.len() {
                push_numbers(&mut csv, &[row.grad_norm(k), row.value_norm(k), row.update_ratio(k)]);
            }
            for k in 0..self.activation_names.len() {
                push_numbers(&mut csv, &[row.activation_mean(k), row.activation_std(k), row.saturation(k)]);
            }
            csv.push('\n');
        }
        csv
    }

    /// The epochs as CSV: `epoch,step,train_loss,train_accuracy,test_loss,test_accuracy`
    /// (`step`: the steps done by the epoch's end); missing values are empty.
    pub fn epochs_csv(&self) -> String {
        let mut csv = String::from("epoch,step,train_loss,train_accuracy,test_loss,test_accuracy\n");
        for row in &self.epochs {
            let m = row.metrics;
            let _ = write!(csv, "{},{}", row.epoch, row.step);
            let missing = f64::NAN;
            push_numbers(
                &mut csv,
                &[
                    m.train_loss,
                    m.train_accuracy.unwrap_or(missing),
                    m.test_loss.unwrap_or(missing),
                    m.test_accuracy.unwrap_or(missing),
                ],
            );
            csv.push('\n');
        }
        csv
    }

    /// Writes [`steps_csv`](TrainingLog::steps_csv) to `path`.
    ///
    /// # Errors
    /// [`FileError::Io`] naming the path if the file cannot be written.
    pub fn write_steps_csv(&self, path: impl AsRef<Path>) -> Result<(), FileError> {
        write_file(path.as_ref(), &self.steps_csv())
    }

    /// Writes [`epochs_csv`](TrainingLog::epochs_csv) to `path`.
    ///
    /// # Errors
    /// [`FileError::Io`] naming the path if the file cannot be written.
    pub fn write_epochs_csv(&self, path: impl AsRef<Path>) -> Result<(), FileError> {
        write_file(path.as_ref(), &self.epochs_csv())
    }
}

/// One recorded step, read from the log.
#[derive(Clone, Copy, Debug)]
pub struct StepRow<'a> {
    step: usize,
    values: &'a [f64],
    log: &'a TrainingLog,
}

impl StepRow<'_> {
    /// The step's index, from 0.
    pub fn step(&self) -> usize {
        self.step
    }

    /// The epoch the step belongs to, from 1.
    pub fn epoch(&self) -> usize {
        self.values[0] as usize
    }

    /// The learning rate.
    pub fn lr(&self) -> f64 {
        self.values[1]
    }

    /// The mini-batch loss.
    pub fn loss(&self) -> f64 {
        self.values[2]
    }

    fn param(&self, k: usize) -> &[f64] {
        let start = STEP_FIELDS + PARAM_FIELDS * k;
        &self.values[start..start + PARAM_FIELDS]
    }

    fn activation(&self, k: usize) -> &[f64] {
        let start = STEP_FIELDS + PARAM_FIELDS * self.log.param_names.len() + ACTIVATION_FIELDS * k;
        &self.values[start..start + ACTIVATION_FIELDS]
    }

    /// Parameter `k`'s gradient norm (`k` indexes [`TrainingLog::param_names`]).
    pub fn grad_norm(&self, k: usize) -> f64 {
        self.param(k)[0]
    }

    /// Parameter `k`'s value norm before the step.
    pub fn value_norm(&self, k: usize) -> f64 {
        self.param(k)[1]
    }

    /// Parameter `k`'s update-to-value ratio `|Δw| / |w|`.
    pub fn update_ratio(&self, k: usize) -> f64 {
        self.param(k)[2] / self.param(k)[1]
    }

    /// Activation `k`'s mean (`k` indexes [`TrainingLog::activation_names`]).
    pub fn activation_mean(&self, k: usize) -> f64 {
        self.activation(k)[0]
    }

    /// Activation `k`'s standard deviation.
    pub fn activation_std(&self, k: usize) -> f64 {
        self.activation(k)[1]
    }

    /// Activation `k`'s saturated or dead fraction.
    pub fn saturation(&self, k: usize) -> f64 {
        self.activation(k)[2]
    }
}

/// One recorded epoch.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EpochRow {
    /// The epoch's number, from 1.
    pub epoch: usize,
    /// Steps done by the end of the epoch.
    pub step: usize,
    /// What the epoch reported.
    pub metrics: EpochMetrics,
}

/// Appends `,v` for each value: the shortest text that reads back as the
/// same number, in scientific notation when very small or large; empty for
/// NaN, `inf` or `-inf` for infinities.
pub(super) fn push_numbers(csv: &mut String, values: &[f64]) {
    for &v in values {
        csv.push(',');
        let _ = match v.abs() {
            _ if v.is_nan() => Ok(()),
            a if a == 0.0 || a.is_infinite() || (1e-4..1e15).contains(&a) => write!(csv, "{v}"),
            _ => write!(csv, "{v:e}"),
        };
    }
}

/// A CSV field: quoted if it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) { format!("\"{}\"", text.replace('"', "\"\"")) } else { text.to_owned() }
}

pub(super) fn write_file(path: &Path, text: &str) -> Result<(), FileError> {
    std::fs::write(path, text).map_err(|error| FileError::Io { path: path.to_path_buf(), error })
}
