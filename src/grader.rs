//! The `main` of an assignment's grader binary (`graders/<id>`): the trusted
//! process that makes inputs, computes the oracle, runs the submissions'
//! runners and writes every report. `gradwork grade <id>` builds and runs it.

use crate::course::Course;
use crate::grade::{self, GradeArgs};
use crate::report::output;
use crate::suite::Suite;
use clap::Parser;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(about = "Grade submissions of one assignment (usually run through `gradwork grade <assignment>`)")]
struct GraderCli {
    #[command(subcommand)]
    command: GraderCommand,
}

#[derive(Debug, clap::Subcommand)]
enum GraderCommand {
    /// Grade submissions.
    Grade {
        #[command(flatten)]
        args: GradeArgs,
        /// The course repository (default: where this grader was built from).
        #[arg(long, value_name = "DIR")]
        course: Option<PathBuf>,
    },
}

/// Runs the grader CLI for `suite`. Exit status 0 when grading completed,
/// whatever the scores; 2 when it could not.
pub fn main(suite: Suite) -> ExitCode {
    let cli = GraderCli::parse();
    // One intra-op thread: oracle results do not depend on the machine's core
    // count, and parallel jobs do not fight over cores.
    tch::set_num_threads(1);
    let GraderCommand::Grade { args, course } = cli.command;
    // graders/<id> → the course root two levels up.
    let course = course
        .map(Course::at)
        .unwrap_or_else(|| Course::at(suite.grader_dir().join("..").join("..")));
    let prefix = format!("gradwork grade {}", suite.assignment());
    let reports = match grade::grade_batch(&suite, &course, &args, &prefix) {
        Ok(reports) => reports,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(crate::exit_codes::HARNESS_FAILURE);
        }
    };
    let entries = grade::collect(&args).unwrap_or_default();
    let ctx = output::Context {
        batch: true,
        style: crate::report::terminal::Style::detect(),
        source_prefix: output::source_prefixes(entries.iter().map(|e| (e.name.as_str(), e.path.as_path()))),
    };
    match output::emit(&args.report, &reports, &ctx) {
        Ok(outcome) => {
            eprintln!("reports written to {}", args.out.display());
            output::exit_code(&outcome, ExitCode::SUCCESS)
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(crate::exit_codes::HARNESS_FAILURE)
        }
    }
}
