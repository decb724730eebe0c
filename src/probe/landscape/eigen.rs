//! Eigenvalues and eigenvectors of a small symmetric matrix, by cyclic
//! Jacobi rotations: what the principal directions of a path need (a Gram
//! matrix of a few hundred snapshots at most). Slow for large matrices
//! (`O(n³)` a sweep, a handful of sweeps) but exact to rounding and simple.

/// The eigenvalues of the symmetric `n × n` matrix `a` (row-major), from
/// the largest down, each with its unit eigenvector.
pub(super) fn symmetric_eigen(mut a: Vec<f64>, n: usize) -> Vec<(f64, Vec<f64>)> {
    assert_eq!(a.len(), n * n, "symmetric_eigen: {} values for a {n} x {n} matrix", a.len());
    let mut v = vec![0.0; n * n];
    for i in 0..n {
        v[i * n + i] = 1.0;
    }
    for _sweep in 0..64 {
        let off: f64 = (0..n).flat_map(|p| (p + 1..n).map(move |q| (p, q))).map(|(p, q)| a[p * n + q].powi(2)).sum();
        let diagonal: f64 = (0..n).map(|i| a[i * n + i].powi(2)).sum();
        if off <= 1e-30 * diagonal || off == 0.0 {
            break;
        }
        for p in 0..n {
            for q in p + 1..n {
                let apq = a[p * n + q];
                if apq == 0.0 {
                    continue;
                }
                // The rotation in the (p, q) plane that zeroes a[p][q]:
                // t = tan φ, the smaller root of t² + 2θt − 1 = 0.
                let theta = (a[q * n + q] - a[p * n + p]) / (2.0 * apq);
                let t = theta.signum() / (theta.abs() + (theta * theta + 1.0).sqrt());
                let c = 1.0 / (t * t + 1.0).sqrt();
                let s = t * c;
                for k in 0..n {
                    let (kp, kq) = (a[k * n + p], a[k * n + q]);
                    a[k * n + p] = c * kp - s * kq;
                    a[k * n + q] = s * kp + c * kq;
                }
                for k in 0..n {
                    let (pk, qk) = (a[p * n + k], a[q * n + k]);
                    a[p * n + k] = c * pk - s * qk;
                    a[q * n + k] = s * pk + c * qk;
                }
                for k in 0..n {
                    let (kp, kq) = (v[k * n + p], v[k * n + q]);
                    v[k * n + p] = c * kp - s * kq;
                    v[k * n + q] = s * kp + c * kq;
                }
            }
        }
    }
    let mut pairs: Vec<(f64, Vec<f64>)> =
        (0..n).map(|i| (a[i * n + i], (0..n).map(|k| v[k * n + i]).collect())).collect();
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0));
    pairs
}

#[cfg(test)]
mod tests {
    use super::symmetric_eigen;

    #[test]
    fn eigenpairs_of_a_known_matrix() {
        // [[2, 1, 0], [1, 2, 0], [0, 0, 5]]: eigenvalues 5, 3, 1.
        let pairs = symmetric_eigen(vec![2.0, 1.0, 0.0, 1.0, 2.0, 0.0, 0.0, 0.0, 5.0], 3);
        let values: Vec<f64> = pairs.iter().map(|p| p.0).collect();
        for (got, want) in values.iter().zip([5.0, 3.0, 1.0]) {
            assert!((got - want).abs() < 1e-12, "{values:?}");
        }
        let r = std::f64::consts::FRAC_1_SQRT_2;
        assert!((pairs[1].1[0].abs() - r).abs() < 1e-12 && (pairs[1].1[0] - pairs[1].1[1]).abs() < 1e-12);
        assert!((pairs[2].1[0] + pairs[2].1[1]).abs() < 1e-12);
    }

    #[test]
    fn eigenvectors_satisfy_a_v_equals_lambda_v() {
        let n = 7;
        let a: Vec<f64> = (0..n * n)
            .map(|k| ((k / n) as f64 - (k % n) as f64).abs().sin() + if k / n == k % n { 2.0 } else { 0.0 })
            .collect();
        for (lambda, v) in symmetric_eigen(a.clone(), n) {
            for i in 0..n {
                let av: f64 = (0..n).map(|k| a[i * n + k] * v[k]).sum();
                assert!((av - lambda * v[i]).abs() < 1e-12, "{av} vs {}", lambda * v[i]);
            }
        }
    }
}
