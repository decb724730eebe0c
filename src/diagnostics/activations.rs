//! [`ActivationStats`]: how an activation layer's outputs are spread, and
//! how many of its units pass almost no gradient.

use super::{LANES, slot};
use crate::float::Float;
use crate::ops::{Op, UnaryOp};
use crate::tape::{Labels, Node, Source, write_label};

/// `|tanh| > 0.97` counts as saturated: its derivative `1 - tanh²` is then
/// below 0.06, so the unit passes back less than 6% of its gradient.
pub const SATURATION_THRESHOLD: f64 = 0.97;

/// The activations the diagnostics watch, and what "passes almost no
/// gradient" means for each.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ActivationKind {
    /// Saturated: `|y| > 0.97`.
    #[default]
    Tanh,
    /// Saturated: `|2y - 1| > 0.97` (the tanh test, as `σ(x) = (1 + tanh(x/2)) / 2`).
    Sigmoid,
    /// Dead: a unit whose output is 0 for every row of the batch.
    Relu,
    /// Dead: a unit whose output is `<= 0` for every row of the batch (the
    /// ReLU test; GELU's negative part is small and flat).
    Gelu,
}

impl ActivationKind {
    pub(super) fn of<T: Float>(op: &Op<T>) -> Option<Self> {
        match op {
            Op::Unary(UnaryOp::Tanh) => Some(ActivationKind::Tanh),
            Op::Unary(UnaryOp::Sigmoid) => Some(ActivationKind::Sigmoid),
            Op::Unary(UnaryOp::Relu) => Some(ActivationKind::Relu),
            Op::Unary(UnaryOp::Gelu) => Some(ActivationKind::Gelu),
            _ => None,
        }
    }

    /// The op's name, as in the tape listing (`"tanh"`).
    pub fn name(self) -> &'static str {
        match self {
            ActivationKind::Tanh => "tanh",
            ActivationKind::Sigmoid => "sigmoid",
            ActivationKind::Relu => "relu",
            ActivationKind::Gelu => "gelu",
        }
    }

    /// What [`ActivationStats::saturation`] counts for this kind:
    /// `"saturated"` or `"dead"`.
    pub fn saturation_name(self) -> &'static str {
        match self {
            ActivationKind::Tanh | ActivationKind::Sigmoid => "saturated",
            ActivationKind::Relu | ActivationKind::Gelu => "dead",
        }
    }
}

/// One activation node at one step.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ActivationStats {
    /// The node's label: its name, or its scope and op (`layers.0.tanh`), or
    /// its index and op (`#4 tanh`).
    pub name: String,
    /// Which activation.
    pub kind: ActivationKind,
    /// The node's index on the tape.
    pub node: usize,
    /// Mean of the outputs.
    pub mean: f64,
    /// Standard deviation of the outputs (over all of them, `1/n`).
    pub std: f64,
    /// For `tanh` and `sigmoid`, the fraction of outputs that are
    /// saturated; for `relu` and `gelu`, the fraction of units (the last
    /// axis; every other axis is the batch) that are dead. See
    /// [`ActivationKind`].
    pub saturation: f64,
}

/// Fills `stats` with one entry per activation node; returns how many.
/// `alive` is scratch space.
pub(super) fn measure<T: Float>(
    stats: &mut Vec<ActivationStats>,
    alive: &mut Vec<bool>,
    nodes: &[Node<T>],
    labels: &Labels,
) -> usize {
    let mut count = 0;
    for (index, node) in nodes.iter().enumerate() {
        let Source::Op(op) = &node.source else { continue };
        let Some(kind) = ActivationKind::of(op) else { continue };
        let entry = slot(stats, count);
        entry.name.clear();
        let name = if node.named { labels.names.get(index as u32) } else { None };
        write_label(&mut entry.name, index, kind.name(), name, labels.path(node.scope));
        entry.kind = kind;
        entry.node = index;
        let values = &node.value;
        let (mean, std, saturated) = match kind {
            ActivationKind::Tanh => mean_std_saturated(values.data(), f64::abs),
            ActivationKind::Sigmoid => mean_std_saturated(values.data(), |y| (2.0 * y - 1.0).abs()),
            // Death is counted per unit below, not per output.
            ActivationKind::Relu | ActivationKind::Gelu => mean_std_saturated(values.data(), |_| 0.0),
        };
        entry.mean = mean;
        entry.std = std;
        let units = values.shape().last().copied().unwrap_or(1).max(1);
        entry.saturation = match kind {
            ActivationKind::Tanh | ActivationKind::Sigmoid => saturated,
            ActivationKind::Relu | ActivationKind::Gelu => dead_fraction(values.data(), units, alive),
        };
        count += 1;
    }
    count
}

/// Mean, standard deviation (`1/n`) and the fraction of outputs whose
/// `distance` from the middle of the range exceeds
/// [`SATURATION_THRESHOLD`], in one pass. The sums are of `x - x[0]`: the
/// variance of shifted values is the same, and with the shift near the mean
/// `Σd² - (Σd)²/n` does not cancel (the textbook one-pass formula on raw
/// values loses every digit when the mean is large against the spread).
fn mean_std_saturated<T: Float>(x: &[T], distance: impl Fn(f64) -> f64) -> (f64, f64, f64) {
    let Some(first) = x.first() else { return (f64::NAN, f64::NAN, 0.0) };
    let shift = first.to_f64();
    let (mut sum, mut squares, mut saturated) = ([0.0; LANES], [0.0; LANES], [0u32; LANES]);
    let chunks = x.chunks_exact(LANES);
    let mut tail = [shift; LANES];
    for (t, v) in tail.iter_mut().zip(chunks.remainder()) {
        *t = v.to_f64();
    }
    // The tail is padded with the shift, which adds 0 to both sums; its
    // padding's saturation is taken off below.
    let padding = LANES - chunks.remainder().len();
    for chunk in chunks.map(|c| std::array::from_fn::<f64, LANES, _>(|k| c[k].to_f64())).chain([tail]) {
        for k in 0..LANES {
            let d = chunk[k] - shift;
            sum[k] += d;
            squares[k] += d * d;
            saturated[k] += u32::from(distance(chunk[k]) > SATURATION_THRESHOLD);
        }
    }
    let padding_saturated = if distance(shift) > SATURATION_THRESHOLD { padding } else { 0 };
    let n = x.len() as f64;
    let (sum, squares) = (sum.iter().sum::<f64>(), squares.iter().sum::<f64>());
    let saturated = saturated.iter().map(|&c| c as usize).sum::<usize>() - padding_saturated;
    let variance = ((squares - sum * sum / n) / n).max(0.0);
    (shift + sum / n, variance.sqrt(), saturated as f64 / n)
}

/// The fraction of the `units` columns of `x` (rows of `units` elements)
/// that are `<= 0` in every row.
fn dead_fraction<T: Float>(x: &[T], units: usize, alive: &mut Vec<bool>) -> f64 {
    alive.clear();
    alive.resize(units, false);
    for row in x.chunks_exact(units) {
        for (a, &v) in alive.iter_mut().zip(row) {
            *a |= v > T::ZERO;
        }
    }
    alive.iter().filter(|&&a| !a).count() as f64 / units as f64
}
