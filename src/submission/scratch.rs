//! Files for one call: runners of readers and writers (an IDX file, a Zarr
//! store) put the grader's bytes into a fresh directory under the runner's
//! temporary directory (a private tmpfs in the sandbox), call the student's
//! function on its paths, and read back what it wrote.
//!
//! ```
//! use gradwork::submission::Scratch;
//! let scratch = Scratch::new("doc")?;
//! let path = scratch.write("store/zarr.json", b"{}")?;
//! assert!(path.ends_with("store/zarr.json"));
//! assert_eq!(scratch.files_under("store"), vec![("zarr.json".to_string(), b"{}".to_vec())]);
//! assert!(scratch.write("../escape", b"").is_err());
//! # Ok::<(), gradwork::submission::DispatchError>(())
//! ```

use super::DispatchError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A fresh directory, deleted on drop.
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
}

/// A scratch-file failure is the runner's, not the student's: reported as an
/// error of the check, not as a wrong answer.
fn io_error(what: &str, e: std::io::Error) -> DispatchError {
    DispatchError::Runner(format!("{what}: {e}"))
}

impl Scratch {
    /// Creates `gradwork-<tag>-<pid>-<n>` in the temporary directory.
    pub fn new(tag: &str) -> Result<Scratch, DispatchError> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("gradwork-{tag}-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("make a scratch directory", e))?;
        Ok(Scratch { dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` to `name` (a relative path with `/` separators, its
    /// folders created) and returns its path; a name that would leave the
    /// directory is refused.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, DispatchError> {
        if name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            return Err(DispatchError::BadArgument { index: 0, expected: "a relative file path inside the scratch directory", got: "another path" });
        }
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error("make a scratch directory", e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| io_error("write a scratch file", e))?;
        Ok(path)
    }

    /// The bytes of the file `name`, if it exists.
    pub fn read(&self, name: &str) -> Option<Vec<u8>> {
        std::fs::read(self.dir.join(name)).ok()
    }

    /// Every file below the subdirectory `sub`, as (path relative to `sub`, bytes), sorted by path.
    pub fn files_under(&self, sub: &str) -> Vec<(String, Vec<u8>)> {
        let root = self.dir.join(sub);
        let mut found = Vec::new();
        let mut pending = vec![root.clone()];
        while let Some(dir) = pending.pop() {
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            for entry in entries.flatten() {
                let path = entry.path();
                if path.is_dir() {
                    pending.push(path);
                } else if let Ok(bytes) = std::fs::read(&path) {
                    let name = path.strip_prefix(&root).unwrap_or(&path).to_string_lossy().into_owned();
                    found.push((name, bytes));
                }
            }
        }
        found.sort();
        found
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
