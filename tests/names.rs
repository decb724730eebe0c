//! Names and scopes: a parameter's name in a model is its path of field
//! names, as PyTorch's (`res.inner.weight`), at any depth; two tensors with
//! one name are refused where they are first met; parameters carry their
//! names onto the tape, a `Var` can be named, modules group their nodes in
//! scopes; the listing, the DOT export and the gradients show and find them.

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::io::{load_weights_bytes, weights_to_bytes};
use tapegrad::nn::{
    Activation, BatchNorm1d, Field, FieldMut, Linear, Mlp, Module, Sequential, StateDictError, StateValue, loss,
};
use tapegrad::{Gradients, Param, Tape, Tensor, Var};

/// The lines of `dot` from `subgraph cluster_{c} {` to its closing brace.
fn cluster_body(dot: &str, label: &str) -> Vec<String> {
    let lines: Vec<&str> = dot.lines().collect();
    let label_line = lines
        .iter()
        .position(|l| l.contains(&format!("label=\"{label}\";")))
        .unwrap_or_else(|| panic!("no cluster labelled {label} in\n{dot}"));
    let open = label_line - 1;
    assert!(lines[open].trim_start().starts_with("subgraph cluster_"), "{}", lines[open]);
    let indent = lines[open].len() - lines[open].trim_start().len();
    let close = (open + 1..lines.len())
        .find(|&i| lines[i].trim() == "}" && lines[i].len() - lines[i].trim_start().len() == indent)
        .expect("the cluster closes");
    lines[open + 1..close].iter().map(|l| l.to_string()).collect()
}

#[test]
fn a_real_mlp_step_shows_parameter_names_and_one_cluster_per_layer() {
    let mut rng = StdRng::seed_from_u64(0);
    let model = Mlp::<f32>::new(&[2, 4, 4, 1], Activation::Tanh, &mut rng);
    let tape = Tape::new();
    let x = tape.constant(Tensor::randn([8, 2], &mut rng));
    let logits = model.forward(x);
    let loss = loss::bce_with_logits(logits, tape.constant(Tensor::from_fn([8, 1], |i| (i % 2) as f32)));
    let grads = loss.backward();

    let listing = tape.to_string();
    let lines: Vec<Vec<&str>> = listing.lines().map(|l| l.split_whitespace().collect()).collect();
    // #1 is layers.0's weight: op, shape, then its scope and its name.
    assert_eq!(lines[1], ["#1", "param", "[4,", "2]", "layers.0", "layers.0.weight"]);
    assert_eq!(lines[3], ["#3", "linear", "#0", "#1", "#2", "[8,", "4]", "layers.0"]);
    assert_eq!(lines[4], ["#4", "tanh", "#3", "[8,", "4]", "layers.0"]);
    assert_eq!(lines[7], ["#7", "linear", "#4", "#5", "#6", "[8,", "4]", "layers.1"]);
    assert_eq!(lines[0], ["#0", "constant", "[8,", "2]", "no", "grad"]);
    let names: Vec<String> = tape.nodes().into_iter().filter_map(|n| n.name).collect();
    assert_eq!(
        names,
        ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "layers.2.weight", "layers.2.bias"]
    );

    let dot = tape.to_dot_with(&grads);
    assert_eq!(dot.matches("subgraph cluster_").count(), 3, "{dot}");
    let first = cluster_body(&dot, "layers.0");
    for node in ["n1 [label=\"layers.0.weight | #1 param | shape [4, 2]", "n2 [", "n3 [", "n4 ["] {
        assert!(first.iter().any(|l| l.trim_start().starts_with(node)), "{node} not in layers.0:\n{dot}");
    }
    assert!(!first.iter().any(|l| l.contains("n0 [") || l.contains("n5 [")), "{dot}");
    let last = cluster_body(&dot, "layers.2");
    assert_eq!(last.iter().filter(|l| l.contains("[label=")).count(), 3, "weight, bias, linear: {last:?}");
    // The input, the targets and the loss belong to no module.
    assert!(dot.lines().any(|l| l.starts_with("  n0 [label=\"#0 constant")), "{dot}");
    assert!(dot.lines().any(|l| l.starts_with("  n13 [label=\"#13 bce_with_logits")), "{dot}");
    assert!(dot.contains("| grad "), "{dot}");
}

#[test]
fn a_named_var_shows_its_name_and_a_second_name_replaces_the_first() {
    let tape = Tape::<f64>::new();
    let x = tape.var(Tensor::from_vec(vec![2.0, 0.0], [1, 2])).named("x");
    let w = tape.var(Tensor::from_vec(vec![-3.0, 1.0], [2, 1])).named("w");
    let o = x.matmul(w).tanh().named(format_args!("o{}", 1));
    let _ = o.named("o");
    assert_eq!(tape.node(x).name.as_deref(), Some("x"));
    assert_eq!(tape.node(o).name.as_deref(), Some("o"));
    assert_eq!(tape.node(o).label(), "o");
    let listing = tape.to_string();
    let last: Vec<&str> = listing.lines().last().unwrap().split_whitespace().collect();
    assert_eq!(last, ["#3", "tanh", "#2", "[1,", "1]", "o"]);
    assert!(!listing.contains("o1"));
    let unnamed = tape.node(x.matmul(w));
    assert_eq!((unnamed.label(), unnamed.name), ("#4 matmul".to_string(), None));
    let dot = tape.to_dot();
    assert!(dot.contains("n1 [label=\"w | #1 var | shape [2, 1] | value [-3.0000, 1.0000]\""), "{dot}");
    assert!(!dot.contains("cluster"), "no scope, no cluster");
    assert_eq!(format!("{w:?}"), "Var(#1 var [2, 1] \"w\")");
}

#[test]
fn nested_scopes_join_their_names_nest_their_clusters_and_close_when_dropped() {
    let tape = Tape::<f32>::new();
    let x = tape.var(Tensor::ones([2]));
    let (a, b, c) = {
        let _outer = tape.scope("encoder");
        let a = x.exp();
        let b = {
            let _inner = tape.scope(format_args!("layers.{}", 0));
            a.tanh()
        };
        (a, b, b * 2.0)
    };
    // A second call of the same module: the same cluster.
    let d = {
        let _outer = tape.scope("encoder");
        c.relu()
    };
    let top = d.sum();
    assert_eq!(tape.node(x).scope, None);
    assert_eq!(tape.node(a).scope.as_deref(), Some("encoder"));
    assert_eq!(tape.node(b).scope.as_deref(), Some("encoder.layers.0"));
    assert_eq!(tape.node(b).label(), "encoder.layers.0.tanh");
    assert_eq!(tape.node(c).scope.as_deref(), Some("encoder"));
    assert_eq!(tape.node(d).scope.as_deref(), Some("encoder"));
    assert_eq!(tape.node(top).scope, None);

    let dot = tape.to_dot();
    assert_eq!(dot.matches("subgraph cluster_").count(), 2, "{dot}");
    let encoder = cluster_body(&dot, "encoder");
    for node in ["n1 [", "n3 [", "n4 [", "n2 ["] {
        assert!(encoder.iter().any(|l| l.contains(node)), "{node} not in encoder:\n{dot}");
    }
    let inner = cluster_body(&dot, "encoder.layers.0");
    assert_eq!(inner.iter().filter(|l| l.contains("[label=")).collect::<Vec<_>>().len(), 1, "{dot}");
    assert!(inner.iter().any(|l| l.contains("n2 [")), "{dot}");
}

#[test]
fn gradients_are_found_and_iterated_by_name_and_outlive_the_tape() {
    let mut rng = StdRng::seed_from_u64(1);
    let model = Mlp::<f64>::new(&[3, 5, 2], Activation::Relu, &mut rng);
    let mut tape = Tape::new();
    let mut grads = Gradients::new();
    for step in 0..2 {
        tape.clear();
        let x = tape.var(Tensor::randn([4, 3], &mut rng)).named("input");
        let out = model.forward(x);
        let loss = loss::mse_loss(out, tape.constant(Tensor::zeros([4, 2]))).named(format_args!("loss{step}"));
        loss.backward_into(&mut grads);
        let by_param = grads.param(model.param_named("layers.1.weight").unwrap()).unwrap();
        assert_eq!(grads.named("layers.1.weight"), Some(by_param));
        assert_eq!(grads.named("input"), Some(grads.wrt(x)));
        assert_eq!(grads.named(&format!("loss{step}")).unwrap().data(), &[1.0]);
        assert!(grads.named("loss9").is_none() && grads.named("layers.1").is_none());
        assert_eq!(grads.name_of(x.index()), Some("input"));
    }
    tape.clear();
    let names: Vec<&str> = grads.iter_named().map(|(name, _)| name).collect();
    assert_eq!(names, ["input", "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias", "loss1"]);
    for (name, g) in grads.iter_named().filter(|(name, _)| name.starts_with("layers")) {
        assert_eq!(g.shape(), model.param_named(name).unwrap().shape());
    }
}

#[test]
fn clear_forgets_names_and_scopes() {
    let mut tape = Tape::<f32>::new();
    {
        let _scope = tape.scope("block");
        let _ = tape.var(Tensor::ones([1])).named("v");
    }
    tape.clear();
    let v = tape.var(Tensor::ones([1]));
    let info = tape.node(v);
    assert_eq!((info.name, info.scope), (None, None));
    assert_eq!(tape.to_string().split_whitespace().collect::<Vec<_>>(), ["#0", "var", "[1]"]);
}

#[test]
fn a_sequential_records_each_module_in_the_scope_of_its_prefix() {
    let mut rng = StdRng::seed_from_u64(2);
    let net = Sequential::<f32>::new()
        .layer(Linear::new(2, 3, &mut rng))
        .layer(Activation::Relu)
        .layer_named("head", Linear::new(3, 1, &mut rng));
    let tape = Tape::new();
    let x = tape.constant(Tensor::ones([4, 2]));
    let y = net.forward(x);
    let scopes: Vec<(String, Option<String>)> =
        tape.nodes().into_iter().map(|n| (n.op, n.scope)).filter(|(op, _)| op != "constant").collect();
    let expected = [
        ("param", Some("0")),
        ("param", Some("0")),
        ("linear", Some("0")),
        ("relu", Some("1")),
        ("param", Some("head")),
        ("param", Some("head")),
        ("linear", Some("head")),
    ];
    let expected: Vec<(String, Option<String>)> =
        expected.iter().map(|&(op, scope)| (op.to_string(), scope.map(str::to_string))).collect();
    assert_eq!(scopes, expected);
    assert_eq!(tape.node(y).label(), "head.linear");
    assert_eq!(tape.node(x).scope, None, "the input was recorded before the chain opened a scope");
    assert_eq!(tape.to_dot().matches("subgraph cluster_").count(), 3);
}

// ---------------------------------------------------------------------------
// Names as PyTorch gives them
// ---------------------------------------------------------------------------

/// Two linear layers in fields `a` and `b`: the trap of issue 20, whose
/// parameters were all `weight` and `bias`.
struct TwoLayers {
    a: Linear,
    b: Linear,
}

impl Module for TwoLayers {
    fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
        self.b.forward(self.a.forward(x).tanh())
    }
    tapegrad::params!(a, b);
}

fn two_layers(seed: u64) -> TwoLayers {
    let mut rng = StdRng::seed_from_u64(seed);
    TwoLayers { a: Linear::new(2, 3, &mut rng), b: Linear::new(3, 1, &mut rng) }
}

fn names<M: Module>(model: &M) -> Vec<String> {
    model.named_params().into_iter().map(|(name, _)| name).collect()
}

#[test]
fn a_custom_modules_fields_prefix_its_parameters_names() {
    let net = two_layers(0);
    assert_eq!(names(&net), ["a.weight", "a.bias", "b.weight", "b.bias"]);
    let saved: Vec<String> = net.named_tensors().into_iter().map(|(name, _)| name).collect();
    assert_eq!(saved, names(&net));
    assert_eq!(net.param_named("b.weight").unwrap().shape(), &[1, 3]);
}

#[test]
fn a_file_of_one_layer_does_not_load_into_two() {
    let mut rng = StdRng::seed_from_u64(1);
    let one: Sequential = Sequential::new().layer_named("a", Linear::new(2, 3, &mut rng));
    let mut net = two_layers(2);
    let before: Vec<Tensor> = net.params().map(|p| p.value().clone()).collect();
    let err = load_weights_bytes(&mut net, &weights_to_bytes(&one).unwrap()).unwrap_err();
    assert_eq!(err.to_string(), "tensor \"b.weight\" is missing from the file");
    assert!(net.params().zip(&before).all(|(p, b)| p.value() == b), "nothing loaded");
}

/// `Residual` of the README, inside a `Sequential` inside a module of ours.
struct Residual {
    inner: Linear,
    scale: Param,
}

impl Module for Residual {
    fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
        x + self.inner.forward(x).tanh() * x.tape().param(&self.scale)
    }
    tapegrad::params!(inner, scale);
}

struct Encoder {
    body: Sequential,
    norm: BatchNorm1d,
}

impl Module for Encoder {
    fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
        self.norm.forward(self.body.forward(x))
    }
    tapegrad::params!(body, norm);
}

#[test]
fn names_are_paths_of_field_names_at_any_depth() {
    let mut rng = StdRng::seed_from_u64(3);
    let residual = Residual { inner: Linear::new(4, 4, &mut rng), scale: Param::new("s", Tensor::ones([1])) };
    let body = Sequential::new().layer(Linear::new(2, 4, &mut rng)).layer_named("res", residual);
    let net = Sequential::new().layer_named("encoder", Encoder { body, norm: BatchNorm1d::new(4) });
    let expected = [
        "encoder.body.0.weight",
        "encoder.body.0.bias",
        "encoder.body.res.inner.weight",
        "encoder.body.res.inner.bias",
        "encoder.body.res.scale",
        "encoder.norm.weight",
        "encoder.norm.bias",
    ];
    assert_eq!(names(&net), expected);
    // A container gives its modules' parameters these names, which the tape shows.
    let stored: Vec<&str> = net.params().map(|p| p.name()).collect();
    assert_eq!(stored, expected);
    let tape = Tape::new();
    let grads = loss::mse_loss(net.forward(tape.constant(Tensor::ones([3, 2]))), tape.constant(Tensor::zeros([3, 4])))
        .backward();
    assert!(grads.named("encoder.body.res.inner.weight").is_some());
    // Buffers are in the state under their paths too.
    let state: Vec<String> = net.named_tensors().into_iter().map(|(name, _)| name).collect();
    assert_eq!(
        state[7..],
        ["encoder.norm.running_mean", "encoder.norm.running_var", "encoder.norm.num_batches_tracked"]
    );
}

#[test]
fn a_model_of_ones_own_shows_its_paths_on_the_tape_once_named() {
    let mut net = two_layers(4);
    net.name_params("");
    let tape = Tape::new();
    net.forward(tape.constant(Tensor::ones([1, 2])));
    let labels: Vec<String> = tape.nodes().into_iter().filter_map(|n| n.name).collect();
    assert_eq!(labels, ["a.weight", "a.bias", "b.weight", "b.bias"]);
}

/// A module that lists two parameters under one name, as only a
/// hand-written `visit_fields` can.
struct Twice {
    w: Param,
    v: Param,
}

impl Module for Twice {
    fn forward<'t>(&self, x: Var<'t>) -> Var<'t> {
        x * x.tape().param(&self.w) + x.tape().param(&self.v)
    }
    fn visit_fields<'a>(&'a self, visit: &mut dyn FnMut(&str, Field<'a, f32>)) {
        visit("w", Field::Param(&self.w));
        visit("w", Field::Param(&self.v));
    }
    fn visit_fields_mut<'a>(&'a mut self, visit: &mut dyn FnMut(&str, FieldMut<'a, f32>)) {
        visit("w", FieldMut::Param(&mut self.w));
        visit("w", FieldMut::Param(&mut self.v));
    }
}

fn twice() -> Twice {
    Twice { w: Param::new("w", Tensor::ones([1])), v: Param::new("v", Tensor::zeros([1])) }
}

#[test]
fn two_tensors_with_one_name_are_refused_when_saving_and_loading() {
    let mut model = twice();
    let err = weights_to_bytes(&model).unwrap_err();
    assert!(err.to_string().starts_with("two tensors of the model are named \"w\""), "{err}");
    let file =
        weights_to_bytes(&Sequential::<f32>::new().layer_named("", Linear::new(1, 1, &mut StdRng::seed_from_u64(0))));
    assert!(load_weights_bytes(&mut model, &file.unwrap()).is_err());
    let state = vec![("w".to_string(), StateValue::Tensor(Tensor::full([1], 5.0)))];
    assert_eq!(model.load_named(state), Err(StateDictError::Duplicate { name: "w".into() }));
    assert_eq!((model.w.value().item(), model.v.value().item()), (1.0, 0.0), "nothing was loaded");
}

#[test]
#[should_panic(expected = "two tensors of the model are named \"twice.w\"")]
fn two_tensors_with_one_name_are_refused_when_put_into_a_model() {
    let _ = Sequential::new().layer_named("twice", twice());
}

#[test]
#[should_panic(expected = "Sequential: two modules named \"head\"")]
fn two_modules_with_one_name_are_refused() {
    let mut rng = StdRng::seed_from_u64(0);
    let _ =
        Sequential::<f32>::new().layer_named("head", Linear::new(2, 2, &mut rng)).layer_named("head", Activation::Tanh);
}

#[test]
fn load_named_is_strict_and_names_what_does_not_fit() {
    let mut net = two_layers(5);
    let good = two_layers(6).named_tensors();
    let mut missing = good.clone();
    missing.remove(1);
    assert_eq!(net.load_named(missing), Err(StateDictError::Missing { name: "a.bias".into() }));
    let mut extra = good.clone();
    extra.push(("c.weight".into(), StateValue::Tensor(Tensor::zeros([1]))));
    assert_eq!(net.load_named(extra), Err(StateDictError::Unexpected { name: "c.weight".into() }));
    let mut wrong = good.clone();
    wrong[0].1 = StateValue::Tensor(Tensor::zeros([2, 3]));
    let err = net.load_named(wrong).unwrap_err();
    assert_eq!(err.to_string(), "tensor \"a.weight\" has shape [2, 3] in the state, but the model's has shape [3, 2]");
    let mut count = good.clone();
    count[0].1 = StateValue::Count(3);
    assert_eq!(net.load_named(count), Err(StateDictError::Kind { name: "a.weight".into(), expected: "a tensor" }));
    net.load_named(good.clone()).unwrap();
    assert_eq!(net.named_tensors(), good);
}
