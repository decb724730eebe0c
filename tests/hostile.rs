//! Hostile input: random, truncated and bit-flipped files never crash the
//! loaders and never load silently wrong weights; random broadcastable shape
//! pairs give gradients of the inputs' shapes that pass a gradient check.

use proptest::prelude::*;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::io::{checkpoint_to_bytes, load_checkpoint_bytes, load_weights_bytes, weights_to_bytes};
use tapegrad::nn::{Activation, Mlp, Module, loss};
use tapegrad::optim::{Adam, Optimizer};
use tapegrad::{Tape, Tensor, check_gradients};

fn model(seed: u64) -> Mlp {
    Mlp::new(&[3, 4, 2], Activation::Relu, &mut StdRng::seed_from_u64(seed))
}

fn values(m: &Mlp) -> Vec<Tensor> {
    m.params().map(|p| p.value().clone()).collect()
}

/// A saved model and an Adam checkpoint with state, made once.
fn files() -> (Vec<Tensor>, Vec<u8>, Vec<u8>) {
    let mut m = model(1);
    let mut opt = Adam::new(0.01);
    let tape = Tape::new();
    let out = m.forward(tape.constant(Tensor::ones([2, 3])));
    let grads = loss::mse_loss(out, tape.constant(Tensor::zeros([2, 2]))).backward();
    opt.step(&mut m, &grads);
    (values(&m), weights_to_bytes(&m).unwrap(), checkpoint_to_bytes(&m, &opt, 1).unwrap())
}

/// Loads `bytes` as weights and as a checkpoint into fresh objects: it must
/// not panic, a failed load must leave the model alone, and whatever loads
/// must be exactly the saved weights.
fn load_both(bytes: &[u8], saved: &[Tensor]) {
    let mut m = model(2);
    let untouched = values(&m);
    match load_weights_bytes(&mut m, bytes) {
        Ok(()) => assert_eq!(values(&m), saved, "a damaged file loaded different weights"),
        Err(_) => assert_eq!(values(&m), untouched, "a failed load changed the model"),
    }
    let mut m = model(3);
    let untouched = values(&m);
    match load_checkpoint_bytes(&mut m, &mut Adam::new(0.5), bytes) {
        Ok(_) => assert_eq!(values(&m), saved, "a damaged checkpoint loaded different weights"),
        Err(_) => assert_eq!(values(&m), untouched, "a failed load changed the model"),
    }
}

proptest! {
    // 256 cases each by default; PROPTEST_CASES=20000 runs longer.
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256),
        ..ProptestConfig::default()
    })]

    #[test]
    fn random_bytes_are_rejected(bytes in proptest::collection::vec(any::<u8>(), 0..600)) {
        let (saved, _, _) = files();
        load_both(&bytes, &saved);
        let mut m = model(2);
        prop_assert!(load_weights_bytes(&mut m, &bytes).is_err());
    }

    #[test]
    fn truncated_files_are_rejected(cut in 0usize..10_000) {
        let (saved, weights, checkpoint) = files();
        for file in [&weights, &checkpoint] {
            let cut = cut % file.len();
            load_both(&file[..cut], &saved);
            let mut m = model(2);
            prop_assert!(load_weights_bytes(&mut m, &file[..cut]).is_err());
        }
    }

    #[test]
    fn a_flipped_bit_never_loads_wrong_weights(at in any::<usize>(), bit in 0u8..8) {
        let (saved, weights, checkpoint) = files();
        for file in [&weights, &checkpoint] {
            let mut damaged = file.clone();
            let at = at % damaged.len();
            damaged[at] ^= 1 << bit;
            load_both(&damaged, &saved);
            // In the data, a flip is always caught by the checksum.
            let header = 8 + u64::from_le_bytes(file[..8].try_into().unwrap()) as usize;
            if at >= header {
                prop_assert!(load_weights_bytes(&mut model(4), &damaged).is_err());
            }
        }
    }

    #[test]
    fn many_flipped_bits_never_panic(flips in proptest::collection::vec((any::<usize>(), 0u8..8), 2..8)) {
        // Several flips can damage the checksum's own key and the data at
        // once, which no checksum stored in the file can catch; the loaders
        // must still return normally, and a failed load must change nothing.
        let (_, weights, checkpoint) = files();
        for file in [&weights, &checkpoint] {
            let mut damaged = file.clone();
            for &(at, bit) in &flips {
                let at = at % damaged.len();
                damaged[at] ^= 1 << bit;
            }
            let mut m = model(2);
            let untouched = values(&m);
            if load_weights_bytes(&mut m, &damaged).is_err() {
                prop_assert_eq!(values(&m), untouched);
            }
            let _ = load_checkpoint_bytes(&mut model(3), &mut Adam::new(0.5), &damaged);
        }
    }

    #[test]
    fn broadcast_gradients_have_the_inputs_shapes_and_are_right(
        dims in proptest::collection::vec((1usize..4, 0u8..3), 0..4),
        extra in proptest::collection::vec(1usize..4, 0..2),
        op in 0u8..4,
        seed in any::<u64>(),
    ) {
        // Aligned axes: both sides have the extent, or one of them has 1.
        let mut a: Vec<usize> = dims.iter().map(|&(d, who)| if who == 1 { 1 } else { d }).collect();
        let b: Vec<usize> = dims.iter().map(|&(d, who)| if who == 2 { 1 } else { d }).collect();
        // Extra leading axes on one side only.
        a.splice(0..0, extra.iter().copied());
        let mut rng = StdRng::seed_from_u64(seed);
        let x = Tensor::<f64>::uniform(&a, 0.5, 1.5, &mut rng);
        let y = Tensor::<f64>::uniform(&b, 0.5, 1.5, &mut rng);
        for (first, second) in [(&x, &y), (&y, &x)] {
            let report = check_gradients(&Tape::new(), &[first.clone(), second.clone()], 1e-6, |_, v| match op {
                0 => v[0] + v[1],
                1 => v[0] - v[1],
                2 => v[0] * v[1],
                _ => v[0] / v[1],
            });
            prop_assert_eq!(report.inputs[0].analytic.shape(), first.shape());
            prop_assert_eq!(report.inputs[1].analytic.shape(), second.shape());
            prop_assert!(report.passes(1e-7, 1e-6), "{} {:?} {:?}: {}", op, first.shape(), second.shape(), report);
        }
    }
}
