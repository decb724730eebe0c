//! Lecture 03, runnable: one subcommand per slide. Each trains something
//! with tapegrad, prints the numbers behind the slide's claim and writes one
//! SVG (into `docs/img/` unless `--out` says otherwise). `docs/lecture.md`
//! walks through them.
//!
//!     cargo run --release --example lecture -- all            # every slide, the pictures in docs/img
//!     cargo run --release --example lecture -- saddle warmup  # some slides
//!     cargo run --release --example lecture -- all --quick --out /tmp/lecture
//!     cargo run --release --example lecture -- --help

mod common;
#[path = "lecture/mod.rs"]
mod slides;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use slides::{SLIDES, Size};

/// What the command line asked for.
struct Request {
    commands: Vec<&'static str>,
    size: Size,
    out: PathBuf,
}

fn usage() -> String {
    let mut text = String::from(
        "Lecture 03, one subcommand per slide: each prints its numbers and writes one SVG.\n\n\
         usage: cargo run --release --example lecture -- <subcommand>... [--quick] [--out DIR]\n\n\
         subcommands, in the lecture's order:\n",
    );
    let width = SLIDES.iter().map(|s| s.command.len()).max().unwrap_or(0);
    for slide in SLIDES {
        text += &format!("  {:width$}  {}\n", slide.command, slide.claim);
    }
    text += &format!("  {:width$}  every slide above, in order\n", "all");
    text += "\noptions:\n  --quick      the small sizes the tests use (seconds instead of minutes)\n";
    text += "  --out DIR    where to write the SVGs (default: docs/img of the repository)\n";
    text += "  -h, --help   this text\n";
    text
}

/// Parses the arguments; `Err` carries the message for an unknown
/// subcommand or flag, or a flag without its value.
fn parse(args: &[String]) -> Result<Option<Request>, String> {
    let mut request = Request {
        commands: Vec::new(),
        size: Size::Full,
        out: PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("docs").join("img"),
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-h" | "--help" => return Ok(None),
            "--quick" => request.size = Size::Quick,
            "--out" => request.out = PathBuf::from(args.next().ok_or("--out needs a directory")?),
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

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let request = match parse(&args) {
        Ok(Some(request)) => request,
        Ok(None) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message}\n\n{}", usage());
            return ExitCode::from(2);
        }
    };
    if let Err(e) = std::fs::create_dir_all(&request.out) {
        eprintln!("error: cannot create {}: {e}", request.out.display());
        return ExitCode::FAILURE;
    }
    let started = Instant::now();
    for command in &request.commands {
        let slide = SLIDES.iter().find(|s| s.command == *command).expect("parse checked the name");
        println!("== {}: {}\n", slide.command, slide.claim);
        let slide_started = Instant::now();
        if let Err(e) = (slide.show)(request.size, &request.out) {
            eprintln!("error: {}: {e}", slide.command);
            return ExitCode::FAILURE;
        }
        println!("({} took {:.1} s)\n", slide.command, slide_started.elapsed().as_secs_f64());
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
