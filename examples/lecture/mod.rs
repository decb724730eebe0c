//! The slides of lecture 03 (optimization for neural networks), each as an
//! experiment: it trains something with tapegrad, keeps the numbers behind
//! the slide's claim, prints them, and draws one picture.
//!
//! `examples/lecture.rs` runs them from the command line; `tests/lecture.rs`
//! includes this module and runs the same experiments in [`Size::Quick`],
//! checking each claim by its numbers.
//!
//! Some fields and accessors are read only by the tests.
#![allow(dead_code)]

pub mod adam_bias;
pub mod batch_scaling;
pub mod cli;
pub mod comparison;
pub mod conditioning;
pub mod critical_batch;
pub mod learning_rates;
pub mod measure;
pub mod minibatch;
pub mod momentum_forms;
pub mod rmsprop;
pub mod saddle;
pub mod schedules;
pub mod training;
pub mod warmup;
pub mod weight_decay;

use std::error::Error;
use std::path::Path;

use crate::common::figure::Figure;

/// How big an experiment is: quick for the tests (a few hundred
/// milliseconds each), full for the pictures in `docs/img`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Size {
    Quick,
    Full,
}

impl Size {
    /// `quick` or `full`, whichever this size is.
    pub fn pick<T>(self, quick: T, full: T) -> T {
        match self {
            Size::Quick => quick,
            Size::Full => full,
        }
    }
}

/// A slide's experiment: run it, say what it measured, draw it.
pub trait Experiment: Sized {
    /// The picture's file name.
    const FILE: &'static str;

    /// Runs the experiment at the given size. `seed` shifts every random
    /// draw the experiment makes (its data, initial weights, batch order and
    /// noise); seed 0 is the run `docs/lecture.md` shows. Experiments on
    /// formulas without randomness ignore it.
    fn run(size: Size, seed: u64) -> Self;

    /// The numbers behind the picture, as lines of text.
    fn report(&self) -> String;

    /// The picture.
    fn figure(&self) -> Figure<'_>;
}

/// Runs experiment `E`, prints its report and writes its picture into `dir`;
/// returns the experiment, so a test can check its numbers.
pub fn present<E: Experiment>(size: Size, seed: u64, dir: &Path) -> Result<E, Box<dyn Error>> {
    let experiment = E::run(size, seed);
    println!("{}", experiment.report());
    let path = dir.join(E::FILE);
    experiment.figure().save(&path)?;
    println!("wrote {}\n", path.display());
    Ok(experiment)
}

/// One slide: the subcommand that shows it, what it claims, and how to run it.
pub struct Slide {
    pub command: &'static str,
    pub claim: &'static str,
    pub show: fn(Size, u64, &Path) -> Outcome,
}

/// What showing a slide returns: nothing, or why the picture could not be written.
pub type Outcome = Result<(), Box<dyn Error>>;

fn show<E: Experiment>(size: Size, seed: u64, dir: &Path) -> Outcome {
    present::<E>(size, seed, dir).map(drop)
}

/// The slides, in the lecture's order.
pub const SLIDES: &[Slide] = &[
    Slide {
        command: "minibatch",
        claim: "mini-batch gradients are noisy; the noise shrinks like 1/sqrt(B)",
        show: show::<minibatch::Noise>,
    },
    Slide {
        command: "conditioning",
        claim: "SGD zig-zags and crawls on an ill-conditioned loss; momentum is faster",
        show: show::<conditioning::Conditioning>,
    },
    Slide {
        command: "saddle",
        claim: "SGD stalls at a saddle point; momentum and noise escape",
        show: show::<saddle::Saddle>,
    },
    Slide {
        command: "momentum-forms",
        claim: "momentum forms 1 and 2 agree at a constant rate, differ when it changes",
        show: show::<momentum_forms::Forms>,
    },
    Slide {
        command: "rmsprop",
        claim: "RMSProp's per-parameter steps reduce oscillation on uneven curvature",
        show: show::<rmsprop::PerParameter>,
    },
    Slide {
        command: "adam-bias",
        claim: "Adam without bias correction: what m and v starting at 0 do to the first steps",
        show: show::<adam_bias::FirstSteps>,
    },
    Slide {
        command: "comparison",
        claim: "the optimizers behave differently on the same surface (Rosenbrock)",
        show: show::<comparison::Race>,
    },
    Slide {
        command: "weight-decay",
        claim: "L2 in Adam's gradient is rescaled by the moments; AdamW's decay is not",
        show: show::<weight_decay::Decay>,
    },
    Slide {
        command: "learning-rates",
        claim: "too high diverges, too low crawls, a good rate converges",
        show: show::<learning_rates::Rates>,
    },
    Slide {
        command: "schedules",
        claim: "step, cosine, linear and inverse sqrt each reach a good loss, differently",
        show: show::<schedules::Schedules>,
    },
    Slide {
        command: "warmup",
        claim: "at a high rate the loss blows up early without warmup; warmup prevents it",
        show: show::<warmup::Warmup>,
    },
    Slide {
        command: "batch-scaling",
        claim: "batch x N with rate x N follows the same loss per epoch; batch x N alone does not",
        show: show::<batch_scaling::Scaling>,
    },
    Slide {
        command: "critical-batch",
        claim: "with the rate scaled, a larger batch saves steps nearly for free below the noise scale, and less above it",
        show: show::<critical_batch::CriticalBatch>,
    },
];
