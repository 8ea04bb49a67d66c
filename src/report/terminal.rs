//! The human report: one line per check (✓/✗, title, points), the failure
//! messages under it, the total and how many hidden checks were not run.

use crate::compare::num;
use crate::result::{CheckResult, Status, SubmissionReport};
use std::fmt::Write as _;
use std::io::IsTerminal;

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours on.
    pub color: bool,
}

impl Style {
    /// Colour only on a terminal, and never when `NO_COLOR` is set.
    pub fn detect() -> Style {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        Style { color: !no_color && std::io::stdout().is_terminal() }
    }

    /// No colour (files, snapshots).
    pub const PLAIN: Style = Style { color: false };

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn mark(status: Status) -> (&'static str, &'static str) {
    match status {
        Status::Passed => ("✓", "32"),
        Status::Failed => ("✗", "31"),
        Status::Error => ("✗", "31"),
        Status::TimedOut => ("⏱", "33"),
        Status::Crashed => ("💥", "31"),
        Status::NotRun => ("·", "90"),
    }
}

/// The header lines.
pub fn header(report: &SubmissionReport) -> String {
    let h = &report.header;
    format!(
        "{} · grader {} · gradwork {} · libtorch {} · device {} · seed {} · {}\nlimits: {}\nreproduce: {}\n",
        h.assignment, h.grader_version, h.gradwork_version, h.libtorch_version, h.device, h.seed, h.mode, h.limits, h.reproduce
    )
}

fn check_line(out: &mut String, c: &CheckResult, width: usize, style: Style) {
    let (symbol, color) = mark(c.status);
    let status = if matches!(c.status, Status::Passed | Status::Failed | Status::NotRun) {
        String::new()
    } else {
        format!(" [{}]", c.status.as_str())
    };
    let points = if c.status == Status::NotRun { format!("  -/{}", num(c.max_score)) } else { format!("{}/{}", num(c.score), num(c.max_score)) };
    let _ = writeln!(out, "  {} {:<width$}  {:>7}{}", style.paint(color, symbol), c.title, points, style.paint(color, &status));
}

/// The full report for a terminal or a log.
pub fn render(report: &SubmissionReport, style: Style) -> String {
    let mut out = header(report);
    out.push('\n');
    let width = report.checks.iter().map(|c| c.title.chars().count()).max().unwrap_or(10).min(70);
    for c in &report.checks {
        check_line(&mut out, c, width, style);
        if !c.message.is_empty() && c.status != Status::Passed {
            for line in c.message.lines() {
                let _ = writeln!(out, "      │ {line}");
            }
            let _ = writeln!(out, "      │ (check `{}`)", c.id);
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "\nnote: {note}");
    }
    let ran: Vec<&CheckResult> = report.checks.iter().filter(|c| c.status != Status::NotRun).collect();
    let earned: f64 = ran.iter().map(|c| c.score).sum();
    let possible: f64 = ran.iter().map(|c| c.max_score).sum();
    let passed = ran.iter().filter(|c| c.status == Status::Passed).count();
    let _ = writeln!(out, "\n{} / {} points · {} of {} checks passed", num(earned), num(possible), passed, ran.len());
    let hidden: Vec<&CheckResult> = report.checks.iter().filter(|c| c.status == Status::NotRun && !c.visibility.runs_locally()).collect();
    if !hidden.is_empty() {
        let points: f64 = hidden.iter().map(|c| c.max_score).sum();
        let _ = writeln!(
            out,
            "{} hidden checks are not run locally ({} points); they run when your work is graded.",
            hidden.len(),
            num(points)
        );
    }
    out
}
