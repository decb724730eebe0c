//! Helpers shared by the examples: command-line flags, and SVG pictures
//! drawn with plotters.
#![allow(dead_code)]

pub mod chart;
pub mod contour;
pub mod figure;
pub mod plot;
pub mod race;

/// Reads `--name value` from the command line, or `default`.
pub fn arg<T: std::str::FromStr>(name: &str, default: T) -> T {
    let args: Vec<String> = std::env::args().collect();
    match args.iter().position(|a| a == name) {
        Some(i) => args.get(i + 1).and_then(|v| v.parse().ok()).unwrap_or_else(|| {
            eprintln!("{name} needs a value");
            std::process::exit(2)
        }),
        None => default,
    }
}

/// `true` if `--flag` is on the command line.
pub fn flag(name: &str) -> bool {
    std::env::args().any(|a| a == name)
}
