//! `examples/makemore.rs`, checked at a small size: the same modules as
//! `cargo run --release --example makemore`, with fewer steps. The model
//! learns the names (its validation loss falls far below a uniform guess),
//! samples names of letters, and part 3's lesson shows what the report
//! claims: a naive start saturates every tanh layer and starts far above
//! `ln 27`, Kaiming's starts near it with few saturated units, and
//! BatchNorm keeps saturation lowest.

#[path = "../examples/makemore/mod.rs"]
mod makemore;

use makemore::data::{self, BLOCK, Contexts, Splits, VOCAB};
use makemore::lesson::{self, DEPTH, Start};
use makemore::model;
use rand::{SeedableRng, rngs::StdRng};
use tapegrad::nn::Module;

fn splits(seed: u64) -> Splits {
    Splits::of(data::load(data::NAMES).expect("names.txt ships with the example"), &mut StdRng::seed_from_u64(seed))
}

#[test]
fn the_names_split_80_10_10_into_contexts_as_makemore_builds_them() {
    let data = splits(0);
    assert_eq!(data.names, [25626, 3203, 3204]);
    // One context per letter and one for the end of each name.
    let letters = std::fs::read_to_string(data::NAMES).unwrap().lines().map(|l| l.len() + 1).sum::<usize>();
    assert_eq!(data.train.len() + data.val.len() + data.test.len(), letters);
    let emma = Contexts::of(&["emma".to_string()]);
    assert_eq!(emma.x.shape(), [5, BLOCK]);
    assert_eq!(emma.x.data()[..6], [0.0, 0.0, 0.0, 0.0, 0.0, 5.0]); // "..." then "..e"
    assert_eq!(emma.y.data(), [5.0, 13.0, 13.0, 1.0, 0.0]); // e m m a .
    assert!(data::read_names("emma\nZoe\n").unwrap_err().starts_with("line 2:"));
}

#[test]
fn the_model_learns_names_and_samples_names_of_letters() {
    let data = splits(1);
    let mut rng = StdRng::seed_from_u64(1);
    let mut net = model::model(&mut rng);
    assert_eq!(net.num_params(), 12097); // makemore part 3's count for this network
    let before = model::split_loss(&net, &data.val);
    assert!((before - (VOCAB as f64).ln()).abs() < 0.05, "a small output layer starts near ln 27: {before}");
    model::train(&mut net, &data.train, 4000, model::step_decay(4000), &mut rng, None, 0);
    let (train, val) = (model::split_loss(&net, &data.train), model::split_loss(&net, &data.val));
    // Uniform is ln 27 = 3.30, the bigram table about 2.45; makemore part 3 reaches 2.10 in 200,000 steps.
    assert!(val < 2.45, "validation loss after 4000 steps: {val}");
    assert!((train - val).abs() < 0.1, "train {train} and validation {val} agree: no overfitting yet");
    let names = model::samples(&net, 20, 1);
    assert_eq!(names.len(), 20);
    assert!(names.iter().all(|n| n.len() <= 30 && n.bytes().all(|b| b.is_ascii_lowercase())), "{names:?}");
    assert!(names.iter().filter(|n| n.len() >= 2).count() >= 15, "mostly names, not single letters: {names:?}");
}

#[test]
fn the_lesson_shows_saturation_falling_from_naive_to_kaiming_to_batchnorm() {
    let data = splits(2);
    let runs: Vec<lesson::Run> = Start::ALL.into_iter().map(|start| lesson::run(start, &data, 200, 3)).collect();
    let [naive, kaiming, batchnorm] = &runs[..] else { unreachable!() };
    let ln27 = (VOCAB as f64).ln();
    // Naive: confidently wrong from the first step, every layer saturated.
    assert!(naive.first_loss() > 10.0, "naive first loss {}", naive.first_loss());
    let first = naive.saturation(false);
    assert_eq!(first.len(), DEPTH);
    assert!(first.iter().all(|&s| s > 0.5), "naive, saturated at the first step: {first:?}");
    assert!(naive.saturation(true).iter().all(|&s| s > 0.7), "and still at the last: {:?}", naive.saturation(true));
    // Kaiming: near a uniform guess, few saturated units.
    for run in [kaiming, batchnorm] {
        assert!((run.first_loss() - ln27).abs() < 0.2, "{:?} first loss {}", run.start, run.first_loss());
    }
    assert!(kaiming.saturation(false).iter().all(|&s| s < 0.3), "{:?}", kaiming.saturation(false));
    // BatchNorm: the fewest, at every step.
    let most = |run: &lesson::Run| {
        run.log.step_rows().flat_map(|r| (0..DEPTH).map(move |k| r.saturation(k))).fold(0.0, f64::max)
    };
    assert!(most(batchnorm) < 0.1, "BatchNorm's most saturated layer at any step: {}", most(batchnorm));
    assert!(most(batchnorm) < most(kaiming) && most(kaiming) < most(naive));
    // Both good starts end far below the naive one.
    assert!(kaiming.val_loss < naive.val_loss - 0.5 && batchnorm.val_loss < naive.val_loss - 0.5);

    let html = lesson::report(runs, &["a note".to_string()]).to_html();
    assert_eq!(html.matches("data-kind=\"lines\"").count(), 12, "four rows of three columns");
    assert!(html.contains("<p>a note</p>") && html.contains(Start::BatchNorm.label()));
    // The update ratios of the weight matrices only, as part 3 plots them.
    assert!(html.contains("</span>linear3.weight</li>") && !html.contains("linear3.bias"));
}
