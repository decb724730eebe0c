//! `add`, `sub`, `mul`, `div` with NumPy broadcasting. The forward loop walks
//! the output row by row; the backward rule sums each input's share back to
//! that input's shape in the same walk, so no op reduces broadcast gradients
//! on its own.

use crate::float::Float;
use crate::shape::{Shape, broadcast_shapes, broadcast_strides, contiguous_strides, for_each_row};
use crate::tape::{BinaryOp, Op, Var};
use crate::tensor::Tensor;

/// A function of two values with its partial derivatives, side by side.
trait BinaryFunction<T: Float>: Copy {
    fn value(self, a: T, b: T) -> T;
    /// `g * ∂f/∂a`.
    fn grad_a(self, g: T, a: T, b: T) -> T;
    /// `g * ∂f/∂b`.
    fn grad_b(self, g: T, a: T, b: T) -> T;
}

#[derive(Clone, Copy)]
struct Add;
impl<T: Float> BinaryFunction<T> for Add {
    fn value(self, a: T, b: T) -> T {
        a + b
    }
    fn grad_a(self, g: T, _: T, _: T) -> T {
        g
    }
    fn grad_b(self, g: T, _: T, _: T) -> T {
        g
    }
}

#[derive(Clone, Copy)]
struct Sub;
impl<T: Float> BinaryFunction<T> for Sub {
    fn value(self, a: T, b: T) -> T {
        a - b
    }
    fn grad_a(self, g: T, _: T, _: T) -> T {
        g
    }
    fn grad_b(self, g: T, _: T, _: T) -> T {
        -g
    }
}

#[derive(Clone, Copy)]
struct Mul;
impl<T: Float> BinaryFunction<T> for Mul {
    fn value(self, a: T, b: T) -> T {
        a * b
    }
    fn grad_a(self, g: T, _: T, b: T) -> T {
        g * b
    }
    fn grad_b(self, g: T, a: T, _: T) -> T {
        g * a
    }
}

#[derive(Clone, Copy)]
struct Div;
impl<T: Float> BinaryFunction<T> for Div {
    fn value(self, a: T, b: T) -> T {
        a / b
    }
    fn grad_a(self, g: T, _: T, b: T) -> T {
        g / b
    }
    fn grad_b(self, g: T, a: T, b: T) -> T {
        -g * a / (b * b)
    }
}

macro_rules! with_function {
    ($op:expr, |$f:ident| $body:expr) => {
        match $op {
            BinaryOp::Add => {
                let $f = Add;
                $body
            }
            BinaryOp::Sub => {
                let $f = Sub;
                $body
            }
            BinaryOp::Mul => {
                let $f = Mul;
                $body
            }
            BinaryOp::Div => {
                let $f = Div;
                $body
            }
        }
    };
}

fn op_name(op: BinaryOp) -> &'static str {
    match op {
        BinaryOp::Add => "add",
        BinaryOp::Sub => "sub",
        BinaryOp::Mul => "mul",
        BinaryOp::Div => "div",
    }
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

fn layout(a: &[usize], b: &[usize], out: &[usize]) -> Layout {
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

/// `out = value(full, rep)` where `rep` repeats along `full`.
fn forward_repeated<T: Float>(full: &[T], rep: &[T], out: &mut Vec<T>, value: impl Fn(T, T) -> T) {
    if let [r] = rep {
        out.extend(full.iter().map(|&x| value(x, *r)));
    } else {
        for block in full.chunks_exact(rep.len()) {
            out.extend(block.iter().zip(rep).map(|(&x, &r)| value(x, r)));
        }
    }
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

/// Forward: `out = f(a, b)` over the broadcast shape `out_shape`.
fn forward<T: Float, F: BinaryFunction<T>>(f: F, a: &Tensor<T>, b: &Tensor<T>, out_shape: &[usize], out: &mut Vec<T>) {
    let (a_shape, b_shape) = (a.shape(), b.shape());
    let (a, b) = (a.data(), b.data());
    match layout(a_shape, b_shape, out_shape) {
        Layout::Same => return out.extend(a.iter().zip(b).map(|(&x, &y)| f.value(x, y))),
        Layout::RepeatB => return forward_repeated(a, b, out, |x, y| f.value(x, y)),
        Layout::RepeatA => return forward_repeated(b, a, out, |y, x| f.value(x, y)),
        Layout::General => {}
    }
    let sa = broadcast_strides(a_shape, out_shape);
    let sb = broadcast_strides(b_shape, out_shape);
    let n = *out_shape.last().expect("shapes differ, so the output has an axis");
    let (ia, ib) = (*sa.last().unwrap(), *sb.last().unwrap());
    for_each_row(out_shape, [&sa, &sb], |[oa, ob]| match (ia, ib) {
        (1, 1) => out.extend(a[oa..oa + n].iter().zip(&b[ob..ob + n]).map(|(&x, &y)| f.value(x, y))),
        (1, 0) => out.extend(a[oa..oa + n].iter().map(|&x| f.value(x, b[ob]))),
        (0, 1) => out.extend(b[ob..ob + n].iter().map(|&y| f.value(a[oa], y))),
        _ => out.extend(std::iter::repeat_n(f.value(a[oa], b[ob]), n)),
    });
}

/// Backward: adds input `k`'s share of `g` into `target`, summing over every
/// axis along which that input was broadcast.
pub(crate) fn backward<T: Float>(
    op: BinaryOp,
    k: usize,
    a: &Tensor<T>,
    b: &Tensor<T>,
    out_shape: &[usize],
    g: &[T],
    target: &mut [T],
) {
    with_function!(op, |f| if k == 0 {
        accumulate(a, b, out_shape, g, target, 0, |g, x, y| f.grad_a(g, x, y))
    } else {
        accumulate(a, b, out_shape, g, target, 1, |g, x, y| f.grad_b(g, x, y))
    })
}

/// `target[idx_k] += h(g[i], a[idx_a], b[idx_b])` for every output index `i`,
/// where `idx_*` is `i` mapped into each broadcast operand and `target` is
/// shaped like operand `k`.
fn accumulate<T: Float>(
    a: &Tensor<T>,
    b: &Tensor<T>,
    out_shape: &[usize],
    g: &[T],
    target: &mut [T],
    k: usize,
    h: impl Fn(T, T, T) -> T,
) {
    let (ad, bd) = (a.data(), b.data());
    match layout(a.shape(), b.shape(), out_shape) {
        Layout::Same => {
            for ((t, &g), (&x, &y)) in target.iter_mut().zip(g).zip(ad.iter().zip(bd)) {
                *t += h(g, x, y);
            }
            return;
        }
        Layout::RepeatB => return accumulate_repeated(ad, bd, g, target, k == 0, h),
        Layout::RepeatA => return accumulate_repeated(bd, ad, g, target, k == 1, |g, y, x| h(g, x, y)),
        Layout::General => {}
    }
    let sa = broadcast_strides(a.shape(), out_shape);
    let sb = broadcast_strides(b.shape(), out_shape);
    let sg = contiguous_strides(out_shape);
    let n = *out_shape.last().expect("shapes differ, so the output has an axis");
    let (ia, ib) = (*sa.last().unwrap(), *sb.last().unwrap());
    for_each_row(out_shape, [&sg, &sa, &sb], |[og, oa, ob]| {
        let g = &g[og..og + n];
        let ot = if k == 0 { oa } else { ob };
        // The innermost strides are 0 or 1; naming them as constants lets
        // the compiler vectorise each case.
        match (k, ia, ib) {
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

impl<'t, T: Float> Var<'t, T> {
    pub(crate) fn binary(self, op: BinaryOp, other: Var<'t, T>) -> Var<'t, T> {
        self.same_tape(other, op_name(op));
        let (a_shape, b_shape) = (self.shape(), other.shape());
        let out_shape: Shape = broadcast_shapes(&a_shape, &b_shape)
            .unwrap_or_else(|| panic!("{}: shapes {a_shape:?} and {b_shape:?} do not broadcast", op_name(op)));
        let (ia, ib) = (self.id as usize, other.id as usize);
        let shape = out_shape.clone();
        self.tape.record(Op::Binary(op, self.id, other.id), out_shape, |nodes, out| {
            with_function!(op, |f| forward(f, &nodes[ia].value, &nodes[ib].value, &shape, out))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::{Layout, layout};

    #[test]
    fn common_broadcasts_take_the_flat_paths() {
        assert_eq!(layout(&[3, 4], &[3, 4], &[3, 4]), Layout::Same);
        assert_eq!(layout(&[32, 16], &[16], &[32, 16]), Layout::RepeatB);
        assert_eq!(layout(&[32, 16], &[1, 16], &[32, 16]), Layout::RepeatB);
        assert_eq!(layout(&[], &[2, 3], &[2, 3]), Layout::RepeatA);
        assert_eq!(layout(&[2, 3, 4], &[3, 4], &[2, 3, 4]), Layout::RepeatB);
        assert_eq!(layout(&[3, 1], &[1, 4], &[3, 4]), Layout::General);
        assert_eq!(layout(&[2, 3, 4], &[3, 1], &[2, 3, 4]), Layout::General);
    }
}
