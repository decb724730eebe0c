//! Lecture 03, runnable: one subcommand per slide. Each trains something
//! with tapegrad, prints the numbers behind the slide's claim and writes one
//! SVG (into `docs/img/` unless `--out` says otherwise). `docs/lecture.md`
//! walks through them.
//!
//!     cargo run --release --example lecture -- all            # every slide, the pictures in docs/img
//!     cargo run --release --example lecture -- saddle warmup  # some slides
//!     cargo run --release --example lecture -- all --quick --out /tmp/lecture
//!     cargo run --release --example lecture -- weight-decay --quick --seed 3  # another draw
//!     cargo run --release --example lecture -- --help

mod common;
#[path = "lecture/mod.rs"]
mod slides;

use std::process::ExitCode;
use std::time::Instant;

use slides::SLIDES;
use slides::cli::{parse, usage};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let request = match parse(&args) {
        Ok(Some(request)) => request,
        Ok(None) => {
            print!("{}", usage());
            return ExitCode::SUCCESS;
        }
        Err(message) => {
            eprintln!("error: {message} (see --help)");
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
        if let Err(e) = (slide.show)(request.size, request.seed, &request.out) {
            eprintln!("error: {}: {e}", slide.command);
            return ExitCode::FAILURE;
        }
        println!("({} took {:.1} s)\n", slide.command, slide_started.elapsed().as_secs_f64());
    }
    println!("done in {:.1} s", started.elapsed().as_secs_f64());
    ExitCode::SUCCESS
}
