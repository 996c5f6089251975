//! `--report FILE.html` of `load` and `overhead`: the path is looked at before the run starts
//! (a missing directory is refused before a minute of load, not after), and the document is
//! written once the run is over, secrets redacted like everything else the tool shows.

use super::CommandError;
use crate::report::mask::Redactor;
use std::path::{Path, PathBuf};

const FLAG: &str = "--report";

fn unwritable(path: &Path, reason: impl Into<String>) -> CommandError {
    CommandError::UnwritableFile {
        flag: FLAG,
        path: path.to_path_buf(),
        reason: reason.into(),
    }
}

/// Refuses a path that cannot become a file: a directory, or one in a directory that does
/// not exist.
pub fn check(path: Option<PathBuf>) -> Result<Option<PathBuf>, CommandError> {
    let Some(path) = path else { return Ok(None) };
    if path.is_dir() {
        return Err(unwritable(&path, "it is a directory"));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(unwritable(
            &path,
            format!("the directory '{}' does not exist", parent.display()),
        ));
    }
    Ok(Some(path))
}

/// Writes the document, with every secret `redactor` knows masked.
pub fn write(path: &Path, document: &[u8], redactor: &Redactor) -> Result<(), CommandError> {
    let text = redactor.redact(&String::from_utf8_lossy(document));
    std::fs::write(path, text).map_err(|error| unwritable(path, error.to_string()))
}
