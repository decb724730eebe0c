//! Plain (mini-batch) stochastic gradient descent.

use std::marker::PhantomData;

use super::state::expect_no_more;
use super::{Optimizer, StateError, StateValue, check_shapes};
use crate::float::Float;
use crate::param::Param;
use crate::param::ParamId;
use crate::tensor::Tensor;

/// Stochastic gradient descent, the lecture's first algorithm:
///
/// `x -= lr * (g + wd * x)`
///
/// with optional *coupled* weight decay `wd` (an L2 term added to the
/// gradient; PyTorch's `SGD(weight_decay=wd)`). With `wd = 0` (the default)
/// it is exactly `x -= lr * g`. SGD keeps no state.
#[derive(Clone, Debug, PartialEq)]
pub struct Sgd<T: Float = f32> {
    lr: f64,
    weight_decay: f64,
    element: PhantomData<T>,
}

impl<T: Float> Sgd<T> {
    /// SGD with learning rate `lr` and no weight decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    pub fn new(lr: f64) -> Self {
        assert!(lr.is_finite() && lr >= 0.0, "Sgd: learning rate must be finite and >= 0, got {lr}");
        Sgd { lr, weight_decay: 0.0, element: PhantomData }
    }

    /// Adds coupled weight decay: `g += wd * x` before the step.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    pub fn weight_decay(mut self, wd: f64) -> Self {
        assert!(wd.is_finite() && wd >= 0.0, "Sgd: weight decay must be finite and >= 0, got {wd}");
        self.weight_decay = wd;
        self
    }
}

impl<T: Float> Optimizer<T> for Sgd<T> {
    fn lr(&self) -> f64 {
        self.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.lr = lr;
    }

    fn name(&self) -> &'static str {
        "Sgd"
    }

    fn export_state(&self, _: ParamId) -> Vec<(String, StateValue<T>)> {
        Vec::new()
    }

    fn import_state(&mut self, _: ParamId, entries: Vec<(String, StateValue<T>)>) -> Result<(), StateError> {
        expect_no_more(self.name(), &entries)
    }

    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        check_shapes(self.name(), param, grad);
        let lr = T::from_f64(self.lr);
        let wd = T::from_f64(self.weight_decay);
        for (x, &g) in param.value_mut().data_mut().iter_mut().zip(grad.data()) {
            *x -= lr * (g + wd * *x);
        }
    }
}
