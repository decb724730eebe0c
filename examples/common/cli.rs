//! Command-line flags of the examples: each example lists its flags once,
//! `--help` prints them all, and an unknown flag, a missing value or a value
//! that does not parse is an error (exit code 2) instead of being ignored.

use std::str::FromStr;

/// One flag: `--name` alone, or `--name VALUE`.
pub struct Flag {
    pub name: &'static str,
    /// The value's placeholder in the help (`"N"`), or `None` for a switch.
    pub value: Option<&'static str>,
    pub help: &'static str,
}

impl Flag {
    /// A flag that is on or off.
    pub const fn switch(name: &'static str, help: &'static str) -> Self {
        Flag { name, value: None, help }
    }

    /// A flag followed by a value.
    pub const fn value(name: &'static str, placeholder: &'static str, help: &'static str) -> Self {
        Flag { name, value: Some(placeholder), help }
    }
}

/// The flags given, checked against the example's list.
#[derive(Debug, PartialEq)]
pub struct Args {
    given: Vec<(&'static str, Option<String>)>,
}

impl Args {
    /// Whether switch `name` was given.
    pub fn is_set(&self, name: &str) -> bool {
        self.given.iter().any(|(n, _)| *n == name)
    }

    /// The value of `name` (the last one given), or `default`.
    pub fn value<T: FromStr>(&self, name: &str, default: T) -> Result<T, String> {
        match self.given.iter().rev().find(|(n, _)| *n == name) {
            Some((_, Some(text))) => text.parse().map_err(|_| format!("{name}: cannot read '{text}'")),
            _ => Ok(default),
        }
    }
}

/// Parses `args` (without the program's name): `Ok(None)` asks for help.
pub fn parse(args: &[String], flags: &[Flag]) -> Result<Option<Args>, String> {
    let mut given = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if arg == "-h" || arg == "--help" {
            return Ok(None);
        }
        let Some(flag) = flags.iter().find(|f| f.name == arg) else {
            return Err(format!("unknown {} '{arg}'", if arg.starts_with('-') { "flag" } else { "argument" }));
        };
        let value = match flag.value {
            Some(placeholder) => {
                Some(args.next().ok_or(format!("{} needs a value ({placeholder})", flag.name))?.clone())
            }
            None => None,
        };
        given.push((flag.name, value));
    }
    Ok(Some(Args { given }))
}

/// The help text: what the example does, how to run it, every flag.
pub fn usage(about: &str, example: &str, flags: &[Flag]) -> String {
    let mut text = format!("{about}\n\nusage: cargo run --release --example {example} -- [flags]\n\nflags:\n");
    let spelled: Vec<String> =
        flags.iter().map(|f| f.value.map_or(f.name.to_string(), |v| format!("{} {v}", f.name))).collect();
    let width = spelled.iter().map(String::len).max().unwrap_or(0).max("-h, --help".len());
    for (flag, spelling) in flags.iter().zip(&spelled) {
        text += &format!("  {spelling:width$}  {}\n", flag.help);
    }
    text += &format!("  {:width$}  this text\n", "-h, --help");
    text
}

/// The process's flags: prints the help and exits on `--help`, prints the
/// error and exits with code 2 on a bad flag.
pub fn from_env(about: &str, example: &str, flags: &[Flag]) -> Args {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match parse(&args, flags) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{}", usage(about, example, flags));
            std::process::exit(0)
        }
        Err(message) => fail(&message),
    }
}

/// Prints `message` as a command-line error and exits with code 2.
pub fn fail(message: &str) -> ! {
    eprintln!("error: {message} (see --help)");
    std::process::exit(2)
}
