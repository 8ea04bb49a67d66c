//! The file-system view of a sandboxed process: directories replaced by an
//! empty (or a private, writable) tmpfs, with chosen paths inside them bound
//! back. Everything is set up in the child's own mount namespace, so the rest
//! of the machine sees nothing change.
//!
//! Hiding `/root` while keeping libtorch visible, for example, mounts an empty
//! tmpfs on `/root`, creates the directories leading to libtorch in it, and
//! bind-mounts the real libtorch directory there.

use super::SandboxError;
use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

/// Most paths one hidden directory may keep visible.
pub const MAX_KEEPS: usize = 24;

/// Directories that are never hidden (nor any of their ancestors): without
/// them nothing runs.
const SYSTEM: &[&str] = &["/usr", "/lib", "/lib64", "/bin", "/sbin", "/etc", "/proc", "/dev", "/sys"];

/// Size of a private writable tmpfs (`/tmp` of a sandboxed process).
const PRIVATE_TMP_SIZE: &str = "size=64m";

/// One path to hide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hide {
    /// The directory (or file) to hide.
    pub path: PathBuf,
    /// Replace it with an empty, world-writable scratch directory (like a fresh
    /// `/tmp`) rather than an empty read-only-by-others one.
    pub scratch: bool,
}

/// Paths to hide and paths to keep visible inside them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MountPlan {
    hides: Vec<Hide>,
    keeps: Vec<PathBuf>,
}

/// A hidden path as the child mounts it (everything allocated beforehand).
#[derive(Debug)]
pub(crate) struct HideOp {
    pub target: CString,
    /// `None` for a file (hidden by binding `/dev/null` over it).
    pub tmpfs_options: Option<CString>,
    pub keeps: Vec<KeepOp>,
}

/// A path bound back into a hidden directory.
#[derive(Debug)]
pub(crate) struct KeepOp {
    pub path: CString,
    /// Directories to create, outermost first, before binding.
    pub mkdirs: Vec<CString>,
    /// The kept path is a file: its mount point is an empty file.
    pub is_file: bool,
}

impl MountPlan {
    /// An empty plan: nothing hidden.
    pub fn new() -> MountPlan {
        MountPlan::default()
    }

    /// Hides `path` behind an empty directory (or `/dev/null` for a file).
    pub fn hide(mut self, path: impl Into<PathBuf>) -> MountPlan {
        self.hides.push(Hide { path: path.into(), scratch: false });
        self
    }

    /// Replaces the directory `path` with a private, empty, writable one (for `/tmp`).
    pub fn scratch(mut self, path: impl Into<PathBuf>) -> MountPlan {
        self.hides.push(Hide { path: path.into(), scratch: true });
        self
    }

    /// Keeps `path` visible even where a hidden directory contains it.
    pub fn keep(mut self, path: impl Into<PathBuf>) -> MountPlan {
        self.keeps.push(path.into());
        self
    }

    /// Whether nothing is hidden.
    pub fn is_empty(&self) -> bool {
        self.hides.is_empty()
    }

    /// The hidden paths as given.
    pub fn hidden(&self) -> &[Hide] {
        &self.hides
    }

    /// The kept paths as given.
    pub fn kept(&self) -> &[PathBuf] {
        &self.keeps
    }

    /// Resolves the plan against the file system as it is now: paths made
    /// canonical (missing ones dropped), system directories refused, and the
    /// hides ordered outermost first, each with the keeps that lie inside it.
    pub(crate) fn resolve(&self) -> Result<Vec<HideOp>, SandboxError> {
        let keeps: Vec<PathBuf> = dedup(self.keeps.iter().filter_map(|k| k.canonicalize().ok()).collect());
        let mut hides: Vec<(PathBuf, bool)> = Vec::new();
        for h in &self.hides {
            let Ok(path) = h.path.canonicalize() else { continue };
            if is_system(&path) || keeps.iter().any(|k| k == &path) {
                continue;
            }
            match hides.iter_mut().find(|(p, _)| p == &path) {
                Some(existing) => existing.1 &= h.scratch,
                None => hides.push((path, h.scratch)),
            }
        }
        hides.sort_by(|a, b| a.0.components().count().cmp(&b.0.components().count()).then_with(|| a.0.cmp(&b.0)));
        let mut ops = Vec::new();
        for (path, scratch) in hides {
            let inside: Vec<&PathBuf> = keeps.iter().filter(|k| k.starts_with(&path) && *k != &path).collect();
            // A keep inside another keep is visible through the outer one.
            let inside: Vec<&PathBuf> =
                inside.iter().copied().filter(|k| !inside.iter().any(|o| o != k && k.starts_with(o))).collect();
            if inside.len() > MAX_KEEPS {
                return Err(SandboxError::TooManyKeeps(path));
            }
            let is_dir = path.is_dir();
            let mut keep_ops = Vec::new();
            if is_dir {
                for k in inside {
                    keep_ops.push(keep_op(&path, k)?);
                }
            }
            let tmpfs_options = if is_dir {
                let opts = if scratch { format!("mode=1777,{PRIVATE_TMP_SIZE}") } else { "mode=0755,size=1m".to_string() };
                Some(CString::new(opts).map_err(|_| SandboxError::BadPath(path.clone()))?)
            } else {
                None
            };
            ops.push(HideOp { target: cstring(&path)?, tmpfs_options, keeps: keep_ops });
        }
        Ok(ops)
    }
}

fn keep_op(hidden: &Path, keep: &Path) -> Result<KeepOp, SandboxError> {
    let is_file = !keep.is_dir();
    let mut mkdirs = Vec::new();
    let mut dir = hidden.to_path_buf();
    let rest = keep.strip_prefix(hidden).unwrap_or(keep);
    let parts: Vec<_> = rest.components().collect();
    let dirs = if is_file { parts.len().saturating_sub(1) } else { parts.len() };
    for part in &parts[..dirs] {
        dir.push(part);
        mkdirs.push(cstring(&dir)?);
    }
    Ok(KeepOp { path: cstring(keep)?, mkdirs, is_file })
}

fn cstring(path: &Path) -> Result<CString, SandboxError> {
    CString::new(path.as_os_str().as_bytes()).map_err(|_| SandboxError::BadPath(path.to_path_buf()))
}

fn dedup(mut paths: Vec<PathBuf>) -> Vec<PathBuf> {
    paths.sort();
    paths.dedup();
    paths
}

/// Whether hiding `path` would hide a directory every process needs.
fn is_system(path: &Path) -> bool {
    SYSTEM.iter().any(|s| Path::new(s).starts_with(path) || path == Path::new(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hides_are_ordered_outermost_first_with_their_keeps() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path().canonicalize().unwrap();
        for d in ["a/b/keep/deep", "a/b/secret", "c"] {
            std::fs::create_dir_all(root.join(d)).unwrap();
        }
        std::fs::write(root.join("a/file.toml"), "x").unwrap();
        let plan = MountPlan::new()
            .hide(root.join("a/b/secret"))
            .hide(root.join("a"))
            .hide(root.join("missing"))
            .keep(root.join("a/b/keep"))
            .keep(root.join("a/b/keep/deep"))
            .keep(root.join("a/file.toml"));
        let ops = plan.resolve().unwrap();
        let targets: Vec<String> = ops.iter().map(|o| o.target.to_string_lossy().into_owned()).collect();
        assert_eq!(targets, vec![root.join("a").display().to_string(), root.join("a/b/secret").display().to_string()]);
        let keeps: Vec<(String, usize, bool)> =
            ops[0].keeps.iter().map(|k| (k.path.to_string_lossy().into_owned(), k.mkdirs.len(), k.is_file)).collect();
        assert_eq!(
            keeps,
            vec![(root.join("a/b/keep").display().to_string(), 2, false), (root.join("a/file.toml").display().to_string(), 0, true)]
        );
        assert!(ops[1].keeps.is_empty());
    }

    #[test]
    fn system_directories_and_kept_paths_are_never_hidden() {
        let tmp = tempfile::tempdir().unwrap();
        let plan = MountPlan::new().hide("/").hide("/usr").hide(tmp.path()).keep(tmp.path());
        assert!(plan.resolve().unwrap().is_empty());
    }
}
