//! The bundled scikit-learn data sets equal scikit-learn's: every set's
//! sizes, names, class counts, per-column sums, first and last rows and a
//! checksum of every value's bits, as `scripts/sklearn_datasets.py`
//! measured them in an installed scikit-learn
//! (`tests/fixtures/sklearn_datasets.json`). No Python at test time.

mod common;

use serde_json::Value;
use tapegrad::Float;
use tapegrad::Tensor;
use tapegrad::data::{Classification, Regression, Table, sklearn};

fn fixture() -> Value {
    common::load_fixture("sklearn_datasets.json")
}

fn numbers(value: &Value) -> Vec<f64> {
    value.as_array().expect("a list").iter().map(|v| v.as_f64().expect("a number")).collect()
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().expect("a list").iter().map(|v| v.as_str().expect("a string").to_string()).collect()
}

/// FNV-1a (64 bits) over the little-endian bytes of every value of `x`,
/// row by row, then of `y`: the script's checksum.
fn checksum<T: Float>(x: &Tensor<T>, y: &Tensor<T>, bytes: impl Fn(T) -> Vec<u8>) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &v in x.data().iter().chain(y.data()) {
        for b in bytes(v) {
            hash = (hash ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    format!("{hash:016x}")
}

fn checksum_f64(x: &Tensor<f64>, y: &Tensor<f64>) -> String {
    checksum(x, y, |v| v.to_le_bytes().to_vec())
}

/// Row `i` of `x` followed by row `i` of `y`.
fn row(x: &Tensor<f64>, y: &Tensor<f64>, i: usize) -> Vec<f64> {
    let (d, k) = (x.shape()[1], y.len() / y.shape()[0]);
    [&x.data()[i * d..(i + 1) * d], &y.data()[i * k..(i + 1) * k]].concat()
}

/// Per-column sums of `x` then `y`, each column summed in order.
fn column_sums(x: &Tensor<f64>, y: &Tensor<f64>) -> Vec<f64> {
    let n = x.shape()[0];
    let mut sums = Vec::new();
    for t in [x, y] {
        let width = t.len() / n;
        sums.extend((0..width).map(|j| (0..n).map(|i| t.data()[i * width + j]).sum::<f64>()));
    }
    sums
}

/// Everything a table and the fixture's entry for it can both say.
fn assert_equals_sklearn<Task>(table: &Table<f64, Task>, name: &str, targets: &[String]) {
    let expected = &fixture()["sets"][name];
    let (x, y) = (table.x(), table.y());
    assert_eq!(table.len() as u64, expected["rows"].as_u64().unwrap(), "{name}: rows");
    assert_eq!(table.feature_names(), strings(&expected["features"]), "{name}: feature names");
    assert_eq!(targets, strings(&expected["targets"]), "{name}: target names");
    assert_eq!(x.shape(), [table.len(), table.feature_names().len()], "{name}: x");
    assert_eq!(row(x, y, 0), numbers(&expected["first_row"]), "{name}: first row");
    assert_eq!(row(x, y, table.len() - 1), numbers(&expected["last_row"]), "{name}: last row");
    for (j, (sum, want)) in column_sums(x, y).iter().zip(numbers(&expected["column_sums"])).enumerate() {
        assert!((sum - want).abs() <= 1e-12 * want.abs().max(1.0), "{name}: column {j} sums to {sum}, not {want}");
    }
    assert_eq!(checksum_f64(x, y), expected["checksum"].as_str().unwrap(), "{name}: checksum of every value");
    let about = table.about().unwrap_or_else(|| panic!("{name} has no About"));
    for (field, text) in [("description", about.description), ("source", about.source), ("citation", about.citation)] {
        assert!(text.len() > 20, "{name}: the {field} is missing");
    }
    assert!(about.license.contains("BSD-3-Clause"), "{name}: {}", about.license);
}

fn assert_classification_equals_sklearn(table: &Classification<f64>, name: &str) {
    let expected = &fixture()["sets"][name];
    assert_equals_sklearn(table, name, &["target".to_string()]);
    assert_eq!(table.class_names(), strings(&expected["classes"]), "{name}: class names");
    let counts: Vec<u64> = table.class_counts().iter().map(|&c| c as u64).collect();
    let want: Vec<u64> = expected["class_counts"].as_array().unwrap().iter().map(|c| c.as_u64().unwrap()).collect();
    assert_eq!(counts, want, "{name}: examples per class");
}

fn assert_regression_equals_sklearn(table: &Regression<f64>, name: &str) {
    assert_equals_sklearn(table, name, table.target_names());
    assert_eq!(table.y().shape(), [table.len(), table.target_names().len()], "{name}: y is [N, K]");
}

#[test]
fn iris_equals_sklearn() {
    assert_classification_equals_sklearn(&sklearn::iris(), "iris");
}

#[test]
fn wine_equals_sklearn() {
    assert_classification_equals_sklearn(&sklearn::wine(), "wine");
}

#[test]
fn breast_cancer_equals_sklearn() {
    assert_classification_equals_sklearn(&sklearn::breast_cancer(), "breast_cancer");
}

#[test]
fn digits_equal_sklearn() {
    let digits = sklearn::digits();
    assert_classification_equals_sklearn(&digits, "digits");
    assert_eq!(digits.feature_names()[9], "pixel_1_1", "row by row");
    assert!(digits.x().data().iter().all(|&v| (0.0..=16.0).contains(&v) && v.fract() == 0.0));
}

#[test]
fn raw_diabetes_equals_sklearn_unscaled() {
    let diabetes = sklearn::diabetes_raw();
    assert_regression_equals_sklearn(&diabetes, "diabetes");
    // The first patient, as in the original file: 59 years old, sex 2, BMI 32.1.
    assert_eq!(&diabetes.x().data()[..3], &[59.0, 2.0, 32.1]);
}

#[test]
fn linnerud_has_three_targets_and_equals_sklearn() {
    let linnerud = sklearn::linnerud();
    assert_regression_equals_sklearn(&linnerud, "linnerud");
    assert_eq!(linnerud.target_names(), ["Weight", "Waist", "Pulse"]);
    assert_eq!(linnerud.feature_names(), ["Chins", "Situps", "Jumps"]);
}

#[test]
fn scaled_diabetes_agrees_with_sklearn_and_to_the_bit_in_f32() {
    let expected = &fixture()["sets"]["diabetes_scaled"];
    let scaled: Regression<f64> = sklearn::diabetes();
    let (x, y, n) = (scaled.x(), scaled.y(), scaled.len());
    assert_eq!(n as u64, expected["rows"].as_u64().unwrap());
    let sums = column_sums(x, &Tensor::zeros([n, 0]));
    for (j, (sum, want)) in sums.iter().zip(numbers(&expected["column_sums"])).enumerate() {
        assert!(sum.abs() < 1e-13 && (sum - want).abs() < 1e-13, "column {j}: mean not 0 ({sum} vs {want})");
    }
    let squares: Vec<f64> = (0..10).map(|j| (0..n).map(|i| x.get(&[i, j]).powi(2)).sum()).collect();
    for (j, (s, want)) in squares.iter().zip(numbers(&expected["column_sums_of_squares"])).enumerate() {
        assert!((s - 1.0).abs() < 1e-13 && (s - want).abs() < 1e-13, "column {j}: sum of squares {s}, not 1");
    }
    for (i, key) in [(0, "first_row"), (n - 1, "last_row")] {
        for (a, e) in row(x, y, i).iter().zip(numbers(&expected[key])) {
            assert!((a - e).abs() < 1e-15, "{key}: {a} vs sklearn's {e}");
        }
    }
    assert_eq!(scaled.target_names(), ["target"]);
    // In f32, the element type most programs train in, every value is
    // scikit-learn's (rounded to f32) exactly.
    let scaled32: Regression<f32> = sklearn::diabetes();
    let sum32 = checksum(scaled32.x(), scaled32.y(), |v| v.to_le_bytes().to_vec());
    assert_eq!(sum32, expected["checksum_f32"].as_str().unwrap());
}

#[test]
fn iris_has_fishers_values_where_uci_has_two_wrong_points() {
    let iris = sklearn::iris::<f64>();
    let expected = &fixture()["sets"]["iris"]["corrected_rows"];
    let x = |i: usize| iris.x().data()[4 * i..4 * i + 4].to_vec();
    // UCI's iris.data has 4.9,3.1,1.5,0.1 for both samples 35 and 38 (1-based).
    assert_eq!(x(34), numbers(&expected["34"]));
    assert_eq!(x(34), [4.9, 3.1, 1.5, 0.2]);
    assert_eq!(x(37), numbers(&expected["37"]));
    assert_eq!(x(37), [4.9, 3.6, 1.4, 0.1]);
}

#[test]
fn each_set_in_f32_is_the_f64_set_rounded() {
    fn same<Task>(a: &Table<f32, Task>, b: &Table<f64, Task>) {
        let rounded = |t: &Tensor<f64>| t.data().iter().map(|&v| v as f32).collect::<Vec<_>>();
        assert_eq!(a.x().data(), rounded(b.x()), "{:?}", a.about().map(|about| about.name));
        assert_eq!(a.y().data(), rounded(b.y()));
    }
    same(&sklearn::iris(), &sklearn::iris());
    same(&sklearn::wine(), &sklearn::wine());
    same(&sklearn::breast_cancer(), &sklearn::breast_cancer());
    same(&sklearn::digits(), &sklearn::digits());
    same(&sklearn::diabetes_raw(), &sklearn::diabetes_raw());
    same(&sklearn::diabetes(), &sklearn::diabetes());
    same(&sklearn::linnerud(), &sklearn::linnerud());
}

/// The checks are strong enough to notice what went wrong in other crates:
/// the first data row taken for a header, a column shifted by one.
#[test]
fn the_checks_catch_a_lost_row_and_a_shifted_column() {
    use tapegrad::data::csv::Csv;
    let text = include_str!("../datasets/data/iris.csv");
    let expected = &fixture()["sets"]["iris"];
    let read = |text: &str| Csv::from_reader("iris.csv", text.as_bytes()).classification::<f64>("target").unwrap();
    let intact = read(text);
    assert_eq!(checksum_f64(intact.x(), intact.y()), expected["checksum"].as_str().unwrap());

    // A header lost the way linfa-datasets' diabetes loader lost one: the
    // first data row becomes the header, and 149 rows remain.
    let lost = read(&text[text.find('\n').unwrap() + 1..].replacen(",0\n", ",target\n", 1));
    assert_eq!(lost.len(), 149);
    assert_ne!(checksum_f64(lost.x(), lost.y()), expected["checksum"].as_str().unwrap());

    // Two columns swapped (names kept): the sums per column no longer match.
    let swapped: String = text
        .lines()
        .map(|line| {
            let mut fields: Vec<&str> = line.split(',').collect();
            if !line.starts_with("sepal") {
                fields.swap(0, 1);
            }
            fields.join(",") + "\n"
        })
        .collect();
    let swapped = read(&swapped);
    let sums = column_sums(swapped.x(), swapped.y());
    assert_ne!(sums[0], numbers(&expected["column_sums"])[0]);
}

#[test]
fn every_set_says_what_it_is() {
    let iris = sklearn::iris::<f32>();
    assert_eq!(iris.to_string(), "iris: 150 examples, 4 features, 3 classes (setosa 50, versicolor 50, virginica 50)");
    let linnerud = sklearn::linnerud::<f32>();
    assert_eq!(linnerud.to_string(), "linnerud: 20 examples, 3 features, 3 targets (Weight, Waist, Pulse)");
    let about = sklearn::digits::<f32>().about().unwrap();
    assert!(about.citation.contains("Alpaydin") && about.source.contains("archive.ics.uci.edu"));
    assert!(sklearn::diabetes::<f32>().about().unwrap().citation.contains("Least angle regression"));
}
