//! The CSV text of scikit-learn's six toy data sets, as tapegrad's
//! `datasets` feature reads them (`tapegrad::data::sklearn`). Nothing else:
//! tapegrad parses the text with its CSV loader, and its tests check every
//! value against scikit-learn's own files.
//!
//! Each file is a header row (scikit-learn's feature names, then the target
//! columns) and one row per sample; class labels are the integer indices
//! scikit-learn uses. `scripts/sklearn_datasets.py` in tapegrad's repository
//! wrote them from an installed scikit-learn; `README.md` gives each one's
//! source and licence.
//!
//! A separate crate so that the data is neither downloaded nor compiled
//! unless a program asks for it: tapegrad depends on it only with the
//! `datasets` feature.
#![no_std]

/// Iris: 150 rows, 4 features, `target` in 0..3. Fisher's values, with the
/// two samples (35 and 38) that UCI's copy gets wrong corrected.
pub const IRIS: &str = include_str!("../data/iris.csv");
/// Wine recognition: 178 rows, 13 features, `target` in 0..3.
pub const WINE: &str = include_str!("../data/wine.csv");
/// Breast cancer Wisconsin (diagnostic): 569 rows, 30 features, `target`
/// 0 (malignant) or 1 (benign).
pub const BREAST_CANCER: &str = include_str!("../data/breast_cancer.csv");
/// Optical recognition of handwritten digits: 1797 rows, 64 pixels (8 x 8,
/// values 0..=16, row by row), `target` the digit.
pub const DIGITS: &str = include_str!("../data/digits.csv");
/// Diabetes: 442 rows, 10 features in their original units (not scaled),
/// `target` the disease progression a year later.
pub const DIABETES: &str = include_str!("../data/diabetes.csv");
/// Linnerud: 20 rows, 3 exercise features (Chins, Situps, Jumps) and 3
/// physiological targets (Weight, Waist, Pulse).
pub const LINNERUD: &str = include_str!("../data/linnerud.csv");
