use super::CliError;
use crate::course::Course;
use crate::dev::release;
use std::path::Path;
use std::process::ExitCode;

/// `gradwork release <assignment> [--student DIR] [--gradescope FILE.zip]`.
pub fn run(course: &Course, id: &str, student: Option<&Path>, gradescope: Option<&Path>) -> Result<ExitCode, CliError> {
    course.require(id)?;
    if student.is_none() && gradescope.is_none() {
        eprintln!("error: say what to release: --student DIR (the students' folder) and/or --gradescope FILE.zip (the autograder)");
        return Ok(ExitCode::from(crate::exit_codes::HARNESS_FAILURE));
    }
    if let Some(dir) = student {
        let tree = release::student(course, id, dir)?;
        let hidden = release::withheld_checks(course, id)?;
        println!(
            "{id}: wrote the student release to {} ({} files; {} hidden checks withheld, no reference code)",
            dir.display(),
            tree.paths().count(),
            hidden.len()
        );
    }
    if let Some(zip) = gradescope {
        let tree = release::gradescope(course, id, zip)?;
        println!(
            "{id}: wrote the Gradescope autograder to {} ({} files): upload it as the assignment's autograder zip",
            zip.display(),
            tree.paths().count()
        );
    }
    Ok(ExitCode::SUCCESS)
}
