//! The report's sharpness chart: the top eigenvalue of the loss's Hessian
//! at the steps it was measured ([`Sharpness`]).

use std::fmt::Write;

use super::chart::{LineChart, Series};
use super::curves::Figure;
use super::page::{figures, section};
use crate::diagnostics::Sharpness;

/// The section, if anything was measured.
pub(super) fn render(html: &mut String, sharpness: &Sharpness) {
    let points = sharpness.points();
    if points.is_empty() {
        return;
    }
    section(html, "sharpness", "Sharpness", |html| {
        let mut chart = LineChart::new("Sharpness: the top eigenvalue of the loss's Hessian", "step", "λ max");
        let curve = points.iter().map(|p| (p.step as f64, p.value)).collect();
        chart.series.push(Series::new("sharpness", curve, 3));
        let unconverged = points.iter().filter(|p| !p.converged).count();
        let _ = writeln!(
            html,
            "<p>Measured at {} steps by the Lanczos process on Hessian-vector products; {unconverged} of \
             the estimates ran out of products before their error bound met the tolerance.</p>",
            points.len()
        );
        let caption = "The largest eigenvalue of the Hessian of the loss with respect to all the parameters. \
                       Plain gradient descent at rate lr is stable only while it stays below 2 / lr (Cohen et al. \
                       2021 find full-batch training pushes it up to that edge); adaptive optimizers rescale \
                       each direction, so for Adam the limit is not 2 / lr.";
        figures(html, &[Figure { chart, caption }]);
    });
}
