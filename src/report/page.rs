//! The report's page: HTML around the charts, with its style sheet inline.

use std::fmt::Write;

use super::Report;
use super::chart::{CHART_SIZE, LineChart, tick};
use super::curves::{self, Figure};
use super::noise;
use super::predictions;
use crate::diagnostics::TrainingLog;

/// Width and height of one decision-boundary panel.
const BOUNDARY_SIZE: (u32, u32) = (300, 290);

const STYLE: &str = "
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 1320px; padding: 0 24px 40px; color: #222; }
header { border-bottom: 1px solid #ddd; margin-bottom: 8px; }
h1 { font-size: 26px; margin: 24px 0 6px; }
h2 { font-size: 20px; margin: 30px 0 10px; border-bottom: 1px solid #eee; padding-bottom: 4px; }
header p { margin: 2px 0; color: #444; }
dl.summary { display: flex; flex-wrap: wrap; gap: 10px 28px; margin: 14px 0; }
dl.summary div { background: #f5f6fa; border-radius: 6px; padding: 6px 12px; }
dl.summary dt { font-size: 12px; color: #666; }
dl.summary dd { margin: 0; font-size: 19px; font-weight: 600; }
nav a { margin-right: 16px; }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(600px, 1fr)); gap: 18px; }
.row { display: flex; flex-wrap: wrap; gap: 12px; }
figure { margin: 0; }
figure svg { display: block; max-width: 100%; height: auto; border: 1px solid #eee; }
figcaption { font-size: 13px; color: #444; max-width: 600px; }
figcaption p { margin: 4px 0; }
ul.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 4px 14px; }
.swatch { display: inline-block; width: 22px; height: 4px; margin-right: 6px; vertical-align: middle; }
.faint { opacity: 0.35; }
table { border-collapse: collapse; font-size: 13px; margin: 12px 24px 12px 0; display: inline-table; vertical-align: top; }
th, td { padding: 3px 10px; text-align: right; border-bottom: 1px solid #eee; }
th:first-child, td:first-child { text-align: left; font-family: monospace; }
td.warn { color: #b3261e; font-weight: 600; }
p.note { font-size: 13px; color: #b3261e; max-width: 900px; }
.scroll { overflow-x: auto; border: 1px solid #eee; }
.scroll svg { border: 0; }
pre { font-size: 11px; background: #f7f7f7; padding: 8px; overflow-x: auto; }
footer { margin-top: 36px; font-size: 12px; color: #777; }
";

/// The whole page.
pub(super) fn render(report: &Report, log: &TrainingLog) -> String {
    let mut html = String::new();
    open(&mut html, &report.title, "", &report.notes);
    summary(&mut html, log);
    html.push_str("</header>\n");

    let training = curves::training_curves(log);
    let diagnostics = curves::diagnostics_curves(log);
    let noise = noise::noise_curves(log);
    let mut contents = vec![("training", "Training curves")];
    if !diagnostics.is_empty() {
        contents.push(("inside", "Inside the network"));
    }
    if !noise.is_empty() {
        contents.push(("noise", "Gradient noise"));
    }
    if report.histograms.as_ref().is_some_and(|h| !h.is_empty()) {
        contents.push(("histograms", "Histograms over time"));
    }
    if report.sharpness.as_ref().is_some_and(|s| !s.points().is_empty()) {
        contents.push(("sharpness", "Sharpness"));
    }
    if !report.boundaries.is_empty() {
        contents.push(("boundary", "Decision boundary"));
    }
    if !report.predictions.is_empty() {
        contents.push(("predictions", "Predictions"));
    }
    if report.graph.is_some() {
        contents.push(("graph", "One step's graph"));
    }
    html.push_str("<nav>");
    for (id, heading) in &contents {
        let _ = write!(html, "<a href=\"#{id}\">{heading}</a>");
    }
    html.push_str("</nav>\n");

    section(&mut html, "training", "Training curves", |html| figures(html, &training));
    if !diagnostics.is_empty() {
        section(&mut html, "inside", "Inside the network", |html| {
            figures(html, &diagnostics);
            last_step_tables(html, log);
        });
    }
    if !noise.is_empty() {
        section(&mut html, "noise", "Gradient noise", |html| figures(html, &noise));
    }
    if let Some(histograms) = &report.histograms {
        super::histograms::render(&mut html, histograms);
    }
    if let Some(sharpness) = &report.sharpness {
        super::sharpness::render(&mut html, sharpness);
    }
    if !report.boundaries.is_empty() {
        section(&mut html, "boundary", "Decision boundary", |html| {
            html.push_str("<p>What the network predicts over the plane (shade: confidence), with the data on top.</p>\n<div class=\"row\">\n");
            for b in &report.boundaries {
                let _ = writeln!(
                    html,
                    "<figure class=\"chart\" data-kind=\"boundary\" data-label=\"{}\">\n{}</figure>",
                    escape(b.label()),
                    b.to_svg(BOUNDARY_SIZE)
                );
            }
            html.push_str("</div>\n");
        });
    }
    if !report.predictions.is_empty() {
        section(&mut html, "predictions", "Predictions", |html| predictions::render(html, &report.predictions));
    }
    if let Some(graph) = &report.graph {
        section(&mut html, "graph", "One step's graph", |html| {
            html.push_str(
                "<p>The tape of one training step: each box a node with its name (parameters carry theirs), op, \
                 shape, value and gradient (mean μ and standard deviation σ when it has more than three elements); \
                 each gray box a module's scope. Inputs and parameters stand above the op that consumes them.</p>\n",
            );
            let _ = writeln!(
                html,
                "<figure class=\"chart\" data-kind=\"graph\" data-nodes=\"{}\"><div class=\"scroll\">\n{}</div></figure>",
                graph.len(),
                graph.to_svg()
            );
            let _ = writeln!(
                html,
                "<details><summary>The same graph in Graphviz DOT (<code>dot -Tsvg</code>)</summary><pre>{}</pre></details>",
                escape(graph.dot())
            );
        });
    }
    close(&mut html);
    html
}

/// The page's head (the title, the style sheet with `extra_style` after
/// it) and the start of its header: the title and the notes.
pub(super) fn open(html: &mut String, title: &str, extra_style: &str, notes: &[String]) {
    let title = escape(title);
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>{STYLE}{extra_style}</style>\n</head>\n<body>\n<header>\n<h1>{title}</h1>\n"
    );
    for note in notes {
        let _ = writeln!(html, "<p>{}</p>", escape(note));
    }
}

/// The footer and the end of the page.
pub(super) fn close(html: &mut String) {
    let _ = writeln!(
        html,
        "<footer>Written by tapegrad {}. Self-contained: no scripts, fonts or images are fetched.</footer>\n</body>\n</html>",
        env!("CARGO_PKG_VERSION")
    );
}

/// The run in a few numbers: steps, epochs, and the last epoch's metrics.
fn summary(html: &mut String, log: &TrainingLog) {
    let mut items = vec![("steps", log.steps().to_string()), ("epochs", log.epochs().to_string())];
    if let Some(last) = log.epoch_rows().last() {
        let m = last.metrics;
        items.push(("train loss", format!("{:.4}", m.train_loss)));
        if let Some(loss) = m.test_loss {
            items.push(("test loss", format!("{loss:.4}")));
        }
        if let Some(a) = m.train_accuracy {
            items.push(("train accuracy", format!("{:.1}%", 100.0 * a)));
        }
        if let Some(a) = m.test_accuracy {
            items.push(("test accuracy", format!("{:.1}%", 100.0 * a)));
        }
    }
    if let Some(last) = log.step_rows().last() {
        items.push(("last learning rate", tick(last.lr())));
    }
    html.push_str("<dl class=\"summary\">");
    for (term, value) in items {
        let _ = write!(html, "<div><dt>{term}</dt><dd>{value}</dd></div>");
    }
    html.push_str("</dl>\n");
}

pub(super) fn section(html: &mut String, id: &str, heading: &str, body: impl FnOnce(&mut String)) {
    let _ = writeln!(html, "<section id=\"{id}\">\n<h2>{heading}</h2>");
    body(html);
    html.push_str("</section>\n");
}

/// Charts in a grid, each with its legend and caption.
pub(super) fn figures(html: &mut String, figures: &[Figure]) {
    html.push_str("<div class=\"grid\">\n");
    for Figure { chart, caption } in figures {
        line_figure(html, chart, None, Some(caption));
    }
    html.push_str("</div>\n");
}

/// One line chart as a figure: a heading if given, the chart, its legend
/// (and the guide line's), and a caption if given.
pub(super) fn line_figure(html: &mut String, chart: &LineChart, heading: Option<&str>, caption: Option<&str>) {
    let _ = writeln!(
        html,
        "<figure class=\"chart\" data-kind=\"lines\" data-points=\"{}\" style=\"max-width:{}px\">",
        chart.visible_points(),
        CHART_SIZE.0
    );
    if let Some(heading) = heading {
        let _ = writeln!(html, "<h3>{}</h3>", escape(heading));
    }
    let _ = write!(html, "{}<figcaption><ul class=\"legend\">", chart.to_svg());
    for s in chart.series.iter().filter(|s| s.in_legend && chart.visible_in(s) > 0) {
        let (r, g, b) = (s.color.0, s.color.1, s.color.2);
        let class = if s.faint { " class=\"faint\"" } else { "" };
        let _ = write!(
            html,
            "<li{class}><span class=\"swatch\" style=\"background:rgb({r},{g},{b})\"></span>{}</li>",
            escape(&s.name)
        );
    }
    if let Some((_, label)) = &chart.guide {
        let _ =
            write!(html, "<li><span class=\"swatch\" style=\"background:#888\"></span>guide at {}</li>", escape(label));
    }
    html.push_str("</ul>");
    if let Some(caption) = caption {
        let _ = write!(html, "<p>{}</p>", escape(caption));
    }
    for note in &chart.notes {
        let _ = write!(html, "<p class=\"note\">{}</p>", escape(note));
    }
    html.push_str("</figcaption>\n</figure>\n");
}

/// The diagnostics of the last step: one table of parameters, one of
/// activations. Ratios outside `[1e-4, 1e-2]` are marked.
fn last_step_tables(html: &mut String, log: &TrainingLog) {
    let Some(last) = log.step_rows().last() else { return };
    let _ = writeln!(
        html,
        "<h3>At the last step ({})</h3>\n<p>Update ratios outside [1e-4, 1e-2] are in red (a schedule that decays \
         to zero ends with tiny updates).</p>",
        last.step()
    );
    if !log.param_names().is_empty() {
        html.push_str("<table><tr><th>parameter</th><th>|g|</th><th>|w|</th><th>|Δw| / |w|</th></tr>\n");
        let mut unchanged = false;
        for (k, name) in log.param_names().iter().enumerate() {
            let (ratio, grad) = (last.update_ratio(k), last.grad_norm(k));
            let class = if (1e-4..=1e-2).contains(&ratio) { "" } else { " class=\"warn\"" };
            // A 0 next to ratios of 1e-9 would read as a smaller number; it is another thing.
            let shown = match (ratio == 0.0, grad == 0.0) {
                (false, _) => tick(ratio),
                (true, true) => "0 (no gradient)".to_string(),
                (true, false) => {
                    unchanged = true;
                    "0 (unchanged *)".to_string()
                }
            };
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td{class}>{shown}</td></tr>",
                escape(name),
                tick(grad),
                tick(last.value_norm(k)),
            );
        }
        html.push_str("</table>\n");
        if unchanged {
            let _ = writeln!(
                html,
                "<p class=\"note\">* Unchanged: no element of the parameter moved at this step. {}</p>",
                escape(curves::UNCHANGED)
            );
        }
    }
    if !log.activation_names().is_empty() {
        html.push_str("<table><tr><th>activation</th><th>mean</th><th>std</th><th>saturated / dead</th></tr>\n");
        for (k, (name, kind)) in log.activation_names().iter().zip(log.activation_kinds()).enumerate() {
            let _ = writeln!(
                html,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{:.1}% {}</td></tr>",
                escape(name),
                tick(last.activation_mean(k)),
                tick(last.activation_std(k)),
                100.0 * last.saturation(k),
                kind.saturation_name()
            );
        }
        html.push_str("</table>\n");
    }
}

/// Text made safe for HTML.
pub(super) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}
