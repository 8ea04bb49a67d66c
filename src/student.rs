//! The student's `cargo test -p <assignment>`: the visible checks, run
//! in-process against the student's crate, reported one line per check.
//!
//! An assignment crate's `tests/checks.rs` (with `harness = false`) is just:
//!
//! ```no_run
//! # fn suite() -> gradwork::suite::Suite { unimplemented!() }
//! # const RUNNER: gradwork::submission::Runner = gradwork::submission::Runner { dispatch: |f, _| unimplemented!(), student_crate: "a00_demo" };
//! fn main() -> std::process::ExitCode {
//!     gradwork::student::main(suite(), RUNNER)
//! }
//! ```
//!
//! `cargo test -p <assignment> -- --help` prints the options. The exit
//! status is 0 when every check that ran passed, 1 when one did not (or the
//! score is below `--min-score`), and [`crate::exit_codes::HARNESS_FAILURE`]
//! (2) for a mistake in the options, such as a `--check` that names no
//! check, or a broken grader.

pub mod help;
pub mod select;

use crate::grade::DEFAULT_SEED;
use crate::report::output::{self, Format, ReportArgs, ReportSpec};
use crate::report::policy::MinScore;
use crate::report::terminal::{ColorChoice, Style};
use crate::result::Status;
use crate::submission::{InProcess, Runner};
use crate::suite::{RunOptions, Suite};
use select::Candidate;
use std::process::ExitCode;

/// Arguments after `cargo test -p <assignment> --`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalArgs {
    /// `--seed N`: the seed of every random input.
    pub seed: u64,
    /// `--check CHECK` (repeatable) or bare words: only the checks these name
    /// (ids, function names or prefixes; see [`select`]).
    pub only: Vec<String>,
    /// `--format`, `--report FORMAT[=PATH]`, `--min-score`.
    pub report: ReportArgs,
    /// `--color auto|always|never`.
    pub color: ColorChoice,
    /// `--help` / `-h`: print the usage and run nothing.
    pub help: bool,
    /// `--list`: list the checks and run nothing.
    pub list: bool,
}

/// A mistake in the arguments after `--`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum UsageError {
    /// A flag came without its value.
    #[error("{flag} needs {what}")]
    MissingValue {
        /// The flag.
        flag: String,
        /// What it takes, in words.
        what: &'static str,
    },
    /// A flag's value is not what it takes.
    #[error("{0}")]
    BadValue(String),
    /// A flag this runner does not know.
    #[error("unknown option `{0}`: `-- --help` lists the options")]
    UnknownOption(String),
}

/// Parses the arguments after `--`. Flags of cargo's own test harness
/// (`--nocapture`, `--test-threads N`, ...) are accepted and ignored.
///
/// ```
/// use gradwork::student::parse_args;
/// let args = parse_args(["--seed", "7", "tridiagonal", "--format=junit", "--min-score", "60%"].map(String::from).into_iter()).unwrap();
/// assert_eq!((args.seed, args.only.as_slice()), (7, ["tridiagonal".to_string()].as_slice()));
/// assert_eq!(args.report.format, gradwork::report::output::Format::Junit);
/// assert!(parse_args(["--format", "yaml"].map(String::from).into_iter()).is_err());
/// assert!(parse_args(["--help"].map(String::from).into_iter()).unwrap().help);
/// ```
pub fn parse_args(args: impl Iterator<Item = String>) -> Result<LocalArgs, UsageError> {
    let mut parsed =
        LocalArgs { seed: DEFAULT_SEED, only: Vec::new(), report: ReportArgs::default(), color: ColorChoice::Auto, help: false, list: false };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &'static str| inline.clone().or_else(|| args.next()).ok_or(UsageError::MissingValue { flag: flag.clone(), what });
        match flag.as_str() {
            "--seed" => {
                let v = value("a number")?;
                parsed.seed = v.parse().map_err(|_| UsageError::BadValue(format!("--seed needs a number, got `{v}`")))?;
            }
            "--check" => parsed.only.push(value("a check id, function name or prefix")?),
            "--format" => parsed.report.format = Format::parse(&value("a format")?).map_err(UsageError::BadValue)?,
            "--report" => parsed.report.reports.push(value("FORMAT[=PATH]")?.parse::<ReportSpec>().map_err(UsageError::BadValue)?),
            "--min-score" => parsed.report.min_score = Some(value("a score")?.parse::<MinScore>().map_err(UsageError::BadValue)?),
            "--color" => parsed.color = value("auto, always or never")?.parse().map_err(UsageError::BadValue)?,
            "--help" | "-h" => parsed.help = true,
            "--list" => parsed.list = true,
            // Flags cargo's own test harness takes; harmless here.
            "--nocapture" | "--quiet" | "-q" | "--show-output" | "--exact" => {}
            "--test-threads" => {
                value("a number")?;
            }
            other if other.starts_with('-') && other.len() > 1 => return Err(UsageError::UnknownOption(other.to_string())),
            // A bare word selects checks, like cargo test's own filter.
            filter => parsed.only.push(filter.to_string()),
        }
    }
    Ok(parsed)
}

fn usage_error(assignment: &str, error: &dyn std::fmt::Display) -> ExitCode {
    eprintln!("error: {error}");
    eprintln!("(options: cargo test -p {assignment} -- --help)");
    ExitCode::from(crate::exit_codes::HARNESS_FAILURE)
}

/// Runs the suite's visible checks in-process and prints the report in the
/// chosen format. Fails (so `cargo test` shows a failure) unless every check
/// that ran passed, or, with `--min-score`, unless the score reaches it.
/// `--help` and `--list` print and run nothing; a `--check` that names no
/// check is an error listing the checks there are.
pub fn main(suite: Suite, runner: Runner) -> ExitCode {
    // One intra-op thread, as in the grader's runner: same numbers, and small
    // tensors train faster without thread hand-offs.
    tch::set_num_threads(1);
    let assignment = suite.assignment().to_string();
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => return usage_error(&assignment, &e),
    };
    if args.help {
        print!("{}", help::usage(&assignment));
        return ExitCode::SUCCESS;
    }
    let rubric = match suite.validate() {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the grader of {assignment} is broken: {e}");
            return ExitCode::from(crate::exit_codes::HARNESS_FAILURE);
        }
    };
    if args.list {
        print!("{}", help::list(rubric));
        return ExitCode::SUCCESS;
    }
    let candidates: Vec<Candidate> =
        rubric.checks.iter().filter(|c| c.visibility.runs_locally()).map(|c| Candidate::new(&c.id, &c.title)).collect();
    let only = match select::resolve(&args.only, &candidates) {
        Ok(ids) => ids,
        Err(e) => return usage_error(&assignment, &e),
    };
    let reproduce = format!("cargo test -p {assignment} -- --seed {}", args.seed);
    let options = RunOptions { seed: args.seed, device: tch::Device::Cpu, local: true, only, reproduce };
    let mut submission = InProcess::new(runner);
    let report = match suite.run("local", &mut submission, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the grader of {assignment} is broken: {e}");
            return ExitCode::from(crate::exit_codes::HARNESS_FAILURE);
        }
    };
    // cargo runs tests in the crate's directory, and panic locations are
    // relative to the workspace: annotations name files from the repository root.
    let here = std::env::current_dir().unwrap_or_default();
    let root = std::env::var_os("GITHUB_WORKSPACE").filter(|v| !v.is_empty()).map(std::path::PathBuf::from).unwrap_or_else(|| here.clone());
    let prefix = crate::report::github::locate_prefix(&report, &here, &root);
    let ctx = output::Context {
        batch: false,
        style: Style::for_stdout(args.color),
        source_prefix: std::iter::once(("local".to_string(), prefix)).collect(),
    };
    let all_passed = report.checks.iter().all(|c| matches!(c.status, Status::Passed | Status::NotRun));
    match output::emit(&args.report, std::slice::from_ref(&report), &ctx) {
        Ok(outcome) if args.report.min_score.is_some() => output::exit_code(&outcome, ExitCode::SUCCESS),
        Ok(_) if all_passed => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(crate::exit_codes::HARNESS_FAILURE)
        }
    }
}
