//! How the data module behaves: seeds reproduce data and batches bit for bit,
//! an epoch visits every example once, splits are disjoint, standardizing uses
//! the training statistics, and each toy data set has the geometry it claims.

use std::collections::BTreeSet;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Batch, DataError, Dataset, toy};
use tapegrad::{Float, Tensor};

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// The bit patterns of a tensor's elements, so that equality means identical
/// (`-0.0 != 0.0`, NaN equals itself).
fn bits<T: Float>(t: &Tensor<T>) -> Vec<u64> {
    t.data().iter().map(|v| v.to_f64().to_bits()).collect()
}

fn same_bits<T: Float>(a: &Tensor<T>, b: &Tensor<T>) -> bool {
    a.shape() == b.shape() && bits(a) == bits(b)
}

/// A data set whose row `i` is `[i, 100 + i]` with target `i`, so every row
/// names the example it came from.
fn numbered(n: usize) -> Dataset {
    let x = Tensor::from_fn([n, 2], |k| if k % 2 == 0 { (k / 2) as f32 } else { 100.0 + (k / 2) as f32 });
    let y = Tensor::from_fn([n], |i| i as f32);
    Dataset::new(x, y).unwrap()
}

/// The example indices a batch holds, read back from the `numbered` targets.
fn ids(batch: &Batch) -> Vec<usize> {
    batch.y.data().iter().map(|&v| v as usize).collect()
}

fn all_generators(seed: u64) -> Vec<Dataset> {
    let mut r = rng(seed);
    vec![
        toy::moons(101, 0.1, &mut r),
        toy::circles(101, 0.05, 0.5, &mut r),
        toy::spirals(40, 3, 0.2, &mut r),
        toy::xor(101, 0.3, &mut r),
        toy::blobs(30, &[&[0.0, 0.0, 1.0], &[4.0, 4.0, 4.0]], 1.0, &mut r),
        toy::sine(101, 0.1, &mut r),
    ]
}

// ---- determinism -----------------------------------------------------------

#[test]
fn the_same_seed_gives_identical_data_sets() {
    for (a, b) in all_generators(42).iter().zip(&all_generators(42)) {
        assert!(same_bits(a.x(), b.x()) && same_bits(a.y(), b.y()));
    }
}

#[test]
fn different_seeds_give_different_data_sets() {
    for (a, b) in all_generators(1).iter().zip(&all_generators(2)) {
        assert!(!same_bits(a.x(), b.x()));
    }
}

#[test]
fn the_same_seed_gives_identical_batch_sequences() {
    let data: Dataset = toy::moons(50, 0.1, &mut rng(0));
    let epochs = |seed| {
        let mut r = rng(seed);
        (0..3).flat_map(|_| data.batches(8, &mut r).collect::<Vec<_>>()).collect::<Vec<_>>()
    };
    let (first, second) = (epochs(5), epochs(5));
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert!(same_bits(&a.x, &b.x) && same_bits(&a.y, &b.y));
    }
    let other = epochs(6);
    assert!(first.iter().zip(&other).any(|(a, b)| !same_bits(&a.x, &b.x)));
}

// ---- batches ---------------------------------------------------------------

#[test]
fn an_epoch_covers_every_example_exactly_once() {
    let data = numbered(23);
    let batches = data.batches(5, &mut rng(3));
    let order = batches.indices().to_vec();
    let mut sorted = order.clone();
    sorted.sort_unstable();
    assert_eq!(sorted, (0..23).collect::<Vec<_>>(), "indices() is a permutation");

    let seen: Vec<usize> = batches.flat_map(|b| ids(&b)).collect();
    assert_eq!(seen, order, "the batches follow indices() in order");
}

#[test]
fn batch_contents_are_the_gathered_rows_of_the_epoch_order() {
    let data: Dataset = toy::blobs(7, &[&[0.0, 1.0], &[5.0, 5.0], &[-3.0, 2.0]], 0.5, &mut rng(8));
    let batches = data.batches(4, &mut rng(9));
    let order = batches.indices().to_vec();
    for (k, batch) in batches.enumerate() {
        let expected = data.gather(&order[k * 4..((k + 1) * 4).min(order.len())]);
        assert!(same_bits(&batch.x, &expected.x) && same_bits(&batch.y, &expected.y), "batch {k}");
    }
}

#[test]
fn the_last_short_batch_is_kept_unless_dropped() {
    let data = numbered(10);
    let kept = data.batches(4, &mut rng(0));
    assert_eq!(kept.len(), 3);
    assert_eq!(kept.map(|b| b.len()).collect::<Vec<_>>(), [4, 4, 2]);

    let dropped = data.batches(4, &mut rng(0)).drop_last();
    assert_eq!(dropped.len(), 2);
    assert_eq!(dropped.map(|b| b.x.shape()[0]).collect::<Vec<_>>(), [4, 4]);

    // When the batch size divides the data set, drop_last drops nothing.
    assert_eq!(numbered(8).batches(4, &mut rng(0)).drop_last().count(), 2);
}

#[test]
fn the_iterator_reports_how_many_batches_remain() {
    let data = numbered(10);
    let mut batches = data.batches(3, &mut rng(0));
    assert_eq!(batches.len(), 4);
    batches.next();
    assert_eq!(batches.size_hint(), (3, Some(3)));
    assert_eq!(batches.by_ref().count(), 3);
    assert!(batches.next().is_none());
}

#[test]
fn consecutive_epochs_with_one_rng_are_shuffled_differently() {
    let data = numbered(30);
    let mut r = rng(11);
    let first = data.batches(30, &mut r).indices().to_vec();
    let second = data.batches(30, &mut r).indices().to_vec();
    assert_ne!(first, second);
}

#[test]
fn batches_keep_the_shape_of_the_targets() {
    let x = Tensor::<f32>::zeros([6, 3]);
    let y = Tensor::from_fn([6, 2, 2], |i| i as f32);
    let data = Dataset::new(x, y).unwrap();
    let batch = data.batches(4, &mut rng(0)).next().unwrap();
    assert_eq!((batch.x.shape(), batch.y.shape()), (&[4, 3][..], &[4, 2, 2][..]));
}

#[test]
#[should_panic(expected = "batch_size must be at least 1")]
fn a_batch_size_of_zero_is_refused() {
    numbered(4).batches(0, &mut rng(0));
}

#[test]
#[should_panic(expected = "index 4 is out of range for a data set of 4 examples")]
fn gather_names_an_index_out_of_range() {
    numbered(4).gather(&[0, 4]);
}

// ---- split and standardize -------------------------------------------------

#[test]
fn split_puts_every_example_on_exactly_one_side() {
    let data = numbered(50);
    let (train, test) = data.split(0.2, &mut rng(4));
    assert_eq!((train.len(), test.len()), (40, 10));

    let all = |d: &Dataset| data_ids(d);
    let (a, b) = (all(&train), all(&test));
    assert!(a.is_disjoint(&b));
    assert_eq!(a.union(&b).copied().collect::<Vec<_>>(), (0..50).collect::<Vec<_>>());
    // Rows stay whole: x still matches the target it came with.
    for d in [&train, &test] {
        for (row, &id) in d.x().data().chunks(2).zip(d.y().data()) {
            assert_eq!(row, [id, 100.0 + id]);
        }
    }
}

fn data_ids(d: &Dataset) -> BTreeSet<usize> {
    d.y().data().iter().map(|&v| v as usize).collect()
}

#[test]
fn split_fractions_of_zero_and_one_leave_one_side_empty() {
    let data = numbered(7);
    let (train, test) = data.split(0.0, &mut rng(0));
    assert_eq!((train.len(), test.len()), (7, 0));
    let (train, test) = data.split(1.0, &mut rng(0));
    assert_eq!((train.len(), test.len()), (0, 7));
    assert_eq!(train.x().shape(), &[0, 2]);
}

#[test]
#[should_panic(expected = "test_fraction must be in [0, 1], got 1.5")]
fn split_refuses_a_fraction_above_one() {
    numbered(4).split(1.5, &mut rng(0));
}

#[test]
fn the_standardizer_fits_the_train_set_and_applies_it_to_the_test_set() {
    let mut r = rng(21);
    let data: Dataset = toy::blobs(200, &[&[3.0, -20.0], &[5.0, -10.0]], 2.0, &mut r);
    let (mut train, mut test) = data.split(0.25, &mut r);
    let original_test = test.clone();
    let scaler = train.standardizer();
    scaler.apply(&mut train);
    scaler.apply(&mut test);

    for j in 0..2 {
        let column: Vec<f64> = train.x().data().iter().skip(j).step_by(2).map(|&v| v as f64).collect();
        let mean = column.iter().sum::<f64>() / column.len() as f64;
        let var = column.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / column.len() as f64;
        assert!(mean.abs() < 1e-5, "feature {j}: mean {mean}");
        assert!((var.sqrt() - 1.0).abs() < 1e-5, "feature {j}: std {}", var.sqrt());
    }
    // The test set moved by the training statistics, not its own.
    for (k, (&after, &before)) in test.x().data().iter().zip(original_test.x().data()).enumerate() {
        let j = k % 2;
        assert_eq!(after, (before - scaler.mean()[j]) / scaler.std()[j]);
    }
    assert_eq!(test.y(), original_test.y(), "targets are not standardized");
}

#[test]
fn a_constant_feature_is_centred_but_not_scaled() {
    let x = Tensor::from_vec(vec![1.0f64, 5.0, 2.0, 5.0, 3.0, 5.0], [3, 2]);
    let mut data = Dataset::new(x, Tensor::zeros([3])).unwrap();
    let scaler = data.standardizer();
    assert_eq!(scaler.mean(), &[2.0, 5.0]);
    assert_eq!(scaler.std()[1], 1.0);
    scaler.apply(&mut data);
    assert!(data.x().data().iter().all(|v| v.is_finite()));
}

#[test]
#[should_panic(expected = "fitted on 2 features, cannot apply to inputs of shape [4, 3]")]
fn the_standardizer_refuses_a_different_feature_count() {
    let scaler = numbered(5).standardizer();
    scaler.apply_tensor(&mut Tensor::zeros([4, 3]));
}

// ---- Dataset::new ----------------------------------------------------------

#[test]
fn new_refuses_different_example_counts_and_names_the_shapes() {
    let err = Dataset::new(Tensor::<f32>::zeros([5, 2]), Tensor::zeros([4, 1])).unwrap_err();
    assert!(matches!(err, DataError::ExampleCountMismatch { .. }));
    assert_eq!(err.to_string(), "x has shape [5, 2] (5 examples) but y has shape [4, 1] (4 examples)");
}

#[test]
fn new_refuses_inputs_that_are_not_a_matrix() {
    let err = Dataset::new(Tensor::<f32>::zeros([6]), Tensor::zeros([6])).unwrap_err();
    assert_eq!(err.to_string(), "x must be 2-D [N, D], but has shape [6]");
    let err = Dataset::new(Tensor::<f32>::zeros([2, 3, 4]), Tensor::zeros([2])).unwrap_err();
    assert!(err.to_string().contains("[2, 3, 4]"));
}

#[test]
fn new_refuses_scalar_targets() {
    let err = Dataset::new(Tensor::<f32>::zeros([1, 2]), Tensor::scalar(0.0)).unwrap_err();
    assert_eq!(err, DataError::YScalar { y: Default::default() });
    assert!(err.to_string().contains("has shape []"));
}

// ---- toy data sets ---------------------------------------------------------

#[test]
fn moons_are_balanced_and_lie_in_their_box() {
    let data: Dataset = toy::moons(201, 0.1, &mut rng(0));
    assert_eq!((data.x().shape(), data.y().shape()), (&[201, 2][..], &[201, 1][..]));
    let inner = data.y().data().iter().filter(|&&l| l == 1.0).count();
    assert_eq!((201 - inner, inner), (100, 101), "n / 2 rounded down on the outer moon");
    // Without noise x is in [-1, 2] and y in [-0.5, 1]; noise 0.1 stays
    // within 0.6 of that box (six standard deviations).
    for p in data.x().data().chunks(2) {
        assert!((-1.6..=2.6).contains(&p[0]) && (-1.1..=1.6).contains(&p[1]), "{p:?}");
    }
}

#[test]
fn noiseless_moons_lie_on_their_half_circles() {
    let data = toy::moons::<f64, _>(40, 0.0, &mut rng(1));
    for (p, &label) in data.x().data().chunks(2).zip(data.y().data()) {
        let (cx, cy) = if label == 0.0 { (0.0, 0.0) } else { (1.0, 0.5) };
        let radius = ((p[0] - cx).powi(2) + (p[1] - cy).powi(2)).sqrt();
        assert!((radius - 1.0).abs() < 1e-12);
        // The outer moon is the upper half, the inner one the lower half.
        assert!(if label == 0.0 { p[1] >= -1e-12 } else { p[1] <= 0.5 + 1e-12 });
    }
}

#[test]
fn noiseless_circles_have_radius_one_and_factor() {
    let data = toy::circles::<f64, _>(60, 0.0, 0.3, &mut rng(2));
    let mut count = [0; 2];
    for (p, &label) in data.x().data().chunks(2).zip(data.y().data()) {
        let radius = p[0].hypot(p[1]);
        let expected = if label == 0.0 { 1.0 } else { 0.3 };
        assert!((radius - expected).abs() < 1e-12, "label {label}: radius {radius}");
        count[label as usize] += 1;
    }
    assert_eq!(count, [30, 30]);
}

#[test]
fn spirals_have_one_label_per_class_with_n_per_class_points() {
    let data: Dataset = toy::spirals(50, 4, 0.2, &mut rng(3));
    assert_eq!((data.x().shape(), data.y().shape()), (&[200, 2][..], &[200][..]));
    let mut count = [0; 4];
    for &label in data.y().data() {
        count[label as usize] += 1;
    }
    assert_eq!(count, [50; 4]);
    // Radii run from 0 to 1 whatever the angle noise.
    assert!(data.x().data().chunks(2).all(|p| p[0].hypot(p[1]) <= 1.0 + 1e-6));
}

#[test]
fn xor_labels_follow_the_sign_rule_when_the_noise_is_small() {
    let data: Dataset = toy::xor(400, 0.1, &mut rng(4));
    for (p, &label) in data.x().data().chunks(2).zip(data.y().data()) {
        let signs_differ = (p[0] < 0.0) != (p[1] < 0.0);
        assert_eq!(label, if signs_differ { 1.0 } else { 0.0 }, "{p:?}");
    }
    assert_eq!(data.y().data().iter().filter(|&&l| l == 1.0).count(), 200);
}

#[test]
fn blobs_gather_around_their_centres() {
    let centers: &[&[f64]] = &[&[10.0, 0.0], &[-10.0, 0.0], &[0.0, 10.0]];
    let data: Dataset = toy::blobs(100, centers, 1.0, &mut rng(5));
    assert_eq!((data.x().shape(), data.y().shape()), (&[300, 2][..], &[300][..]));
    for (p, &label) in data.x().data().chunks(2).zip(data.y().data()) {
        let c = centers[label as usize];
        assert!(((p[0] as f64 - c[0]).powi(2) + (p[1] as f64 - c[1]).powi(2)).sqrt() < 6.0);
    }
}

#[test]
#[should_panic(expected = "blob 1 has 3 coordinates but that of blob 0 has 2")]
fn blobs_refuse_centres_of_different_dimensions() {
    toy::blobs::<f32, _>(5, &[&[0.0, 0.0], &[1.0, 1.0, 1.0]], 1.0, &mut rng(0));
}

#[test]
fn noiseless_sine_targets_are_the_sine_of_the_inputs() {
    let data: Dataset = toy::sine(100, 0.0, &mut rng(6));
    assert_eq!((data.x().shape(), data.y().shape()), (&[100, 1][..], &[100, 1][..]));
    for (&x, &y) in data.x().data().iter().zip(data.y().data()) {
        assert!((-std::f32::consts::PI..std::f32::consts::PI + 1e-6).contains(&x));
        assert!((x.sin() - y).abs() < 1e-6, "sin({x}) = {}, y = {y}", x.sin());
    }
}

#[test]
fn generators_work_in_f64_and_f32_is_the_same_data_rounded() {
    let wide = toy::spirals::<f64, _>(30, 3, 0.2, &mut rng(7));
    let narrow = toy::spirals::<f32, _>(30, 3, 0.2, &mut rng(7));
    assert!(same_bits(&wide.x().cast::<f32>(), narrow.x()));
    assert!(same_bits(&wide.y().cast::<f32>(), narrow.y()));

    let data = toy::moons::<f64, _>(64, 0.1, &mut rng(8));
    let (train, _test) = data.split(0.5, &mut rng(9));
    let batch = train.batches(10, &mut rng(10)).next().unwrap();
    assert_eq!(batch.x.shape(), &[10, 2]);
}

#[test]
#[should_panic(expected = "moons: noise must be finite and non-negative, got -0.1")]
fn a_negative_noise_is_refused() {
    toy::moons::<f32, _>(10, -0.1, &mut rng(0));
}

#[test]
#[should_panic(expected = "circles: noise must be finite and non-negative, got NaN")]
fn a_nan_noise_is_refused() {
    toy::circles::<f32, _>(10, f64::NAN, 0.5, &mut rng(0));
}

#[test]
fn split_sizes_round_instead_of_growing_on_floating_point_dust() {
    // 0.07 * 100 is 7.000000000000001 in f64.
    let (train, test) = numbered(100).split(0.07, &mut rng(0));
    assert_eq!((train.len(), test.len()), (93, 7));
}
