//! `OUT/summary.md`: the batch at a glance, for the instructor. Score
//! statistics and histogram, the pass rate of every check, the submissions
//! that did not compile or could not be graded, and (last, the only part that
//! changes from run to run) where the time went.

use crate::compare::num;
use crate::grade::record::{BuildOutcome, Record};
use crate::result::Status;
use std::fmt::Write as _;

/// The heading of the last section; everything from it on is timing.
pub const TIME_HEADING: &str = "## Time";

/// Width of the longest histogram bar.
const BAR: usize = 40;

/// The summary of a batch (records in name order).
pub fn render(assignment: &str, seed: u64, records: &[Record]) -> String {
    let mut out = format!("# {assignment}: {} submission{}\n\n", records.len(), plural(records.len()));
    let max = records.first().map(|r| r.report.max_score()).unwrap_or(0.0);
    if let Some(first) = records.first() {
        let h = &first.report.header;
        let _ = writeln!(
            out,
            "{} points · seed `{seed}` · gradwork {} · grader {} · libtorch {} · device `{}`\n",
            num(max),
            h.gradwork_version,
            h.grader_version,
            h.libtorch_version,
            h.device
        );
        let mut limits: Vec<&str> = records.iter().map(|r| r.report.header.limits.as_str()).collect();
        limits.sort();
        limits.dedup();
        for l in limits {
            let _ = writeln!(out, "Limits and isolation: {l}\n");
        }
    }
    scores(&mut out, records, max);
    checks(&mut out, records);
    problems(&mut out, records);
    time(&mut out, records);
    out
}

fn scores(out: &mut String, records: &[Record], max: f64) {
    out.push_str("## Scores\n\n");
    if records.is_empty() {
        out.push_str("No submissions.\n\n");
        return;
    }
    let mut scores: Vec<f64> = records.iter().map(|r| r.report.score()).collect();
    scores.sort_by(|a, b| a.total_cmp(b));
    let n = scores.len();
    let mean = scores.iter().sum::<f64>() / n as f64;
    let median = if n % 2 == 1 { scores[n / 2] } else { (scores[n / 2 - 1] + scores[n / 2]) / 2.0 };
    let full = scores.iter().filter(|&&s| s >= max).count();
    let _ = writeln!(
        out,
        "mean {} · median {} · lowest {} · highest {} · full marks {full} of {n}\n",
        round2(mean),
        round2(median),
        num(scores[0]),
        num(scores[n - 1])
    );
    let mut bins = [0usize; 10];
    for s in &scores {
        let fraction = if max > 0.0 { s / max } else { 0.0 };
        bins[((fraction * 10.0).floor() as usize).min(9)] += 1;
    }
    let most = bins.iter().copied().max().unwrap_or(1).max(1);
    out.push_str("```text\n");
    for (i, &count) in bins.iter().enumerate().rev() {
        let label = if i == 9 { "90–100 %".to_string() } else { format!("{}–{} %", i * 10, i * 10 + 10) };
        let bar = "█".repeat((count * BAR).div_ceil(most));
        let _ = writeln!(out, "{label:>9} │{bar} {count}");
    }
    out.push_str("```\n\n");
}

fn checks(out: &mut String, records: &[Record]) {
    let Some(first) = records.first() else { return };
    out.push_str("## Checks\n\n| check | points | passed | pass rate | failed | error | timed out | crashed |\n|---|---:|---:|---:|---:|---:|---:|---:|\n");
    for (i, c) in first.report.checks.iter().enumerate() {
        let statuses: Vec<Status> = records.iter().filter_map(|r| r.report.checks.get(i)).map(|c| c.status).collect();
        let count = |s: Status| statuses.iter().filter(|&&x| x == s).count();
        let ran = statuses.len() - count(Status::NotRun);
        let rate = if ran == 0 { "not run".to_string() } else { format!("{:.0} %", 100.0 * count(Status::Passed) as f64 / ran as f64) };
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {rate} | {} | {} | {} | {} |",
            c.id,
            num(c.max_score),
            count(Status::Passed),
            count(Status::Failed),
            count(Status::Error),
            count(Status::TimedOut),
            count(Status::Crashed)
        );
    }
    out.push('\n');
}

fn problems(out: &mut String, records: &[Record]) {
    let compile: Vec<&Record> = records.iter().filter(|r| matches!(r.build, BuildOutcome::CompileError { .. })).collect();
    let _ = writeln!(out, "## Did not compile ({})\n", compile.len());
    if compile.is_empty() {
        out.push_str("Every submission compiled.\n\n");
    }
    for r in &compile {
        let at = match &r.build {
            BuildOutcome::CompileError { location: Some(l) } => format!(": first error at `{l}`"),
            _ => String::new(),
        };
        let _ = writeln!(out, "- `{}`{at}", r.report.name);
    }
    if !compile.is_empty() {
        out.push('\n');
    }
    let bad: Vec<&Record> = records.iter().filter(|r| matches!(r.build, BuildOutcome::NotGradable { .. })).collect();
    if bad.is_empty() {
        return;
    }
    let _ = writeln!(out, "## Not gradable ({})\n", bad.len());
    for r in bad {
        if let BuildOutcome::NotGradable { reason, harness } = &r.build {
            let fix = if *harness { " (the grader's problem: fix it and run again; this one will be graded)" } else { "" };
            let _ = writeln!(out, "- `{}`: {}{fix}", r.report.name, reason.lines().next().unwrap_or(""));
        }
    }
    out.push('\n');
}

fn time(out: &mut String, records: &[Record]) {
    let build: f64 = records.iter().map(|r| r.build_seconds).sum();
    let run: f64 = records.iter().map(|r| r.run_seconds).sum();
    let total = build + run;
    let _ = writeln!(out, "{TIME_HEADING}\n");
    let share = |x: f64| if total > 0.0 { format!("{:.0} %", 100.0 * x / total) } else { "–".into() };
    let _ = writeln!(
        out,
        "{:.1} s of grading work: {:.1} s building ({}), {:.1} s running checks ({}); {:.1} s per submission.",
        total,
        build,
        share(build),
        run,
        share(run),
        if records.is_empty() { 0.0 } else { total / records.len() as f64 }
    );
}

fn round2(x: f64) -> String {
    num((x * 100.0).round() / 100.0)
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}
