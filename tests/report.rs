//! The HTML training report: every section is there and drawn from the
//! run's numbers, charts without data are left out, nothing is fetched.
//! (`scripts/browser_check.sh` opens it in a real browser.)

use rand::{SeedableRng, rngs::StdRng};
use tapegrad::data::{Dataset, toy};
use tapegrad::diagnostics::{Diagnostics, EpochMetrics, GradientNoise, NoiseScale, StepMetrics, TrainingLog};
use tapegrad::nn::loss::{self, Reduction};
use tapegrad::nn::metrics::binary_accuracy;
use tapegrad::nn::{Activation, BatchNorm1d, Linear, Mlp, Module, Sequential};
use tapegrad::optim::{Adam, Optimizer, Sgd};
use tapegrad::report::{Comparison, DecisionBoundary, GraphPicture, Report};
use tapegrad::{Gradients, Tape, Tensor};

/// The `<figure class="chart" ...>` elements of a page, as their opening tags.
fn figures<'a>(html: &'a str, kind: &str) -> Vec<&'a str> {
    html.match_indices("<figure class=\"chart\"")
        .map(|(i, _)| &html[i..i + html[i..].find('>').unwrap()])
        .filter(|tag| tag.contains(&format!("data-kind=\"{kind}\"")))
        .collect()
}

/// A short moons run with diagnostics, the noise scale of every batch, a
/// boundary per epoch and the graph of the last step.
fn short_run() -> (Report, TrainingLog, usize) {
    let mut rng = StdRng::seed_from_u64(7);
    let data = toy::moons::<f32, _>(200, 0.1, &mut rng);
    let mut model = Mlp::new(&[2, 8, 8, 1], Activation::Tanh, &mut rng);
    let mut opt = Adam::new(1e-2);
    let (mut tape, mut grads, mut diagnostics) = (Tape::new(), Gradients::new(), Diagnostics::new());
    let mut log = TrainingLog::new();
    let (mut noise, mut scale) = (GradientNoise::new(), NoiseScale::new(0.9));
    let mut report = Report::new("a <short> run");
    report.note("two epochs & a note");
    for epoch in 1..=2 {
        for batch in data.batches(50, &mut rng) {
            let per_sample = Tape::new();
            let out = model.forward(per_sample.constant(batch.x.clone()));
            noise.measure(loss::bce_with_logits_with(out, per_sample.constant(batch.y.clone()), Reduction::None));
            scale.update(noise.total());
            log.record_noise(&scale, 50);
            tape.clear();
            let logits = model.forward(tape.constant(batch.x)).named("logits");
            let loss = loss::bce_with_logits(logits, tape.constant(batch.y));
            let value = loss.item() as f64;
            loss.backward_into(&mut grads);
            opt.step(&mut model, &grads);
            diagnostics.measure(&tape, &grads, &model);
            log.record_step(StepMetrics { loss: value, lr: opt.lr() }, Some(&diagnostics));
        }
        let accuracy = binary_accuracy(&model.predict(data.x()), data.y());
        log.record_epoch(EpochMetrics {
            train_loss: log.step_rows().last().unwrap().loss(),
            train_accuracy: Some(accuracy),
            test_loss: Some(0.5),
            test_accuracy: Some(accuracy),
        });
        report.add_boundary(DecisionBoundary::capture(format!("epoch {epoch}"), data.x(), data.y(), |g| {
            model.predict(g)
        }));
    }
    report.set_graph(GraphPicture::capture(&tape, Some(&grads)));
    (report, log, tape.len())
}

#[test]
fn the_report_has_every_section_drawn_and_fetches_nothing() {
    let (report, log, nodes) = short_run();
    let html = report.to_html(&log);
    assert!(html.starts_with("<!DOCTYPE html>"));
    assert!(html.contains("<title>a &lt;short&gt; run</title>") && html.contains("<p>two epochs &amp; a note</p>"));
    for id in ["training", "inside", "noise", "boundary", "graph"] {
        assert!(html.contains(&format!("<section id=\"{id}\">")), "section {id} missing");
    }
    // Loss, accuracy, learning rate; gradient norms, update ratios, saturation, spread; noise scale, its parts.
    let lines = figures(&html, "lines");
    assert_eq!(lines.len(), 9, "{lines:?}");
    for tag in &lines {
        let points: usize = tag.split("data-points=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
        assert!(points >= 2, "{tag}");
    }
    assert!(html.matches("<polyline").count() >= 7);
    let legend =
        ["layers.0.weight", "layers.2.bias", "layers.1.tanh (saturated)", "guide at 1e-3", "guide at batch size 50"];
    for name in legend {
        assert!(html.contains(&format!("</span>{name}</li>")), "legend entry {name}");
    }
    assert_eq!(figures(&html, "boundary").len(), 2);
    assert!(html.contains("data-label=\"epoch 1\"") && html.contains("data-label=\"epoch 2\""));
    let graph = figures(&html, "graph");
    assert_eq!(graph, [format!("<figure class=\"chart\" data-kind=\"graph\" data-nodes=\"{nodes}\"")]);
    // The graph names its nodes and scopes, and its DOT comes along.
    for text in ["layers.0.weight", "layers.1", "logits", "#3 linear"] {
        assert!(html.contains(&format!(">\n{text}\n</text>")), "graph text {text}");
    }
    assert!(html.contains("subgraph cluster_0 {"));
    // The last step's table.
    assert!(html.contains(&format!("<h3>At the last step ({})</h3>", log.steps() - 1)));
    // Self-contained.
    for outside in ["<script", " src=", "<link", "@import", "url(", "https://"] {
        assert!(!html.contains(outside), "the page holds {outside}");
    }
}

#[test]
fn charts_without_data_are_left_out() {
    let mut log = TrainingLog::new();
    for step in 0..30 {
        log.record_step(StepMetrics { loss: 1.0 / (step as f64 + 1.0), lr: 0.1 }, None);
    }
    let html = Report::new("no diagnostics").to_html(&log);
    let titles: Vec<&str> = ["Loss", "Accuracy", "Learning rate", "Gradient norm per parameter"]
        .into_iter()
        .filter(|t| html.contains(&format!(">\n{t}\n</text>")))
        .collect();
    assert_eq!(titles, ["Loss", "Learning rate"]);
    assert_eq!(figures(&html, "lines").len(), 2);
    for id in ["inside", "noise", "graph"] {
        assert!(!html.contains(&format!("<section id=\"{id}\">")), "section {id}");
    }
}

#[test]
fn a_decision_boundary_follows_the_classifier() {
    let x = Tensor::from_vec(vec![-1.0f64, -1.0, 1.0, 1.0, -1.0, 1.0], [3, 2]);
    let y = Tensor::from_vec(vec![0.0, 1.0, 2.0], [3]);
    // Three classes: logits favour class 0 left of x = -1/3, 2 right of 1/3, 1 between.
    let boundary = DecisionBoundary::capture("three bands", &x, &y, |g| {
        Tensor::from_fn([g.shape()[0], 3], |i| {
            let (row, class) = (i / 3, i % 3);
            let px = g.data()[2 * row];
            -(px - (class as f64 - 1.0) * 2.0 / 3.0).abs()
        })
    });
    let shares = [0, 1, 2].map(|c| boundary.class_share(c));
    assert!((shares.iter().sum::<f64>() - 1.0).abs() < 1e-12);
    // The grid spans the points' x range, -1 to 1, with a margin of
    // 0.1 · 2 + 0.1 on each side: 2.6 wide, of which the middle band is 2/3.
    let middle = (2.0 / 3.0) / 2.6;
    let expected = [(1.0 - middle) / 2.0, middle, (1.0 - middle) / 2.0];
    for (share, expected) in shares.iter().zip(expected) {
        assert!((share - expected).abs() <= 1.0 / 80.0, "{shares:?} against {expected}");
    }
}

#[test]
#[should_panic(expected = "DecisionBoundary::capture: predict returned shape [6400] for 6400 points")]
fn a_predict_of_the_wrong_shape_is_refused() {
    let x = Tensor::from_vec(vec![0.0f32, 0.0, 1.0, 1.0], [2, 2]);
    let y = Tensor::from_vec(vec![0.0f32, 1.0], [2]);
    DecisionBoundary::capture("bad", &x, &y, |g| Tensor::zeros([g.shape()[0]]));
}

#[test]
fn writing_the_report_into_a_missing_directory_names_the_path() {
    let path = std::env::temp_dir().join("tapegrad-no-such-dir").join("report.html");
    let error = Report::new("r").write(&path, &TrainingLog::new()).unwrap_err();
    assert!(error.to_string().starts_with(&path.display().to_string()), "{error}");
}

/// 40 steps of `model` on moons with diagnostics, the batches drawn from
/// one seed whatever the model.
fn logged_run(mut model: Sequential) -> TrainingLog {
    let mut rng = StdRng::seed_from_u64(3);
    let data = toy::moons::<f32, _>(200, 0.1, &mut rng);
    let mut opt = Adam::new(1e-2);
    let (mut tape, mut grads, mut diagnostics) = (Tape::new(), Gradients::new(), Diagnostics::new());
    let mut log = TrainingLog::new();
    for batch in data.batches(5, &mut rng) {
        tape.clear();
        let loss = loss::bce_with_logits(model.forward(tape.constant(batch.x)), tape.constant(batch.y));
        let value = loss.item() as f64;
        loss.backward_into(&mut grads);
        opt.step(&mut model, &grads);
        diagnostics.measure(&tape, &grads, &model);
        log.record_step(StepMetrics { loss: value, lr: opt.lr() }, Some(&diagnostics));
    }
    log
}

/// The text of every `<text>` of the `k`-th line chart: its title and tick labels.
fn chart_texts(html: &str, k: usize) -> Vec<&str> {
    let start = html.match_indices("data-kind=\"lines\"").nth(k).unwrap().0;
    let svg = &html[start..start + html[start..].find("</svg>").unwrap()];
    svg.split("</text>").filter_map(|piece| piece.rsplit('>').next()).map(str::trim).filter(|t| !t.is_empty()).collect()
}

#[test]
fn a_comparison_puts_runs_side_by_side_on_one_scale_and_matches_parameters_by_name() {
    let mut rng = StdRng::seed_from_u64(0);
    let plain = Sequential::new()
        .layer_named("hidden", Linear::new(2, 8, &mut rng))
        .layer_named("act", Activation::Tanh)
        .layer_named("out", Linear::new(8, 1, &mut rng));
    let normed = Sequential::new()
        .layer_named("hidden", Linear::new(2, 8, &mut rng).without_bias())
        .layer_named("bn", BatchNorm1d::new(8))
        .layer_named("act", Activation::Tanh)
        .layer_named("out", Linear::new(8, 1, &mut rng));
    let (plain, normed) = (logged_run(plain), logged_run(normed));
    assert_eq!(plain.steps(), 40);
    assert_ne!(plain.step_rows().last().unwrap().loss(), normed.step_rows().last().unwrap().loss());

    let mut page = Comparison::new("plain <and> normed");
    page.note("a note").show_params(["hidden.weight", "bn.weight", "out.weight"]);
    page.add_run("plain", plain).add_run("with BatchNorm", normed);
    let html = page.to_html();
    assert!(html.contains("<title>plain &lt;and&gt; normed</title>") && html.contains("<p>a note</p>"));
    // Four rows (loss, saturation, update ratios, spread), a chart per run in each.
    assert_eq!(figures(&html, "lines").len(), 8);
    for row in ["Loss", "Saturated tanh outputs", "Update / value ratio", "Spread of activations"] {
        assert!(html.contains(&format!("<h2>{row}</h2>")), "row {row}");
    }
    assert_eq!(html.matches("<h3>plain</h3>").count(), 4);
    // One y axis per row: the two loss charts have the same tick labels,
    // although their losses differ.
    assert_eq!(chart_texts(&html, 0), chart_texts(&html, 1));
    assert!(chart_texts(&html, 0).len() > 5);
    // Only the parameters asked for, each in one colour in both columns.
    assert!(!html.contains("hidden.bias") && !html.contains("out.bias"));
    let entry = |name: &str| html.match_indices(&format!("</span>{name}</li>")).count();
    assert_eq!((entry("hidden.weight"), entry("out.weight"), entry("bn.weight")), (2, 2, 1));
    let entry = "</span>out.weight</li>";
    let swatches: Vec<&str> =
        html.match_indices(entry).map(|(i, _)| &html[html[..i].rfind("background:").unwrap()..i]).collect();
    assert_eq!(swatches[0], swatches[1]);
    // The table matches parameters by name: bn.weight has no cell in the plain run.
    assert!(html.contains("<tr><td>bn.weight: |Δw| / |w|</td><td></td><td>"), "{html}");
    assert!(html.contains("<tr><td>act.tanh: saturated</td><td>"));
    for outside in ["<script", " src=", "<link", "https://"] {
        assert!(!html.contains(outside), "the page holds {outside}");
    }
}

/// A user's own model, not the moons example: a regression of a sine lifted
/// to the scale of its targets (prices around 300,000, not standardized),
/// trained by SGD at a constant rate, with no test set and no accuracy.
/// The output bias sits at 300,000, where f32 cannot represent a step of
/// 0.01: that parameter never changes.
fn price_regression() -> (Report, TrainingLog) {
    let mut rng = StdRng::seed_from_u64(3);
    let data = toy::sine::<f32, _>(200, 0.1, &mut rng);
    let prices = data.y().map(|y| 300_000.0 + y);
    let mut model = Mlp::new(&[1, 16, 16, 1], Activation::Tanh, &mut rng);
    for param in model.params_mut().filter(|p| p.name() == "layers.2.bias") {
        param.set_value(Tensor::full([1], 300_000.0));
    }
    let mut opt = Sgd::new(0.01);
    let (mut tape, mut grads, mut diagnostics) = (Tape::new(), Gradients::new(), Diagnostics::new());
    let mut log = TrainingLog::new();
    for _ in 0..3 {
        for batch in Dataset::new(data.x().clone(), prices.clone()).unwrap().batches(50, &mut rng) {
            tape.clear();
            let loss = loss::mse_loss(model.forward(tape.constant(batch.x)), tape.constant(batch.y));
            let value = loss.item() as f64;
            loss.backward_into(&mut grads);
            opt.step(&mut model, &grads);
            diagnostics.measure(&tape, &grads, &model);
            log.record_step(StepMetrics { loss: value, lr: opt.lr() }, Some(&diagnostics));
        }
        let train_loss = log.step_rows().last().unwrap().loss();
        log.record_epoch(EpochMetrics { train_loss, train_accuracy: None, test_loss: None, test_accuracy: None });
    }
    (Report::new("prices"), log)
}

/// The `<figure>` element of the line chart titled `title`, whole.
fn chart<'a>(html: &'a str, title: &str) -> &'a str {
    let at = html.find(&format!(">\n{title}\n</text>")).unwrap_or_else(|| panic!("no chart {title:?}"));
    let start = html[..at].rfind("<figure").unwrap();
    &html[start..at + html[at..].find("</figure>").unwrap()]
}

#[test]
fn a_constant_learning_rate_is_drawn_from_zero_to_twice_its_value() {
    let (report, log) = price_regression();
    let html = report.to_html(&log);
    let lr = chart(&html, "Learning rate");
    // The y axis' tick labels: 0 at the bottom, the rate in the middle, no negative rates.
    for label in [">\n0\n</text>", ">\n0.01\n</text>", ">\n0.02\n</text>"] {
        assert!(lr.contains(label), "the learning-rate axis lacks {label:?}");
    }
    assert!(!lr.contains(">\n-0.5\n</text>") && !lr.contains(">\n0.5\n</text>"), "the old -0.5..0.5 axis");
}

#[test]
fn the_loss_legend_lists_only_the_curves_drawn() {
    let (report, log) = price_regression();
    let html = report.to_html(&log);
    let loss = chart(&html, "Loss");
    assert!(loss.contains("</span>train, epoch mean</li>"));
    assert!(!loss.contains("</span>test</li>"), "no test loss was recorded, yet the legend lists one");
}

#[test]
fn a_parameter_that_rounding_leaves_unchanged_says_so_instead_of_showing_zero() {
    let (report, log) = price_regression();
    let last = log.step_rows().last().unwrap();
    let bias = log.param_names().iter().position(|n| n == "layers.2.bias").unwrap();
    assert_eq!(last.update_ratio(bias), 0.0, "the bias at 300,000 is meant to stay put");
    assert!(last.grad_norm(bias) > 0.01, "it has a gradient: its steps are lost to rounding");
    let html = report.to_html(&log);
    assert!(html.contains("<tr><td>layers.2.bias</td>"));
    let row = html.split("<tr><td>layers.2.bias</td>").nth(1).unwrap().split("</tr>").next().unwrap();
    assert!(row.ends_with("<td class=\"warn\">0 (unchanged *)</td>"), "{row}");
    assert!(html.contains("* Unchanged: no element of the parameter moved at this step."));
    let ratios = chart(&html, "Update / value ratio per parameter");
    let steps = log.steps();
    assert!(
        ratios.contains(&format!("layers.2.bias: the ratio is 0 at {steps} of {steps} steps")),
        "the ratio chart does not explain the missing curve"
    );
    assert!(!ratios.contains("</span>layers.2.bias</li>"), "the legend names a curve that is not drawn");
    assert!(ratios.contains("</span>layers.2.weight</li>"));
}
