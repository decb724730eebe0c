//! [`Trajectory`]: snapshots of the weights along training, and the plane
//! of their two principal directions.

use super::Plane;
use super::eigen::symmetric_eigen;
use crate::float::Float;
use crate::nn::Module;
use crate::probe::ParamVector;

/// The weights of a model at some steps of its training, in order.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::data::toy;
/// use tapegrad::nn::{Activation, Mlp, Module, loss};
/// use tapegrad::optim::{Optimizer, Sgd};
/// use tapegrad::probe::landscape::Trajectory;
/// use tapegrad::Tape;
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let data = toy::moons::<f32, _>(128, 0.1, &mut rng);
/// let mut model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng);
/// let mut opt = Sgd::new(0.5);
/// let mut path = Trajectory::new();
/// let mut tape = Tape::new();
/// for step in 0..=100 {
///     path.record(step, &model);
///     tape.clear();
///     let logits = model.forward(tape.constant(data.x().clone()));
///     let grads = loss::bce_with_logits(logits, tape.constant(data.y().clone())).backward();
///     opt.step(&mut model, &grads);
/// }
/// let plane = path.principal_plane();
/// let [first, second] = plane.explained;
/// assert!(first > second && first + second <= 1.0 + 1e-12);
/// assert_eq!(plane.path.len(), 101);
/// assert_eq!(*plane.path.last().unwrap(), (0.0, 0.0)); // the final weights are the origin
/// ```
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Trajectory {
    steps: Vec<usize>,
    points: Vec<ParamVector>,
}

/// The plane of a path's two principal directions, and the path on it.
#[derive(Clone, Debug, PartialEq)]
pub struct PathPlane {
    /// Through the last snapshot, along the first and second principal
    /// directions (unit vectors, orthogonal), each turned so that the first
    /// snapshot has coordinates `<= 0`.
    pub plane: Plane,
    /// The share of the path's variance along each direction
    /// (scikit-learn's `explained_variance_ratio_`).
    pub explained: [f64; 2],
    /// Each snapshot's coordinates on the plane (the projection of its
    /// difference from the last snapshot on the two directions).
    pub path: Vec<(f64, f64)>,
}

impl Trajectory {
    /// An empty trajectory.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records the model's weights at `step`.
    pub fn record<T: Float, M: Module<T> + ?Sized>(&mut self, step: usize, model: &M) {
        self.steps.push(step);
        self.points.push(ParamVector::of(model));
    }

    /// The number of snapshots.
    pub fn len(&self) -> usize {
        self.points.len()
    }

    /// `true` before the first snapshot.
    pub fn is_empty(&self) -> bool {
        self.points.is_empty()
    }

    /// The step of each snapshot.
    pub fn steps(&self) -> &[usize] {
        &self.steps
    }

    /// The snapshots, in order.
    pub fn points(&self) -> &[ParamVector] {
        &self.points
    }

    /// The two principal directions of the path and the path projected on
    /// them (Li et al. 2018, section 7): the PCA of the differences between
    /// each earlier snapshot and the last one, centred on their mean. It is
    /// computed from the Gram matrix of those differences (one row and
    /// column per snapshot, not per parameter), so its cost is `O(n² P)`
    /// for the matrix and `O(n³)` for its eigenvectors, `n` snapshots of
    /// `P` parameters: record a few hundred at most.
    ///
    /// If the path lies on a line (the second direction explains nothing),
    /// the second direction is any unit vector orthogonal to the first, and
    /// its share is 0.
    ///
    /// # Panics
    /// With fewer than three snapshots, snapshots of different lengths, or
    /// a path that never moved.
    #[track_caller]
    pub fn principal_plane(&self) -> PathPlane {
        let n = self.points.len();
        assert!(n >= 3, "Trajectory::principal_plane: need at least 3 snapshots, got {n}");
        let last = &self.points[n - 1];
        let differences: Vec<ParamVector> = self.points[..n - 1].iter().map(|p| p.minus(last)).collect();
        let rows = differences.len();
        let len = last.len();
        let mean: Vec<f64> =
            (0..len).map(|i| differences.iter().map(|d| d.as_slice()[i]).sum::<f64>() / rows as f64).collect();
        let centred: Vec<Vec<f64>> =
            differences.iter().map(|d| d.as_slice().iter().zip(&mean).map(|(v, m)| v - m).collect()).collect();
        let mut gram = vec![0.0; rows * rows];
        for i in 0..rows {
            for j in 0..=i {
                let dot: f64 = centred[i].iter().zip(&centred[j]).map(|(a, b)| a * b).sum();
                (gram[i * rows + j], gram[j * rows + i]) = (dot, dot);
            }
        }
        let pairs = symmetric_eigen(gram, rows);
        let total: f64 = pairs.iter().map(|p| p.0.max(0.0)).sum();
        assert!(total > 0.0, "Trajectory::principal_plane: the weights never moved");
        // A principal direction in parameter space: the centred rows
        // combined by the Gram matrix's eigenvector, scaled to unit norm.
        let direction = |u: &[f64]| {
            let mut d = vec![0.0; len];
            for (c, row) in u.iter().zip(&centred) {
                d.iter_mut().zip(row).for_each(|(d, r)| *d += c * r);
            }
            unit(d)
        };
        let first = direction(&pairs[0].1);
        let second_share = pairs.get(1).map_or(0.0, |p| p.0.max(0.0) / total);
        let second = if second_share > 1e-12 { direction(&pairs[1].1) } else { orthogonal_to(&first) };
        let orient = |d: ParamVector| {
            let start: f64 = differences[0].dot(&d);
            if start > 0.0 { ParamVector::from_vec(d.as_slice().iter().map(|v| -v).collect()) } else { d }
        };
        let (first, second) = (orient(first), orient(second));
        let path = self.points.iter().map(|p| {
            let offset = p.minus(last);
            (offset.dot(&first), offset.dot(&second))
        });
        PathPlane {
            path: path.collect(),
            explained: [pairs[0].0.max(0.0) / total, second_share],
            plane: Plane::new(last.clone(), first, second),
        }
    }
}

fn unit(mut d: Vec<f64>) -> ParamVector {
    let norm = d.iter().map(|v| v * v).sum::<f64>().sqrt();
    d.iter_mut().for_each(|v| *v /= norm);
    ParamVector::from_vec(d)
}

/// A unit vector orthogonal to the unit vector `d`: the axis along which
/// `d` is smallest, with its part along `d` taken out.
fn orthogonal_to(d: &ParamVector) -> ParamVector {
    let d = d.as_slice();
    let axis = (0..d.len()).min_by(|&a, &b| d[a].abs().total_cmp(&d[b].abs())).unwrap_or(0);
    let mut e: Vec<f64> = d.iter().map(|v| -d[axis] * v).collect();
    e[axis] += 1.0;
    unit(e)
}
