//! GitHub Classroom: the document its autograding reporter reads, so that
//! points appear in the Classroom dashboard.
//!
//! GitHub Classroom shows a score only when the repository's workflow runs
//! `classroom-resources/autograding-grading-reporter@v1` in the job
//! `run-autograding-tests`. For every step id in its `runners` input, the
//! reporter reads the environment variable `<STEP-ID>_RESULTS` (the id in
//! upper case), which the workflow fills from that step's output `result`:
//! base64 of a JSON document shaped as Classroom's own graders write it
//! (`autograding-command-grader`, `autograding-io-grader`):
//!
//! ```json
//! {"version": 1, "status": "fail", "max_score": 31,
//!  "tests": [{"name": "…", "status": "pass", "score": 1, "message": "", "test_code": "…",
//!             "filename": "", "line_no": 0, "duration": 12}]}
//! ```
//!
//! The reporter posts "Points Σ tests[].score / max_score" to the check run,
//! prints each test (`✅ name`, or `❌ name` / `Error: message`, then its
//! `test_code`, and ` - line N` unless `line_no` is 0), and fails the job
//! when `status` is `fail` or `error`.
//!
//! Only checks that ran are tests: a student's local run leaves the hidden
//! checks out, so its `max_score` is the visible points (those the dashboard
//! can show before grading). Checks a student may not see yet (hidden, after
//! the due date) keep their points but lose their name and message, since
//! the reporter prints both in the job log.
//!
//! ```
//! # use gradwork::result::*;
//! # let header = ReportHeader { assignment: "a00-demo".into(), gradwork_version: "0.1.0".into(),
//! #   grader_version: "0.1.0".into(), libtorch_version: "2.13.0".into(), libtorch_cuda: None, device: "cpu".into(), seed: 1,
//! #   limits: "20 s per check".into(), mode: "in-process".into(), reproduce: "cargo test -p a00-demo -- --seed 1".into() };
//! # let check = |id: &str, status| CheckResult { id: id.into(), title: id.into(), max_score: 2.0,
//! #   score: if status == Status::Passed { 2.0 } else { 0.0 }, status, visibility: Visibility::Visible,
//! #   message: String::new(), seconds: 0.1, attachments: vec![], tolerance_used: None, calls: vec![] };
//! let report = SubmissionReport { name: "local".into(), header,
//!     checks: vec![check("ones", Status::Passed), check("zeros", Status::Failed), check("eye", Status::NotRun)],
//!     notes: vec![], seconds: 1.5 };
//! let results = gradwork::report::classroom::results(&report, "");
//! assert_eq!((results.max_score, results.tests.len()), (4.0, 2));
//! assert_eq!(results.tests[0].test_code, "cargo test -p a00-demo -- --seed 1 --check ones");
//! ```

use crate::report::github;
use crate::result::{CheckResult, Status, SubmissionReport};
use base64::Engine as _;
use serde::{Deserialize, Serialize};
use std::path::Path;

/// The name of the step output the reporter reads (`steps.<id>.outputs.result`).
pub const OUTPUT_NAME: &str = "result";

/// The environment variable that names the file of a step's outputs.
pub const OUTPUT_VAR: &str = "GITHUB_OUTPUT";

/// The most bytes of messages one document carries, shared by its tests
/// (each gets between 200 and 2000). The reporter gets the whole document
/// in one environment variable, and Linux refuses to start a process with a
/// variable over 128 KiB: with this budget a document of 100 failed checks
/// stays below that, base64 included.
pub const MESSAGE_BUDGET: usize = 48 * 1024;

/// What ends a message cut to fit the budget.
pub const CUT_NOTE: &str = "… (cut here: the job log above has the whole message)";

/// A test's or a whole run's outcome, in the reporter's words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Passed.
    Pass,
    /// Ran and gave a wrong answer.
    Fail,
    /// Could not be judged: a panic, a `todo!()`, a timeout, a crash.
    Error,
}

/// The document the reporter reads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Results {
    /// The format's version: 1.
    pub version: u32,
    /// `fail` when a test failed, else `error` when one could not be judged, else `pass`.
    pub status: Verdict,
    /// The points of the tests below.
    pub max_score: f64,
    /// One per check that ran, in rubric order.
    pub tests: Vec<Test>,
}

/// One check, as a test of the reporter.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Test {
    /// The check's title (`hidden check N` for a check the student may not see).
    pub name: String,
    /// Its outcome.
    pub status: Verdict,
    /// Points earned.
    pub score: f64,
    /// The check's message (empty when it passed), cut to its share of [`MESSAGE_BUDGET`].
    pub message: String,
    /// The command that runs this check alone with the same inputs.
    pub test_code: String,
    /// The source file the message points at, from the repository root; empty when none.
    pub filename: String,
    /// The line of `filename`; 0 when none (the reporter then prints no line).
    pub line_no: usize,
    /// Milliseconds the check took.
    pub duration: u64,
}

fn verdict(status: Status) -> Option<Verdict> {
    match status {
        Status::Passed => Some(Verdict::Pass),
        Status::Failed => Some(Verdict::Fail),
        Status::Error | Status::TimedOut | Status::Crashed => Some(Verdict::Error),
        Status::NotRun => None,
    }
}

fn cut(message: &str, limit: usize) -> String {
    if message.len() <= limit {
        return message.to_string();
    }
    let end = (0..=limit).rev().find(|&i| message.is_char_boundary(i)).unwrap_or(0);
    format!("{}{CUT_NOTE}", &message[..end])
}

fn test(report: &SubmissionReport, c: &CheckResult, status: Verdict, hidden_number: usize, prefix: &str, limit: usize) -> Test {
    let duration = (c.seconds.max(0.0) * 1000.0).round() as u64;
    if !c.visibility.runs_locally() {
        return Test {
            name: format!("hidden check {hidden_number}"),
            status,
            score: c.score,
            message: String::new(),
            test_code: String::new(),
            filename: String::new(),
            line_no: 0,
            duration,
        };
    }
    let (filename, line_no) = match github::locations(&c.message).into_iter().next() {
        Some((file, line, _)) => (github::join(prefix, &file), line),
        None => (String::new(), 0),
    };
    Test {
        name: c.title.clone(),
        status,
        score: c.score,
        message: cut(&c.message, limit),
        test_code: format!("{} --check {}", report.header.reproduce, c.id),
        filename,
        line_no,
        duration,
    }
}

/// The reporter's document for one submission; `prefix` is the crate's path
/// from the repository root, for `filename`.
pub fn results(report: &SubmissionReport, prefix: &str) -> Results {
    let ran = report.checks.iter().filter(|c| verdict(c.status).is_some()).count();
    let limit = (MESSAGE_BUDGET / ran.max(1)).clamp(200, 2000);
    let mut tests = Vec::new();
    let mut max_score = 0.0;
    let mut hidden = 0;
    for c in &report.checks {
        let Some(status) = verdict(c.status) else { continue };
        if !c.visibility.runs_locally() {
            hidden += 1;
        }
        max_score += c.max_score;
        tests.push(test(report, c, status, hidden, prefix, limit));
    }
    let any = |v: Verdict| tests.iter().any(|t: &Test| t.status == v);
    let status = if any(Verdict::Fail) {
        Verdict::Fail
    } else if any(Verdict::Error) {
        Verdict::Error
    } else {
        Verdict::Pass
    };
    Results { version: 1, status, max_score, tests }
}

/// The document as the step output carries it: base64 of its compact JSON.
pub fn encode(results: &Results) -> String {
    let json = serde_json::to_string(results).unwrap_or_default();
    base64::engine::general_purpose::STANDARD.encode(json)
}

/// Appends `result=<encoded>` to the step's output file (`$GITHUB_OUTPUT`).
pub fn append_output(path: &Path, encoded: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    writeln!(file, "{OUTPUT_NAME}={encoded}")
}
