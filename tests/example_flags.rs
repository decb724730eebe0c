//! The examples' command line (`examples/common/cli.rs`): every flag in
//! the help, an unknown flag or a missing or unreadable value an error.

#[path = "../examples/common/cli.rs"]
#[allow(dead_code)]
mod cli;

use cli::{Flag, parse, usage};

const FLAGS: &[Flag] = &[Flag::value("--epochs", "N", "epochs to train"), Flag::switch("--report", "write the report")];

fn args(text: &str) -> Vec<String> {
    text.split_whitespace().map(String::from).collect()
}

#[test]
fn known_flags_are_read_and_unknown_ones_refused() {
    let given = parse(&args("--report --epochs 7"), FLAGS).unwrap().unwrap();
    assert!(given.is_set("--report"));
    assert_eq!(given.value("--epochs", 40), Ok(7));
    let none = parse(&[], FLAGS).unwrap().unwrap();
    assert!(!none.is_set("--report"));
    assert_eq!(none.value("--epochs", 40), Ok(40));
    assert_eq!(parse(&args("--epoch 7"), FLAGS), Err("unknown flag '--epoch'".into()));
    assert_eq!(parse(&args("report"), FLAGS), Err("unknown argument 'report'".into()));
    assert_eq!(parse(&args("--epochs"), FLAGS), Err("--epochs needs a value (N)".into()));
    let bad = parse(&args("--epochs seven"), FLAGS).unwrap().unwrap();
    assert_eq!(bad.value("--epochs", 40usize), Err("--epochs: cannot read 'seven'".into()));
    assert_eq!(parse(&args("--epoch 7 --help"), FLAGS), Err("unknown flag '--epoch'".into()));
    assert_eq!(parse(&args("--report -h"), FLAGS), Ok(None));
}

#[test]
fn the_help_lists_every_flag() {
    let text = usage("Trains.", "moons", FLAGS);
    assert!(text.starts_with("Trains.\n\nusage: cargo run --release --example moons -- [flags]\n"));
    for line in ["  --epochs N  epochs to train", "  --report    write the report", "  -h, --help  this text"] {
        assert!(text.lines().any(|l| l == line), "{line:?} not in\n{text}");
    }
}
