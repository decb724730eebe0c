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
///
/// A symlink is followed: the file it points to is replaced and the link
/// stays (renaming over the link would turn it into a regular file and
/// leave its target stale). A read-only file is not replaced: the rename
/// would succeed, since it needs only the directory's permission, but the
/// file's own says not to write it.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), FileError> {
    let io_error = |error| FileError::Io { path: path.to_path_buf(), error };
    let target = follow_symlink(path).map_err(io_error)?;
    if fs::metadata(&target).is_ok_and(|m| m.permissions().readonly()) {
        let why = "the file is read-only; tapegrad does not replace read-only files";
        return Err(io_error(std::io::Error::new(std::io::ErrorKind::PermissionDenied, why)));
    }
    write(&target, bytes).map_err(io_error)
}

/// The file a path names: the path itself, or where its symlinks lead
/// (also when the last link dangles: the file is then created there).
fn follow_symlink(path: &Path) -> std::io::Result<std::path::PathBuf> {
    let mut current = path.to_path_buf();
    for _ in 0..40 {
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                let link = fs::read_link(&current)?;
                current = match current.parent() {
                    Some(dir) => dir.join(link),
                    None => link,
                };
            }
            _ => return Ok(current),
        }
    }
    Err(std::io::Error::other("too many levels of symbolic links"))
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
