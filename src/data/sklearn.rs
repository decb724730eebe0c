//! scikit-learn's six toy data sets (feature `datasets`): small real data
//! that needs no download, as `sklearn.datasets.load_*` returns it.
//!
//! | function | examples | features | target | scikit-learn |
//! |---|---|---|---|---|
//! | [`iris`] | 150 | 4 | 3 classes | `load_iris()` |
//! | [`wine`] | 178 | 13 | 3 classes | `load_wine()` |
//! | [`breast_cancer`] | 569 | 30 | 2 classes | `load_breast_cancer()` |
//! | [`digits`] | 1797 | 64 (8 x 8 pixels) | 10 classes | `load_digits()` |
//! | [`diabetes`] | 442 | 10, scaled | 1 value | `load_diabetes()` |
//! | [`diabetes_raw`] | 442 | 10, original units | 1 value | `load_diabetes(scaled=False)` |
//! | [`linnerud`] | 20 | 3 | 3 values | `load_linnerud()` |
//!
//! Each comes as a typed [`Table`](crate::data::Table): a
//! [`Classification`] (`y` is `[N]`, class indices, with the classes'
//! names) or a [`Regression`] (`y` is `[N, K]`), with its features' names
//! and an [`About`]: description, source, citation and licence.
//!
//! The values are scikit-learn's, to the bit: the files (in the
//! `tapegrad-datasets` crate, which this feature adds) were written from an
//! installed scikit-learn by `scripts/sklearn_datasets.py`, and
//! `tests/datasets.rs` checks every set against what that script measured
//! in scikit-learn (counts, class counts, per-column sums, a checksum of
//! every value), without Python. Each call parses the CSV text (the digits
//! in a few milliseconds); keep the table rather than calling again.
//!
//! ```
//! use tapegrad::data::{Classification, sklearn};
//!
//! let iris: Classification = sklearn::iris();
//! assert_eq!((iris.len(), iris.x().shape()[1]), (150, 4));
//! assert_eq!(iris.class_names(), ["setosa", "versicolor", "virginica"]);
//! assert_eq!(iris.class_counts(), [50, 50, 50]);
//! println!("{iris}\n{}", iris.about().unwrap().citation);
//! ```

use tapegrad_datasets as files;

use crate::data::csv::Csv;
use crate::data::{About, Classification, Dataset, Regression};
use crate::float::Float;
use crate::tensor::Tensor;

/// Fisher's iris flowers: 150 examples, 4 measurements in cm, 3 species
/// (`setosa`, `versicolor`, `virginica`), 50 each.
///
/// As scikit-learn's, these are Fisher's published values: UCI's copy has
/// two wrong points (samples 35 and 38, counting from 1), which scikit-learn
/// corrected.
pub fn iris<T: Float>() -> Classification<T> {
    bundled_classes("iris.csv", files::IRIS, &IRIS, &["setosa", "versicolor", "virginica"])
}

/// Wine recognition: 178 wines from three cultivars (`class_0`, `class_1`,
/// `class_2`: 59, 71 and 48), 13 results of chemical analysis.
pub fn wine<T: Float>() -> Classification<T> {
    bundled_classes("wine.csv", files::WINE, &WINE, &["class_0", "class_1", "class_2"])
}

/// Breast cancer Wisconsin (diagnostic): 569 tumours, 30 features of cell
/// nuclei; class 0 `malignant` (212), class 1 `benign` (357), as in
/// scikit-learn.
pub fn breast_cancer<T: Float>() -> Classification<T> {
    bundled_classes("breast_cancer.csv", files::BREAST_CANCER, &BREAST_CANCER, &["malignant", "benign"])
}

/// Handwritten digits: 1797 images of 8 x 8 pixels (features
/// `pixel_<row>_<column>`, row by row, values 0 to 16), classes `0` to `9`.
pub fn digits<T: Float>() -> Classification<T> {
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    bundled_classes("digits.csv", files::DIGITS, &DIGITS, &names)
}

/// Diabetes, as scikit-learn's `load_diabetes()` gives it: 442 patients,
/// 10 features each centred and scaled to a sum of squares of 1 (divided by
/// their standard deviation times `sqrt(442)`), target `target`, the
/// disease's progression after one year (25 to 346). [`diabetes_raw`] has
/// the features in their original units.
///
/// The scaling is computed in `f64` from the raw values, as scikit-learn
/// does; the result agrees with scikit-learn's to about `1e-16`, and to the
/// bit once rounded to `f32` (`tests/datasets.rs`).
pub fn diabetes<T: Float>() -> Regression<T> {
    let raw = diabetes_raw::<f64>();
    let (n, d) = (raw.len(), raw.x().shape()[1]);
    let mut x = raw.x().data().to_vec();
    for j in 0..d {
        let mean = (0..n).map(|i| x[i * d + j]).sum::<f64>() / n as f64;
        let norm = (0..n).map(|i| (x[i * d + j] - mean).powi(2)).sum::<f64>().sqrt();
        for i in 0..n {
            x[i * d + j] = (x[i * d + j] - mean) / norm;
        }
    }
    let scaled = Dataset::new(Tensor::from_vec(x, [n, d]), raw.y().clone()).expect("the raw set's shapes");
    let table = Regression::new(scaled, raw.feature_names().iter().cloned(), raw.target_names().iter().cloned());
    table.expect("the raw set's names").with_about(&DIABETES).cast()
}

/// Diabetes with the features in their original units, as scikit-learn's
/// `load_diabetes(scaled=False)`: `age` (years), `sex` (1 or 2), `bmi`,
/// `bp` (average blood pressure) and six blood serum measurements `s1` to
/// `s6`; target `target`.
pub fn diabetes_raw<T: Float>() -> Regression<T> {
    bundled_values("diabetes.csv", files::DIABETES, &DIABETES, &["target"])
}

/// Linnerud: 20 men in a fitness club; 3 exercises (`Chins`, `Situps`,
/// `Jumps`) as features and 3 physiological measurements (`Weight`,
/// `Waist`, `Pulse`) as targets.
pub fn linnerud<T: Float>() -> Regression<T> {
    bundled_values("linnerud.csv", files::LINNERUD, &LINNERUD, &["Weight", "Waist", "Pulse"])
}

/// A bundled file whose `target` column holds class indices `0..names.len()`.
fn bundled_classes<T: Float>(file: &str, text: &str, about: &'static About, names: &[&str]) -> Classification<T> {
    let indices = (0..names.len()).map(|c| c.to_string());
    let table = Csv::from_reader(file, text.as_bytes()).classes(indices).classification("target");
    let table = table.unwrap_or_else(|e| panic!("the bundled data set {file} does not parse: {e}"));
    table.rename_classes(names).with_about(about)
}

fn bundled_values<T: Float>(file: &str, text: &str, about: &'static About, targets: &[&str]) -> Regression<T> {
    let table = Csv::from_reader(file, text.as_bytes()).regression(targets);
    table.unwrap_or_else(|e| panic!("the bundled data set {file} does not parse: {e}")).with_about(about)
}

const SKLEARN: &str = "no licence stated by its authors; distributed with scikit-learn under its BSD-3-Clause licence";

/// [`iris`].
pub const IRIS: About = About {
    name: "iris",
    description: "Four measurements (cm) of 150 iris flowers, 50 of each of three species (setosa, versicolor, \
                  virginica). Setosa is linearly separable from the other two; versicolor and virginica are not \
                  separable from each other.",
    source: "https://archive.ics.uci.edu/dataset/53/iris, as corrected in scikit-learn \
             (sklearn/datasets/data/iris.csv)",
    citation: "R. A. Fisher (1936). The use of multiple measurements in taxonomic problems. Annals of Eugenics \
               7(2), 179-188.",
    license: "CC BY 4.0 (UCI Machine Learning Repository); distributed with scikit-learn under its BSD-3-Clause \
              licence",
};

/// [`wine`].
pub const WINE: About = About {
    name: "wine",
    description: "Thirteen results of a chemical analysis of 178 wines grown in one region of Italy from three \
                  cultivars.",
    source: "https://archive.ics.uci.edu/dataset/109/wine, via scikit-learn (sklearn/datasets/data/wine_data.csv)",
    citation: "M. Forina et al. PARVUS: an extendable package of programs for data exploration, classification and \
               correlation. Institute of Pharmaceutical and Food Analysis and Technologies, Genoa.",
    license: "CC BY 4.0 (UCI Machine Learning Repository); distributed with scikit-learn under its BSD-3-Clause \
              licence",
};

/// [`breast_cancer`].
pub const BREAST_CANCER: About = About {
    name: "breast cancer Wisconsin (diagnostic)",
    description: "Thirty features of the cell nuclei in digitized images of fine needle aspirates of 569 breast \
                  masses (mean, standard error and worst of ten measurements such as radius and texture): 212 \
                  malignant, 357 benign.",
    source: "https://archive.ics.uci.edu/dataset/17/breast+cancer+wisconsin+diagnostic, via scikit-learn \
             (sklearn/datasets/data/breast_cancer.csv)",
    citation: "W. N. Street, W. H. Wolberg and O. L. Mangasarian (1993). Nuclear feature extraction for breast \
               tumor diagnosis. IS&T/SPIE Symposium on Electronic Imaging: Science and Technology, vol. 1905, \
               861-870.",
    license: "CC BY 4.0 (UCI Machine Learning Repository); distributed with scikit-learn under its BSD-3-Clause \
              licence",
};

/// [`digits`].
pub const DIGITS: About = About {
    name: "digits",
    description: "1797 handwritten digits as 8 x 8 images: 32 x 32 bitmaps from NIST forms, each 4 x 4 block \
                  counted to a value 0 to 16. The test set of UCI's optical recognition of handwritten digits.",
    source: "https://archive.ics.uci.edu/dataset/80/optical+recognition+of+handwritten+digits, via scikit-learn \
             (sklearn/datasets/data/digits.csv.gz)",
    citation: "E. Alpaydin and C. Kaynak (1998). Cascading classifiers. Kybernetika 34(4), 369-374.",
    license: "CC BY 4.0 (UCI Machine Learning Repository); distributed with scikit-learn under its BSD-3-Clause \
              licence",
};

/// [`diabetes`] and [`diabetes_raw`].
pub const DIABETES: About = About {
    name: "diabetes",
    description: "Ten baseline variables (age, sex, body mass index, average blood pressure and six blood serum \
                  measurements) of 442 diabetes patients, and a quantitative measure of disease progression one \
                  year after baseline.",
    source: "https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html, via scikit-learn \
             (sklearn/datasets/data/diabetes_data_raw.csv.gz and diabetes_target.csv.gz)",
    citation: "B. Efron, T. Hastie, I. Johnstone and R. Tibshirani (2004). Least angle regression. Annals of \
               Statistics 32(2), 407-499.",
    license: SKLEARN,
};

/// [`linnerud`].
pub const LINNERUD: About = About {
    name: "linnerud",
    description: "Three exercises (chin-ups, sit-ups, jumps) and three physiological measurements (weight, waist, \
                  pulse) of 20 middle-aged men in a fitness club.",
    source: "scikit-learn (sklearn/datasets/data/linnerud_exercise.csv and linnerud_physiological.csv)",
    citation: "M. Tenenhaus (1998). La régression PLS: théorie et pratique. Paris: Éditions Technip.",
    license: SKLEARN,
};
