//! Seeded toy data sets: the classic two-dimensional classification problems
//! (moons, circles, spirals, XOR, Gaussian blobs) and a one-dimensional
//! regression (a noisy sine).
//!
//! Each generator draws every random number from the caller's `Rng`, in a
//! fixed order, and computes in `f64` before rounding to `T` once, so a seed
//! gives the same data set on every run (and `f32` data is the `f64` data
//! rounded). The classification sets are returned with their rows shuffled,
//! so that any prefix of the data mixes the classes.
//!
//! Targets: binary problems (`moons`, `circles`, `xor`) and `sine` have `y`
//! of shape `[N, 1]`, ready for a sigmoid or regression output; multi-class
//! problems (`spirals`, `blobs`) have `y` of shape `[N]` holding the class
//! index as a float.
//!
//! The element type: every generator is generic over it, and nothing in
//! `toy::moons(..)` says which one is meant, so name it once where the data
//! set is bound: `let data: Dataset = ..` is `f32` (the default), `let
//! data: Dataset<f64> = ..` is `f64`. The model and the tape that use the
//! data then infer theirs from it.
//!
//! ```
//! use tapegrad::prelude::*;
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let data: Dataset = toy::moons(100, 0.1, &mut rng);
//! let model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng); // f32, from `data`
//! let _ = model.predict(data.x());
//! ```
//!
//! Without the annotation nothing fixes the type (error E0283, "type
//! annotations needed"):
//!
//! ```compile_fail,E0283
//! use tapegrad::prelude::*;
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let data = toy::moons(100, 0.1, &mut rng);
//! let model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng);
//! let _ = model.predict(data.x());
//! ```
//!
//! # Panics
//! Every generator panics if its `noise` (or `std`) is negative or not
//! finite.

use std::f64::consts::PI;

use rand::{Rng, RngExt};
use rand_distr::{Distribution, StandardNormal};

use crate::data::Dataset;
use crate::float::Float;
use crate::tensor::Tensor;

/// Two interleaving half circles, as sklearn's `make_moons`: `n / 2` (rounded
/// down) points on the outer moon `(cos t, sin t)` with label 0, the rest on
/// the inner moon `(1 - cos t, 0.5 - sin t)` with label 1, `t` evenly spaced
/// over `[0, pi]` on each moon; then `N(0, noise²)` is added to each
/// coordinate. `x` is `[n, 2]`, `y` is `[n, 1]`.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
///
/// let data = toy::moons::<f32, _>(100, 0.1, &mut StdRng::seed_from_u64(0));
/// assert_eq!((data.x().shape(), data.y().shape()), (&[100, 2][..], &[100, 1][..]));
/// ```
#[track_caller]
pub fn moons<T: Float, R: Rng + ?Sized>(n: usize, noise: f64, rng: &mut R) -> Dataset<T> {
    check_scale("moons", "noise", noise);
    let n_outer = n / 2;
    let (mut x, mut y) = buffers("moons", n, 2);
    for t in linspace(0.0, PI, n_outer) {
        x.extend([t.cos(), t.sin()]);
        y.push(0.0);
    }
    for t in linspace(0.0, PI, n - n_outer) {
        x.extend([1.0 - t.cos(), 0.5 - t.sin()]);
        y.push(1.0);
    }
    x.iter_mut().for_each(|v| *v += gaussian(noise, rng));
    shuffled(build(x, 2, y, &[n, 1]), rng)
}

/// A small circle inside a large one, as sklearn's `make_circles`: `n / 2`
/// (rounded down) points on the circle of radius 1 with label 0, the rest on
/// the circle of radius `factor` with label 1, evenly spaced in angle from 0
/// (without repeating the starting point); then `N(0, noise²)` is added to
/// each coordinate. `x` is `[n, 2]`, `y` is `[n, 1]`.
///
/// # Panics
/// Also if `factor` is not in `[0, 1)`.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
///
/// let data = toy::circles::<f32, _>(100, 0.05, 0.5, &mut StdRng::seed_from_u64(0));
/// assert_eq!(data.len(), 100);
/// ```
#[track_caller]
pub fn circles<T: Float, R: Rng + ?Sized>(n: usize, noise: f64, factor: f64, rng: &mut R) -> Dataset<T> {
    check_scale("circles", "noise", noise);
    assert!((0.0..1.0).contains(&factor), "circles: factor must be in [0, 1), got {factor}");
    let n_outer = n / 2;
    let (mut x, mut y) = buffers("circles", n, 2);
    for (count, radius, label) in [(n_outer, 1.0, 0.0), (n - n_outer, factor, 1.0)] {
        let step = 2.0 * PI / count as f64;
        for i in 0..count {
            let t = i as f64 * step;
            x.extend([radius * t.cos(), radius * t.sin()]);
            y.push(label);
        }
    }
    x.iter_mut().for_each(|v| *v += gaussian(noise, rng));
    shuffled(build(x, 2, y, &[n, 1]), rng)
}

/// Interleaved spiral arms, one per class, as in CS231n: for class `j`, the
/// radius `r` runs evenly over `[0, 1]` and the angle over `[4j, 4(j + 1)]`
/// plus `N(0, noise²)`, and the point is `(r sin t, r cos t)`. `x` is
/// `[n_per_class * classes, 2]`, `y` is `[n_per_class * classes]` holding `j`.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
///
/// let data = toy::spirals::<f32, _>(100, 3, 0.2, &mut StdRng::seed_from_u64(0));
/// assert_eq!((data.x().shape(), data.y().shape()), (&[300, 2][..], &[300][..]));
/// ```
#[track_caller]
pub fn spirals<T: Float, R: Rng + ?Sized>(n_per_class: usize, classes: usize, noise: f64, rng: &mut R) -> Dataset<T> {
    check_scale("spirals", "noise", noise);
    let n = count("spirals", n_per_class, classes);
    let (mut x, mut y) = buffers("spirals", n, 2);
    for j in 0..classes {
        let start = 4.0 * j as f64;
        let radii = linspace(0.0, 1.0, n_per_class);
        for (r, t) in radii.zip(linspace(start, start + 4.0, n_per_class)) {
            let t = t + gaussian(noise, rng);
            x.extend([r * t.sin(), r * t.cos()]);
            y.push(j as f64);
        }
    }
    shuffled(build(x, 2, y, &[n]), rng)
}

/// The XOR problem: four Gaussian clusters of standard deviation `noise`
/// centred at `(±1, ±1)`, with label 1 for the two clusters whose centre's
/// coordinates have different signs. The label belongs to the cluster, so
/// with a large `noise` some points cross into a neighbouring quadrant.
/// Point `i` goes to cluster `i % 4`, so the clusters differ in size by at
/// most one. `x` is `[n, 2]`, `y` is `[n, 1]`.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
///
/// let data = toy::xor::<f32, _>(100, 0.2, &mut StdRng::seed_from_u64(0));
/// assert_eq!(data.y().data().iter().filter(|&&l| l == 1.0).count(), 50);
/// ```
#[track_caller]
pub fn xor<T: Float, R: Rng + ?Sized>(n: usize, noise: f64, rng: &mut R) -> Dataset<T> {
    check_scale("xor", "noise", noise);
    const CENTRES: [(f64, f64); 4] = [(1.0, 1.0), (-1.0, 1.0), (-1.0, -1.0), (1.0, -1.0)];
    let (mut x, mut y) = buffers("xor", n, 2);
    for i in 0..n {
        let (cx, cy) = CENTRES[i % 4];
        x.extend([cx + gaussian(noise, rng), cy + gaussian(noise, rng)]);
        y.push(if cx * cy < 0.0 { 1.0 } else { 0.0 });
    }
    shuffled(build(x, 2, y, &[n, 1]), rng)
}

/// Isotropic Gaussian blobs, as sklearn's `make_blobs`: `n_per_blob` points
/// around each centre, each coordinate drawn from `N(centre, std²)`. `x` is
/// `[n_per_blob * centers.len(), D]` with `D = centers[0].len()`, `y` is
/// `[n_per_blob * centers.len()]` holding the blob's index.
///
/// # Panics
/// Also if `centers` is empty or the centres differ in length (the message
/// names the blob).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
///
/// let centers: &[&[f64]] = &[&[0.0, 0.0, 0.0], &[5.0, 5.0, 5.0]];
/// let data = toy::blobs::<f32, _>(50, centers, 1.0, &mut StdRng::seed_from_u64(0));
/// assert_eq!((data.len(), data.input_dim()), (100, 3));
/// ```
#[track_caller]
pub fn blobs<T: Float, R: Rng + ?Sized>(n_per_blob: usize, centers: &[&[f64]], std: f64, rng: &mut R) -> Dataset<T> {
    check_scale("blobs", "std", std);
    assert!(!centers.is_empty(), "blobs: need at least one centre, got none");
    let d = centers[0].len();
    for (b, centre) in centers.iter().enumerate() {
        assert!(
            centre.len() == d,
            "blobs: the centre of blob {b} has {} coordinates but that of blob 0 has {d}; all must have the same",
            centre.len()
        );
    }
    let n = count("blobs", n_per_blob, centers.len());
    let (mut x, mut y) = buffers("blobs", n, d);
    for (b, centre) in centers.iter().enumerate() {
        for _ in 0..n_per_blob {
            x.extend(centre.iter().map(|&c| c + gaussian(std, rng)));
            y.push(b as f64);
        }
    }
    shuffled(build(x, d, y, &[n]), rng)
}

/// A noisy sine curve for regression: `x` uniform on `[-pi, pi)`, `[n, 1]`;
/// `y = sin(x) + N(0, noise²)`, `[n, 1]`. The rows are already in random
/// order, so they are not shuffled again.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
///
/// let data = toy::sine::<f64, _>(50, 0.0, &mut StdRng::seed_from_u64(0));
/// let (x, y) = (data.x().data(), data.y().data());
/// assert!(x.iter().zip(y).all(|(x, y)| (x.sin() - y).abs() < 1e-12));
/// ```
#[track_caller]
pub fn sine<T: Float, R: Rng + ?Sized>(n: usize, noise: f64, rng: &mut R) -> Dataset<T> {
    check_scale("sine", "noise", noise);
    let (mut x, mut y) = buffers("sine", n, 1);
    for _ in 0..n {
        // Round x to T before taking the sine, so that without noise y is
        // sin of the x the caller sees, not of a value it never sees.
        let xi = T::from_f64(rng.random_range(-PI..PI)).to_f64();
        x.push(xi);
        y.push(xi.sin() + gaussian(noise, rng));
    }
    build(x, 1, y, &[n, 1])
}

#[track_caller]
fn check_scale(generator: &str, name: &str, value: f64) {
    assert!(value.is_finite() && value >= 0.0, "{generator}: {name} must be finite and non-negative, got {value}");
}

/// `per` points in each of `groups` groups, or a panic naming the
/// generator if the total does not fit in a `usize`.
#[track_caller]
fn count(generator: &str, per: usize, groups: usize) -> usize {
    match per.checked_mul(groups) {
        Some(n) => n,
        None => panic!("{generator}: {per} points in each of {groups} groups are more than can be counted"),
    }
}

/// Empty buffers for `n` points of `d` coordinates and their `n` targets,
/// computed in `f64`.
///
/// # Panics
/// If they do not fit in memory: a message naming the generator, `n` and
/// the bytes, rather than an abort or a "capacity overflow".
#[track_caller]
fn buffers(generator: &str, n: usize, d: usize) -> (Vec<f64>, Vec<f64>) {
    let (mut x, mut y) = (Vec::new(), Vec::new());
    let fits = n.checked_mul(d).is_some_and(|len| x.try_reserve_exact(len).is_ok()) && y.try_reserve_exact(n).is_ok();
    if !fits {
        let bytes = n as u128 * (d as u128 + 1) * 8;
        panic!("{generator}: cannot allocate {n} points of {d} coordinates ({bytes} bytes of f64): out of memory");
    }
    (x, y)
}

/// A draw from `N(0, std²)`. The draw happens even when `std` is 0 so that
/// the rest of the random stream (the shuffle) does not depend on the noise.
fn gaussian<R: Rng + ?Sized>(std: f64, rng: &mut R) -> f64 {
    let z: f64 = StandardNormal.sample(rng);
    std * z
}

/// `n` evenly spaced values from `start` to `end` inclusive, as NumPy's
/// `linspace` (`[start]` when `n` is 1).
fn linspace(start: f64, end: f64, n: usize) -> impl Iterator<Item = f64> {
    let step = if n > 1 { (end - start) / (n - 1) as f64 } else { 0.0 };
    // The last value is `end` exactly, not `start + (n - 1) * step` rounded.
    (0..n).map(move |i| if n > 1 && i == n - 1 { end } else { start + i as f64 * step })
}

fn build<T: Float>(x: Vec<f64>, d: usize, y: Vec<f64>, y_shape: &[usize]) -> Dataset<T> {
    let n = y_shape[0];
    let x = Tensor::from_vec(x.into_iter().map(T::from_f64).collect(), [n, d]);
    let y = Tensor::from_vec(y.into_iter().map(T::from_f64).collect(), y_shape);
    Dataset { x, y }
}

fn shuffled<T: Float, R: Rng + ?Sized>(data: Dataset<T>, rng: &mut R) -> Dataset<T> {
    data.select(&data.permutation(rng))
}

#[cfg(test)]
mod tests {
    use rand::{SeedableRng, rngs::StdRng};

    use super::*;

    #[test]
    fn linspace_matches_numpy_at_the_edges() {
        assert_eq!(linspace(0.0, 1.0, 5).collect::<Vec<_>>(), [0.0, 0.25, 0.5, 0.75, 1.0]);
        assert_eq!(linspace(2.0, 3.0, 1).collect::<Vec<_>>(), [2.0]);
        assert_eq!(linspace(0.0, 1.0, 0).count(), 0);
        // The end point is `end` itself, never a rounded (n - 1) * step.
        assert_eq!(linspace(0.0, PI, 7).last(), Some(PI));
    }

    #[test]
    fn the_noise_level_does_not_change_the_shuffle() {
        let quiet = moons::<f64, _>(30, 0.0, &mut StdRng::seed_from_u64(3));
        let noisy = moons::<f64, _>(30, 0.2, &mut StdRng::seed_from_u64(3));
        assert_eq!(quiet.y(), noisy.y());
    }

    #[test]
    fn empty_data_sets_have_the_usual_shapes() {
        let data = moons::<f32, _>(0, 0.1, &mut StdRng::seed_from_u64(0));
        assert_eq!((data.x().shape(), data.y().shape()), (&[0, 2][..], &[0, 1][..]));
        assert!(data.is_empty());
        let data = spirals::<f32, _>(10, 0, 0.1, &mut StdRng::seed_from_u64(0));
        assert_eq!((data.len(), data.input_dim()), (0, 2));
    }
}
