//! The scikit-learn baselines the data-set examples print beside their own
//! results: measured by `scripts/sklearn_baselines.py` under the same
//! protocols and kept in `examples/sklearn_baselines.json`.

use serde_json::Value;

const MEASURED: &str = include_str!("../sklearn_baselines.json");

/// One model's score over a protocol's splits.
pub struct Baseline {
    pub model: String,
    pub mean: f64,
    pub std: f64,
    pub runs: u64,
}

/// The protocol the baselines of `set` followed, and each model's score.
pub fn sklearn(set: &str) -> (String, Vec<Baseline>) {
    let all: Value = serde_json::from_str(MEASURED).expect("examples/sklearn_baselines.json is JSON");
    let entry = all[set].as_object().unwrap_or_else(|| panic!("no baselines for {set}"));
    let protocol = entry["protocol"].as_str().expect("a protocol").to_string();
    let baselines = entry
        .iter()
        .filter_map(|(model, s)| {
            let number = |key: &str| s.get(key).and_then(Value::as_f64);
            Some(Baseline {
                model: model.clone(),
                mean: number("mean")?,
                std: number("std")?,
                runs: s["runs"].as_u64()?,
            })
        })
        .collect();
    (protocol, baselines)
}

/// The baselines of `set` in one line for a report: `LinearRegression R² 0.484 ± 0.073`,
/// or percentages when `percent`.
pub fn summary(set: &str, percent: bool) -> String {
    let (_, baselines) = sklearn(set);
    let parts: Vec<String> = baselines
        .iter()
        .map(|b| match percent {
            true => format!("{} {:.1}% ± {:.1}", b.model, 100.0 * b.mean, 100.0 * b.std),
            false => format!("{} R² {:.3} ± {:.3}", b.model, b.mean, b.std),
        })
        .collect();
    parts.join(", ")
}

/// The mean and the (population) standard deviation of `values`.
pub fn mean_std(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    (mean, (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt())
}

/// A line per baseline: `scikit-learn LogisticRegression   95.5% ± 3.6 (50 runs)`,
/// as a percentage when `percent`.
pub fn print(set: &str, percent: bool) {
    let (protocol, baselines) = sklearn(set);
    let version =
        serde_json::from_str::<Value>(MEASURED).ok().and_then(|v| v["sklearn_version"].as_str().map(String::from));
    println!("scikit-learn {} baselines (scripts/sklearn_baselines.py; {protocol}):", version.unwrap_or_default());
    for b in baselines {
        if percent {
            println!("  {:28} {:5.1}% ± {:.1} ({} runs)", b.model, 100.0 * b.mean, 100.0 * b.std, b.runs);
        } else {
            println!("  {:28} {:.3} ± {:.3} ({} runs)", b.model, b.mean, b.std, b.runs);
        }
    }
}
