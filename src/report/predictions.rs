//! The report's "Predictions" section: what a model predicts on held-out
//! data when its inputs have more than two dimensions and no decision
//! boundary can be drawn. A classifier gets a [`ConfusionMatrix`] and its
//! [`Misclassified`] examples (drawn as images when they are images), a
//! regression a [`PredictedVsTrue`] scatter.

use std::fmt::Write;

use plotters::coord::Shift;
use plotters::prelude::*;

use super::confusion::ConfusionMatrix;
use super::page::escape;
use super::samples::Misclassified;
use super::scatter::PredictedVsTrue;
use crate::float::Float;
use crate::tensor::Tensor;

/// One panel of the section, in the order added.
#[derive(Clone, Debug)]
pub(super) enum Panel {
    Confusion(ConfusionMatrix),
    Misclassified(Misclassified),
    Scatter(PredictedVsTrue),
}

/// The section's body.
pub(super) fn render(html: &mut String, panels: &[Panel]) {
    html.push_str(
        "<p>The trained model on held-out data: for a classifier, which classes it confuses and the examples it \
         gets wrong; for a regression, its predictions against the true values.</p>\n",
    );
    // Pictures of one kind that follow each other sit side by side (the
    // mistakes bring their own heading, and stay apart).
    let row_kind = |p: &Panel| (!matches!(p, Panel::Misclassified(_))).then(|| std::mem::discriminant(p));
    for (k, panel) in panels.iter().enumerate() {
        let kind = row_kind(panel);
        if kind.is_some() && (k == 0 || row_kind(&panels[k - 1]) != kind) {
            html.push_str("<div class=\"row\">\n");
        }
        match panel {
            Panel::Confusion(m) => figure(html, ("confusion", "classes", m.num_classes()), &m.to_svg(), &m.caption()),
            Panel::Misclassified(m) => m.render(html),
            Panel::Scatter(s) => figure(html, ("scatter", "points", s.len()), &s.to_svg(), &s.caption()),
        }
        if kind.is_some() && panels.get(k + 1).map(row_kind) != Some(kind) {
            html.push_str("</div>\n");
        }
    }
}

/// A picture with its caption, marked for the browser check with its kind
/// and a count (`data-classes="10"`).
pub(super) fn figure(html: &mut String, (kind, counted, count): (&str, &str, usize), svg: &str, caption: &str) {
    let _ = writeln!(
        html,
        "<figure class=\"chart\" data-kind=\"{kind}\" data-{counted}=\"{count}\">\n{svg}<figcaption><p>{}</p></figcaption>\n</figure>",
        escape(caption)
    );
}

/// An SVG element of `size` pixels, drawn by `draw` on a white page.
///
/// # Panics
/// If plotters fails to draw into its in-memory SVG (a bug in the layout);
/// the message names `what`.
pub(super) fn svg(
    what: &str,
    size: (u32, u32),
    draw: impl FnOnce(&DrawingArea<SVGBackend<'_>, Shift>) -> Result<(), Box<dyn std::error::Error>>,
) -> String {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, size).into_drawing_area();
        let drawn = root.fill(&WHITE).map_err(Into::into).and_then(|()| draw(&root));
        drawn
            .and_then(|()| root.present().map_err(Into::into))
            .unwrap_or_else(|e| panic!("report: drawing {what} failed: {e}"));
    }
    svg
}

/// A classifier's outputs on `N` labelled examples, read: each example's
/// true class, predicted class and probability of every class.
pub(super) struct Scored {
    pub classes: Vec<String>,
    pub truth: Vec<usize>,
    pub predicted: Vec<usize>,
    pub probabilities: Vec<Vec<f64>>,
}

impl Scored {
    /// Reads `logits` (`[N, C]`, or `[N, 1]` for a binary classifier)
    /// against `labels` (`[N]` or `[N, 1]` class indices) of the classes
    /// named `class_names`.
    ///
    /// # Panics
    /// If the shapes do not fit or a label is not a class index; the message
    /// starts with `who`.
    #[track_caller]
    pub fn new<T: Float, S: ToString>(
        who: &str,
        class_names: impl IntoIterator<Item = S>,
        labels: &Tensor<T>,
        logits: &Tensor<T>,
    ) -> Self {
        let classes: Vec<String> = class_names.into_iter().map(|s| s.to_string()).collect();
        let (c, n) = (classes.len(), labels.len());
        let width = logits.shape().last().copied().unwrap_or(0);
        assert!(
            n > 0
                && width > 0
                && logits.ndim() == 2
                && logits.shape()[0] == n
                && (width == c || (width == 1 && c == 2)),
            "{who}: labels {:?} and logits {:?} do not fit {c} classes; expected [N] and [N, {c}]",
            labels.shape(),
            logits.shape()
        );
        let truth = labels
            .data()
            .iter()
            .enumerate()
            .map(|(i, v)| {
                let class = v.to_f64();
                assert!(
                    class >= 0.0 && class.fract() == 0.0 && class < c as f64,
                    "{who}: example {i} has label {class}, not a class index below {c}"
                );
                class as usize
            })
            .collect();
        let (predicted, probabilities) = logits.data().chunks_exact(width).map(class_probabilities).unzip();
        Scored { classes, truth, predicted, probabilities }
    }
}

/// The class a row of logits predicts and the probability of each class:
/// one logit is a binary classifier (class 1 where it is positive, through
/// the sigmoid), several a softmax over classes (the first largest wins).
fn class_probabilities<T: Float>(logits: &[T]) -> (usize, Vec<f64>) {
    if let [z] = logits {
        let p = 1.0 / (1.0 + (-z.to_f64()).exp());
        return (usize::from(p > 0.5), vec![1.0 - p, p]);
    }
    let best = crate::nn::metrics::argmax(logits);
    let top = logits[best].to_f64();
    let exps: Vec<f64> = logits.iter().map(|z| (z.to_f64() - top).exp()).collect();
    let total: f64 = exps.iter().sum();
    (best, exps.iter().map(|e| e / total).collect())
}
