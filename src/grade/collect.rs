//! Which submissions a batch grades: folders and archives, named by their
//! file name, sorted by name, names unique.

use super::{GradeArgs, GradeError};
use crate::archive::{self, ArchiveKind};
use std::path::{Path, PathBuf};

/// A submission to grade: its name and where it is.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Student id: the folder's name, or the archive's file name without its extension.
    pub name: String,
    /// The folder or archive.
    pub path: PathBuf,
    /// The archive format, `None` for a folder.
    pub archive: Option<ArchiveKind>,
}

/// The submissions the arguments name (all of them, whatever `--shard` says),
/// sorted by name; names must be unique.
pub fn collect(args: &GradeArgs) -> Result<Vec<Entry>, GradeError> {
    let mut entries = Vec::new();
    for p in &args.submissions {
        entries.push(entry(p));
    }
    if let Some(dir) = &args.submissions_dir {
        let read = std::fs::read_dir(dir)
            .map_err(|e| GradeError::Submissions(format!("cannot read the submissions folder {}: {e}", dir.display())))?;
        for e in read.flatten() {
            let path = e.path();
            let hidden = e.file_name().to_string_lossy().starts_with('.');
            if path.is_dir() || (!hidden && archive::recognise(&path).is_some()) {
                entries.push(entry(&path));
            } else if !hidden {
                eprintln!(
                    "warning: {} is neither a folder nor a .zip/.tar.gz/.tgz archive; skipped",
                    path.display()
                );
            }
        }
    }
    if entries.is_empty() {
        return Err(GradeError::Submissions(
            "no submissions: give submission folders or archives, or --submissions DIR holding one per student".into(),
        ));
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    for pair in entries.windows(2) {
        if pair[0].name == pair[1].name {
            return Err(GradeError::Submissions(format!(
                "two submissions are named `{}` ({} and {}): names must be unique",
                pair[0].name,
                pair[0].path.display(),
                pair[1].path.display()
            )));
        }
    }
    Ok(entries)
}

fn entry(path: &Path) -> Entry {
    if !path.is_dir() {
        if let Some((kind, name)) = archive::recognise(path) {
            return Entry { name, path: path.to_path_buf(), archive: Some(kind) };
        }
    }
    // The name as given (a symlink keeps its own name); `.` and the like by their real name.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| path.canonicalize().ok().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())))
        .unwrap_or_else(|| "submission".into());
    Entry { name, path: path.to_path_buf(), archive: None }
}
