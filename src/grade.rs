//! Grading a batch of submissions with one assignment's suite: each one
//! unpacked if it is an archive, built in its own sandboxed temporary
//! workspace and run in its own sandboxed runner process; every score
//! computed here, in the grader.
//!
//! A batch is resumable (a submission whose content, grader and options are
//! unchanged since the last run into the same OUT is not graded again) and
//! can be split over machines with `--shard i/N` and put back together with
//! `gradwork merge`. Each submission's files are written as soon as it is
//! graded, its `report.json` last, so an interrupted run loses only the
//! submissions in flight.

mod collect;
mod progress;
pub mod record;
mod resume;
mod shard;

pub use collect::{collect, Entry};
pub use record::{BuildOutcome, Record};
pub use resume::{content_hash, Fingerprint};
pub use shard::Shard;

use crate::archive::{self, Caps};
use crate::cargo::Stopped;
use crate::course::Course;
use crate::forbidden;
use crate::libtorch::DeviceChoice;
use crate::report::{self, terminal};
use crate::result::{CheckResult, Status, SubmissionReport};
use crate::rubric::Rubric;
use crate::sandbox::{self, Policy, Secrets, UidSlot};
use crate::submission::{Isolated, RunnerCommand};
use crate::suite::{RunOptions, Suite, SuiteError};
use crate::workspace::{self, BuildError, BuildLimits, BuildOptions};
use progress::Progress;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Instant;

/// The seed used when none is given (printed in every report).
pub const DEFAULT_SEED: u64 = 2026;

/// Arguments of `gradwork grade <assignment> ...` (and of a grader binary's `grade`).
#[derive(Debug, Clone, clap::Args)]
pub struct GradeArgs {
    /// Submissions: folders shaped like the assignment crate (with `src/`), or
    /// `.zip`/`.tar.gz`/`.tgz` archives of one; named by the folder or file name.
    pub submissions: Vec<PathBuf>,
    /// A folder whose every subfolder and archive is one submission.
    #[arg(long = "submissions", value_name = "DIR")]
    pub submissions_dir: Option<PathBuf>,
    /// Where reports go: OUT/<name>/{results.json,feedback.md}, OUT/scores.csv, OUT/summary.{md,json}.
    #[arg(long, value_name = "DIR", default_value = "gradwork-out")]
    pub out: PathBuf,
    /// Seed every random input derives from.
    #[arg(long, default_value_t = DEFAULT_SEED)]
    pub seed: u64,
    /// Device for the libtorch oracle.
    #[arg(long, value_enum, default_value_t = DeviceChoice::Auto)]
    pub device: DeviceChoice,
    /// Run only this check (repeatable); the others are reported as not run.
    #[arg(long = "check", value_name = "ID")]
    pub only: Vec<String>,
    /// Submissions graded at the same time, builds included (default: number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Print each submission's full report, not only the score table.
    #[arg(long)]
    pub verbose: bool,
    /// Grade only part I of N of the submissions (every N-th in name order,
    /// starting with the I-th), e.g. `--shard 2/3`; combine the outputs of all
    /// parts with `gradwork merge`.
    #[arg(long, value_name = "I/N")]
    pub shard: Option<Shard>,
    /// Grade every submission again, even those unchanged since the last run into OUT.
    #[arg(long)]
    pub force: bool,
    /// Wall-clock limit per check in seconds, replacing the rubric's.
    #[arg(long, value_name = "SECONDS")]
    pub time_limit: Option<f64>,
    /// Memory limit of a runner in MiB, replacing the rubric's `memory_mb`.
    #[arg(long, value_name = "MIB")]
    pub memory_limit: Option<u64>,
    /// Wall-clock limit of a submission's build in seconds, replacing the rubric's `build_time_s`.
    #[arg(long, value_name = "SECONDS")]
    pub build_time_limit: Option<f64>,
    /// Memory limit of a submission's build in MiB (cargo, rustc and the
    /// linker together), replacing the rubric's `build_memory_mb`.
    #[arg(long, value_name = "MIB")]
    pub build_memory_limit: Option<u64>,
    /// Build and run submissions without the sandbox (only the time and
    /// resource limits apply), to measure what it costs or to debug it.
    /// Never for submissions you do not trust.
    #[arg(long)]
    pub no_sandbox: bool,
    /// Report formats and the `--min-score` policy.
    #[command(flatten)]
    pub report: crate::report::output::ReportArgs,
}

impl Default for GradeArgs {
    fn default() -> GradeArgs {
        GradeArgs {
            submissions: Vec::new(),
            submissions_dir: None,
            out: PathBuf::from("gradwork-out"),
            seed: DEFAULT_SEED,
            device: DeviceChoice::Auto,
            only: Vec::new(),
            jobs: None,
            verbose: false,
            shard: None,
            force: false,
            time_limit: None,
            memory_limit: None,
            build_time_limit: None,
            build_memory_limit: None,
            no_sandbox: false,
            report: Default::default(),
        }
    }
}

/// Errors that stop a batch before any submission is graded.
#[derive(Debug, thiserror::Error)]
pub enum GradeError {
    /// The suite is broken.
    #[error(transparent)]
    Suite(#[from] SuiteError),
    /// The device cannot be used.
    #[error(transparent)]
    Device(#[from] crate::libtorch::DeviceError),
    /// No submissions given, or the submissions folder is unreadable.
    #[error("{0}")]
    Submissions(String),
    /// An argument is out of range.
    #[error("{0}")]
    Argument(String),
    /// Reports could not be written.
    #[error("cannot write {path}: {source}")]
    Write {
        /// the file
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
}

/// What every submission of a batch shares.
struct Batch<'a> {
    suite: &'a Suite,
    rubric: &'a Rubric,
    course: &'a Course,
    args: &'a GradeArgs,
    device: tch::Device,
    reproduce_prefix: &'a str,
    fingerprint: Fingerprint,
    /// Whether to build and run in the sandbox (`--no-sandbox` turns it off).
    sandboxed: bool,
    secrets: Secrets,
    /// Limits and isolation in words, for every report header.
    limits: String,
    /// Where archives are unpacked.
    scratch: tempfile::TempDir,
}

/// Grades every submission the arguments name (or this shard of them),
/// writes each one's files as soon as it is done, then the batch files.
/// Returns the reports of the graded (or up-to-date) submissions, in name order.
pub fn grade_batch(suite: &Suite, course: &Course, args: &GradeArgs, reproduce_prefix: &str) -> Result<Vec<SubmissionReport>, GradeError> {
    if let Some(t) = args.time_limit.filter(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(GradeError::Argument(format!("--time-limit {t}: give a number of seconds above 0")));
    }
    if args.memory_limit == Some(0) {
        return Err(GradeError::Argument("--memory-limit 0: give a number of MiB above 0".into()));
    }
    if let Some(t) = args.build_time_limit.filter(|t| !(t.is_finite() && *t > 0.0)) {
        return Err(GradeError::Argument(format!("--build-time-limit {t}: give a number of seconds above 0")));
    }
    if args.build_memory_limit == Some(0) {
        return Err(GradeError::Argument("--build-memory-limit 0: give a number of MiB above 0".into()));
    }
    // The rubric's limits, with those given on the command line in their place.
    let mut limited = suite.clone();
    if let Some(t) = args.time_limit {
        limited = limited.with_time_limit(t);
    }
    if let Some(mb) = args.memory_limit {
        limited = limited.with_memory_limit(mb);
    }
    let suite = &limited;
    let mut rubric = suite.validate()?.clone();
    if let Some(t) = args.build_time_limit {
        rubric.limits.build_time_s = t;
    }
    if let Some(mb) = args.build_memory_limit {
        rubric.limits.build_memory_mb = mb;
    }
    let all = collect(args)?;
    let entries: Vec<&Entry> = all.iter().enumerate().filter(|(i, _)| args.shard.is_none_or(|s| s.contains(*i))).map(|(_, e)| e).collect();
    std::fs::create_dir_all(&args.out).map_err(|source| GradeError::Write { path: args.out.clone(), source })?;
    // Orphans of the builds and runners come back to the grader, to be killed and reaped.
    let _ = sandbox::become_subreaper();
    // Whatever happens to this process, nothing it starts outlives it.
    if let Err(why) = sandbox::watchdog::start() {
        eprintln!("warning: if this grader is killed, the builds and runners it started may keep running: {why}");
    }
    let abandoned = crate::scratch::remove_abandoned();
    if abandoned > 0 {
        eprintln!("note: removed {abandoned} temporary folders of graders that were killed before they could clean up ({})", std::env::temp_dir().display());
    }
    if !args.no_sandbox {
        let cgroups = sandbox::sweep_abandoned_cgroups();
        if cgroups > 0 {
            eprintln!("note: emptied and removed {cgroups} cgroups of graders that were killed before they could clean up");
        }
    }
    let batch = Batch::new(suite, &rubric, course, args, reproduce_prefix)?;
    let mut records = grade_all(&batch, &entries)?;
    records.sort_by(|a, b| a.report.name.cmp(&b.report.name));
    let ids: Vec<String> = rubric.checks.iter().map(|c| c.id.clone()).collect();
    write_batch_files(&args.out, suite.assignment(), args.seed, &ids, &records)?;
    Ok(records.into_iter().map(|r| r.report).collect())
}

impl<'a> Batch<'a> {
    fn new(suite: &'a Suite, rubric: &'a Rubric, course: &'a Course, args: &'a GradeArgs, reproduce_prefix: &'a str) -> Result<Batch<'a>, GradeError> {
        let device = args.device.resolve()?;
        let off = sandbox::Capabilities::none("--no-sandbox was given");
        let caps = if args.no_sandbox { &off } else { sandbox::capabilities() };
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_path_buf());
        let mut inputs: Vec<PathBuf> = args.submissions.iter().map(|p| canonical(p)).collect();
        inputs.extend(args.submissions_dir.iter().map(|p| canonical(p)));
        Ok(Batch {
            suite,
            rubric,
            course,
            args,
            device,
            reproduce_prefix,
            fingerprint: Fingerprint::new(suite.grader_version(), &options_text(args, &device)),
            sandboxed: !args.no_sandbox,
            secrets: Secrets {
                course_root: canonical(course.root()),
                build_dir: canonical(&course.build_dir()),
                inputs,
                out: canonical(&args.out),
                libtorch: Path::new(crate::libtorch::LIB_DIR).parent().map(Path::to_path_buf),
            },
            limits: format!(
                "{}; {}; {}; {}",
                rubric.limits.describe(),
                caps.describe(rubric.limits.processes),
                rubric.limits.describe_build(),
                caps.describe_build()
            ),
            scratch: crate::scratch::tempdir("unpack").map_err(|source| GradeError::Write { path: std::env::temp_dir(), source })?,
        })
    }
}

/// Grades `entries` on `--jobs` threads, reporting progress; stops at the
/// first submission whose files cannot be written.
fn grade_all(batch: &Batch, entries: &[&Entry]) -> Result<Vec<Record>, GradeError> {
    let args = batch.args;
    let jobs = args.jobs.unwrap_or_else(|| std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)).max(1);
    let next = Mutex::new(0usize);
    let done: Mutex<Vec<Record>> = Mutex::new(Vec::new());
    let failure: Mutex<Option<GradeError>> = Mutex::new(None);
    let progress = Progress::new(entries.len());
    std::thread::scope(|s| {
        for _ in 0..jobs.min(entries.len()) {
            s.spawn(|| loop {
                let i = {
                    let Ok(mut n) = next.lock() else { return };
                    let i = *n;
                    *n += 1;
                    i
                };
                let Some(entry) = entries.get(i) else { return };
                if failure.lock().map(|f| f.is_some()).unwrap_or(true) {
                    return;
                }
                match grade_entry(batch, entry) {
                    Ok((record, cached)) => {
                        if args.verbose && !cached {
                            progress.println(&terminal::render(&record.report, terminal::Style::PLAIN));
                        }
                        let r = &record.report;
                        let how = if cached { "up to date".to_string() } else { format!("{:.1} s", record.build_seconds + record.run_seconds) };
                        progress.finished(&format!("{}: {} / {} ({how})", r.name, crate::compare::num(r.score()), crate::compare::num(r.max_score())));
                        if let Ok(mut d) = done.lock() {
                            d.push(record);
                        }
                    }
                    Err(e) => {
                        if let Ok(mut f) = failure.lock() {
                            f.get_or_insert(e);
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    if let Some(e) = failure.into_inner().ok().flatten() {
        return Err(e);
    }
    Ok(done.into_inner().unwrap_or_default())
}

/// The options that change results, as text for the resume key.
fn options_text(args: &GradeArgs, device: &tch::Device) -> String {
    format!(
        "seed={} device={device:?} only={:?} time_limit={:?} memory_limit={:?} build_time_limit={:?} build_memory_limit={:?} sandbox={}",
        args.seed, args.only, args.time_limit, args.memory_limit, args.build_time_limit, args.build_memory_limit, !args.no_sandbox
    )
}

/// Grades one submission (or finds it up to date) and writes its files.
/// Returns the record and whether it was up to date. Fails only when its
/// files cannot be written.
fn grade_entry(batch: &Batch, entry: &Entry) -> Result<(Record, bool), GradeError> {
    let out = &batch.args.out;
    let content = content_hash(entry);
    let key = batch.fingerprint.key(content.as_deref().unwrap_or("unreadable"));
    if !batch.args.force && content.is_ok() {
        if let Some(record) = up_to_date(out, &entry.name, &key) {
            return Ok((record, true));
        }
    }
    let record = match content {
        Ok(_) => grade_one(batch, entry, key),
        Err(e) => not_gradable(batch, entry, key, format!("Its files cannot be read: {e}"), 0.0, true),
    };
    write_submission_files(out, &record)?;
    Ok((record, false))
}

/// The record of an earlier run, if its key matches, its files are all
/// there, and it was not stopped by a problem of the grader's own.
fn up_to_date(out: &Path, name: &str, key: &str) -> Option<Record> {
    let record = Record::read(&Record::path(out, name))?;
    let complete = ["results.json", "feedback.md"].iter().all(|f| out.join(name).join(f).is_file());
    let harness_failed = matches!(record.build, BuildOutcome::NotGradable { harness: true, .. });
    (record.key == key && complete && !harness_failed).then_some(record)
}

/// Where a submission's files are: its folder, or the folder its archive was
/// unpacked into (with a note when entries were skipped).
enum Unpacked {
    Ready { root: PathBuf, notes: Vec<String> },
    Failed(Box<Record>),
}

fn unpack(batch: &Batch, entry: &Entry, key: &str, started: Instant) -> Unpacked {
    let Some(kind) = entry.archive else { return Unpacked::Ready { root: entry.path.clone(), notes: Vec::new() } };
    match archive::unpack(&entry.path, kind, &batch.scratch.path().join(&entry.name), &Caps::default()) {
        Ok(u) => {
            let mut notes = Vec::new();
            if !u.skipped.is_empty() {
                let shown: Vec<String> = u.skipped.iter().take(20).map(|s| format!("`{s}`")).collect();
                notes.push(format!(
                    "These entries of your archive were not unpacked (links, special files and macOS metadata never are): {}.",
                    shown.join(", ")
                ));
            }
            Unpacked::Ready { root: u.root, notes }
        }
        Err(e) => {
            let harness = matches!(e, archive::ArchiveError::Io { .. });
            let reason = format!("Your archive could not be unpacked: {e}");
            Unpacked::Failed(Box::new(not_gradable(batch, entry, key.to_string(), reason, started.elapsed().as_secs_f64(), harness)))
        }
    }
}

/// Unpacks, builds and runs one submission. Never fails: a submission that
/// cannot be built gets every check as `error` with the reason, and score 0.
fn grade_one(batch: &Batch, entry: &Entry, key: String) -> Record {
    let started = Instant::now();
    let (root, notes) = match unpack(batch, entry, &key, started) {
        Unpacked::Ready { root, notes } => (root, notes),
        Unpacked::Failed(record) => return *record,
    };
    let root = root.as_path();
    let options = run_options(batch, entry);
    let rubric = batch.rubric;
    let files = workspace::list_files(root);
    let overlay = files.as_ref().map(|f| workspace::overlay_plan(f, rubric)).unwrap_or_default();
    let caps = sandbox::capabilities();
    let slot = if batch.sandboxed && caps.users.is_ok() { UidSlot::claim().map(Some) } else { Ok(None) };
    let slot = match slot {
        Ok(s) => s,
        Err(e) => {
            let reason = format!("The grader could not isolate your submission (not your fault; please tell your instructor): {e}");
            return not_gradable(batch, entry, key, reason, started.elapsed().as_secs_f64(), true);
        }
    };
    let uid = slot.as_ref().map(UidSlot::uid);
    let build_options = BuildOptions {
        secrets: batch.sandboxed.then(|| batch.secrets.clone()),
        runner_uid: uid,
        limits: BuildLimits::from(&rubric.limits),
    };
    let built = files.and_then(|_| workspace::build(batch.course, batch.suite.assignment(), root, &overlay, &build_options));
    let build_seconds = started.elapsed().as_secs_f64();
    let run_started = Instant::now();
    let (mut report, build) = match built {
        Ok(built) => (run_checks(batch, entry, &built, uid, &options), BuildOutcome::Built),
        Err(e) => {
            let message = build_failure_message(&e);
            (all_checks(batch.suite, rubric, &entry.name, &options, Status::Error, &message), build_outcome(&e, &message))
        }
    };
    drop(slot);
    let violations = forbidden::scan(root, &overlay.used, &rubric.forbidden);
    apply_violations(&mut report.checks, &violations);
    report.notes.extend(notes);
    report.notes.extend(overlay.note());
    report.header.limits = batch.limits.clone();
    let run_seconds = run_started.elapsed().as_secs_f64();
    report.seconds = build_seconds + run_seconds;
    Record { format_version: record::RECORD_FORMAT, key, source: entry.path.display().to_string(), build, build_seconds, run_seconds, report }
}

/// Runs the suite against a built submission in its sandboxed runner (as `uid`).
fn run_checks(batch: &Batch, entry: &Entry, built: &workspace::Built, uid: Option<u32>, options: &RunOptions) -> SubmissionReport {
    let policy = if batch.sandboxed {
        Policy { mounts: batch.secrets.for_runner(&built.sandbox_dir), isolate_network: true, uid, memory_tree: true, ..Policy::default() }
    } else {
        Policy::default()
    };
    let command = RunnerCommand { program: built.runner.clone(), workdir: built.workdir.clone(), limits: batch.rubric.limits.clone(), policy };
    let mut sub = Isolated::new(command);
    match batch.suite.run(&entry.name, &mut sub, options) {
        Ok(r) => r,
        Err(e) => all_checks(batch.suite, batch.rubric, &entry.name, options, Status::Error, &format!("The grader is broken (not your fault): {e}")),
    }
}

/// How a failed build counts: a compile error in the student's files, or
/// not gradable (the student's when it is not a crate, else the grader's).
fn build_outcome(e: &BuildError, message: &str) -> BuildOutcome {
    match e {
        // The student's files are named relative to their crate; anything else is the course's.
        BuildError::Compile(crate::cargo::CargoError::Failed { location, .. })
            if !location.as_ref().is_some_and(|(f, _)| Path::new(f).is_absolute()) =>
        {
            BuildOutcome::CompileError { location: location.as_ref().map(|(f, l)| format!("{f}:{l}")) }
        }
        // The submission's doing: it kept the compiler busy, or asked it for too much.
        BuildError::Compile(crate::cargo::CargoError::Stopped { limit, .. }) => {
            BuildOutcome::NotGradable { reason: limit.to_string(), harness: false }
        }
        _ => BuildOutcome::NotGradable {
            reason: message.lines().next().unwrap_or_default().to_string(),
            harness: !matches!(e, BuildError::NotASubmission { .. }),
        },
    }
}

fn run_options(batch: &Batch, entry: &Entry) -> RunOptions {
    let args = batch.args;
    let mut reproduce = format!("{} {} --seed {}", batch.reproduce_prefix, entry.path.display(), args.seed);
    if let Some(t) = args.time_limit {
        reproduce.push_str(&format!(" --time-limit {t}"));
    }
    if let Some(mb) = args.memory_limit {
        reproduce.push_str(&format!(" --memory-limit {mb}"));
    }
    if let Some(t) = args.build_time_limit {
        reproduce.push_str(&format!(" --build-time-limit {t}"));
    }
    if let Some(mb) = args.build_memory_limit {
        reproduce.push_str(&format!(" --build-memory-limit {mb}"));
    }
    RunOptions { seed: args.seed, device: batch.device, local: false, only: args.only.clone(), reproduce }
}

/// The record of a submission that could not be graded at all; `harness`
/// when that is the grader's problem, not the submission's.
fn not_gradable(batch: &Batch, entry: &Entry, key: String, reason: String, seconds: f64, harness: bool) -> Record {
    let options = run_options(batch, entry);
    let mut report = all_checks(batch.suite, batch.rubric, &entry.name, &options, Status::Error, &format!("{reason}\n\nNo check could run."));
    report.header.limits = batch.limits.clone();
    report.seconds = seconds;
    Record {
        format_version: record::RECORD_FORMAT,
        key,
        source: entry.path.display().to_string(),
        build: BuildOutcome::NotGradable { reason, harness },
        build_seconds: seconds,
        run_seconds: 0.0,
        report,
    }
}

/// The message every check carries when the submission could not be built.
pub fn build_failure_message(e: &BuildError) -> String {
    match e {
        BuildError::Compile(crate::cargo::CargoError::Failed { summary, location: Some((file, line)) }) if Path::new(file).is_absolute() => {
            format!(
                "The grader's own code failed to build at `{file}:{line}` (not your fault; please tell your instructor), so no check could run:\n\n```text\n{summary}\n```"
            )
        }
        BuildError::Compile(crate::cargo::CargoError::Failed { summary, location }) => {
            let at = location.as_ref().map(|(f, l)| format!(" (first error at `{f}:{l}`)")).unwrap_or_default();
            format!("Your code does not compile{at}, so no check could run. The first error:\n\n```text\n{summary}\n```\n\nRun `cargo build` in your crate and fix the errors from the top.")
        }
        BuildError::Compile(crate::cargo::CargoError::Stopped { limit, so_far }) => stopped_message(limit, so_far),
        other => format!("Your submission could not be built, so no check could run: {other}"),
    }
}

/// The message of a build stopped at a limit: which, what the compiler had
/// said until then, and what in the code can do that.
fn stopped_message(limit: &Stopped, so_far: &str) -> String {
    let said = if so_far.trim().is_empty() {
        "The compiler had said nothing yet.".to_string()
    } else {
        format!("What the compiler had said until then:\n\n```text\n{so_far}\n```")
    };
    let hint = match limit {
        Stopped::Time { .. } => {
            "Code that keeps the compiler busy can do this: a `const` or `static` computed by a long loop, or deep \
             recursion in macros, traits or generics. Run `cargo build` in your crate and see how long it takes."
        }
        Stopped::Memory { .. } => {
            "Large values built at compile time can do this: a big `const` or `static` array, or a `const fn` that \
             makes one. Build them at run time instead."
        }
        Stopped::Output { .. } => {
            "Code that makes the compiler print warnings or errors by the thousand (usually through a macro) can do \
             this. Run `cargo build` in your crate and fix the first messages."
        }
        Stopped::FileSize { .. } => "A very large `static` array can do this. Build it at run time instead.",
    };
    let mut text = limit.to_string();
    if let Some(first) = text.get(..1) {
        text = format!("{}{}", first.to_uppercase(), &text[1..]);
    }
    format!("{text}, so no check could run: it was stopped, with everything it had started. {said}\n\n{hint}")
}

fn all_checks(suite: &Suite, rubric: &Rubric, name: &str, options: &RunOptions, status: Status, message: &str) -> SubmissionReport {
    SubmissionReport {
        name: name.to_string(),
        header: suite.header(rubric, "isolated", options),
        checks: rubric
            .checks
            .iter()
            .map(|s| {
                let selected = options.only.is_empty() || options.only.contains(&s.id);
                CheckResult {
                    id: s.id.clone(),
                    title: s.title.clone(),
                    max_score: s.points,
                    score: 0.0,
                    status: if selected { status } else { Status::NotRun },
                    visibility: s.visibility,
                    message: if selected { message.to_string() } else { String::new() },
                    seconds: 0.0,
                    attachments: Vec::new(),
                    tolerance_used: None,
                    calls: Vec::new(),
                }
            })
            .collect(),
        notes: Vec::new(),
        seconds: 0.0,
    }
}

/// Zeroes the checks a forbidden API costs, and says why.
pub fn apply_violations(checks: &mut [CheckResult], violations: &[forbidden::Violation]) {
    for c in checks.iter_mut() {
        let hits: Vec<&forbidden::Violation> = violations.iter().filter(|v| v.affects(&c.id)).collect();
        if hits.is_empty() || c.status == Status::NotRun {
            continue;
        }
        let text: Vec<String> = hits.iter().map(|v| v.message()).collect();
        if c.status == Status::Passed {
            c.status = Status::Failed;
            c.score = 0.0;
            c.message = format!("The result is right, but it does not count. {}", text.join(" "));
        } else {
            c.message = format!("{}\n\nAlso: {}", c.message, text.join(" "));
        }
    }
}

fn write(path: PathBuf, bytes: &[u8]) -> Result<(), GradeError> {
    report::write_atomic(&path, bytes).map_err(|source| GradeError::Write { path, source })
}

/// Writes OUT/<name>/: results.json, feedback.md, the attachments, and
/// report.json last (its presence says the others are complete).
pub fn write_submission_files(out: &Path, record: &Record) -> Result<(), GradeError> {
    let r = &record.report;
    let dir = out.join(&r.name);
    write(dir.join("results.json"), report::gradescope::to_json(r).as_bytes())?;
    write(dir.join("feedback.md"), report::feedback::render(r).as_bytes())?;
    for a in r.checks.iter().flat_map(|c| &c.attachments) {
        write(dir.join(&a.file_name), &a.bytes)?;
    }
    write(Record::path(out, &r.name), record.to_json().as_bytes())
}

/// Writes the batch files from the records (in name order): OUT/scores.csv
/// (one column per check in `check_ids`), OUT/summary.json and OUT/summary.md.
pub fn write_batch_files(out: &Path, assignment: &str, seed: u64, check_ids: &[String], records: &[Record]) -> Result<(), GradeError> {
    let reports: Vec<SubmissionReport> = records.iter().map(|r| r.report.clone()).collect();
    write(out.join("scores.csv"), report::csv::scores(check_ids, &reports).as_bytes())?;
    let summary = report::summary::summary(assignment, seed, records);
    write(out.join("summary.json"), serde_json::to_string_pretty(&summary).unwrap_or_default().as_bytes())?;
    write(out.join("summary.md"), report::summary_md::render(assignment, seed, records).as_bytes())
}

/// The score table printed at the end of a batch.
pub fn score_table(reports: &[SubmissionReport]) -> String {
    let width = reports.iter().map(|r| r.name.len()).max().unwrap_or(4).max(10);
    let mut out = format!("{:<width$}  {:>12}  {:>6}  {:>6}  {:>6}\n", "submission", "score", "passed", "failed", "errors");
    for r in reports {
        let count = |f: &dyn Fn(Status) -> bool| r.checks.iter().filter(|c| f(c.status)).count();
        out.push_str(&format!(
            "{:<width$}  {:>12}  {:>6}  {:>6}  {:>6}\n",
            r.name,
            format!("{} / {}", crate::compare::num(r.score()), crate::compare::num(r.max_score())),
            count(&|s| s == Status::Passed),
            count(&|s| s == Status::Failed),
            count(&|s| !matches!(s, Status::Passed | Status::Failed | Status::NotRun)),
        ));
    }
    out
}
