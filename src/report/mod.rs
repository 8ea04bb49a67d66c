//! One writer per output format, all from the same [`crate::result`] model.

pub mod classroom;
pub mod csv;
pub mod feedback;
pub mod github;
pub mod gradescope;
pub mod junit;
pub mod output;
pub mod policy;
pub mod summary;
pub mod summary_md;
pub mod terminal;

use std::path::Path;

/// Writes `bytes` to `path` atomically (temporary file + rename), so an
/// interrupted run never leaves a half-written report.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir)?;
    let mut tmp = tempfile::NamedTempFile::new_in(dir)?;
    std::io::Write::write_all(&mut tmp, bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
