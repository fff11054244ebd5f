//! Build script: embeds the build time (a lower bound for the wall clock, see
//! src/clock.rs) and the git commit for `yiping --version`; it never fails the build.
//!
//! A board without a real-time clock boots in 1970; any time before the binary
//! was built is certainly wrong. Honours SOURCE_DATE_EPOCH for reproducible
//! builds. The commit comes from $YIPING_GIT_COMMIT (packagers building from a
//! tarball), else `git rev-parse` when the source is a git checkout, else "unknown".

use std::process::Command;
use std::time::{SystemTime, UNIX_EPOCH};

fn git(args: &[&str]) -> Option<String> {
    let out = Command::new("git").args(args).output().ok()?;
    if !out.status.success() {
        return None;
    }
    let s = String::from_utf8(out.stdout).ok()?.trim().to_string();
    (!s.is_empty()).then_some(s)
}

fn main() {
    let secs = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .unwrap_or_else(|| SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64));
    println!("cargo:rustc-env=YIPING_BUILD_EPOCH={secs}");
    println!("cargo:rerun-if-env-changed=SOURCE_DATE_EPOCH");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=YIPING_GIT_COMMIT");
    let from_env = std::env::var("YIPING_GIT_COMMIT").ok().filter(|s| !s.trim().is_empty());
    let commit = from_env.or_else(|| {
        // Only trust git when this crate's own directory is the work tree's top,
        // so an unrelated repository above an unpacked tarball is not reported.
        let manifest = std::env::var("CARGO_MANIFEST_DIR").ok()?;
        let top = git(&["-C", &manifest, "rev-parse", "--show-toplevel"])?;
        if std::fs::canonicalize(&top).ok()? != std::fs::canonicalize(&manifest).ok()? {
            return None;
        }
        // Rebuild when HEAD moves (a new commit, a checkout).
        for p in ["HEAD", "logs/HEAD"] {
            if let Some(path) = git(&["-C", &manifest, "rev-parse", "--path-format=absolute", "--git-path", p]) {
                println!("cargo:rerun-if-changed={path}");
            }
        }
        // No "dirty" marker: this script reruns only when HEAD moves, so it could not keep one true.
        git(&["-C", &manifest, "rev-parse", "--short=12", "HEAD"])
    });
    println!("cargo:rustc-env=YIPING_GIT_COMMIT={}", commit.unwrap_or_else(|| "unknown".to_string()));
}
