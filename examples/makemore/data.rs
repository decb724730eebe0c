//! makemore's data: names as sequences of characters, each character
//! predicted from the three before it (`.` pads the start and ends a name).

use rand::RngExt;
use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use tapegrad::Tensor;

/// Characters of context for each prediction.
pub const BLOCK: usize = 3;
/// `.` and `a` to `z`.
pub const VOCAB: usize = 27;
/// The names list that ships with the example (see `README.md` beside it).
pub const NAMES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/makemore/names.txt");

/// The names of `names.txt`, read from `path`.
///
/// # Errors
/// If the file cannot be read, or a line holds anything but `a` to `z`
/// (the message names the file and the line).
pub fn load(path: &str) -> Result<Vec<String>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    read_names(&text).map_err(|e| format!("{path}: {e}"))
}

/// The names of a text, one per line, lowercase `a` to `z` only; empty
/// lines are skipped.
///
/// # Errors
/// If a line holds another character, naming the line.
pub fn read_names(text: &str) -> Result<Vec<String>, String> {
    let mut names = Vec::new();
    for (number, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        if !line.bytes().all(|b| b.is_ascii_lowercase()) {
            return Err(format!("line {}: {line:?} is not a name of the letters a to z", number + 1));
        }
        names.push(line.to_string());
    }
    Ok(names)
}

/// `.` is 0, `a` to `z` are 1 to 26.
pub fn index_of(c: u8) -> usize {
    if c == b'.' { 0 } else { (c - b'a') as usize + 1 }
}

/// The character of index `i`.
pub fn char_of(i: usize) -> char {
    if i == 0 { '.' } else { (b'a' + (i - 1) as u8) as char }
}

/// Every (context, next character) pair of a set of names, as makemore
/// builds them: `emma` gives `... -> e`, `..e -> m`, `.em -> m`,
/// `emm -> a`, `mma -> .`.
pub struct Contexts {
    /// `[n, BLOCK]` character indices.
    pub x: Tensor,
    /// `[n]` the next character's index.
    pub y: Tensor,
}

impl Contexts {
    /// The contexts of every name, in order.
    pub fn of(names: &[String]) -> Self {
        let (mut x, mut y) = (Vec::new(), Vec::new());
        for name in names {
            let mut context = [0usize; BLOCK];
            for c in name.bytes().chain([b'.']) {
                let next = index_of(c);
                x.extend(context.iter().map(|&i| i as f32));
                y.push(next as f32);
                context.rotate_left(1);
                context[BLOCK - 1] = next;
            }
        }
        let n = y.len();
        Contexts { x: Tensor::from_vec(x, [n, BLOCK]), y: Tensor::from_vec(y, [n]) }
    }

    /// How many contexts.
    pub fn len(&self) -> usize {
        self.y.len()
    }

    /// A mini-batch of `yb.len()` examples drawn with replacement
    /// (makemore's `torch.randint`), written into `xb` (`BLOCK` indices
    /// each) and `yb`.
    pub fn sample_into(&self, rng: &mut StdRng, xb: &mut [f32], yb: &mut [f32]) {
        for (row, y) in xb.chunks_exact_mut(BLOCK).zip(yb.iter_mut()) {
            let i = rng.random_range(0..self.len());
            row.copy_from_slice(&self.x.data()[i * BLOCK..(i + 1) * BLOCK]);
            *y = self.y.data()[i];
        }
    }
}

/// The names shuffled by `rng`, then split 80% / 10% / 10% into training,
/// validation and test names (makemore's split, by names, not by contexts).
pub fn split(mut names: Vec<String>, rng: &mut StdRng) -> (Vec<String>, Vec<String>, Vec<String>) {
    names.shuffle(rng);
    let (n1, n2) = (names.len() * 8 / 10, names.len() * 9 / 10);
    let test = names.split_off(n2);
    let val = names.split_off(n1);
    (names, val, test)
}

/// The three splits of the names, as contexts.
pub struct Splits {
    pub train: Contexts,
    pub val: Contexts,
    pub test: Contexts,
    /// How many names went into each.
    pub names: [usize; 3],
}

impl Splits {
    /// `names` split by `rng` (see [`split`]) into contexts.
    pub fn of(names: Vec<String>, rng: &mut StdRng) -> Self {
        let (train, val, test) = split(names, rng);
        Splits {
            names: [train.len(), val.len(), test.len()],
            train: Contexts::of(&train),
            val: Contexts::of(&val),
            test: Contexts::of(&test),
        }
    }
}
