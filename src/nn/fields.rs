//! [`params!`](crate::params): a custom module's two parameter visitors in
//! one line, from the names of the fields that hold parameters.

/// Writes a module's [`visit_params`](crate::nn::Module::visit_params) and
/// [`visit_params_mut`](crate::nn::Module::visit_params_mut) from the
/// fields that hold parameters (each a [`Param`](crate::Param) or a
/// [`Module`](crate::nn::Module)), visited in the order given. Use it inside
/// `impl Module for ...`: `params!(hidden, out);` for `f32` modules,
/// `params!(T; hidden, out);` in an `impl<T: Float> Module<T> for ...`.
///
/// ```
/// use tapegrad::prelude::*;
///
/// /// `tanh(x w + b)` with its own parameters, then a linear read-out.
/// struct Net {
///     w: Param,
///     b: Param,
///     out: Linear,
/// }
///
/// impl Module for Net {
///     fn forward<'t>(&'t self, x: Var<'t>) -> Var<'t> {
///         let tape = x.tape();
///         self.out.forward((x.matmul(tape.param(&self.w)) + tape.param(&self.b)).tanh())
///     }
///     tapegrad::params!(w, b, out);
/// }
///
/// let mut rng = StdRng::seed_from_u64(0);
/// let net = Net {
///     w: Param::new("w", Tensor::randn([2, 4], &mut rng)),
///     b: Param::new("b", Tensor::zeros([4])),
///     out: Linear::new(4, 1, &mut rng),
/// };
/// let names: Vec<&str> = net.params().map(|p| p.name()).collect();
/// assert_eq!(names, ["w", "b", "weight", "bias"]);
/// ```
#[macro_export]
macro_rules! params {
    ($($field:ident),+ $(,)?) => {
        $crate::params!(f32; $($field),+);
    };
    ($t:ty; $($field:ident),+ $(,)?) => {
        fn visit_params<'a>(&'a self, visit: &mut dyn FnMut(&'a $crate::Param<$t>)) {
            // A `Param` field visits itself (its inherent method comes
            // first), a module field its parameters.
            use $crate::nn::Module as _;
            $(self.$field.visit_params(visit);)+
        }
        fn visit_params_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&'a mut $crate::Param<$t>)) {
            use $crate::nn::Module as _;
            $(self.$field.visit_params_mut(visit);)+
        }
    };
}
