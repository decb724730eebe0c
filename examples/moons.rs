//! Trains a 2-16-16-1 MLP on two moons with shuffled mini-batches (AdamW,
//! linear warmup then cosine decay), prints one line per epoch, and writes
//! `moons.svg`: the decision boundary with the points.
//!
//!     cargo run --release --example moons               # train and draw
//!     cargo run --release --example moons -- --inspect  # also each parameter's gradient norm
//!     cargo run --release --example moons -- --epochs 60 --seed 3 --lr 0.02
//!     cargo run --release --example moons -- --sgd      # plain SGD at a constant rate instead

mod common;

use std::time::Instant;

use common::{arg, flag, plot};
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::nn::metrics::binary_accuracy;
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{AdamW, Constant, Cosine, Optimizer, Schedule, Sgd, Warmup};
use tapegrad::{Tape, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let epochs: usize = arg("--epochs", 40);
    let seed: u64 = arg("--seed", 0);
    let batch_size: usize = arg("--batch", 32);
    let lr: f64 = arg("--lr", 0.01);
    let inspect = flag("--inspect");

    let mut rng = StdRng::seed_from_u64(seed);
    let data = toy::moons::<f32, _>(1000, 0.1, &mut rng);
    let (train, test) = data.split(0.2, &mut rng);
    let mut model = Mlp::new(&[2, 16, 16, 1], Activation::Tanh, &mut rng);
    let total_steps = epochs * train.len().div_ceil(batch_size);
    // The design's recipe: AdamW, linear warmup, then cosine decay to 0 over
    // the remaining steps. `--sgd` trains with plain SGD at a constant rate.
    let sgd = flag("--sgd");
    let warmup = 100.min(total_steps / 10);
    let (mut opt, schedule): (Box<dyn Optimizer>, Box<dyn Schedule>) = if sgd {
        (Box::new(Sgd::new(0.5)), Box::new(Constant::new(0.5)))
    } else {
        let schedule = Warmup::new(warmup, Cosine::new(lr, total_steps - warmup));
        (Box::new(AdamW::new(lr).weight_decay(1e-4)), Box::new(schedule))
    };
    let recipe = if sgd {
        "SGD at lr 0.5".to_string()
    } else {
        format!("AdamW (wd 1e-4), {warmup} warmup steps then cosine from lr {lr}")
    };
    println!("{model}");
    println!(
        "two moons: {} training and {} test points, batch {batch_size}, {total_steps} steps, {recipe}\n",
        train.len(),
        test.len()
    );

    let mut tape = Tape::new();
    let mut step = 0;
    let started = Instant::now();
    let mut test_accuracy = 0.0;
    for epoch in 1..=epochs {
        let epoch_start = Instant::now();
        let (mut loss_sum, mut seen) = (0.0, 0);
        let mut grad_norms = vec![0.0; model.params().count()];
        for batch in train.batches(batch_size, &mut rng) {
            tape.clear();
            let n = batch.x.shape()[0];
            let logits = model.forward(tape.constant(batch.x));
            let loss = loss::bce_with_logits(logits, tape.constant(batch.y));
            loss_sum += loss.item() as f64 * n as f64;
            seen += n;
            let grads = loss.backward();
            if inspect {
                for (norm, p) in grad_norms.iter_mut().zip(model.params()) {
                    *norm += grads.param(p).map_or(0.0, |g| g.norm() as f64);
                }
            }
            opt.set_lr(schedule.lr(step));
            opt.step(&mut model, &grads);
            step += 1;
        }
        let train_accuracy = binary_accuracy(&model.predict(train.x()), train.y());
        test_accuracy = binary_accuracy(&model.predict(test.x()), test.y());
        println!(
            "epoch {epoch:3}  loss {:.4}  train acc {:5.1}%  test acc {:5.1}%  ({:.1} ms)",
            loss_sum / seen as f64,
            100.0 * train_accuracy,
            100.0 * test_accuracy,
            epoch_start.elapsed().as_secs_f64() * 1e3
        );
        if inspect {
            let batches = train.len().div_ceil(batch_size) as f64;
            for (norm, p) in grad_norms.iter().zip(model.params()) {
                println!("    {:<16} mean |grad| {:.5}", p.name(), norm / batches);
            }
        }
    }
    println!("\ntrained in {:.2} s; test accuracy {:.1}%", started.elapsed().as_secs_f64(), 100.0 * test_accuracy);

    let points: Vec<(f32, f32, usize)> = (0..data.len())
        .map(|i| (data.x().get(&[i, 0]), data.x().get(&[i, 1]), data.y().get(&[i, 0]) as usize))
        .collect();
    let title = format!("tapegrad: 2-16-16-1 MLP on two moons, test accuracy {:.1}%", 100.0 * test_accuracy);
    plot::decision_boundary("moons.svg", &title, &points, |grid| {
        let x = Tensor::from_fn([grid.len(), 2], |i| if i % 2 == 0 { grid[i / 2].0 } else { grid[i / 2].1 });
        let logits = model.predict(&x);
        logits
            .data()
            .iter()
            .map(|&z| {
                let p = 1.0 / (1.0 + (-z).exp());
                ((p > 0.5) as usize, (2.0 * p - 1.0).abs())
            })
            .collect()
    })?;
    println!("wrote moons.svg");
    Ok(())
}
