//! makemore part 3's lesson: a deeper MLP (five tanh layers of 100 units)
//! trained from three starts, with the diagnostics of every step, and the
//! comparison report that puts the three side by side.

use rand::SeedableRng;
use rand::rngs::StdRng;
use tapegrad::Tensor;
use tapegrad::diagnostics::TrainingLog;
use tapegrad::nn::{Activation, BatchNorm1d, Embedding, Flatten, Module, Sequential};
use tapegrad::report::Comparison;

use super::data::{BLOCK, Splits, VOCAB};
use super::model::{self, BATCH, EMBED, kaiming, linear};

/// Units of each hidden layer of the lesson's network.
const WIDTH: usize = 100;
/// Hidden layers of the lesson's network.
pub const DEPTH: usize = 5;
/// The lesson's learning rate (constant).
const LR: f64 = 0.1;

/// How the lesson's network starts.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Start {
    /// Weights from `N(0, 1)`, as `torch.randn` gives them: every tanh layer
    /// saturates and the first loss is far above `ln 27`.
    Naive,
    /// Weights from `N(0, 1)` times `(5/3) / sqrt(fan_in)` (Kaiming's, with
    /// tanh's gain), the last layer ten times smaller (less confident).
    Kaiming,
    /// Kaiming's start, a BatchNorm1d after every linear layer (whose bias
    /// it makes useless, so there is none), the last one's gain at 0.1.
    BatchNorm,
}

impl Start {
    /// The three, in the report's order.
    pub const ALL: [Start; 3] = [Start::Naive, Start::Kaiming, Start::BatchNorm];

    /// The column's heading.
    pub fn label(self) -> &'static str {
        match self {
            Start::Naive => "naive init: N(0, 1) weights",
            Start::Kaiming => "Kaiming init: (5/3) / sqrt(fan_in)",
            Start::BatchNorm => "Kaiming init + BatchNorm1d",
        }
    }
}

/// The lesson's network (part 3's "PyTorchified" MLP): an embedding, five
/// hidden tanh layers, and the output layer, started as `start` says.
pub fn network(start: Start, rng: &mut StdRng) -> Sequential {
    let norm = start == Start::BatchNorm;
    let scale = |fan_in| if start == Start::Naive { 1.0 } else { kaiming(fan_in) };
    let mut net = Sequential::new()
        .layer_named("emb", Embedding::from_weights(Tensor::randn([VOCAB, EMBED], rng)))
        .layer_named("flatten", Flatten::new());
    let mut fan_in = EMBED * BLOCK;
    for i in 1..=DEPTH {
        net = net.layer_named(&format!("linear{i}"), linear(fan_in, WIDTH, scale(fan_in), !norm, rng));
        if norm {
            net = net.layer_named(&format!("bn{i}"), BatchNorm1d::new(WIDTH));
        }
        net = net.layer_named(&format!("tanh{i}"), Activation::Tanh);
        fan_in = WIDTH;
    }
    let last = match start {
        Start::Naive => 1.0,
        Start::Kaiming => 0.1 / (WIDTH as f32).sqrt(),
        Start::BatchNorm => 1.0 / (WIDTH as f32).sqrt(),
    };
    net = net.layer_named("out", linear(WIDTH, VOCAB, last, !norm, rng));
    if norm {
        let mut bn = BatchNorm1d::new(VOCAB);
        bn.params_mut().next().expect("the gain").set_value(Tensor::full([VOCAB], 0.1));
        net = net.layer_named("bn_out", bn);
    }
    net
}

/// The weight matrices of the lesson's network (part 3 plots their update
/// ratios, not those of biases and gains).
pub fn weight_names() -> Vec<String> {
    let hidden = (1..=DEPTH).map(|i| format!("linear{i}.weight"));
    ["emb.weight".to_string()].into_iter().chain(hidden).chain(["out.weight".to_string()]).collect()
}

/// One start, trained.
pub struct Run {
    pub start: Start,
    /// The diagnostics of every step.
    pub log: TrainingLog,
    /// The loss on the validation split after training (eval mode).
    pub val_loss: f64,
}

impl Run {
    /// Each tanh layer's saturated fraction at the first step or (`last`)
    /// the last.
    pub fn saturation(&self, last: bool) -> Vec<f64> {
        let row = if last { self.log.step_rows().last() } else { self.log.step_rows().next() };
        let row = row.expect("at least one step");
        (0..self.log.activation_names().len()).map(|k| row.saturation(k)).collect()
    }

    /// The loss of the first step.
    pub fn first_loss(&self) -> f64 {
        self.log.step_rows().next().expect("at least one step").loss()
    }
}

/// The network from `start` trained `steps` steps at rate 0.1 on the
/// training split; the weights and batches are drawn from `seed`, the same
/// for every start.
pub fn run(start: Start, data: &Splits, steps: usize, seed: u64) -> Run {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut net = network(start, &mut rng);
    let mut log = TrainingLog::with_capacity(steps, 0, net.params().count(), DEPTH);
    model::train(&mut net, &data.train, steps, |_| LR, &mut rng, Some(&mut log), 0);
    Run { start, log, val_loss: model::split_loss(&net, &data.val) }
}

/// The comparison report of the runs, one column each, with `notes` under
/// the title after the page's own.
pub fn report(runs: Vec<Run>, notes: &[String]) -> Comparison {
    let mut page = Comparison::new("makemore part 3: initialisation and BatchNorm, side by side");
    let steps = runs.first().map_or(0, |r| r.log.steps());
    page.note(format!(
        "Each column trains the same character-level MLP for {steps} steps (SGD at rate {LR}, batches of {BATCH} \
         contexts of {BLOCK} characters): Embedding({VOCAB}, {EMBED}), {DEPTH} Linear + tanh layers of {WIDTH} units \
         (with BatchNorm1d after each Linear in the third column), and Linear({WIDTH}, {VOCAB}). The same seed draws \
         the weights and the batches in every column. Every chart of a row has the same y axis."
    ));
    let losses: Vec<String> = runs.iter().map(|r| format!("{} {:.4}", r.start.label(), r.val_loss)).collect();
    page.note(format!("Validation loss after {steps} steps: {}.", losses.join("; ")));
    for note in notes {
        page.note(note.clone());
    }
    page.show_params(weight_names());
    for run in runs {
        page.add_run(run.start.label(), run.log);
    }
    page
}
