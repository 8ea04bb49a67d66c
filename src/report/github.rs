//! GitHub Actions: a Markdown job summary (appended to the file named by
//! `$GITHUB_STEP_SUMMARY`) and `::error file=…,line=…::` annotations for
//! failures that point at a line of the student's source.
//!
//! Locations come from the check messages, which name them the same way
//! everywhere: a backticked `src/lib.rs:12` or `src/lib.rs:12:5` outside
//! code blocks (compile errors, panics, unimplemented `todo!()`s, forbidden
//! APIs).
//!
//! ```
//! use gradwork::report::github::locations;
//! let message = "`f(3)` panicked at `src/lib.rs:12:5`:\n\n```text\nat `src/x.rs:1`\n```";
//! assert_eq!(locations(message), vec![("src/lib.rs".to_string(), 12, Some(5))]);
//! ```

use crate::compare::num;
use crate::result::{CheckResult, Status, SubmissionReport};
use std::fmt::{self, Write as _};
use std::path::Path;

/// The environment variable that names the job summary file.
pub const STEP_SUMMARY_VAR: &str = "GITHUB_STEP_SUMMARY";

/// Most annotations of one level GitHub shows per step; more are dropped by GitHub.
pub const MAX_ANNOTATIONS: usize = 10;

/// How GitHub shows an annotation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Level {
    /// A red error.
    Error,
    /// A yellow warning.
    Warning,
    /// A grey notice.
    Notice,
}

impl Level {
    fn command(self) -> &'static str {
        match self {
            Level::Error => "error",
            Level::Warning => "warning",
            Level::Notice => "notice",
        }
    }
}

/// One workflow-command annotation on a line of the student's source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// Error, warning or notice.
    pub level: Level,
    /// Path from the repository root.
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, when known.
    pub col: Option<usize>,
    /// Short title: the check (and how many others share the location).
    pub title: String,
    /// The message, plain text.
    pub message: String,
}

/// `%`, CR and LF escaped, as the Actions toolkit does for command data.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// [`escape_data`] plus `:` and `,`, for command properties.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl fmt::Display for Annotation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "::{} file={},line={}", self.level.command(), escape_property(&self.file), self.line)?;
        if let Some(col) = self.col {
            write!(f, ",col={col}")?;
        }
        write!(f, ",title={}::{}", escape_property(&self.title), escape_data(&self.message))
    }
}

/// Source locations named in a Markdown message, in order, without
/// duplicates: backticked `path.rs:LINE[:COL]`, outside fenced code blocks
/// (which hold text the submission printed).
pub fn locations(message: &str) -> Vec<(String, usize, Option<usize>)> {
    let mut found = Vec::new();
    let mut fenced = false;
    for line in message.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Backticked spans are the odd-numbered pieces.
        for span in line.split('`').skip(1).step_by(2) {
            if let Some(loc) = parse_location(span) {
                if !found.contains(&loc) {
                    found.push(loc);
                }
            }
        }
    }
    found
}

fn parse_location(span: &str) -> Option<(String, usize, Option<usize>)> {
    let number = |s: &str| if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) { s.parse::<usize>().ok() } else { None };
    let (head, last) = span.rsplit_once(':')?;
    let last = number(last)?;
    let (file, line, col) = match head.rsplit_once(':').and_then(|(file, line)| Some((file, number(line)?))) {
        Some((file, line)) => (file, line, Some(last)),
        None => (head, last, None),
    };
    let plausible = file.ends_with(".rs") && !file.contains(char::is_whitespace) && !file.starts_with('/');
    (plausible && line > 0).then(|| (file.to_string(), line, col))
}

fn plain(message: &str) -> String {
    // The first paragraph without Markdown code marks; when it announces a
    // block (`... panicked at ...:`), the block's first line too. The job
    // summary has the whole message.
    let mut paragraphs = message.split("\n\n").map(str::trim).filter(|p| !p.is_empty());
    let first = paragraphs.next().unwrap_or("");
    let mut text = first.replace('`', "");
    if first.ends_with(':') {
        let block_line = paragraphs.next().and_then(|p| p.lines().find(|l| !l.trim().is_empty() && !l.starts_with("```")));
        if let Some(line) = block_line {
            text.push(' ');
            text.push_str(line.trim());
        }
    }
    if text.chars().count() > 300 {
        format!("{}…", text.chars().take(300).collect::<String>())
    } else {
        text
    }
}

fn level_of(c: &CheckResult) -> Option<Level> {
    match c.status {
        Status::Passed | Status::NotRun => None,
        // An unimplemented `todo!()` is where the student has not started yet, not a bug.
        _ if c.message.contains("is not implemented yet") => Some(Level::Notice),
        _ => Some(Level::Error),
    }
}

/// The annotations of one report: one per source location, titled by the
/// first check that names it; `prefix` is the crate's path from the
/// repository root (empty when the crate is the root). At most
/// [`MAX_ANNOTATIONS`] per level, errors first.
pub fn annotations(report: &SubmissionReport, prefix: &str) -> Vec<Annotation> {
    let mut out: Vec<(Annotation, usize)> = Vec::new();
    for c in &report.checks {
        let Some(level) = level_of(c) else { continue };
        for (file, line, col) in locations(&c.message) {
            let file = join(prefix, &file);
            if let Some((a, more)) = out.iter_mut().find(|(a, _)| a.file == file && a.line == line) {
                a.level = a.level.min(level);
                *more += 1;
                continue;
            }
            let title = format!("{}: {}", report.header.assignment, c.title);
            out.push((Annotation { level, file, line, col, title, message: plain(&c.message) }, 0));
        }
    }
    let mut annotations: Vec<Annotation> = out
        .into_iter()
        .map(|(mut a, more)| {
            if more > 0 {
                a.title = format!("{} (and {more} more checks)", a.title);
            }
            a
        })
        .collect();
    annotations.sort_by_key(|a| a.level);
    let mut per_level = std::collections::HashMap::new();
    annotations.retain(|a| {
        let n = per_level.entry(a.level).or_insert(0usize);
        *n += 1;
        *n <= MAX_ANNOTATIONS
    });
    annotations
}

/// `prefix/file`, or `file` when the prefix is empty or `.`.
pub(crate) fn join(prefix: &str, file: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    if prefix.is_empty() || prefix == "." {
        file.to_string()
    } else {
        format!("{prefix}/{file}")
    }
}

/// The prefix that makes the report's locations paths from the repository
/// root `root`: locations are relative to the directory the code was compiled
/// in, which is `start` (a crate) or one of its ancestors (its workspace), so
/// the first of those that holds the first located file is taken. Falls back
/// to `start`.
pub fn locate_prefix(report: &SubmissionReport, start: &Path, root: &Path) -> String {
    let first = report.checks.iter().filter(|c| level_of(c).is_some()).flat_map(|c| locations(&c.message)).next();
    let base = first.and_then(|(file, _, _)| start.ancestors().find(|dir| dir.join(&file).is_file()).map(Path::to_path_buf));
    repo_prefix(root, base.as_deref().unwrap_or(start))
}

/// The path of `dir` from the repository root `root` (`$GITHUB_WORKSPACE`),
/// `/`-separated; `dir` itself when it is not inside `root`.
pub fn repo_prefix(root: &Path, dir: &Path) -> String {
    let canon = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
    let (root, dir) = (canon(root), canon(dir));
    let rel = dir.strip_prefix(&root).map(Path::to_path_buf).unwrap_or(dir);
    rel.to_string_lossy().replace('\\', "/")
}

fn mark(status: Status) -> &'static str {
    match status {
        Status::Passed => "✅",
        Status::Failed => "❌",
        Status::Error => "⚠️",
        Status::TimedOut => "⏱️",
        Status::Crashed => "💥",
        Status::NotRun => "⏭️",
    }
}

/// Text for one cell of a Markdown table.
fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace(['\n', '\r'], " ")
}

fn status_word(c: &CheckResult) -> &'static str {
    match c.status {
        Status::NotRun if !c.visibility.runs_locally() => "hidden, runs when graded",
        Status::NotRun => "not run",
        s => s.as_str(),
    }
}

/// Points earned and available over the checks that ran.
fn ran_points(r: &SubmissionReport) -> (f64, f64) {
    let ran = r.checks.iter().filter(|c| c.status != Status::NotRun);
    ran.fold((0.0, 0.0), |(s, m), c| (s + c.score, m + c.max_score))
}

fn single(out: &mut String, r: &SubmissionReport) {
    let (score, max) = ran_points(r);
    let count = |s: Status| r.checks.iter().filter(|c| c.status == s).count();
    let broken = r.checks.iter().filter(|c| matches!(c.status, Status::Error | Status::TimedOut | Status::Crashed)).count();
    let _ = writeln!(out, "## {} · {}: {} / {} points\n", cell(&r.header.assignment), cell(&r.name), num(score), num(max));
    let mut tally = format!("{} passed · {} failed", count(Status::Passed), count(Status::Failed));
    if broken > 0 {
        tally.push_str(&format!(" · {broken} could not run"));
    }
    let not_run = count(Status::NotRun);
    if not_run > 0 {
        tally.push_str(&format!(" · {not_run} not run here"));
    }
    let _ = writeln!(out, "{tally}\n");
    out.push_str("| | Check | Points | Status |\n|---|---|---:|---|\n");
    for c in &r.checks {
        let points = if c.status == Status::NotRun { format!("– / {}", num(c.max_score)) } else { format!("{} / {}", num(c.score), num(c.max_score)) };
        let _ = writeln!(out, "| {} | {} | {} | {} |", mark(c.status), cell(&c.title), points, status_word(c));
    }
    out.push('\n');
    for c in r.checks.iter().filter(|c| !matches!(c.status, Status::Passed | Status::NotRun)) {
        let _ = writeln!(
            out,
            "<details><summary>{} {} ({} / {}) · <code>{}</code></summary>\n\n{}\n\n</details>\n",
            mark(c.status),
            crate::report::junit::escape(&c.title),
            num(c.score),
            num(c.max_score),
            crate::report::junit::escape(&c.id),
            c.message.trim_end()
        );
    }
    for note in &r.notes {
        let _ = writeln!(out, "> {note}\n");
    }
    let _ = writeln!(out, "<sub>seed {} · device {} · reproduce with <code>{}</code></sub>\n", r.header.seed, cell(&r.header.device), crate::report::junit::escape(&r.header.reproduce));
}

fn batch(out: &mut String, reports: &[SubmissionReport]) {
    let assignment = reports.first().map(|r| r.header.assignment.as_str()).unwrap_or("");
    let _ = writeln!(out, "## {}: {} submissions\n", cell(assignment), reports.len());
    out.push_str("| Submission | Score | Passed | Failed | Could not run |\n|---|---:|---:|---:|---:|\n");
    for r in reports {
        let count = |f: &dyn Fn(Status) -> bool| r.checks.iter().filter(|c| f(c.status)).count();
        let _ = writeln!(
            out,
            "| {} | {} / {} | {} | {} | {} |",
            cell(&r.name),
            num(r.score()),
            num(r.max_score()),
            count(&|s| s == Status::Passed),
            count(&|s| s == Status::Failed),
            count(&|s| matches!(s, Status::Error | Status::TimedOut | Status::Crashed)),
        );
    }
    out.push_str("\n<details><summary>Pass rate per check</summary>\n\n| Check | Passed |\n|---|---:|\n");
    if let Some(first) = reports.first() {
        for c in &first.checks {
            let ran: Vec<&CheckResult> = reports.iter().filter_map(|r| r.checks.iter().find(|x| x.id == c.id)).filter(|x| x.status != Status::NotRun).collect();
            let passed = ran.iter().filter(|x| x.status == Status::Passed).count();
            let _ = writeln!(out, "| {} <code>{}</code> | {} / {} |", cell(&c.title), crate::report::junit::escape(&c.id), passed, ran.len());
        }
    }
    out.push_str("\n</details>\n\n");
}

/// The job summary: for one submission, its score, a table of checks and
/// each failure's message folded under `<details>`; for several, a score
/// table and the pass rate of every check.
pub fn summary(reports: &[SubmissionReport]) -> String {
    let mut out = String::new();
    match reports {
        [one] => single(&mut out, one),
        many => batch(&mut out, many),
    }
    out
}

/// Appends `markdown` to the job summary file at `path`.
pub fn append_summary(path: &Path, markdown: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut file = std::fs::OpenOptions::new().create(true).append(true).open(path)?;
    file.write_all(markdown.as_bytes())?;
    if !markdown.ends_with('\n') {
        file.write_all(b"\n")?;
    }
    Ok(())
}
