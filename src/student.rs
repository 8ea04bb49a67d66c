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
use crate::report::terminal::{self, Style};
use crate::result::Status;
use crate::submission::{InProcess, Runner};
use crate::suite::{RunOptions, Suite};
use std::process::ExitCode;

/// Arguments after `cargo test -p <assignment> --`.
struct LocalArgs {
    seed: u64,
    only: Vec<String>,
}

fn parse_args(args: impl Iterator<Item = String>) -> Result<LocalArgs, String> {
    let mut parsed = LocalArgs { seed: DEFAULT_SEED, only: Vec::new() };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seed" => {
                let v = args.next().ok_or("--seed needs a number")?;
                parsed.seed = v.parse().map_err(|_| format!("--seed needs a number, got `{v}`"))?;
            }
            "--check" => parsed.only.push(args.next().ok_or("--check needs a check id")?),
            // Flags cargo's own test harness takes; harmless here.
            "--nocapture" | "--quiet" | "-q" | "--color" | "--test-threads" => {
                if matches!(arg.as_str(), "--color" | "--test-threads") {
                    args.next();
                }
            }
            other if other.starts_with("--") => return Err(format!("unknown option `{other}`: this test takes --seed N and --check ID")),
            // A bare word filters by check id, like cargo test's own filter.
            filter => parsed.only.push(filter.to_string()),
        }
    }
    Ok(parsed)
}

/// Runs the suite's visible checks in-process and prints the report. Fails
/// (so `cargo test` shows a failure) unless every check that ran passed.
pub fn main(suite: Suite, runner: Runner) -> ExitCode {
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
    print!("{}", terminal::render(&report, Style::detect()));
    let all_passed = report.checks.iter().all(|c| matches!(c.status, Status::Passed | Status::NotRun));
    if all_passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}
