//! [`Rule`], the shape every update rule has, and [`Driver`], the one
//! optimizer that runs a rule over many parameters: it owns the learning
//! rate, the weight decay and the parameter groups, and the per-parameter
//! state, and saves and restores that state.

use super::groups::{Groups, ParamGroup};
use super::state::{ParamState, StateValue};
use super::{Optimizer, StateError, non_negative};
use crate::float::Float;
use crate::param::{Param, ParamId, ParamMap};
use crate::tensor::Tensor;

/// The hyper-parameters of one update that can differ between parameter
/// groups (PyTorch's `param_groups` keys): the learning rate and the amount
/// of weight decay (of the kind the rule applies: coupled or decoupled).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hyper {
    /// The learning rate of this update.
    pub lr: f64,
    /// The weight decay of this update (0: none).
    pub weight_decay: f64,
}

/// How one parameter moves, given its gradient, its state and the step's
/// hyper-parameters. A new optimizer is a rule (its own hyper-parameters), a
/// state type and this trait; [`Driver`] does the rest.
///
/// ```
/// use tapegrad::optim::{Driver, Hyper, Optimizer, Rule};
/// use tapegrad::{Param, Tensor};
///
/// /// Sign descent: `x -= lr * sign(g)`.
/// struct SignDescent;
/// impl Rule<f32> for SignDescent {
///     type State = ();
///     fn name(&self) -> &'static str {
///         "SignDescent"
///     }
///     fn init(&self, _shape: &[usize]) {}
///     fn update(&mut self, x: &mut [f32], g: &[f32], _state: &mut (), hyper: Hyper) {
///         for (x, g) in x.iter_mut().zip(g) {
///             *x -= hyper.lr as f32 * g.signum();
///         }
///     }
/// }
///
/// let mut w = Param::new("w", Tensor::from_vec(vec![1.0f32, 1.0], [2]));
/// let mut opt = Driver::from_rule(SignDescent, 0.5);
/// opt.update(&mut w, &Tensor::from_vec(vec![3.0, -0.1], [2]));
/// assert_eq!(w.value().data(), &[0.5, 1.5]);
/// ```
pub trait Rule<T: Float> {
    /// What the rule keeps per parameter: `()` if nothing.
    type State: ParamState<T>;

    /// The optimizer's name, in messages and checkpoints (`"Adam"`).
    fn name(&self) -> &'static str;

    /// The state before a parameter's first update.
    fn init(&self, shape: &[usize]) -> Self::State;

    /// One update of the parameter's elements `x` from its gradient `g`
    /// (of the same length), advancing `state`, with the learning rate and
    /// weight decay of the parameter's group.
    fn update(&mut self, x: &mut [T], g: &[T], state: &mut Self::State, hyper: Hyper);
}

/// Coupled weight decay, an L2 term in the gradient: the gradient
/// `g + wd * x` that [`Sgd`](super::Sgd), [`Momentum`](super::Momentum),
/// [`RmsProp`](super::RmsProp) and [`Adam`](super::Adam) step with when
/// given a `weight_decay` (PyTorch's `weight_decay` in those optimizers).
/// `AdamW`'s decoupled decay is another thing (a shrink of `x`).
#[inline(always)]
pub(crate) fn coupled_decay<T: Float>(g: T, x: T, wd: T) -> T {
    g + wd * x
}

/// An optimizer made of a [`Rule`]: the rule's hyper-parameters, the
/// learning rate and weight decay, the parameter groups, and each
/// parameter's state (created at its first update).
/// [`Sgd`](super::Sgd), [`Momentum`](super::Momentum),
/// [`RmsProp`](super::RmsProp), [`Adam`](super::Adam) and
/// [`AdamW`](super::AdamW) are drivers of the crate's rules.
#[derive(Clone, Debug)]
pub struct Driver<R: Rule<T>, T: Float = f32> {
    rule: R,
    /// The learning rate and weight decay of every parameter outside the
    /// groups; a group's are derived from them.
    hyper: Hyper,
    groups: Groups,
    states: ParamMap<R::State>,
}

impl<T: Float, R: Rule<T>> Driver<R, T> {
    /// An optimizer running `rule` at learning rate `lr`, without weight
    /// decay.
    ///
    /// # Panics
    /// If `lr` is negative or not finite.
    #[track_caller]
    pub fn from_rule(rule: R, lr: f64) -> Self {
        non_negative(rule.name(), "learning rate", lr);
        Driver { rule, hyper: Hyper { lr, weight_decay: 0.0 }, groups: Groups::default(), states: ParamMap::default() }
    }

    /// The rule and its hyper-parameters.
    pub fn rule(&self) -> &R {
        &self.rule
    }

    /// Changes the rule's hyper-parameters (the constructors' builders).
    pub(crate) fn with_rule(mut self, change: impl FnOnce(&mut R)) -> Self {
        change(&mut self.rule);
        self
    }

    /// Sets the weight decay of the parameters outside the groups (each
    /// optimizer's `weight_decay` builder, which says which kind it is).
    ///
    /// # Panics
    /// If `wd` is negative or not finite.
    #[track_caller]
    pub(crate) fn with_weight_decay(mut self, wd: f64) -> Self {
        self.hyper.weight_decay = non_negative(self.rule.name(), "weight decay", wd);
        self
    }

    /// Puts `params` into a group of their own, with its own learning rate
    /// (a multiple of the optimizer's, so that one schedule drives every
    /// group) and weight decay: PyTorch's `param_groups`. Returns the
    /// group's index (0 for the first group added). The groups are kept in
    /// checkpoints.
    ///
    /// ```
    /// use rand::{SeedableRng, rngs::StdRng};
    /// use tapegrad::nn::{Linear, Module};
    /// use tapegrad::optim::{AdamW, Optimizer, ParamGroup};
    ///
    /// let mut rng = StdRng::seed_from_u64(0);
    /// let (body, head) = (Linear::<f32>::new(4, 8, &mut rng), Linear::<f32>::new(8, 1, &mut rng));
    /// let mut opt = AdamW::new(1e-3); // weight decay 0.01 for the parameters outside the groups
    /// // The head learns ten times faster, and no bias decays.
    /// opt.add_group([head.weight()], ParamGroup::new().lr_scale(10.0));
    /// opt.add_group([body.bias().unwrap(), head.bias().unwrap()], ParamGroup::new().weight_decay(0.0));
    /// assert_eq!(opt.hyper_of(head.weight()).lr, 1e-2);
    /// assert_eq!(opt.hyper_of(body.bias().unwrap()).weight_decay, 0.0);
    /// assert_eq!(opt.hyper_of(body.weight()).weight_decay, 0.01);
    /// ```
    ///
    /// # Panics
    /// If a parameter is already in a group (PyTorch refuses it too), or
    /// `params` is empty (`model.param_named(..)` of a name that matches
    /// nothing).
    #[track_caller]
    pub fn add_group<'p>(&mut self, params: impl IntoIterator<Item = &'p Param<T>>, group: ParamGroup) -> usize
    where
        T: 'p,
    {
        self.groups.add(params.into_iter().map(|p| (p.id(), p.name())), group)
    }

    /// The learning rate and weight decay `param` is updated with.
    pub fn hyper_of(&self, param: &Param<T>) -> Hyper {
        self.groups.hyper(param.id(), self.hyper)
    }

    /// The state of parameter `id`, or `None` before its first update.
    pub fn state(&self, id: ParamId) -> Option<&R::State> {
        self.states.get(&id)
    }

    /// Every stored state, in no particular order (but the same from run to
    /// run).
    pub fn states(&self) -> impl Iterator<Item = (ParamId, &R::State)> {
        self.states.iter().map(|(&id, s)| (id, s))
    }

    /// Puts back the state of parameter `id` (for instance copied from
    /// another optimizer). The next update checks that its tensors have the
    /// parameter's shape.
    ///
    /// # Panics
    /// If the state's tensors differ in shape among themselves.
    #[track_caller]
    pub fn set_state(&mut self, id: ParamId, state: R::State) {
        if let Err(e) = super::state::check_same_shapes(self.rule.name(), &state) {
            panic!("{e}");
        }
        self.states.insert(id, state);
    }
}

impl<T: Float, R: Rule<T>> Optimizer<T> for Driver<R, T> {
    fn lr(&self) -> f64 {
        self.hyper.lr
    }

    fn set_lr(&mut self, lr: f64) {
        self.hyper.lr = non_negative(self.rule.name(), "learning rate", lr);
    }

    fn name(&self) -> &'static str {
        self.rule.name()
    }

    fn export_state(&self, id: ParamId) -> Vec<(String, StateValue<T>)> {
        self.states.get(&id).map(ParamState::export).unwrap_or_default()
    }

    fn import_state(&mut self, id: ParamId, entries: Vec<(String, StateValue<T>)>) -> Result<(), StateError> {
        let state = R::State::import(self.rule.name(), entries)?;
        self.states.insert(id, state);
        Ok(())
    }

    fn param_groups(&self) -> Vec<(ParamGroup, Vec<ParamId>)> {
        self.groups.export()
    }

    fn set_param_groups(&mut self, groups: Vec<(ParamGroup, Vec<ParamId>)>) {
        self.groups = Groups::import(groups);
    }

    fn update(&mut self, param: &mut Param<T>, grad: &Tensor<T>) {
        let name = self.rule.name();
        assert!(
            param.shape() == grad.shape(),
            "{name}: gradient of shape {:?} for parameter {} of shape {:?}",
            grad.shape(),
            param.name(),
            param.shape()
        );
        let hyper = self.groups.hyper(param.id(), self.hyper);
        let rule = &self.rule;
        let state = self.states.entry(param.id()).or_insert_with(|| rule.init(param.shape()));
        if let Some(shape) = state.shapes().find(|&s| s != param.shape()) {
            panic!("{name}: state of shape {shape:?} for parameter {} of shape {:?}", param.name(), param.shape());
        }
        self.rule.update(param.value_mut().data_mut(), grad.data(), state, hyper);
    }
}
