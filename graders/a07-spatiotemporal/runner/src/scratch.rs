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
    /// Creates `gradwork-a07-<pid>-<n>` in the temporary directory.
    pub fn new() -> Result<Scratch, DispatchError> {
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("gradwork-a07-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("make a scratch directory", e))?;
        Ok(Scratch { dir })
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Writes `bytes` to `name` (a relative path with `/` separators, its
    /// folders created), refusing names that would leave the directory.
    pub fn write(&self, name: &str, bytes: &[u8]) -> Result<PathBuf, DispatchError> {
        if name.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
            return Err(DispatchError::BadArgument { index: 0, expected: "a relative file path inside the store", got: "another path" });
        }
        let path = self.dir.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io_error("make a scratch directory", e))?;
        }
        std::fs::write(&path, bytes).map_err(|e| io_error("write a scratch file", e))?;
        Ok(path)
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
