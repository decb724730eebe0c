//! Small models beyond the MLP that several tests share: for the per-sample
//! tests, one whose linear layer sees a sequence per sample and one with a
//! parameter read by an elementwise product; for the state-dict tests, the
//! mixed model of scripts/pytorch_state_dict_fixture.py.

use tapegrad::nn::{BatchNorm1d, Dropout, Embedding, Flatten, LayerNorm, Linear, Mlp, Module};
use tapegrad::{Param, Var};

/// A linear layer applied to every step of a sequence, `[B, T, in]`, tanh,
/// the steps averaged, then a linear head: each sample's weight gradient
/// sums T outer products.
pub struct Sequence {
    pub layer: Linear<f64>,
    pub head: Linear<f64>,
}

impl Sequence {
    /// The model, its parameters named `layer.*` and `head.*` on the tape
    /// as in its state dict.
    pub fn new(layer: Linear<f64>, head: Linear<f64>) -> Self {
        let mut model = Sequence { layer, head };
        model.name_params("");
        model
    }
}

impl Module<f64> for Sequence {
    fn forward<'t>(&self, x: Var<'t, f64>) -> Var<'t, f64> {
        self.head.forward(self.layer.forward(x).tanh().mean_axis(1, false))
    }
    tapegrad::params!(f64; layer, head);
}

/// An MLP whose inputs are first scaled by a parameter `scale`: read by a
/// product, not by a linear layer.
pub struct Scaled {
    pub scale: Param<f64>,
    pub mlp: Mlp<f64>,
}

impl Module<f64> for Scaled {
    fn forward<'t>(&self, x: Var<'t, f64>) -> Var<'t, f64> {
        self.mlp.forward(x * x.tape().param(&self.scale))
    }
    tapegrad::params!(f64; scale, mlp);
}

/// `x + tanh(norm(inner(x)))`: the `Block` of scripts/pytorch_state_dict_fixture.py.
pub struct Block {
    pub inner: Linear,
    pub norm: LayerNorm,
}

impl Module for Block {
    fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
        x + self.norm.forward(self.inner.forward(x)).tanh()
    }
    tapegrad::params!(inner, norm);
}

/// The script's `Net`, field for field: Embedding, Linear, BatchNorm1d
/// (buffers), a nested module with LayerNorm, Dropout.
pub struct Net {
    pub emb: Embedding,
    pub fc: Linear,
    pub bn: BatchNorm1d,
    pub res: Block,
    pub drop: Dropout,
    pub out: Linear,
}

impl Module for Net {
    fn forward<'t>(&self, tokens: Var<'t>) -> Var<'t> {
        let h = self.fc.forward(Flatten::new().forward(self.emb.forward(tokens)));
        self.out.forward(self.drop.forward(self.res.forward(self.bn.forward(h).tanh())))
    }
    tapegrad::params!(emb, fc, bn, res, drop, out);
}
