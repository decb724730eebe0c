//! micrograd's own demo (`demo.ipynb`), step for step: 100 two-moons points,
//! a 2-16-16-1 ReLU MLP, the SVM max-margin loss plus a 1e-4 L2 penalty,
//! full-batch SGD with micrograd's decaying rate `1 - 0.9 k / 100`, 100 steps.
//!
//!     cargo run --release --example micrograd_demo

mod common;

use std::time::Instant;

use common::{cli, plot};
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::toy;
use tapegrad::nn::{Activation, Init, Mlp, Module, loss};
use tapegrad::optim::{Optimizer, Sgd};
use tapegrad::{Tape, Tensor};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    cli::from_env("micrograd's demo, step for step, to 100% accuracy (no flags).", "micrograd_demo", &[]);
    let mut rng = StdRng::seed_from_u64(1337);
    let data = toy::moons::<f32, _>(100, 0.1, &mut rng);
    // micrograd's labels are -1 and +1.
    let labels = data.y().map(|y| 2.0 * y - 1.0);
    // micrograd draws every weight from U(-1, 1).
    let mut model = Mlp::with_init(&[2, 16, 16, 1], Activation::Relu, Init::Uniform(-1.0, 1.0), &mut rng);
    println!("{model}");
    let mut opt = Sgd::new(1.0);

    let mut tape = Tape::new();
    let started = Instant::now();
    let mut accuracy = 0.0;
    for k in 0..100 {
        tape.clear();
        let scores = model.forward(tape.constant_from_slice(data.x().data(), data.x().shape()));
        let y = tape.constant_from_slice(labels.data(), labels.shape());
        let data_loss = loss::svm_max_margin(scores, y);
        let total = data_loss + loss::l2_penalty(&model, &tape, 1e-4);
        let correct =
            scores.value().data().iter().zip(labels.data()).filter(|&(&s, &y)| (s > 0.0) == (y > 0.0)).count();
        accuracy = correct as f64 / data.len() as f64;
        let total_value = total.item();
        let grads = total.backward();
        opt.set_lr(1.0 - 0.9 * k as f64 / 100.0);
        opt.step(&mut model, &grads);
        if k % 10 == 0 || k == 99 {
            println!("step {k:3} loss {total_value:.6}, accuracy {:.0}%", 100.0 * accuracy);
        }
    }
    let per_step = started.elapsed().as_secs_f64() / 100.0;
    println!("\n100 steps, {:.1} µs per step (micrograd: about 1.4 s per step)", per_step * 1e6);
    println!("final training accuracy {:.0}%", 100.0 * accuracy);

    let points: Vec<(f32, f32, usize)> = (0..data.len())
        .map(|i| (data.x().get(&[i, 0]), data.x().get(&[i, 1]), data.y().get(&[i, 0]) as usize))
        .collect();
    plot::decision_boundary("micrograd_demo.svg", "micrograd's demo, trained by tapegrad", &points, |grid| {
        let x = Tensor::from_fn([grid.len(), 2], |i| if i % 2 == 0 { grid[i / 2].0 } else { grid[i / 2].1 });
        let tape = Tape::new();
        let scores = model.forward(tape.constant(x)).value();
        scores.data().iter().map(|&s| ((s > 0.0) as usize, s.abs().min(1.0))).collect()
    })?;
    println!("wrote micrograd_demo.svg");
    Ok(())
}
