//! Locating the peer programs: `rotel-agent` and `nginx`.
//!
//! A missing program is a test failure naming the install step, never a skip.
//! Overrides: `OTLP_DOCTOR_ROTEL_AGENT`, `OTLP_DOCTOR_NGINX` (absolute paths).

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

use super::INSTALL_HINT;

/// Path of `rotel-agent` (PyPI package `rotel`), cached.
pub fn rotel_agent() -> PathBuf {
    static PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PATH.get_or_init(find_rotel_agent)
        .clone()
        .unwrap_or_else(|searched| {
            panic!("rotel-agent not found: {INSTALL_HINT} (searched: {searched})")
        })
}

/// Path of `nginx` (Debian package `nginx`), cached.
pub fn nginx() -> PathBuf {
    static PATH: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    PATH.get_or_init(find_nginx)
        .clone()
        .unwrap_or_else(|searched| panic!("nginx not found: {INSTALL_HINT} (searched: {searched})"))
}

/// nginx's version as (major, minor, patch), from `nginx -v`, cached.
pub fn nginx_version() -> (u32, u32, u32) {
    static VERSION: OnceLock<(u32, u32, u32)> = OnceLock::new();
    *VERSION.get_or_init(|| {
        let bin = nginx();
        let out = Command::new(&bin)
            .arg("-v")
            .output()
            .unwrap_or_else(|e| panic!("cannot run `{} -v`: {e}; {INSTALL_HINT}", bin.display()));
        // nginx prints "nginx version: nginx/1.22.1" on stderr.
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        parse_nginx_version(&text)
            .unwrap_or_else(|| panic!("cannot parse nginx version from {text:?}"))
    })
}

fn parse_nginx_version(text: &str) -> Option<(u32, u32, u32)> {
    let after = text.split("nginx/").nth(1)?;
    let ver: String = after
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == '.')
        .collect();
    let mut parts = ver.split('.').map(|p| p.parse::<u32>());
    let major = parts.next()?.ok()?;
    let minor = parts.next()?.ok()?;
    let patch = parts.next().and_then(|p| p.ok()).unwrap_or(0);
    Some((major, minor, patch))
}

fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    path.metadata()
        .map(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        .unwrap_or(false)
}

fn path_dirs() -> Vec<PathBuf> {
    env::var_os("PATH")
        .map(|p| env::split_paths(&p).collect())
        .unwrap_or_default()
}

/// Runs a python one-liner and returns its trimmed stdout (python3, then python).
fn python_print(code: &str) -> Option<String> {
    for python in ["python3", "python"] {
        if let Ok(out) = Command::new(python).arg("-c").arg(code).output()
            && out.status.success()
        {
            let s = String::from_utf8_lossy(&out.stdout).trim().to_string();
            if !s.is_empty() {
                return Some(s);
            }
        }
    }
    None
}

fn search(name: &str, override_var: &str, mut dirs: Vec<PathBuf>) -> Result<PathBuf, String> {
    if let Some(p) = env::var_os(override_var) {
        let p = PathBuf::from(p);
        return if is_executable(&p) {
            Ok(p)
        } else {
            Err(format!(
                "{override_var}={} is not an executable file",
                p.display()
            ))
        };
    }
    let mut seen = Vec::new();
    for dir in dirs.drain(..) {
        if seen.contains(&dir) {
            continue;
        }
        let candidate = dir.join(name);
        if is_executable(&candidate) {
            return Ok(candidate);
        }
        seen.push(dir);
    }
    Err(seen
        .iter()
        .map(|d| d.display().to_string())
        .collect::<Vec<_>>()
        .join(", "))
}

fn find_rotel_agent() -> Result<PathBuf, String> {
    let mut dirs = path_dirs();
    // pip puts console scripts here ...
    if let Some(d) = python_print("import sysconfig; print(sysconfig.get_path('scripts'))") {
        dirs.push(PathBuf::from(d));
    }
    if let Some(base) = python_print("import site; print(site.getuserbase())") {
        dirs.push(PathBuf::from(base).join("bin"));
    }
    if let Some(home) = env::var_os("HOME") {
        dirs.push(PathBuf::from(home).join(".local/bin"));
    }
    // ... but the `rotel` wheel ships the binary inside its package directory.
    if let Some(d) = python_print("import os, rotel; print(os.path.dirname(rotel.__file__))") {
        dirs.push(PathBuf::from(d));
    }
    dirs.extend(["/usr/local/bin", "/usr/bin"].map(PathBuf::from));
    search("rotel-agent", "OTLP_DOCTOR_ROTEL_AGENT", dirs)
}

fn find_nginx() -> Result<PathBuf, String> {
    let mut dirs = path_dirs();
    dirs.extend(
        [
            "/usr/sbin",
            "/usr/local/sbin",
            "/usr/local/nginx/sbin",
            "/usr/bin",
        ]
        .map(PathBuf::from),
    );
    search("nginx", "OTLP_DOCTOR_NGINX", dirs)
}

#[cfg(test)]
mod tests {
    #[test]
    fn parses_nginx_version() {
        assert_eq!(
            super::parse_nginx_version("nginx version: nginx/1.22.1\n"),
            Some((1, 22, 1))
        );
        assert_eq!(
            super::parse_nginx_version("nginx version: nginx/1.25.5 (Ubuntu)"),
            Some((1, 25, 5))
        );
    }
}
