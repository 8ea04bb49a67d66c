//! What `cargo test -p <id> -- --help` and `-- --list` print.

use crate::compare::num;
use crate::grade::DEFAULT_SEED;
use crate::report::output::Format;
use crate::rubric::Rubric;
use std::fmt::Write as _;

/// The usage of a student's `cargo test -p <assignment> --`.
pub fn usage(assignment: &str) -> String {
    let formats: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
    format!(
        "Runs the checks of {assignment} that you can see against your code, one line per check.

Usage: cargo test -p {assignment} -- [OPTIONS] [CHECK...]

Options:
  --check CHECK          Run only this check (repeatable; a bare CHECK works too). CHECK is a
                         check id (printed after each check's points, and by --list), a prefix
                         of exactly one id, or a function name such as `pairwise_distances`,
                         which runs every check of that function.
  --seed N               Other random inputs (default {DEFAULT_SEED}). The report's `reproduce:`
                         line is the command that gives the same inputs again.
  --list                 List the checks with their ids and points, and run nothing.
  --format FORMAT        What to print: {formats}.
                         `classroom` is GitHub Classroom's result (base64).
  --report FORMAT[=PATH] Also write FORMAT to PATH (repeatable). In GitHub Actions, `github`
                         needs no PATH (the job summary) and neither does `classroom` (the step
                         output `result` that Classroom's reporter reads).
  --min-score SCORE      Exit with status 1 when the checks that ran score below SCORE:
                         points (`18`) or a percentage (`60%`).
  --color WHEN           auto (default), always or never; NO_COLOR and FORCE_COLOR work too.
  -h, --help             This text.

Examples:
  cargo test -p {assignment} -- --list
  cargo test -p {assignment} -- --check ID
  cargo test -p {assignment} -- --seed 7

Exit status: 0 when every check that ran passed (with --min-score: when the score reaches it),
1 when a check did not pass (or the score is below --min-score), 2 for a mistake in these
options or a broken grader. cargo reports any status but 0 as `test failed`.
",
        formats = formats.join(", ")
    )
}

/// `--list`: the checks a student can run, with ids and points; the others
/// counted, not named.
pub fn list(rubric: &Rubric) -> String {
    let visible: Vec<_> = rubric.checks.iter().filter(|c| c.visibility.runs_locally()).collect();
    let others: Vec<_> = rubric.checks.iter().filter(|c| !c.visibility.runs_locally()).collect();
    let points = |checks: &[&crate::rubric::CheckSpec]| num(checks.iter().map(|c| c.points).sum());
    let mut out = format!("{}: {} checks you can run here ({} points)\n\n", rubric.assignment, visible.len(), points(&visible));
    let width = visible.iter().map(|c| c.id.chars().count()).max().unwrap_or(2).max(2);
    let _ = writeln!(out, "  {:<width$}  points  title", "id");
    for c in &visible {
        let _ = writeln!(out, "  {:<width$}  {:>6}  {}", c.id, num(c.points), c.title);
    }
    if !others.is_empty() {
        let _ = writeln!(
            out,
            "\n{} hidden check{} ({} points) run only when your work is graded.",
            others.len(),
            if others.len() == 1 { "" } else { "s" },
            points(&others)
        );
    }
    let _ = writeln!(out, "\nRun one: cargo test -p {} -- --check ID", rubric.assignment);
    out
}
