//! [`Histograms`]: per layer, how the values of each activation, the
//! gradients at it and the gradients of each parameter are distributed, step
//! after step (the histograms of Karpathy's makemore part 3 and
//! TensorBoard's histogram view).

use super::ActivationKind;
use crate::float::Float;
use crate::kernels::vectorize::vectorized;
use crate::tape::{Gradients, Labels, Node, NodeId, Source, Tape, write_label};

/// Bins for the outputs of `tanh`, and (over `[0, 1]`) of `sigmoid`.
const BOUNDED_BINS: usize = 40;
/// Magnitudes are binned by octave from `2^LOWEST_OCTAVE` (about `1e-12`)
/// to `2^HIGHEST_OCTAVE` (1024).
const LOWEST_OCTAVE: i32 = -40;
const HIGHEST_OCTAVE: i32 = 10;

/// What a histogram counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    /// The outputs of an activation node (`tanh`, `sigmoid`, `relu`, `gelu`).
    Activation,
    /// The gradient of the loss with respect to an activation's outputs:
    /// what flows back into the layer below.
    ActivationGradient,
    /// The gradient of a parameter.
    ParamGradient,
}

/// How a histogram divides the values.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Bins {
    /// `count` equal bins over `[low, high]`; values outside go to the end
    /// bins. For bounded outputs: `tanh` over `[-1, 1]`, `sigmoid` over
    /// `[0, 1]`.
    Linear {
        /// The lower end.
        low: f64,
        /// The upper end.
        high: f64,
        /// How many bins.
        count: usize,
    },
    /// The magnitude `|x|`, one bin per power of two: bin 0 holds 0 and
    /// everything below `2^lowest`, bin `k >= 1` holds `[2^(lowest+k-1),
    /// 2^(lowest+k))`, and the last also everything above. For values whose
    /// scale is unknown and changes by decades during training (gradients,
    /// ReLU outputs): the sign is dropped, the scale kept.
    Octaves {
        /// The exponent of the smallest magnitude told apart from 0.
        lowest: i32,
        /// The exponent where the last bin starts.
        highest: i32,
    },
}

impl Bins {
    /// The number of bins.
    pub fn len(&self) -> usize {
        match *self {
            Bins::Linear { count, .. } => count,
            Bins::Octaves { lowest, highest } => (highest - lowest + 1) as usize,
        }
    }

    /// `true` for no bins (never, for the bins this module makes).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The range `[from, to)` bin `k` covers (for octaves, of magnitudes;
    /// bin 0 from 0).
    pub fn range(&self, k: usize) -> (f64, f64) {
        match *self {
            Bins::Linear { low, high, count } => {
                let width = (high - low) / count as f64;
                (low + width * k as f64, low + width * (k + 1) as f64)
            }
            Bins::Octaves { lowest, .. } if k == 0 => (0.0, 2f64.powi(lowest)),
            Bins::Octaves { lowest, .. } => (2f64.powi(lowest + k as i32 - 1), 2f64.powi(lowest + k as i32)),
        }
    }

    /// How the values of a node of this quantity and activation are binned.
    fn of(quantity: Quantity, activation: Option<ActivationKind>) -> Bins {
        let octaves = Bins::Octaves { lowest: LOWEST_OCTAVE, highest: HIGHEST_OCTAVE };
        match (quantity, activation) {
            (Quantity::Activation, Some(ActivationKind::Tanh)) => {
                Bins::Linear { low: -1.0, high: 1.0, count: BOUNDED_BINS }
            }
            (Quantity::Activation, Some(ActivationKind::Sigmoid)) => {
                Bins::Linear { low: 0.0, high: 1.0, count: BOUNDED_BINS }
            }
            _ => octaves,
        }
    }

    /// Adds each value of `x` to its bin of `counts` (`len() + 1` of them:
    /// the last counts NaN and infinities). In two passes over chunks of
    /// 256 values: the bins' indices, computed with the widest vectors the
    /// CPU has (no loop-carried dependency), into an array on the stack; then
    /// the counts. One pass that did both cost about 26 instructions a value
    /// (2.1 times the W1 step itself); see BENCHMARKS.md.
    fn count<T: Float>(&self, x: &[T], counts: &mut [u32]) {
        // The counts of a chunk go into an array of 256, indexed by the
        // index as a byte, so that counting needs no bounds check: about 3
        // instructions a value instead of 7. (Indices computed as bytes made
        // the vector loop dearer by more than that.)
        debug_assert!(self.len() < 256, "at most 255 bins and the not-finite count");
        let (mut indices, mut chunk_counts) = ([0u32; CHUNK], [0u32; 256]);
        for chunk in x.chunks(CHUNK) {
            let indices = &mut indices[..chunk.len()];
            // One small closure per kind of bins, so that it is inlined into
            // the function compiled for wider vectors (a closure holding
            // both loops was not, and ran with SSE2).
            match *self {
                Bins::Linear { low, high, count } => vectorized(|| linear_indices(chunk, indices, low, high, count)),
                Bins::Octaves { lowest, highest } => vectorized(|| octave_indices(chunk, indices, lowest, highest)),
            }
            for &i in indices.iter() {
                chunk_counts[usize::from(i as u8)] += 1;
            }
        }
        for (total, &n) in counts.iter_mut().zip(&chunk_counts) {
            *total += n;
        }
    }
}

/// The bin of each value of `x` among `count` over `[low, high]`, or `count`
/// for NaN and infinities.
#[inline(always)]
fn linear_indices<T: Float>(x: &[T], out: &mut [u32], low: f64, high: f64, count: usize) {
    let (scale, last) = (count as f64 / (high - low), count as f64 - 1.0);
    for (o, &v) in out.iter_mut().zip(x) {
        let v = v.to_f64();
        // The bin is floor(y), read from the mantissa of `y + 2^52` (rounded
        // to nearest there, so one less where that rounded up): a
        // float-to-int conversion (`as`, saturating) made the loop scalar.
        let y = ((v - low) * scale).max(0.0).min(last);
        let rounded = y + TWO_TO_52;
        let bin = (rounded.to_bits() as u32).wrapping_sub(u32::from(rounded - TWO_TO_52 > y));
        *o = if v.is_finite() { bin } else { count as u32 };
    }
}

/// The octave bin of each value of `x` (see [`Bins::Octaves`]), or the
/// number of bins for NaN and infinities.
#[inline(always)]
fn octave_indices<T: Float>(x: &[T], out: &mut [u32], lowest: i32, highest: i32) {
    let top = highest - lowest;
    for (o, &v) in out.iter_mut().zip(x) {
        // The exponent field: floor(log2 |v|) + 1023 for normal numbers, 0
        // for 0 and subnormals (bin 0 either way), 2047 for NaN and
        // infinities.
        let field = ((v.to_f64().to_bits() >> 52) & 0x7ff) as i32;
        let bin = (field - 1023 - lowest + 1).clamp(0, top) as u32;
        *o = if field == 0x7ff { top as u32 + 1 } else { bin };
    }
}

/// Values binned at a time: their indices take a kilobyte of stack.
const CHUNK: usize = 256;

/// `2^52`: adding it to an `f64` `y` in `[0, 2^31)` rounds `y` to an
/// integer and leaves that integer in the low bits of the mantissa.
const TWO_TO_52: f64 = 4_503_599_627_370_496.0;

/// One histogram followed over time: what it counts, of which node, and
/// its bins.
#[derive(Clone, Debug, PartialEq)]
pub struct HistogramSeries {
    /// The node's label: a parameter's name (`layers.0.weight`), or an
    /// activation's (`layers.0.tanh`, as in [`ActivationStats`](super::ActivationStats)).
    pub name: String,
    /// What is counted.
    pub quantity: Quantity,
    /// How.
    pub bins: Bins,
    /// Where this series starts in a recorded row.
    offset: usize,
    /// The node it was found at last.
    node: usize,
}

/// Histograms over training: at each recorded step, per activation node
/// of the graph (`tanh`, `sigmoid`, `relu`, `gelu`, found as
/// [`Diagnostics`](super::Diagnostics) finds them) a histogram of its
/// outputs and one of the gradient at it, and per bound parameter one of
/// its gradient. The series are those of the first step recorded; a series
/// whose node a later step lacks records zeros there.
///
/// `tanh` outputs are counted in 40 bins over `[-1, 1]` (saturation shows as
/// mass in the end bins), `sigmoid` outputs over `[0, 1]`; gradients and
/// ReLU or GELU outputs by the magnitude's power of two, from `2^-40`
/// (about `1e-12`; below and 0 share the first bin) to `2^10`
/// ([`Bins::Octaves`]). Each histogram also counts the values that are NaN
/// or infinite.
///
/// Counts are kept as rows of `u32` in one `Vec`; with room reserved
/// ([`with_capacity`](Histograms::with_capacity)), recording allocates
/// nothing after the first step. Call [`record`](Histograms::record) after
/// the backward sweep, before the tape is cleared; a run that does not
/// call it pays nothing.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::diagnostics::{Histograms, Quantity};
/// use tapegrad::nn::{Activation, Mlp, Module, loss};
/// use tapegrad::{Tape, Tensor};
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Mlp::<f32>::new(&[2, 8, 1], Activation::Tanh, &mut rng);
/// let mut histograms = Histograms::with_capacity(10);
/// let mut tape = Tape::new();
/// for step in 0..10 {
///     tape.clear();
///     let x = tape.constant(Tensor::randn([16, 2], &mut rng));
///     let y = tape.constant(Tensor::from_fn([16, 1], |i| (i % 2) as f32));
///     let grads = loss::bce_with_logits(model.forward(x), y).backward();
///     histograms.record(step, &tape, &grads);
/// }
/// let names: Vec<&str> = histograms.series().iter().map(|s| s.name.as_str()).collect();
/// assert_eq!(names, ["layers.0.tanh", "layers.0.tanh", "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]);
/// assert_eq!(histograms.series()[1].quantity, Quantity::ActivationGradient);
/// // Every output of the tanh layer, 16 x 8, is in some bin.
/// assert_eq!(histograms.counts(9, 0).iter().sum::<u32>(), 16 * 8);
/// assert_eq!(histograms.steps().len(), 10);
/// ```
#[derive(Clone, Debug, Default)]
pub struct Histograms {
    series: Vec<HistogramSeries>,
    /// Counts per row: each series' bins and its not-finite count.
    width: usize,
    /// One row per recorded step.
    counts: Vec<u32>,
    steps: Vec<usize>,
    /// Rows to reserve once the width is known.
    capacity: usize,
    /// Scratch space for a node's label.
    label: String,
}

impl Histograms {
    /// No histograms yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Room for `steps` recorded steps: the first record reserves it, the
    /// later ones allocate nothing.
    pub fn with_capacity(steps: usize) -> Self {
        Histograms { capacity: steps, steps: Vec::with_capacity(steps), ..Self::default() }
    }

    /// Records the histograms of the step that `tape` holds, with the
    /// gradients of its backward sweep, as step `step`.
    ///
    /// # Panics
    /// If `grads` come from another tape or an earlier graph of this one.
    pub fn record<T: Float>(&mut self, step: usize, tape: &Tape<T>, grads: &Gradients<T>) {
        assert!(grads.belongs_to(tape), "Histograms::record: the gradients come from another tape or an earlier graph");
        tape.with_graph(|nodes, labels, _| {
            if self.series.is_empty() {
                self.fix_series(nodes, labels);
            }
            let start = self.counts.len();
            self.counts.resize(start + self.width, 0);
            let row = &mut self.counts[start..];
            for k in 0..self.series.len() {
                let Some(node) = find(&mut self.series[k], &mut self.label, nodes, labels) else { continue };
                let series = &self.series[k];
                let values = match series.quantity {
                    Quantity::Activation => Some(&nodes[node].value),
                    Quantity::ActivationGradient | Quantity::ParamGradient => grads.by_index(node),
                };
                if let Some(values) = values {
                    let counts = &mut row[series.offset..series.offset + series.bins.len() + 1];
                    series.bins.count(values.data(), counts);
                }
            }
            self.steps.push(step);
        });
    }

    /// The series, from the first step recorded: each activation's outputs,
    /// then the gradient at it, in the order of the graph; then each
    /// parameter's gradient, in binding order.
    fn fix_series<T: Float>(&mut self, nodes: &[Node<T>], labels: &Labels) {
        let mut found = Vec::new();
        for (index, node) in nodes.iter().enumerate() {
            if let Some(kind) = activation(node) {
                found.push((index, Quantity::Activation, Bins::of(Quantity::Activation, Some(kind))));
                if node.requires_grad {
                    found.push((index, Quantity::ActivationGradient, Bins::of(Quantity::ActivationGradient, None)));
                }
            }
        }
        for (index, node) in nodes.iter().enumerate() {
            if matches!(node.source, Source::Param(_)) {
                found.push((index, Quantity::ParamGradient, Bins::of(Quantity::ParamGradient, None)));
            }
        }
        for (node, quantity, bins) in found {
            let mut name = String::new();
            label(&mut name, node, &nodes[node], labels);
            self.series.push(HistogramSeries { name, quantity, bins, offset: self.width, node });
            self.width += bins.len() + 1;
        }
        self.counts.reserve(self.capacity * self.width);
    }

    /// The series followed, in the order of a row.
    pub fn series(&self) -> &[HistogramSeries] {
        &self.series
    }

    /// The step of each record, in order.
    pub fn steps(&self) -> &[usize] {
        &self.steps
    }

    /// How many steps were recorded.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    /// `true` before the first record.
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// The counts of series `series` at record `record` (not its step: the
    /// `record`-th call): one per bin, then the count of values that were NaN
    /// or infinite.
    ///
    /// # Panics
    /// If either index is out of range.
    #[track_caller]
    pub fn counts(&self, record: usize, series: usize) -> &[u32] {
        assert!(
            record < self.len() && series < self.series.len(),
            "Histograms::counts: record {record} of {}, series {series} of {}",
            self.len(),
            self.series.len()
        );
        let s = &self.series[series];
        let start = record * self.width + s.offset;
        &self.counts[start..start + s.bins.len() + 1]
    }
}

fn activation<T: Float>(node: &Node<T>) -> Option<ActivationKind> {
    match &node.source {
        Source::Op(op) => ActivationKind::of(op),
        _ => None,
    }
}

/// Writes node `index`'s label into `out`: the parameter's or given name,
/// else its scope and op.
fn label<T: Float>(out: &mut String, index: usize, node: &Node<T>, labels: &Labels) {
    out.clear();
    let name = if node.named { labels.names.get(index as NodeId) } else { None };
    let op = activation(node).map_or("param", |kind| kind.name());
    write_label(out, index, op, name, labels.path(node.scope));
}

/// The node of `series` in this graph: where it was last time if the label
/// still fits (the same graph step after step), else the first node of the
/// right kind with its label; `None` if there is none.
fn find<T: Float>(
    series: &mut HistogramSeries,
    scratch: &mut String,
    nodes: &[Node<T>],
    labels: &Labels,
) -> Option<usize> {
    let fits = |index: usize, scratch: &mut String| {
        let node = &nodes[index];
        let kind_fits = match series.quantity {
            Quantity::Activation | Quantity::ActivationGradient => activation(node).is_some(),
            Quantity::ParamGradient => matches!(node.source, Source::Param(_)),
        };
        kind_fits && has_label(&series.name, scratch, index, node, labels)
    };
    if series.node < nodes.len() && fits(series.node, scratch) {
        return Some(series.node);
    }
    let found = (0..nodes.len()).find(|&index| fits(index, scratch))?;
    series.node = found;
    Some(found)
}

/// Whether node `index`'s label is `name`, compared piece by piece where
/// it can be (a name, or a scope and an op), so that the check of every
/// step formats nothing.
fn has_label<T: Float>(name: &str, scratch: &mut String, index: usize, node: &Node<T>, labels: &Labels) -> bool {
    let op = activation(node).map_or("param", |kind| kind.name());
    match (node.named, labels.path(node.scope)) {
        (true, _) => labels.names.get(index as NodeId) == Some(name),
        (false, Some(path)) => name.strip_prefix(path).and_then(|rest| rest.strip_prefix('.')) == Some(op),
        (false, None) => {
            label(scratch, index, node, labels);
            scratch == name
        }
    }
}
