//! Sample submissions: planted bugs described as edits of the reference
//! (`graders/<id>/samples.toml`), so they never drift from it unnoticed. The
//! demo grades them; the harness's tests assert each one's exact score.
//!
//! ```toml
//! [[sample]]
//! name = "tridiagonal-off-by-one"
//! about = "puts the -2 band one place too far from the diagonal"
//! expect_failed = ["tridiagonal", "tridiagonal-large"]
//! [[sample.edit]]
//! file = "src/lib.rs"
//! find = "diagonal=1"
//! replace = "diagonal=2"
//! ```

use crate::course::Course;
use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Problems with a samples file or with making a sample.
#[derive(Debug, thiserror::Error)]
pub enum SampleError {
    /// Reading or writing failed.
    #[error("{path}: {source}")]
    Io {
        /// the path
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
    /// The samples file is invalid.
    #[error("{path}: {message}")]
    Invalid {
        /// the samples file
        path: PathBuf,
        /// what is wrong
        message: String,
    },
}

/// One edit: replace the only occurrence of `find` in `file` by `replace`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Edit {
    /// File relative to the crate.
    pub file: String,
    /// Text that must occur exactly once.
    pub find: String,
    /// Its replacement.
    pub replace: String,
}

/// Which crate a sample starts from.
#[derive(Debug, Clone, Copy, Deserialize, Default, PartialEq)]
#[serde(rename_all = "snake_case")]
pub enum Base {
    /// The reference solution.
    #[default]
    Reference,
    /// The stub.
    Stub,
}

/// A planted-bug submission.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sample {
    /// Directory name of the made submission.
    pub name: String,
    /// What is wrong with it, in words.
    pub about: String,
    /// What it starts from.
    #[serde(default)]
    pub base: Base,
    /// Checks that must not pass (all others must, for a reference base).
    #[serde(default)]
    pub expect_failed: Vec<String>,
    /// When set, every check must end with this status (e.g. `error` for a compile error).
    pub expect_status: Option<crate::result::Status>,
    /// The edits.
    #[serde(default, rename = "edit")]
    pub edits: Vec<Edit>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct SamplesFile {
    #[serde(default, rename = "sample")]
    samples: Vec<Sample>,
}

/// The samples of an assignment (none when it has no samples.toml).
pub fn load(course: &Course, id: &str) -> Result<Vec<Sample>, SampleError> {
    let path = course.grader_dir(id).join("samples.toml");
    if !path.exists() {
        return Ok(Vec::new());
    }
    load_file(&path)
}

/// The samples listed in the samples file at `path`.
pub fn load_file(path: &Path) -> Result<Vec<Sample>, SampleError> {
    let text = std::fs::read_to_string(path).map_err(|source| SampleError::Io { path: path.to_path_buf(), source })?;
    let file: SamplesFile =
        toml::from_str(&text).map_err(|e| SampleError::Invalid { path: path.to_path_buf(), message: e.to_string() })?;
    Ok(file.samples)
}

/// Writes the sample as a submission directory `dest` (its `src/` only).
pub fn materialize(course: &Course, id: &str, sample: &Sample, dest: &Path) -> Result<(), SampleError> {
    let base = match sample.base {
        Base::Reference => course.reference_dir(id),
        Base::Stub => course.stub_dir(id),
    };
    copy_src(&base, dest)?;
    apply_edits(sample, dest, &course.grader_dir(id).join("samples.toml"))
}

/// Applies the sample's edits to the crate at `dest`; errors name
/// `samples_file`, where the edits come from.
pub fn apply_edits(sample: &Sample, dest: &Path, samples_file: &Path) -> Result<(), SampleError> {
    for edit in &sample.edits {
        let path = dest.join(&edit.file);
        let text = std::fs::read_to_string(&path).map_err(|source| SampleError::Io { path: path.clone(), source })?;
        let count = text.matches(&edit.find).count();
        if count != 1 {
            return Err(SampleError::Invalid {
                path: samples_file.to_path_buf(),
                message: format!(
                    "sample `{}`: `{}` occurs {count} times in {} (must be exactly once): update the edit to match the reference",
                    sample.name, edit.find, edit.file
                ),
            });
        }
        std::fs::write(&path, text.replacen(&edit.find, &edit.replace, 1))
            .map_err(|source| SampleError::Io { path: path.clone(), source })?;
    }
    Ok(())
}

/// Copies `from/src` to `to/src`.
pub fn copy_src(from: &Path, to: &Path) -> Result<(), SampleError> {
    let files = crate::workspace::list_files(&from.join("src")).map_err(|e| SampleError::Invalid {
        path: from.to_path_buf(),
        message: e.to_string(),
    })?;
    for rel in files {
        let (src, dst) = (from.join("src").join(&rel), to.join("src").join(&rel));
        if let Some(parent) = dst.parent() {
            std::fs::create_dir_all(parent).map_err(|source| SampleError::Io { path: parent.to_path_buf(), source })?;
        }
        std::fs::copy(&src, &dst).map_err(|source| SampleError::Io { path: src.clone(), source })?;
    }
    Ok(())
}
