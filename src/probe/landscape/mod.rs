//! The loss landscape: the loss of a model evaluated at weights around its
//! own, on a plane or a line through them.
//!
//! * [`Plane::random`]: the plane through the model's weights along two
//!   random *filter-normalised* directions (Li et al. 2018, "Visualizing the
//!   loss landscape of neural nets", section 4). Li et al. draw each filter
//!   of a convolution's direction from a Gaussian and rescale it to the norm
//!   of the filter it perturbs, so that a step of 1 along the direction
//!   moves every filter by its own size, whatever its scale (a network with
//!   ReLUs computes the same function when one layer's weights are
//!   multiplied by 10 and the next's divided by 10, and a plain random
//!   direction would make the first look ten times flatter). An MLP has no
//!   filters; the part of a `Linear` layer that plays their role is the
//!   weights into one output neuron, which Li et al.'s code also treats as
//!   a filter (the first axis of a weight `[out, in]`, `d[i]` for each `i`).
//!   So a row of each weight matrix is scaled to the norm of that row.
//!   Parameters with fewer than two axes (biases, scalars) get zero: they
//!   stay where they are, as in Li et al.'s code by default
//!   (`ignore='biasbn'`).
//! * [`Trajectory::principal_plane`]: the plane through the final weights
//!   spanned by the two principal directions of an optimizer's path (Li et
//!   al., section 7): the PCA of the snapshots' differences from the final
//!   weights, `[θ0 − θn; …; θn−1 − θn]`, centred as scikit-learn's `PCA`
//!   does, with the path projected on it. Biases are part of the path here.
//! * [`interpolate`]: the loss along the line from one point to another,
//!   `θ(α) = (1 − α) θ0 + α θ1` (Goodfellow, Vinyals and Saxe 2015,
//!   "Qualitatively characterizing neural network optimization problems").
//!
//! Each evaluates a loss given by the caller, `FnMut(&M) -> f64`, with the
//! model's parameters set to each point in turn, and puts the model's
//! weights back when it is done.
//!
//! ```
//! use rand::{SeedableRng, rngs::StdRng};
//! use tapegrad::nn::{Activation, Mlp, Module};
//! use tapegrad::probe::ParamVector;
//! use tapegrad::probe::landscape::Plane;
//! use tapegrad::{Tensor, data::toy};
//!
//! let mut rng = StdRng::seed_from_u64(0);
//! let data = toy::moons::<f32, _>(64, 0.1, &mut rng);
//! let mut model = Mlp::new(&[2, 8, 1], Activation::Tanh, &mut rng);
//! let mse = |m: &Mlp| {
//!     let p = m.predict(data.x());
//!     p.data().iter().zip(data.y().data()).map(|(a, b)| ((a - b) as f64).powi(2)).sum::<f64>() / 64.0
//! };
//! let plane = Plane::random(&model, &mut rng);
//! let surface = plane.loss_surface(&mut model, (-1.0, 1.0, -1.0, 1.0), 10, mse);
//! assert_eq!(surface.values().len(), 11 * 11);
//! // The middle of the grid is the model itself.
//! assert!((surface.at(5, 5) - mse(&model)).abs() < 1e-12);
//! assert_eq!(ParamVector::of(&model), *plane.origin(), "the weights are put back");
//! ```
#![forbid(unsafe_code)]

mod directions;
mod eigen;
mod interpolation;
mod surface;
mod trajectory;

pub use directions::filter_normalized_direction;
pub use interpolation::interpolate;
pub use surface::{LossSurface, Plane};
pub use trajectory::{PathPlane, Trajectory};
