//! Every op that can reject its inputs does so with a panic (or an `Err`)
//! whose message names the op and the offending shapes.
//!
//! Each `expected` string is the full message up to the shapes (or the whole
//! message where it is short), so a change of wording shows up here.

use tapegrad::{Param, Tape, Tensor, TensorError};

/// A tensor of `shape` holding `0, 1, 2, ...` (values do not matter here).
fn t(shape: &[usize]) -> Tensor<f32> {
    Tensor::from_fn(shape, |i| i as f32)
}

// ---------------------------------------------------------------------------
// matmul
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "matmul: cannot multiply [32, 3] by [4, 16]")]
fn matmul_rejects_mismatched_inner_dimensions() {
    let tape = Tape::new();
    let _ = tape.var(t(&[32, 3])).matmul(tape.var(t(&[4, 16])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [2, 3, 4] by [5, 6]")]
fn matmul_rejects_mismatched_inner_dimensions_3d_by_2d() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3, 4])).matmul(tape.var(t(&[5, 6])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [3, 4] by [2, 5, 6]")]
fn matmul_rejects_mismatched_inner_dimensions_2d_by_3d() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3, 4])).matmul(tape.var(t(&[2, 5, 6])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [3] by [4, 5]")]
fn matmul_rejects_a_vector_of_the_wrong_length_on_the_left() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])).matmul(tape.var(t(&[4, 5])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [2, 3] by [4]")]
fn matmul_rejects_a_vector_of_the_wrong_length_on_the_right() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).matmul(tape.var(t(&[4])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [] by [] (operands must be 1-D, 2-D or 3-D)")]
fn matmul_rejects_scalars() {
    let tape = Tape::new();
    let _ = tape.var(t(&[])).matmul(tape.var(t(&[])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [2, 2, 3, 4] by [4, 5] (operands must be 1-D, 2-D or 3-D)")]
fn matmul_rejects_4d_operand() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 2, 3, 4])).matmul(tape.var(t(&[4, 5])));
}

#[test]
#[should_panic(expected = "matmul: cannot multiply [2, 3, 4] by [3, 4, 5] (batch sizes differ)")]
fn matmul_rejects_batch_size_mismatch() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3, 4])).matmul(tape.var(t(&[3, 4, 5])));
}

#[test]
#[should_panic(expected = "matmul: the operands belong to different tapes")]
fn matmul_rejects_operands_from_different_tapes() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let _ = tape_a.var(t(&[2, 3])).matmul(tape_b.var(t(&[3, 2])));
}

// ---------------------------------------------------------------------------
// add, sub, mul, div: broadcasting and tapes
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "add: shapes [3] and [4] do not broadcast")]
fn add_rejects_shapes_that_do_not_broadcast() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])) + tape.var(t(&[4]));
}

#[test]
#[should_panic(expected = "sub: shapes [3] and [4] do not broadcast")]
fn sub_rejects_shapes_that_do_not_broadcast() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])) - tape.var(t(&[4]));
}

#[test]
#[should_panic(expected = "mul: shapes [3] and [4] do not broadcast")]
fn mul_rejects_shapes_that_do_not_broadcast() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])) * tape.var(t(&[4]));
}

#[test]
#[should_panic(expected = "div: shapes [3] and [4] do not broadcast")]
fn div_rejects_shapes_that_do_not_broadcast() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])) / tape.var(t(&[4]));
}

/// Trailing axes agree but a leading one does not: `[2, 3, 4]` with `[3, 3, 4]`.
#[test]
#[should_panic(expected = "add: shapes [2, 3, 4] and [3, 3, 4] do not broadcast")]
fn add_rejects_mismatched_leading_axis() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3, 4])) + tape.var(t(&[3, 3, 4]));
}

/// A transposed operand: `[2, 3]` with `[3, 2]`.
#[test]
#[should_panic(expected = "mul: shapes [2, 3] and [3, 2] do not broadcast")]
fn mul_rejects_transposed_operand() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])) * tape.var(t(&[3, 2]));
}

#[test]
#[should_panic(expected = "add: the operands belong to different tapes")]
fn add_rejects_operands_from_different_tapes() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let _ = tape_a.var(t(&[2])) + tape_b.var(t(&[2]));
}

#[test]
#[should_panic(expected = "sub: the operands belong to different tapes")]
fn sub_rejects_operands_from_different_tapes() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let _ = tape_a.var(t(&[2])) - tape_b.var(t(&[2]));
}

#[test]
#[should_panic(expected = "mul: the operands belong to different tapes")]
fn mul_rejects_operands_from_different_tapes() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let _ = tape_a.var(t(&[2])) * tape_b.var(t(&[2]));
}

#[test]
#[should_panic(expected = "div: the operands belong to different tapes")]
fn div_rejects_operands_from_different_tapes() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let _ = tape_a.var(t(&[2])) / tape_b.var(t(&[2]));
}

/// Checked before the shapes: operands from two tapes are rejected even when
/// their shapes would not broadcast either.
#[test]
#[should_panic(expected = "add: the operands belong to different tapes")]
fn add_reports_different_tapes_before_shapes() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let _ = tape_a.var(t(&[3])) + tape_b.var(t(&[4]));
}

// ---------------------------------------------------------------------------
// reshape, transpose, swap_axes
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "reshape: cannot reshape [2, 3] into [4, 2]")]
fn reshape_rejects_a_different_element_count() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).reshape([4, 2]);
}

#[test]
#[should_panic(expected = "reshape: cannot reshape [] into [2]")]
fn reshape_rejects_scalar_into_two_elements() {
    let tape = Tape::new();
    let _ = tape.var(t(&[])).reshape([2]);
}

#[test]
#[should_panic(expected = "transpose: needs at least 2 axes, got shape [3]")]
fn transpose_rejects_a_vector() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])).transpose();
}

#[test]
#[should_panic(expected = "transpose: needs at least 2 axes, got shape []")]
fn transpose_rejects_a_scalar() {
    let tape = Tape::new();
    let _ = tape.var(t(&[])).transpose();
}

#[test]
#[should_panic(expected = "swap_axes: axis 3 is out of range for shape [2, 3, 4]")]
fn swap_axes_rejects_first_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3, 4])).swap_axes(3, 0);
}

#[test]
#[should_panic(expected = "swap_axes: axis -4 is out of range for shape [2, 3, 4]")]
fn swap_axes_rejects_second_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3, 4])).swap_axes(0, -4);
}

// ---------------------------------------------------------------------------
// Reductions and softmax: axis out of range
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "sum_axis: axis 2 is out of range for shape [2, 3]")]
fn sum_axis_rejects_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).sum_axis(2, false);
}

#[test]
#[should_panic(expected = "sum_axis: axis -3 is out of range for shape [2, 3]")]
fn sum_axis_rejects_negative_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).sum_axis(-3, true);
}

#[test]
#[should_panic(expected = "sum_axis: axis 0 is out of range for shape []")]
fn sum_axis_rejects_any_axis_of_a_scalar() {
    let tape = Tape::new();
    let _ = tape.var(t(&[])).sum_axis(0, false);
}

#[test]
#[should_panic(expected = "mean_axis: axis 2 is out of range for shape [2, 3]")]
fn mean_axis_rejects_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).mean_axis(2, false);
}

#[test]
#[should_panic(expected = "mean_axis: axis -3 is out of range for shape [2, 3]")]
fn mean_axis_rejects_negative_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).mean_axis(-3, true);
}

#[test]
#[should_panic(expected = "max_axis: axis 2 is out of range for shape [2, 3]")]
fn max_axis_rejects_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).max_axis(2, false);
}

#[test]
#[should_panic(expected = "max_axis: axis -3 is out of range for shape [2, 3]")]
fn max_axis_rejects_negative_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).max_axis(-3, true);
}

/// The maximum of nothing is undefined.
#[test]
#[should_panic(expected = "max_axis: axis 1 of shape [2, 0] is empty")]
fn max_axis_rejects_an_empty_axis() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 0])).max_axis(-1, true);
}

#[test]
#[should_panic(expected = "softmax: axis 2 is out of range for shape [2, 3]")]
fn softmax_rejects_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).softmax(2);
}

#[test]
#[should_panic(expected = "softmax: axis -3 is out of range for shape [2, 3]")]
fn softmax_rejects_negative_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).softmax(-3);
}

#[test]
#[should_panic(expected = "log_softmax: axis 2 is out of range for shape [2, 3]")]
fn log_softmax_rejects_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).log_softmax(2);
}

#[test]
#[should_panic(expected = "log_softmax: axis -3 is out of range for shape [2, 3]")]
fn log_softmax_rejects_negative_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).log_softmax(-3);
}

// ---------------------------------------------------------------------------
// backward, backward_with, item
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "backward: the output has shape [2]; backward needs one element")]
fn backward_rejects_a_non_scalar_output() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2])).tanh().backward();
}

#[test]
#[should_panic(expected = "backward: the output has shape [2, 0]; backward needs one element")]
fn backward_rejects_an_empty_output() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 0])).backward();
}

#[test]
#[should_panic(expected = "backward_with: seed of shape [3] for an output of shape [2]")]
fn backward_with_rejects_a_seed_of_another_shape() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2])).exp().backward_with(&t(&[3]));
}

/// Same number of elements, different shape: still rejected.
#[test]
#[should_panic(expected = "backward_with: seed of shape [3, 2] for an output of shape [2, 3]")]
fn backward_with_rejects_a_seed_with_same_length_but_other_shape() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).exp().backward_with(&t(&[3, 2]));
}

#[test]
#[should_panic(expected = "item: tensor of shape [2] has 2 elements, not 1")]
fn var_item_rejects_more_than_one_element() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2])).item();
}

#[test]
#[should_panic(expected = "item: tensor of shape [0] has 0 elements, not 1")]
fn tensor_item_rejects_an_empty_tensor() {
    let _ = t(&[0]).item();
}

// ---------------------------------------------------------------------------
// Building tensors and constants
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "Tensor::from_vec: cannot build a tensor of shape [2, 3] (6 elements) from 5 values")]
fn from_vec_rejects_a_length_mismatch() {
    let _ = Tensor::from_vec(vec![0.0f32; 5], [2, 3]);
}

#[test]
fn tensor_new_returns_an_error_naming_the_shape_and_the_length() {
    let err = Tensor::<f32>::new(vec![0.0; 5], [2, 3]).unwrap_err();
    assert!(matches!(&err, TensorError::LengthMismatch { len: 5, shape } if shape.as_slice() == [2, 3]));
    let message = err.to_string();
    assert!(message.contains("[2, 3]"), "the message names the shape: {message}");
    assert!(message.contains('5'), "the message names the length: {message}");
    assert_eq!(message, "cannot build a tensor of shape [2, 3] (6 elements) from 5 values");
    // It is a std::error::Error, usable with `?` in a `Box<dyn Error>` context.
    let boxed: Box<dyn std::error::Error> = Box::new(err);
    assert_eq!(boxed.to_string(), message);
}

#[test]
fn tensor_new_accepts_a_matching_length() {
    let ok = Tensor::<f64>::new(vec![1.0; 6], [2, 3]).expect("6 values fit [2, 3]");
    assert_eq!(ok.shape(), &[2, 3]);
    assert!(Tensor::<f64>::new(vec![1.0], []).is_ok(), "one value fits a scalar");
    assert!(Tensor::<f64>::new(vec![], [0, 3]).is_ok(), "no values fit an empty shape");
    assert!(Tensor::<f64>::new(vec![], []).is_err(), "a scalar needs one value");
}

#[test]
#[should_panic(expected = "constant_from_slice: 5 values do not fit shape [2, 3]")]
fn constant_from_slice_rejects_a_length_mismatch() {
    let tape = Tape::<f32>::new();
    let _ = tape.constant_from_slice(&[0.0; 5], [2, 3]);
}

#[test]
#[should_panic(expected = "reshape: cannot reshape [2, 3] into [4, 2]")]
fn tensor_reshape_rejects_a_different_element_count() {
    let _ = t(&[2, 3]).reshape([4, 2]);
}

#[test]
#[should_panic(expected = "get: index [2, 0] is out of range for shape [2, 3]")]
fn tensor_get_rejects_an_index_out_of_range() {
    let _ = t(&[2, 3]).get(&[2, 0]);
}

#[test]
#[should_panic(expected = "get: index [1] is out of range for shape [2, 3]")]
fn tensor_get_rejects_an_index_of_the_wrong_rank() {
    let _ = t(&[2, 3]).get(&[1]);
}

#[test]
#[should_panic(expected = "Param::set_value: w has shape [2], got [3]")]
fn param_set_value_rejects_another_shape() {
    let mut w = Param::new("w", t(&[2]));
    w.set_value(t(&[3]));
}

// ---------------------------------------------------------------------------
// Looking up gradients
// ---------------------------------------------------------------------------

#[test]
#[should_panic(
    expected = "wrt: node #1 (constant, shape [2]) has no gradient: it is a constant or computed only from constants"
)]
fn wrt_rejects_a_constant() {
    let tape = Tape::new();
    let x = tape.var(t(&[2]));
    let c = tape.constant(t(&[2]));
    let grads = (x * c).sum().backward();
    let _ = grads.wrt(c);
}

#[test]
#[should_panic(expected = "wrt: node #2 (")]
fn wrt_rejects_a_value_computed_only_from_constants() {
    let tape = Tape::new();
    let x = tape.var(t(&[2]));
    let c = tape.constant(t(&[2]));
    let c2 = c.exp();
    let grads = (x * c2).sum().backward();
    let _ = grads.wrt(c2);
}

#[test]
fn get_returns_none_for_a_constant() {
    let tape = Tape::new();
    let x = tape.var(t(&[2]));
    let c = tape.constant(t(&[2]));
    let grads = (x * c).sum().backward();
    assert!(grads.get(c).is_none());
    assert_eq!(grads.get(x).map(|g| g.shape().to_vec()), Some(vec![2]));
}

#[test]
#[should_panic(expected = "Gradients: the tape was cleared since these gradients were computed")]
fn gradients_reject_lookup_after_the_tape_was_cleared() {
    let mut tape = Tape::new();
    let grads = tape.var(t(&[2])).sum().backward();
    tape.clear();
    // A new graph on the same tape: node #0 exists again, but it is another node.
    let x = tape.var(t(&[2]));
    let _ = grads.wrt(x);
}

#[test]
#[should_panic(expected = "Gradients: this Var belongs to another tape than the one the gradients were computed on")]
fn gradients_reject_a_var_of_another_tape() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let grads = tape_a.var(t(&[2])).sum().backward();
    let y = tape_b.var(t(&[2]));
    let _ = grads.wrt(y);
}

#[test]
#[should_panic(expected = "node: the Var belongs to another tape")]
fn tape_node_rejects_a_var_of_another_tape() {
    let (tape_a, tape_b) = (Tape::new(), Tape::new());
    let y = tape_b.var(t(&[2]));
    let _ = tape_a.node(y);
}

// ---------------------------------------------------------------------------
// Sampling
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "Tensor::uniform: invalid range [1, 1)")]
fn uniform_rejects_an_empty_range() {
    use rand::{SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(0);
    let _ = Tensor::<f64>::uniform([2], 1.0, 1.0, &mut rng);
}

#[test]
#[should_panic(expected = "Tensor::normal: std must be finite and >= 0, got inf")]
fn normal_rejects_an_infinite_std() {
    use rand::{SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(0);
    let _ = Tensor::<f64>::normal([2], 0.0, f64::INFINITY, &mut rng);
}

/// rand_distr accepts a negative std, so `Tensor::normal` checks it itself.
#[test]
#[should_panic(expected = "Tensor::normal: std must be finite and >= 0, got -1")]
fn normal_rejects_a_negative_std() {
    use rand::{SeedableRng, rngs::StdRng};
    let mut rng = StdRng::seed_from_u64(0);
    let _ = Tensor::<f64>::normal([2], 0.0, -1.0, &mut rng);
}

#[test]
#[should_panic(expected = "linear: cannot apply weight [16, 2] to input [32, 3] (weight is [out, in])")]
fn linear_rejects_an_input_of_the_wrong_width() {
    let tape = Tape::<f32>::new();
    let _ = tape.var(t(&[32, 3])).linear(tape.var(t(&[16, 2])), None);
}

#[test]
#[should_panic(expected = "linear: bias [15] does not fit weight [16, 2]; expected [16]")]
fn linear_rejects_a_bias_of_the_wrong_length() {
    let tape = Tape::<f32>::new();
    let _ = tape.var(t(&[32, 2])).linear(tape.var(t(&[16, 2])), Some(tape.var(t(&[15]))));
}

// ---------------------------------------------------------------------------
// index_select and gather: shapes and bad indices
// ---------------------------------------------------------------------------

/// A constant index tensor on `tape`.
fn idx<'t>(tape: &'t Tape, values: &[f32], shape: &[usize]) -> tapegrad::Var<'t> {
    tape.constant(Tensor::from_vec(values.to_vec(), shape))
}

#[test]
#[should_panic(expected = "index_select: index 3 at position [1] is out of bounds for axis 0 with extent 3")]
fn index_select_names_an_index_past_the_end() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3, 2])).index_select(0, idx(&tape, &[0.0, 3.0], &[2]));
}

#[test]
#[should_panic(expected = "index_select: index -1 at position [0] is out of bounds for axis 1 with extent 2")]
fn index_select_names_a_negative_index() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3, 2])).index_select(-1, idx(&tape, &[-1.0], &[1]));
}

#[test]
#[should_panic(expected = "index_select: index 1.5 at position [2] is not a whole number")]
fn index_select_names_an_index_that_is_not_a_whole_number() {
    let _ = t(&[4]).index_select(0, &Tensor::from_vec(vec![0.0, 1.0, 1.5], [3]));
}

#[test]
#[should_panic(expected = "index_select: index NaN at position [0] is not a whole number")]
fn index_select_names_a_nan_index() {
    let _ = t(&[4]).index_select(0, &Tensor::from_vec(vec![f32::NAN], [1]));
}

#[test]
#[should_panic(expected = "index_select: the indices must be 0-D or 1-D, got shape [2, 2] (reshape them to [4])")]
fn index_select_rejects_indices_of_two_axes() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3, 2])).index_select(0, idx(&tape, &[0.0, 1.0, 2.0, 0.0], &[2, 2]));
}

#[test]
#[should_panic(expected = "index_select: axis 2 is out of range for shape [3, 2]")]
fn index_select_rejects_an_axis_out_of_range() {
    let _ = t(&[3, 2]).index_select(2, &Tensor::from_vec(vec![0.0], [1]));
}

#[test]
#[should_panic(expected = "gather: index 4 at position [1, 0] is out of bounds for axis 1 with extent 4")]
fn gather_names_an_index_and_its_position() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 4])).gather(1, idx(&tape, &[3.0, 4.0], &[2, 1]));
}

#[test]
#[should_panic(expected = "gather: indices of shape [2] do not fit [2, 4] along axis 1 \
                           (same rank, and no larger extent on the other axes)")]
fn gather_rejects_indices_of_another_rank() {
    let _ = t(&[2, 4]).gather(1, &Tensor::from_vec(vec![0.0, 1.0], [2]));
}

#[test]
#[should_panic(expected = "gather: indices of shape [3, 1] do not fit [2, 4] along axis 1")]
fn gather_rejects_indices_longer_than_the_input_on_another_axis() {
    let _ = t(&[2, 4]).gather(1, &Tensor::from_vec(vec![0.0, 1.0, 2.0], [3, 1]));
}

// ---------------------------------------------------------------------------
// cat, stack, narrow, slice, split, chunk
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "cat: piece 1 has shape [2, 3] and piece 0 [1, 2]; they may differ only along axis 0")]
fn cat_rejects_pieces_that_differ_on_another_axis() {
    let tape = Tape::new();
    let _ = tapegrad::Var::cat(&[tape.var(t(&[1, 2])), tape.var(t(&[2, 3]))], 0);
}

#[test]
#[should_panic(expected = "cat: piece 1 has shape [2] and piece 0 [1, 2]; they may differ only along axis 0")]
fn cat_rejects_pieces_of_another_rank() {
    let _ = Tensor::cat(&[t(&[1, 2]), t(&[2])], 0);
}

#[test]
#[should_panic(expected = "cat: needs at least one piece")]
fn cat_rejects_no_pieces() {
    let _ = Tensor::<f32>::cat(&[] as &[Tensor<f32>], 0);
}

#[test]
#[should_panic(expected = "cat: axis 0 is out of range for pieces of shape []")]
fn cat_rejects_scalars() {
    let _ = Tensor::cat(&[t(&[]), t(&[])], 0);
}

#[test]
#[should_panic(expected = "stack: piece 2 has shape [3] and piece 0 [2]; stacked pieces must have one shape")]
fn stack_rejects_pieces_of_different_shapes() {
    let _ = Tensor::stack(&[t(&[2]), t(&[2]), t(&[3])], 0);
}

#[test]
#[should_panic(expected = "stack: axis 3 is out of range for pieces of shape [2, 2]")]
fn stack_rejects_an_axis_past_the_new_one() {
    let _ = Tensor::stack(&[t(&[2, 2]), t(&[2, 2])], 3);
}

#[test]
#[should_panic(expected = "narrow: start 3 + length 2 exceeds the extent 4 of axis 1 (shape [2, 4])")]
fn narrow_rejects_a_block_past_the_end() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 4])).narrow(1, 3, 2);
}

#[test]
#[should_panic(expected = "slice: range 1..5 is out of bounds for axis 1 with extent 4 (shape [3, 4])")]
fn slice_rejects_a_range_past_the_end() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3, 4])).slice(&[0..3, 1..5]);
}

#[test]
#[should_panic(expected = "slice: range 2..1 of axis 0 ends before it starts")]
fn slice_rejects_a_reversed_range() {
    #[allow(clippy::reversed_empty_ranges, clippy::single_range_in_vec_init)]
    let _ = t(&[3, 4]).slice(&[2..1]);
}

#[test]
#[should_panic(expected = "slice: 3 ranges for shape [3, 4] of 2 axes")]
fn slice_rejects_more_ranges_than_axes() {
    let _ = t(&[3, 4]).slice(&[0..1, 0..1, 0..1]);
}

#[test]
#[should_panic(expected = "split_sizes: sizes [1, 2] add up to 3, not the extent 4 of axis 0 (shape [4, 2])")]
fn split_sizes_rejects_sizes_that_do_not_add_up() {
    let _ = t(&[4, 2]).split_sizes(&[1, 2], 0);
}

#[test]
#[should_panic(expected = "split: pieces of size 0 cannot split axis 0 of shape [4, 2]")]
fn split_rejects_size_zero() {
    let _ = t(&[4, 2]).split(0, 0);
}

#[test]
#[should_panic(expected = "chunk: cannot cut axis 1 of shape [4, 2] into 0 chunks")]
fn chunk_rejects_zero_chunks() {
    let tape = Tape::new();
    let _ = tape.var(t(&[4, 2])).chunk(0, -1);
}

// ---------------------------------------------------------------------------
// maximum, minimum, where_cond, constructors
// ---------------------------------------------------------------------------

#[test]
#[should_panic(expected = "maximum: shapes [3] and [4] do not broadcast")]
fn maximum_rejects_shapes_that_do_not_broadcast() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])).maximum(tape.var(t(&[4])));
}

#[test]
#[should_panic(expected = "minimum: shapes [2, 3] and [3, 2] do not broadcast")]
fn minimum_rejects_shapes_that_do_not_broadcast() {
    let _ = t(&[2, 3]).minimum(&t(&[3, 2]));
}

#[test]
#[should_panic(expected = "where_cond: shapes [3, 1] (condition), [3, 4] and [5] do not broadcast")]
fn where_cond_rejects_operands_that_do_not_broadcast() {
    let _ = Tensor::where_cond(&t(&[3, 1]), &t(&[3, 4]), &t(&[5]));
}

#[test]
#[should_panic(expected = "masked_fill: a mask of shape [2] does not broadcast to [3]")]
fn masked_fill_rejects_a_mask_that_does_not_broadcast() {
    let tape = Tape::new();
    let _ = tape.var(t(&[3])).masked_fill(tape.constant(t(&[2])), 0.0);
}

/// The mask may not enlarge the value (the result has the value's shape).
#[test]
#[should_panic(expected = "masked_fill: a mask of shape [2, 3] does not broadcast to [3]")]
fn masked_fill_rejects_a_mask_larger_than_the_value() {
    let _ = t(&[3]).masked_fill(&t(&[2, 3]), 0.0);
}

#[test]
#[should_panic(expected = "arange: step -1 points away from 5 (start 0)")]
fn arange_rejects_a_step_away_from_the_end() {
    let _ = Tensor::<f32>::arange(0.0, 5.0, -1.0);
}

#[test]
#[should_panic(expected = "arange: step 0 must be finite and nonzero")]
fn arange_rejects_a_zero_step() {
    let _ = Tensor::<f32>::arange(0.0, 5.0, 0.0);
}

#[test]
#[should_panic(expected = "argmax: axis 1 of shape [2, 0] is empty")]
fn argmax_rejects_an_empty_axis() {
    let _ = t(&[2, 0]).argmax(1, false);
}

#[test]
#[should_panic(expected = "var_axis: axis 2 is out of range for shape [2, 3]")]
fn var_axis_rejects_an_axis_out_of_range() {
    let tape = Tape::new();
    let _ = tape.var(t(&[2, 3])).var_axis(2, 1, false);
}
