//! Why `deps` could not read a project: a missing or malformed Cargo.toml or Cargo.lock. Each
//! error names the file and what to do; the command turns it into exit status 2.

use std::path::{Path, PathBuf};

/// Which file an error is about, as the message names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileRole {
    /// The Cargo.toml given with `--manifest-path` (or found from the current directory).
    Manifest,
    /// The Cargo.toml of the workspace the manifest belongs to.
    WorkspaceManifest,
    /// The Cargo.lock of the project or workspace.
    Lock,
}

impl FileRole {
    pub fn as_str(self) -> &'static str {
        match self {
            FileRole::Manifest => "--manifest-path",
            FileRole::WorkspaceManifest => "workspace manifest",
            FileRole::Lock => "Cargo.lock",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DepsError {
    #[error("no Cargo.toml in {} or any parent directory; pass --manifest-path PATH/Cargo.toml", dir.display())]
    NoManifest { dir: PathBuf },
    #[error("cannot read {} '{}': {reason}", role.as_str(), path.display())]
    Unreadable {
        role: FileRole,
        path: PathBuf,
        reason: String,
    },
    #[error(
        "no Cargo.lock at '{}'; run `cargo generate-lockfile` in {} to create it (deps reads the lock file, it never resolves dependencies itself)",
        path.display(),
        dir.display()
    )]
    MissingLock { path: PathBuf, dir: PathBuf },
    #[error("cannot parse {} '{}': {reason}", role.as_str(), path.display())]
    Malformed {
        role: FileRole,
        path: PathBuf,
        reason: String,
    },
}

impl DepsError {
    /// The file the error is about.
    pub fn path(&self) -> &Path {
        match self {
            DepsError::NoManifest { dir } => dir,
            DepsError::Unreadable { path, .. }
            | DepsError::MissingLock { path, .. }
            | DepsError::Malformed { path, .. } => path,
        }
    }

    pub(crate) fn unreadable(role: FileRole, path: &Path, error: &std::io::Error) -> DepsError {
        let reason = match error.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => error.to_string(),
        };
        DepsError::Unreadable {
            role,
            path: path.to_path_buf(),
            reason,
        }
    }

    pub(crate) fn malformed(role: FileRole, path: &Path, reason: impl ToString) -> DepsError {
        DepsError::Malformed {
            role,
            path: path.to_path_buf(),
            reason: reason.to_string().trim_end().to_string(),
        }
    }
}
