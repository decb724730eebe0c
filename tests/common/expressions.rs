//! The expressions of the PyTorch fixtures, by case name, shared by the
//! first-order (`pytorch_ops.rs`) and second-order
//! (`pytorch_second_order.rs`) fixture tests.

use tapegrad::Var;
use tapegrad::nn::loss::{self, Reduction};

/// Builds the expression a fixture case is named after; the same definitions
/// as in `scripts/pytorch_op_fixtures.py` (and, for the cases after
/// `svm_max_margin`, `scripts/pytorch_second_order_fixtures.py`).
pub fn expression<'t>(name: &str, v: &[Var<'t, f64>]) -> Var<'t, f64> {
    match name {
        "add_broadcast_row" | "add_scalar_tensor" => v[0] + v[1],
        "sub_broadcast_outer" => v[0] - v[1],
        "mul_broadcast_3d" => v[0] * v[1],
        "div_broadcast" => v[0] / v[1],
        "scalar_ops" => {
            let x = v[0];
            (2.0 - x) * 3.0 + x / 4.0 - 1.5 + 3.0 / x + (x + 2.0) * 0.5
        }
        "neg" => -v[0],
        "exp" => v[0].exp(),
        "ln" => v[0].ln(),
        "sqrt" => v[0].sqrt(),
        "powf" => v[0].powf(2.5),
        "abs" => v[0].abs(),
        "tanh" => v[0].tanh(),
        "sigmoid_extreme" => v[0].sigmoid(),
        "relu" => v[0].relu(),
        "leaky_relu" => v[0].leaky_relu(0.05),
        "gelu" => v[0].gelu(),
        "gelu_tanh" => v[0].gelu_tanh(),
        "erf" => v[0].erf(),
        "matmul_2d" | "matmul_batched" | "matmul_3d_by_2d" | "matmul_2d_by_3d" => v[0].matmul(v[1]),
        "matmul_vector_vector"
        | "matmul_matrix_vector"
        | "matmul_vector_matrix"
        | "matmul_batched_vector"
        | "matmul_vector_batched" => v[0].matmul(v[1]),
        "linear" => v[0].linear(v[1], Some(v[2])),
        "linear_3d_no_bias" => v[0].linear(v[1], None),
        "transpose" => v[0].transpose(),
        "swap_axes_3d" => v[0].swap_axes(0, 2),
        "reshape" => {
            let tape = v[0].tape();
            let ramp = tape.constant(tapegrad::Tensor::from_fn([3, 4], |i| i as f64));
            v[0].reshape([3, 4]) * ramp
        }
        "sum" => (v[0] * v[0]).sum(),
        "mean" => (v[0] * v[0]).mean(),
        "sum_axis1_keepdim" => v[0].sum_axis(1, true),
        "mean_axis0" => v[0].mean_axis(0, false),
        "max_axis_last_keepdim" => v[0].max_axis(-1, true),
        "max_axis0" => v[0].max_axis(0, false),
        "softmax_last" => v[0].softmax(-1),
        "softmax_axis0" => v[0].softmax(0),
        "log_softmax_extreme" => v[0].log_softmax(-1),
        "log_softmax_middle_axis" => v[0].log_softmax(1),
        "neuron" => (v[0].matmul(v[1]) + v[2]).tanh().mean(),
        "mlp_log_softmax" => {
            let hidden = (v[0].matmul(v[1]) + v[2]).gelu_tanh();
            (hidden.matmul(v[3]) + v[4]).log_softmax(-1).mean()
        }
        "reused_branches" => {
            let y = v[0].tanh();
            y * y + y + v[0].exp() * v[0]
        }
        "mse_loss" => loss::mse_loss(v[0], v[1]),
        "bce_with_logits" | "bce_with_logits_extreme" => loss::bce_with_logits(v[0], v[1]),
        "softmax_cross_entropy" | "softmax_cross_entropy_extreme" => loss::softmax_cross_entropy(v[0], v[1]),
        "svm_max_margin" | "svm_max_margin_labels_too" => loss::svm_max_margin(v[0], v[1]),
        "mse_loss_sum" => loss::mse_loss_with(v[0], v[1], Reduction::Sum),
        "mse_loss_none" => loss::mse_loss_with(v[0], v[1], Reduction::None),
        "bce_with_logits_sum" => loss::bce_with_logits_with(v[0], v[1], Reduction::Sum),
        "bce_with_logits_none" => loss::bce_with_logits_with(v[0], v[1], Reduction::None),
        "softmax_cross_entropy_sum" => loss::softmax_cross_entropy_with(v[0], v[1], Reduction::Sum),
        "softmax_cross_entropy_none" => loss::softmax_cross_entropy_with(v[0], v[1], Reduction::None),
        "svm_max_margin_none" => loss::svm_max_margin_with(v[0], v[1], Reduction::None),
        "broadcast_to" => {
            let x = v[0].broadcast_to([2, 3, 4]);
            x * x
        }
        "sum_to" => {
            let s = v[0].sum_to([1, 3, 1]);
            s * s
        }
        "sign" => v[0].sign() * v[0] * v[0],
        "scalar_methods" => {
            let x = v[0];
            x.add_scalar(0.5).mul_scalar(2.0).div_scalar(4.0).add_scalar(-1.0).powf(2.0) + x.rdiv_scalar(2.0)
        }
        "detach" => v[0].detach() * v[0] * v[0],
        "mean_axis_keepdim_squared" => v[0].mean_axis(2, true).powf(2.0),
        "sum_axis_squared" => v[0].sum_axis(0, false).powf(2.0),
        "matmul_same_operand" => v[0].matmul(v[0]),
        "linear_3d_bias_tanh" => v[0].linear(v[1], Some(v[2])).tanh(),
        "index_select_rows" => v[0].index_select(0, v[1]),
        "index_select_last_axis" => v[0].index_select(-1, v[1]),
        "gather_labels" => v[0].gather(1, v[1]),
        "gather_axis0_smaller" => v[0].gather(0, v[1]),
        "cat_three_axis1" => Var::cat(v, 1),
        "cat_five_axis0" => Var::cat(v, 0),
        "stack_axis1" => Var::stack(v, 1),
        "narrow" => v[0].narrow(1, 1, 3),
        "slice_2d" => v[0].slice(&[1..3, 2..5]),
        "split_recombined" => {
            let p = v[0].split(2, 0);
            Var::cat(&[p[2], p[0], p[1]], 0) * p[0].sum()
        }
        "chunk_product" => {
            let p = v[0].chunk(3, 0);
            p[0] * p[1] * p[2]
        }
        "min_axis_last_keepdim" => v[0].min_axis(-1, true),
        "min_axis0" => v[0].min_axis(0, false),
        "var_axis_sample" => v[0].var_axis(1, 1, false),
        "var_axis_population_keepdim" => v[0].var_axis(1, 0, true),
        "var_axis_correction2" => v[0].var_axis(0, 2, false),
        "std_axis" => v[0].std_axis(-1, 1, true),
        "sin" => v[0].sin(),
        "cos" => v[0].cos(),
        "softplus" => v[0].softplus(),
        "log1p" => v[0].log1p(),
        "expm1" => v[0].expm1(),
        "square" => v[0].square(),
        "rsqrt" => v[0].rsqrt(),
        "clamp" | "clamp_at_bounds" => v[0].clamp(-1.0, 1.0),
        "clamp_min" => v[0].clamp_min(0.0),
        "clamp_max" => v[0].clamp_max(0.0),
        "maximum_broadcast" | "maximum_ties" => v[0].maximum(v[1]),
        "minimum_broadcast" | "minimum_ties" => v[0].minimum(v[1]),
        "where_broadcast" => Var::where_cond(v[0], v[1], v[2]),
        "masked_fill" => v[0].masked_fill(v[1], -2.5),
        other => panic!("fixture case {other} has no tapegrad expression: add it here"),
    }
}
