//! Which examples to train on and which to test on, as indices into a data
//! set (for [`Dataset::select`](crate::data::Dataset::select)): a shuffled
//! train/test split, a stratified one that keeps each class's share on both
//! sides, and `k` folds for cross-validation, plain or stratified.
//!
//! Every function draws from the caller's `Rng` in a fixed order, so a seed
//! gives the same indices on every run.
//!
//! ```
//! use rand::{SeedableRng, rngs::StdRng};
//! use tapegrad::data::folds;
//!
//! let labels = [0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1];
//! let mut rng = StdRng::seed_from_u64(0);
//! let (train, test) = folds::stratified_split(&labels, 0.25, &mut rng);
//! let ones = test.iter().filter(|&&i| labels[i] == 1).count();
//! assert_eq!((train.len(), test.len(), ones), (9, 3, 2));
//!
//! for fold in folds::stratified_kfold(&labels, 4, &mut rng) {
//!     assert_eq!(fold.test.len(), 3); // one 0 and two 1s in each
//!     assert_eq!(fold.train.len() + fold.test.len(), labels.len());
//! }
//! ```

use rand::Rng;
use rand::seq::SliceRandom;

/// One round of cross-validation: the examples to train on and those to
/// test on, each in increasing order; together they are every example once.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fold {
    /// Indices of the training examples.
    pub train: Vec<usize>,
    /// Indices of the test examples.
    pub test: Vec<usize>,
}

/// `0..n` shuffled with `rng`, cut into `(train, test)`: the test side is
/// the last `round(test_fraction * n)` indices. Both sides keep the
/// shuffled order. [`Dataset::split`](crate::data::Dataset::split) is this
/// split of its examples.
///
/// # Panics
/// If `test_fraction` is not in `[0, 1]`.
#[track_caller]
pub fn split<R: Rng + ?Sized>(n: usize, test_fraction: f64, rng: &mut R) -> (Vec<usize>, Vec<usize>) {
    check_fraction("split", test_fraction);
    let mut order = permutation(n, rng);
    let test = order.split_off(n - test_count(n, test_fraction));
    (order, test)
}

/// A split that keeps each class's share: of the examples with class
/// `labels[i]`, about `test_fraction` go to the test side, and the test side
/// holds `round(test_fraction * n)` examples in all, as [`split`]'s does.
/// Each class gets its share rounded down, and the examples left over go
/// to the classes whose share had the largest fraction cut off (the
/// largest-remainder rule). Both sides come in shuffled order.
///
/// # Panics
/// If `test_fraction` is not in `[0, 1]`.
#[track_caller]
pub fn stratified_split<R: Rng + ?Sized>(
    labels: &[usize],
    test_fraction: f64,
    rng: &mut R,
) -> (Vec<usize>, Vec<usize>) {
    check_fraction("stratified_split", test_fraction);
    let members = class_members(labels, rng);
    let quotas: Vec<f64> = members.iter().map(|m| test_fraction * m.len() as f64).collect();
    let mut takes: Vec<usize> = quotas.iter().map(|q| q.floor() as usize).collect();
    let left_over = test_count(labels.len(), test_fraction) - takes.iter().sum::<usize>();
    let mut by_remainder: Vec<usize> = (0..members.len()).collect();
    // Largest remainder first; ties to the lower class, so the result depends on nothing else.
    by_remainder.sort_by(|&a, &b| (quotas[b] - quotas[b].floor()).total_cmp(&(quotas[a] - quotas[a].floor())));
    for &c in by_remainder.iter().take(left_over) {
        takes[c] += 1;
    }
    let (mut train, mut test) = (Vec::new(), Vec::new());
    for (m, take) in members.iter().zip(takes) {
        test.extend_from_slice(&m[..take]);
        train.extend_from_slice(&m[take..]);
    }
    train.shuffle(rng);
    test.shuffle(rng);
    (train, test)
}

/// `k` folds of `0..n` for cross-validation: the indices are shuffled and
/// dealt out in turn, so the test sides are disjoint, cover every index,
/// and differ in size by at most one (the first `n % k` are one larger, as
/// in scikit-learn's `KFold`).
///
/// # Panics
/// If `k < 2` or `k > n`.
#[track_caller]
pub fn kfold<R: Rng + ?Sized>(n: usize, k: usize, rng: &mut R) -> Vec<Fold> {
    check_folds("kfold", n, k);
    deal(&permutation(n, rng), k)
}

/// `k` folds that keep each class's share: each class's examples are
/// shuffled and dealt out in turn, one class after the other, so in every
/// fold a class has `⌊m/k⌋` or `⌈m/k⌉` of its `m` examples, and the folds
/// differ in size by at most one. A class with fewer than `k` examples is
/// missing from some test sides.
///
/// # Panics
/// If `k < 2` or `k > labels.len()`.
#[track_caller]
pub fn stratified_kfold<R: Rng + ?Sized>(labels: &[usize], k: usize, rng: &mut R) -> Vec<Fold> {
    check_folds("stratified_kfold", labels.len(), k);
    let order: Vec<usize> = class_members(labels, rng).concat();
    deal(&order, k)
}

/// Position `p` of `order` goes to fold `p % k`.
fn deal(order: &[usize], k: usize) -> Vec<Fold> {
    let mut fold_of = vec![0; order.len()];
    for (p, &i) in order.iter().enumerate() {
        fold_of[i] = p % k;
    }
    (0..k)
        .map(|f| {
            let (test, train) = (0..order.len()).partition(|&i| fold_of[i] == f);
            Fold { train, test }
        })
        .collect()
}

/// Each class's example indices (class `c` at position `c`), each list
/// shuffled, in class order.
fn class_members<R: Rng + ?Sized>(labels: &[usize], rng: &mut R) -> Vec<Vec<usize>> {
    let classes = labels.iter().max().map_or(0, |&m| m + 1);
    let mut members = vec![Vec::new(); classes];
    for (i, &c) in labels.iter().enumerate() {
        members[c].push(i);
    }
    for m in &mut members {
        m.shuffle(rng);
    }
    members
}

pub(super) fn permutation<R: Rng + ?Sized>(n: usize, rng: &mut R) -> Vec<usize> {
    let mut order: Vec<usize> = (0..n).collect();
    order.shuffle(rng);
    order
}

fn test_count(n: usize, test_fraction: f64) -> usize {
    // Rounding, not sklearn's ceil: 0.07 * 100 is 7.000000000000001 in
    // floating point, and ceil would put 8 examples on the test side.
    (test_fraction * n as f64).round() as usize
}

#[track_caller]
pub(super) fn check_fraction(caller: &str, test_fraction: f64) {
    assert!((0.0..=1.0).contains(&test_fraction), "{caller}: test_fraction must be in [0, 1], got {test_fraction}");
}

#[track_caller]
fn check_folds(caller: &str, n: usize, k: usize) {
    assert!(k >= 2 && k <= n, "{caller}: cannot make {k} folds of {n} examples; k must be in 2..={n}");
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    #[test]
    fn the_largest_remainders_get_the_examples_left_over() {
        // Classes of 5, 3 and 2 at 0.5: quotas 2.5, 1.5, 1 -> floors 2, 1, 1,
        // and one more for the test side's round(5) = 5: class 0 (tie with
        // class 1, broken towards the lower class).
        let labels = [0, 0, 0, 0, 0, 1, 1, 1, 2, 2];
        let (_, test) = stratified_split(&labels, 0.5, &mut StdRng::seed_from_u64(0));
        let count = |c| test.iter().filter(|&&i| labels[i] == c).count();
        assert_eq!((count(0), count(1), count(2)), (3, 1, 1));
    }
}
