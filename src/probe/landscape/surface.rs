//! [`Plane`]: a plane through parameter space, and [`LossSurface`], the loss
//! on a grid over it.

use rand::Rng;

use super::filter_normalized_direction;
use crate::float::Float;
use crate::nn::Module;
use crate::probe::ParamVector;

/// The plane `origin + a · x + b · y` in a model's parameter space.
#[derive(Clone, Debug, PartialEq)]
pub struct Plane {
    origin: ParamVector,
    x: ParamVector,
    y: ParamVector,
}

impl Plane {
    /// The plane through `origin` along `x` and `y`.
    ///
    /// # Panics
    /// If the three lengths differ.
    #[track_caller]
    pub fn new(origin: ParamVector, x: ParamVector, y: ParamVector) -> Self {
        assert!(
            origin.len() == x.len() && origin.len() == y.len(),
            "Plane::new: the origin has {} values, the directions {} and {}",
            origin.len(),
            x.len(),
            y.len()
        );
        Plane { origin, x, y }
    }

    /// The plane through the model's weights along two independent random
    /// filter-normalised directions ([`filter_normalized_direction`]): Li
    /// et al.'s picture of the loss around a minimum. The directions are
    /// not made orthogonal (Li et al. do not either: in many dimensions two
    /// random directions are nearly so; for the 337 parameters of the
    /// 2-16-16-1 MLP their cosine is typically about 0.05).
    pub fn random<T: Float, M: Module<T> + ?Sized, R: Rng + ?Sized>(model: &M, rng: &mut R) -> Self {
        let x = filter_normalized_direction(model, rng);
        let y = filter_normalized_direction(model, rng);
        Plane { origin: ParamVector::of(model), x, y }
    }

    /// The point at coordinates `(0, 0)`.
    pub fn origin(&self) -> &ParamVector {
        &self.origin
    }

    /// The first direction.
    pub fn x(&self) -> &ParamVector {
        &self.x
    }

    /// The second direction.
    pub fn y(&self) -> &ParamVector {
        &self.y
    }

    /// The point at coordinates `(a, b)`: `origin + a · x + b · y`.
    pub fn point(&self, a: f64, b: f64) -> ParamVector {
        let values = (0..self.origin.len())
            .map(|i| self.origin.as_slice()[i] + a * self.x.as_slice()[i] + b * self.y.as_slice()[i])
            .collect();
        ParamVector::from_vec(values)
    }

    /// The coordinates `(a, b)` of the point of the plane nearest `point`
    /// (least squares: exact for points of the plane, and the orthogonal
    /// projection for others; with orthonormal directions, the dot products
    /// with them, Li et al.'s "cos" projection).
    ///
    /// # Panics
    /// If `point` has another length, or the directions are parallel.
    #[track_caller]
    pub fn project(&self, point: &ParamVector) -> (f64, f64) {
        let offset = point.minus(&self.origin);
        let (xx, xy, yy) = (self.x.dot(&self.x), self.x.dot(&self.y), self.y.dot(&self.y));
        let (px, py) = (offset.dot(&self.x), offset.dot(&self.y));
        let det = xx * yy - xy * xy;
        assert!(det > 1e-12 * xx * yy, "Plane::project: the plane's directions are parallel");
        ((px * yy - py * xy) / det, (py * xx - px * xy) / det)
    }

    /// The loss at the `(cells + 1)²` points of a grid over the box
    /// `(x0, x1, y0, y1)` of coordinates, `loss(model)` evaluated with the
    /// model's parameters set to each point. The model's weights are put
    /// back afterwards.
    ///
    /// # Panics
    /// If `cells` is 0, the box is empty or not finite, or the plane does
    /// not fit the model.
    #[track_caller]
    pub fn loss_surface<T: Float, M: Module<T> + ?Sized>(
        &self,
        model: &mut M,
        bounds: (f64, f64, f64, f64),
        cells: usize,
        mut loss: impl FnMut(&M) -> f64,
    ) -> LossSurface {
        let (x0, x1, y0, y1) = bounds;
        assert!(
            cells > 0 && x0 < x1 && y0 < y1 && [x0, x1, y0, y1].iter().all(|v| v.is_finite()),
            "Plane::loss_surface: need cells > 0 and a finite box with x0 < x1 and y0 < y1, got {cells} cells over {bounds:?}"
        );
        let saved = ParamVector::of(model);
        let surface = LossSurface { bounds, cells, values: Vec::with_capacity((cells + 1) * (cells + 1)) };
        let mut surface = surface;
        for j in 0..=cells {
            for i in 0..=cells {
                let (a, b) = surface.coordinates(i, j);
                self.origin.load_combination_into(model, &[(a, &self.x), (b, &self.y)]);
                surface.values.push(loss(model));
            }
        }
        saved.load_into(model);
        surface
    }
}

/// The loss on a grid of `(cells + 1) × (cells + 1)` points over a box of a
/// [`Plane`]'s coordinates, made by [`Plane::loss_surface`].
#[derive(Clone, Debug, PartialEq)]
pub struct LossSurface {
    bounds: (f64, f64, f64, f64),
    cells: usize,
    values: Vec<f64>,
}

impl LossSurface {
    /// The box `(x0, x1, y0, y1)`.
    pub fn bounds(&self) -> (f64, f64, f64, f64) {
        self.bounds
    }

    /// Cells per side: the grid has `cells + 1` points per side.
    pub fn cells(&self) -> usize {
        self.cells
    }

    /// The losses, row by row from `y0` up, each row from `x0` to the right:
    /// point `(i, j)` is at `j * (cells + 1) + i`.
    pub fn values(&self) -> &[f64] {
        &self.values
    }

    /// The loss at grid point `(i, j)`, `0 <= i, j <= cells`.
    ///
    /// # Panics
    /// If `i` or `j` is beyond the grid.
    #[track_caller]
    pub fn at(&self, i: usize, j: usize) -> f64 {
        assert!(
            i <= self.cells && j <= self.cells,
            "LossSurface::at: ({i}, {j}) is outside a grid of {} cells",
            self.cells
        );
        self.values[j * (self.cells + 1) + i]
    }

    /// The plane coordinates of grid point `(i, j)`.
    pub fn coordinates(&self, i: usize, j: usize) -> (f64, f64) {
        let (x0, x1, y0, y1) = self.bounds;
        let n = self.cells as f64;
        (x0 + (x1 - x0) * i as f64 / n, y0 + (y1 - y0) * j as f64 / n)
    }

    /// The lowest finite loss on the grid and its coordinates, or `None` if
    /// none is finite.
    pub fn min(&self) -> Option<(f64, f64, f64)> {
        let side = self.cells + 1;
        (0..self.values.len())
            .filter(|&k| self.values[k].is_finite())
            .min_by(|&a, &b| self.values[a].total_cmp(&self.values[b]))
            .map(|k| {
                let (a, b) = self.coordinates(k % side, k / side);
                (a, b, self.values[k])
            })
    }
}
