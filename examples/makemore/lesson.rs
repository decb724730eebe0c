//! makemore part 3's lesson: a deeper MLP (five tanh layers of 100 units)
//! trained from three starts, with the diagnostics of every step, for the
//! comparison report.

use rand::rngs::StdRng;
use tapegrad::nn::{Activation, BatchNorm1d, Embedding, Flatten, Linear, Module, Sequential};
use tapegrad::Tensor;

use super::data::{BLOCK, VOCAB};

/// Characters are vectors of this many numbers.
pub const EMBED: usize = 10;
/// Units of each hidden layer of the lesson's network.
const WIDTH: usize = 100;
/// Hidden layers of the lesson's network.
const DEPTH: usize = 5;

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
    pub fn label(self) -> &'static str {
        match self {
            Start::Naive => "naive init: N(0, 1) weights",
            Start::Kaiming => "Kaiming init: (5/3) / sqrt(fan_in)",
            Start::BatchNorm => "Kaiming init + BatchNorm1d",
        }
    }
}

/// A linear layer `fan_in -> fan_out` with weights `N(0, 1) * scale` and a
/// zero bias, or none.
pub fn linear(fan_in: usize, fan_out: usize, scale: f32, bias: bool, rng: &mut StdRng) -> Linear {
    let layer = Linear::from_weights(Tensor::randn([fan_out, fan_in], rng) * scale, Tensor::zeros([fan_out]));
    if bias { layer } else { layer.without_bias() }
}

/// Kaiming's scale for a tanh layer of `fan_in` inputs.
pub fn kaiming(fan_in: usize) -> f32 {
    (5.0 / 3.0) / (fan_in as f32).sqrt()
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
