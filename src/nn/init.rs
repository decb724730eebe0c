//! Weight initialisation, drawn from the caller's seeded RNG.

use rand::Rng;

use crate::float::Float;
use crate::tensor::Tensor;

/// How to draw a layer's initial weights, given its fan-in and fan-out.
///
/// | scheme | distribution |
/// |---|---|
/// | `XavierUniform` (Glorot) | `U(-a, a)`, `a = √(6 / (fan_in + fan_out))` |
/// | `XavierNormal` | `N(0, 2 / (fan_in + fan_out))` |
/// | `HeUniform` (Kaiming) | `U(-a, a)`, `a = √(6 / fan_in)` |
/// | `HeNormal` | `N(0, 2 / fan_in)` |
/// | `Uniform(low, high)` | `U(low, high)` (micrograd uses `U(-1, 1)`) |
///
/// Xavier keeps the variance of activations through `tanh` and `sigmoid`
/// layers; He doubles it to make up for ReLU zeroing half its inputs. These
/// are the formulas of `torch.nn.init.xavier_*_` (gain 1) and
/// `kaiming_*_` (ReLU gain, fan-in mode).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// Glorot uniform.
    XavierUniform,
    /// Glorot normal.
    XavierNormal,
    /// Kaiming uniform, for ReLU-like activations.
    HeUniform,
    /// Kaiming normal, for ReLU-like activations.
    HeNormal,
    /// Uniform on `[low, high)`.
    Uniform(f64, f64),
}

impl Init {
    /// A weight tensor of `shape` for a layer with this fan-in and fan-out.
    pub fn sample<T: Float, R: Rng + ?Sized>(
        self,
        shape: impl AsRef<[usize]>,
        fan_in: usize,
        fan_out: usize,
        rng: &mut R,
    ) -> Tensor<T> {
        let (fan_in, fan_out) = (fan_in.max(1) as f64, fan_out.max(1) as f64);
        let f = T::from_f64;
        match self {
            Init::XavierUniform => {
                let a = (6.0 / (fan_in + fan_out)).sqrt();
                Tensor::uniform(shape, f(-a), f(a), rng)
            }
            Init::XavierNormal => Tensor::normal(shape, T::ZERO, f((2.0 / (fan_in + fan_out)).sqrt()), rng),
            Init::HeUniform => {
                let a = (6.0 / fan_in).sqrt();
                Tensor::uniform(shape, f(-a), f(a), rng)
            }
            Init::HeNormal => Tensor::normal(shape, T::ZERO, f((2.0 / fan_in).sqrt()), rng),
            Init::Uniform(low, high) => Tensor::uniform(shape, f(low), f(high), rng),
        }
    }
}
