//! The optimizer race, the lecture's comparison slide: SGD, Momentum,
//! RMSProp, Adam, AdamW and Newton's method start from the same point on
//! three 2-D surfaces and follow the engine's own gradients (and, for
//! Newton, its Hessians: gradients of gradients).
//!
//! * an ill-conditioned quadratic, steep in y and shallow in x: SGD
//!   oscillates across the valley and crawls along it;
//! * a saddle at the origin with minima at (0, ±1): starting almost on the
//!   ridge, the gradient barely points away from it;
//! * Rosenbrock's banana valley.
//!
//! Prints a table (final loss, steps to reach the tolerance) and writes one
//! SVG per surface: one panel per optimizer (small multiples), each path with
//! a marker every few steps, so that where each one goes, how fast, and
//! where it stops can be told apart. For each surface it also prints the
//! Hessian's eigenvalues at its critical points: at the saddle, one of each
//! sign, which is what makes it a saddle (and what draws Newton to it).
//!
//!     cargo run --release --example optimizers

mod common;

use common::cli;
use common::race::{Formula, Rates, Surface, Trajectory, descend, eigenvalues_2x2, racers};
use tapegrad::{Tape, Tensor, hessian_max_eigenvalue, hessian_min_eigenvalue};

/// One surface of the race: how long, what counts as arrived, which rate,
/// and the file to write.
struct Course {
    surface: Surface,
    steps: usize,
    tolerance: f64,
    rate: fn(&Rates) -> f64,
    file: &'static str,
    /// Steps between two markers on a path.
    marker_every: usize,
    /// Points where the gradient is zero, each with its name.
    critical_points: &'static [(&'static str, (f64, f64))],
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    cli::from_env(
        "The optimizer race on three surfaces: a table and one SVG per surface (no flags).",
        "optimizers",
        &[],
    );
    let courses = [
        Course {
            surface: Surface::ill_conditioned_quadratic(),
            steps: 300,
            tolerance: 1e-3,
            rate: |r| r.quadratic,
            file: "race_quadratic.svg",
            marker_every: 10,
            critical_points: &[("minimum", (0.0, 0.0))],
        },
        Course {
            surface: Surface::saddle(),
            steps: 300,
            tolerance: 1e-3,
            rate: |r| r.saddle,
            file: "race_saddle.svg",
            marker_every: 10,
            critical_points: &[("saddle point", (0.0, 0.0)), ("minimum", (0.0, 1.0)), ("minimum", (0.0, -1.0))],
        },
        Course {
            surface: Surface::rosenbrock(),
            steps: 5000,
            tolerance: 1e-3,
            rate: |r| r.rosenbrock,
            file: "race_rosenbrock.svg",
            marker_every: 100,
            critical_points: &[("minimum", (1.0, 1.0))],
        },
    ];

    for course in &courses {
        let surface = &course.surface;
        println!(
            "\n{} — start {:?}, {} steps, tolerance {:e}",
            surface.name, surface.start, course.steps, course.tolerance
        );
        println!("{:<20} {:>10} {:>14} {:>22}", "optimizer", "lr", "final loss", "steps to tolerance");
        let mut runs: Vec<(String, Trajectory)> = Vec::new();
        for racer in racers() {
            let lr = (course.rate)(&racer.rates);
            let run = descend(surface.formula, surface.start, (racer.make)(lr).as_mut(), course.steps, None);
            let reached = run.steps_to(surface.minimum + course.tolerance);
            let last = run.final_loss();
            let shown = reached.map_or("not reached".to_string(), |s| s.to_string());
            println!("{:<20} {lr:>10} {last:>14.6e} {shown:>22}", racer.name);
            let arrival =
                reached.map_or(format!("loss {last:.1e} after {}", course.steps), |s| format!("at tol. in {s}"));
            runs.push((format!("{} lr {lr}: {arrival}", racer.name), run));
        }
        for &(name, point) in course.critical_points {
            println!("{}", curvature_at(surface.formula, name, point));
        }
        let every = course.marker_every;
        let title = format!("{} from {:?}: ○ every {every} steps, ● end", surface.name, surface.start);
        surface.small_multiples(&runs, every).title(title).save(course.file)?;
        println!("wrote {}", course.file);
    }
    Ok(())
}

/// The Hessian at `point` and its eigenvalues, from the full 2×2 Hessian
/// and again by the Lanczos process on Hessian-vector products (which is what
/// a network's parameters, too many for the full matrix, would need).
fn curvature_at(formula: Formula, name: &str, point: (f64, f64)) -> String {
    let h = formula.hessian_at(point.0, point.1);
    let (low, high) = eigenvalues_2x2(h);
    let tape = Tape::new();
    let (x, y) = (tape.var(Tensor::scalar(point.0)), tape.var(Tensor::scalar(point.1)));
    let loss = formula.at(x, y);
    let top = hessian_max_eigenvalue(loss, &[x, y], 200, 1e-9);
    let bottom = hessian_min_eigenvalue(loss, &[x, y], 200, 1e-9);
    let kind = match (low < 0.0, high < 0.0) {
        (true, false) => "eigenvalues of both signs: a saddle",
        (false, false) => "all eigenvalues positive: a minimum",
        _ => "all eigenvalues negative: a maximum",
    };
    format!(
        "{name} {point:?}: Hessian {h:?}, eigenvalues {low:.6} and {high:.6} (Lanczos {:.6} and {:.6}); {kind}",
        bottom.value, top.value
    )
}
