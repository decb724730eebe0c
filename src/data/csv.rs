//! Tables of your own from CSV files (feature `csv`): [`Csv`] reads a file
//! with a header row into a [`Classification`] or a [`Regression`].
//!
//! ```
//! use tapegrad::data::Classification;
//! use tapegrad::data::csv::Csv;
//!
//! let text = "petal length,petal width,species\n1.4,0.2,setosa\n4.7,1.4,versicolor\n1.3,0.2,setosa\n";
//! let flowers: Classification = Csv::from_reader("flowers.csv", text.as_bytes()).classification("species")?;
//! assert_eq!(flowers.class_names(), ["setosa", "versicolor"]);
//! assert_eq!(flowers.y().data(), &[0.0, 1.0, 0.0]);
//! assert_eq!(flowers.feature_names(), ["petal length", "petal width"]);
//!
//! let bad = "a,b\n1,2\n3,x\n";
//! let err = Csv::from_reader("bad.csv", bad.as_bytes()).regression::<f32>(&["b"]).unwrap_err();
//! assert_eq!(err.to_string(), "bad.csv:3:2: column \"b\" holds \"x\", which is not a finite number");
//! # Ok::<(), tapegrad::data::csv::CsvError>(())
//! ```

use std::collections::HashMap;
use std::fs::File;
use std::io::Read;
use std::path::Path;

use crate::data::{Classification, Dataset, Regression, Table};
use crate::float::Float;
use crate::tensor::Tensor;

pub use crate::error::CsvError;

/// How to read a CSV table: the file, its delimiter, the columns to leave
/// out and, for a classification, the classes in order. Finish with
/// [`classification`](Csv::classification) (one target column of labels) or
/// [`regression`](Csv::regression) (target columns of numbers).
///
/// The first row is the header: it names every column, and columns are
/// chosen by name. Every other row is an example, with as many fields as
/// the header; surrounding spaces are ignored, fields may be quoted, blank
/// lines are skipped. Every column that is not a target or ignored is a
/// feature and must hold finite numbers (read as `f64`, then rounded once
/// to the element type). Class labels may be any text: without
/// [`classes`](Csv::classes), the classes are the distinct labels, in
/// numeric order when every label is a number (`2` before `10`), else in
/// text order, as scikit-learn's `LabelEncoder` sorts them.
///
/// Errors name the file, the line and the column ([`CsvError`]). The whole
/// file is read into memory first: these are small tables, and a record's
/// line is counted from the text.
///
/// ```no_run
/// use tapegrad::data::csv::Csv;
/// use tapegrad::data::{Classification, Regression};
///
/// let flowers: Classification = Csv::open("flowers.csv")?.ignore(["id"]).classification("species")?;
/// let houses: Regression<f64> = Csv::open("houses.csv")?.delimiter(b';').regression(&["price"])?;
/// # Ok::<(), tapegrad::data::csv::CsvError>(())
/// ```
#[derive(Debug)]
pub struct Csv<R> {
    file: String,
    reader: R,
    delimiter: u8,
    ignore: Vec<String>,
    classes: Option<Vec<String>>,
}

impl Csv<File> {
    /// Opens the file at `path`.
    ///
    /// # Errors
    /// [`CsvError::Io`] naming the path if it cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, CsvError> {
        let path = path.as_ref();
        let file = path.display().to_string();
        match File::open(path) {
            Ok(reader) => Ok(Csv::from_reader(file, reader)),
            Err(error) => Err(CsvError::Io { file, error }),
        }
    }
}

impl<R: Read> Csv<R> {
    /// Reads from `reader`, calling it `file` in errors.
    pub fn from_reader(file: impl Into<String>, reader: R) -> Self {
        Csv { file: file.into(), reader, delimiter: b',', ignore: Vec::new(), classes: None }
    }

    /// The field separator (a comma unless set: `b';'`, `b'\t'`).
    pub fn delimiter(mut self, delimiter: u8) -> Self {
        self.delimiter = delimiter;
        self
    }

    /// Columns to leave out (an id, a free-text note). A target column is
    /// read even if it is listed here.
    pub fn ignore<S: Into<String>>(mut self, columns: impl IntoIterator<Item = S>) -> Self {
        self.ignore.extend(columns.into_iter().map(Into::into));
        self
    }

    /// The classes, in the order of their indices, for
    /// [`classification`](Csv::classification): a label that is not one of
    /// them is an error ([`CsvError::UnknownClass`]), and a class may have
    /// no examples. Without it, the classes are the labels found.
    ///
    /// # Panics
    /// If a class is listed twice.
    #[track_caller]
    pub fn classes<S: Into<String>>(mut self, classes: impl IntoIterator<Item = S>) -> Self {
        let classes: Vec<String> = classes.into_iter().map(Into::into).collect();
        for (k, c) in classes.iter().enumerate() {
            assert!(!classes[..k].contains(c), "Csv::classes: the class {c:?} is listed twice");
        }
        self.classes = Some(classes);
        self
    }

    /// Reads the table with `target` as the class label: `y` is `[N]`, the
    /// class index of each row; [`Table::class_names`] maps indices back to
    /// labels.
    ///
    /// # Errors
    /// A [`CsvError`] naming the file and, for what is in it, the line and
    /// column: the file cannot be read, it is empty or has no data rows,
    /// `target` or an ignored column is not in the header (or is in it
    /// twice), a row has another number of fields than the header, a
    /// feature is not a finite number, a label is empty or not one of the
    /// [`classes`](Csv::classes) given.
    pub fn classification<T: Float>(self, target: &str) -> Result<Classification<T>, CsvError> {
        let fixed = self.classes.is_some();
        let mut names = self.classes.clone().unwrap_or_default();
        let mut index: HashMap<String, usize> = names.iter().enumerate().map(|(i, n)| (n.clone(), i)).collect();
        let mut ids = Vec::new();
        let read = self.read(&[target], |_, field, place| {
            let label = String::from_utf8_lossy(field);
            if label.is_empty() {
                return Err(place.bad_value(field, "a class label"));
            }
            let id = match index.get(label.as_ref()) {
                Some(&id) => id,
                None if fixed => {
                    let (file, line, column) = (place.file.to_string(), place.line, place.column);
                    return Err(CsvError::UnknownClass {
                        file,
                        line,
                        column,
                        label: label.into(),
                        classes: names.clone(),
                    });
                }
                None => {
                    index.insert(label.to_string(), names.len());
                    names.push(label.into_owned());
                    names.len() - 1
                }
            };
            ids.push(id);
            Ok(())
        })?;
        let (names, rank) = if fixed {
            let rank = (0..names.len()).collect();
            (names, rank)
        } else {
            sorted_classes(names)
        };
        let y = ids.iter().map(|&id| T::from_usize(rank[id])).collect();
        let rows = read.rows;
        let (data, features) = read.with_targets(Tensor::from_vec(y, [rows]));
        let table = Classification::new(data, features, names).expect("the classes were counted from these labels");
        Ok(table.with_target_name(target))
    }

    /// Reads the table with `targets` as the values to predict: `y` is
    /// `[N, K]`, its columns in the order of `targets`.
    ///
    /// # Errors
    /// As [`classification`](Csv::classification), with every target
    /// field a finite number.
    ///
    /// # Panics
    /// If `targets` is empty or names a column twice.
    #[track_caller]
    pub fn regression<T: Float>(self, targets: &[&str]) -> Result<Regression<T>, CsvError> {
        assert!(!targets.is_empty(), "Csv::regression: name at least one target column");
        for (k, t) in targets.iter().enumerate() {
            assert!(!targets[..k].contains(t), "Csv::regression: the target column {t:?} is listed twice");
        }
        let k = targets.len();
        let mut y = Vec::new();
        let read = self.read(targets, |target, field, place| {
            y.resize((place.row + 1) * k, T::ZERO);
            y[place.row * k + target] = number(field, place)?;
            Ok(())
        })?;
        let rows = read.rows;
        let (data, features) = read.with_targets(Tensor::from_vec(y, [rows, k]));
        Ok(Regression::new(data, features, targets.iter().copied()).expect("one target column per name"))
    }

    /// Reads the header and every row: features into `x`, each target
    /// field (with its index in `targets` and its place) to `target`.
    fn read<T: Float>(
        self,
        targets: &[&str],
        mut target: impl FnMut(usize, &[u8], &Place<'_>) -> Result<(), CsvError>,
    ) -> Result<Parsed<T>, CsvError> {
        let Csv { file, mut reader, delimiter, ignore, .. } = self;
        // The whole text in memory (these are small tables): the line of a
        // record is counted from its bytes, because the parser reports
        // where it started looking, before the blank lines it skips.
        let mut text = Vec::new();
        if let Err(error) = reader.read_to_end(&mut text) {
            return Err(CsvError::Io { file, error });
        }
        // Spreadsheets often start a UTF-8 file with a byte-order mark.
        let text = text.strip_prefix("\u{feff}".as_bytes()).unwrap_or(&text);
        let mut csv = ::csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .trim(::csv::Trim::All)
            .from_reader(text);
        let io = |error: ::csv::Error| CsvError::Io { file: file.clone(), error: error.into() };
        let mut record = ::csv::ByteRecord::new();
        if !csv.read_byte_record(&mut record).map_err(io)? {
            return Err(CsvError::Empty { file: file.clone() });
        }
        let header: Vec<String> = record.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect();

        let mut roles = vec![Role::Feature; header.len()];
        for name in &ignore {
            roles[find(&file, &header, name)?] = Role::Ignored;
        }
        for (k, name) in targets.iter().enumerate() {
            roles[find(&file, &header, name)?] = Role::Target(k);
        }
        let features: Vec<String> =
            header.iter().zip(&roles).filter(|(_, r)| **r == Role::Feature).map(|(n, _)| n.clone()).collect();
        if features.is_empty() {
            return Err(CsvError::NoFeatures { file: file.clone() });
        }

        let mut x = Vec::new();
        let mut rows = 0;
        while csv.read_byte_record(&mut record).map_err(io)? {
            let line = record.position().map_or(0, |p| start_line(text, p));
            if record.len() != header.len() {
                let (expected, found) = (header.len(), record.len());
                let column = expected.min(found) + 1;
                return Err(CsvError::Ragged { file: file.clone(), line, column, expected, found });
            }
            for (c, (field, role)) in record.iter().zip(&roles).enumerate() {
                let place = Place { file: &file, line, column: c + 1, name: &header[c], row: rows };
                match *role {
                    Role::Feature => x.push(number(field, &place)?),
                    Role::Target(k) => target(k, field, &place)?,
                    Role::Ignored => {}
                }
            }
            rows += 1;
        }
        if rows == 0 {
            return Err(CsvError::NoRows { file: file.clone() });
        }
        Ok(Parsed { features, x, rows })
    }
}

impl<T: Float, Task> Table<T, Task> {
    /// Writes the table to `path` as CSV that [`Csv`] reads back: a header
    /// (the features, then the targets), then one row per example, each
    /// number in the shortest form that reads back as the same value. A
    /// classification's label column holds the class names; read it back
    /// with [`Csv::classes`]`(table.class_names())` to get the same class
    /// indices even where sorting the names would order them differently.
    ///
    /// ```
    /// use tapegrad::data::{Classification, csv::Csv};
    ///
    /// let text = "x,label\n0.1,b\n2.5,a\n";
    /// let table: Classification = Csv::from_reader("t.csv", text.as_bytes()).classification("label")?;
    /// let path = std::env::temp_dir().join("tapegrad-write-csv-doc.csv");
    /// table.write_csv(&path)?;
    /// assert_eq!(std::fs::read_to_string(&path).unwrap(), "x,label\n0.1,b\n2.5,a\n");
    /// let back: Classification = Csv::open(&path)?.classes(table.class_names()).classification("label")?;
    /// assert_eq!(back, table);
    /// # std::fs::remove_file(&path).unwrap();
    /// # Ok::<(), tapegrad::data::csv::CsvError>(())
    /// ```
    ///
    /// # Errors
    /// [`CsvError::Io`] naming the path if it cannot be written.
    pub fn write_csv(&self, path: impl AsRef<Path>) -> Result<(), CsvError> {
        let path = path.as_ref();
        let io = |error: std::io::Error| CsvError::Io { file: path.display().to_string(), error };
        let mut out = ::csv::Writer::from_writer(File::create(path).map_err(io)?);
        let header = self.feature_names().iter().chain(self.target_names());
        out.write_record(header).map_err(|e| io(e.into()))?;
        let d = self.feature_names().len();
        let mut fields = Vec::with_capacity(d + self.target_names().len());
        for i in 0..self.len() {
            fields.clear();
            fields.extend(self.x().data()[i * d..(i + 1) * d].iter().map(|v| v.to_string()));
            fields.extend((0..self.target_names().len()).map(|k| self.target_text(i, k)));
            out.write_record(&fields).map_err(|e| io(e.into()))?;
        }
        out.flush().map_err(io)
    }
}

/// What a column is for.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Role {
    Feature,
    Target(usize),
    Ignored,
}

/// The features read from a file.
struct Parsed<T> {
    features: Vec<String>,
    /// `[rows, features]`, row-major.
    x: Vec<T>,
    rows: usize,
}

impl<T: Float> Parsed<T> {
    /// The features with their targets, and the features' names.
    fn with_targets(self, y: Tensor<T>) -> (Dataset<T>, Vec<String>) {
        let x = Tensor::from_vec(self.x, [self.rows, self.features.len()]);
        (Dataset::new(x, y).expect("one target per row read"), self.features)
    }
}

/// Where a field is, for its error.
struct Place<'a> {
    file: &'a str,
    line: u64,
    column: usize,
    /// The column's name.
    name: &'a str,
    /// The data row, counted from 0.
    row: usize,
}

impl Place<'_> {
    fn bad_value(&self, field: &[u8], expected: &'static str) -> CsvError {
        CsvError::BadValue {
            file: self.file.to_string(),
            line: self.line,
            column: self.column,
            name: self.name.to_string(),
            value: String::from_utf8_lossy(field).into_owned(),
            expected,
        }
    }
}

/// The line a record starts on, from where the parser began to look for
/// it: past the empty lines it skipped.
fn start_line(text: &[u8], looked_from: &::csv::Position) -> u64 {
    let skipped = text[looked_from.byte() as usize..].iter().take_while(|b| matches!(b, b'\n' | b'\r'));
    looked_from.line() + skipped.filter(|&&b| b == b'\n').count() as u64
}

/// The field as a finite number of type `T`.
fn number<T: Float>(field: &[u8], place: &Place<'_>) -> Result<T, CsvError> {
    let value = std::str::from_utf8(field).ok().and_then(|s| s.parse::<f64>().ok()).map(T::from_f64);
    value.filter(|v| v.is_finite()).ok_or_else(|| place.bad_value(field, "a finite number"))
}

/// The index of the one column called `name`.
fn find(file: &str, header: &[String], name: &str) -> Result<usize, CsvError> {
    let columns: Vec<usize> = (0..header.len()).filter(|&c| header[c] == name).collect();
    match columns[..] {
        [c] => Ok(c),
        [] => Err(CsvError::UnknownColumn { file: file.into(), column: name.into(), header: header.to_vec() }),
        _ => Err(CsvError::DuplicateColumn {
            file: file.into(),
            column: name.into(),
            columns: columns.iter().map(|c| c + 1).collect(),
        }),
    }
}

/// The labels in class order (by value when all are numbers, else by
/// text), and each label's rank, by its position in `seen`.
fn sorted_classes(seen: Vec<String>) -> (Vec<String>, Vec<usize>) {
    let values: Option<Vec<f64>> = seen.iter().map(|s| s.parse::<f64>().ok().filter(|v| v.is_finite())).collect();
    let mut order: Vec<usize> = (0..seen.len()).collect();
    match &values {
        Some(v) => order.sort_by(|&a, &b| v[a].total_cmp(&v[b]).then_with(|| seen[a].cmp(&seen[b]))),
        None => order.sort_by(|&a, &b| seen[a].cmp(&seen[b])),
    }
    let mut rank = vec![0; seen.len()];
    for (r, &i) in order.iter().enumerate() {
        rank[i] = r;
    }
    (order.iter().map(|&i| seen[i].clone()).collect(), rank)
}
