//! [`params!`](crate::params): a custom module's two field visitors in one
//! line, from the names of its fields.

/// Writes a module's [`visit_fields`](crate::nn::Module::visit_fields) and
/// [`visit_fields_mut`](crate::nn::Module::visit_fields_mut) from the
/// fields that hold parameters, buffers or modules (each a
/// [`Param`](crate::Param), a [`Buffer`](crate::nn::Buffer) or a
/// [`Module`](crate::nn::Module)), visited in the order given, each under
/// its field's name. Use it inside `impl Module for ...`: `params!(hidden,
/// out);` for `f32` modules, `params!(T; hidden, out);` in an
/// `impl<T: Float> Module<T> for ...`.
///
/// Names follow PyTorch: a field's name prefixes everything inside it, at
/// any depth, so a state dict goes both ways between a module here and a
/// PyTorch module of the same structure.
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
///     fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
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
/// let names: Vec<String> = net.named_params().into_iter().map(|(name, _)| name).collect();
/// assert_eq!(names, ["w", "b", "out.weight", "out.bias"]);
/// ```
#[macro_export]
macro_rules! params {
    ($($field:ident),+ $(,)?) => {
        $crate::params!(f32; $($field),+);
    };
    ($t:ty; $($field:ident),+ $(,)?) => {
        fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, $crate::nn::Field<'a, $t>)) {
            // A `Param` or `Buffer` field answers through `AsField`, a
            // module field through `Module`: no type implements both.
            use $crate::nn::{AsField as _, Module as _};
            $(self.$field.visit_as_field(stringify!($field), visit);)+
        }
        fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, $crate::nn::FieldMut<'a, $t>)) {
            use $crate::nn::{AsField as _, Module as _};
            $(self.$field.visit_as_field_mut(stringify!($field), visit);)+
        }
    };
}
