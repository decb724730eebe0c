//! Helpers shared by the examples: command-line flags (`cli`), and SVG
//! pictures drawn with plotters.
#![allow(dead_code)]

pub mod baseline;
pub mod chart;
pub mod cli;
pub mod contour;
pub mod figure;
pub mod fit;
pub mod moons_task;
pub mod plot;
pub mod race;
