//! makemore (Karpathy, after Bengio et al. 2003), parts 2 and 3: the names,
//! the character-level MLP with BatchNorm, and part 3's lesson (naive and
//! Kaiming initialisation and BatchNorm, side by side).
//!
//! `examples/makemore.rs` runs them from the command line;
//! `tests/makemore.rs` includes this module and runs the same code at a
//! small size, checking what the example prints and the report shows.
//!
//! Some items are used only by the tests or only by the example.
#![allow(dead_code)]

pub mod data;
pub mod lesson;
pub mod model;
