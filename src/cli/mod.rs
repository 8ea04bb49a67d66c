//! The `gradwork` command line: `list`, `grade`, `dev check`, `dev mutants`, `demo`.

mod demo;
mod dev_check;
mod grade;
mod list;
mod merge;
mod mutants;
mod release;
mod stubs;

use crate::course::Course;
use crate::grade::GradeArgs;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Autograding for a deep-learning course built on libtorch.
#[derive(Debug, Parser)]
#[command(name = "gradwork", version, about)]
pub struct Cli {
    /// The course repository (default: found from the current directory).
    #[arg(long, global = true, value_name = "DIR")]
    pub course: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List assignments with their checks, points and visibility.
    List,
    /// Grade submissions of one assignment, each built and run in isolation.
    Grade {
        /// Assignment id, e.g. a01-tensors.
        assignment: String,
        // Boxed: the grading options are most of the enum's size.
        #[command(flatten)]
        args: Box<GradeArgs>,
    },
    /// Combine the output folders of `gradwork grade --shard i/N` runs into the files one run writes.
    Merge {
        /// The shards' output folders.
        #[arg(required = true, value_name = "OUT")]
        inputs: Vec<PathBuf>,
        /// Where the combined reports go.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write what leaves the course repository: the students' folder and/or a Gradescope autograder.
    Release {
        /// Assignment id, e.g. a01-tensors.
        assignment: String,
        /// Write the student distribution here: stubs, public checks, README, data; no reference
        /// code, no hidden checks (a new or empty directory).
        #[arg(long, value_name = "DIR")]
        student: Option<PathBuf>,
        /// Write a Gradescope autograder zip here (setup.sh, run_autograder, the grader with every check).
        #[arg(long, value_name = "FILE.zip")]
        gradescope: Option<PathBuf>,
    },
    /// Course-author tools.
    Dev {
        #[command(subcommand)]
        command: DevCommand,
    },
    /// Grade the bundled sample submissions of every assignment and print a score table.
    Demo {
        /// Where the samples and their reports go (default: target/gradwork/demo).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum DevCommand {
    /// Check every assignment: stubs match `dev stubs`, references get full marks, stubs zero;
    /// the reference is graded under several seeds to find flaky checks and loose tolerances.
    Check {
        /// Only this assignment (default: all).
        assignment: Option<String>,
        /// Seeds to grade the reference under (the first also grades the stub).
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..=50))]
        seeds: u64,
        /// Also grade N mutants of each reference's solution code, chosen by the
        /// default seed (the CI gate of `gradwork dev mutants`); a survivor not
        /// recorded as equivalent fails the check.
        #[arg(long, value_name = "N", default_value_t = 0)]
        mutants: usize,
    },
    /// Would the graders notice a wrong program? Grades mutants of each reference's solution code
    /// (cargo-mutants' operators and gradwork's tensor-aware ones) with every check, and reports
    /// killed, survived and did-not-build mutants in OUT/mutants.md and OUT/mutants.json.
    Mutants {
        /// Only these assignments (default: all).
        assignments: Vec<String>,
        /// Grade at most N mutants per assignment, chosen by the seed (default: all).
        #[arg(long, value_name = "N")]
        max: Option<usize>,
        /// Seed of the sample and of every check's inputs.
        #[arg(long, default_value_t = crate::grade::DEFAULT_SEED)]
        seed: u64,
        /// Mutants graded at the same time (default: number of cores).
        #[arg(long, value_name = "J")]
        jobs: Option<usize>,
        /// Where the mutants, their reports, mutants.md and mutants.json go (default: target/gradwork/mutants).
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        /// Only list the mutants in solution code, one name a line (the names mutants.toml records); grade nothing.
        #[arg(long)]
        list: bool,
        /// Only the mutants whose name contains TEXT (repeatable), e.g. to grade last run's survivors again.
        #[arg(long = "mutant", value_name = "TEXT")]
        matching: Vec<String>,
    },
    /// Rewrite each `assignments/<id>/src` from the solution markers in `reference/<id>/src`.
    Stubs {
        /// Only this assignment (default: all).
        assignment: Option<String>,
    },
}

/// Errors of the `gradwork` binary; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// The course could not be found or read.
    #[error(transparent)]
    Course(#[from] crate::course::CourseError),
    /// A grader could not be built.
    #[error("the grader of {assignment} does not build:\n{message}")]
    GraderBuild {
        /// assignment id
        assignment: String,
        /// cargo's first error
        message: String,
    },
    /// A grader failed to run.
    #[error("the grader of {assignment} failed: {message}")]
    GraderRun {
        /// assignment id
        assignment: String,
        /// what happened
        message: String,
    },
    /// Samples could not be made.
    #[error(transparent)]
    Samples(#[from] crate::samples::SampleError),
    /// Stubs could not be generated from the reference.
    #[error(transparent)]
    Stubs(#[from] crate::dev::stubs::StubError),
    /// Shard outputs that cannot be merged.
    #[error("{0}")]
    Merge(String),
    /// A release could not be made.
    #[error(transparent)]
    Release(#[from] crate::dev::release::ReleaseError),
    /// Mutants could not be listed or made.
    #[error(transparent)]
    Mutants(#[from] crate::dev::mutants::MutantsError),
    /// I/O outside grading.
    #[error("{path}: {source}")]
    Io {
        /// the path
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
}

/// Parses the command line and runs it.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    let course = match &cli.course {
        Some(dir) => Ok(Course::at(dir)),
        None => std::env::current_dir()
            .map_err(|e| crate::course::CourseError::NotFound(PathBuf::from(format!(". ({e})"))))
            .and_then(|d| Course::discover(&d).or_else(|_| Course::discover(std::path::Path::new(env!("CARGO_MANIFEST_DIR"))))),
    };
    let course = match course {
        Ok(c) => c,
        Err(e) => return fail(&e.into()),
    };
    let outcome = match cli.command {
        Command::List => list::run(&course),
        Command::Grade { assignment, args } => grade::run(&course, &assignment, &args),
        Command::Dev { command: DevCommand::Check { assignment, seeds, mutants } } => {
            dev_check::run(&course, assignment.as_deref(), seeds as usize, mutants)
        }
        Command::Dev { command: DevCommand::Mutants { assignments, list: true, .. } } => mutants::list(&course, &assignments),
        Command::Dev { command: DevCommand::Mutants { assignments, max, seed, jobs, out, list: false, matching } } => {
            let out = out.unwrap_or_else(|| course.build_dir().join("mutants"));
            mutants::run(&course, &assignments, &mutants::MutantsOptions { max, seed, jobs, out, matching })
        }
        Command::Dev { command: DevCommand::Stubs { assignment } } => stubs::run(&course, assignment.as_deref()),
        Command::Release { assignment, student, gradescope } => release::run(&course, &assignment, student.as_deref(), gradescope.as_deref()),
        Command::Demo { out } => demo::run(&course, out),
        Command::Merge { inputs, out } => merge::run(&inputs, &out),
    };
    match outcome {
        Ok(code) => code,
        Err(e) => fail(&e),
    }
}

fn fail(e: &CliError) -> ExitCode {
    eprintln!("error: {e}");
    ExitCode::from(crate::exit_codes::HARNESS_FAILURE)
}
