use super::CliError;
use crate::compare::num;
use crate::course::Course;
use std::process::ExitCode;

/// `gradwork list`: assignments, checks, points and visibility.
pub fn run(course: &Course) -> Result<ExitCode, CliError> {
    for id in course.assignments() {
        let rubric = course.rubric(&id)?;
        println!("{id}: {} ({} points)", rubric.title, num(rubric.max_score()));
        let width = rubric.checks.iter().map(|c| c.id.len()).max().unwrap_or(0);
        for c in &rubric.checks {
            let vis = serde_json::to_value(c.visibility).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default();
            println!("  {:<width$}  {:>5}  {:<15} {}", c.id, num(c.points), vis, c.title);
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}
