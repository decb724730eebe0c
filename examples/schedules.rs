//! Every learning-rate schedule of `tapegrad::optim::schedule` on one
//! picture, `schedules.svg` (rate against step), and a table of rates.
//!
//!     cargo run --release --example schedules
//!     cargo run --release --example schedules -- --steps 5000 --warmup 500 --lr 0.001
//!     cargo run --release --example schedules -- --log-y   # logarithmic rate axis
//!     cargo run --release --example schedules -- --help    # every flag
//!
//! A schedule is a value with a closed-form `lr(t)`: nothing is stepped, so
//! the whole curve can be drawn before training, and a run resumed at step
//! `t` gets exactly the rates it would have had.

mod common;

use common::cli::{self, Flag};
use common::plot;
use tapegrad::optim::schedule::{Constant, Cosine, InverseSqrt, LinearDecay, Schedule, StepDecay, Warmup};

const FLAGS: &[Flag] = &[
    Flag::value("--steps", "N", "steps the schedules run for (default 1000)"),
    Flag::value("--warmup", "N", "warmup steps of the warmup schedules (default 100)"),
    Flag::value("--lr", "RATE", "the initial or peak rate (default 0.1)"),
    Flag::switch("--log-y", "a logarithmic rate axis"),
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args =
        cli::from_env("Every learning-rate schedule on one picture, schedules.svg, and a table.", "schedules", FLAGS);
    let total: usize = args.value("--steps", 1000).unwrap_or_else(|e| cli::fail(&e));
    let warmup: usize = args.value("--warmup", 100).unwrap_or_else(|e| cli::fail(&e));
    let lr: f64 = args.value("--lr", 0.1).unwrap_or_else(|e| cli::fail(&e));
    let log_y = args.is_set("--log-y");
    if total < 4 || warmup >= total {
        cli::fail("need --steps >= 4 and --warmup < --steps");
    }

    let milestones = [3 * total / 10, 6 * total / 10, 9 * total / 10];
    let schedules: Vec<(String, Box<dyn Schedule>)> = vec![
        ("constant".into(), Constant::new(lr).boxed()),
        (format!("step (x0.1 at {milestones:?})"), StepDecay::new(lr, milestones, 0.1).boxed()),
        ("cosine".into(), Cosine::new(lr, total).boxed()),
        ("linear".into(), LinearDecay::new(lr, total).boxed()),
        ("inverse sqrt".into(), InverseSqrt::new(lr).boxed()),
        // The inner schedules get the steps left after the warmup.
        ("warmup + cosine".into(), Warmup::new(warmup, Cosine::new(lr, total - warmup)).boxed()),
        // With the warmup as timescale: lr * sqrt(W / t) after the warmup (fairseq).
        ("warmup + inverse sqrt".into(), Warmup::new(warmup, InverseSqrt::new(lr).timescale(warmup)).boxed()),
    ];

    // The table.
    let steps = [0, warmup / 2, warmup, total / 4, total / 2, 3 * total / 4, total - 1];
    let width = schedules.iter().map(|(name, _)| name.len()).max().unwrap_or(0);
    print!("{:width$}", "schedule");
    for t in steps {
        print!(" {:>10}", format!("t={t}"));
    }
    println!();
    for (name, schedule) in &schedules {
        print!("{name:width$}");
        for t in steps {
            print!(" {:>10}", rate(schedule.lr(t)));
        }
        println!();
    }

    // The picture.
    let series: Vec<(&str, Vec<(f64, f64)>)> = schedules
        .iter()
        .map(|(name, schedule)| (name.as_str(), (0..total).map(|t| (t as f64, schedule.lr(t))).collect()))
        .collect();
    let title = format!("learning-rate schedules: lr0 = {lr}, {total} steps, warmup {warmup}");
    plot::lines("schedules.svg", &title, "step", "learning rate", &series, log_y)?;
    println!("\nwrote schedules.svg");
    Ok(())
}

/// A rate with four significant digits, in plain notation when it reads well.
fn rate(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else if x.abs() >= 1e-3 {
        let decimals = (3 - x.abs().log10().floor() as i32).max(0) as usize;
        format!("{x:.decimals$}").trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        // 2.467e-7, and 1e-4 rather than 1.000e-4.
        let text = format!("{x:.3e}");
        let (mantissa, exponent) = text.split_once('e').unwrap_or((&text, "0"));
        format!("{}e{exponent}", mantissa.trim_end_matches('0').trim_end_matches('.'))
    }
}
