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

use crate::grade::DEFAULT_SEED;
use crate::report::output::{self, Format, ReportArgs, ReportSpec};
use crate::report::policy::MinScore;
use crate::report::terminal::{ColorChoice, Style};
use crate::result::Status;
use crate::submission::{InProcess, Runner};
use crate::suite::{RunOptions, Suite};
use std::process::ExitCode;

/// Arguments after `cargo test -p <assignment> --`.
#[derive(Debug, Clone, PartialEq)]
pub struct LocalArgs {
    /// `--seed N`: the seed of every random input.
    pub seed: u64,
    /// `--check ID` (repeatable) or bare words: only these checks.
    pub only: Vec<String>,
    /// `--format`, `--report FORMAT[=PATH]`, `--min-score`.
    pub report: ReportArgs,
    /// `--color auto|always|never`.
    pub color: ColorChoice,
}

const USAGE: &str = "this test takes --seed N, --check ID, --format FORMAT, --report FORMAT[=PATH], --min-score POINTS|PERCENT%, --color WHEN";

/// Parses the arguments after `--`. Flags of cargo's own test harness
/// (`--nocapture`, `--test-threads N`, ...) are accepted and ignored.
///
/// ```
/// use gradwork::student::parse_args;
/// let args = parse_args(["--seed", "7", "tridiagonal", "--format=junit", "--min-score", "60%"].map(String::from).into_iter()).unwrap();
/// assert_eq!((args.seed, args.only.as_slice()), (7, ["tridiagonal".to_string()].as_slice()));
/// assert_eq!(args.report.format, gradwork::report::output::Format::Junit);
/// assert!(parse_args(["--format", "yaml"].map(String::from).into_iter()).is_err());
/// ```
pub fn parse_args(args: impl Iterator<Item = String>) -> Result<LocalArgs, String> {
    let mut parsed = LocalArgs { seed: DEFAULT_SEED, only: Vec::new(), report: ReportArgs::default(), color: ColorChoice::Auto };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let (flag, inline) = match arg.split_once('=') {
            Some((f, v)) if f.starts_with("--") => (f.to_string(), Some(v.to_string())),
            _ => (arg.clone(), None),
        };
        let mut value = |what: &str| inline.clone().or_else(|| args.next()).ok_or(format!("{flag} needs {what}"));
        match flag.as_str() {
            "--seed" => {
                let v = value("a number")?;
                parsed.seed = v.parse().map_err(|_| format!("--seed needs a number, got `{v}`"))?;
            }
            "--check" => parsed.only.push(value("a check id")?),
            "--format" => {
                let v = value("a format")?;
                parsed.report.format = <Format as clap::ValueEnum>::from_str(&v, false).map_err(|_| {
                    format!("unknown format `{v}`: use human, json, junit, markdown, github, gradescope or csv")
                })?;
            }
            "--report" => parsed.report.reports.push(value("FORMAT[=PATH]")?.parse::<ReportSpec>()?),
            "--min-score" => parsed.report.min_score = Some(value("a score")?.parse::<MinScore>()?),
            "--color" => parsed.color = value("auto, always or never")?.parse()?,
            // Flags cargo's own test harness takes; harmless here.
            "--nocapture" | "--quiet" | "-q" | "--show-output" | "--exact" => {}
            "--test-threads" => {
                value("a number")?;
            }
            other if other.starts_with("--") => return Err(format!("unknown option `{other}`: {USAGE}")),
            // A bare word filters by check id, like cargo test's own filter.
            filter => parsed.only.push(filter.to_string()),
        }
    }
    Ok(parsed)
}

/// Runs the suite's visible checks in-process and prints the report in the
/// chosen format. Fails (so `cargo test` shows a failure) unless every check
/// that ran passed, or, with `--min-score`, unless the score reaches it.
pub fn main(suite: Suite, runner: Runner) -> ExitCode {
    // One intra-op thread, as in the grader's runner: same numbers, and small
    // tensors train faster without thread hand-offs.
    tch::set_num_threads(1);
    let args = match parse_args(std::env::args().skip(1)) {
        Ok(a) => a,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(crate::exit_codes::HARNESS_FAILURE);
        }
    };
    let reproduce = format!("cargo test -p {} -- --seed {}", suite.assignment(), args.seed);
    let options = RunOptions { seed: args.seed, device: tch::Device::Cpu, local: true, only: args.only, reproduce };
    let mut submission = InProcess::new(runner);
    let report = match suite.run("local", &mut submission, &options) {
        Ok(r) => r,
        Err(e) => {
            eprintln!("error: the grader of {} is broken: {e}", suite.assignment());
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
