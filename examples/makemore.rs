//! makemore, parts 2 and 3 (Karpathy, after Bengio et al. 2003): a
//! character-level MLP language model of names. Each character is
//! predicted from the three before it: the three are looked up in an
//! embedding table, their vectors joined, passed through a hidden layer
//! with BatchNorm and tanh, and the output layer gives logits over the 27
//! characters (`.` ends a name).
//!
//!     Embedding(27, 10) -> Flatten -> Linear(30, 200, no bias) -> BatchNorm1d(200) -> tanh -> Linear(200, 27)
//!
//! Trained with cross-entropy and SGD (rate 0.1, then 0.01 after half the
//! steps) on mini-batches of 32 from 80% of the names; the training,
//! validation (10%) and test (10%) losses are printed with makemore part
//! 3's figures for the same network, then 20 names sampled from the model.
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
#[path = "makemore/mod.rs"]
mod makemore;

use std::time::Instant;

use common::cli::{self, Flag};
use makemore::data::{self, Splits};
use makemore::lesson::{self, Start};
use makemore::model::{self, PUBLISHED};
use rand::{SeedableRng, rngs::StdRng};

const ABOUT: &str = "Trains makemore's character-level MLP on names, prints its losses and 20 sampled names, \
                     and writes makemore-report.html (part 3's lesson: initialisations and BatchNorm compared).";

const FLAGS: &[Flag] = &[
    Flag::value("--steps", "N", "training steps of the model (default 200000, makemore part 3's)"),
    Flag::value("--lesson-steps", "N", "training steps of each run of the lesson (default 1500)"),
    Flag::value("--seed", "N", "seed of the split, the weights, the batches and the samples (default 0)"),
    Flag::value("--report", "FILE", "where to write the comparison report (default makemore-report.html)"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args = cli::from_env(ABOUT, "makemore", FLAGS);
    let value = |name, default| args.value(name, default).unwrap_or_else(|e| cli::fail(&e));
    let (steps, lesson_steps, seed) = (value("--steps", 200_000), value("--lesson-steps", 1500), value("--seed", 0));
    let report_path: String =
        args.value("--report", "makemore-report.html".to_string()).unwrap_or_else(|e| cli::fail(&e));
    if steps == 0 || lesson_steps == 0 {
        cli::fail("--steps and --lesson-steps must be at least 1");
    }
    let started = Instant::now();
    let mut rng = StdRng::seed_from_u64(seed as u64);
    let data = Splits::of(data::load(data::NAMES)?, &mut rng);
    let [train_names, val_names, test_names] = data.names;
    println!(
        "{} names: {train_names} / {val_names} / {test_names} for training, validation and test \
         ({} / {} / {} contexts)",
        train_names + val_names + test_names,
        data.train.len(),
        data.val.len(),
        data.test.len()
    );

    let mut net = model::model(&mut rng);
    println!("{net}");
    model::train(&mut net, &data.train, steps, model::step_decay(steps), &mut rng, None, (steps / 10).max(1));
    let trained = started.elapsed();
    let losses = [&data.train, &data.val, &data.test].map(|split| model::split_loss(&net, split));
    println!("trained {steps} steps in {:.1} s", trained.as_secs_f64());
    println!("loss: train {:.4}, validation {:.4}, test {:.4}", losses[0], losses[1], losses[2]);
    println!(
        "makemore part 3 (its notebook's loss log, the same network and recipe, 200000 steps): \
         train {:.4}, validation {:.4}",
        PUBLISHED.0, PUBLISHED.1
    );
    println!("20 names from the model:");
    for row in model::samples(&net, 20, seed as u64).chunks(5) {
        println!("  {}", row.join("  "));
    }

    // Part 3's lesson: the deeper network from three starts.
    let runs: Vec<lesson::Run> = Start::ALL
        .into_iter()
        .map(|start| {
            let run = lesson::run(start, &data, lesson_steps, seed as u64 + 1);
            let saturation: Vec<String> = run.saturation(true).iter().map(|s| format!("{:.0}%", 100.0 * s)).collect();
            println!(
                "lesson, {}: first loss {:.2}, validation loss after {lesson_steps} steps {:.4}, tanh saturated at \
                 the end: {}",
                start.label(),
                run.first_loss(),
                run.val_loss,
                saturation.join(" ")
            );
            run
        })
        .collect();
    let full_model = format!(
        "The example's own model (one hidden layer of {}, BatchNorm1d, {steps} steps at rate 0.1 then 0.01) \
         reached a validation loss of {:.4} (train {:.4}, test {:.4}); makemore part 3 gives {:.4} (train {:.4}) \
         for the same network and recipe at 200000 steps.",
        model::HIDDEN,
        losses[1],
        losses[0],
        losses[2],
        PUBLISHED.1,
        PUBLISHED.0
    );
    lesson::report(runs, &[full_model]).write(&report_path)?;
    println!("wrote {report_path} ({:.1} s in all)", started.elapsed().as_secs_f64());
    Ok(())
}
