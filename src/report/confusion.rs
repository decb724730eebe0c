//! [`ConfusionMatrix`]: how often a classifier predicts each class for the
//! examples of each class, drawn as a grid of counts.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::predictions::{Scored, svg};
use crate::float::Float;
use crate::tensor::Tensor;

/// Width of the column of class names left of the grid, and height of the
/// band above it.
const LEFT: i32 = 120;
const TOP: i32 = 64;

/// Counts of (true class, predicted class) pairs over a set of examples.
/// Each row is a true class and sums to its number of examples; the
/// diagonal holds the correct predictions.
///
/// ```
/// use tapegrad::Tensor;
/// use tapegrad::report::ConfusionMatrix;
///
/// let labels = Tensor::from_vec(vec![0.0f32, 1.0, 1.0, 2.0], [4]);
/// let logits = Tensor::from_vec(vec![3.0, 0.0, 0.0, /**/ 0.0, 2.0, 0.0, /**/ 1.0, 0.0, 0.0, /**/ 0.0, 0.0, 5.0], [4, 3]);
/// let m = ConfusionMatrix::capture(["a", "b", "c"], &labels, &logits);
/// assert_eq!(m.count(1, 0), 1); // one "b" taken for an "a"
/// assert_eq!(m.count(2, 2), 1);
/// assert_eq!(m.accuracy(), 0.75);
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ConfusionMatrix {
    classes: Vec<String>,
    /// `counts[true * C + predicted]`.
    counts: Vec<usize>,
}

impl ConfusionMatrix {
    /// Counts what `logits` (`[N, C]`, or `[N, 1]` for a binary classifier)
    /// predict against `labels` (`[N]` or `[N, 1]` class indices) for
    /// classes named `class_names`.
    ///
    /// # Panics
    /// If the shapes do not fit or a label is not a class index; the
    /// message names the shapes or the example.
    #[track_caller]
    pub fn capture<T: Float, S: ToString>(
        class_names: impl IntoIterator<Item = S>,
        labels: &Tensor<T>,
        logits: &Tensor<T>,
    ) -> Self {
        let scored = Scored::new("ConfusionMatrix::capture", class_names, labels, logits);
        let c = scored.classes.len();
        let mut counts = vec![0; c * c];
        for (t, p) in scored.truth.iter().zip(&scored.predicted) {
            counts[t * c + p] += 1;
        }
        ConfusionMatrix { classes: scored.classes, counts }
    }

    /// How many examples of class `truth` were predicted as `predicted`.
    pub fn count(&self, truth: usize, predicted: usize) -> usize {
        self.counts[truth * self.classes.len() + predicted]
    }

    /// Number of classes.
    pub fn num_classes(&self) -> usize {
        self.classes.len()
    }

    /// The fraction of examples on the diagonal.
    pub fn accuracy(&self) -> f64 {
        let c = self.classes.len();
        let right: usize = (0..c).map(|k| self.count(k, k)).sum();
        right as f64 / self.counts.iter().sum::<usize>().max(1) as f64
    }

    /// The sentence under the picture.
    pub(super) fn caption(&self) -> String {
        let total: usize = self.counts.iter().sum();
        let wrong = total - (0..self.classes.len()).map(|k| self.count(k, k)).sum::<usize>();
        let worst = (0..self.counts.len())
            .filter(|&i| i / self.classes.len() != i % self.classes.len() && self.counts[i] > 0)
            .max_by_key(|&i| (self.counts[i], std::cmp::Reverse(i)));
        let mut text = format!(
            "Rows: the true class; columns: the predicted one. {} of {total} examples right ({:.1}%), {wrong} wrong.",
            total - wrong,
            100.0 * self.accuracy()
        );
        if let Some(i) = worst {
            let c = self.classes.len();
            text += &format!(
                " The most frequent mistake: {} taken for {} ({} times).",
                self.classes[i / c],
                self.classes[i % c],
                self.counts[i]
            );
        }
        text + " Blue: share of the row predicted right; red: share taken for another class."
    }

    /// The grid as an SVG element: one square per pair, its count written
    /// in it, shaded by its share of the row (blue on the diagonal, red off
    /// it), class names along both sides.
    pub(super) fn to_svg(&self) -> String {
        let c = self.classes.len() as i32;
        let cell = (420 / c).clamp(26, 64);
        let size = ((LEFT + c * cell + 16) as u32, (TOP + c * cell + 16) as u32);
        svg("the confusion matrix", size, |root| {
            let name = |size: i32| ("sans-serif", size).into_font().color(&RGBColor(50, 50, 50));
            let centre = Pos::new(HPos::Center, VPos::Center);
            root.draw(&Text::new("predicted →", (LEFT + c * cell / 2, 14), name(14).pos(centre)))?;
            let right = Pos::new(HPos::Right, VPos::Center);
            root.draw(&Text::new("true ↓", (LEFT - 8, TOP - 14), name(14).pos(right)))?;
            for (k, class) in self.classes.iter().enumerate() {
                let k = k as i32;
                let short = shorten(class);
                root.draw(&Text::new(short.clone(), (LEFT + k * cell + cell / 2, TOP - 14), name(12).pos(centre)))?;
                root.draw(&Text::new(short, (LEFT - 8, TOP + k * cell + cell / 2), name(12).pos(right)))?;
            }
            for t in 0..self.classes.len() {
                let row_total = (0..self.classes.len()).map(|p| self.count(t, p)).sum::<usize>().max(1);
                for p in 0..self.classes.len() {
                    let n = self.count(t, p);
                    let share = n as f64 / row_total as f64;
                    let base = if t == p { RGBColor(31, 119, 180) } else { RGBColor(214, 39, 40) };
                    let fill = if n == 0 { WHITE.mix(1.0) } else { base.mix(0.12 + 0.88 * share) };
                    let (x, y) = (LEFT + p as i32 * cell, TOP + t as i32 * cell);
                    root.draw(&Rectangle::new([(x, y), (x + cell, y + cell)], fill.filled()))?;
                    root.draw(&Rectangle::new(
                        [(x, y), (x + cell, y + cell)],
                        RGBColor(210, 210, 210).stroke_width(1),
                    ))?;
                    if n > 0 {
                        let ink = if share > 0.55 { WHITE } else { BLACK };
                        let font = ("sans-serif", (cell / 3).clamp(10, 15)).into_font().color(&ink).pos(centre);
                        root.draw(&Text::new(n.to_string(), (x + cell / 2, y + cell / 2), font))?;
                    }
                }
            }
            Ok(())
        })
    }
}

/// A class name cut to what fits beside the grid.
fn shorten(name: &str) -> String {
    if name.chars().count() <= 14 { name.to_string() } else { name.chars().take(13).chain(['…']).collect() }
}
