use super::CliError;
use crate::course::Course;
use crate::dev::stubs::{self, Written};
use std::process::ExitCode;

/// `gradwork dev stubs [<assignment>]`: rewrites `assignments/<id>/src` from
/// the solution markers in `reference/<id>/src`.
pub fn run(course: &Course, only: Option<&str>) -> Result<ExitCode, CliError> {
    let ids = match only {
        Some(id) => {
            course.require(id)?;
            vec![id.to_string()]
        }
        None => course.assignments(),
    };
    for id in &ids {
        let written = stubs::write(course, id)?;
        if written.is_empty() {
            println!("{id}: stubs up to date");
        }
        for w in written {
            match w {
                Written::Updated(path) => println!("{id}: wrote {}", shown(course, &path)),
                Written::Removed(path) => println!("{id}: removed {} (the reference has no such file)", shown(course, &path)),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn shown(course: &Course, path: &std::path::Path) -> String {
    path.strip_prefix(course.root()).unwrap_or(path).display().to_string()
}
