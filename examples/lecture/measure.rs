//! Numbers read off curves: what the slides' claims are checked by.

/// The slope of the least-squares line through `(ln x, ln y)`: the exponent
/// `p` of a power law `y ∝ x^p`.
pub fn log_log_slope(points: &[(f64, f64)]) -> f64 {
    let logs: Vec<(f64, f64)> = points.iter().map(|&(x, y)| (x.ln(), y.ln())).collect();
    let n = logs.len() as f64;
    let (mx, my) = (logs.iter().map(|p| p.0).sum::<f64>() / n, logs.iter().map(|p| p.1).sum::<f64>() / n);
    let sxy: f64 = logs.iter().map(|&(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = logs.iter().map(|&(x, _)| (x - mx) * (x - mx)).sum();
    sxy / sxx
}

/// The fraction of consecutive pairs where the value went up: how often an
/// update made the loss worse.
pub fn fraction_rising(values: &[f64]) -> f64 {
    let pairs = values.len().saturating_sub(1).max(1);
    values.windows(2).filter(|w| w[1] > w[0]).count() as f64 / pairs as f64
}

/// `(k, values[k])` points for a chart: a value per step against the step.
pub fn indexed(values: &[f64]) -> Vec<(f64, f64)> {
    values.iter().enumerate().map(|(k, &v)| (k as f64, v)).collect()
}

/// `Some(n)` as `n`, `None` as "never".
pub fn steps_or_never(steps: Option<usize>) -> String {
    steps.map_or("never".into(), |n| n.to_string())
}

/// The mean of `values`.
pub fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len().max(1) as f64
}
