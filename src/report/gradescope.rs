//! Gradescope's `results.json`.
//!
//! Gradescope knows only `passed` and `failed` per test; gradwork's finer
//! status (`error`, `timed_out`, ...) goes into the test's tags and message.

use crate::result::{Status, SubmissionReport, Visibility};
use serde::Serialize;

/// The top level of `results.json`.
#[derive(Debug, Serialize)]
pub struct Results {
    /// Total points earned.
    pub score: f64,
    /// Seconds the grading took.
    pub execution_time: f64,
    /// Markdown shown above the tests: the report header.
    pub output: String,
    /// Always `md`.
    pub output_format: &'static str,
    /// Visibility of the whole result.
    pub visibility: Visibility,
    /// Whether students see the autograder's stdout.
    pub stdout_visibility: Visibility,
    /// One entry per check.
    pub tests: Vec<Test>,
}

/// One check in `results.json`.
#[derive(Debug, Serialize)]
pub struct Test {
    /// The check's title.
    pub name: String,
    /// Its position, `1`, `2`, ...
    pub number: String,
    /// Points earned.
    pub score: f64,
    /// Points available.
    pub max_score: f64,
    /// `passed` or `failed`.
    pub status: &'static str,
    /// The check's message (Markdown).
    pub output: String,
    /// Always `md`.
    pub output_format: &'static str,
    /// The check id and gradwork's status.
    pub tags: Vec<String>,
    /// Who sees it.
    pub visibility: Visibility,
}

/// The header as Markdown: versions, device, seed, limits and the reproduce command.
pub fn header_markdown(report: &SubmissionReport) -> String {
    let h = &report.header;
    let mut out = format!(
        "**{}**: {} / {} points\n\n\
         gradwork {} · grader {} · libtorch {} · device `{}` · seed `{}` · {}\n\n\
         Limits: {}\n\nReproduce: `{}`\n",
        h.assignment,
        crate::compare::num(report.score()),
        crate::compare::num(report.max_score()),
        h.gradwork_version,
        h.grader_version,
        h.libtorch_version,
        h.device,
        h.seed,
        h.mode,
        h.limits,
        h.reproduce
    );
    for note in &report.notes {
        out.push_str(&format!("\n> {note}\n"));
    }
    out
}

/// Builds `results.json` for one submission.
pub fn results(report: &SubmissionReport) -> Results {
    let tests = report
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| Test {
            name: c.title.clone(),
            number: (i + 1).to_string(),
            score: c.score,
            max_score: c.max_score,
            status: if c.status == Status::Passed { "passed" } else { "failed" },
            output: c.message.clone(),
            output_format: "md",
            tags: vec![c.id.clone(), c.status.as_str().to_string()],
            visibility: c.visibility,
        })
        .collect();
    Results {
        score: report.score(),
        execution_time: report.seconds,
        output: header_markdown(report),
        output_format: "md",
        visibility: Visibility::Visible,
        stdout_visibility: Visibility::Hidden,
        tests,
    }
}

/// `results.json` as pretty JSON text.
pub fn to_json(report: &SubmissionReport) -> String {
    serde_json::to_string_pretty(&results(report)).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
