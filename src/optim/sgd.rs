//! Plain (mini-batch) stochastic gradient descent.

use super::rule::coupled_decay;
use super::{Driver, Rule, non_negative};
use crate::float::Float;

/// Stochastic gradient descent, the lecture's first algorithm:
///
/// `x -= lr * (g + wd * x)`
///
/// with optional *coupled* weight decay `wd` (an L2 term added to the
/// gradient; PyTorch's `SGD(weight_decay=wd)`). With `wd = 0` (the default)
/// it is exactly `x -= lr * g`. SGD keeps no state.
pub type Sgd<T = f32> = Driver<SgdRule, T>;

/// The rule of [`Sgd`]: its weight decay.
#[derive(Clone, Debug, PartialEq)]
pub struct SgdRule {
    weight_decay: f64,
}

impl<T: Float> Sgd<T> {
    /// SGD with learning rate `lr` and no weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    #[track_caller]
    pub fn new(lr: f64) -> Self {
        Driver::from_rule(SgdRule { weight_decay: 0.0 }, lr)
    }

    /// Adds coupled weight decay: `g += wd * x` before the step.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    #[track_caller]
    pub fn weight_decay(self, wd: f64) -> Self {
        let wd = non_negative("Sgd", "weight decay", wd);
        self.with_rule(|r| r.weight_decay = wd)
    }
}

impl<T: Float> Rule<T> for SgdRule {
    type State = ();

    fn name(&self) -> &'static str {
        "Sgd"
    }

    fn init(&self, _: &[usize]) {}

    fn update(&mut self, x: &mut [T], g: &[T], _: &mut (), lr: f64) {
        let (lr, wd) = (T::from_f64(lr), T::from_f64(self.weight_decay));
        for (x, &g) in x.iter_mut().zip(g) {
            *x -= lr * coupled_decay(g, *x, wd);
        }
    }
}
