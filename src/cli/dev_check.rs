use super::grade::{build_grader, grader_args};
use super::CliError;
use crate::compare::num;
use crate::course::Course;
use crate::grade::GradeArgs;
use crate::report::summary::{Summary, SubmissionSummary};
use crate::result::Status;
use std::path::Path;
use std::process::ExitCode;

/// `gradwork dev check [<assignment>]`: the reference must get full marks and
/// the stub zero on every graded check.
pub fn run(course: &Course, only: Option<&str>) -> Result<ExitCode, CliError> {
    let ids = match only {
        Some(id) => {
            course.require(id)?;
            vec![id.to_string()]
        }
        None => course.assignments(),
    };
    let mut problems = Vec::new();
    for id in &ids {
        let summary = grade_reference_and_stub(course, id)?;
        for line in judge(id, &summary) {
            problems.push(line);
        }
    }
    if problems.is_empty() {
        println!("dev check passed: {} assignment(s), every reference full marks, every stub zero", ids.len());
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("FAIL {p}");
        }
        Ok(ExitCode::from(crate::exit_codes::POLICY_FAILURE))
    }
}

/// Grades `reference/<id>` (as `reference`) and `assignments/<id>` (as `stub`).
pub fn grade_reference_and_stub(course: &Course, id: &str) -> Result<Summary, CliError> {
    let grader = build_grader(course, id)?;
    let tmp = tempfile::Builder::new().prefix("gradwork-dev-check-").tempdir().map_err(|source| CliError::Io { path: "/tmp".into(), source })?;
    let subs = tmp.path().join("submissions");
    let link = |name: &str, target: &Path| {
        std::fs::create_dir_all(&subs)
            .and_then(|_| std::os::unix::fs::symlink(target, subs.join(name)))
            .map_err(|source| CliError::Io { path: subs.join(name), source })
    };
    link("reference", &course.reference_dir(id))?;
    link("stub", &course.stub_dir(id))?;
    let out = tmp.path().join("out");
    let args = GradeArgs {
        submissions: Vec::new(),
        submissions_dir: Some(subs),
        out: out.clone(),
        seed: crate::grade::DEFAULT_SEED,
        device: crate::libtorch::DeviceChoice::Auto,
        only: Vec::new(),
        jobs: None,
        verbose: false,
    };
    run_grader(&grader, course, id, &args)?;
    read_summary(&out, id)
}

/// Runs a grader binary to completion.
pub fn run_grader(grader: &Path, course: &Course, id: &str, args: &GradeArgs) -> Result<(), CliError> {
    let status = std::process::Command::new(grader)
        .args(grader_args(course, args))
        .status()
        .map_err(|e| CliError::GraderRun { assignment: id.into(), message: e.to_string() })?;
    if !status.success() {
        return Err(CliError::GraderRun { assignment: id.into(), message: format!("it exited with {status}") });
    }
    Ok(())
}

/// Reads OUT/summary.json.
pub fn read_summary(out: &Path, id: &str) -> Result<Summary, CliError> {
    let path = out.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|source| CliError::Io { path: path.clone(), source })?;
    serde_json::from_str(&text).map_err(|e| CliError::GraderRun { assignment: id.into(), message: format!("{}: {e}", path.display()) })
}

fn judge(id: &str, summary: &Summary) -> Vec<String> {
    let mut problems = Vec::new();
    let find = |name: &str| summary.submissions.iter().find(|s| s.name == name);
    match find("reference") {
        Some(r) => {
            println!("{id}: reference {} / {}", num(r.score), num(r.max_score));
            problems.extend(failing(r, |s| s != Status::Passed).into_iter().map(|c| format!("{id}: the reference does not pass `{c}`")));
        }
        None => problems.push(format!("{id}: the reference was not graded")),
    }
    match find("stub") {
        Some(s) => {
            println!("{id}: stub      {} / {}", num(s.score), num(s.max_score));
            problems.extend(failing(s, |st| st == Status::Passed).into_iter().map(|c| format!("{id}: the stub passes `{c}` (a check that cannot fail?)")));
        }
        None => problems.push(format!("{id}: the stub was not graded")),
    }
    problems
}

/// Checks whose status is `bad`, or whose score disagrees with their status.
fn failing(s: &SubmissionSummary, bad: impl Fn(Status) -> bool) -> Vec<String> {
    s.checks
        .iter()
        .filter(|c| bad(c.status) || (c.status == Status::Passed) != (c.score == c.max_score))
        .map(|c| c.id.clone())
        .collect()
}
