//! [`Table`]: a [`Dataset`] with names, typed by its task:
//! [`Classification`] (the target is a class, with the classes' names) or
//! [`Regression`] (the targets are values, with their columns' names).

use std::fmt;
use std::marker::PhantomData;

use rand::Rng;

use crate::data::folds::{self, Fold};
use crate::data::{DataError, Dataset};
use crate::float::Float;
use crate::shape::shape_of;
use crate::tensor::Tensor;

/// A data set with what its columns mean: the features' names and, by
/// task, the classes' names ([`Classification`]) or the target columns'
/// names ([`Regression`]). Tables come from CSV files
/// (`data::csv::Csv`, feature `csv`), from the bundled scikit-learn sets
/// (`data::sklearn`, feature `datasets`), or from `Table::new` with your
/// own tensors.
///
/// Splits and folds keep the names, so a test set still knows its classes.
/// To train, take the [`Dataset`] out with [`data`](Self::data) or
/// [`into_data`](Self::into_data).
///
/// ```
/// use rand::{SeedableRng, rngs::StdRng};
/// use tapegrad::Tensor;
/// use tapegrad::data::{Classification, Dataset};
///
/// let x = Tensor::from_vec(vec![0.1, 0.2, 0.9, 1.1, 0.3, 1.2], [6, 1]);
/// let y = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0, 0.0, 1.0], [6]);
/// let table = Classification::new(Dataset::new(x, y).unwrap(), ["size"], ["small", "large"]).unwrap();
/// assert_eq!(table.class_counts(), [3, 3]);
///
/// let (train, test) = table.stratified_split(1.0 / 3.0, &mut StdRng::seed_from_u64(0));
/// assert_eq!((train.class_counts(), test.class_counts()), (vec![2, 2], vec![1, 1]));
/// assert_eq!(test.class_names(), ["small", "large"]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Table<T: Float, Task> {
    data: Dataset<T>,
    features: Vec<String>,
    /// The target columns' names (a classification's one column: `target` unless read from a file).
    targets: Vec<String>,
    /// A classification's class names, class `c` at `c`; empty for a regression.
    classes: Vec<String>,
    about: Option<&'static About>,
    task: PhantomData<Task>,
}

/// The task of a [`Table`] whose target is a class: `y` is `[N]`, holding
/// class indices `0..C` as floats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Classes {}

/// The task of a [`Table`] whose targets are values: `y` is `[N, K]`, one
/// column per target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Values {}

/// A table whose target is a class label: [`Table`] with [`Classes`].
pub type Classification<T = f32> = Table<T, Classes>;

/// A table whose targets are values: [`Table`] with [`Values`].
pub type Regression<T = f32> = Table<T, Values>;

/// Where a bundled data set comes from: what it is, its source, how to
/// cite it and its licence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct About {
    /// The data set's usual name.
    pub name: &'static str,
    /// What the examples are and what is measured.
    pub description: &'static str,
    /// Where the data comes from (a URL and the path it took).
    pub source: &'static str,
    /// The reference to cite.
    pub citation: &'static str,
    /// The licence the data is distributed under.
    pub license: &'static str,
}

impl fmt::Display for About {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}\nSource: {}\nCite: {}\nLicence: {}",
            self.name, self.description, self.source, self.citation, self.license
        )
    }
}

impl<T: Float, Task> Table<T, Task> {
    /// The examples: inputs `[N, D]` and targets.
    pub fn data(&self) -> &Dataset<T> {
        &self.data
    }

    /// The examples, without the names.
    pub fn into_data(self) -> Dataset<T> {
        self.data
    }

    /// The inputs, `[N, D]`.
    pub fn x(&self) -> &Tensor<T> {
        self.data.x()
    }

    /// The targets: `[N]` class indices or `[N, K]` values.
    pub fn y(&self) -> &Tensor<T> {
        self.data.y()
    }

    /// Number of examples, `N`.
    pub fn len(&self) -> usize {
        self.data.len()
    }

    /// `true` if there are no examples.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The features' names, one per column of `x`.
    pub fn feature_names(&self) -> &[String] {
        &self.features
    }

    /// The target columns' names: one per column of `y` for a regression;
    /// for a classification, the one column of labels (`target` in the
    /// bundled sets, as in scikit-learn's data frames).
    pub fn target_names(&self) -> &[String] {
        &self.targets
    }

    /// For a bundled data set, what it is and where it comes from.
    pub fn about(&self) -> Option<&'static About> {
        self.about
    }

    /// The examples at `indices`, in that order (repeats allowed), with the
    /// same names: a fold's side, for instance.
    ///
    /// # Panics
    /// If an index is not below [`len`](Self::len); the message names it.
    #[track_caller]
    pub fn select(&self, indices: &[usize]) -> Self {
        self.with_data(self.data.select(indices))
    }

    /// Shuffles the examples with `rng` and cuts them into `(train, test)`,
    /// as [`Dataset::split`] does.
    ///
    /// # Panics
    /// If `test_fraction` is not in `[0, 1]`.
    #[track_caller]
    pub fn split<R: Rng + ?Sized>(&self, test_fraction: f64, rng: &mut R) -> (Self, Self) {
        let (train, test) = folds::split(self.len(), test_fraction, rng);
        (self.select(&train), self.select(&test))
    }

    /// `k` folds of the examples' indices for cross-validation
    /// ([`folds::kfold`]); [`select`](Self::select) turns a side into a table.
    ///
    /// # Panics
    /// If `k < 2` or `k > len`.
    #[track_caller]
    pub fn kfold<R: Rng + ?Sized>(&self, k: usize, rng: &mut R) -> Vec<Fold> {
        folds::kfold(self.len(), k, rng)
    }

    /// The same names around other examples (or the same ones in another element type).
    fn with_data<U: Float>(&self, data: Dataset<U>) -> Table<U, Task> {
        Table {
            data,
            features: self.features.clone(),
            targets: self.targets.clone(),
            classes: self.classes.clone(),
            about: self.about,
            task: PhantomData,
        }
    }

    /// Example `i`'s value of target column `k` as text: the class name in
    /// a classification, the number in a regression.
    #[cfg(feature = "csv")]
    pub(crate) fn target_text(&self, i: usize, k: usize) -> String {
        if self.classes.is_empty() {
            self.y().data()[i * self.targets.len() + k].to_string()
        } else {
            self.classes[self.y().data()[i].to_f64() as usize].clone()
        }
    }

    #[cfg(feature = "datasets")]
    pub(crate) fn with_about(mut self, about: &'static About) -> Self {
        self.about = Some(about);
        self
    }

    /// The same table in another element type, each value rounded once
    /// (`f64` to `f32`) or exactly (`f32` to `f64`).
    pub fn cast<U: Float>(&self) -> Table<U, Task> {
        self.with_data(Dataset { x: self.x().cast(), y: self.y().cast() })
    }

    /// Checks the names against the data; the tasks' constructors check `y`.
    fn named(
        data: Dataset<T>,
        features: Vec<String>,
        targets: Vec<String>,
        classes: Vec<String>,
    ) -> Result<Self, DataError> {
        let d = data.input_dim();
        if features.len() != d {
            return Err(DataError::NameCount { what: "feature", names: features.len(), columns: d });
        }
        Ok(Table { data, features, targets, classes, about: None, task: PhantomData })
    }
}

impl<T: Float> Table<T, Classes> {
    /// Names the columns of `data` and its classes: `y` must be `[N]` and
    /// hold class indices (`0.0`, `1.0`, ... below the number of classes).
    ///
    /// # Errors
    /// [`DataError::NameCount`] if there is not one feature name per column
    /// of `x`, [`DataError::TargetShape`] if `y` is not `[N]`,
    /// [`DataError::NotAClass`] naming the first example whose target is not
    /// a class index.
    pub fn new<F: Into<String>, C: Into<String>>(
        data: Dataset<T>,
        feature_names: impl IntoIterator<Item = F>,
        class_names: impl IntoIterator<Item = C>,
    ) -> Result<Self, DataError> {
        let classes: Vec<String> = class_names.into_iter().map(Into::into).collect();
        if data.y().ndim() != 1 {
            return Err(DataError::TargetShape { y: shape_of(data.y().shape()), expected: "[N] (class indices)" });
        }
        let bad = data.y().data().iter().position(|v| class_index(*v, classes.len()).is_none());
        if let Some(index) = bad {
            let value = data.y().data()[index].to_string();
            return Err(DataError::NotAClass { index, value, classes: classes.len() });
        }
        Self::named(data, feature_names.into_iter().map(Into::into).collect(), vec!["target".into()], classes)
    }

    /// The classes' names: class `c` is `class_names()[c]`.
    pub fn class_names(&self) -> &[String] {
        &self.classes
    }

    /// Number of classes, `C`.
    pub fn num_classes(&self) -> usize {
        self.classes.len()
    }

    /// Each example's class index.
    pub fn labels(&self) -> Vec<usize> {
        self.y().data().iter().map(|v| v.to_f64() as usize).collect()
    }

    /// How many examples each class has.
    pub fn class_counts(&self) -> Vec<usize> {
        let mut counts = vec![0; self.num_classes()];
        for c in self.labels() {
            counts[c] += 1;
        }
        counts
    }

    /// A train/test split that keeps each class's share on both sides
    /// ([`folds::stratified_split`]).
    ///
    /// # Panics
    /// If `test_fraction` is not in `[0, 1]`.
    #[track_caller]
    pub fn stratified_split<R: Rng + ?Sized>(&self, test_fraction: f64, rng: &mut R) -> (Self, Self) {
        let (train, test) = folds::stratified_split(&self.labels(), test_fraction, rng);
        (self.select(&train), self.select(&test))
    }

    /// `k` folds of indices that keep each class's share
    /// ([`folds::stratified_kfold`]).
    ///
    /// # Panics
    /// If `k < 2` or `k > len`.
    #[track_caller]
    pub fn stratified_kfold<R: Rng + ?Sized>(&self, k: usize, rng: &mut R) -> Vec<Fold> {
        folds::stratified_kfold(&self.labels(), k, rng)
    }

    /// The same table with other names for its classes (the bundled sets'
    /// files hold class indices).
    #[cfg(feature = "datasets")]
    pub(crate) fn rename_classes(mut self, names: &[&str]) -> Self {
        assert_eq!(names.len(), self.classes.len(), "rename_classes: {names:?} for {:?}", self.classes);
        self.classes = names.iter().map(|n| n.to_string()).collect();
        self
    }

    /// The same table with its label column called `name` (as in the file it came from).
    #[cfg(feature = "csv")]
    pub(crate) fn with_target_name(mut self, name: &str) -> Self {
        self.targets = vec![name.to_string()];
        self
    }
}

impl<T: Float> Table<T, Values> {
    /// Names the columns of `data`: `y` must be `[N, K]`, one column per
    /// target name.
    ///
    /// # Errors
    /// [`DataError::TargetShape`] if `y` is not 2-D, [`DataError::NameCount`]
    /// if there is not one name per column of `x` and of `y`.
    pub fn new<F: Into<String>, G: Into<String>>(
        data: Dataset<T>,
        feature_names: impl IntoIterator<Item = F>,
        target_names: impl IntoIterator<Item = G>,
    ) -> Result<Self, DataError> {
        let targets: Vec<String> = target_names.into_iter().map(Into::into).collect();
        let y = data.y().shape();
        if y.len() != 2 {
            return Err(DataError::TargetShape { y: shape_of(y), expected: "[N, K] (one column per target)" });
        }
        if targets.len() != y[1] {
            return Err(DataError::NameCount { what: "target", names: targets.len(), columns: y[1] });
        }
        Self::named(data, feature_names.into_iter().map(Into::into).collect(), targets, Vec::new())
    }
}

/// `value` as a class index below `classes`, if it is one.
fn class_index<T: Float>(value: T, classes: usize) -> Option<usize> {
    let v = value.to_f64();
    (v >= 0.0 && v.fract() == 0.0 && v < classes as f64).then_some(v as usize)
}

impl<T: Float> fmt::Display for Table<T, Classes> {
    /// `iris: 150 examples, 4 features, 3 classes (setosa 50, versicolor 50, virginica 50)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)?;
        let counts: Vec<String> =
            self.class_names().iter().zip(self.class_counts()).map(|(name, n)| format!("{name} {n}")).collect();
        write!(f, "{} classes ({})", self.num_classes(), counts.join(", "))
    }
}

impl<T: Float> fmt::Display for Table<T, Values> {
    /// `linnerud: 20 examples, 3 features, 3 targets (Weight, Waist, Pulse)`
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.describe(f)?;
        write!(f, "{} targets ({})", self.targets.len(), self.targets.join(", "))
    }
}

impl<T: Float, Task> Table<T, Task> {
    fn describe(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(about) = self.about {
            write!(f, "{}: ", about.name)?;
        }
        write!(f, "{} examples, {} features, ", self.len(), self.features.len())
    }
}
