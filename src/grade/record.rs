//! `OUT/<name>/report.json`: everything gradwork knows about one graded
//! submission. A re-run reads it to skip submissions that have not changed,
//! and `gradwork merge` reads it to rebuild the batch files from shards.
//! It is written last, after the submission's other files, so its presence
//! means they are complete.

use crate::result::SubmissionReport;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The record format this gradwork writes and reads.
pub const RECORD_FORMAT: u32 = 1;

/// The record's file name in `OUT/<name>/`.
pub const RECORD_FILE: &str = "report.json";

/// How the submission's build went.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum BuildOutcome {
    /// It compiled and its checks ran.
    #[default]
    Built,
    /// The student's code does not compile.
    CompileError {
        /// Where the first error is, `src/lib.rs:12`.
        location: Option<String>,
    },
    /// It could not be graded: not a crate, a bad archive, or a harness problem.
    NotGradable {
        /// Why, in words.
        reason: String,
        /// The grader's problem, not the submission's (a run after the fix grades it again).
        #[serde(default)]
        harness: bool,
    },
}

/// One graded submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    /// [`RECORD_FORMAT`].
    pub format_version: u32,
    /// The resume key: a hash of the submission's content, the grader and the options.
    pub key: String,
    /// The folder or archive it was graded from.
    pub source: String,
    /// How the build went.
    pub build: BuildOutcome,
    /// Seconds spent unpacking and building.
    pub build_seconds: f64,
    /// Seconds spent running the checks.
    pub run_seconds: f64,
    /// The report.
    pub report: SubmissionReport,
}

impl Record {
    /// `OUT/<name>/report.json`.
    pub fn path(out: &Path, name: &str) -> PathBuf {
        out.join(name).join(RECORD_FILE)
    }

    /// Reads a record; `None` when there is none or it is of another format.
    pub fn read(path: &Path) -> Option<Record> {
        let text = std::fs::read_to_string(path).ok()?;
        let record: Record = serde_json::from_str(&text).ok()?;
        (record.format_version == RECORD_FORMAT).then_some(record)
    }

    /// The record as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
    }
}
