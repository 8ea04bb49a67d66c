//! The `gradwork` command line: `list`, `grade`, `dev check`, `demo`.

mod demo;
mod dev_check;
mod grade;
mod list;
mod merge;
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
        Command::Dev { command: DevCommand::Check { assignment, seeds } } => dev_check::run(&course, assignment.as_deref(), seeds as usize),
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
