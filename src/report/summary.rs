//! `summary.json`: the machine-readable result of a batch.

use crate::grade::record::{BuildOutcome, Record};
use crate::result::Status;
use serde::{Deserialize, Serialize};

/// One submission in the summary.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct SubmissionSummary {
    /// Submission name.
    pub name: String,
    /// Points earned.
    pub score: f64,
    /// Points available.
    pub max_score: f64,
    /// Per check: id, status, score.
    pub checks: Vec<CheckSummary>,
    /// How the build went (`built`, `compile_error`, `not_gradable`).
    #[serde(default)]
    pub build: BuildOutcome,
}

/// One check of one submission.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct CheckSummary {
    /// Check id.
    pub id: String,
    /// How it ended.
    pub status: Status,
    /// Points earned.
    pub score: f64,
    /// Points available.
    pub max_score: f64,
}

/// The whole batch.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Summary {
    /// Assignment id.
    pub assignment: String,
    /// Seed of the run.
    pub seed: u64,
    /// Submissions in name order.
    pub submissions: Vec<SubmissionSummary>,
}

/// The summary of a batch (records in name order).
pub fn summary(assignment: &str, seed: u64, records: &[Record]) -> Summary {
    Summary {
        assignment: assignment.to_string(),
        seed,
        submissions: records
            .iter()
            .map(|rec| {
                let r = &rec.report;
                SubmissionSummary {
                    name: r.name.clone(),
                    score: r.score(),
                    max_score: r.max_score(),
                    checks: r
                        .checks
                        .iter()
                        .map(|c| CheckSummary { id: c.id.clone(), status: c.status, score: c.score, max_score: c.max_score })
                        .collect(),
                    build: rec.build.clone(),
                }
            })
            .collect(),
    }
}
