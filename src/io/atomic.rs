//! Reading a file, and writing one so that a crash never leaves it
//! half-written; failures name the path.

use std::fs::{self, File};
use std::io::Write;
use std::path::Path;

use crate::error::FileError;

/// The whole file.
pub(crate) fn read(path: &Path) -> Result<Vec<u8>, FileError> {
    fs::read(path).map_err(|error| FileError::Io { path: path.to_path_buf(), error })
}

/// Writes `bytes` to `path` atomically: to a temporary file in the same
/// directory (so the rename stays on one file system), flushed to disk, then
/// renamed over `path`. Until the rename, the old file is untouched; after
/// it, the new one is complete.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    write(path, bytes).map_err(|error| FileError::Io { path: path.to_path_buf(), error })
}

fn write(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .ok_or_else(|| std::io::Error::new(std::io::ErrorKind::InvalidInput, "the path has no file name"))?;
    let mut temp_name = std::ffi::OsString::from(".");
    temp_name.push(file_name);
    temp_name.push(format!(".tmp-{}", std::process::id()));
    let temp = dir.join(temp_name);

    let result = (|| {
        let mut file = File::create(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        fs::rename(&temp, path)?;
        // Make the rename itself durable where the platform allows it.
        if let Ok(d) = File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result
}
