//! Looking inside a tape: [`Tape::node`] describes one node, `Display`
//! lists one node a line, and [`Tape::to_dot`] writes Graphviz DOT with
//! values and gradients.

use std::fmt::{self, Write};

use super::{Gradients, Node, Tape, Var};
use crate::float::Float;
use crate::shape::Shape;
use crate::tensor::Tensor;

/// One node of a tape, as the listing shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeInfo {
    /// The node's index on its tape.
    pub index: usize,
    /// The op, e.g. `var`, `param`, `matmul`, `sum(axis=1)`, `powf(2)`.
    pub op: String,
    /// The indices of the nodes it was computed from.
    pub inputs: Vec<usize>,
    /// The shape of its value.
    pub shape: Shape,
    /// Whether a gradient flows through it.
    pub requires_grad: bool,
}

impl NodeInfo {
    fn of<T: Float>(index: usize, node: &Node<T>) -> Self {
        NodeInfo {
            index,
            op: node.op_name(),
            inputs: node.inputs.iter().map(|&i| i as usize).collect(),
            shape: Shape::from_slice(node.value.shape()),
            requires_grad: node.requires_grad,
        }
    }
}

impl<T: Float> Tape<T> {
    /// The node behind `var`.
    ///
    /// # Panics
    /// If `var` belongs to another tape.
    pub fn node(&self, var: Var<'_, T>) -> NodeInfo {
        self.check_owns(var, "node");
        self.with_nodes(|nodes| NodeInfo::of(var.index(), &nodes[var.index()]))
    }

    /// Every node, in the order recorded.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        self.with_nodes(|nodes| nodes.iter().enumerate().map(|(i, node)| NodeInfo::of(i, node)).collect())
    }
}

/// Tensors with at most this many elements are shown in full in DOT labels;
/// larger ones as a summary.
const DOT_FULL_LIMIT: usize = 8;

impl<T: Float> fmt::Display for Tape<T> {
    /// One line a node: index, op, inputs, shape, and `no grad` for nodes
    /// no gradient flows through.
    ///
    /// ```text
    /// #0  var                [2, 2]
    /// #1  var                [2, 1]
    /// #2  matmul   #0 #1     [2, 1]
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<(String, String, String, String, bool)> = self
            .nodes()
            .into_iter()
            .map(|node| {
                let inputs: Vec<String> = node.inputs.iter().map(|i| format!("#{i}")).collect();
                (format!("#{}", node.index), node.op, inputs.join(" "), format!("{:?}", node.shape), node.requires_grad)
            })
            .collect();
        let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(0);
        let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(0);
        let w2 = rows.iter().map(|r| r.2.len()).max().unwrap_or(0);
        for (index, op, inputs, shape, requires_grad) in rows {
            let line = format!(
                "{index:<w0$}  {op:<w1$}  {inputs:<w2$}  {shape}{}",
                if requires_grad { "" } else { "  no grad" }
            );
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

impl<T: Float> Tape<T> {
    /// The graph in Graphviz DOT, left to right: one box a node with its op,
    /// shape and value (tensors of up to 8 elements in full, larger ones as
    /// mean, std, min and max), and an edge from each input to its consumer.
    /// Render with `dot -Tsvg graph.dot -o graph.svg`.
    pub fn to_dot(&self) -> String {
        self.dot(None)
    }

    /// [`to_dot`](Tape::to_dot) with each node's gradient from `grads`,
    /// which must come from a sweep over this graph.
    ///
    /// # Panics
    /// If `grads` were computed on another tape or an earlier graph.
    pub fn to_dot_with(&self, grads: &Gradients<T>) -> String {
        assert!(grads.belongs_to(self), "to_dot_with: the gradients come from another tape or an earlier graph");
        self.dot(Some(grads))
    }

    fn dot(&self, grads: Option<&Gradients<T>>) -> String {
        let inner = self.inner.borrow();
        let mut dot = String::from(
            "digraph tape {\n  rankdir=LR;\n  node [shape=record, fontname=\"monospace\", fontsize=10];\n",
        );
        for (i, node) in inner.nodes.iter().enumerate() {
            let mut label = format!(
                "#{i} {} | shape {:?} | value {}",
                escape(&node.op_name()),
                node.value.shape(),
                escape(&summarise(&node.value))
            );
            if let Some(g) = grads.and_then(|g| g.by_index(i)) {
                let _ = write!(label, " | grad {}", escape(&summarise(g)));
            }
            let style = if node.source.is_leaf() { ", style=filled, fillcolor=\"#e8f0fe\"" } else { "" };
            let _ = writeln!(dot, "  n{i} [label=\"{label}\"{style}];");
            for input in node.inputs.iter() {
                let _ = writeln!(dot, "  n{input} -> n{i};");
            }
        }
        dot.push_str("}\n");
        dot
    }
}

/// A short text for a tensor: every element if small, statistics otherwise.
fn summarise<T: Float>(t: &Tensor<T>) -> String {
    let fmt_value = |v: f64| {
        if v != 0.0 && (v.abs() >= 1e4 || v.abs() < 1e-3) { format!("{v:.3e}") } else { format!("{v:.4}") }
    };
    if t.len() <= DOT_FULL_LIMIT {
        let values: Vec<String> = t.data().iter().map(|v| fmt_value(v.to_f64())).collect();
        return format!("[{}]", values.join(", "));
    }
    let values: Vec<f64> = t.data().iter().map(|v| v.to_f64()).collect();
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    let std = (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n).sqrt();
    let min = values.iter().copied().fold(f64::INFINITY, f64::min);
    let max = values.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    format!("mean {} std {} min {} max {}", fmt_value(mean), fmt_value(std), fmt_value(min), fmt_value(max))
}

/// Escapes the characters that mean something in a DOT record label.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '{' | '}' | '|' | '<' | '>' | '"' | '\\') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}
