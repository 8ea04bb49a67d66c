//! Gradescope's `results.json`, in the full schema of Gradescope's
//! autograder specification (`tests/fixtures/gradescope-results.schema.json`
//! is that schema, and the tests validate against it).
//!
//! Gradescope knows only `passed` and `failed` per test; gradwork's finer
//! status (`error`, `timed_out`, ...) goes into the test's tags and
//! `extra_data`. A check's visibility becomes its test's visibility, and the
//! summary shown above the tests counts only the points a student may see:
//! Gradescope hides the total while some tests are hidden, and so do we.
//!
//! ```
//! # use gradwork::result::*;
//! # let header = ReportHeader { assignment: "a00-demo".into(), gradwork_version: "0.1.0".into(),
//! #   grader_version: "0.1.0".into(), libtorch_version: "2.13.0".into(), libtorch_cuda: None, device: "cpu".into(), seed: 1,
//! #   limits: "20 s per check".into(), mode: "isolated".into(), reproduce: "gradwork grade a00-demo alice".into() };
//! # let check = |id: &str, score: f64, visibility| CheckResult { id: id.into(), title: id.into(), max_score: 2.0,
//! #   score, status: if score > 0.0 { Status::Passed } else { Status::Failed }, visibility, message: String::new(),
//! #   seconds: 0.1, attachments: vec![], tolerance_used: None, calls: vec![] };
//! let report = SubmissionReport { name: "alice".into(), header,
//!     checks: vec![check("ones", 2.0, Visibility::Visible), check("zeros", 0.0, Visibility::Hidden)],
//!     notes: vec![], seconds: 1.5 };
//! let results = gradwork::report::gradescope::results(&report);
//! assert_eq!(results.score, 2.0);
//! assert_eq!(results.tests[1].visibility, Visibility::Hidden);
//! ```

use crate::compare::num;
use crate::result::{CheckResult, Status, SubmissionReport, Visibility};
use serde::Serialize;

/// How Gradescope renders a string: the spec's `output_format` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TextFormat {
    /// Plain text in a `<pre>` block.
    Text,
    /// HTML.
    Html,
    /// Text with line breaks kept.
    SimpleFormat,
    /// Markdown.
    Md,
    /// Text with ANSI colour codes.
    Ansi,
}

/// The top level of `results.json`.
#[derive(Debug, Serialize)]
pub struct Results {
    /// Total points earned: exactly the sum of the tests' scores.
    pub score: f64,
    /// Seconds the grading took.
    pub execution_time: f64,
    /// Markdown shown above the tests: points the student may see, the report header and notes.
    pub output: String,
    /// Format of `output`: Markdown.
    pub output_format: TextFormat,
    /// Default format of the tests' outputs: Markdown.
    pub test_output_format: TextFormat,
    /// Default format of the tests' names: text.
    pub test_name_format: TextFormat,
    /// Visibility of the whole result.
    pub visibility: Visibility,
    /// Whether students see the autograder's stdout (never: it is the grader's log).
    pub stdout_visibility: Visibility,
    /// The report header, machine-readable.
    pub extra_data: ExtraData,
    /// One entry per check, in rubric order.
    pub tests: Vec<Test>,
}

/// The report header as `extra_data`, for scripts that read results.json.
#[derive(Debug, Serialize)]
pub struct ExtraData {
    /// Assignment id.
    pub assignment: String,
    /// Submission name.
    pub submission: String,
    /// Points available over all checks.
    pub max_score: f64,
    /// gradwork's version.
    pub gradwork_version: String,
    /// The grader's version.
    pub grader_version: String,
    /// libtorch's version.
    pub libtorch_version: String,
    /// Device of the oracle.
    pub device: String,
    /// Seed of the run.
    pub seed: u64,
    /// The command that reproduces the report.
    pub reproduce: String,
}

/// One check in `results.json`.
#[derive(Debug, Serialize)]
pub struct Test {
    /// The check's title.
    pub name: String,
    /// Format of the name: text.
    pub name_format: TextFormat,
    /// Its position, `1`, `2`, ...
    pub number: String,
    /// Points earned.
    pub score: f64,
    /// Points available.
    pub max_score: f64,
    /// `passed` or `failed`.
    pub status: &'static str,
    /// The check's message (Markdown); empty when it passed.
    pub output: String,
    /// Format of the output: Markdown.
    pub output_format: TextFormat,
    /// The check id and gradwork's status.
    pub tags: Vec<String>,
    /// Who sees it.
    pub visibility: Visibility,
    /// gradwork's own view of the check.
    pub extra_data: TestExtraData,
}

/// A test's `extra_data`.
#[derive(Debug, Serialize)]
pub struct TestExtraData {
    /// The rubric's check id.
    pub check_id: String,
    /// gradwork's status (`passed`, `failed`, `error`, `timed_out`, `crashed`, `not_run`).
    pub status: Status,
    /// Wall-clock seconds of the check.
    pub seconds: f64,
}

/// Points and checks a student can see now (visibility `visible`), and what waits.
fn visible_summary(report: &SubmissionReport) -> String {
    let shown: Vec<&CheckResult> = report.checks.iter().filter(|c| c.visibility == Visibility::Visible).collect();
    let score: f64 = shown.iter().map(|c| c.score).sum();
    let max: f64 = shown.iter().map(|c| c.max_score).sum();
    let passed = shown.iter().filter(|c| c.status == Status::Passed).count();
    let mut out = format!(
        "**{}**: {} / {} points on the {} checks shown here ({} passed).",
        report.header.assignment,
        num(score),
        num(max),
        shown.len(),
        passed
    );
    let later: Vec<&CheckResult> = report.checks.iter().filter(|c| c.visibility != Visibility::Visible).collect();
    if !later.is_empty() {
        let points: f64 = later.iter().map(|c| c.max_score).sum();
        out.push_str(&format!(
            " {} more checks ({} points) count toward your grade; their results are shown later or not at all.",
            later.len(),
            num(points)
        ));
    }
    out
}

/// The summary shown above the tests: visible points, versions, device,
/// seed, limits, the reproduce command, and notes.
pub fn header_markdown(report: &SubmissionReport) -> String {
    let h = &report.header;
    let mut out = format!(
        "{}\n\n\
         gradwork {} · grader {} · libtorch {} · device `{}` · seed `{}` · {}\n\n\
         Limits: {}\n\nReproduce: `{}`\n",
        visible_summary(report),
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

fn test_output(c: &CheckResult) -> String {
    match c.status {
        Status::Passed => String::new(),
        Status::NotRun if c.message.is_empty() => "This check was not run in this grading run.".into(),
        _ => c.message.clone(),
    }
}

/// Builds `results.json` for one submission.
pub fn results(report: &SubmissionReport) -> Results {
    let tests: Vec<Test> = report
        .checks
        .iter()
        .enumerate()
        .map(|(i, c)| Test {
            name: c.title.clone(),
            name_format: TextFormat::Text,
            number: (i + 1).to_string(),
            score: c.score,
            max_score: c.max_score,
            status: if c.status == Status::Passed { "passed" } else { "failed" },
            output: test_output(c),
            output_format: TextFormat::Md,
            tags: vec![c.id.clone(), c.status.as_str().to_string()],
            visibility: c.visibility,
            extra_data: TestExtraData { check_id: c.id.clone(), status: c.status, seconds: c.seconds },
        })
        .collect();
    let h = &report.header;
    Results {
        // The same sum, in the same order, as Gradescope adds the tests.
        score: tests.iter().map(|t| t.score).sum(),
        execution_time: report.seconds,
        output: header_markdown(report),
        output_format: TextFormat::Md,
        test_output_format: TextFormat::Md,
        test_name_format: TextFormat::Text,
        visibility: Visibility::Visible,
        stdout_visibility: Visibility::Hidden,
        extra_data: ExtraData {
            assignment: h.assignment.clone(),
            submission: report.name.clone(),
            max_score: report.max_score(),
            gradwork_version: h.gradwork_version.clone(),
            grader_version: h.grader_version.clone(),
            libtorch_version: h.libtorch_version.clone(),
            device: h.device.clone(),
            seed: h.seed,
            reproduce: h.reproduce.clone(),
        },
        tests,
    }
}

/// `results.json` as pretty JSON text.
pub fn to_json(report: &SubmissionReport) -> String {
    serde_json::to_string_pretty(&results(report)).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
