//! Choosing report formats: `--format` (what goes to stdout), `--report
//! FORMAT=PATH` (more files), `--min-score` (the exit policy). The same
//! flags work on `gradwork grade` and on a student's `cargo test -p <id> --`.
//!
//! ```text
//! gradwork grade a01-tensors subs/alice --format junit > junit.xml
//! cargo test -p a01-tensors -- --format github --report junit=target/checks.xml --min-score 60%
//! ```
//!
//! `github` prints `::error` annotations (then the human report) and appends
//! the job summary to `$GITHUB_STEP_SUMMARY`; `--report github=PATH` appends
//! the summary to PATH instead. When stdout carries a machine-readable format
//! (`--format junit --report github`), the annotations go to stderr, which
//! GitHub reads as well.
//!
//! `classroom` is GitHub Classroom's document (see [`crate::report::classroom`]):
//! `--format classroom` prints it, `--report classroom` appends it to
//! `$GITHUB_OUTPUT` as the step output `result` that Classroom's reporter reads.

use crate::report::policy::MinScore;
use crate::report::terminal::{self, Style};
use crate::report::{classroom, csv, github, gradescope, junit};
use crate::result::SubmissionReport;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// A report format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// The terminal report (`grade`: the score table).
    #[default]
    Human,
    /// gradwork's full result model as JSON: one object per submission.
    Json,
    /// JUnit XML: one testcase per check.
    Junit,
    /// The Markdown summary (the GitHub job summary's text).
    Markdown,
    /// GitHub Actions: annotations and the human report on stdout, the summary in `$GITHUB_STEP_SUMMARY`.
    Github,
    /// Gradescope's results.json (one submission only).
    Gradescope,
    /// scores.csv.
    Csv,
    /// GitHub Classroom: the base64 document its autograding reporter reads (one submission only).
    Classroom,
}

impl Format {
    /// The format's name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Human => "human",
            Format::Json => "json",
            Format::Junit => "junit",
            Format::Markdown => "markdown",
            Format::Github => "github",
            Format::Gradescope => "gradescope",
            Format::Csv => "csv",
            Format::Classroom => "classroom",
        }
    }

    /// Every format, in the order help texts list them.
    pub const ALL: [Format; 8] =
        [Format::Human, Format::Json, Format::Junit, Format::Markdown, Format::Github, Format::Gradescope, Format::Csv, Format::Classroom];

    /// The format called `name`; the error lists every format.
    ///
    /// ```
    /// use gradwork::report::output::Format;
    /// assert_eq!(Format::parse("classroom"), Ok(Format::Classroom));
    /// assert!(Format::parse("yaml").unwrap_err().contains("human, json"));
    /// ```
    pub fn parse(name: &str) -> Result<Format, String> {
        Format::ALL.into_iter().find(|f| f.name() == name).ok_or_else(|| {
            let names: Vec<&str> = Format::ALL.iter().map(|f| f.name()).collect();
            format!("unknown format `{name}`: use one of {}", names.join(", "))
        })
    }

    /// Whether `--report FORMAT` may go without `=PATH`: `github` appends to
    /// `$GITHUB_STEP_SUMMARY`, `classroom` to `$GITHUB_OUTPUT`.
    fn has_default_destination(self) -> bool {
        matches!(self, Format::Github | Format::Classroom)
    }
}

/// One `--report FORMAT[=PATH]`.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportSpec {
    /// The format.
    pub format: Format,
    /// Where to write it; only `github` may go without (it uses `$GITHUB_STEP_SUMMARY`).
    pub path: Option<PathBuf>,
}

impl FromStr for ReportSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (name, path) = match text.split_once('=') {
            Some((n, p)) if !p.is_empty() => (n, Some(PathBuf::from(p))),
            Some((n, _)) => return Err(format!("--report {n}= needs a path after `=`")),
            None => (text, None),
        };
        let format = Format::parse(name)?;
        if path.is_none() && !format.has_default_destination() {
            return Err(format!("--report {name} needs a file: --report {name}=PATH"));
        }
        Ok(ReportSpec { format, path })
    }
}

/// The report flags shared by `gradwork grade` and the student's `cargo test`.
#[derive(Debug, Clone, Default, PartialEq, clap::Args)]
pub struct ReportArgs {
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Also write a report to a file (repeatable): `junit=PATH`, `json=PATH`, `markdown=PATH`,
    /// `csv=PATH`, `gradescope=PATH`, `human=PATH`; `github[=PATH]` appends the job summary to
    /// PATH or `$GITHUB_STEP_SUMMARY` and prints annotations; `classroom[=PATH]` writes GitHub
    /// Classroom's document to PATH, or appends it as the step output `result` to `$GITHUB_OUTPUT`.
    #[arg(long = "report", value_name = "FORMAT[=PATH]", value_parser = ReportSpec::from_str)]
    pub reports: Vec<ReportSpec>,
    /// Exit with status 1 when a submission scores below this: points (`18`) or a
    /// percentage of the points that ran (`60%`).
    #[arg(long, value_name = "POINTS|PERCENT%", value_parser = MinScore::from_str)]
    pub min_score: Option<MinScore>,
}

impl ReportArgs {
    /// The flags as command-line arguments (to forward them to a grader binary).
    pub fn to_args(&self) -> Vec<String> {
        let mut out = Vec::new();
        if self.format != Format::Human {
            out.extend(["--format".into(), self.format.name().into()]);
        }
        for spec in &self.reports {
            let value = match &spec.path {
                Some(p) => format!("{}={}", spec.format.name(), p.display()),
                None => spec.format.name().to_string(),
            };
            out.extend(["--report".into(), value]);
        }
        if let Some(m) = self.min_score {
            out.extend(["--min-score".into(), m.to_string()]);
        }
        out
    }
}

/// Errors writing the chosen reports.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// A report file could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// the file
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
    /// The format needs exactly one submission.
    #[error("the {0} format holds one submission, but {1} were graded: grade one submission, or use OUT/<name>/results.json")]
    OneSubmission(&'static str, usize),
}

/// Where the reports come from: a batch (`gradwork grade`) or a student's local run.
pub struct Context {
    /// `true` for `gradwork grade`: the human format is the score table.
    pub batch: bool,
    /// Colours for the human format on stdout.
    pub style: Style,
    /// Per submission name, its crate's path from the repository root (for annotations).
    pub source_prefix: BTreeMap<String, String>,
}

/// The text of `format` for these reports (`github` renders as its job summary).
pub fn render(format: Format, reports: &[SubmissionReport], ctx: &Context, style: Style) -> Result<String, OutputError> {
    Ok(match format {
        Format::Human if ctx.batch => crate::grade::score_table(reports),
        Format::Human => reports.iter().map(|r| terminal::render(r, style)).collect::<Vec<_>>().join("\n"),
        Format::Json => serde_json::to_string_pretty(reports).unwrap_or_default() + "\n",
        Format::Junit => junit::render(reports),
        Format::Markdown | Format::Github => github::summary(reports),
        Format::Gradescope => match reports {
            [one] => gradescope::to_json(one) + "\n",
            many => return Err(OutputError::OneSubmission("gradescope", many.len())),
        },
        Format::Csv => {
            let ids: Vec<String> = reports.first().map(|r| r.checks.iter().map(|c| c.id.clone()).collect()).unwrap_or_default();
            csv::scores(&ids, reports)
        }
        Format::Classroom => classroom_document(reports, ctx)? + "\n",
    })
}

/// GitHub Classroom's base64 document of the one report.
fn classroom_document(reports: &[SubmissionReport], ctx: &Context) -> Result<String, OutputError> {
    match reports {
        [one] => {
            let prefix = ctx.source_prefix.get(&one.name).map(String::as_str).unwrap_or("");
            Ok(classroom::encode(&classroom::results(one, prefix)))
        }
        many => Err(OutputError::OneSubmission("classroom", many.len())),
    }
}

/// Appends the Classroom document to `$GITHUB_OUTPUT` as the step output `result`.
fn append_classroom_output(reports: &[SubmissionReport], ctx: &Context) -> Result<(), OutputError> {
    let document = classroom_document(reports, ctx)?;
    match std::env::var_os(classroom::OUTPUT_VAR).filter(|v| !v.is_empty()).map(PathBuf::from) {
        Some(path) => classroom::append_output(&path, &document).map_err(|source| OutputError::Write { path, source }),
        None => {
            eprintln!(
                "note: ${} is not set (not running in GitHub Actions?), so GitHub Classroom's result was not written; \
                 use --report classroom=PATH to write it to a file",
                classroom::OUTPUT_VAR
            );
            Ok(())
        }
    }
}

/// Per submission, its crate's path from the repository root:
/// `$GITHUB_WORKSPACE` in GitHub Actions, else the current directory.
pub fn source_prefixes<'a>(entries: impl Iterator<Item = (&'a str, &'a Path)>) -> BTreeMap<String, String> {
    let root = std::env::var_os("GITHUB_WORKSPACE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."));
    entries.map(|(name, path)| (name.to_string(), github::repo_prefix(&root, path))).collect()
}

/// The exit status after [`emit`]: `otherwise` unless `--min-score` failed,
/// in which case each shortfall is printed to stderr and the status is
/// [`crate::exit_codes::POLICY_FAILURE`].
pub fn exit_code(outcome: &Outcome, otherwise: std::process::ExitCode) -> std::process::ExitCode {
    if outcome.below_min_score.is_empty() {
        return otherwise;
    }
    for line in &outcome.below_min_score {
        eprintln!("{line}");
    }
    std::process::ExitCode::from(crate::exit_codes::POLICY_FAILURE)
}

/// What [`emit`] found about the exit policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Outcome {
    /// One sentence per submission below `--min-score`.
    pub below_min_score: Vec<String>,
}

fn write_file(path: &Path, text: &str) -> Result<(), OutputError> {
    crate::report::write_atomic(path, text.as_bytes()).map_err(|source| OutputError::Write { path: path.to_path_buf(), source })
}

fn annotations(reports: &[SubmissionReport], ctx: &Context) -> String {
    let mut out = String::new();
    for r in reports {
        let prefix = ctx.source_prefix.get(&r.name).map(String::as_str).unwrap_or("");
        for a in github::annotations(r, prefix) {
            out.push_str(&a.to_string());
            out.push('\n');
        }
    }
    out
}

fn append_summary(path: Option<&Path>, reports: &[SubmissionReport]) -> Result<(), OutputError> {
    let from_env = std::env::var_os(github::STEP_SUMMARY_VAR).filter(|v| !v.is_empty()).map(PathBuf::from);
    match path.map(Path::to_path_buf).or(from_env) {
        Some(path) => github::append_summary(&path, &github::summary(reports)).map_err(|source| OutputError::Write { path, source }),
        None => {
            eprintln!("note: ${} is not set (not running in GitHub Actions?), so no job summary was written", github::STEP_SUMMARY_VAR);
            Ok(())
        }
    }
}

/// Prints the `--format` report on stdout, writes every `--report`, and
/// judges `--min-score`.
pub fn emit(args: &ReportArgs, reports: &[SubmissionReport], ctx: &Context) -> Result<Outcome, OutputError> {
    let mut stdout = String::new();
    let github_wanted = args.format == Format::Github || args.reports.iter().any(|s| s.format == Format::Github);
    if github_wanted {
        // GitHub reads workflow commands from both streams; keep them off a
        // stdout that carries a machine-readable format.
        let lines = annotations(reports, ctx);
        if matches!(args.format, Format::Human | Format::Github) {
            stdout.push_str(&lines);
        } else {
            eprint!("{lines}");
        }
    }
    let shown = if args.format == Format::Github { Format::Human } else { args.format };
    stdout.push_str(&render(shown, reports, ctx, ctx.style)?);
    print!("{stdout}");
    if args.format == Format::Github {
        append_summary(None, reports)?;
    }
    for spec in &args.reports {
        match (spec.format, &spec.path) {
            // `--format github` has already appended to $GITHUB_STEP_SUMMARY.
            (Format::Github, None) if args.format == Format::Github => {}
            (Format::Github, path) => append_summary(path.as_deref(), reports)?,
            (Format::Classroom, None) => append_classroom_output(reports, ctx)?,
            (format, Some(path)) => write_file(path, &render(format, reports, ctx, Style::PLAIN)?)?,
            (_, None) => {}
        }
    }
    let below_min_score = match args.min_score {
        Some(mark) => reports.iter().filter_map(|r| mark.judge(r).err()).collect(),
        None => Vec::new(),
    };
    Ok(Outcome { below_min_score })
}
