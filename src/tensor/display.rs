//! `Display` and `Debug` for tensors, in PyTorch's layout:
//! `tensor([[ 1.0000, -2.5000], [ 3.0000,  4.0000]])` with one row a line,
//! integers printed as `1.`, scientific notation for wide ranges, and the
//! middle of large tensors elided with `...`.

use std::fmt;

use super::Tensor;
use crate::float::Float;

/// Above this many elements, each axis shows only its first and last
/// `EDGE_ITEMS` entries (PyTorch's `threshold` and `edgeitems`).
const SUMMARY_THRESHOLD: usize = 1000;
const EDGE_ITEMS: usize = 3;
const LINE_WIDTH: usize = 80;

/// How every element of one tensor is printed, chosen once from all of them
/// so that columns line up.
struct Formatter {
    mode: Mode,
    width: usize,
}

#[derive(Clone, Copy)]
enum Mode {
    /// Every finite value is an integer: `3.`
    Integer,
    /// `3.1416`
    Fixed,
    /// `3.1416e+00`
    Scientific,
}

impl Formatter {
    fn new<T: Float>(values: &[T]) -> Self {
        let finite: Vec<f64> = values.iter().map(|v| v.to_f64()).filter(|v| v.is_finite()).collect();
        let nonzero_abs: Vec<f64> = finite.iter().map(|v| v.abs()).filter(|&v| v > 0.0).collect();
        let max = nonzero_abs.iter().copied().fold(0.0, f64::max);
        let min = nonzero_abs.iter().copied().fold(f64::INFINITY, f64::min);
        let wide = !nonzero_abs.is_empty() && (max / min > 1000.0 || max > 1e8);
        let mode = if finite.iter().all(|v| v.fract() == 0.0) {
            if wide { Mode::Scientific } else { Mode::Integer }
        } else if wide || (!nonzero_abs.is_empty() && min < 1e-4) {
            Mode::Scientific
        } else {
            Mode::Fixed
        };
        let mut formatter = Formatter { mode, width: 0 };
        formatter.width = values.iter().map(|&v| formatter.format(v).len()).max().unwrap_or(0);
        formatter
    }

    fn format<T: Float>(&self, value: T) -> String {
        let v = value.to_f64();
        if v.is_nan() {
            return "nan".into();
        }
        if v.is_infinite() {
            return if v > 0.0 { "inf".into() } else { "-inf".into() };
        }
        match self.mode {
            Mode::Integer => format!("{v:.0}."),
            Mode::Fixed => format!("{v:.4}"),
            Mode::Scientific => {
                // Rust prints 1.2345e2; PyTorch prints 1.2345e+02.
                let s = format!("{v:.4e}");
                let (mantissa, exponent) = s.split_once('e').unwrap_or((&s, "0"));
                let (sign, digits) = match exponent.strip_prefix('-') {
                    Some(d) => ('-', d),
                    None => ('+', exponent),
                };
                format!("{mantissa}e{sign}{digits:0>2}")
            }
        }
    }

    fn padded<T: Float>(&self, value: T) -> String {
        format!("{:>width$}", self.format(value), width = self.width)
    }
}

/// Writes the sub-tensor at `data` of shape `shape` (nested brackets),
/// `indent` being the column where its opening bracket stands.
fn write_nested<T: Float>(
    out: &mut String,
    data: &[T],
    shape: &[usize],
    indent: usize,
    summarise: bool,
    formatter: &Formatter,
) {
    let n = shape[0];
    let show = |i: usize| !summarise || n <= 2 * EDGE_ITEMS || i < EDGE_ITEMS || i >= n - EDGE_ITEMS;
    let elided = |i: usize| summarise && n > 2 * EDGE_ITEMS && i == EDGE_ITEMS;
    out.push('[');
    if shape.len() == 1 {
        let per_line = (LINE_WIDTH.saturating_sub(indent) / (formatter.width + 2)).max(1);
        let mut on_line = 0;
        let mut first = true;
        for (i, &value) in data[..n].iter().enumerate() {
            if !show(i) && !elided(i) {
                continue;
            }
            if !first {
                out.push(',');
                if on_line == per_line {
                    out.push('\n');
                    out.push_str(&" ".repeat(indent + 1));
                    on_line = 0;
                } else {
                    out.push(' ');
                }
            }
            first = false;
            on_line += 1;
            if elided(i) {
                out.push_str(" ...");
            } else {
                out.push_str(&formatter.padded(value));
            }
        }
    } else {
        let block: usize = shape[1..].iter().product();
        let blank_lines = "\n".repeat(shape.len() - 1);
        let mut first = true;
        for i in 0..n {
            if !show(i) && !elided(i) {
                continue;
            }
            if !first {
                out.push(',');
                out.push_str(&blank_lines);
                out.push_str(&" ".repeat(indent + 1));
            }
            first = false;
            if elided(i) {
                out.push_str("...");
            } else {
                write_nested(out, &data[i * block..(i + 1) * block], &shape[1..], indent + 1, summarise, formatter);
            }
        }
    }
    out.push(']');
}

impl<T: Float> fmt::Display for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const PREFIX: &str = "tensor(";
        let mut out = String::from(PREFIX);
        if self.is_empty() {
            out.push_str("[]");
            if self.ndim() != 1 {
                let dims: Vec<String> = self.shape().iter().map(|d| d.to_string()).collect();
                out.push_str(&format!(", size=({})", dims.join(", ")));
            }
        } else if self.ndim() == 0 {
            out.push_str(&Formatter::new(self.data()).format(self.data()[0]));
        } else {
            let summarise = self.len() > SUMMARY_THRESHOLD;
            let formatter = if summarise {
                Formatter::new(&summary_values(self.data(), self.shape()))
            } else {
                Formatter::new(self.data())
            };
            write_nested(&mut out, self.data(), self.shape(), PREFIX.len(), summarise, &formatter);
        }
        if T::DTYPE != "float32" {
            out.push_str(&format!(", dtype={}", T::DTYPE));
        }
        out.push(')');
        f.write_str(&out)
    }
}

/// The elements a summarised print shows: the first and last `EDGE_ITEMS`
/// along every axis.
fn summary_values<T: Float>(data: &[T], shape: &[usize]) -> Vec<T> {
    if shape.is_empty() {
        return data.to_vec();
    }
    let n = shape[0];
    let block: usize = shape[1..].iter().product();
    let kept: Vec<usize> =
        if n > 2 * EDGE_ITEMS { (0..EDGE_ITEMS).chain(n - EDGE_ITEMS..n).collect() } else { (0..n).collect() };
    kept.into_iter().flat_map(|i| summary_values(&data[i * block..(i + 1) * block], &shape[1..])).collect()
}

impl<T: Float> fmt::Debug for Tensor<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{self} (shape {:?})", self.shape())
    }
}

#[cfg(test)]
mod tests {
    use crate::Tensor;

    #[test]
    fn prints_like_pytorch() {
        let t = Tensor::from_vec(vec![1.0f32, -2.5, 3.0, 4.0], [2, 2]);
        assert_eq!(t.to_string(), "tensor([[ 1.0000, -2.5000],\n        [ 3.0000,  4.0000]])");
        let ints = Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3]);
        assert_eq!(ints.to_string(), "tensor([1., 2., 3.])");
        assert_eq!(Tensor::scalar(0.5f64).to_string(), "tensor(0.5000, dtype=float64)");
        let wide = Tensor::from_vec(vec![1e-5f32, 1.0], [2]);
        assert_eq!(wide.to_string(), "tensor([1.0000e-05, 1.0000e+00])");
        let three_d = Tensor::from_vec(vec![0.0f32; 8], [2, 2, 2]);
        assert_eq!(
            three_d.to_string(),
            "tensor([[[0., 0.],\n         [0., 0.]],\n\n        [[0., 0.],\n         [0., 0.]]])"
        );
    }

    #[test]
    fn long_rows_wrap_and_large_tensors_are_summarised() {
        let row = Tensor::from_fn([1, 30], |i| i as f32 / 7.0);
        assert_eq!(
            row.to_string(),
            "tensor([[0.0000, 0.1429, 0.2857, 0.4286, 0.5714, 0.7143, 0.8571, 1.0000, 1.1429,\n         \
             1.2857, 1.4286, 1.5714, 1.7143, 1.8571, 2.0000, 2.1429, 2.2857, 2.4286,\n         \
             2.5714, 2.7143, 2.8571, 3.0000, 3.1429, 3.2857, 3.4286, 3.5714, 3.7143,\n         \
             3.8571, 4.0000, 4.1429]])"
        );
        let long = Tensor::from_fn([2000], |i| i as f32);
        assert_eq!(
            long.to_string(),
            "tensor([0.0000e+00, 1.0000e+00, 2.0000e+00,  ..., 1.9970e+03, 1.9980e+03,\n        1.9990e+03])"
        );
        assert_eq!(Tensor::<f32>::zeros([0, 3]).to_string(), "tensor([], size=(0, 3))");
        let special = Tensor::from_vec(vec![f32::NAN, 1.5, f32::INFINITY], [3]);
        assert_eq!(special.to_string(), "tensor([   nan, 1.5000,    inf])");
    }
}
