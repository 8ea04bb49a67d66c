//! The course repository: where assignments, references and graders live.

use crate::rubric::{Rubric, RubricError};
use std::path::{Path, PathBuf};

/// Errors locating the course or one of its assignments.
#[derive(Debug, thiserror::Error)]
pub enum CourseError {
    /// No course repository above the current directory.
    #[error("no course repository found at or above {0} (looked for Cargo.toml beside graders/): run gradwork inside the course repository")]
    NotFound(PathBuf),
    /// The assignment id is unknown.
    #[error("unknown assignment `{id}`: the course has {known}")]
    UnknownAssignment {
        /// what was asked for
        id: String,
        /// the ids that exist
        known: String,
    },
    /// A rubric is broken.
    #[error(transparent)]
    Rubric(#[from] RubricError),
}

/// A course repository on disk.
#[derive(Debug, Clone)]
pub struct Course {
    root: PathBuf,
}

impl Course {
    /// The course at `root` (which holds `Cargo.toml` and `graders/`).
    pub fn at(root: impl Into<PathBuf>) -> Course {
        Course { root: root.into() }
    }

    /// The course at or above `start`.
    pub fn discover(start: &Path) -> Result<Course, CourseError> {
        let start = start.canonicalize().unwrap_or_else(|_| start.to_path_buf());
        start
            .ancestors()
            .find(|d| d.join("Cargo.toml").is_file() && d.join("graders").is_dir())
            .map(Course::at)
            .ok_or(CourseError::NotFound(start))
    }

    /// The repository root.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Ids of all assignments that have a grader, sorted.
    pub fn assignments(&self) -> Vec<String> {
        let mut ids: Vec<String> = std::fs::read_dir(self.root.join("graders"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.path().join("rubric.toml").is_file())
            .filter_map(|e| e.file_name().to_str().map(String::from))
            .collect();
        ids.sort();
        ids
    }

    /// Checks that `id` is an assignment of this course.
    pub fn require(&self, id: &str) -> Result<(), CourseError> {
        let known = self.assignments();
        if known.iter().any(|k| k == id) {
            Ok(())
        } else {
            Err(CourseError::UnknownAssignment { id: id.to_string(), known: known.join(", ") })
        }
    }

    /// The rubric of an assignment.
    pub fn rubric(&self, id: &str) -> Result<Rubric, CourseError> {
        self.require(id)?;
        Ok(Rubric::load(&self.grader_dir(id).join("rubric.toml"))?)
    }

    /// `assignments/<id>`: the student crate with stubs.
    pub fn stub_dir(&self, id: &str) -> PathBuf {
        self.root.join("assignments").join(id)
    }

    /// `reference/<id>`: the solution.
    pub fn reference_dir(&self, id: &str) -> PathBuf {
        self.root.join("reference").join(id)
    }

    /// `graders/<id>`: check suite and rubric.
    pub fn grader_dir(&self, id: &str) -> PathBuf {
        self.root.join("graders").join(id)
    }

    /// `graders/<id>/runner`: the crate that links the student's code.
    pub fn runner_dir(&self, id: &str) -> PathBuf {
        self.grader_dir(id).join("runner")
    }

    /// Where gradwork builds graders and submissions (`$GRADWORK_TARGET_DIR`,
    /// else `target/gradwork`). Separate from `target/` so that a grading run
    /// started from `cargo test` does not wait for cargo's lock on `target/`.
    pub fn build_dir(&self) -> PathBuf {
        std::env::var_os("GRADWORK_TARGET_DIR")
            .map(PathBuf::from)
            .unwrap_or_else(|| self.root.join("target").join("gradwork"))
    }
}
