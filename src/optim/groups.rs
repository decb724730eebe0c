//! Parameter groups: parameters updated with their own learning rate and
//! weight decay (PyTorch's `param_groups`).

use super::non_negative;
use super::rule::Hyper;
use crate::param::{ParamId, ParamMap};

/// The settings of a parameter group: a learning rate as a multiple of the
/// optimizer's, and a weight decay of its own (or the optimizer's).
///
/// PyTorch gives a group an absolute `lr`, and its schedulers multiply every
/// group's rate by the same factor; here the factor is the group's
/// `lr_scale` and the schedule sets the optimizer's rate, which is the same
/// thing said once: PyTorch's `{'params': head, 'lr': 1e-2}` beside a base
/// `lr=1e-3` is `lr_scale(10.0)`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamGroup {
    lr_scale: f64,
    weight_decay: Option<f64>,
}

impl Default for ParamGroup {
    fn default() -> Self {
        Self::new()
    }
}

impl ParamGroup {
    /// A group with the optimizer's learning rate and weight decay.
    pub fn new() -> Self {
        ParamGroup { lr_scale: 1.0, weight_decay: None }
    }

    /// The group's learning rate is `scale` times the optimizer's.
    ///
    /// # Panics
    /// If `scale` is negative or not finite.
    #[track_caller]
    pub fn lr_scale(mut self, scale: f64) -> Self {
        self.lr_scale = non_negative("ParamGroup", "lr_scale", scale);
        self
    }

    /// The group's weight decay (of the optimizer's kind), instead of the
    /// optimizer's.
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    #[track_caller]
    pub fn weight_decay(mut self, wd: f64) -> Self {
        self.weight_decay = Some(non_negative("ParamGroup", "weight decay", wd));
        self
    }

    /// The multiple of the optimizer's learning rate.
    pub fn scale(&self) -> f64 {
        self.lr_scale
    }

    /// The group's own weight decay, if it has one.
    pub fn own_weight_decay(&self) -> Option<f64> {
        self.weight_decay
    }

    /// The hyper-parameters of a member, given the optimizer's.
    fn apply(&self, base: Hyper) -> Hyper {
        Hyper { lr: base.lr * self.lr_scale, weight_decay: self.weight_decay.unwrap_or(base.weight_decay) }
    }
}

/// The groups of an optimizer, and which group each member is in.
#[derive(Clone, Debug, Default)]
pub(crate) struct Groups {
    groups: Vec<(ParamGroup, Vec<ParamId>)>,
    group_of: ParamMap<usize>,
}

impl Groups {
    /// Adds a group of the parameters `members` (ids and names, for the
    /// message); returns its index.
    ///
    /// # Panics
    /// If a parameter is already in a group, or there is none.
    #[track_caller]
    pub(crate) fn add<'n>(&mut self, members: impl Iterator<Item = (ParamId, &'n str)>, group: ParamGroup) -> usize {
        let index = self.groups.len();
        let mut ids = Vec::new();
        for (id, name) in members {
            if let Some(other) = self.group_of.insert(id, index) {
                panic!("add_group: parameter {name} is already in group {other}");
            }
            ids.push(id);
        }
        assert!(!ids.is_empty(), "add_group: no parameter given (a name that matches no parameter?)");
        self.groups.push((group, ids));
        index
    }

    /// The hyper-parameters of parameter `id`: its group's, or `base`.
    pub(crate) fn hyper(&self, id: ParamId, base: Hyper) -> Hyper {
        if self.group_of.is_empty() {
            return base;
        }
        match self.group_of.get(&id) {
            Some(&k) => self.groups[k].0.apply(base),
            None => base,
        }
    }

    /// Every group with its members, in the order added.
    pub(crate) fn export(&self) -> Vec<(ParamGroup, Vec<ParamId>)> {
        self.groups.clone()
    }

    /// Groups from [`export`](Groups::export)'s form.
    ///
    /// # Panics
    /// If a parameter is in two groups.
    pub(crate) fn import(groups: Vec<(ParamGroup, Vec<ParamId>)>) -> Self {
        let mut imported = Groups::default();
        for (group, ids) in groups {
            imported.add(ids.iter().map(|&id| (id, "(by id)")), group);
        }
        imported
    }
}
