//! The operations on [`Var`](crate::Var), one file per family. Each file holds
//! the methods that record an op (forward) and the rule that the backward
//! sweep calls for it, side by side.

pub(crate) mod binary;
pub(crate) mod elementwise;
pub(crate) mod layout;
pub(crate) mod linear;
pub(crate) mod loss;
pub(crate) mod matmul;
pub(crate) mod reduce;
pub(crate) mod softmax;
