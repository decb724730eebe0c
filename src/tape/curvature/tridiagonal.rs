//! The eigenvalues of a symmetric tridiagonal matrix, and chosen rows of
//! its eigenvectors: the implicit QL method with Wilkinson's shift
//! (EISPACK's `tql2`, Numerical Recipes' `tqli`). Lanczos reduces a
//! Hessian to such a matrix, `T`; its eigenvalues are the Ritz values.
//!
//! Each QL sweep is a chain of plane rotations; the eigenvector matrix is
//! their product, so any subset of its rows can be followed by applying the
//! rotations to those rows alone. Lanczos's convergence test needs only the
//! last row (`β_k |s_k|` is a Ritz pair's residual), which costs `O(k)` per
//! sweep instead of the `O(k²)` of the whole matrix.

/// The eigenvalues of a symmetric tridiagonal matrix, ascending, and the
/// rows asked for of the matrix whose columns are the matching unit
/// eigenvectors.
pub(super) struct TridiagonalEigen {
    pub values: Vec<f64>,
    /// `rows[r][i]`: component `wanted_rows[r]` of eigenvector `i`.
    pub rows: Vec<Vec<f64>>,
}

/// QL sweeps allowed per eigenvalue. Two or three are typical (the
/// convergence is cubic); the limit only turns a bug into a panic.
const MAX_SWEEPS: usize = 60;

/// Eigen-decomposes the `n x n` symmetric tridiagonal matrix with
/// `diagonal` (length `n`) and `off_diagonal` (length `n - 1`; element `i`
/// couples `i` and `i + 1`), keeping the rows `wanted_rows` of the
/// eigenvectors. The input must be finite.
pub(super) fn eigen(diagonal: &[f64], off_diagonal: &[f64], wanted_rows: &[usize]) -> TridiagonalEigen {
    let n = diagonal.len();
    debug_assert_eq!(off_diagonal.len() + 1, n.max(1));
    let mut d = diagonal.to_vec();
    let mut e = off_diagonal.to_vec();
    e.push(0.0);
    let mut rows: Vec<Vec<f64>> =
        wanted_rows.iter().map(|&r| (0..n).map(|i| f64::from(u8::from(i == r))).collect()).collect();
    for l in 0..n {
        let mut sweeps = 0;
        loop {
            // The first negligible off-diagonal element at or after l splits the matrix.
            let m = (l..n - 1).find(|&m| e[m].abs() <= f64::EPSILON * (d[m].abs() + d[m + 1].abs())).unwrap_or(n - 1);
            if m == l {
                break;
            }
            sweeps += 1;
            assert!(sweeps <= MAX_SWEEPS, "tridiagonal eigen: no convergence after {MAX_SWEEPS} QL sweeps");
            // Wilkinson's shift: the eigenvalue of the leading 2 x 2 block nearer d[l].
            let g = (d[l + 1] - d[l]) / (2.0 * e[l]);
            let r = g.hypot(1.0);
            let mut g = d[m] - d[l] + e[l] / (g + if g >= 0.0 { r } else { -r });
            let (mut s, mut c, mut p) = (1.0, 1.0, 0.0);
            let mut deflated = false;
            for i in (l..m).rev() {
                let f = s * e[i];
                let b = c * e[i];
                let r = f.hypot(g);
                e[i + 1] = r;
                if r == 0.0 {
                    // Underflow: the rotation is the identity; split here.
                    d[i + 1] -= p;
                    e[m] = 0.0;
                    deflated = true;
                    break;
                }
                s = f / r;
                c = g / r;
                g = d[i + 1] - p;
                let r = (d[i] - g) * s + 2.0 * c * b;
                p = s * r;
                d[i + 1] = g + p;
                g = c * r - b;
                for row in &mut rows {
                    let f = row[i + 1];
                    row[i + 1] = s * row[i] + c * f;
                    row[i] = c * row[i] - s * f;
                }
            }
            if !deflated {
                d[l] -= p;
                e[l] = g;
                e[m] = 0.0;
            }
        }
    }
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| d[a].total_cmp(&d[b]));
    TridiagonalEigen {
        values: order.iter().map(|&i| d[i]).collect(),
        rows: rows.iter().map(|row| order.iter().map(|&i| row[i]).collect()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The tridiagonal matrix with 2 on the diagonal and -1 beside it (the
    /// second difference) has eigenvalues `2 - 2 cos(kπ/(n+1))` and
    /// eigenvectors `sin(jkπ/(n+1))`.
    #[test]
    fn second_difference_matrix() {
        let n = 40;
        let result = eigen(&vec![2.0; n], &vec![-1.0; n - 1], &(0..n).collect::<Vec<_>>());
        let angle = std::f64::consts::PI / (n + 1) as f64;
        for (k, &value) in result.values.iter().enumerate() {
            let expected = 2.0 - 2.0 * (angle * (k + 1) as f64).cos();
            assert!((value - expected).abs() < 1e-14, "eigenvalue {k}: {value} against {expected}");
            // Up to sign, the normalised sine vector.
            let norm = ((n + 1) as f64 / 2.0).sqrt();
            let sign = result.rows[0][k].signum();
            for (j, row) in result.rows.iter().enumerate() {
                let expected = sign * (angle * ((j + 1) * (k + 1)) as f64).sin() / norm;
                assert!((row[k] - expected).abs() < 1e-13, "vector {k}[{j}]: {} against {expected}", row[k]);
            }
        }
    }

    /// A row asked for alone equals the same row of the whole matrix; a
    /// zero off-diagonal splits the matrix into blocks.
    #[test]
    fn one_row_and_a_split_matrix() {
        let diagonal = [4.0, -1.0, 3.0, 0.5, 2.0];
        let off = [1.0, 0.5, 0.0, -2.0];
        let all = eigen(&diagonal, &off, &[0, 1, 2, 3, 4]);
        let last = eigen(&diagonal, &off, &[4]);
        assert_eq!(all.values, last.values);
        for (a, b) in all.rows[4].iter().zip(&last.rows[0]) {
            assert!((a - b).abs() < 1e-15);
        }
        // T s = λ s for every pair.
        for (k, &value) in all.values.iter().enumerate() {
            let s: Vec<f64> = all.rows.iter().map(|row| row[k]).collect();
            for i in 0..5 {
                let left = if i > 0 { off[i - 1] * s[i - 1] } else { 0.0 };
                let right = if i < 4 { off[i] * s[i + 1] } else { 0.0 };
                let ts = left + diagonal[i] * s[i] + right;
                assert!((ts - value * s[i]).abs() < 1e-14, "pair {k}, row {i}");
            }
        }
        assert!(all.values.windows(2).all(|w| w[0] <= w[1]), "ascending: {:?}", all.values);
    }
}
