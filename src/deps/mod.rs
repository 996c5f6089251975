//! `deps`: why a Rust application's OpenTelemetry data may never leave it, read from its
//! Cargo.toml and Cargo.lock alone (offline; cargo is never run and nothing is resolved).
//!
//! The flow: [`workspace`] finds the manifest, the workspace root and its lock file;
//! [`manifest`] and [`lockfile`] parse them; [`graph`] turns the lock into who-depends-on-whom
//! with reverse paths; [`rules`] run over that graph (with the [`matrix`] of which crate
//! release pairs with which opentelemetry release) and produce findings; [`inventory`] lists
//! what was found. The command in `commands/deps.rs` wraps the result in a report.

pub mod error;
pub mod family;
pub mod graph;
pub mod inventory;
pub mod lockfile;
pub mod manifest;
pub mod matrix;
pub mod rules;
pub mod version;
pub mod workspace;

pub use error::DepsError;

use error::FileRole;
use graph::Graph;
use lockfile::Lockfile;
use manifest::Manifest;
use matrix::Matrix;
use rules::{Context, Outcome};
use std::path::{Path, PathBuf};

/// A project read from disk: its package manifests and its parsed lock file.
#[derive(Debug)]
pub struct Project {
    /// The manifest the diagnosis was asked about.
    pub manifest_path: PathBuf,
    pub lock_path: PathBuf,
    /// Package manifests found (the given one and the workspace members).
    pub manifests: Vec<Manifest>,
    pub lock: Lockfile,
}

/// The result of all rules, and the sections describing what was read.
#[derive(Debug)]
pub struct Diagnosis {
    pub outcomes: Vec<Outcome>,
    pub sections: Vec<crate::report::Section>,
}

impl Project {
    /// Locates and reads a project: `manifest_path` as given with `--manifest-path` (a file or
    /// a directory), else the nearest Cargo.toml from `cwd` up.
    pub fn load(manifest_path: Option<&Path>, cwd: &Path) -> Result<Project, DepsError> {
        let files = workspace::locate(manifest_path, cwd)?;
        let lock = Lockfile::parse(&files.lock_text)
            .map_err(|reason| DepsError::malformed(FileRole::Lock, &files.lock_path, reason))?;
        Ok(Project {
            manifest_path: files.manifest.path.clone(),
            lock_path: files.lock_path,
            manifests: files.packages,
            lock,
        })
    }

    /// A project from the text of one manifest and one lock file, as if both were in
    /// `/project` (for tests and for callers that hold the files already).
    pub fn from_texts(manifest: &str, lock: &str) -> Result<Project, String> {
        let manifest_path = PathBuf::from("/project/Cargo.toml");
        let manifest = Manifest::parse(manifest, &manifest_path)?;
        Ok(Project {
            manifest_path,
            lock_path: PathBuf::from("/project/Cargo.lock"),
            manifests: vec![manifest],
            lock: Lockfile::parse(lock)?,
        })
    }

    /// What the rules read.
    pub fn context(&self) -> Context<'_> {
        Context {
            graph: Graph::new(&self.lock),
            manifests: &self.manifests,
            root_dir: self.lock_path.parent().unwrap_or(Path::new("")),
            matrix: Matrix::get(),
        }
    }

    /// Runs every rule and describes what was read.
    pub fn diagnose(&self) -> Diagnosis {
        let cx = self.context();
        Diagnosis {
            outcomes: rules::run_all(&cx),
            sections: vec![
                inventory::project_section(&cx, &self.manifest_path, &self.lock_path),
                inventory::crates_section(&cx),
            ],
        }
    }
}
