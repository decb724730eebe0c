//! Looking inside a tape: [`Tape::node`] describes one node, `Display`
//! lists one node a line, and [`Tape::to_dot`] writes Graphviz DOT with
//! names, values and gradients, one cluster per scope.

use std::fmt::{self, Write};

use super::{Gradients, Labels, Node, ScopeId, Tape, Var};
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
    /// Its name: a bound parameter's (`layers.0.weight`) or one given with
    /// [`Var::named`].
    pub name: Option<String>,
    /// The full path of the scope it was recorded in (`layers.0`), if any:
    /// see [`Tape::scope`].
    pub scope: Option<String>,
}

impl NodeInfo {
    fn of<T: Float>(index: usize, node: &Node<T>, name: Option<&str>, labels: &Labels) -> Self {
        NodeInfo {
            index,
            op: node.op_name(),
            inputs: node.inputs.iter().map(|&i| i as usize).collect(),
            shape: Shape::from_slice(node.value.shape()),
            requires_grad: node.requires_grad,
            name: name.map(str::to_owned),
            scope: labels.path(node.scope).map(str::to_owned),
        }
    }

    /// A short label: the name if the node has one, else the op within its
    /// scope (`layers.0.tanh`), else the op and index (`#4 tanh`).
    pub fn label(&self) -> String {
        let mut label = String::new();
        write_label(&mut label, self.index, &self.op, self.name.as_deref(), self.scope.as_deref());
        label
    }
}

/// Writes a node's short label (see [`NodeInfo::label`]) into `out`, which
/// a caller can reuse: no allocation of its own.
pub(crate) fn write_label(out: &mut String, index: usize, op: &str, name: Option<&str>, scope: Option<&str>) {
    let _ = match (name, scope) {
        (Some(name), _) => write!(out, "{name}"),
        (None, Some(scope)) => write!(out, "{scope}.{op}"),
        (None, None) => write!(out, "#{index} {op}"),
    };
}

impl<T: Float> Tape<T> {
    /// The node behind `var`.
    ///
    /// # Panics
    /// If `var` belongs to another tape.
    #[track_caller]
    pub fn node(&self, var: Var<'_, T>) -> NodeInfo {
        self.check_owns(var, "node");
        self.with_graph(|nodes, labels, _| {
            NodeInfo::of(var.index(), &nodes[var.index()], labels.names.get(var.id), labels)
        })
    }

    /// Every node, in the order recorded.
    pub fn nodes(&self) -> Vec<NodeInfo> {
        self.with_graph(|nodes, labels, _| {
            let names = labels.names.per_node(nodes.len());
            nodes.iter().zip(names).enumerate().map(|(i, (node, name))| NodeInfo::of(i, node, name, labels)).collect()
        })
    }
}

/// Tensors with at most this many elements are shown in full in DOT labels;
/// larger ones as a summary.
const DOT_FULL_LIMIT: usize = 8;

impl<T: Float> fmt::Display for Tape<T> {
    /// One line a node: index, op, inputs, shape, `no grad` for nodes no
    /// gradient flows through, then, where the graph has any, the node's
    /// scope and name.
    ///
    /// ```text
    /// #0  constant            [4, 2]   no grad
    /// #1  param               [3, 2]            layers.0  layers.0.weight
    /// #2  param               [3]               layers.0  layers.0.bias
    /// #3  linear    #0 #1 #2  [4, 3]            layers.0
    /// #4  tanh      #3        [4, 3]            layers.0
    /// ```
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let rows: Vec<[String; 7]> = self
            .nodes()
            .into_iter()
            .map(|node| {
                let inputs: Vec<String> = node.inputs.iter().map(|i| format!("#{i}")).collect();
                [
                    format!("#{}", node.index),
                    node.op,
                    inputs.join(" "),
                    format!("{:?}", node.shape),
                    if node.requires_grad { String::new() } else { "no grad".into() },
                    node.scope.unwrap_or_default(),
                    node.name.unwrap_or_default(),
                ]
            })
            .collect();
        let mut widths = [0; 7];
        for row in &rows {
            for (w, cell) in widths.iter_mut().zip(row) {
                *w = (*w).max(cell.chars().count());
            }
        }
        for row in rows {
            let mut line = String::new();
            for (k, (cell, width)) in row.iter().zip(widths).enumerate() {
                if k > 0 {
                    line.push_str("  ");
                }
                let _ = write!(line, "{cell:<width$}");
            }
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

impl<T: Float> Tape<T> {
    /// The graph in Graphviz DOT, left to right: one box a node with its
    /// name (if it has one), op, shape and value (tensors of up to 8
    /// elements in full, larger ones as mean, std, min and max), an edge from
    /// each input to its consumer, and each scope drawn as a cluster
    /// (`subgraph cluster_…`) around its nodes, nested as the scopes were.
    /// Render with `dot -Tsvg graph.dot -o graph.svg`.
    pub fn to_dot(&self) -> String {
        self.dot(None)
    }

    /// [`to_dot`](Tape::to_dot) with each node's gradient from `grads`,
    /// which must come from a sweep over this graph.
    ///
    /// # Panics
    /// If `grads` were computed on another tape or an earlier graph.
    #[track_caller]
    pub fn to_dot_with(&self, grads: &Gradients<T>) -> String {
        assert!(grads.belongs_to(self), "to_dot_with: the gradients come from another tape or an earlier graph");
        self.dot(Some(grads))
    }

    fn dot(&self, grads: Option<&Gradients<T>>) -> String {
        self.with_graph(|nodes, labels, _| {
            let names = labels.names.per_node(nodes.len());
            let clusters = Clusters::new(labels);
            // The nodes of each cluster, and those of no scope.
            let mut members = vec![Vec::new(); clusters.len()];
            let mut top = Vec::new();
            for (i, node) in nodes.iter().enumerate() {
                match clusters.of(node.scope) {
                    Some(c) => members[c].push(i),
                    None => top.push(i),
                }
            }
            let node_line = |dot: &mut String, i: usize, indent: usize| {
                let node = &nodes[i];
                let mut label = String::new();
                if let Some(name) = names[i] {
                    let _ = write!(label, "{} | ", escape(name));
                }
                let _ = write!(
                    label,
                    "#{i} {} | shape {:?} | value {}",
                    escape(&node.op_name()),
                    node.value.shape(),
                    escape(&summarise(&node.value))
                );
                if let Some(g) = grads.and_then(|g| g.by_index(i)) {
                    let _ = write!(label, " | grad {}", escape(&summarise(g)));
                }
                let style = if node.source.is_leaf() { ", style=filled, fillcolor=\"#e8f0fe\"" } else { "" };
                let _ = writeln!(dot, "{:indent$}n{i} [label=\"{label}\"{style}];", "");
            };

            let mut dot = String::from(
                "digraph tape {\n  rankdir=LR;\n  node [shape=record, fontname=\"monospace\", fontsize=10];\n",
            );
            for c in clusters.children(None) {
                write_cluster(&mut dot, &clusters, c, &members, 2, &node_line);
            }
            for i in top {
                node_line(&mut dot, i, 2);
            }
            for (i, node) in nodes.iter().enumerate() {
                for input in node.inputs.iter() {
                    let _ = writeln!(dot, "  n{input} -> n{i};");
                }
            }
            dot.push_str("}\n");
            dot
        })
    }
}

/// Writes cluster `c` with its nodes and, inside it, the clusters nested in it.
fn write_cluster(
    dot: &mut String,
    clusters: &Clusters<'_>,
    c: usize,
    members: &[Vec<usize>],
    indent: usize,
    node_line: &dyn Fn(&mut String, usize, usize),
) {
    let _ = writeln!(dot, "{:indent$}subgraph cluster_{c} {{", "");
    let _ = writeln!(
        dot,
        "{:w$}label=\"{}\"; style=rounded; color=\"#7f7f7f\"; fontname=\"monospace\";",
        "",
        escape_quoted(clusters.path(c)),
        w = indent + 2
    );
    for &i in &members[c] {
        node_line(dot, i, indent + 2);
    }
    for child in clusters.children(Some(c)) {
        write_cluster(dot, clusters, child, members, indent + 2, node_line);
    }
    let _ = writeln!(dot, "{:indent$}}}", "");
}

/// The scopes of a graph as a tree of clusters, for drawings: a scope
/// opened twice under one path (a module called twice) is one cluster.
pub(crate) struct Clusters<'a> {
    /// Each cluster's full path and the cluster it is nested in.
    clusters: Vec<(&'a str, Option<usize>)>,
    /// The cluster of each scope (index 0, the top level, has none).
    of_scope: Vec<Option<usize>>,
}

impl<'a> Clusters<'a> {
    pub(crate) fn new(labels: &'a Labels) -> Self {
        let mut clusters: Vec<(&str, Option<usize>)> = Vec::new();
        let mut of_scope = vec![None];
        for id in 1..=labels.scope_count() as ScopeId {
            let path = labels.path(id).expect("scope ids run to scope_count");
            // A scope's parent was opened before it, so its cluster is known.
            let parent = of_scope[labels.parent(id) as usize];
            let cluster = match clusters.iter().position(|&(p, up)| p == path && up == parent) {
                Some(c) => c,
                None => {
                    clusters.push((path, parent));
                    clusters.len() - 1
                }
            };
            of_scope.push(Some(cluster));
        }
        Clusters { clusters, of_scope }
    }

    /// Number of clusters.
    pub(crate) fn len(&self) -> usize {
        self.clusters.len()
    }

    /// The cluster of scope `id` (`None` for the top level).
    pub(crate) fn of(&self, id: ScopeId) -> Option<usize> {
        self.of_scope.get(id as usize).copied().flatten()
    }

    /// The full path of cluster `c`.
    pub(crate) fn path(&self, c: usize) -> &'a str {
        self.clusters[c].0
    }

    /// The cluster `c` is nested in (`None`: the top level).
    #[cfg(feature = "report")]
    pub(crate) fn parent(&self, c: usize) -> Option<usize> {
        self.clusters[c].1
    }

    /// The clusters nested directly in `parent` (`None`: the top level).
    pub(crate) fn children(&self, parent: Option<usize>) -> impl Iterator<Item = usize> + '_ {
        self.clusters.iter().enumerate().filter(move |(_, c)| c.1 == parent).map(|(k, _)| k)
    }
}

/// A short text for a tensor: every element if small, statistics otherwise.
pub(crate) fn summarise<T: Float>(t: &Tensor<T>) -> String {
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

/// Escapes a DOT quoted string (a cluster's label).
fn escape_quoted(s: &str) -> String {
    s.replace('\\', "\\\\").replace('"', "\\\"")
}
