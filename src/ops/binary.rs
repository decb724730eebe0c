//! `add`, `sub`, `mul`, `div`, `maximum` and `minimum` with NumPy broadcasting. The forward loop walks
//! the output row by row; the backward kernel sums each input's share back
//! to that input's shape in the same walk, so no op reduces broadcast
//! gradients on its own (the graph rule does it with one `sum_to`).

use super::{Arith, Graph, Kernel, Num};
use crate::float::Float;
use crate::shape::{Shape, broadcast_shapes, broadcast_strides, contiguous_strides, for_each_row};
use crate::tensor::Tensor;

/// An elementwise function of two broadcast inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BinaryOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// The larger of `a` and `b` (NaN if either is).
    Maximum,
    /// The smaller of `a` and `b` (NaN if either is).
    Minimum,
}

/// One binary op's name, value and vector-Jacobian products; the products
/// are written over [`Arith`] so that the fast loops (on [`Num`]s) and the
/// graph rule (on `Var`s) share them.
struct Rule<T, A> {
    name: &'static str,
    value: fn(T, T) -> T,
    /// `(g, a, b) -> g ∂f/∂a`.
    grad_a: fn(A, A, A) -> A,
    /// `(g, a, b) -> g ∂f/∂b`.
    grad_b: fn(A, A, A) -> A,
}

impl BinaryOp {
    /// Each op's rule, side by side.
    #[inline(always)]
    fn rule<T: Float, A: Arith<T>>(self) -> Rule<T, A> {
        match self {
            BinaryOp::Add => Rule { name: "add", value: |a, b| a + b, grad_a: |g, _, _| g, grad_b: |g, _, _| g },
            BinaryOp::Sub => Rule { name: "sub", value: |a, b| a - b, grad_a: |g, _, _| g, grad_b: |g, _, _| -g },
            BinaryOp::Mul => {
                Rule { name: "mul", value: |a, b| a * b, grad_a: |g, _, b| g * b, grad_b: |g, a, _| g * a }
            }
            BinaryOp::Div => {
                Rule { name: "div", value: |a, b| a / b, grad_a: |g, _, b| g / b, grad_b: |g, a, b| -g * a / (b * b) }
            }
            // PyTorch's convention at a tie: each operand receives half the gradient.
            BinaryOp::Maximum => Rule {
                name: "maximum",
                value: |a, b| if a > b || a.is_nan() { a } else { b },
                grad_a: |g, a, b| g * a.step2(b, |a, b| share(a > b, a == b)),
                grad_b: |g, a, b| g * b.step2(a, |b, a| share(b > a, a == b)),
            },
            BinaryOp::Minimum => Rule {
                name: "minimum",
                value: |a, b| if a < b || a.is_nan() { a } else { b },
                grad_a: |g, a, b| g * a.step2(b, |a, b| share(a < b, a == b)),
                grad_b: |g, a, b| g * b.step2(a, |b, a| share(b < a, a == b)),
            },
        }
    }

    pub(crate) fn op_name(self) -> &'static str {
        self.rule::<f32, Num<f32>>().name
    }
}

/// An operand's share of the gradient of `maximum` or `minimum`: all of it
/// where it wins, half at a tie.
#[inline(always)]
fn share<T: Float>(wins: bool, tie: bool) -> T {
    if wins {
        T::ONE
    } else if tie {
        T::from_f64(0.5)
    } else {
        T::ZERO
    }
}

/// Runs `$body` with `$value` the op's value on plain numbers and `$grad`
/// the vector-Jacobian product for input `$input`, both monomorphic (so the
/// loops are compiled for each op).
macro_rules! with_rule {
    ($op:expr, $input:expr, |$value:ident, $grad:ident| $body:expr) => {
        match ($op, $input) {
            (BinaryOp::Add, 0) => with_rule!(@ BinaryOp::Add, grad_a, $value, $grad, $body),
            (BinaryOp::Add, _) => with_rule!(@ BinaryOp::Add, grad_b, $value, $grad, $body),
            (BinaryOp::Sub, 0) => with_rule!(@ BinaryOp::Sub, grad_a, $value, $grad, $body),
            (BinaryOp::Sub, _) => with_rule!(@ BinaryOp::Sub, grad_b, $value, $grad, $body),
            (BinaryOp::Mul, 0) => with_rule!(@ BinaryOp::Mul, grad_a, $value, $grad, $body),
            (BinaryOp::Mul, _) => with_rule!(@ BinaryOp::Mul, grad_b, $value, $grad, $body),
            (BinaryOp::Div, 0) => with_rule!(@ BinaryOp::Div, grad_a, $value, $grad, $body),
            (BinaryOp::Div, _) => with_rule!(@ BinaryOp::Div, grad_b, $value, $grad, $body),
            (BinaryOp::Maximum, 0) => with_rule!(@ BinaryOp::Maximum, grad_a, $value, $grad, $body),
            (BinaryOp::Maximum, _) => with_rule!(@ BinaryOp::Maximum, grad_b, $value, $grad, $body),
            (BinaryOp::Minimum, 0) => with_rule!(@ BinaryOp::Minimum, grad_a, $value, $grad, $body),
            (BinaryOp::Minimum, _) => with_rule!(@ BinaryOp::Minimum, grad_b, $value, $grad, $body),
        }
    };
    (@ $op:expr, $which:ident, $value:ident, $grad:ident, $body:expr) => {{
        let rule = $op.rule::<T, Num<T>>();
        let $value = rule.value;
        // The function itself, not the rule, is captured: through a
        // reference to the rule the optimiser kept an indirect call per
        // element, and the backward loops did not vectorise.
        let vjp = rule.$which;
        let $grad = move |g: T, a: T, b: T| vjp(Num(g), Num(a), Num(b)).0;
        $body
    }};
}

impl<T: Float> Kernel<T> for BinaryOp {
    fn name(&self) -> String {
        self.op_name().into()
    }

    fn output_shape(&self, inputs: &[&[usize]]) -> Shape {
        let (a, b) = (inputs[0], inputs[1]);
        match broadcast_shapes(a, b) {
            Some(shape) => shape,
            None => panic!("{}: shapes {a:?} and {b:?} do not broadcast", self.op_name()),
        }
    }

    /// `out = f(a, b)` over the broadcast shape.
    fn forward(&self, inputs: &[&Tensor<T>], out: &mut Vec<T>) {
        let (a, b) = (inputs[0], inputs[1]);
        let out_shape = Kernel::<T>::output_shape(self, &[a.shape(), b.shape()]);
        with_rule!(*self, 0, |value, _grad| forward(value, a, b, &out_shape, out))
    }

    /// Adds input `input`'s share of `g` into `target`, summing over every
    /// axis along which that input was broadcast.
    fn backward(&self, input: usize, inputs: &[&Tensor<T>], out: &Tensor<T>, g: &[T], target: &mut [T]) {
        let (a, b) = (inputs[0], inputs[1]);
        with_rule!(*self, input, |_value, grad| accumulate(a, b, out.shape(), g, target, input, grad))
    }

    fn backward_graph<G: Graph<T>>(&self, input: usize, inputs: &[G], _: G, g: G) -> Option<G> {
        let (a, b) = (inputs[0], inputs[1]);
        let rule = self.rule::<T, G>();
        let grad = if input == 0 { (rule.grad_a)(g, a, b) } else { (rule.grad_b)(g, a, b) };
        Some(grad.sum_to(&inputs[input].shape()))
    }
}

/// `f(a, b)` elementwise over the broadcast shape of `a` and `b`, which
/// must broadcast (for masks computed from two values).
pub(crate) fn zip_broadcast<T: Float>(a: &Tensor<T>, b: &Tensor<T>, f: impl Fn(T, T) -> T) -> Tensor<T> {
    let shape = broadcast_shapes(a.shape(), b.shape()).expect("the operands of a recorded op broadcast");
    let mut out = Vec::with_capacity(crate::shape::numel(&shape));
    forward(f, a, b, &shape, &mut out);
    Tensor::new(out, shape).expect("one value per element of the broadcast shape")
}

/// How the operands line up with the output; the first three cases are
/// flat loops over slices, the last walks the output row by row.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Layout {
    /// Both operands have the output's shape.
    Same,
    /// `b` is a trailing block of the output repeated (a bias `[n]` added to
    /// `[m, n]`, a scalar, a `[1, n]` row), and `a` has the output's shape.
    RepeatB,
    /// The same with the roles of `a` and `b` exchanged.
    RepeatA,
    /// Any other broadcast.
    General,
}

impl Layout {
    fn of(a: &[usize], b: &[usize], out: &[usize]) -> Self {
        // Leading 1s broadcast for free; what is left must be a suffix of the output.
        let repeats = |small: &[usize], full: &[usize]| {
            full == out && out.ends_with(&small[small.iter().take_while(|&&d| d == 1).count()..])
        };
        if a == b {
            Layout::Same
        } else if repeats(b, a) {
            Layout::RepeatB
        } else if repeats(a, b) {
            Layout::RepeatA
        } else {
            Layout::General
        }
    }
}

/// `out = value(full, rep)` where `rep` repeats along `full`.
fn forward_repeated<T: Float>(full: &[T], rep: &[T], out: &mut Vec<T>, value: impl Fn(T, T) -> T) {
    if rep.is_empty() {
        // A block of no element (`[4, 0] + [0]`): the output is empty too.
        return;
    }
    if let [r] = rep {
        out.extend(full.iter().map(|&x| value(x, *r)));
    } else {
        for block in full.chunks_exact(rep.len()) {
            out.extend(block.iter().zip(rep).map(|(&x, &r)| value(x, r)));
        }
    }
}

/// `out = value(a, b)` over the broadcast shape `out_shape`.
fn forward<T: Float>(value: impl Fn(T, T) -> T, a: &Tensor<T>, b: &Tensor<T>, out_shape: &[usize], out: &mut Vec<T>) {
    let (a_shape, b_shape) = (a.shape(), b.shape());
    let (a, b) = (a.data(), b.data());
    match Layout::of(a_shape, b_shape, out_shape) {
        Layout::Same => return out.extend(a.iter().zip(b).map(|(&x, &y)| value(x, y))),
        Layout::RepeatB => return forward_repeated(a, b, out, value),
        Layout::RepeatA => return forward_repeated(b, a, out, |y, x| value(x, y)),
        Layout::General => {}
    }
    let sa = broadcast_strides(a_shape, out_shape);
    let sb = broadcast_strides(b_shape, out_shape);
    let n = *out_shape.last().expect("shapes differ, so the output has an axis");
    let (ia, ib) = (*sa.last().unwrap(), *sb.last().unwrap());
    for_each_row(out_shape, [&sa, &sb], |[oa, ob]| match (ia, ib) {
        (1, 1) => out.extend(a[oa..oa + n].iter().zip(&b[ob..ob + n]).map(|(&x, &y)| value(x, y))),
        (1, 0) => out.extend(a[oa..oa + n].iter().map(|&x| value(x, b[ob]))),
        (0, 1) => out.extend(b[ob..ob + n].iter().map(|&y| value(a[oa], y))),
        _ => out.extend(std::iter::repeat_n(value(a[oa], b[ob]), n)),
    });
}

/// `target += h(g, full, rep)`, where `target` is shaped like `full` (and
/// `g`) if `into_full`, or like `rep`, in which case the blocks are summed.
fn accumulate_repeated<T: Float>(
    full: &[T],
    rep: &[T],
    g: &[T],
    target: &mut [T],
    into_full: bool,
    h: impl Fn(T, T, T) -> T,
) {
    let n = rep.len();
    if n == 0 {
        return;
    }
    let blocks = g.chunks_exact(n).zip(full.chunks_exact(n));
    if into_full {
        for (t, (g, x)) in target.chunks_exact_mut(n).zip(blocks) {
            for (((t, &g), &x), &r) in t.iter_mut().zip(g).zip(x).zip(rep) {
                *t += h(g, x, r);
            }
        }
    } else if n == 1 {
        target[0] += g.iter().zip(full).map(|(&g, &x)| h(g, x, rep[0])).sum::<T>();
    } else {
        for (g, x) in blocks {
            for (((t, &g), &x), &r) in target.iter_mut().zip(g).zip(x).zip(rep) {
                *t += h(g, x, r);
            }
        }
    }
}

/// `target[idx_k] += h(g[i], a[idx_a], b[idx_b])` for every output index `i`,
/// where `idx_*` is `i` mapped into each broadcast operand and `target` is
/// shaped like operand `input`.
fn accumulate<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    out_shape: &[usize],
    g: &[T],
    target: &mut [T],
    input: usize,
    h: impl Fn(T, T, T) -> T,
) {
    let (ad, bd) = (a.data(), b.data());
    match Layout::of(a.shape(), b.shape(), out_shape) {
        Layout::Same => {
            for ((t, &g), (&x, &y)) in target.iter_mut().zip(g).zip(ad.iter().zip(bd)) {
                *t += h(g, x, y);
            }
            return;
        }
        Layout::RepeatB => return accumulate_repeated(ad, bd, g, target, input == 0, h),
        Layout::RepeatA => return accumulate_repeated(bd, ad, g, target, input == 1, |g, y, x| h(g, x, y)),
        Layout::General => {}
    }
    let sa = broadcast_strides(a.shape(), out_shape);
    let sb = broadcast_strides(b.shape(), out_shape);
    let sg = contiguous_strides(out_shape);
    let n = *out_shape.last().expect("shapes differ, so the output has an axis");
    let (ia, ib) = (*sa.last().unwrap(), *sb.last().unwrap());
    for_each_row(out_shape, [&sg, &sa, &sb], |[og, oa, ob]| {
        let g = &g[og..og + n];
        let ot = if input == 0 { oa } else { ob };
        // The innermost strides are 0 or 1; naming them as constants lets
        // the compiler vectorise each case.
        match (input, ia, ib) {
            (_, 1, 1) => row::<1, 1, 1, _>(n, &mut target[ot..], g, &ad[oa..], &bd[ob..], &h),
            (0, 1, 0) => row::<1, 1, 0, _>(n, &mut target[ot..], g, &ad[oa..], &bd[ob..], &h),
            (0, 0, 1) => row::<0, 0, 1, _>(n, &mut target[ot..], g, &ad[oa..], &bd[ob..], &h),
            (1, 1, 0) => row::<0, 1, 0, _>(n, &mut target[ot..], g, &ad[oa..], &bd[ob..], &h),
            (1, 0, 1) => row::<1, 0, 1, _>(n, &mut target[ot..], g, &ad[oa..], &bd[ob..], &h),
            _ => row::<0, 0, 0, _>(n, &mut target[ot..], g, &ad[oa..], &bd[ob..], &h),
        }
    });
}

#[inline(always)]
fn row<const ST: usize, const SA: usize, const SB: usize, T: Float>(
    n: usize,
    target: &mut [T],
    g: &[T],
    a: &[T],
    b: &[T],
    h: &impl Fn(T, T, T) -> T,
) {
    for (j, &g) in g[..n].iter().enumerate() {
        target[j * ST] += h(g, a[j * SA], b[j * SB]);
    }
}

#[cfg(test)]
mod tests {
    use super::Layout;

    #[test]
    fn common_broadcasts_take_the_flat_paths() {
        assert_eq!(Layout::of(&[3, 4], &[3, 4], &[3, 4]), Layout::Same);
        assert_eq!(Layout::of(&[32, 16], &[16], &[32, 16]), Layout::RepeatB);
        assert_eq!(Layout::of(&[32, 16], &[1, 16], &[32, 16]), Layout::RepeatB);
        assert_eq!(Layout::of(&[], &[2, 3], &[2, 3]), Layout::RepeatA);
        assert_eq!(Layout::of(&[2, 3, 4], &[3, 4], &[2, 3, 4]), Layout::RepeatB);
        assert_eq!(Layout::of(&[3, 1], &[1, 4], &[3, 4]), Layout::General);
        assert_eq!(Layout::of(&[2, 3, 4], &[3, 1], &[2, 3, 4]), Layout::General);
    }
}
