//! A scratch directory for one call, under the runner's temporary directory
//! (a private tmpfs in the sandbox), removed when the call ends.

use gradwork::submission::DispatchError;
use gradwork::value::ValueError;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A fresh directory, deleted on drop.
#[derive(Debug)]
pub struct Scratch {
    dir: PathBuf,
}

/// A scratch-file failure is the runner's, not the student's; `DispatchError`
/// has no variant for it, so it travels as an unreadable output (reported as
/// an error of the check, not a wrong answer).
fn io_error(what: &str, e: std::io::Error) -> DispatchError {
    DispatchError::Output(ValueError::Torch(format!("the runner could not {what}: {e}")))
}

impl Scratch {
    /// Creates `gradwork-a06-<pid>-<n>` in the temporary directory.
    pub fn new() -> Result<Scratch, DispatchError> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("gradwork-a06-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("make a scratch directory", e))?;
        Ok(Scratch { dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` to the file `name` in the directory; returns its path.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, DispatchError> {
        let path = self.dir.join(name);
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
