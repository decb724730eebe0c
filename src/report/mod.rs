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
//! * for 2-D data, the decision boundary at a few epochs side by side;
//! * one step's graph with names, values and gradients, drawn as a layered
//!   picture (no Graphviz needed), and its DOT.
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
mod curves;
mod graph;
mod noise;
mod page;

pub use boundary::DecisionBoundary;
pub use graph::GraphPicture;

use std::path::Path;

use crate::diagnostics::TrainingLog;
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
}

impl Report {
    /// An empty report with this title.
    pub fn new(title: impl Into<String>) -> Self {
        Report { title: title.into(), notes: Vec::new(), boundaries: Vec::new(), graph: None }
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

    /// Sets the graph to show (one step of training).
    pub fn set_graph(&mut self, graph: GraphPicture) -> &mut Self {
        self.graph = Some(graph);
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
