//! Gradient clipping (being written).
