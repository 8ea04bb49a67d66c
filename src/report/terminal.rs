//! The human report: one line per check (✓/✗, title, points), the failure
//! messages under it, the total and how many hidden checks were not run.

use crate::compare::num;
use crate::result::{CheckResult, Status, SubmissionReport};
use std::fmt::Write as _;
use std::io::IsTerminal;

/// `--color`: when to colour the human report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set; also when `CLICOLOR_FORCE` or
    /// `FORCE_COLOR` is set (CI logs render colours but are not terminals).
    #[default]
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

impl std::str::FromStr for ColorChoice {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text {
            "auto" => Ok(ColorChoice::Auto),
            "always" => Ok(ColorChoice::Always),
            "never" => Ok(ColorChoice::Never),
            other => Err(format!("--color takes auto, always or never, not `{other}`")),
        }
    }
}

/// Whether to colour the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Style {
    /// ANSI colours on.
    pub color: bool,
}

impl Style {
    /// Colour only on a terminal, and never when `NO_COLOR` is set.
    pub fn detect() -> Style {
        Style::for_stdout(ColorChoice::Auto)
    }

    /// The style for stdout under `choice`, from the environment and whether stdout is a terminal.
    pub fn for_stdout(choice: ColorChoice) -> Style {
        let env = |name: &str| std::env::var(name).ok();
        Style::decide(choice, &env, std::io::stdout().is_terminal())
    }

    /// The rule, without side effects: `--color always|never` wins; then a
    /// non-empty `NO_COLOR` turns colour off; then `CLICOLOR_FORCE` or
    /// `FORCE_COLOR` (set and not `0`) turns it on; then `TERM=dumb` off;
    /// otherwise colour exactly when the output is a terminal.
    ///
    /// ```
    /// use gradwork::report::terminal::{ColorChoice, Style};
    /// let env = |name: &str| (name == "NO_COLOR").then(|| "1".to_string());
    /// assert!(!Style::decide(ColorChoice::Auto, &env, true).color);
    /// assert!(Style::decide(ColorChoice::Always, &env, false).color);
    /// ```
    pub fn decide(choice: ColorChoice, env: &dyn Fn(&str) -> Option<String>, is_terminal: bool) -> Style {
        let set = |name: &str| env(name).is_some_and(|v| !v.is_empty());
        let forced = |name: &str| env(name).is_some_and(|v| !v.is_empty() && v != "0");
        let color = match choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto if set("NO_COLOR") => false,
            ColorChoice::Auto if forced("CLICOLOR_FORCE") || forced("FORCE_COLOR") => true,
            ColorChoice::Auto if env("TERM").as_deref() == Some("dumb") => false,
            ColorChoice::Auto => is_terminal,
        };
        Style { color }
    }

    /// No colour (files, snapshots).
    pub const PLAIN: Style = Style { color: false };

    fn paint(&self, code: &str, text: &str) -> String {
        if self.color && !text.is_empty() {
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
        // One-cell marks only (emoji are two cells wide in most terminals and
        // break the columns); the bracketed status after the points says which.
        Status::TimedOut => ("✗", "33"),
        Status::Crashed => ("✗", "31"),
        Status::NotRun => ("·", "90"),
    }
}

/// The mode of a student's local run (`cargo test -p <id>`), whose report
/// ends with how to run one check and where the other options are.
const IN_PROCESS: &str = "in-process";

/// The header lines.
pub fn header(report: &SubmissionReport) -> String {
    let h = &report.header;
    format!(
        "{} · grader {} · gradwork {} · {} · seed {} · {}\nlimits: {}\nreproduce: {}\n",
        h.assignment,
        h.grader_version,
        h.gradwork_version,
        h.libtorch_in_words(),
        h.seed,
        h.mode,
        h.limits,
        h.reproduce
    )
}

/// Whether a check's id means anything to the reader: hidden checks cannot be
/// run on their own, and their ids are not for students.
fn shows_id(c: &CheckResult) -> bool {
    c.visibility.runs_locally()
}

fn check_line(out: &mut String, c: &CheckResult, width: usize, style: Style) {
    let (symbol, color) = mark(c.status);
    let status = if matches!(c.status, Status::Passed | Status::Failed | Status::NotRun) {
        String::new()
    } else {
        format!(" [{}]", c.status.as_str())
    };
    let points = if c.status == Status::NotRun { format!("  -/{}", num(c.max_score)) } else { format!("{}/{}", num(c.score), num(c.max_score)) };
    // The id is what `--check` takes; dimmed, as it is for looking up, not for reading.
    let id = if shows_id(c) { format!("  {}", style.paint("2", &c.id)) } else { String::new() };
    let line = format!("  {} {:<width$}  {:>7}{}{}", style.paint(color, symbol), c.title, points, id, style.paint(color, &status));
    let _ = writeln!(out, "{}", line.trim_end());
}

/// The full report for a terminal or a log.
pub fn render(report: &SubmissionReport, style: Style) -> String {
    let mut out = header(report);
    out.push('\n');
    let width = report.checks.iter().map(|c| c.title.chars().count()).max().unwrap_or(10).min(70);
    for c in &report.checks {
        check_line(&mut out, c, width, style);
        if !c.message.is_empty() && c.status != Status::Passed {
            let gutter = style.paint("90", "│");
            for line in c.message.lines() {
                if line.is_empty() {
                    let _ = writeln!(out, "      {gutter}");
                } else {
                    let _ = writeln!(out, "      {gutter} {line}");
                }
            }
            if shows_id(c) {
                let _ = writeln!(out, "      {gutter} {}", style.paint("2", &format!("run it alone: {} --check {}", report.header.reproduce, c.id)));
            }
        }
    }
    for note in &report.notes {
        let _ = writeln!(out, "\nnote: {note}");
    }
    let ran: Vec<&CheckResult> = report.checks.iter().filter(|c| c.status != Status::NotRun).collect();
    let earned: f64 = ran.iter().map(|c| c.score).sum();
    let possible: f64 = ran.iter().map(|c| c.max_score).sum();
    let passed = ran.iter().filter(|c| c.status == Status::Passed).count();
    let total = format!("{} / {} points · {} of {} checks passed", num(earned), num(possible), passed, ran.len());
    let _ = writeln!(out, "\n{}", style.paint("1", &total));
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
    if report.header.mode == IN_PROCESS {
        let help = format!("One check: `cargo test -p {} -- --check ID` · other inputs: `-- --seed N` · all options: `-- --help`", report.header.assignment);
        let _ = writeln!(out, "{}", style.paint("2", &help));
    }
    out
}
