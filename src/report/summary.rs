//! `summary.json`: the machine-readable result of a batch.

use crate::result::{Status, SubmissionReport};
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

/// The summary of a batch.
pub fn summary(assignment: &str, seed: u64, reports: &[SubmissionReport]) -> Summary {
    Summary {
        assignment: assignment.to_string(),
        seed,
        submissions: reports
            .iter()
            .map(|r| SubmissionSummary {
                name: r.name.clone(),
                score: r.score(),
                max_score: r.max_score(),
                checks: r
                    .checks
                    .iter()
                    .map(|c| CheckSummary { id: c.id.clone(), status: c.status, score: c.score, max_score: c.max_score })
                    .collect(),
            })
            .collect(),
    }
}
