//! The command line of `examples/lecture.rs`: subcommands (one per slide,
//! or `all`), `--quick`, `--seed N`, `--out DIR`, `--help`.

use std::path::PathBuf;

use super::{SLIDES, Size};

/// What the command line asked for.
#[derive(Debug, PartialEq)]
pub struct Request {
    /// The slides to show, by subcommand, in the order given.
    pub commands: Vec<&'static str>,
    pub size: Size,
    /// Shifts every random draw of the experiments (0: the runs in docs/lecture.md).
    pub seed: u64,
    /// Where the pictures go.
    pub out: PathBuf,
}

/// The `--help` text: every subcommand with its slide's claim.
pub fn usage() -> String {
    let mut text = String::from(
        "Lecture 03, one subcommand per slide: each prints its numbers and writes one SVG.\n\n\
         usage: cargo run --release --example lecture -- <subcommand>... [--quick] [--seed N] [--out DIR]\n\n\
         subcommands, in the lecture's order:\n",
    );
    let width = SLIDES.iter().map(|s| s.command.len()).max().unwrap_or(0);
    for slide in SLIDES {
        text += &format!("  {:width$}  {}\n", slide.command, slide.claim);
    }
    text += &format!("  {:width$}  every slide above, in order\n", "all");
    text += "\noptions:\n  --quick      the small sizes the tests use (seconds instead of minutes)\n";
    text += "  --seed N     another draw of every experiment's data, weights and batches (default 0, the runs in docs/lecture.md)\n";
    text += "  --out DIR    where to write the SVGs (default: docs/img of the repository)\n";
    text += "  -h, --help   this text\n";
    text
}

/// Parses the arguments (without the program's name): `Ok(None)` asks for
/// the help text; `Err` names an unknown subcommand or flag, or a flag
/// without its value.
pub fn parse(args: &[String]) -> Result<Option<Request>, String> {
    let mut request = Request {
        commands: Vec::new(),
        size: Size::Full,
        seed: 0,
        out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs").join("img"),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--quick" => request.size = Size::Quick,
            "--out" => request.out = PathBuf::from(args.next().ok_or("--out needs a directory")?),
            "--seed" => {
                let value = args.next().ok_or("--seed needs a number")?;
                request.seed = value.parse().map_err(|_| format!("--seed takes a whole number, not '{value}'"))?;
            }
            "all" => request.commands.extend(SLIDES.iter().map(|s| s.command)),
            flag if flag.starts_with('-') => return Err(format!("unknown flag '{flag}'")),
            command => match SLIDES.iter().find(|s| s.command == command) {
                Some(slide) => request.commands.push(slide.command),
                None => return Err(format!("unknown subcommand '{command}'")),
            },
        }
    }
    if request.commands.is_empty() {
        return Err("no subcommand given".into());
    }
    Ok(Some(request))
}
