//! makemore, part 2 and 3 (Karpathy, after Bengio et al. 2003): a
//! character-level MLP language model of names. Each character is
//! predicted from the three before it: the three are looked up in an
//! embedding table, their vectors joined, passed through a hidden layer
//! with BatchNorm and tanh, and the output layer gives logits over the 27
//! characters (`.` ends a name).
//!
//!     Embedding(27, 10) -> Flatten -> Linear(30, 200, no bias) -> BatchNorm1d(200) -> tanh -> Linear(200, 27)
//!
//! Trained with cross-entropy and SGD (rate 0.1, then 0.01 after half the
//! steps) on mini-batches of 32 from 80% of the names; the validation
//! (10%) and test (10%) losses are printed with makemore part 3's figures
//! for the same network, then 20 names sampled from the model.
//!
//! Then part 3's lesson, on its deeper network (five tanh layers of 100):
//! trained from a naive initialisation, from Kaiming's, and with
//! BatchNorm, with the diagnostics of every step; `makemore-report.html`
//! shows the three side by side (tanh saturation and update-to-value
//! ratios per layer).
//!
//!     cargo run --release --example makemore
//!     cargo run --release --example makemore -- --steps 50000 --seed 3
//!     cargo run --release --example makemore -- --help
//!
//! The names (`examples/makemore/names.txt`) are makemore's: see
//! `examples/makemore/README.md` for where they come from and their licence.

mod common;
#[path = "makemore/data.rs"]
mod data;
#[path = "makemore/lesson.rs"]
mod lesson;

use std::time::Instant;

use common::cli::{self, Flag};
use data::{BLOCK, Contexts, VOCAB};
use lesson::{EMBED, Start};
use rand::{RngExt, SeedableRng, rngs::StdRng};
use tapegrad::diagnostics::{Diagnostics, StepMetrics, TrainingLog};
use tapegrad::nn::{Activation, BatchNorm1d, Embedding, Flatten, Module, Sequential, loss};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::report::Comparison;
use tapegrad::{Gradients, Tape, Tensor};

const ABOUT: &str = "Trains makemore's character-level MLP on names, prints its losses and 20 sampled names, \
                     and writes makemore-report.html (part 3's lesson: initialisations and BatchNorm compared).";

const FLAGS: &[Flag] = &[
    Flag::value("--steps", "N", "training steps of the model (default 200000, makemore part 3's)"),
    Flag::value("--lesson-steps", "N", "training steps of each run of the lesson (default 1500)"),
    Flag::value("--seed", "N", "seed of the split, the weights, the batches and the samples (default 0)"),
    Flag::value("--report", "FILE", "where to write the comparison report (default makemore-report.html)"),
];

const BATCH: usize = 32;
const HIDDEN: usize = 200;
/// makemore part 3's loss log, "add batch norm layer": the same network,
/// 200,000 steps of batch 32 (its notebook, `makemore_part3_bn.ipynb`).
const PUBLISHED: (f64, f64) = (2.0668, 2.1048);

/// The model: `Embedding -> Flatten -> Linear -> BatchNorm1d -> tanh ->
/// Linear`, started as part 3 starts it (Kaiming's scale for the hidden
/// layer, a small output layer). The running statistics average over about
/// a thousand batches (momentum 0.001, part 3's `0.999` running average)
/// rather than PyTorch's ten: at batch 32 ten batches estimate them poorly.
fn model(rng: &mut StdRng) -> Sequential {
    let fan_in = EMBED * BLOCK;
    Sequential::new()
        .layer_named("emb", Embedding::from_weights(Tensor::randn([VOCAB, EMBED], rng)))
        .layer_named("flatten", Flatten::new())
        .layer_named("hidden", lesson::linear(fan_in, HIDDEN, lesson::kaiming(fan_in), false, rng))
        .layer_named("bn", BatchNorm1d::new(HIDDEN).momentum(Some(0.001)))
        .layer_named("h", Activation::Tanh)
        .layer_named("out", lesson::linear(HIDDEN, VOCAB, 0.01, true, rng))
}

/// `steps` SGD steps on mini-batches of `data`, the rate given by `lr`;
/// with a log, the diagnostics of every step go into it.
fn train(
    model: &mut Sequential,
    data: &Contexts,
    steps: usize,
    lr: impl Fn(usize) -> f64,
    rng: &mut StdRng,
    mut log: Option<&mut TrainingLog>,
) {
    let (mut tape, mut grads, mut diagnostics) = (Tape::new(), Gradients::new(), Diagnostics::new());
    let (mut xb, mut yb) = (vec![0.0; BATCH * BLOCK], vec![0.0; BATCH]);
    let mut opt = Sgd::new(lr(0));
    for step in 0..steps {
        tape.clear();
        data.sample_into(rng, &mut xb, &mut yb);
        let logits = model.forward(tape.constant_from_slice(&xb, [BATCH, BLOCK]));
        let loss = loss::softmax_cross_entropy(logits, tape.constant_from_slice(&yb, [BATCH]));
        loss.backward_into(&mut grads);
        opt.set_lr(lr(step));
        opt.step(&mut *model, &grads);
        if let Some(log) = log.as_deref_mut() {
            diagnostics.measure(&tape, &grads, &*model);
            log.record_step(StepMetrics { loss: loss.item() as f64, lr: opt.lr() }, Some(&diagnostics));
        } else if step % 20_000 == 0 {
            println!("  step {step:>7}/{steps}: loss {:.4}", loss.item());
        }
    }
}

/// The mean cross-entropy of the model on every context of `data`, in eval
/// mode (BatchNorm's running statistics).
fn split_loss(model: &Sequential, data: &Contexts) -> f64 {
    let logits = model.predict(&data.x);
    let tape = Tape::new();
    loss::softmax_cross_entropy(tape.constant(logits), tape.constant(data.y.clone())).item() as f64
}

/// A name drawn from the model, one character at a time.
fn sample(model: &Sequential, rng: &mut StdRng) -> String {
    let mut context = [0usize; BLOCK];
    let mut name = String::new();
    loop {
        let x = Tensor::from_fn([1, BLOCK], |i| context[i] as f32);
        let probs = model.predict(&x).softmax(1);
        let mut u: f32 = rng.random();
        let next = probs.data().iter().position(|&p| {
            u -= p;
            u < 0.0
        });
        let next = next.unwrap_or(VOCAB - 1);
        if next == 0 || name.len() > 30 {
            return name;
        }
        name.push(data::char_of(next));
        context.rotate_left(1);
        context[BLOCK - 1] = next;
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::from_env(ABOUT, "makemore", FLAGS);
    let value = |name, default| args.value(name, default).unwrap_or_else(|e| cli::fail(&e));
    let (steps, lesson_steps, seed) = (value("--steps", 200_000), value("--lesson-steps", 1500), value("--seed", 0));
    let report_path: String = args.value("--report", "makemore-report.html".to_string()).unwrap_or_else(|e| cli::fail(&e));
    if steps == 0 || lesson_steps == 0 {
        cli::fail("--steps and --lesson-steps must be at least 1");
    }
    let started = Instant::now();
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/makemore/names.txt"))?;
    let mut rng = StdRng::seed_from_u64(seed as u64);
    let (train_names, val_names, test_names) = data::split(data::read_names(&text), &mut rng);
    let (train_set, val_set, test_set) =
        (Contexts::of(&train_names), Contexts::of(&val_names), Contexts::of(&test_names));
    println!(
        "{} names: {} / {} / {} for training, validation and test ({} / {} / {} contexts)",
        train_names.len() + val_names.len() + test_names.len(),
        train_names.len(),
        val_names.len(),
        test_names.len(),
        train_set.len(),
        val_set.len(),
        test_set.len()
    );

    let mut net = model(&mut rng);
    println!("{net}");
    let half = steps / 2;
    train(&mut net, &train_set, steps, |step| if step < half { 0.1 } else { 0.01 }, &mut rng, None);
    let trained = started.elapsed();
    let (train_loss, val_loss, test_loss) =
        (split_loss(&net, &train_set), split_loss(&net, &val_set), split_loss(&net, &test_set));
    println!("trained {steps} steps in {:.1} s", trained.as_secs_f64());
    println!("loss: train {train_loss:.4}, validation {val_loss:.4}, test {test_loss:.4}");
    println!(
        "makemore part 3, same network and recipe (its notebook's loss log): train {:.4}, validation {:.4}",
        PUBLISHED.0, PUBLISHED.1
    );
    println!("20 names from the model:");
    let names: Vec<String> = (0..20).map(|_| sample(&net, &mut rng)).collect();
    for row in names.chunks(5) {
        println!("  {}", row.join("  "));
    }

    // Part 3's lesson: the deeper network from three starts.
    let mut page = Comparison::new("makemore part 3: initialisation and BatchNorm, side by side");
    page.note(format!(
        "Each column trains the same character-level MLP for {lesson_steps} steps (SGD at rate 0.1, batches of \
         {BATCH} contexts of {BLOCK} characters): Embedding(27, 10), five Linear + tanh layers of 100 units (with \
         BatchNorm1d between them in the third column), and Linear(100, 27). Every chart of a row has the same \
         y axis."
    ));
    page.note(format!(
        "The full model of the example (one hidden layer of {HIDDEN}, BatchNorm1d, {steps} steps) reached a \
         validation loss of {val_loss:.4} (train {train_loss:.4}, test {test_loss:.4}); makemore part 3 gives \
         {:.4} (train {:.4}) for the same network and recipe.",
        PUBLISHED.1, PUBLISHED.0
    ));
    for start in [Start::Naive, Start::Kaiming, Start::BatchNorm] {
        let mut lesson_rng = StdRng::seed_from_u64(seed as u64 + 1);
        let mut net = lesson::network(start, &mut lesson_rng);
        let mut log = TrainingLog::with_capacity(lesson_steps, 0, net.params().count(), 5);
        train(&mut net, &train_set, lesson_steps, |_| 0.1, &mut lesson_rng, Some(&mut log));
        let first = log.step_rows().next().map_or(f64::NAN, |r| r.loss());
        let last_saturation: Vec<String> = {
            let last = log.step_rows().last().expect("at least one step");
            (0..log.activation_names().len()).map(|k| format!("{:.0}%", 100.0 * last.saturation(k))).collect()
        };
        println!(
            "lesson, {}: first loss {first:.2}, validation loss after {lesson_steps} steps {:.4}, tanh saturated at the end: {}",
            start.label(),
            split_loss(&net, &val_set),
            last_saturation.join(" ")
        );
        page.add_run(start.label(), log);
    }
    page.write(&report_path)?;
    println!("wrote {report_path} ({:.1} s in all)", started.elapsed().as_secs_f64());
    Ok(())
}
