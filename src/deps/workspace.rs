//! Finding the files to read, as Cargo would, without running it: the manifest (given, or the
//! nearest Cargo.toml from the current directory up), the workspace root it belongs to, that
//! root's Cargo.lock, and the member manifests (for quoting how a dependency is declared).
//!
//! The workspace root is the manifest itself when it has a `[workspace]` table, the path in
//! `package.workspace` when set, else the nearest parent Cargo.toml with a `[workspace]` table
//! that has the package as a member (listed in `members`, or a path dependency of the root
//! package) and does not `exclude` it. Cargo refuses to build a package inside a workspace
//! that does not list it; this tool reads such a package as a project of its own instead, with
//! the lock next to it. Member globs support `*` and `?` within a path component (`crates/*`),
//! which is what workspaces use in practice.

use super::error::{DepsError, FileRole};
use super::manifest::Manifest;
use std::path::{Path, PathBuf};

/// The files of one project, read and parsed.
#[derive(Debug)]
pub struct ProjectFiles {
    /// The manifest the user pointed at.
    pub manifest: Manifest,
    /// The workspace root manifest, when it is another file than [`ProjectFiles::manifest`].
    pub root: Option<Manifest>,
    /// Every package manifest found (the given one, the root's package, the members), with
    /// `workspace = true` dependencies resolved.
    pub packages: Vec<Manifest>,
    pub lock_path: PathBuf,
    pub lock_text: String,
}

/// Locates and reads the manifest, workspace root and lock file.
pub fn locate(manifest_path: Option<&Path>, cwd: &Path) -> Result<ProjectFiles, DepsError> {
    let manifest_path = match manifest_path {
        Some(path) => {
            let path = cwd.join(path);
            if path.is_dir() {
                path.join("Cargo.toml")
            } else {
                path
            }
        }
        None => nearest_manifest(cwd)?,
    };
    let manifest_path = std::fs::canonicalize(&manifest_path)
        .map_err(|e| DepsError::unreadable(FileRole::Manifest, &manifest_path, &e))?;
    let manifest = Manifest::read(&manifest_path, FileRole::Manifest)?;
    let root = workspace_root(&manifest)?;
    let lock_dir = root.as_ref().unwrap_or(&manifest).dir().to_path_buf();
    let lock_path = lock_dir.join("Cargo.lock");
    let lock_text = std::fs::read_to_string(&lock_path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => DepsError::MissingLock {
            path: lock_path.clone(),
            dir: lock_dir.clone(),
        },
        _ => DepsError::unreadable(FileRole::Lock, &lock_path, &e),
    })?;
    let packages = package_manifests(&manifest, root.as_ref());
    Ok(ProjectFiles {
        manifest,
        root,
        packages,
        lock_path,
        lock_text,
    })
}

fn nearest_manifest(cwd: &Path) -> Result<PathBuf, DepsError> {
    cwd.ancestors()
        .map(|dir| dir.join("Cargo.toml"))
        .find(|path| path.is_file())
        .ok_or_else(|| DepsError::NoManifest {
            dir: cwd.to_path_buf(),
        })
}

/// The root manifest of the workspace `manifest` belongs to, if that is another file.
fn workspace_root(manifest: &Manifest) -> Result<Option<Manifest>, DepsError> {
    if manifest.workspace.is_some() {
        return Ok(None);
    }
    if let Some(dir) = &manifest.workspace_path {
        let path = manifest.dir().join(dir).join("Cargo.toml");
        return Manifest::read(&path, FileRole::WorkspaceManifest).map(Some);
    }
    for dir in manifest.dir().ancestors().skip(1) {
        let path = dir.join("Cargo.toml");
        if !path.is_file() {
            continue;
        }
        let candidate = Manifest::read(&path, FileRole::WorkspaceManifest)?;
        if candidate.workspace.is_none() {
            continue;
        }
        return Ok(is_member(manifest.dir(), &candidate).then_some(candidate));
    }
    Ok(None)
}

/// Whether the package in `dir` belongs to the workspace of `root`.
fn is_member(dir: &Path, root: &Manifest) -> bool {
    let Some(workspace) = &root.workspace else {
        return false;
    };
    let same = |candidate: &Path| std::fs::canonicalize(candidate).is_ok_and(|c| c == dir);
    let relative = dir.strip_prefix(root.dir()).unwrap_or(dir);
    if workspace
        .exclude
        .iter()
        .any(|e| relative.starts_with(Path::new(e)))
    {
        return false;
    }
    let listed = workspace
        .members
        .iter()
        .flat_map(|pattern| expand(root.dir(), pattern))
        .any(|member| same(&member));
    let path_dependency = root
        .dependencies
        .values()
        .filter_map(|spec| spec.path.as_deref())
        .any(|path| same(&root.dir().join(path)));
    listed || path_dependency
}

/// Every package manifest of the project, for quoting declarations. Unreadable members are
/// skipped: they only add evidence, and Cargo.lock is the authority on what is built.
fn package_manifests(manifest: &Manifest, root: Option<&Manifest>) -> Vec<Manifest> {
    let root_manifest = root.unwrap_or(manifest);
    let mut found: Vec<Manifest> = Vec::new();
    let mut push = |mut m: Manifest| {
        if m.package.is_none() || found.iter().any(|f| f.path == m.path) {
            return;
        }
        if let Some(workspace) = &root_manifest.workspace {
            m.resolve_workspace_deps(workspace);
        }
        found.push(m);
    };
    push(manifest.clone());
    if let Some(root) = root {
        push(root.clone());
    }
    if let Some(workspace) = &root_manifest.workspace {
        for pattern in &workspace.members {
            for dir in expand(root_manifest.dir(), pattern) {
                let path = dir.join("Cargo.toml");
                if let Ok(member) = Manifest::read(&path, FileRole::WorkspaceManifest) {
                    push(member);
                }
            }
        }
    }
    found
}

/// Expands a member pattern into existing directories under `base`.
fn expand(base: &Path, pattern: &str) -> Vec<PathBuf> {
    let mut dirs = vec![base.to_path_buf()];
    for component in Path::new(pattern).components() {
        let part = component.as_os_str().to_string_lossy();
        let mut next = Vec::new();
        for dir in &dirs {
            if part.contains(['*', '?']) {
                let Ok(entries) = std::fs::read_dir(dir) else {
                    continue;
                };
                let mut matched: Vec<PathBuf> = entries
                    .filter_map(Result::ok)
                    .filter(|e| e.path().is_dir())
                    .filter(|e| wildcard(&part, &e.file_name().to_string_lossy()))
                    .map(|e| e.path())
                    .collect();
                matched.sort();
                next.extend(matched);
            } else {
                next.push(dir.join(part.as_ref()));
            }
        }
        dirs = next;
    }
    dirs.into_iter().filter(|d| d.is_dir()).collect()
}

/// `*` matches any run of characters, `?` any one character.
fn wildcard(pattern: &str, name: &str) -> bool {
    let pattern: Vec<char> = pattern.chars().collect();
    let name: Vec<char> = name.chars().collect();
    // matches[j]: pattern[..i] matches name[..j], row by row.
    let mut matches = vec![false; name.len() + 1];
    matches[0] = true;
    for &p in &pattern {
        let mut next = vec![false; name.len() + 1];
        if p == '*' {
            let mut any = false;
            for j in 0..=name.len() {
                any |= matches[j];
                next[j] = any;
            }
        } else {
            for j in 1..=name.len() {
                next[j] = matches[j - 1] && (p == '?' || p == name[j - 1]);
            }
        }
        matches = next;
    }
    matches[name.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcards() {
        assert!(wildcard("*", "api"));
        assert!(wildcard("svc-*", "svc-web"));
        assert!(!wildcard("svc-*", "web"));
        assert!(wildcard("a?c", "abc"));
        assert!(!wildcard("a?c", "ac"));
        assert!(wildcard("api", "api"));
    }

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    }

    #[test]
    fn a_member_uses_the_workspace_lock() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = [\"crates/*\"]\n[workspace.dependencies]\ntokio = \"1\"\n",
        );
        write(&root.join("Cargo.lock"), "version = 4\n");
        write(
            &root.join("crates/api/Cargo.toml"),
            "[package]\nname = \"api\"\n[dependencies]\ntokio = { workspace = true }\n",
        );
        write(
            &root.join("crates/web/Cargo.toml"),
            "[package]\nname = \"web\"\n",
        );
        let files = locate(Some(Path::new("crates/api")), root).expect("located");
        assert_eq!(files.manifest.package.as_deref(), Some("api"));
        assert!(files.root.is_some());
        assert!(files.lock_path.ends_with("Cargo.lock"));
        assert_eq!(
            files.lock_path.parent(),
            files.root.as_ref().map(|r| r.dir())
        );
        let names: Vec<_> = files
            .packages
            .iter()
            .filter_map(|m| m.package.clone())
            .collect();
        assert_eq!(names, ["api", "web"]);
        assert_eq!(
            files.packages[0].dependencies["tokio"].version.as_deref(),
            Some("1")
        );
    }

    #[test]
    fn missing_lock_names_the_fix() {
        let dir = tempfile::tempdir().expect("tempdir");
        write(
            &dir.path().join("Cargo.toml"),
            "[package]\nname = \"a\"\nversion = \"0.1.0\"\n",
        );
        let error = locate(None, dir.path()).unwrap_err();
        assert!(matches!(error, DepsError::MissingLock { .. }));
        assert!(
            error.to_string().contains("cargo generate-lockfile"),
            "{error}"
        );
    }

    #[test]
    fn excluded_package_stands_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            &root.join("Cargo.toml"),
            "[workspace]\nmembers = []\nexclude = [\"tools\"]\n",
        );
        write(&root.join("Cargo.lock"), "version = 4\n");
        write(
            &root.join("tools/gen/Cargo.toml"),
            "[package]\nname = \"gen\"\n",
        );
        write(&root.join("tools/gen/Cargo.lock"), "version = 4\n");
        let files = locate(Some(Path::new("tools/gen/Cargo.toml")), root).expect("located");
        assert!(files.root.is_none());
        assert!(files.lock_path.ends_with("tools/gen/Cargo.lock"));
    }

    #[test]
    fn a_package_the_workspace_does_not_list_stands_alone() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path();
        write(
            &root.join("Cargo.toml"),
            "[package]\nname = \"tool\"\n[workspace]\n[dependencies]\nhelper = { path = \"helper\" }\n",
        );
        write(&root.join("Cargo.lock"), "version = 4\n");
        write(
            &root.join("helper/Cargo.toml"),
            "[package]\nname = \"helper\"\n",
        );
        write(
            &root.join("fixtures/app/Cargo.toml"),
            "[package]\nname = \"app\"\n",
        );
        write(&root.join("fixtures/app/Cargo.lock"), "version = 4\n");
        let app = locate(Some(Path::new("fixtures/app")), root).expect("located");
        assert!(app.root.is_none(), "not listed: its own project");
        assert!(app.lock_path.ends_with("fixtures/app/Cargo.lock"));
        let helper = locate(Some(Path::new("helper")), root).expect("located");
        assert!(
            helper.root.is_some(),
            "a path dependency of the root is a member"
        );
    }
}
