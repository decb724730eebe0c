//! [`Sharpness`]: the top eigenvalue of the loss's Hessian, measured every
//! few steps of a run.

use crate::float::Float;
use crate::nn::Module;
use crate::tape::{Tape, Var, hessian_max_eigenvalue};

/// The sharpness of a loss along training: the largest eigenvalue of its
/// Hessian with respect to all of a model's parameters, by the Lanczos process
/// on Hessian-vector products ([`hessian_max_eigenvalue`]), at the steps
/// the caller chooses. Gradient descent at rate `lr` is stable on a
/// quadratic only while the sharpness stays below `2 / lr` (Cohen et al.
/// 2021, "Gradient descent on neural networks typically occurs at the edge
/// of stability", which the `curvature` example shows on this model).
///
/// Each measurement records the loss on a tape of its own (so the training
/// tape is left as it was) and costs up to `max_products` backward sweeps
/// through the gradient's graph: measure every hundred steps or so, not
/// every step.
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::diagnostics::Sharpness;
/// use tapegrad::nn::{Linear, Module, loss};
/// use tapegrad::Tensor;
///
/// // A linear model with MSE: the Hessian is 2/N XᵀX over the weight and bias.
/// let mut rng = StdRng::seed_from_u64(0);
/// let model = Linear::<f64>::new(1, 1, &mut rng);
/// let x = Tensor::from_vec(vec![1.0, 2.0, 3.0], [3, 1]);
/// let y = Tensor::from_vec(vec![0.0, 0.0, 0.0], [3, 1]);
/// let mut sharpness = Sharpness::new(200, 1e-10);
/// let top = sharpness.measure(0, &model, |tape, model| {
///     loss::mse_loss(model.forward(tape.constant(x.clone())), tape.constant(y.clone()))
/// });
/// // 2/3 [[14, 6], [6, 3]]: eigenvalues (17 ± sqrt(265)) / 3.
/// assert!((top.value - (17.0 + 265f64.sqrt()) / 3.0).abs() < 1e-8 && top.converged);
/// assert_eq!(sharpness.points().len(), 1);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Sharpness {
    max_products: usize,
    tolerance: f64,
    points: Vec<SharpnessPoint>,
}

/// One measurement of the sharpness.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SharpnessPoint {
    /// The step it was measured at.
    pub step: usize,
    /// The top eigenvalue of the Hessian.
    pub value: f64,
    /// Hessian-vector products it took.
    pub products: usize,
    /// Whether the eigenvalue's error bound met the tolerance (see
    /// [`Eigenpair`](crate::Eigenpair)).
    pub converged: bool,
}

impl Sharpness {
    /// Measurements of at most `max_products` Hessian-vector products
    /// each, stopping at a relative error bound of `tolerance` (see
    /// [`hessian_max_eigenvalue`]; the `curvature` example uses 100 and
    /// `1e-3`).
    ///
    /// # Panics
    /// If `max_products` is below 2 or `tolerance` is negative or not finite.
    #[track_caller]
    pub fn new(max_products: usize, tolerance: f64) -> Self {
        assert!(
            max_products >= 2 && tolerance >= 0.0 && tolerance.is_finite(),
            "Sharpness::new: need max_products >= 2 and a finite tolerance >= 0, got {max_products} and {tolerance}"
        );
        Sharpness { max_products, tolerance, points: Vec::new() }
    }

    /// Measures the sharpness of the loss that `loss(tape, model)` records
    /// (on a fresh tape), with respect to every parameter of `model`, and
    /// keeps it as step `step`'s.
    ///
    /// # Panics
    /// If the loss has more than one element.
    pub fn measure<T, M, F>(&mut self, step: usize, model: &M, loss: F) -> SharpnessPoint
    where
        T: Float,
        M: Module<T> + ?Sized,
        F: for<'t> FnOnce(&'t Tape<T>, &'t M) -> Var<'t, T>,
    {
        let tape = Tape::new();
        let loss = loss(&tape, model);
        let mut params = Vec::new();
        model.visit_params(&mut |p| params.push(tape.param(p)));
        let top = hessian_max_eigenvalue(loss, &params, self.max_products, self.tolerance);
        let point = SharpnessPoint { step, value: top.value, products: top.products, converged: top.converged };
        self.points.push(point);
        point
    }

    /// Every measurement, in order.
    pub fn points(&self) -> &[SharpnessPoint] {
        &self.points
    }
}
