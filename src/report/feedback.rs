//! `OUT/<name>/feedback.md`: what a student reads. One line per check with
//! its verdict and points, then every check that did not pass with its
//! message (checks that failed for the same reason, such as a compile error,
//! share one). Hidden checks count in the score but are not listed.

use crate::compare::num;
use crate::result::{CheckResult, Status, SubmissionReport, Visibility};
use std::fmt::Write as _;

/// The feedback of one submission as Markdown.
pub fn render(report: &SubmissionReport) -> String {
    let h = &report.header;
    let mut out = format!(
        "# {}: {} / {} points\n\n",
        h.assignment,
        num(report.score()),
        num(report.max_score())
    );
    let _ = writeln!(
        out,
        "Graded by gradwork {} (grader {}, libtorch {}) on `{}` with seed `{}`.  \n\
         To run the visible checks on your machine with the same inputs: `cargo test -p {} -- --seed {}`\n",
        h.gradwork_version, h.grader_version, h.libtorch_version, h.device, h.seed, h.assignment, h.seed
    );
    for note in &report.notes {
        let _ = writeln!(out, "> {note}\n");
    }
    let shown: Vec<&CheckResult> = report.checks.iter().filter(|c| c.visibility != Visibility::Hidden).collect();
    out.push_str("| | check | points |\n|---|---|---:|\n");
    for c in &shown {
        let points = if c.status == Status::NotRun { format!("– / {}", num(c.max_score)) } else { format!("{} / {}", num(c.score), num(c.max_score)) };
        let _ = writeln!(out, "| {} | {}{} | {} |", mark(c.status), escape_cell(&c.title), when(c.visibility), points);
    }
    let hidden = report.checks.len() - shown.len();
    if hidden > 0 {
        let _ = writeln!(out, "\n{hidden} hidden check{} count towards the score but are not listed here.", if hidden == 1 { "" } else { "s" });
    }
    // Checks that failed for the same reason (a compile error stops them all) are explained once.
    let mut groups: Vec<Vec<&CheckResult>> = Vec::new();
    for c in shown.iter().copied().filter(|c| !matches!(c.status, Status::Passed | Status::NotRun)) {
        match groups.iter_mut().find(|g| g[0].message == c.message && g[0].status == c.status) {
            Some(g) => g.push(c),
            None => groups.push(vec![c]),
        }
    }
    for group in groups {
        let c = group[0];
        let status = c.status.as_str().replace('_', " ");
        if let [only] = group.as_slice() {
            let _ = write!(
                out,
                "\n## {} {} — {} / {} ({status})\n\n{}\n\n(check `{}`)\n",
                mark(c.status),
                only.title,
                num(only.score),
                num(only.max_score),
                only.message.trim_end(),
                only.id
            );
            continue;
        }
        let points: f64 = group.iter().map(|c| c.max_score).sum();
        let ids: Vec<String> = group.iter().map(|c| format!("`{}`", c.id)).collect();
        let _ = write!(
            out,
            "\n## {} {} checks — 0 / {} ({status})\n\n{}\n\n(checks {})\n",
            mark(c.status),
            group.len(),
            num(points),
            c.message.trim_end(),
            ids.join(", ")
        );
    }
    plots(&mut out, &shown);
    out
}

/// The PNG plots checks attached (written next to this file), each with a
/// link to its SVG twin when there is one.
fn plots(out: &mut String, shown: &[&CheckResult]) {
    let with_plots: Vec<&&CheckResult> = shown.iter().filter(|c| c.attachments.iter().any(|a| a.file_name.ends_with(".png"))).collect();
    if with_plots.is_empty() {
        return;
    }
    out.push_str("\n## Plots\n");
    for c in with_plots {
        let _ = write!(out, "\n### {}\n", c.title);
        for a in c.attachments.iter().filter(|a| a.file_name.ends_with(".png")) {
            let svg = a.file_name.replace(".png", ".svg");
            let svg_link = if c.attachments.iter().any(|b| b.file_name == svg) { format!(" ([SVG]({svg}))") } else { String::new() };
            let _ = write!(out, "\n![{}]({}){svg_link}\n", escape_cell(&a.caption), a.file_name);
        }
    }
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "✓",
        Status::Failed | Status::Error => "✗",
        Status::TimedOut => "⏱",
        Status::Crashed => "💥",
        Status::NotRun => "·",
    }
}

fn when(v: Visibility) -> &'static str {
    match v {
        Visibility::AfterDueDate => " (shown after the due date)",
        Visibility::AfterPublished => " (shown once grades are published)",
        Visibility::Visible | Visibility::Hidden => "",
    }
}

/// A table cell: no line breaks, `|` escaped.
fn escape_cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}
