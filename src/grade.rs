//! Grading a batch of submissions with one assignment's suite: each one built
//! in its own temporary workspace and run in its own runner process; every
//! score computed here, in the grader.

use crate::course::Course;
use crate::forbidden;
use crate::libtorch::DeviceChoice;
use crate::report::{self, terminal};
use crate::result::{CheckResult, Status, SubmissionReport};
use crate::rubric::Rubric;
use crate::submission::{Isolated, RunnerCommand};
use crate::suite::{RunOptions, Suite, SuiteError};
use crate::workspace::{self, BuildError};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// The seed used when none is given (printed in every report).
pub const DEFAULT_SEED: u64 = 2026;

/// Arguments of `gradwork grade <assignment> ...` (and of a grader binary's `grade`).
#[derive(Debug, Clone, clap::Args)]
pub struct GradeArgs {
    /// Submission directories (each shaped like the assignment crate, with `src/`);
    /// a submission is named by its directory name.
    pub submissions: Vec<PathBuf>,
    /// A directory whose every subdirectory is one submission.
    #[arg(long = "submissions", value_name = "DIR")]
    pub submissions_dir: Option<PathBuf>,
    /// Where reports go: OUT/<name>/results.json, OUT/scores.csv, OUT/summary.json.
    #[arg(long, value_name = "DIR", default_value = "gradwork-out")]
    pub out: PathBuf,
    /// Seed every random input derives from.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Device for the libtorch oracle.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Run only this check (repeatable); the others are reported as not run.
    #[arg(long = "check", value_name = "ID")]
    pub only: Vec<String>,
    /// Submissions graded at the same time (default: number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print each submission's full report, not only the score table.
    #[arg(long)]
    pub verbose: bool,
    /// Report formats and the `--min-score` policy.
    #[command(flatten)]
    pub report: crate::report::output::ReportArgs,
}

/// Errors that stop a batch before any submission is graded.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    /// The suite is broken.
    #[error(transparent)]
    Suite(#[from] SuiteError),
    /// The device cannot be used.
    #[error(transparent)]
    Device(#[from] crate::libtorch::DeviceError),
    /// No submissions given, or the submissions folder is unreadable.
    #[error("{0}")]
    Submissions(String),
    /// Reports could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// the file
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
}

/// A submission to grade: its name and directory.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    /// Student id (directory name).
    pub name: String,
    /// Where it is.
    pub path: PathBuf,
}

/// The submissions named by the arguments, sorted by name; names must be unique.
pub fn collect(args: &GradeArgs) -> Result<Vec<Entry>, GradeError> {
    let mut entries = Vec::new();
    for p in &args.submissions {
        entries.push(entry(p));
    }
    if let Some(dir) = &args.submissions_dir {
        let read = std::fs::read_dir(dir)
            .map_err(|e| GradeError::Submissions(format!("cannot read the submissions folder {}: {e}", dir.display())))?;
        for e in read.flatten() {
            if e.path().is_dir() {
                entries.push(entry(&e.path()));
            } else {
                eprintln!("warning: {} is not a directory; skipped (a submission is a directory with src/)", e.path().display());
            }
        }
    }
    if entries.is_empty() {
        return Err(GradeError::Submissions(
            "no submissions: give submission directories, or --submissions DIR with one subdirectory per submission".into(),
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
    // The name as given (a symlink keeps its own name); `.` and the like by their real name.
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .or_else(|| path.canonicalize().ok().and_then(|p| p.file_name().map(|n| n.to_string_lossy().into_owned())))
        .unwrap_or_else(|| "submission".into());
    Entry { name, path: path.to_path_buf() }
}

/// Grades one submission. Never fails: a submission that cannot be built gets
/// every check as `error` with the reason, and score 0.
pub fn grade_one(suite: &Suite, rubric: &Rubric, course: &Course, entry: &Entry, options: &RunOptions) -> SubmissionReport {
    let started = Instant::now();
    let id = suite.assignment();
    let files = workspace::list_files(&entry.path);
    let overlay = files.as_ref().map(|f| workspace::overlay_plan(f, rubric)).unwrap_or_default();
    let built = files.and_then(|_| workspace::build(course, id, &entry.path, &overlay));
    let mut report = match built {
        Ok(built) => {
            let mut sub = Isolated::new(RunnerCommand { program: built.runner.clone(), workdir: built.workdir.clone(), limits: rubric.limits.clone() });
            match suite.run(&entry.name, &mut sub, options) {
                Ok(r) => r,
                Err(e) => all_checks(suite, rubric, entry, options, Status::Error, &format!("The grader is broken (not your fault): {e}")),
            }
        }
        Err(e) => {
            let message = build_failure_message(&e);
            all_checks(suite, rubric, entry, options, Status::Error, &message)
        }
    };
    let violations = forbidden::scan(&entry.path, &overlay.used, &rubric.forbidden);
    apply_violations(&mut report.checks, &violations);
    report.notes.extend(overlay.note());
    report.seconds = started.elapsed().as_secs_f64();
    report
}

/// The message every check carries when the submission could not be built.
pub fn build_failure_message(e: &BuildError) -> String {
    match e {
        BuildError::Compile(crate::cargo::CargoError::Failed { summary, location }) => {
            let at = location.as_ref().map(|(f, l)| format!(" (first error at `{f}:{l}`)")).unwrap_or_default();
            format!("Your code does not compile{at}, so no check could run. The first error:\n\n```text\n{summary}\n```\n\nRun `cargo build` in your crate and fix the errors from the top.")
        }
        other => format!("Your submission could not be built, so no check could run: {other}"),
    }
}

fn all_checks(suite: &Suite, rubric: &Rubric, entry: &Entry, options: &RunOptions, status: Status, message: &str) -> SubmissionReport {
    SubmissionReport {
        name: entry.name.clone(),
        header: suite.header(rubric, "isolated", options),
        checks: rubric
            .checks
            .iter()
            .map(|s| CheckResult {
                id: s.id.clone(),
                title: s.title.clone(),
                max_score: s.points,
                score: 0.0,
                status,
                visibility: s.visibility,
                message: message.to_string(),
                seconds: 0.0,
                attachments: Vec::new(),
                tolerance_used: None,
            })
            .collect(),
        notes: Vec::new(),
        seconds: 0.0,
    }
}

/// Zeroes the checks a forbidden API costs, and says why.
pub fn apply_violations(checks: &mut [CheckResult], violations: &[forbidden::Violation]) {
    for c in checks.iter_mut() {
        let hits: Vec<&forbidden::Violation> = violations.iter().filter(|v| v.affects(&c.id)).collect();
        if hits.is_empty() || c.status == Status::NotRun {
            continue;
        }
        let text: Vec<String> = hits.iter().map(|v| v.message()).collect();
        if c.status == Status::Passed {
            c.status = Status::Failed;
            c.score = 0.0;
            c.message = format!("The result is right, but it does not count. {}", text.join(" "));
        } else {
            c.message = format!("{}\n\nAlso: {}", c.message, text.join(" "));
        }
    }
}

/// Grades every submission the arguments name and writes the reports.
pub fn grade_batch(suite: &Suite, course: &Course, args: &GradeArgs, reproduce_prefix: &str) -> Result<Vec<SubmissionReport>, GradeError> {
    let rubric = suite.validate()?.clone();
    let device = args.device.resolve()?;
    let entries = collect(args)?;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let next = Mutex::new(0usize);
    let done: Mutex<Vec<SubmissionReport>> = Mutex::new(Vec::new());
    let total = entries.len();
    std::thread::scope(|s| {
        for _ in 0..jobs.min(total) {
            s.spawn(|| loop {
                let i = {
                    let Ok(mut n) = next.lock() else { return };
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(entry) = entries.get(i) else { return };
                let options = RunOptions {
                    seed: args.seed,
                    device,
                    local: false,
                    only: args.only.clone(),
                    reproduce: format!("{reproduce_prefix} {} --seed {}", entry.path.display(), args.seed),
                };
                let report = grade_one(suite, &rubric, course, entry, &options);
                if args.verbose {
                    eprintln!("{}", terminal::render(&report, terminal::Style::PLAIN));
                }
                eprintln!("graded {} ({}/{}): {} / {}", report.name, i + 1, total, crate::compare::num(report.score()), crate::compare::num(report.max_score()));
                if let Ok(mut d) = done.lock() {
                    d.push(report);
                }
            });
        }
    });
    let mut reports = done.into_inner().unwrap_or_default();
    reports.sort_by(|a, b| a.name.cmp(&b.name));
    write_reports(suite.assignment(), args.seed, &rubric, &args.out, &reports)?;
    Ok(reports)
}

/// Writes OUT/<name>/results.json, OUT/scores.csv and OUT/summary.json.
pub fn write_reports(assignment: &str, seed: u64, rubric: &Rubric, out: &Path, reports: &[SubmissionReport]) -> Result<(), GradeError> {
    let write = |path: PathBuf, text: String| {
        report::write_atomic(&path, text.as_bytes()).map_err(|source| GradeError::Write { path, source })
    };
    for r in reports {
        write(out.join(&r.name).join("results.json"), report::gradescope::to_json(r))?;
        for a in r.checks.iter().flat_map(|c| &c.attachments) {
            let path = out.join(&r.name).join(&a.file_name);
            report::write_atomic(&path, &a.bytes).map_err(|source| GradeError::Write { path, source })?;
        }
    }
    let ids: Vec<String> = rubric.checks.iter().map(|c| c.id.clone()).collect();
    write(out.join("scores.csv"), report::csv::scores(&ids, reports))?;
    let summary = report::summary::summary(assignment, seed, reports);
    write(out.join("summary.json"), serde_json::to_string_pretty(&summary).unwrap_or_default())?;
    Ok(())
}

/// The score table printed at the end of a batch.
pub fn score_table(reports: &[SubmissionReport]) -> String {
    let width = reports.iter().map(|r| r.name.len()).max().unwrap_or(4).max(10);
    let mut out = format!("{:<width$}  {:>12}  {:>6}  {:>6}  {:>6}\n", "submission", "score", "passed", "failed", "errors");
    for r in reports {
        let count = |f: &dyn Fn(Status) -> bool| r.checks.iter().filter(|c| f(c.status)).count();
        out.push_str(&format!(
            "{:<width$}  {:>12}  {:>6}  {:>6}  {:>6}\n",
            r.name,
            format!("{} / {}", crate::compare::num(r.score()), crate::compare::num(r.max_score())),
            count(&|s| s == Status::Passed),
            count(&|s| s == Status::Failed),
            count(&|s| !matches!(s, Status::Passed | Status::Failed | Status::NotRun)),
        ));
    }
    out
}
