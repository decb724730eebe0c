//! The report's "Predictions" section, for data of more than two
//! dimensions: a confusion matrix that counts what it claims, mistakes drawn
//! as images or listed in a table, a regression's predictions against the
//! truth with its R², and nothing fetched.

use tapegrad::Tensor;
use tapegrad::diagnostics::{EpochMetrics, StepMetrics, TrainingLog};
use tapegrad::report::{ConfusionMatrix, Misclassified, PredictedVsTrue, Report};

fn a_log() -> TrainingLog {
    let mut log = TrainingLog::new();
    for step in 0..10 {
        log.record_step(StepMetrics { loss: 1.0 / (1.0 + step as f64), lr: 0.01 }, None);
    }
    log.record_epoch(EpochMetrics { train_loss: 0.1, train_accuracy: Some(0.9), test_loss: None, test_accuracy: None });
    log
}

/// One-hot logits (scaled by `confidence`) that predict `predicted`.
fn logits(predicted: &[usize], classes: usize, confidence: f32) -> Tensor {
    Tensor::from_fn(
        [predicted.len(), classes],
        |i| if i % classes == predicted[i / classes] { confidence } else { 0.0 },
    )
}

fn labels(classes: &[usize]) -> Tensor {
    Tensor::from_vec(classes.iter().map(|&c| c as f32).collect(), [classes.len()])
}

#[test]
fn a_confusion_matrix_counts_each_pair_of_true_and_predicted_class() {
    let truth = [0, 0, 1, 1, 1, 2, 2, 2, 2];
    let guess = [0, 1, 1, 1, 2, 2, 2, 0, 2];
    let m = ConfusionMatrix::capture(["a", "b", "c"], &labels(&truth), &logits(&guess, 3, 1.0));
    let rows: Vec<Vec<usize>> = (0..3).map(|t| (0..3).map(|p| m.count(t, p)).collect()).collect();
    assert_eq!(rows, [[1, 1, 0], [0, 2, 1], [1, 0, 3]]);
    assert!((m.accuracy() - 6.0 / 9.0).abs() < 1e-12);
    // A binary classifier's single logit: class 1 where positive.
    let binary = Tensor::from_vec(vec![-2.0f32, 3.0, 0.5, -0.1], [4, 1]);
    let m = ConfusionMatrix::capture(["no", "yes"], &labels(&[0, 1, 0, 0]), &binary);
    assert_eq!([m.count(0, 0), m.count(0, 1), m.count(1, 1)], [2, 1, 1]);
}

#[test]
fn the_predictions_section_draws_every_panel() {
    let (truth, guess) = ([3, 8, 8, 1, 0, 5], [3, 3, 8, 7, 0, 5]);
    // Two 8 x 8 "images": values 0..16 like the digits.
    let pixels = Tensor::from_fn([6, 64], |i| ((i * 7) % 17) as f32);
    let names: Vec<String> = (0..10).map(|d| d.to_string()).collect();
    let mut report = Report::new("digits");
    report
        .add_confusion_matrix(ConfusionMatrix::capture(&names, &labels(&truth), &logits(&guess, 10, 4.0)))
        .add_misclassified(
            Misclassified::capture(&names, &pixels, &labels(&truth), &logits(&guess, 10, 4.0)).images(8, 8),
        )
        .add_predicted_vs_true(PredictedVsTrue::capture(
            "test set",
            "progression",
            &Tensor::from_vec(vec![1.0f32, 2.0, 3.0], [3, 1]),
            &Tensor::from_vec(vec![1.0f32, 2.5, 2.5], [3, 1]),
        ));
    let html = report.to_html(&a_log());
    assert!(html.contains("<section id=\"predictions\">") && html.contains("<a href=\"#predictions\">Predictions</a>"));
    assert!(html.contains("<figure class=\"chart\" data-kind=\"confusion\" data-classes=\"10\">"));
    assert!(html.contains("4 of 6 examples right (66.7%), 2 wrong."), "the caption counts");
    // Two mistakes (8 taken for 3, 1 taken for 7), each an image of 64 pixels.
    assert!(html.contains("<h3>Misclassified: 2 of 6 examples</h3>"));
    assert!(html.contains("<figure class=\"chart\" data-kind=\"images\" data-images=\"2\">"));
    assert!(html.contains(">\n8 → 3\n</text>") && html.contains(">\n1 → 7\n</text>"), "true → predicted under each");
    let images = &html[html.find("data-kind=\"images\"").unwrap()..];
    let images = &images[..images.find("</figure>").unwrap()];
    assert!(images.matches("<rect").count() >= 2 * 64, "64 pixels an image");
    // The regression panel: R² = 1 - 0.5 / 2.
    assert!(html.contains("<figure class=\"chart\" data-kind=\"scatter\" data-points=\"3\">"));
    assert!(html.contains("R² = 0.750"));
    for outside in ["<script", " src=", "<link", "url(", "https://"] {
        assert!(!html.contains(outside), "the page holds {outside}");
    }
}

#[test]
fn mistakes_without_images_are_listed_with_their_features() {
    let x = Tensor::from_vec(vec![5.1f32, 3.5, 6.3, 2.5, 4.9, 3.0], [3, 2]);
    let wrong = Misclassified::capture(["setosa", "versicolor"], &x, &labels(&[0, 1, 0]), &logits(&[0, 0, 1], 2, 2.0))
        .feature_names(["sepal length", "sepal width"]);
    assert_eq!(wrong.indices(), [1, 2]);
    let mut report = Report::new("iris");
    report.add_misclassified(wrong);
    let html = report.to_html(&a_log());
    assert!(html.contains("<th>sepal length</th><th>sepal width</th>"));
    assert!(html.contains(
        "<tr><td>1</td><td>versicolor</td><td>setosa</td><td>0.88</td><td>0.12</td><td>6.3</td><td>2.5</td></tr>"
    ));
}

#[test]
fn a_classifier_without_mistakes_says_so() {
    let x = Tensor::<f32>::zeros([2, 64]);
    let right = Misclassified::capture(["0", "1"], &x, &labels(&[0, 1]), &logits(&[0, 1], 2, 1.0)).images(8, 8);
    assert!(right.is_empty());
    let mut report = Report::new("perfect");
    report.add_misclassified(right);
    let html = report.to_html(&a_log());
    assert!(html.contains("<p>No example is misclassified.</p>") && !html.contains("data-kind=\"images\""));
}

#[test]
#[should_panic(expected = "Misclassified::images: examples of 4 features are not 8 x 8 images")]
fn images_of_the_wrong_size_are_refused() {
    let _ = Misclassified::capture(["a", "b"], &Tensor::<f32>::zeros([1, 4]), &labels(&[0]), &logits(&[1], 2, 1.0))
        .images(8, 8);
}

#[test]
#[should_panic(expected = "ConfusionMatrix::capture: example 1 has label 3, not a class index below 3")]
fn a_label_outside_the_classes_is_refused() {
    ConfusionMatrix::capture(["a", "b", "c"], &labels(&[0, 3]), &logits(&[0, 1], 3, 1.0));
}

#[test]
#[should_panic(expected = "PredictedVsTrue::capture: truth [4, 2] and predicted [4, 2] must both be [N] or [N, 1]")]
fn several_targets_need_one_panel_each() {
    let t = Tensor::<f32>::zeros([4, 2]);
    PredictedVsTrue::capture("test", "y", &t, &t);
}
