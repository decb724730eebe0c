//! Plain (mini-batch) stochastic gradient descent.

use super::rule::coupled_decay;
use super::{Driver, Hyper, Rule};
use crate::float::Float;

/// Stochastic gradient descent, the lecture's first algorithm:
///
/// `x -= lr * (g + wd * x)`
///
/// with optional *coupled* weight decay `wd` (an L2 term added to the
/// gradient; PyTorch's `SGD(weight_decay=wd)`). With `wd = 0` (the default)
/// it is exactly `x -= lr * g`. SGD keeps no state.
pub type Sgd<T = f32> = Driver<SgdRule, T>;

/// The rule of [`Sgd`] (the weight decay is the driver's, per group).
#[derive(Clone, Debug, PartialEq)]
pub struct SgdRule;

impl<T: Float> Sgd<T> {
    /// SGD with learning rate `lr` and no weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        Driver::from_rule(SgdRule, lr)
    }

    /// Adds coupled weight decay: `g += wd * x` before the step.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    #[track_caller]
    pub fn weight_decay(self, wd: f64) -> Self {
        self.with_weight_decay(wd)
    }
}

impl<T: Float> Rule<T> for SgdRule {
    type State = ();

    fn name(&self) -> &'static str {
        "Sgd"
    }

    fn init(&self, _: &[usize]) {}

    fn update(&mut self, x: &mut [T], g: &[T], _: &mut (), hyper: Hyper) {
        let (lr, wd) = (T::from_f64(hyper.lr), T::from_f64(hyper.weight_decay));
        for (x, &g) in x.iter_mut().zip(g) {
            *x -= lr * coupled_decay(g, *x, wd);
        }
    }
}
