//! Optimizers on 2-D loss surfaces: each surface is written once, generic
//! over the number type, so the same formula gives the contour lines (plain
//! `f64`), the gradients and the Hessians (tape variables); a [`Method`]
//! (any optimizer, or Newton's method) walks it from a start and leaves a
//! [`Trajectory`].

use std::ops::{Add, Mul, Sub};

use rand::rngs::StdRng;
use tapegrad::optim::{Adam, AdamW, Momentum, Optimizer, RmsProp, Sgd};
use tapegrad::{Param, Tape, Tensor, Var, hessian};

use super::contour::{Path, SurfaceChart};
use super::figure::Figure;

/// What a surface formula needs of its numbers: `f64` for drawing, `Var`
/// for differentiating.
pub trait Scalar:
    Copy + Add<Output = Self> + Sub<Output = Self> + Mul<Output = Self> + Add<f64, Output = Self> + Mul<f64, Output = Self>
{
}

impl Scalar for f64 {}
impl Scalar for Var<'_, f64> {}

/// The formulas of the 2-D surfaces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Formula {
    /// `a x² + b y²`: a bowl whose condition number is `b / a`.
    Quadratic { a: f64, b: f64 },
    /// `0.5 x² + 0.25 y⁴ − 0.5 y²`: a saddle at the origin, minima `-0.25` at `(0, ±1)`.
    Saddle,
    /// `(1 − x)² + 100 (y − x²)²`: Rosenbrock's banana valley, minimum 0 at `(1, 1)`.
    Rosenbrock,
    /// `(x y − 1)²`: the loss of the smallest deep network, `out = w2 · w1 · in`
    /// fit to `out = in` at `in = 1`, with `x = w1` and `y = w2`. A saddle at
    /// the origin (loss 1); the minima (loss 0) are the hyperbola `x y = 1`.
    TwoLayerLinear,
}

impl Formula {
    /// The Hessian at `(x, y)`, `[[∂²/∂x², ∂²/∂x∂y], [∂²/∂y∂x, ∂²/∂y²]]`,
    /// by tapegrad's `hessian` (gradients of gradients of [`at`](Self::at)).
    pub fn hessian_at(self, x: f64, y: f64) -> [[f64; 2]; 2] {
        let point = [Tensor::scalar(x), Tensor::scalar(y)];
        let h = hessian(&Tape::new(), &point, |_, v| self.at(v[0], v[1]));
        let h = h.data();
        [[h[0], h[1]], [h[2], h[3]]]
    }

    /// The loss at `(x, y)`.
    pub fn at<V: Scalar>(self, x: V, y: V) -> V {
        match self {
            Formula::Quadratic { a, b } => x * x * a + y * y * b,
            Formula::Saddle => x * x * 0.5 + y * y * y * y * 0.25 + y * y * -0.5,
            Formula::Rosenbrock => {
                let a = x * -1.0 + 1.0;
                let b = y - x * x;
                a * a + b * b * 100.0
            }
            Formula::TwoLayerLinear => {
                let residual = x * y + -1.0;
                residual * residual
            }
        }
    }
}

/// A surface with where to start and what to draw.
#[derive(Clone, Debug)]
pub struct Surface {
    pub name: String,
    pub formula: Formula,
    pub start: (f64, f64),
    /// The lowest loss on the surface.
    pub minimum: f64,
    /// The box drawn, `(x0, x1, y0, y1)`.
    pub bounds: (f64, f64, f64, f64),
    /// Loss levels of the contour lines.
    pub levels: Vec<f64>,
}

impl Surface {
    /// `0.05 x² + 2 y²` from `(-9, 1.5)`: steep in y, shallow in x (condition number 40).
    pub fn ill_conditioned_quadratic() -> Self {
        Surface {
            name: "ill-conditioned quadratic 0.05x² + 2y²".into(),
            formula: Formula::Quadratic { a: 0.05, b: 2.0 },
            start: (-9.0, 1.5),
            minimum: 0.0,
            bounds: (-10.0, 2.0, -2.5, 2.5),
            levels: (0..12).map(|k| 0.02 * 2f64.powi(k)).collect(),
        }
    }

    /// The saddle `0.5x² + 0.25y⁴ − 0.5y²` from `(1.5, 1e-6)`, almost on the ridge.
    pub fn saddle() -> Self {
        Surface {
            name: "saddle 0.5x² + 0.25y⁴ - 0.5y²".into(),
            formula: Formula::Saddle,
            start: (1.5, 1e-6),
            minimum: -0.25,
            bounds: (-1.0, 2.0, -1.5, 1.5),
            levels: (0..14).map(|k| -0.24 + 0.06 * k as f64).collect(),
        }
    }

    /// Rosenbrock from `(-1.5, 2)`.
    pub fn rosenbrock() -> Self {
        Surface {
            name: "Rosenbrock (1-x)² + 100(y-x²)²".into(),
            formula: Formula::Rosenbrock,
            start: (-1.5, 2.0),
            minimum: 0.0,
            bounds: (-2.0, 2.0, -1.0, 3.0),
            levels: (0..12).map(|k| 0.05 * 3f64.powi(k)).collect(),
        }
    }

    /// The surface's contour lines, without paths.
    pub fn chart(&self, title: impl Into<String>) -> SurfaceChart<'static> {
        let formula = self.formula;
        SurfaceChart::new(title, self.bounds, move |x, y| formula.at(x, y), self.levels.clone())
    }

    /// One panel per run, each with its path (a marker every
    /// `marker_every` steps) and its own title: the race as small
    /// multiples, so that paths which overlap can still be told apart.
    pub fn small_multiples(&self, runs: &[(String, Trajectory)], marker_every: usize) -> Figure<'static> {
        let mut figure = Figure::new().plot_size(480, 420).columns(3);
        for (k, (title, run)) in runs.iter().enumerate() {
            let path = Path::new("", run.path.clone()).color(k).markers_every(marker_every);
            figure = figure.panel(self.chart(title.clone()).path(path));
        }
        figure
    }
}

/// Gaussian noise added to every gradient coordinate: a stand-in for the
/// noise of mini-batch gradients.
pub struct GradientNoise {
    pub std: f64,
    pub rng: StdRng,
}

/// Where an optimizer went: the points (the start first), the loss at
/// each, and the gradient each update was given.
#[derive(Clone, Debug, Default)]
pub struct Trajectory {
    pub path: Vec<(f64, f64)>,
    pub losses: Vec<f64>,
    /// `gradients[k]` moved the point from `path[k]` to `path[k + 1]`.
    pub gradients: Vec<(f64, f64)>,
}

impl Trajectory {
    /// The first step at which the loss is below `level`, if any.
    pub fn steps_to(&self, level: f64) -> Option<usize> {
        self.losses.iter().position(|&l| l < level)
    }

    /// The step from which the loss stays below `level` to the end, if it
    /// ends below it: unlike [`steps_to`](Self::steps_to), an oscillating
    /// run does not count as arrived when it merely passes through.
    pub fn settles_below(&self, level: f64) -> Option<usize> {
        match self.losses.iter().rposition(|&l| l >= level) {
            None => Some(0),
            Some(last) if last + 1 < self.losses.len() => Some(last + 1),
            Some(_) => None,
        }
    }

    /// The rate each coordinate effectively got at update `k`: how far it
    /// moved per unit of gradient, `|Δx| / |g_x|` and `|Δy| / |g_y|`.
    pub fn effective_rates(&self, k: usize) -> (f64, f64) {
        let (from, to, g) = (self.path[k], self.path[k + 1], self.gradients[k]);
        ((to.0 - from.0).abs() / g.0.abs(), (to.1 - from.1).abs() / g.1.abs())
    }

    /// The loss at the last point.
    pub fn final_loss(&self) -> f64 {
        *self.losses.last().expect("a trajectory has its start")
    }
}

/// How a racer moves the point: one update from the gradient there (and,
/// for Newton's method, the surface's Hessian there).
pub trait Method {
    /// Moves `(x, y)` one step downhill on `formula`, given its gradient.
    fn step(&mut self, formula: Formula, x: &mut Param<f64>, y: &mut Param<f64>, gx: &Tensor<f64>, gy: &Tensor<f64>);
}

/// Every optimizer is a method: it updates each coordinate from its gradient.
impl<O: Optimizer<f64> + ?Sized> Method for O {
    fn step(&mut self, _: Formula, x: &mut Param<f64>, y: &mut Param<f64>, gx: &Tensor<f64>, gy: &Tensor<f64>) {
        self.update(x, gx);
        self.update(y, gy);
    }
}

/// Newton's method, `p ← p − lr · H⁻¹ ∇f(p)`, with the Hessian `H` from
/// tapegrad's gradients of gradients ([`Formula::hessian_at`]). At rate 1
/// it is plain Newton: on a quadratic it lands on the minimum in one step
/// whatever the conditioning, because `H⁻¹` undoes the curvature of every
/// direction. A smaller rate damps the step.
///
/// No safeguard: where `H` is not positive definite Newton still solves
/// `H d = ∇f`, which leads to the nearest critical point whatever its kind.
/// On the saddle surface that is the saddle itself, whose Hessian has the
/// eigenvalues 1 and −1 (the optimizers example prints them): Newton walks
/// *up* the negative direction, to the saddle, and stays. On Rosenbrock
/// plain Newton does not diverge: from (−1.5, 2) it reaches the minimum in
/// 5 steps, but by a jump far out of the valley (to y ≈ −2.7, loss 750), so
/// the race's tuning (which leaves out steps longer than a quarter of the
/// picture) picks a damped rate there.
pub struct Newton {
    pub lr: f64,
}

impl Method for Newton {
    fn step(&mut self, formula: Formula, x: &mut Param<f64>, y: &mut Param<f64>, gx: &Tensor<f64>, gy: &Tensor<f64>) {
        let (px, py) = (x.value().item(), y.value().item());
        let [[a, b], [c, d]] = formula.hessian_at(px, py);
        let (gx, gy) = (gx.item(), gy.item());
        // Solves H (dx, dy) = (gx, gy) by Cramer's rule; a singular H gives
        // an infinite step, and the run stops there.
        let det = a * d - b * c;
        let (dx, dy) = ((d * gx - b * gy) / det, (a * gy - c * gx) / det);
        x.set_value(Tensor::from_vec(vec![px - self.lr * dx], [1]));
        y.set_value(Tensor::from_vec(vec![py - self.lr * dy], [1]));
    }
}

/// The eigenvalues of a symmetric 2×2 matrix, the smaller first.
pub fn eigenvalues_2x2([[a, b], [_, d]]: [[f64; 2]; 2]) -> (f64, f64) {
    let (mean, half_gap) = ((a + d) / 2.0, ((a - d) / 2.0).hypot(b));
    (mean - half_gap, mean + half_gap)
}

/// Runs `method` for `steps` updates from `start` on the surface, with the
/// engine's gradients (plus `noise`, if given). Stops early if the point
/// stops being finite.
pub fn descend<M: Method + ?Sized>(
    formula: Formula,
    start: (f64, f64),
    method: &mut M,
    steps: usize,
    mut noise: Option<&mut GradientNoise>,
) -> Trajectory {
    let mut x = Param::new("x", Tensor::from_vec(vec![start.0], [1]));
    let mut y = Param::new("y", Tensor::from_vec(vec![start.1], [1]));
    let mut tape = Tape::new();
    let mut run = Trajectory { path: vec![start], losses: vec![formula.at(start.0, start.1)], gradients: Vec::new() };
    for _ in 0..steps {
        tape.clear();
        let grads = formula.at(tape.param(&x), tape.param(&y)).sum().backward();
        let mut gx = grads.param(&x).expect("x is on the tape").clone();
        let mut gy = grads.param(&y).expect("y is on the tape").clone();
        if let Some(noise) = noise.as_deref_mut() {
            for g in [&mut gx, &mut gy] {
                let kick = Tensor::normal([1], 0.0, noise.std, &mut noise.rng);
                *g = Tensor::from_vec(vec![g.item() + kick.item()], [1]);
            }
        }
        run.gradients.push((gx.item(), gy.item()));
        method.step(formula, &mut x, &mut y, &gx, &gy);
        let point = (x.value().item(), y.value().item());
        run.path.push(point);
        run.losses.push(formula.at(point.0, point.1));
        if !(point.0.is_finite() && point.1.is_finite()) {
            break;
        }
    }
    run
}

/// A racer's learning rate on each of the race's surfaces.
pub struct Rates {
    pub quadratic: f64,
    pub saddle: f64,
    pub rosenbrock: f64,
}

/// A method in the race: its name, how to make it at a rate, and its
/// rates. On the quadratic and the saddle the rates show each rule's typical
/// path (SGD at the edge of stability zig-zags); on Rosenbrock they are the
/// ones [`tune`] picks from 1e-5..1 for 5000 steps and tolerance 1e-3.
pub struct Racer {
    pub name: &'static str,
    pub make: fn(f64) -> Box<dyn Method>,
    pub rates: Rates,
}

/// The racers, in the order of tables and panels. A new optimizer joins the
/// race with one entry here.
pub fn racers() -> Vec<Racer> {
    vec![
        Racer {
            name: "SGD",
            make: |lr| Box::new(Sgd::new(lr)),
            rates: Rates { quadratic: 0.45, saddle: 0.1, rosenbrock: 1e-3 },
        },
        Racer {
            name: "Momentum (rho 0.9)",
            make: |lr| Box::new(Momentum::new(lr, 0.9)),
            rates: Rates { quadratic: 0.05, saddle: 0.02, rosenbrock: 2e-3 },
        },
        Racer {
            name: "RMSProp (rho 0.9)",
            make: |lr| Box::new(RmsProp::new(lr).rho(0.9)),
            rates: Rates { quadratic: 0.05, saddle: 0.01, rosenbrock: 2e-3 },
        },
        Racer {
            name: "Adam",
            make: |lr| Box::new(Adam::new(lr)),
            rates: Rates { quadratic: 0.2, saddle: 0.02, rosenbrock: 0.2 },
        },
        Racer {
            name: "AdamW (wd 0.01)",
            make: |lr| Box::new(AdamW::new(lr).weight_decay(0.01)),
            rates: Rates { quadratic: 0.2, saddle: 0.02, rosenbrock: 0.05 },
        },
        Racer {
            name: "Newton",
            make: |lr| Box::new(Newton { lr }),
            rates: Rates { quadratic: 1.0, saddle: 1.0, rosenbrock: 0.5 },
        },
    ]
}

/// A racer's best run among several rates.
#[derive(Clone, Debug)]
pub struct Tuned {
    pub lr: f64,
    pub run: Trajectory,
    /// Steps until the loss was within the tolerance of the minimum.
    pub arrived: Option<usize>,
}

/// Runs `make` at each of `rates` and keeps the best run: the one within
/// `tolerance` of the minimum soonest, and still within it at the end;
/// if none arrives, the lowest final loss. Runs with a step longer than a
/// quarter of the box's width are left out: they arrive, if at all, by a
/// lucky jump at the edge of stability, not by descending.
pub fn tune(
    surface: &Surface,
    make: fn(f64) -> Box<dyn Method>,
    rates: &[f64],
    steps: usize,
    tolerance: f64,
) -> Option<Tuned> {
    let target = surface.minimum + tolerance;
    let longest_step = (surface.bounds.1 - surface.bounds.0) / 4.0;
    let runs = rates.iter().map(|&lr| {
        let run = descend(surface.formula, surface.start, make(lr).as_mut(), steps, None);
        let arrived = run.steps_to(target).filter(|_| run.final_loss() < target);
        Tuned { lr, run, arrived }
    });
    let steady =
        runs.filter(|t| t.run.path.windows(2).all(|w| ((w[1].0 - w[0].0).hypot(w[1].1 - w[0].1)) <= longest_step));
    steady.min_by(|a, b| match (a.arrived, b.arrived) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.run.final_loss().total_cmp(&b.run.final_loss()),
    })
}
