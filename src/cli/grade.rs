use super::CliError;
use crate::course::Course;
use crate::grade::GradeArgs;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::ExitCode;

/// Builds the grader binary of `assignment` (into the shared gradwork build dir).
pub fn build_grader(course: &Course, assignment: &str) -> Result<PathBuf, CliError> {
    course.require(assignment)?;
    let bin = format!("{assignment}-grader");
    let mut cmd = crate::cargo::command(&course.build_dir());
    cmd.current_dir(course.root()).args(["build", "--quiet", "-p", &bin, "--bin", &bin]);
    crate::cargo::build_binary(cmd, &bin).map_err(|e| CliError::GraderBuild { assignment: assignment.into(), message: e.to_string() })
}

/// The grader's command line for these arguments.
pub fn grader_args(course: &Course, args: &GradeArgs) -> Vec<String> {
    let mut out = vec!["grade".to_string(), "--course".into(), course.root().display().to_string()];
    out.extend(args.submissions.iter().map(|p| p.display().to_string()));
    if let Some(dir) = &args.submissions_dir {
        out.extend(["--submissions".into(), dir.display().to_string()]);
    }
    out.extend(["--out".into(), args.out.display().to_string(), "--seed".into(), args.seed.to_string()]);
    let device = clap::ValueEnum::to_possible_value(&args.device).map(|v| v.get_name().to_string()).unwrap_or_else(|| "auto".into());
    out.extend(["--device".into(), device]);
    for c in &args.only {
        out.extend(["--check".into(), c.clone()]);
    }
    if let Some(j) = args.jobs {
        out.extend(["--jobs".into(), j.to_string()]);
    }
    if args.verbose {
        out.push("--verbose".into());
    }
    if let Some(shard) = args.shard {
        out.extend(["--shard".into(), shard.to_string()]);
    }
    if args.force {
        out.push("--force".into());
    }
    if let Some(t) = args.time_limit {
        out.extend(["--time-limit".into(), t.to_string()]);
    }
    if let Some(mb) = args.memory_limit {
        out.extend(["--memory-limit".into(), mb.to_string()]);
    }
    if let Some(t) = args.build_time_limit {
        out.extend(["--build-time-limit".into(), t.to_string()]);
    }
    if let Some(mb) = args.build_memory_limit {
        out.extend(["--build-memory-limit".into(), mb.to_string()]);
    }
    if args.no_sandbox {
        out.push("--no-sandbox".into());
    }
    out.extend(args.report.to_args());
    out
}

/// `gradwork grade <assignment> ...`: runs the assignment's grader in place of this process.
pub fn run(course: &Course, assignment: &str, args: &GradeArgs) -> Result<ExitCode, CliError> {
    let grader = build_grader(course, assignment)?;
    let err = std::process::Command::new(&grader).args(grader_args(course, args)).exec();
    Err(CliError::GraderRun { assignment: assignment.into(), message: format!("cannot start {}: {err}", grader.display()) })
}
