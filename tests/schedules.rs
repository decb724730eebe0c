//! Learning-rate schedules: each equals its closed form (written out here,
//! independently of the implementation) at the steps that matter, composes,
//! validates its arguments, and is a pure function of the step.

use std::f64::consts::PI;

use tapegrad::optim::schedule::{
    Constant, Cosine, InverseSqrt, LinearDecay, Scaled, Schedule, Sequence, StepDecay, Warmup, scale_lr_for_batch,
};

/// Asserts `schedule.lr(t) == expected(t)` to 1e-12 relative at each step.
fn assert_rates(what: &str, schedule: &impl Schedule, steps: &[usize], expected: impl Fn(usize) -> f64) {
    for &t in steps {
        let (got, want) = (schedule.lr(t), expected(t));
        assert!((got - want).abs() <= 1e-12 * want.abs() + 1e-15, "{what}: lr({t}) = {got:e}, expected {want:e}");
    }
}

/// Step 0, 1, the middle, T-1, T and beyond T.
fn steps_around(total: usize) -> Vec<usize> {
    vec![0, 1, total / 3, total / 2, total - 1, total, total + 1, 2 * total, 10 * total]
}

#[test]
fn constant_is_constant() {
    let s = Constant::new(0.05);
    assert_rates("Constant", &s, &[0, 1, 500, 999, 1000, usize::MAX], |_| 0.05);
}

#[test]
fn step_decay_multiplies_by_gamma_at_each_milestone() {
    // The lecture: x0.1 at epochs 30, 60 and 90.
    let s = StepDecay::new(0.1, [30, 60, 90], 0.1);
    let expected = |t: usize| match t {
        0..=29 => 0.1,
        30..=59 => 0.01,
        60..=89 => 0.001,
        _ => 0.0001,
    };
    assert_rates("StepDecay", &s, &[0, 1, 29, 30, 31, 59, 60, 61, 89, 90, 91, 1000], expected);
    assert_eq!(s.milestones(), &[30, 60, 90]);

    // A Vec works as well as an array; no milestones is a constant.
    let s = StepDecay::new(2.0, vec![5], 0.5);
    assert_rates("StepDecay [5]", &s, &[0, 4, 5, 100], |t| if t < 5 { 2.0 } else { 1.0 });
    let s = StepDecay::new(2.0, Vec::new(), 0.5);
    assert_rates("StepDecay []", &s, &[0, 4, 5, 100], |_| 2.0);
}

#[test]
fn cosine_follows_the_lecture_formula_then_stays_at_the_end() {
    let (a0, total) = (0.1, 1000usize);
    let s = Cosine::new(a0, total);
    let formula = |t: usize| a0 / 2.0 * (1.0 + (t as f64 * PI / total as f64).cos());
    assert_rates("Cosine", &s, &[0, 1, 333, 500, 999, 1000], formula);
    assert_eq!(s.lr(0), a0);
    assert!((s.lr(500) - a0 / 2.0).abs() < 1e-15);
    assert_eq!(s.lr(total), 0.0);
    // After T: constant at the final value (PyTorch would climb back up).
    assert_rates("Cosine after T", &s, &[1001, 2000, 10_000], |_| 0.0);
}

#[test]
fn cosine_with_min_lr_is_pytorch_eta_min() {
    let (a0, m, total) = (0.1, 0.001, 200usize);
    let s = Cosine::new(a0, total).min_lr(m);
    let formula = |t: usize| m + (a0 - m) / 2.0 * (1.0 + (t.min(total) as f64 * PI / total as f64).cos());
    assert_rates("Cosine min_lr", &s, &steps_around(total), formula);
    assert_eq!(s.lr(total), m);
    assert_eq!(s.lr(5 * total), m);
}

#[test]
fn linear_decay_reaches_zero_at_t_and_stays() {
    let (a0, total) = (0.1, 1000usize);
    let s = LinearDecay::new(a0, total);
    let formula = |t: usize| if t <= total { a0 * (1.0 - t as f64 / total as f64) } else { 0.0 };
    assert_rates("LinearDecay", &s, &steps_around(total), formula);
    assert_eq!(s.lr(total), 0.0);
    assert_eq!(s.lr(total + 1), 0.0);

    let s = LinearDecay::new(a0, total).min_lr(0.01);
    let formula = |t: usize| 0.01 + (a0 - 0.01) * (1.0 - t.min(total) as f64 / total as f64);
    assert_rates("LinearDecay min_lr", &s, &steps_around(total), formula);
}

#[test]
fn inverse_sqrt_follows_the_formula_and_gives_step_0_the_initial_rate() {
    let a0 = 0.1;
    let s = InverseSqrt::new(a0);
    assert_rates("InverseSqrt", &s, &[1, 2, 4, 100, 999, 1000, 1_000_000], |t| a0 / (t as f64).sqrt());
    assert_eq!(s.lr(0), a0); // max(t, 1): step 0 has the rate of step 1
    assert_eq!(s.lr(100), a0 / 10.0);

    // With a timescale k: a0 * sqrt(k / (t + k)).
    let s = InverseSqrt::new(a0).timescale(100);
    assert_rates("InverseSqrt timescale", &s, &[0, 1, 50, 100, 300, 10_000], |t| {
        a0 * (100.0 / (t as f64 + 100.0)).sqrt()
    });
    assert_eq!(s.lr(0), a0);
}

#[test]
fn warmup_rises_linearly_to_the_inner_start_then_follows_it() {
    let (w, a0, total) = (100usize, 0.1, 900usize);
    let s = Warmup::new(w, Cosine::new(a0, total));
    let formula = |t: usize| {
        if t < w {
            a0 * (t + 1) as f64 / w as f64
        } else {
            a0 / 2.0 * (1.0 + ((t - w).min(total) as f64 * PI / total as f64).cos())
        }
    };
    assert_rates("Warmup+Cosine", &s, &[0, 1, 49, 98, 99, 100, 101, 550, 999, 1000, 1001, 5000], formula);
    assert_eq!(s.lr(0), a0 / 100.0);
    assert!((s.lr(w - 1) - a0).abs() < 1e-15); // the top, reached at the last warmup step
    assert_eq!(s.lr(w), a0); // the inner schedule's step 0
    assert_eq!(s.lr(w + total), 0.0);
    // Strictly increasing during the warmup, never 0.
    assert!((1..w).all(|t| s.lr(t) > s.lr(t - 1)));
    assert!(s.lr(0) > 0.0);
    assert_eq!(s.inner(), &Cosine::new(a0, total));
}

#[test]
fn warmup_wraps_any_schedule() {
    // Step decay: the warmup climbs to the inner rate at its step 0.
    let s = Warmup::new(10, StepDecay::new(1.0, [20, 40], 0.1));
    let formula = |t: usize| match t {
        0..=9 => (t + 1) as f64 / 10.0,
        10..=29 => 1.0,
        30..=49 => 0.1,
        _ => 0.01,
    };
    assert_rates("Warmup+StepDecay", &s, &[0, 4, 9, 10, 29, 30, 49, 50, 1000], formula);

    // Constant: the classic "warmup then hold".
    let s = Warmup::new(4, Constant::new(0.2));
    let rates: Vec<f64> = (0..7).map(|t| s.lr(t)).collect();
    let expected = [0.05, 0.1, 0.15, 0.2, 0.2, 0.2, 0.2];
    for (t, (r, e)) in rates.iter().zip(expected).enumerate() {
        assert!((r - e).abs() < 1e-15, "Warmup+Constant lr({t}) = {r}, expected {e}");
    }

    // Inverse sqrt with the warmup as timescale: fairseq's a0 * sqrt(W / t) for t >= W.
    let s = Warmup::new(100, InverseSqrt::new(0.1).timescale(100));
    assert_rates("Warmup+InverseSqrt", &s, &[100, 101, 400, 999, 10_000], |t| 0.1 * (100.0 / t as f64).sqrt());

    // A warmup of 0 steps is the inner schedule.
    let s = Warmup::new(0, LinearDecay::new(1.0, 10));
    assert_rates("Warmup(0)", &s, &[0, 5, 10], |t| 1.0 - t as f64 / 10.0);

    // Warmups nest: the outer one climbs to the inner warmup's first rate.
    let s = Warmup::new(2, Warmup::new(2, Constant::new(1.0)));
    let rates: Vec<f64> = (0..5).map(|t| s.lr(t)).collect();
    assert_eq!(rates, [0.25, 0.5, 0.5, 1.0, 1.0]);
}

#[test]
fn sequence_runs_the_second_schedule_from_its_own_step_0() {
    let s = Sequence::new(Constant::new(0.1), 100, LinearDecay::new(0.1, 100));
    let formula = |t: usize| if t < 100 { 0.1 } else { 0.1 * (1.0 - (t - 100).min(100) as f64 / 100.0) };
    assert_rates("Sequence", &s, &[0, 99, 100, 101, 150, 199, 200, 1000], formula);

    // `then` builds the same thing, and chains.
    let chained = Constant::new(0.1).then(100, LinearDecay::new(0.1, 100));
    assert_eq!(chained, s);
    let three = Constant::new(1.0).then(10, Constant::new(2.0)).then(30, Constant::new(3.0));
    assert_rates("Sequence of three", &three, &[0, 9, 10, 29, 30, 1000], |t| match t {
        0..=9 => 1.0,
        10..=29 => 2.0,
        _ => 3.0,
    });

    // After the warmup, a warmup is a sequence: the inner schedule from its step 0.
    let warm = Warmup::new(5, Cosine::new(1.0, 20));
    let seq = Constant::new(1.0).then(5, Cosine::new(1.0, 20));
    assert_rates("Warmup as a sequence", &warm, &[5, 6, 15, 25, 30], |t| seq.lr(t));
    // 0 steps of the first schedule is the second one.
    let s = Constant::new(9.0).then(0, Constant::new(1.0));
    assert_eq!(s.lr(0), 1.0);
}

#[test]
fn scaled_multiplies_every_rate() {
    let inner = Warmup::new(10, Cosine::new(0.1, 90));
    let s = inner.clone().scaled(4.0);
    assert_rates("Scaled", &s, &[0, 5, 9, 10, 50, 99, 100, 500], |t| 4.0 * inner.lr(t));
    assert_eq!(s, Scaled::new(inner, 4.0));
}

#[test]
fn linear_scaling_rule() {
    // Goyal et al.: 0.1 for 256 images per batch, 8192 per batch -> 3.2.
    assert!((scale_lr_for_batch(0.1, 256, 8192) - 3.2).abs() < 1e-15);
    assert_eq!(scale_lr_for_batch(0.1, 32, 32), 0.1);
    assert_eq!(scale_lr_for_batch(0.5, 128, 32), 0.125);
    // Batch times N, rate times N, for any N.
    for n in [1usize, 2, 3, 7, 64] {
        let lr = scale_lr_for_batch(0.01, 16, 16 * n);
        assert!((lr - 0.01 * n as f64).abs() < 1e-15, "N = {n}: {lr}");
    }
    // Applied to a whole schedule.
    let s = Cosine::new(0.1, 100).scaled(scale_lr_for_batch(1.0, 256, 1024));
    assert!((s.lr(0) - 0.4).abs() < 1e-15);
}

#[test]
fn references_and_boxes_are_schedules() {
    fn rate_at(s: impl Schedule, t: usize) -> f64 {
        s.lr(t)
    }
    let cosine = Cosine::new(1.0, 10);
    assert_eq!(rate_at(&cosine, 10), 0.0);
    let double: &&Cosine = &&cosine;
    assert_eq!(rate_at(double, 0), 1.0);

    let all: Vec<Box<dyn Schedule>> = vec![
        Box::new(Constant::new(1.0)),
        StepDecay::new(1.0, [1], 0.5).boxed(),
        Cosine::new(1.0, 2).boxed(),
        LinearDecay::new(1.0, 2).boxed(),
        InverseSqrt::new(1.0).boxed(),
        Warmup::new(2, Constant::new(1.0)).boxed(),
    ];
    let at_1: Vec<f64> = all.iter().map(|s| s.lr(1)).collect();
    assert!((at_1[2] - 0.5).abs() < 1e-15);
    assert_eq!([at_1[0], at_1[1], at_1[3], at_1[4], at_1[5]], [1.0, 0.5, 0.5, 1.0, 1.0]);

    // A boxed schedule composes like any other, including a trait object.
    let dynamic: Box<dyn Schedule> = Box::new(Cosine::new(1.0, 10));
    let warm = Warmup::new(2, dynamic);
    assert_eq!(warm.lr(0), 0.5);
    let by_ref: &dyn Schedule = &cosine;
    assert_eq!(Warmup::new(2, by_ref).lr(12), 0.0);
}

/// Every schedule of this file in one list, for the purity checks.
fn all_schedules() -> Vec<(&'static str, Box<dyn Schedule>)> {
    vec![
        ("constant", Constant::new(0.1).boxed()),
        ("step", StepDecay::new(0.1, [300, 600, 900], 0.1).boxed()),
        ("cosine", Cosine::new(0.1, 1000).min_lr(1e-4).boxed()),
        ("linear", LinearDecay::new(0.1, 1000).boxed()),
        ("inverse sqrt", InverseSqrt::new(0.1).boxed()),
        ("warmup+cosine", Warmup::new(100, Cosine::new(0.1, 900)).boxed()),
        ("warmup+inverse sqrt", Warmup::new(100, InverseSqrt::new(0.1).timescale(100)).boxed()),
        ("sequence", Constant::new(0.1).then(500, LinearDecay::new(0.1, 500)).scaled(2.0).boxed()),
    ]
}

#[test]
fn a_schedule_is_a_pure_function_of_the_step() {
    for (name, s) in all_schedules() {
        let forward: Vec<f64> = (0..1200).map(|t| s.lr(t)).collect();
        // Backwards, and in a scrambled order, twice: the same values.
        let backward: Vec<f64> = (0..1200).rev().map(|t| s.lr(t)).collect();
        assert!(forward.iter().eq(backward.iter().rev()), "{name}: order changed the rates");
        for _ in 0..2 {
            for t in (0..1200).map(|i| (i * 7919) % 1200) {
                assert_eq!(s.lr(t).to_bits(), forward[t].to_bits(), "{name}: lr({t}) changed");
            }
        }
    }
}

#[test]
fn resuming_at_step_t_gives_the_same_sequence_as_running_from_0() {
    for (name, s) in all_schedules() {
        let from_start: Vec<f64> = (0..1200).map(|t| s.lr(t)).collect();
        for resume_at in [1usize, 99, 100, 101, 450, 1000] {
            // A fresh value, built after a "restart", asked from `resume_at` on.
            let (_, restarted) = all_schedules().into_iter().find(|(n, _)| *n == name).unwrap();
            let resumed: Vec<f64> = (resume_at..1200).map(|t| restarted.lr(t)).collect();
            assert_eq!(resumed, from_start[resume_at..], "{name}: resuming at {resume_at}");
        }
    }
}

#[test]
fn schedules_are_clone_and_debug() {
    let s = Warmup::new(10, Cosine::new(0.1, 90).min_lr(0.01));
    let copy = s.clone();
    assert_eq!(copy, s);
    let text = format!("{s:?}");
    assert!(text.contains("Warmup") && text.contains("Cosine") && text.contains("min_lr"), "{text}");
    let step = StepDecay::new(0.1, [1, 2], 0.5);
    assert_eq!(step.clone(), step);
    assert!(format!("{:?}", InverseSqrt::new(1.0).timescale(3)).contains("timescale: 3"));
}

#[test]
#[should_panic(expected = "Constant: learning rate must be finite and >= 0, got -0.1")]
fn constant_rejects_a_negative_rate() {
    Constant::new(-0.1);
}

#[test]
#[should_panic(expected = "Cosine: learning rate must be finite and >= 0, got NaN")]
fn cosine_rejects_nan() {
    Cosine::new(f64::NAN, 10);
}

#[test]
#[should_panic(expected = "Cosine: total_steps must be > 0")]
fn cosine_rejects_zero_steps() {
    Cosine::new(0.1, 0);
}

#[test]
#[should_panic(expected = "Cosine: min_lr (0.2) must not exceed the initial rate (0.1)")]
fn cosine_rejects_min_lr_above_the_start() {
    let _ = Cosine::new(0.1, 10).min_lr(0.2);
}

#[test]
#[should_panic(expected = "LinearDecay: total_steps must be > 0")]
fn linear_decay_rejects_zero_steps() {
    LinearDecay::new(0.1, 0);
}

#[test]
#[should_panic(expected = "LinearDecay: min_lr must be finite and >= 0, got -1")]
fn linear_decay_rejects_a_negative_min_lr() {
    let _ = LinearDecay::new(0.1, 10).min_lr(-1.0);
}

#[test]
#[should_panic(expected = "InverseSqrt: learning rate must be finite and >= 0, got inf")]
fn inverse_sqrt_rejects_infinity() {
    InverseSqrt::new(f64::INFINITY);
}

#[test]
#[should_panic(expected = "StepDecay: gamma must be finite and > 0, got 0")]
fn step_decay_rejects_zero_gamma() {
    StepDecay::new(0.1, [30, 60], 0.0);
}

#[test]
#[should_panic(expected = "StepDecay: gamma must be finite and > 0, got -0.1")]
fn step_decay_rejects_negative_gamma() {
    StepDecay::new(0.1, [30, 60], -0.1);
}

#[test]
#[should_panic(expected = "StepDecay: milestones must be strictly increasing, got [60, 30, 90]")]
fn step_decay_rejects_unsorted_milestones() {
    StepDecay::new(0.1, [60, 30, 90], 0.1);
}

#[test]
#[should_panic(expected = "StepDecay: milestones must be strictly increasing, got [30, 30]")]
fn step_decay_rejects_repeated_milestones() {
    StepDecay::new(0.1, vec![30, 30], 0.1);
}

#[test]
#[should_panic(expected = "StepDecay: learning rate must be finite and >= 0, got -1")]
fn step_decay_rejects_a_negative_rate() {
    StepDecay::new(-1.0, [1], 0.1);
}

#[test]
#[should_panic(expected = "Scaled: factor must be finite and >= 0, got -2")]
fn scaled_rejects_a_negative_factor() {
    let _ = Constant::new(0.1).scaled(-2.0);
}

#[test]
#[should_panic(expected = "scale_lr_for_batch: batch sizes must be > 0, got 0 and 32")]
fn scaling_rule_rejects_an_empty_batch() {
    scale_lr_for_batch(0.1, 0, 32);
}

#[test]
#[should_panic(expected = "scale_lr_for_batch: base learning rate must be finite and >= 0, got -0.1")]
fn scaling_rule_rejects_a_negative_rate() {
    scale_lr_for_batch(-0.1, 32, 64);
}
