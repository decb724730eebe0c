//! Experiments that probe a model by running it many times, beside
//! training rather than inside it:
//!
//! * [`LrRangeTest`]: the learning-rate range test (Smith 2017, fastai's
//!   `lr_find`): a short run whose rate grows exponentially each step, the
//!   loss it reaches at each rate, and a suggested rate;
//! * [`landscape`]: the loss around a model's weights, on a plane through
//!   them along two filter-normalised random directions (Li et al. 2018),
//!   on the plane of an optimizer's path (its two principal directions), and
//!   on the line from the initial to the final weights (Goodfellow et al.
//!   2015).
//!
//! Each restores the model's weights when it is done. They sit above
//! [`optim`](crate::optim) (the range test trains) and beside
//! [`diagnostics`](crate::diagnostics), which measures a step as it
//! happens; neither imports the other.
#![forbid(unsafe_code)]

pub mod landscape;
mod lr_range;
mod param_vector;

pub use lr_range::{LrPoint, LrRange, LrRangeTest, Suggestion};
pub use param_vector::ParamVector;
