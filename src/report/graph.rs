//! [`GraphPicture`]: one step's graph, drawn without Graphviz: a layered
//! layout left to right, each node with its name, op, shape, value and
//! gradient, each scope a labelled box around its nodes.
//!
//! The layout: ops go in columns by their depth in the graph (one more than
//! their deepest op input); each leaf (input, parameter, constant) is
//! stacked above its first consumer, in the same column, so that a
//! module's parameters sit inside its box. Ops line up along the bottom;
//! edges run right from an op to the next column's op, and from a leaf
//! down a lane left of its column into its consumer.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::FontStyle;

use super::chart::tick;
use crate::float::Float;
use crate::tape::{Clusters, Gradients, Source, Tape};
use crate::tensor::Tensor;

/// A node's box: width and height in pixels.
const BOX: (i32, i32) = (196, 72);
/// Space between columns (edges and lanes run there) and between stacked boxes.
const GAP: (i32, i32) = (78, 34);
/// Space around the drawing.
const MARGIN: i32 = 24;
/// Characters that fit on a line of a box.
const LINE_CHARS: usize = 28;

/// One node as drawn.
#[derive(Clone, Debug)]
struct PictureNode {
    /// The name, or `#i op`.
    title: String,
    /// `#i op [shape]` under a name, or just the shape.
    detail: String,
    value: String,
    grad: Option<String>,
    inputs: Vec<usize>,
    cluster: Option<usize>,
    kind: Kind,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Kind {
    Param,
    Leaf,
    Op,
}

/// The graph of one step, captured from a tape with its values and
/// gradients, to be drawn in the report (and kept as DOT for Graphviz).
#[derive(Clone, Debug)]
pub struct GraphPicture {
    nodes: Vec<PictureNode>,
    /// Each scope's full path and the scope it is nested in.
    clusters: Vec<(String, Option<usize>)>,
    dot: String,
}

impl GraphPicture {
    /// Captures the graph recorded on `tape`, with the gradients of a sweep
    /// over it if given.
    ///
    /// # Panics
    /// If `grads` come from another tape or an earlier graph.
    #[track_caller]
    pub fn capture<T: Float>(tape: &Tape<T>, grads: Option<&Gradients<T>>) -> Self {
        let dot = match grads {
            Some(g) => tape.to_dot_with(g),
            None => tape.to_dot(),
        };
        tape.with_graph(|nodes, labels, _| {
            let scopes = Clusters::new(labels);
            let clusters = (0..scopes.len()).map(|c| (scopes.path(c).to_owned(), scopes.parent(c))).collect();
            let names = labels.names.per_node(nodes.len());
            let nodes = nodes
                .iter()
                .zip(names)
                .enumerate()
                .map(|(i, (node, name))| {
                    let op = node.op_name();
                    let shape = format!("{:?}", node.value.shape());
                    let (title, detail) = match name {
                        Some(name) => (name.to_owned(), format!("#{i} {op} {shape}")),
                        None => (format!("#{i} {op}"), shape),
                    };
                    PictureNode {
                        title: fit(&title),
                        detail: fit(&detail),
                        value: fit(&format!("value {}", compact(&node.value))),
                        grad: grads.and_then(|g| g.by_index(i)).map(|g| fit(&format!("grad  {}", compact(g)))),
                        inputs: node.inputs.iter().map(|&k| k as usize).collect(),
                        cluster: scopes.of(node.scope),
                        kind: match node.source {
                            Source::Param(_) => Kind::Param,
                            Source::Op(_) => Kind::Op,
                            _ => Kind::Leaf,
                        },
                    }
                })
                .collect();
            GraphPicture { nodes, clusters, dot }
        })
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.nodes.len()
    }

    /// `true` if the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.nodes.is_empty()
    }

    /// The same graph in Graphviz DOT ([`Tape::to_dot_with`]).
    pub fn dot(&self) -> &str {
        &self.dot
    }

    /// The picture as an SVG element, sized to fit the graph.
    ///
    /// # Panics
    /// If plotters fails to draw into its in-memory SVG (a bug).
    pub(super) fn to_svg(&self) -> String {
        let layout = Layout::of(self);
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, layout.size).into_drawing_area();
            self.draw(&root, &layout).unwrap_or_else(|e| panic!("report: drawing the graph failed: {e}"));
        }
        svg
    }

    fn draw(
        &self,
        root: &DrawingArea<SVGBackend<'_>, Shift>,
        layout: &Layout,
    ) -> Result<(), Box<dyn std::error::Error>> {
        root.fill(&WHITE)?;
        self.draw_clusters(root, layout)?;
        let gray = RGBColor(90, 90, 90);
        for (i, node) in self.nodes.iter().enumerate() {
            let (x, y) = layout.at[i];
            let port = |k: usize| (x, y + BOX.1 * (k as i32 + 1) / (node.inputs.len() as i32 + 1));
            // Inputs stacked above in the same column come down lanes left of
            // it, nested so that no two cross: the nearest input takes the
            // innermost lane and the top port. Inputs from columns to the
            // left come in below them.
            let (mut stacked, from_left): (Vec<usize>, Vec<usize>) =
                node.inputs.iter().partition(|&&j| layout.column[j] == layout.column[i]);
            stacked.sort_by_key(|&j| std::cmp::Reverse(layout.at[j].1));
            for (k, &j) in stacked.iter().chain(&from_left).enumerate() {
                let target = port(k);
                let (sx, sy) = layout.at[j];
                let path = if k < stacked.len() {
                    let lane = x - 9 - 7 * k as i32;
                    vec![(sx, sy + BOX.1 / 2), (lane, sy + BOX.1 / 2), (lane, target.1), target]
                } else {
                    let bend = x - GAP.0 + 20 + 5 * (k - stacked.len()) as i32;
                    let source = (sx + BOX.0, sy + BOX.1 / 2);
                    vec![source, (bend, source.1), (bend, target.1), target]
                };
                root.draw(&PathElement::new(path, gray.stroke_width(1)))?;
                let (tx, ty) = target;
                root.draw(&Polygon::new(vec![(tx, ty), (tx - 7, ty - 4), (tx - 7, ty + 4)], gray.filled()))?;
            }
        }
        for (i, node) in self.nodes.iter().enumerate() {
            self.draw_node(root, node, layout.at[i])?;
        }
        root.present()?;
        Ok(())
    }

    /// How many clusters enclose one nested in `parent`.
    fn depth_of(&self, mut parent: Option<usize>) -> usize {
        let mut depth = 0;
        while let Some(p) = parent {
            (parent, depth) = (self.clusters[p].1, depth + 1);
        }
        depth
    }

    /// Each scope as a labelled box around its nodes and those of the
    /// scopes nested in it, outer boxes first and wider.
    fn draw_clusters(
        &self,
        root: &DrawingArea<SVGBackend<'_>, Shift>,
        layout: &Layout,
    ) -> Result<(), Box<dyn std::error::Error>> {
        let depth = |c: usize| self.depth_of(self.clusters[c].1);
        let deepest = (0..self.clusters.len()).map(depth).max().unwrap_or(0);
        let mut order: Vec<usize> = (0..self.clusters.len()).collect();
        order.sort_by_key(|&c| depth(c));
        for c in order {
            let inside = |mut k: Option<usize>| {
                while let Some(at) = k {
                    if at == c {
                        return true;
                    }
                    k = self.clusters[at].1;
                }
                false
            };
            let members: Vec<(i32, i32)> =
                self.nodes.iter().enumerate().filter(|(_, n)| inside(n.cluster)).map(|(i, _)| layout.at[i]).collect();
            if members.is_empty() {
                continue;
            }
            let pad = 10 + 8 * (deepest - depth(c)) as i32;
            let x0 = members.iter().map(|p| p.0).min().unwrap_or(0) - pad - 16;
            let y0 = members.iter().map(|p| p.1).min().unwrap_or(0) - pad - 14;
            let x1 = members.iter().map(|p| p.0).max().unwrap_or(0) + BOX.0 + pad;
            let y1 = members.iter().map(|p| p.1).max().unwrap_or(0) + BOX.1 + pad;
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], RGBColor(246, 246, 250).filled()))?;
            root.draw(&Rectangle::new([(x0, y0), (x1, y1)], RGBColor(150, 150, 170).stroke_width(1)))?;
            let label = Text::new(
                self.clusters[c].0.clone(),
                (x0 + 6, y0 + 4),
                ("sans-serif", 13).into_font().color(&RGBColor(80, 80, 110)),
            );
            root.draw(&label)?;
        }
        Ok(())
    }

    fn draw_node(
        &self,
        root: &DrawingArea<SVGBackend<'_>, Shift>,
        node: &PictureNode,
        (x, y): (i32, i32),
    ) -> Result<(), Box<dyn std::error::Error>> {
        let fill = match node.kind {
            Kind::Param => RGBColor(255, 244, 214),
            Kind::Leaf => RGBColor(232, 240, 254),
            Kind::Op => WHITE,
        };
        let corners = [(x, y), (x + BOX.0, y + BOX.1)];
        root.draw(&Rectangle::new(corners, fill.filled()))?;
        root.draw(&Rectangle::new(corners, RGBColor(110, 110, 110).stroke_width(1)))?;
        let title = ("monospace", 13, FontStyle::Bold).into_font().color(&BLACK);
        root.draw(&Text::new(node.title.clone(), (x + 6, y + 5), title))?;
        let body = ("monospace", 12).into_font().color(&RGBColor(40, 40, 40));
        let lines = [Some(&node.detail), Some(&node.value), node.grad.as_ref()];
        for (k, line) in lines.into_iter().flatten().enumerate() {
            root.draw(&Text::new(line.clone(), (x + 6, y + 22 + 16 * k as i32), body.clone()))?;
        }
        Ok(())
    }
}

/// Where each node goes.
struct Layout {
    column: Vec<usize>,
    /// Top-left corner of each node's box.
    at: Vec<(i32, i32)>,
    size: (u32, u32),
}

impl Layout {
    fn of(picture: &GraphPicture) -> Self {
        let nodes = &picture.nodes;
        let mut column = vec![0; nodes.len()];
        let mut consumers = vec![Vec::new(); nodes.len()];
        for (i, node) in nodes.iter().enumerate() {
            for &j in &node.inputs {
                consumers[j].push(i);
            }
            if node.kind == Kind::Op {
                let deepest = node.inputs.iter().filter(|&&j| nodes[j].kind == Kind::Op).map(|&j| column[j] + 1).max();
                column[i] = deepest.unwrap_or(0);
            }
        }
        for (i, node) in nodes.iter().enumerate() {
            if node.kind != Kind::Op {
                column[i] = consumers[i].iter().map(|&c| column[c]).min().unwrap_or(0);
            }
        }
        // Each column bottom up: its ops, then the leaves of their scope,
        // then the other leaves (so that a scope's box holds no stranger).
        let columns = column.iter().max().map_or(0, |c| c + 1);
        let mut stacks: Vec<Vec<usize>> = vec![Vec::new(); columns];
        for (c, stack) in stacks.iter_mut().enumerate() {
            let (ops, leaves): (Vec<usize>, Vec<usize>) =
                (0..nodes.len()).filter(|&i| column[i] == c).partition(|&i| nodes[i].kind == Kind::Op);
            let scope = ops.first().and_then(|&i| nodes[i].cluster);
            let (own, others): (Vec<usize>, Vec<usize>) =
                leaves.into_iter().partition(|&i| scope.is_some() && nodes[i].cluster == scope);
            // Bottom up, so the leaves read top down in recording order.
            stack.extend(ops.into_iter().chain(own.into_iter().rev()).chain(others.into_iter().rev()));
        }
        let tallest = stacks.iter().map(Vec::len).max().unwrap_or(1) as i32;
        // Room for the scope boxes around the nodes: one step per level.
        let nesting = picture.clusters.iter().map(|c| 1 + picture.depth_of(c.1)).max().unwrap_or(0) as i32;
        let top = MARGIN + 24 + 8 * nesting;
        let bottom = top + tallest * (BOX.1 + GAP.1) - GAP.1;
        let mut at = vec![(0, 0); nodes.len()];
        for (c, stack) in stacks.iter().enumerate() {
            let x = MARGIN + 24 + 8 * nesting + c as i32 * (BOX.0 + GAP.0);
            for (k, &i) in stack.iter().enumerate() {
                at[i] = (x, bottom - BOX.1 - k as i32 * (BOX.1 + GAP.1));
            }
        }
        let width = MARGIN + 24 + 8 * nesting + columns as i32 * (BOX.0 + GAP.0) - GAP.0 + 8 * nesting + MARGIN;
        let height = bottom + 8 * nesting + MARGIN;
        Layout { column, at, size: (width.max(200) as u32, height.max(120) as u32) }
    }
}

/// A tensor in a few characters: up to three elements in full, else mean
/// and standard deviation.
fn compact<T: Float>(t: &Tensor<T>) -> String {
    if t.len() <= 3 {
        let values: Vec<String> = t.data().iter().map(|v| tick(v.to_f64())).collect();
        return format!("[{}]", values.join(", "));
    }
    let n = t.len() as f64;
    let mean = t.data().iter().map(|v| v.to_f64()).sum::<f64>() / n;
    let std = (t.data().iter().map(|v| (v.to_f64() - mean).powi(2)).sum::<f64>() / n).sqrt();
    format!("μ {} σ {}", tick(mean), tick(std))
}

/// `text` cut to what fits on a line of a box.
fn fit(text: &str) -> String {
    if text.chars().count() <= LINE_CHARS {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(LINE_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}
