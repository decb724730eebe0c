//! Reading your own tables: `Csv` reads a header and rows into a typed table,
//! maps labels to classes and keeps the mapping, writes tables that read back
//! identical, and names the file, line and column of everything it refuses.

use std::path::PathBuf;

use tapegrad::data::csv::{Csv, CsvError};
use tapegrad::data::{Classification, Regression, sklearn};

fn classify(text: &str, target: &str) -> Result<Classification<f64>, CsvError> {
    Csv::from_reader("t.csv", text.as_bytes()).classification(target)
}

fn regress(text: &str, targets: &[&str]) -> Result<Regression<f64>, CsvError> {
    Csv::from_reader("t.csv", text.as_bytes()).regression(targets)
}

/// The error's message, for a table that must not read.
fn refusal(result: Result<impl std::fmt::Debug, CsvError>) -> String {
    result.expect_err("the table should have been refused").to_string()
}

/// A path in the system's temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(name: &str) -> Self {
        TempFile(std::env::temp_dir().join(format!("tapegrad-{}-{name}", std::process::id())))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---- reading ----------------------------------------------------------------

#[test]
fn a_table_reads_into_features_and_class_indices_with_the_mapping_kept() {
    let text = "id,petal length,petal width,species\n1,1.4,0.2,setosa\n2,4.7,1.4,versicolor\n3,6.0,2.5,virginica\n4,1.3,0.2,setosa\n";
    let table: Classification<f64> =
        Csv::from_reader("flowers.csv", text.as_bytes()).ignore(["id"]).classification("species").unwrap();
    assert_eq!(table.feature_names(), ["petal length", "petal width"]);
    assert_eq!(table.target_names(), ["species"]);
    assert_eq!(table.class_names(), ["setosa", "versicolor", "virginica"]);
    assert_eq!(table.x().shape(), [4, 2]);
    assert_eq!(table.x().data(), &[1.4, 0.2, 4.7, 1.4, 6.0, 2.5, 1.3, 0.2]);
    assert_eq!(table.y().data(), &[0.0, 1.0, 2.0, 0.0]);
    assert_eq!(table.class_counts(), [2, 1, 1]);
}

#[test]
fn numeric_labels_sort_as_numbers_and_text_labels_as_text() {
    let numbers = classify("x,y\n0,10\n1,2\n2,-1\n3,2\n", "y").unwrap();
    assert_eq!(numbers.class_names(), ["-1", "2", "10"]);
    assert_eq!(numbers.y().data(), &[2.0, 1.0, 0.0, 1.0]);
    let words = classify("x,y\n0,pear\n1,Apple\n2,apple\n", "y").unwrap();
    assert_eq!(words.class_names(), ["Apple", "apple", "pear"]);
    assert_eq!(words.y().data(), &[2.0, 0.0, 1.0]);
}

#[test]
fn given_classes_fix_the_order_and_may_have_no_examples() {
    let table: Classification<f64> = Csv::from_reader("t.csv", "x,y\n1,benign\n2,malignant\n".as_bytes())
        .classes(["malignant", "benign", "unsure"])
        .classification("y")
        .unwrap();
    assert_eq!(table.y().data(), &[1.0, 0.0]);
    assert_eq!(table.class_counts(), [1, 1, 0]);
}

#[test]
fn regression_targets_come_in_the_order_asked_for() {
    let table = regress("a,b,c,d\n1,2,3,4\n5,6,7,8\n", &["d", "b"]).unwrap();
    assert_eq!(table.feature_names(), ["a", "c"]);
    assert_eq!(table.target_names(), ["d", "b"]);
    assert_eq!(table.y().shape(), [2, 2]);
    assert_eq!(table.y().data(), &[4.0, 2.0, 8.0, 6.0]);
    assert_eq!(table.x().data(), &[1.0, 3.0, 5.0, 7.0]);
}

#[test]
fn spaces_quotes_blank_lines_other_delimiters_and_a_byte_order_mark_are_read() {
    let text = "\u{feff}\"first, feature\"; second ;label\n\n 1.5 ;\"2\";\"a b\"\n\n-3e2;+4;c\n";
    let table: Classification<f64> =
        Csv::from_reader("t.csv", text.as_bytes()).delimiter(b';').classification("label").unwrap();
    assert_eq!(table.feature_names(), ["first, feature", "second"]);
    assert_eq!(table.x().data(), &[1.5, 2.0, -300.0, 4.0]);
    assert_eq!(table.class_names(), ["a b", "c"]);
}

#[test]
fn f32_values_are_the_f64_values_rounded_once() {
    let text = "x,y\n0.1,1e-3\n3.4028235e38,16777217\n";
    let wide = regress(text, &["y"]).unwrap();
    let narrow: Regression<f32> = Csv::from_reader("t.csv", text.as_bytes()).regression(&["y"]).unwrap();
    let rounded: Vec<f32> = wide.x().data().iter().chain(wide.y().data()).map(|&v| v as f32).collect();
    let read: Vec<f32> = narrow.x().data().iter().chain(narrow.y().data()).copied().collect();
    assert_eq!(read, rounded);
    assert_eq!(narrow.y().data()[1], 16777216.0, "2^24 + 1 is not an f32");
}

// ---- round trips ------------------------------------------------------------

#[test]
fn a_classification_written_and_read_back_is_the_same_table() {
    let file = TempFile::new("iris.csv");
    let iris = sklearn::iris::<f64>();
    iris.write_csv(&file.0).unwrap();
    let back: Classification<f64> =
        Csv::open(&file.0).unwrap().classes(iris.class_names()).classification("target").unwrap();
    assert_eq!((back.x(), back.y()), (iris.x(), iris.y()));
    assert_eq!((back.feature_names(), back.class_names()), (iris.feature_names(), iris.class_names()));
    let text = std::fs::read_to_string(&file.0).unwrap();
    assert!(text.starts_with("sepal length (cm),sepal width (cm),petal length (cm),petal width (cm),target\n"));
    assert!(text.lines().nth(1) == Some("5.1,3.5,1.4,0.2,setosa"), "{:?}", text.lines().nth(1));
}

#[test]
fn f32_tables_with_several_targets_read_back_to_the_bit() {
    let file = TempFile::new("linnerud.csv");
    let mut rng = <rand::rngs::StdRng as rand::SeedableRng>::seed_from_u64(3);
    // Values with every bit of an f32 mantissa in use.
    let linnerud = sklearn::linnerud::<f32>();
    let x = tapegrad::Tensor::<f32>::randn(linnerud.x().shape(), &mut rng) * 1e-3;
    let data = tapegrad::data::Dataset::new(x, linnerud.y().clone()).unwrap();
    let table = Regression::new(data, linnerud.feature_names().to_vec(), linnerud.target_names().to_vec()).unwrap();
    table.write_csv(&file.0).unwrap();
    let back: Regression<f32> = Csv::open(&file.0).unwrap().regression(&["Weight", "Waist", "Pulse"]).unwrap();
    let bits = |t: &tapegrad::Tensor<f32>| t.data().iter().map(|v| v.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(back.x()), bits(table.x()));
    assert_eq!(bits(back.y()), bits(table.y()));
}

// ---- refusals, each named by file, line and column -----------------------------

#[test]
fn an_empty_file_and_a_header_alone_are_refused() {
    assert_eq!(refusal(classify("", "y")), "t.csv: the file is empty; a CSV table starts with a header row");
    assert_eq!(refusal(classify("\n\n", "y")), "t.csv: the file is empty; a CSV table starts with a header row");
    assert_eq!(refusal(classify("x,y\n", "y")), "t.csv: the file has a header row but no data rows");
}

#[test]
fn a_ragged_row_names_its_line_and_the_first_missing_or_extra_column() {
    let short = refusal(classify("a,b,y\n1,2,p\n\n3,4\n", "y"));
    assert_eq!(short, "t.csv:4:3: the row has 2 fields but the header has 3 (column 3 is missing)");
    let long = refusal(regress("a,b,y\n1,2,3\n4,5,6,7\n", &["y"]));
    assert_eq!(long, "t.csv:3:4: the row has 4 fields but the header has 3 (column 4 is extra)");
}

#[test]
fn a_bad_value_names_its_line_column_and_text() {
    assert_eq!(
        refusal(classify("a,b,y\n1,2,p\n3,4.5.6,q\n", "y")),
        "t.csv:3:2: column \"b\" holds \"4.5.6\", which is not a finite number"
    );
    for (value, shown) in [("NaN", "NaN"), ("inf", "inf"), ("", ""), ("1e999", "1e999")] {
        let err = refusal(regress(&format!("a,y\n1,2\n{value},3\n"), &["y"]));
        assert_eq!(err, format!("t.csv:3:1: column \"a\" holds {shown:?}, which is not a finite number"));
    }
    // A value beyond f32's range is refused when reading f32.
    let err = Csv::from_reader("t.csv", "a,y\n1e39,1\n".as_bytes()).regression::<f32>(&["y"]).unwrap_err();
    assert_eq!(err.to_string(), "t.csv:2:1: column \"a\" holds \"1e39\", which is not a finite number");
    // A target value too, and an empty class label.
    assert_eq!(
        refusal(regress("a,y\n1,two\n", &["y"])),
        "t.csv:2:2: column \"y\" holds \"two\", which is not a finite number"
    );
    assert_eq!(
        refusal(classify("a,y\n1,p\n2,\n", "y")),
        "t.csv:3:2: column \"y\" holds \"\", which is not a class label"
    );
}

#[test]
fn lines_are_counted_in_the_file_even_after_a_quoted_line_break() {
    let text = "note,a,y\n\"two\nlines\",1,p\n\r\n\nok,x,q\n";
    let err = refusal(Csv::from_reader("t.csv", text.as_bytes()).ignore(["note"]).classification::<f32>("y"));
    assert_eq!(err, "t.csv:6:2: column \"a\" holds \"x\", which is not a finite number");
}

#[test]
fn columns_that_are_not_there_or_not_unique_are_refused() {
    assert_eq!(
        refusal(classify("a,b\n1,2\n", "label")),
        "t.csv:1: no column is named \"label\"; the header has [\"a\", \"b\"]"
    );
    assert_eq!(
        refusal(Csv::from_reader("t.csv", "a,b\n1,2\n".as_bytes()).ignore(["id"]).classification::<f32>("b")),
        "t.csv:1: no column is named \"id\"; the header has [\"a\", \"b\"]"
    );
    assert_eq!(
        refusal(classify("y,a,y\n1,2,3\n", "y")),
        "t.csv:1: the header names \"y\" more than once, in columns [1, 3]"
    );
    assert_eq!(
        refusal(regress("a,b\n1,2\n", &["a", "b"])),
        "t.csv:1: every column is a target or ignored; no column is left as a feature"
    );
}

#[test]
fn a_label_outside_the_given_classes_is_refused() {
    let err = Csv::from_reader("t.csv", "x,y\n1,cat\n2,dog\n3,cow\n".as_bytes())
        .classes(["cat", "dog"])
        .classification::<f32>("y")
        .unwrap_err();
    assert!(matches!(err, CsvError::UnknownClass { line: 4, column: 2, .. }), "{err:?}");
    assert_eq!(err.to_string(), "t.csv:4:2: the label \"cow\" is not one of the classes [\"cat\", \"dog\"]");
}

#[test]
fn a_missing_file_is_an_io_error_naming_it() {
    let err = Csv::open("no/such/dir/table.csv").unwrap_err();
    assert!(matches!(&err, CsvError::Io { file, .. } if file == "no/such/dir/table.csv"), "{err:?}");
    assert!(err.to_string().starts_with("no/such/dir/table.csv: "), "{err}");
    assert!(std::error::Error::source(&err).is_some());
}

#[test]
fn a_file_that_is_not_text_is_refused_at_its_first_bad_value() {
    let bytes: &[u8] = b"a,y\n1,2\n\xff\xfe,3\n";
    let err = Csv::from_reader("blob.bin", bytes).regression::<f32>(&["y"]).unwrap_err();
    assert_eq!(err.to_string(), "blob.bin:3:1: column \"a\" holds \"\u{fffd}\u{fffd}\", which is not a finite number");
}

proptest::proptest! {
    /// Whatever the bytes, reading them returns a table or an error that
    /// names the file; nothing panics.
    #[test]
    fn any_bytes_read_to_a_table_or_an_error(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..200)) {
        let mut text = b"a,b,y\n".to_vec();
        text.extend(&bytes);
        let classes = Csv::from_reader("any.csv", &text[..]).classification::<f32>("y");
        let values = Csv::from_reader("any.csv", &text[..]).regression::<f64>(&["y"]);
        for message in [classes.err().map(|e| e.to_string()), values.err().map(|e| e.to_string())].into_iter().flatten() {
            proptest::prop_assert!(message.starts_with("any.csv"), "{}", message);
        }
    }
}

#[test]
#[should_panic(expected = "Csv::classes: the class \"b\" is listed twice")]
fn a_class_listed_twice_is_a_programming_error() {
    let _ = Csv::from_reader("t.csv", "x,y\n1,a\n".as_bytes()).classes(["a", "b", "b"]);
}

#[test]
#[should_panic(expected = "Csv::regression: the target column \"a\" is listed twice")]
fn a_target_listed_twice_is_a_programming_error() {
    let _ = regress("a,b\n1,2\n", &["a", "a"]);
}
