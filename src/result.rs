//! The result model: one check's verdict and one submission's report.
//!
//! Every output format (terminal, Gradescope `results.json`, CSV, summaries)
//! is written from these types and nothing else, so the formats cannot
//! disagree about a score.

use serde::{Deserialize, Serialize};

/// Who may see a check and its result. The names are Gradescope's.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Visibility {
    /// Shown to the student at once; also run by `cargo test` on the student's machine.
    #[default]
    Visible,
    /// Never shown to the student; never run locally.
    Hidden,
    /// Shown once the due date has passed.
    AfterDueDate,
    /// Shown once the instructor publishes the grades.
    AfterPublished,
}

impl Visibility {
    /// Whether a student's local `cargo test` runs this check.
    pub fn runs_locally(self) -> bool {
        self == Visibility::Visible
    }
}

/// How a check ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// The submission did what the check asks.
    Passed,
    /// The submission ran and gave a wrong answer.
    Failed,
    /// The check could not judge: compile error, panic, unimplemented function, bad output type.
    Error,
    /// The submission exceeded the check's wall-clock limit.
    TimedOut,
    /// The submission's process died (signal, abort, out of memory, exit during a call).
    Crashed,
    /// The check was not run (hidden checks in a student's local run, or filtered out).
    NotRun,
}

impl Status {
    /// The lowercase word used in reports (`passed`, `timed_out`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Passed => "passed",
            Status::Failed => "failed",
            Status::Error => "error",
            Status::TimedOut => "timed_out",
            Status::Crashed => "crashed",
            Status::NotRun => "not_run",
        }
    }
}

/// One check's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    /// Stable identifier from the rubric, e.g. `tridiagonal`.
    pub id: String,
    /// What the check checks, in words a student understands.
    pub title: String,
    /// Points the check is worth.
    pub max_score: f64,
    /// Points earned.
    pub score: f64,
    /// How the check ended.
    pub status: Status,
    /// Who may see it.
    pub visibility: Visibility,
    /// Markdown explanation: empty when passed, otherwise what was expected,
    /// what came, where, and what to try next.
    pub message: String,
    /// Wall-clock seconds spent on the check.
    pub seconds: f64,
    /// Files the check made for the student (plots, ...); written next to the report.
    #[serde(skip)]
    pub attachments: Vec<Attachment>,
    /// The largest error the check's comparisons saw, as a fraction of the
    /// error allowed (0: exact, 1: at the limit, above 1: failed); `None`
    /// when it compared no floating-point values. `gradwork dev check`
    /// calibrates tolerances with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub tolerance_used: Option<f64>,
    /// The student functions the check called, by the names the runner
    /// knows them by, in the order of their first call. `gradwork dev
    /// mutants` names from it the checks that should have caught a mutant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub calls: Vec<String>,
}

/// A file a check attaches to its result, e.g. a plot of the student's loss
/// curve next to the reference's.
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    /// File name (no directories), e.g. `loss-curve.svg`.
    pub file_name: String,
    /// What it shows, one sentence.
    pub caption: String,
    /// The file's contents.
    pub bytes: Vec<u8>,
}

/// Facts that make a report reproducible: printed at the top of every report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportHeader {
    /// Assignment id, e.g. `a01-tensors`.
    pub assignment: String,
    /// Version of the gradwork harness.
    pub gradwork_version: String,
    /// Version of the assignment's grader crate.
    pub grader_version: String,
    /// Version of libtorch the grader links, exactly as the install names it
    /// (e.g. `2.13.0+cu130`: the wheel's build tag, which a CPU-only install keeps).
    pub libtorch_version: String,
    /// The CUDA version of a CUDA install of libtorch (e.g. `13.0`); `None`
    /// when only libtorch's CPU runtime is installed (a wheel built for CUDA
    /// without its CUDA libraries, or a CPU build).
    #[serde(default)]
    pub libtorch_cuda: Option<String>,
    /// Device the oracle ran on (`cpu`, `cuda:0`).
    pub device: String,
    /// Seed every random input of this run derives from.
    pub seed: u64,
    /// Limits the submission ran under, in words.
    pub limits: String,
    /// How the submission was run: `in-process` or `isolated`.
    pub mode: String,
    /// The one command that reproduces this report.
    pub reproduce: String,
}

impl ReportHeader {
    /// libtorch as a person needs to know it: the release, what it runs on,
    /// and the device when that is not already said.
    ///
    /// ```
    /// # use gradwork::result::ReportHeader;
    /// let mut h = ReportHeader { assignment: "a00-demo".into(), gradwork_version: "0.1.0".into(),
    ///     grader_version: "0.1.0".into(), libtorch_version: "2.13.0+cu130".into(), libtorch_cuda: None,
    ///     device: "cpu".into(), seed: 1, limits: String::new(), mode: "in-process".into(), reproduce: String::new() };
    /// assert_eq!(h.libtorch_in_words(), "libtorch 2.13.0 (CPU runtime)");
    /// h.libtorch_cuda = Some("13.0".into());
    /// assert_eq!(h.libtorch_in_words(), "libtorch 2.13.0 (CUDA 13.0 build, running on cpu)");
    /// h.device = "cuda:0".into();
    /// assert_eq!(h.libtorch_in_words(), "libtorch 2.13.0 (CUDA 13.0) · device cuda:0");
    /// ```
    pub fn libtorch_in_words(&self) -> String {
        // `2.13.0+cu130`: the part after `+` names the wheel's build, not what runs.
        let release = self.libtorch_version.split('+').next().unwrap_or(&self.libtorch_version);
        match (&self.libtorch_cuda, self.device.as_str()) {
            (None, "cpu") => format!("libtorch {release} (CPU runtime)"),
            (None, device) => format!("libtorch {release} (CPU runtime) · device {device}"),
            (Some(cuda), "cpu") => format!("libtorch {release} ({} build, running on cpu)", cuda_words(cuda)),
            (Some(cuda), device) => format!("libtorch {release} ({}) · device {device}", cuda_words(cuda)),
        }
    }
}

fn cuda_words(version: &str) -> String {
    if version.is_empty() { "CUDA".to_string() } else { format!("CUDA {version}") }
}

/// Everything known about one graded submission.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubmissionReport {
    /// The submission's name (its directory name).
    pub name: String,
    /// How it was graded.
    pub header: ReportHeader,
    /// One result per check, in rubric order.
    pub checks: Vec<CheckResult>,
    /// Notes for the student that belong to no single check (ignored files, ...).
    pub notes: Vec<String>,
    /// Wall-clock seconds for building and grading.
    pub seconds: f64,
}

impl SubmissionReport {
    /// Points earned over all checks.
    pub fn score(&self) -> f64 {
        self.checks.iter().map(|c| c.score).sum()
    }

    /// Points available over all checks.
    pub fn max_score(&self) -> f64 {
        self.checks.iter().map(|c| c.max_score).sum()
    }

    /// Checks that were skipped because they are hidden from local runs.
    pub fn hidden_not_run(&self) -> usize {
        self.checks.iter().filter(|c| c.status == Status::NotRun && c.visibility != Visibility::Visible).count()
    }
}
