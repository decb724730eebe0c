//! The HTML training report (feature `report`): one self-contained file, no
//! scripts, fonts or anything else fetched, that shows what happened inside
//! a small network while it trained.
//!
//! * loss and accuracy curves (train and test) and the learning rate;
//! * per parameter, the gradient norm and the update-to-value ratio over
//!   time, on log scales, with the `1e-3` guide;
//! * per activation, the saturated or dead fraction and the spread over
//!   time;
//! * the last step's diagnostics as a table;
//! * the gradient noise scale over training, if the log has it;
//! * per layer, histograms over time of the activations, of the gradients
//!   at them and of the parameters' gradients, as heat strips (if given,
//!   [`Report::set_histograms`]);
//! * the sharpness, the top eigenvalue of the loss's Hessian, at the steps
//!   it was measured (if given, [`Report::set_sharpness`]);
//! * for 2-D data, the decision boundary at a few epochs side by side;
//! * for data of more dimensions, predictions on held-out data: a
//!   classifier's [`ConfusionMatrix`] and [`Misclassified`] examples (as
//!   images for images), a regression's [`PredictedVsTrue`];
//! * one step's graph with names, values and gradients, drawn as a layered
//!   picture (no Graphviz needed), and its DOT.
//!
//! [`Comparison`] puts several runs side by side instead, one column each
//! and every row on one scale (makemore part 3's lesson: initialisations
//! and BatchNorm compared).
//!
//! The curves come from a [`TrainingLog`]; the boundaries and the graph are
//! captured during training with [`DecisionBoundary::capture`] and
//! [`GraphPicture::capture`]. Charts are drawn with plotters' SVG backend
//! and inlined in the page.
//!
//! ```
//! use tapegrad::diagnostics::{EpochMetrics, StepMetrics, TrainingLog};
//! use tapegrad::report::Report;
//!
//! let mut log = TrainingLog::new();
//! for step in 0..20 {
//!     log.record_step(StepMetrics { loss: 1.0 / (1.0 + step as f64), lr: 0.1 }, None);
//! }
//! log.record_epoch(EpochMetrics { train_loss: 0.1, train_accuracy: Some(0.9), test_loss: Some(0.2), test_accuracy: Some(0.85) });
//! let mut report = Report::new("a run");
//! report.note("20 steps of a made-up run");
//! let html = report.to_html(&log);
//! assert!(html.starts_with("<!DOCTYPE html>") && html.contains("<svg"));
//! // Nothing to fetch: no scripts, no sources, no style sheets.
//! assert!(!html.contains("<script") && !html.contains(" src=") && !html.contains("<link"));
//! ```
#![forbid(unsafe_code)]

mod boundary;
mod chart;
mod comparison;
mod confusion;
mod curves;
mod graph;
mod histograms;
mod noise;
mod page;
mod predictions;
mod samples;
mod scatter;
mod sharpness;

pub use boundary::DecisionBoundary;
pub use comparison::Comparison;
pub use confusion::ConfusionMatrix;
pub use graph::GraphPicture;
pub use samples::Misclassified;
pub use scatter::PredictedVsTrue;

use predictions::Panel;

use std::path::Path;

use crate::diagnostics::{Histograms, Sharpness, TrainingLog};
use crate::error::FileError;

/// A training report in the making: a title, a few lines about the run,
/// decision boundaries and one step's graph; the curves come from the
/// [`TrainingLog`] given to [`to_html`](Report::to_html) or
/// [`write`](Report::write).
#[derive(Clone, Debug)]
pub struct Report {
    title: String,
    notes: Vec<String>,
    boundaries: Vec<DecisionBoundary>,
    graph: Option<GraphPicture>,
    predictions: Vec<Panel>,
    histograms: Option<Histograms>,
    sharpness: Option<Sharpness>,
}

impl Report {
    /// An empty report with this title.
    pub fn new(title: impl Into<String>) -> Self {
        Report {
            title: title.into(),
            notes: Vec::new(),
            boundaries: Vec::new(),
            graph: None,
            predictions: Vec::new(),
            histograms: None,
            sharpness: None,
        }
    }

    /// Adds a line under the title (the model, the data, the recipe).
    pub fn note(&mut self, text: impl Into<String>) -> &mut Self {
        self.notes.push(text.into());
        self
    }

    /// Adds a decision boundary; they are shown side by side in the order added.
    pub fn add_boundary(&mut self, boundary: DecisionBoundary) -> &mut Self {
        self.boundaries.push(boundary);
        self
    }

    /// Adds a confusion matrix to the "Predictions" section (panels there
    /// are shown in the order added).
    pub fn add_confusion_matrix(&mut self, matrix: ConfusionMatrix) -> &mut Self {
        self.predictions.push(Panel::Confusion(matrix));
        self
    }

    /// Adds the misclassified examples to the "Predictions" section.
    pub fn add_misclassified(&mut self, mistakes: Misclassified) -> &mut Self {
        self.predictions.push(Panel::Misclassified(mistakes));
        self
    }

    /// Adds a regression's predictions against the true values to the
    /// "Predictions" section.
    pub fn add_predicted_vs_true(&mut self, panel: PredictedVsTrue) -> &mut Self {
        self.predictions.push(Panel::Scatter(panel));
        self
    }

    /// Sets the graph to show (one step of training).
    pub fn set_graph(&mut self, graph: GraphPicture) -> &mut Self {
        self.graph = Some(graph);
        self
    }

    /// Sets the histograms over time to draw as heat strips.
    pub fn set_histograms(&mut self, histograms: Histograms) -> &mut Self {
        self.histograms = Some(histograms);
        self
    }

    /// Sets the sharpness measurements to chart.
    pub fn set_sharpness(&mut self, sharpness: Sharpness) -> &mut Self {
        self.sharpness = Some(sharpness);
        self
    }

    /// The page, as HTML text.
    pub fn to_html(&self, log: &TrainingLog) -> String {
        page::render(self, log)
    }

    /// Writes the page to `path`.
    ///
    /// # Errors
    /// [`FileError::Io`] naming the path if the file cannot be written.
    pub fn write(&self, path: impl AsRef<Path>, log: &TrainingLog) -> Result<(), FileError> {
        let path = path.as_ref();
        std::fs::write(path, self.to_html(log)).map_err(|error| FileError::Io { path: path.to_path_buf(), error })
    }
}
