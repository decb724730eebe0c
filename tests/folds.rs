//! Splits and folds: every example lands on exactly one side, stratified
//! ones keep each class's share, a seed gives the same indices, and tables
//! keep their names through them.

use std::collections::BTreeSet;

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Classification, Dataset, Fold, folds, sklearn};
use tapegrad::{Tensor, data::Regression};

fn rng(seed: u64) -> StdRng {
    StdRng::seed_from_u64(seed)
}

/// Labels with classes of 9, 18 and 3 examples, interleaved.
fn uneven_labels() -> Vec<usize> {
    (0..30)
        .map(|i| {
            if i % 10 == 9 {
                2
            } else if i % 3 == 0 {
                0
            } else {
                1
            }
        })
        .collect()
}

fn count(labels: &[usize], indices: &[usize], class: usize) -> usize {
    indices.iter().filter(|&&i| labels[i] == class).count()
}

fn assert_partition(n: usize, train: &[usize], test: &[usize]) {
    let all: BTreeSet<usize> = train.iter().chain(test).copied().collect();
    assert_eq!(train.len() + test.len(), n, "no index twice");
    assert_eq!(all, (0..n).collect(), "every index once");
}

fn assert_folds_cover(n: usize, k: usize, folds: &[Fold]) {
    assert_eq!(folds.len(), k);
    let mut tested = Vec::new();
    for fold in folds {
        assert_partition(n, &fold.train, &fold.test);
        assert!(fold.train.windows(2).all(|w| w[0] < w[1]) && fold.test.windows(2).all(|w| w[0] < w[1]));
        tested.extend_from_slice(&fold.test);
    }
    tested.sort();
    assert_eq!(tested, (0..n).collect::<Vec<_>>(), "each index is tested in exactly one fold");
    let sizes: Vec<usize> = folds.iter().map(|f| f.test.len()).collect();
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1, "{sizes:?}");
}

#[test]
fn a_stratified_split_keeps_each_classs_share_and_the_total() {
    let labels = uneven_labels();
    for seed in 0..20 {
        let (train, test) = folds::stratified_split(&labels, 0.3, &mut rng(seed));
        assert_partition(30, &train, &test);
        assert_eq!(test.len(), 9, "round(0.3 * 30)");
        // Shares 2.7, 5.4 and 0.9: floors 2, 5, 0, and the two left over
        // to the largest remainders (class 2's 0.9, class 0's 0.7).
        assert_eq!([0, 1, 2].map(|c| count(&labels, &test, c)), [3, 5, 1], "seed {seed}");
    }
}

#[test]
fn a_plain_split_can_miss_a_small_class_where_a_stratified_one_does_not() {
    let labels = uneven_labels();
    let misses = (0..200)
        .filter(|&seed| {
            let (_, test) = folds::split(labels.len(), 0.3, &mut rng(seed));
            count(&labels, &test, 2) == 0
        })
        .count();
    assert!(misses > 20, "class 2 (3 of 30 examples) is missing from the test side {misses} times of 200");
}

#[test]
fn stratified_folds_spread_every_class_evenly() {
    let labels = uneven_labels();
    let folds = folds::stratified_kfold(&labels, 3, &mut rng(1));
    assert_folds_cover(30, 3, &folds);
    for fold in &folds {
        assert_eq!(fold.test.len(), 10);
        assert_eq!([0, 1, 2].map(|c| count(&labels, &fold.test, c)), [3, 6, 1]);
    }
}

#[test]
fn plain_folds_cover_every_example_once_with_sizes_as_kfold() {
    let folds = folds::kfold(10, 3, &mut rng(0));
    assert_folds_cover(10, 3, &folds);
    assert_eq!(folds.iter().map(|f| f.test.len()).collect::<Vec<_>>(), [4, 3, 3]);
    assert_folds_cover(7, 7, &folds::kfold(7, 7, &mut rng(0)));
}

#[test]
fn the_same_seed_gives_the_same_indices() {
    let labels = uneven_labels();
    assert_eq!(
        folds::stratified_split(&labels, 0.25, &mut rng(4)),
        folds::stratified_split(&labels, 0.25, &mut rng(4))
    );
    assert_eq!(folds::stratified_kfold(&labels, 5, &mut rng(4)), folds::stratified_kfold(&labels, 5, &mut rng(4)));
    assert_ne!(folds::kfold(30, 5, &mut rng(4)), folds::kfold(30, 5, &mut rng(5)));
}

#[test]
fn dataset_split_draws_the_same_indices_as_folds_split() {
    let data =
        Dataset::new(Tensor::<f32>::from_fn([20, 1], |i| i as f32), Tensor::from_fn([20], |i| i as f32)).unwrap();
    let (train, test) = data.split(0.25, &mut rng(9));
    let (train_i, test_i) = folds::split(20, 0.25, &mut rng(9));
    let ids = |d: &Dataset| d.y().data().iter().map(|&v| v as usize).collect::<Vec<_>>();
    assert_eq!((ids(&train), ids(&test)), (train_i, test_i));
}

#[test]
fn tables_keep_their_names_through_splits_and_folds() {
    let wine: Classification = sklearn::wine();
    let (train, test) = wine.stratified_split(0.2, &mut rng(0));
    assert_eq!((train.len(), test.len()), (142, 36));
    assert_eq!(test.class_counts(), [12, 14, 10], "59, 71, 48 at 20%: 11.8, 14.2, 9.6 rounded by remainders");
    assert_eq!(test.class_names(), wine.class_names());
    assert_eq!(test.about().unwrap().name, "wine");
    for fold in wine.stratified_kfold(5, &mut rng(0)) {
        let side = wine.select(&fold.test);
        assert_eq!(side.feature_names(), wine.feature_names());
        assert!(side.class_counts().iter().zip(wine.class_counts()).all(|(&c, n)| c == n / 5 || c == n.div_ceil(5)));
    }
    let diabetes: Regression = sklearn::diabetes();
    let (train, test) = diabetes.split(0.2, &mut rng(0));
    assert_eq!((train.len(), test.len(), test.target_names()), (354, 88, diabetes.target_names()));
}

#[test]
#[should_panic(expected = "stratified_kfold: cannot make 31 folds of 30 examples; k must be in 2..=30")]
fn more_folds_than_examples_is_refused() {
    folds::stratified_kfold(&uneven_labels(), 31, &mut rng(0));
}

#[test]
#[should_panic(expected = "stratified_split: test_fraction must be in [0, 1], got -0.1")]
fn a_negative_fraction_is_refused() {
    folds::stratified_split(&uneven_labels(), -0.1, &mut rng(0));
}
