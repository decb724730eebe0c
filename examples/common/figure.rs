//! One SVG made of panels (line charts and contour pictures) in a grid, with
//! an optional title over them all: small multiples, or a picture and the
//! curve behind it side by side.

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::chart::{DrawResult, LineChart};
use super::contour::SurfaceChart;

/// Colors of series and paths: matplotlib's "tab10", in its order.
pub const COLORS: [RGBColor; 10] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
    RGBColor(23, 190, 207),
];

/// Width of a legend column for these names: a line sample, then the name
/// at about 7.5 px a character in a 15 px font.
pub fn legend_width<'a>(names: impl Iterator<Item = &'a str>) -> u32 {
    let longest = names.map(|name| name.chars().count()).max().unwrap_or(0) as u32;
    60 + 15 * longest / 2
}

/// A panel of a figure.
pub enum Panel<'a> {
    Lines(LineChart),
    Surface(SurfaceChart<'a>),
}

impl Panel<'_> {
    fn legend_width(&self) -> u32 {
        match self {
            Panel::Lines(chart) => chart.legend_width(),
            Panel::Surface(chart) => chart.legend_width(),
        }
    }
}

impl From<LineChart> for Panel<'_> {
    fn from(chart: LineChart) -> Self {
        Panel::Lines(chart)
    }
}

impl<'a> From<SurfaceChart<'a>> for Panel<'a> {
    fn from(chart: SurfaceChart<'a>) -> Self {
        Panel::Surface(chart)
    }
}

/// Panels laid out in rows of `columns`, every plot the same size, each
/// with its own legend column.
pub struct Figure<'a> {
    title: Option<String>,
    panels: Vec<Panel<'a>>,
    columns: usize,
    plot_size: (u32, u32),
}

impl<'a> Figure<'a> {
    /// An empty figure with panels side by side in one row.
    pub fn new() -> Self {
        Figure { title: None, panels: Vec::new(), columns: usize::MAX, plot_size: (640, 480) }
    }

    /// A title over all the panels.
    pub fn title(mut self, title: impl Into<String>) -> Self {
        self.title = Some(title.into());
        self
    }

    /// At most `columns` panels per row.
    pub fn columns(mut self, columns: usize) -> Self {
        self.columns = columns.max(1);
        self
    }

    /// The size of each panel's plot, legend not included. Default 640 × 480.
    pub fn plot_size(mut self, width: u32, height: u32) -> Self {
        self.plot_size = (width, height);
        self
    }

    /// Adds a panel.
    pub fn panel(mut self, panel: impl Into<Panel<'a>>) -> Self {
        self.panels.push(panel.into());
        self
    }

    /// Writes the figure to `path` as SVG. Each panel is its plot plus its
    /// own legend column; a row is as wide as its panels together.
    pub fn save(&self, path: impl AsRef<std::path::Path>) -> DrawResult {
        let columns = self.columns.min(self.panels.len().max(1));
        let rows: Vec<&[Panel<'a>]> = self.panels.chunks(columns).collect();
        let width_of = |panel: &Panel<'_>| self.plot_size.0 + panel.legend_width();
        let width = rows.iter().map(|row| row.iter().map(width_of).sum::<u32>()).max().unwrap_or(self.plot_size.0);
        let title_height = if self.title.is_some() { 40 } else { 0 };
        let size = (width, self.plot_size.1 * rows.len() as u32 + title_height);

        let root = SVGBackend::new(path.as_ref(), size).into_drawing_area();
        root.fill(&WHITE)?;
        let mut body = match &self.title {
            Some(title) => {
                let (top, body) = root.split_vertically(title_height);
                let style = ("sans-serif", 22).into_font().color(&BLACK).pos(Pos::new(HPos::Center, VPos::Center));
                top.draw(&Text::new(title.clone(), (size.0 as i32 / 2, title_height as i32 / 2), style))?;
                body
            }
            None => root.clone(),
        };
        for row in rows {
            let (mut rest, below) = body.split_vertically(self.plot_size.1);
            for panel in row {
                let (cell, right) = rest.split_horizontally(width_of(panel));
                match panel {
                    Panel::Lines(chart) => chart.draw(&cell, panel.legend_width())?,
                    Panel::Surface(chart) => chart.draw(&cell, panel.legend_width())?,
                }
                rest = right;
            }
            body = below;
        }
        root.present()?;
        Ok(())
    }
}

impl Default for Figure<'_> {
    fn default() -> Self {
        Self::new()
    }
}
