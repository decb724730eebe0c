//! Names and scopes: the labels a node can carry besides its op. A name is
//! given with [`Var::named`](super::Var::named) or comes with a bound
//! parameter; a scope is opened with [`Tape::scope`] and holds every node
//! recorded while its [`ScopeGuard`] lives.
//!
//! The text lives in two `String`s the tape clears and refills, so a step
//! that gives the same names as the previous one allocates nothing, and a
//! graph without names costs one `u32` per node (its scope, 0).

use std::fmt::{self, Write};

use super::{NodeId, Tape};
use crate::float::Float;

/// A scope of a tape: 0 is the top level, `k` the `k`-th scope opened since
/// the tape was last cleared.
pub(crate) type ScopeId = u32;

/// A range of bytes of one of the label buffers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Span {
    start: u32,
    end: u32,
}

impl Span {
    fn of(text: &str, start: usize) -> Self {
        let as_u32 = |n: usize| u32::try_from(n).expect("tape: more than 4 GB of names");
        Span { start: as_u32(start), end: as_u32(text.len()) }
    }

    fn in_text(self, text: &str) -> &str {
        &text[self.start as usize..self.end as usize]
    }
}

/// The name of one node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct NameEntry {
    pub node: NodeId,
    span: Span,
}

/// A name table: which nodes have names, and the text of the names. The
/// tape keeps one, and [`Gradients`](super::Gradients) copy it at every
/// sweep (`clone_from`, which reuses their buffers).
#[derive(Debug, Default)]
pub(crate) struct Names {
    /// One entry per named node, in the order the names were first given.
    entries: Vec<NameEntry>,
    text: String,
}

/// Written out so that `clone_from` reuses the buffers (a derived `Clone`
/// would allocate new ones).
impl Clone for Names {
    fn clone(&self) -> Self {
        Names { entries: self.entries.clone(), text: self.text.clone() }
    }

    fn clone_from(&mut self, source: &Self) {
        self.entries.clone_from(&source.entries);
        self.text.clone_from(&source.text);
    }
}

impl Names {
    /// Names `node` (whose previous name, if `renaming`, is replaced).
    fn set(&mut self, node: NodeId, renaming: bool, name: &dyn fmt::Display) {
        let start = self.text.len();
        write!(self.text, "{name}").expect("writing into a String cannot fail");
        let span = Span::of(&self.text, start);
        let previous = if renaming { self.entries.iter_mut().rev().find(|e| e.node == node) } else { None };
        match previous {
            Some(entry) => entry.span = span,
            None => self.entries.push(NameEntry { node, span }),
        }
    }

    /// Names `node`, which has no name yet, with a plain string (a
    /// parameter's name: no formatting machinery on the hot path).
    fn set_str(&mut self, node: NodeId, name: &str) {
        let start = self.text.len();
        self.text.push_str(name);
        self.entries.push(NameEntry { node, span: Span::of(&self.text, start) });
    }

    /// Every named node with its name, in the order the names were given.
    pub fn iter(&self) -> impl Iterator<Item = (NodeId, &str)> {
        self.entries.iter().map(|e| (e.node, e.span.in_text(&self.text)))
    }

    /// The name of `node`, if it has one.
    pub fn get(&self, node: NodeId) -> Option<&str> {
        self.iter().find(|&(n, _)| n == node).map(|(_, name)| name)
    }

    /// A name for each of `len` nodes (`None` where there is none), for
    /// listings that visit every node.
    pub fn per_node(&self, len: usize) -> Vec<Option<&str>> {
        let mut names = vec![None; len];
        for (node, name) in self.iter() {
            if let Some(slot) = names.get_mut(node as usize) {
                *slot = Some(name);
            }
        }
        names
    }

    fn clear(&mut self) {
        self.entries.clear();
        self.text.clear();
    }

    fn truncate(&mut self, len: usize) {
        self.entries.retain(|e| (e.node as usize) < len);
    }
}

/// One scope opened on a tape.
#[derive(Clone, Copy, Debug)]
struct ScopeEntry {
    /// The full path (`"encoder.layers.0"`) in `Labels::scope_text`.
    path: Span,
    parent: ScopeId,
}

/// Everything a tape knows about names: the node names and the scopes.
#[derive(Debug, Default)]
pub(crate) struct Labels {
    pub names: Names,
    scopes: Vec<ScopeEntry>,
    scope_text: String,
    /// The scope new nodes are recorded in.
    pub current: ScopeId,
}

impl Labels {
    /// Opens a scope inside the current one, named by what `write_name`
    /// appends to the text, and makes it current; returns the scope to go
    /// back to when it closes.
    fn open(&mut self, write_name: impl FnOnce(&mut String)) -> ScopeId {
        let start = self.scope_text.len();
        if let Some(parent) = self.entry(self.current) {
            let parent = parent.path;
            self.scope_text.extend_from_within(parent.start as usize..parent.end as usize);
            self.scope_text.push('.');
        }
        write_name(&mut self.scope_text);
        self.scopes.push(ScopeEntry { path: Span::of(&self.scope_text, start), parent: self.current });
        let previous = self.current;
        self.current = ScopeId::try_from(self.scopes.len()).expect("tape: more than 2^32 scopes");
        previous
    }

    /// The full path of scope `id` (`None` for the top level).
    pub fn path(&self, id: ScopeId) -> Option<&str> {
        Some(self.entry(id)?.path.in_text(&self.scope_text))
    }

    /// The scope `id` was opened in (0 for the top level).
    pub fn parent(&self, id: ScopeId) -> ScopeId {
        self.entry(id).map_or(0, |e| e.parent)
    }

    /// How many scopes were opened since the tape was last cleared (their
    /// ids are `1..=count`).
    pub fn scope_count(&self) -> usize {
        self.scopes.len()
    }

    fn entry(&self, id: ScopeId) -> Option<&ScopeEntry> {
        self.scopes.get((id as usize).checked_sub(1)?)
    }

    /// Names `node`; `renaming` says whether it may have a name already.
    pub fn name(&mut self, node: NodeId, renaming: bool, name: &dyn fmt::Display) {
        self.names.set(node, renaming, name);
    }

    /// Names a fresh node with a parameter's name.
    pub fn name_param(&mut self, node: NodeId, name: &str) {
        self.names.set_str(node, name);
    }

    /// Forgets every name and scope, keeping the buffers.
    pub fn clear(&mut self) {
        self.names.clear();
        self.scopes.clear();
        self.scope_text.clear();
        self.current = 0;
    }

    /// Forgets the names of nodes from `len` on.
    pub fn truncate(&mut self, len: usize) {
        self.names.truncate(len);
    }
}

/// An open scope: every node recorded on the tape while it lives belongs to
/// it. Dropping it closes the scope. Made by [`Tape::scope`].
#[must_use = "the scope closes as soon as the guard is dropped: bind it with `let _scope = ...`"]
pub struct ScopeGuard<'t, T: Float = f32> {
    tape: &'t Tape<T>,
    previous: ScopeId,
}

impl<T: Float> Drop for ScopeGuard<'_, T> {
    fn drop(&mut self) {
        self.tape.inner.borrow_mut().labels.current = self.previous;
    }
}

impl<T: Float> Tape<T> {
    /// Opens a scope named `name` inside the current one: the nodes recorded
    /// until the returned guard is dropped belong to it, and the listing,
    /// [`to_dot`](Tape::to_dot) (one cluster per scope) and the diagnostics
    /// group them by it. Nested scopes join their names with `.`, as module
    /// paths do (`"encoder"` then `"layers.0"` is `"encoder.layers.0"`).
    ///
    /// `name` is anything `Display`: `format_args!("layers.{i}")` writes
    /// the name into the tape's own buffer, which allocates nothing once
    /// the tape has held the names of one step.
    ///
    /// ```
    /// use tapegrad::{Tape, Tensor};
    /// let tape = Tape::<f32>::new();
    /// let x = tape.var(Tensor::zeros([2]));
    /// let y = {
    ///     let _scope = tape.scope("block");
    ///     let _inner = tape.scope(format_args!("layers.{}", 0));
    ///     x.tanh()
    /// };
    /// let z = y.sum();
    /// assert_eq!(tape.node(y).scope.as_deref(), Some("block.layers.0"));
    /// assert_eq!(tape.node(z).scope, None);
    /// ```
    pub fn scope(&self, name: impl fmt::Display) -> ScopeGuard<'_, T> {
        let previous = self.inner.borrow_mut().labels.open(|text| {
            write!(text, "{name}").expect("writing into a String cannot fail");
        });
        ScopeGuard { tape: self, previous }
    }

    /// [`scope`](Tape::scope) with a plain string, copied without the
    /// formatting machinery: what containers call every step.
    pub(crate) fn scope_str(&self, name: &str) -> ScopeGuard<'_, T> {
        let previous = self.inner.borrow_mut().labels.open(|text| text.push_str(name));
        ScopeGuard { tape: self, previous }
    }
}
