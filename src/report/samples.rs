//! [`Misclassified`]: the examples a classifier gets wrong, most confident
//! mistakes first, drawn as small images (digits) or listed with their
//! features (tables).

use std::fmt::Write;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::tick;
use super::page::escape;
use super::predictions::{Scored, figure, svg};
use crate::float::Float;
use crate::tensor::Tensor;

/// At most this many mistakes are kept (the most confident ones).
const MAX_SHOWN: usize = 40;
/// Images per row of the picture.
const PER_ROW: usize = 10;
/// A tile: the image and its two lines of text.
const TILE: (i32, i32) = (104, 128);
/// Pixels of the picture per pixel of an image, for 8 x 8 images.
const IMAGE_SIDE: i32 = 80;

/// A misclassified example.
#[derive(Clone, Debug, PartialEq)]
struct Mistake {
    /// Its row in the inputs given.
    index: usize,
    values: Vec<f64>,
    truth: usize,
    predicted: usize,
    /// The model's probability of the class it predicted, and of the true one.
    p_predicted: f64,
    p_truth: f64,
}

/// The examples a classifier gets wrong, for the report: the most
/// confident mistakes first (at most 40), each with its true class, the
/// predicted one and the model's probabilities. With
/// [`images`](Self::images) they are drawn as grayscale images (the
/// digits' 8 x 8 pixels); otherwise listed in a table with their features.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad::report::Misclassified;
///
/// let x = Tensor::from_vec(vec![0.0f32, 1.0, 2.0, 3.0], [4, 1]);
/// let labels = Tensor::from_vec(vec![0.0, 0.0, 1.0, 1.0], [4]);
/// let logits = Tensor::from_vec(vec![2.0, 0.0, /**/ 0.0, 3.0, /**/ 0.0, 1.0, /**/ 1.0, 0.0], [4, 2]);
/// let wrong = Misclassified::capture(["even", "odd"], &x, &labels, &logits);
/// assert_eq!((wrong.len(), wrong.total()), (2, 4));
/// assert_eq!(wrong.indices(), [1, 3]); // example 1 at p = 0.95 before example 3 at p = 0.73
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct Misclassified {
    classes: Vec<String>,
    features: Vec<String>,
    mistakes: Vec<Mistake>,
    wrong: usize,
    total: usize,
    image: Option<(usize, usize)>,
}

impl Misclassified {
    /// Finds the examples of `inputs` (`[N, D]`) whose `logits` (`[N, C]`,
    /// or `[N, 1]` for a binary classifier) predict another class than
    /// `labels` (`[N]` or `[N, 1]` class indices). Pass the inputs as a
    /// reader should see them (the raw pixels, not the standardized ones).
    ///
    /// # Panics
    /// If the shapes do not fit or a label is not a class index.
    #[track_caller]
    pub fn capture<T: Float, S: ToString>(
        class_names: impl IntoIterator<Item = S>,
        inputs: &Tensor<T>,
        labels: &Tensor<T>,
        logits: &Tensor<T>,
    ) -> Self {
        let scored = Scored::new("Misclassified::capture", class_names, labels, logits);
        let n = scored.truth.len();
        assert!(
            inputs.ndim() == 2 && inputs.shape()[0] == n,
            "Misclassified::capture: inputs {:?} do not fit {n} labels; expected [{n}, D]",
            inputs.shape()
        );
        let d = inputs.shape()[1];
        let mut mistakes: Vec<Mistake> = (0..n)
            .filter(|&i| scored.predicted[i] != scored.truth[i])
            .map(|index| {
                let (truth, predicted, p) =
                    (scored.truth[index], scored.predicted[index], &scored.probabilities[index]);
                Mistake {
                    index,
                    values: inputs.data()[index * d..(index + 1) * d].iter().map(|v| v.to_f64()).collect(),
                    truth,
                    predicted,
                    p_predicted: p[predicted],
                    p_truth: p[truth],
                }
            })
            .collect();
        let wrong = mistakes.len();
        mistakes.sort_by(|a, b| b.p_predicted.total_cmp(&a.p_predicted).then(a.index.cmp(&b.index)));
        mistakes.truncate(MAX_SHOWN);
        let features = (0..d).map(|j| format!("x{j}")).collect();
        Misclassified { classes: scored.classes, features, mistakes, wrong, total: n, image: None }
    }

    /// Draws each example as a grayscale image of `height` rows and `width`
    /// columns (its features row by row; dark is high, as ink).
    ///
    /// # Panics
    /// If the examples do not have `height * width` features.
    #[track_caller]
    pub fn images(mut self, height: usize, width: usize) -> Self {
        assert!(
            self.features.len() == height * width,
            "Misclassified::images: examples of {} features are not {height} x {width} images",
            self.features.len()
        );
        self.image = Some((height, width));
        self
    }

    /// Names the features in the table of mistakes (`x0`, `x1`, ... unless named).
    ///
    /// # Panics
    /// If there is not one name per feature.
    #[track_caller]
    pub fn feature_names<S: ToString>(mut self, names: impl IntoIterator<Item = S>) -> Self {
        let names: Vec<String> = names.into_iter().map(|s| s.to_string()).collect();
        assert!(
            names.len() == self.features.len(),
            "Misclassified::feature_names: {} names for {} features",
            names.len(),
            self.features.len()
        );
        self.features = names;
        self
    }

    /// How many examples are wrong.
    pub fn len(&self) -> usize {
        self.wrong
    }

    /// `true` if every example is right.
    pub fn is_empty(&self) -> bool {
        self.wrong == 0
    }

    /// How many examples were looked at.
    pub fn total(&self) -> usize {
        self.total
    }

    /// The rows of the mistakes shown, most confident first.
    pub fn indices(&self) -> Vec<usize> {
        self.mistakes.iter().map(|m| m.index).collect()
    }

    /// The panel in the page: a picture of images, or a table.
    pub(super) fn render(&self, html: &mut String) {
        let shown = if self.wrong > self.mistakes.len() {
            format!("the {} most confident of the {} mistakes", self.mistakes.len(), self.wrong)
        } else {
            format!("all {} mistakes", self.wrong)
        };
        let _ = writeln!(html, "<h3>Misclassified: {} of {} examples</h3>", self.wrong, self.total);
        if self.mistakes.is_empty() {
            html.push_str("<p>No example is misclassified.</p>\n");
            return;
        }
        match self.image {
            Some(_) => figure(
                html,
                ("images", "images", self.mistakes.len()),
                &self.to_svg(),
                &format!(
                    "Shown: {shown}, the model's most confident first. Under each image: the true class → the \
                     predicted one, and the probabilities the model gave them."
                ),
            ),
            None => self.table(html, &shown),
        }
    }

    fn table(&self, html: &mut String, shown: &str) {
        let _ =
            writeln!(html, "<p>Shown: {}, the most confident first.</p>\n<div class=\"scroll\"><table>", escape(shown));
        html.push_str("<tr><th>example</th><th>true</th><th>predicted</th><th>p(predicted)</th><th>p(true)</th>");
        for name in &self.features {
            let _ = write!(html, "<th>{}</th>", escape(name));
        }
        html.push_str("</tr>\n");
        for m in &self.mistakes {
            let _ = write!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.2}</td><td>{:.2}</td>",
                m.index,
                escape(&self.classes[m.truth]),
                escape(&self.classes[m.predicted]),
                m.p_predicted,
                m.p_truth
            );
            for v in &m.values {
                let _ = write!(html, "<td>{}</td>", tick(*v));
            }
            html.push_str("</tr>\n");
        }
        html.push_str("</table></div>\n");
    }

    /// The mistakes as images in rows of ten, each over its labels.
    fn to_svg(&self) -> String {
        let (h, w) = self.image.expect("images only");
        let pixel = (IMAGE_SIDE / h.max(w) as i32).max(2);
        let columns = self.mistakes.len().min(PER_ROW) as i32;
        let rows = self.mistakes.len().div_ceil(PER_ROW) as i32;
        let size = ((columns * TILE.0 + 8) as u32, (rows * TILE.1 + 8) as u32);
        let all = self.mistakes.iter().flat_map(|m| &m.values);
        let (low, high) = all.fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| (lo.min(v), hi.max(v)));
        let span = (high - low).max(f64::MIN_POSITIVE);
        svg("the misclassified examples", size, |root| {
            let centre = Pos::new(HPos::Center, VPos::Top);
            for (k, m) in self.mistakes.iter().enumerate() {
                let x0 = 8 + (k % PER_ROW) as i32 * TILE.0 + (TILE.0 - 8 - pixel * w as i32) / 2;
                let y0 = 8 + (k / PER_ROW) as i32 * TILE.1;
                for (i, v) in m.values.iter().enumerate() {
                    let ink = (255.0 * (1.0 - (v - low) / span)).round().clamp(0.0, 255.0) as u8;
                    let (x, y) = (x0 + (i % w) as i32 * pixel, y0 + (i / w) as i32 * pixel);
                    root.draw(&Rectangle::new([(x, y), (x + pixel, y + pixel)], RGBColor(ink, ink, ink).filled()))?;
                }
                let (side_w, side_h) = (pixel * w as i32, pixel * h as i32);
                root.draw(&Rectangle::new([(x0, y0), (x0 + side_w, y0 + side_h)], RGBColor(160, 160, 160)))?;
                let mid = x0 + side_w / 2;
                let labels = format!("{} → {}", self.classes[m.truth], self.classes[m.predicted]);
                let bold = ("sans-serif", 14).into_font().color(&RGBColor(179, 38, 30)).pos(centre);
                root.draw(&Text::new(labels, (mid, y0 + side_h + 5), bold))?;
                let odds = format!("p {:.2} vs {:.2}", m.p_predicted, m.p_truth);
                let small = ("sans-serif", 11).into_font().color(&RGBColor(80, 80, 80)).pos(centre);
                root.draw(&Text::new(odds, (mid, y0 + side_h + 23), small))?;
            }
            Ok(())
        })
    }
}
