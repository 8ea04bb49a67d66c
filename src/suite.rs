//! Check suites: an assignment's checks, written once against
//! [`Submission`], run by [`Suite::run`] into a [`SubmissionReport`].
//!
//! ```
//! use gradwork::suite::{Ctx, Failure, Suite};
//!
//! fn ones(ctx: &mut Ctx) -> Result<(), Failure> {
//!     let got = ctx.call_tensor("ones", vec![3i64.into()])?;
//!     ctx.compare("`ones(3)`", &tch::Tensor::ones([3], (tch::Kind::Float, tch::Device::Cpu)), &got)
//! }
//!
//! let suite = Suite::new("a00-demo", r#"
//! format_version = 1
//! assignment = "a00-demo"
//! title = "Demo"
//! [[check]]
//! id = "ones"
//! title = "returns a tensor of ones"
//! points = 1
//! "#, "0.1.0", ".").check("ones", ones);
//! assert!(suite.validate().is_ok());
//! ```

use crate::compare::{compare_tensors, CompareOptions};
use crate::result::{CheckResult, ReportHeader, Status, SubmissionReport};
use crate::rubric::{CheckSpec, Rubric, RubricError};
use crate::submission::{CallError, Submission};
use crate::value::{TensorData, Value};
use rand::rngs::StdRng;
use rand::SeedableRng;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::PathBuf;
use std::time::Instant;
use tch::{Device, Tensor};

/// A check function: calls the submission through the context and judges.
pub type CheckFn = fn(&mut Ctx) -> Result<(), Failure>;

/// Why a check did not pass.
#[derive(Debug, Clone, PartialEq)]
pub enum Failure {
    /// The submission answered, wrongly. Markdown: what was expected, what came, where.
    Wrong(String),
    /// A call into the submission failed.
    Call {
        /// the call as written in the message, e.g. `tridiagonal(5)`
        call: String,
        /// what went wrong
        error: CallError,
    },
    /// The grader itself failed (not the student's fault).
    Grader(String),
}

impl Failure {
    /// A wrong answer with this message.
    pub fn wrong(message: impl Into<String>) -> Failure {
        Failure::Wrong(message.into())
    }
}

/// Errors in a suite's definition (the course author's bugs).
#[derive(Debug, thiserror::Error)]
pub enum SuiteError {
    /// The embedded rubric is invalid.
    #[error(transparent)]
    Rubric(#[from] RubricError),
    /// Rubric and registered check functions disagree.
    #[error("{0}")]
    Mismatch(String),
}

/// An assignment's checks with their rubric.
#[derive(Clone)]
pub struct Suite {
    assignment: String,
    rubric: Result<Rubric, String>,
    grader_version: String,
    grader_dir: PathBuf,
    checks: Vec<(String, CheckFn)>,
}

/// How to run a suite.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// Seed all inputs derive from.
    pub seed: u64,
    /// Device for the oracle.
    pub device: Device,
    /// Run only checks whose visibility allows local runs (the student's `cargo test`).
    pub local: bool,
    /// Run only these check ids (all when empty).
    pub only: Vec<String>,
    /// The command that reproduces this run, printed in the header.
    pub reproduce: String,
}

impl Suite {
    /// A suite for `assignment` with the rubric text (usually `include_str!("../rubric.toml")`),
    /// the grader crate's version and directory (`env!("CARGO_MANIFEST_DIR")`).
    pub fn new(assignment: &str, rubric_toml: &str, grader_version: &str, grader_dir: &str) -> Suite {
        let path = PathBuf::from(grader_dir).join("rubric.toml");
        Suite {
            assignment: assignment.to_string(),
            rubric: Rubric::parse(rubric_toml, &path).map_err(|e| e.to_string()),
            grader_version: grader_version.to_string(),
            grader_dir: PathBuf::from(grader_dir),
            checks: Vec::new(),
        }
    }

    /// The same suite with every check's wall-clock limit replaced by
    /// `seconds` (`gradwork grade --time-limit`: an infinite loop then costs
    /// seconds, not the rubric's limit). The report headers say so.
    pub fn with_time_limit(&self, seconds: f64) -> Suite {
        self.with_limits(|limits, checks| {
            limits.time_per_check_s = seconds;
            for c in checks {
                c.time_limit_s = None;
            }
        })
    }

    /// The same suite with a runner's memory limit replaced by `mib`
    /// (`gradwork grade --memory-limit`). The report headers say so.
    pub fn with_memory_limit(&self, mib: u64) -> Suite {
        self.with_limits(|limits, _| limits.memory_mb = mib)
    }

    fn with_limits(&self, change: impl FnOnce(&mut crate::rubric::Limits, &mut [CheckSpec])) -> Suite {
        let mut suite = self.clone();
        if let Ok(rubric) = &mut suite.rubric {
            change(&mut rubric.limits, &mut rubric.checks);
        }
        suite
    }

    /// Registers the function for the rubric's check `id`.
    pub fn check(mut self, id: &str, f: CheckFn) -> Suite {
        self.checks.push((id.to_string(), f));
        self
    }

    /// The assignment id.
    pub fn assignment(&self) -> &str {
        &self.assignment
    }

    /// The grader crate's version.
    pub fn grader_version(&self) -> &str {
        &self.grader_version
    }

    /// The grader crate's directory (holds `rubric.toml` and `runner/`).
    pub fn grader_dir(&self) -> &std::path::Path {
        &self.grader_dir
    }

    /// Checks that the rubric is valid and names exactly the registered checks.
    pub fn validate(&self) -> Result<&Rubric, SuiteError> {
        let rubric = self.rubric.as_ref().map_err(|e| SuiteError::Mismatch(e.clone()))?;
        if rubric.assignment != self.assignment {
            return Err(SuiteError::Mismatch(format!(
                "rubric.toml says assignment = \"{}\" but the suite is `{}`",
                rubric.assignment, self.assignment
            )));
        }
        for spec in &rubric.checks {
            if !self.checks.iter().any(|(id, _)| id == &spec.id) {
                return Err(SuiteError::Mismatch(format!(
                    "rubric.toml defines check `{}` but the grader registers no function for it",
                    spec.id
                )));
            }
        }
        for (id, _) in &self.checks {
            if rubric.check(id).is_none() {
                return Err(SuiteError::Mismatch(format!(
                    "the grader registers check `{id}` but rubric.toml does not define it: add a [[check]] entry"
                )));
            }
        }
        Ok(rubric)
    }

    /// Runs every check (in rubric order) against `submission`.
    pub fn run(&self, name: &str, submission: &mut dyn Submission, options: &RunOptions) -> Result<SubmissionReport, SuiteError> {
        let rubric = self.validate()?;
        let started = Instant::now();
        let header = self.header(rubric, submission.mode(), options);
        let mut checks = Vec::new();
        for spec in &rubric.checks {
            let selected = options.only.is_empty() || options.only.contains(&spec.id);
            if !selected || (options.local && !spec.visibility.runs_locally()) {
                checks.push(not_run(spec));
                continue;
            }
            let f = self.checks.iter().find(|(id, _)| id == &spec.id).map(|(_, f)| *f);
            let Some(f) = f else { continue };
            checks.push(run_check(rubric, spec, f, submission, options));
        }
        Ok(SubmissionReport { name: name.to_string(), header, checks, notes: Vec::new(), seconds: started.elapsed().as_secs_f64() })
    }

    /// The header of a report of this suite.
    pub fn header(&self, rubric: &Rubric, mode: &str, options: &RunOptions) -> ReportHeader {
        ReportHeader {
            assignment: self.assignment.clone(),
            gradwork_version: crate::VERSION.to_string(),
            grader_version: self.grader_version.clone(),
            libtorch_version: crate::libtorch::VERSION.to_string(),
            libtorch_cuda: crate::libtorch::install_cuda(),
            device: crate::libtorch::device_name(options.device),
            seed: options.seed,
            limits: rubric.limits.describe(),
            mode: mode.to_string(),
            reproduce: options.reproduce.clone(),
        }
    }
}

fn not_run(spec: &CheckSpec) -> CheckResult {
    CheckResult {
        id: spec.id.clone(),
        title: spec.title.clone(),
        max_score: spec.points,
        score: 0.0,
        status: Status::NotRun,
        visibility: spec.visibility,
        message: String::new(),
        seconds: 0.0,
        attachments: Vec::new(),
        tolerance_used: None,
        calls: Vec::new(),
    }
}

/// The seed of one check: the run's seed mixed with the check id, so every
/// check has its own inputs and can be re-run alone with the same ones.
pub fn check_seed(run_seed: u64, check_id: &str) -> u64 {
    // FNV-1a: stable across platforms and Rust versions.
    let mut h: u64 = 0xcbf29ce484222325 ^ run_seed;
    for b in check_id.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h >> 1 // keep it a valid non-negative i64 for libtorch
}

/// The libtorch seed of a check's `call`-th call into the submission: each
/// call its own stream (a sampler called twice must give two draws), the same
/// on every run. SplitMix64's finaliser, as a plain sum would make neighbouring
/// calls share a seed once halved.
fn call_seed(check_seed: u64, call: u64) -> u64 {
    let mut z = check_seed ^ call.wrapping_mul(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    (z ^ (z >> 31)) >> 1 // a valid non-negative i64 for libtorch
}

fn run_check(rubric: &Rubric, spec: &CheckSpec, f: CheckFn, submission: &mut dyn Submission, options: &RunOptions) -> CheckResult {
    let started = Instant::now();
    let limit_s = rubric.time_limit(spec);
    let seed = check_seed(options.seed, &spec.id);
    let mut ctx = Ctx {
        submission,
        spec,
        seed,
        device: options.device,
        deadline: started + std::time::Duration::from_secs_f64(limit_s),
        limit_s,
        rng: StdRng::seed_from_u64(seed),
        calls: 0,
        called: Vec::new(),
        attachments: Vec::new(),
        keep_attachments: !options.local,
        tolerance_used: std::cell::Cell::new(None),
    };
    let outcome = catch_unwind(AssertUnwindSafe(|| f(&mut ctx)))
        .unwrap_or_else(|payload| Err(Failure::Grader(panic_text(payload.as_ref()))));
    crate::torch_rng::release();
    let (status, message) = match outcome {
        Ok(()) => (Status::Passed, String::new()),
        Err(failure) => describe(&failure, spec, limit_s),
    };
    let score = if status == Status::Passed { spec.points } else { 0.0 };
    CheckResult {
        id: spec.id.clone(),
        title: spec.title.clone(),
        max_score: spec.points,
        score,
        status,
        visibility: spec.visibility,
        message,
        seconds: started.elapsed().as_secs_f64(),
        tolerance_used: ctx.tolerance_used.get(),
        attachments: ctx.attachments,
        calls: ctx.called,
    }
}

fn panic_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into())
}

/// The status and Markdown message of a failure.
pub fn describe(failure: &Failure, spec: &CheckSpec, limit_s: f64) -> (Status, String) {
    let hint = spec.hint.as_ref().map(|h| format!("\n\n**Hint:** {h}")).unwrap_or_default();
    let at = |loc: &Option<String>| loc.as_ref().map(|l| format!(" at `{l}`")).unwrap_or_default();
    let block = |text: &str| {
        if text.trim().is_empty() { String::new() } else { format!("\n\nWhat it printed last:\n\n```text\n{}\n```", text.trim_end()) }
    };
    match failure {
        Failure::Wrong(msg) => (Status::Failed, format!("{msg}{hint}")),
        Failure::Grader(msg) => (
            Status::Error,
            format!("The grader itself failed on this check (not your fault; please tell your instructor): {msg}"),
        ),
        Failure::Call { call, error } => match error {
            CallError::NotImplemented { location } => (
                Status::Error,
                format!("`{call}` is not implemented yet: replace the `todo!()`{} with your code.", at(location)),
            ),
            CallError::Panicked { message, location } => (
                Status::Error,
                format!("`{call}` panicked{}:\n\n```text\n{message}\n```{hint}", at(location)),
            ),
            CallError::TimedOut { .. } => (
                Status::TimedOut,
                format!(
                    "`{call}` did not finish within the {} s this check allows. Look for a loop that never \
                     ends, or work that grows too fast with the input size.{hint}",
                    crate::compare::num(limit_s)
                ),
            ),
            CallError::Crashed { reason, stderr_tail } => (
                Status::Crashed,
                format!(
                    "`{call}` crashed: {reason}. To see it happen on your machine, run this check alone: \
                     `cargo test -- --check {}` in your crate.{}{hint}",
                    spec.id,
                    block(stderr_tail)
                ),
            ),
            CallError::OutOfMemory { limit_mb, stderr_tail } => (
                Status::Crashed,
                format!(
                    "`{call}` ran out of memory (the limit is {limit_mb} MiB). Look for a tensor that is far \
                     larger than the inputs call for.{}",
                    block(stderr_tail)
                ),
            ),
            CallError::Dispatch(msg) => (
                Status::Error,
                format!(
                    "`{call}` could not be called or its result could not be read: {msg}. If it returns a tensor, \
                     return a defined tensor of a real number type; if the message names an argument or an unknown \
                     function, the grader is out of step with the assignment: tell your instructor."
                ),
            ),
            CallError::Protocol(msg) => (
                Status::Error,
                format!("The runner of `{call}` answered with something unreadable ({msg}). Does your code write to the process's file descriptors directly?"),
            ),
        },
    }
}

/// What a check function works with: the submission, its seed, RNG, device and tolerance.
pub struct Ctx<'a> {
    submission: &'a mut dyn Submission,
    spec: &'a CheckSpec,
    seed: u64,
    device: Device,
    deadline: Instant,
    limit_s: f64,
    rng: StdRng,
    calls: u64,
    called: Vec<String>,
    attachments: Vec<crate::result::Attachment>,
    keep_attachments: bool,
    tolerance_used: std::cell::Cell<Option<f64>>,
}

impl Ctx<'_> {
    /// Calls a student function; every output comes back as a [`Value`].
    pub fn call(&mut self, function: &str, args: Vec<Value>) -> Result<Vec<Value>, Failure> {
        let call = describe_call(function, &args);
        self.calls += 1;
        if !self.called.iter().any(|f| f == function) {
            self.called.push(function.to_string());
        }
        let seed = call_seed(self.seed, self.calls);
        self.submission
            .call(function, args, seed, self.deadline)
            .map_err(|error| Failure::Call { call, error })
    }

    /// Calls a student function that returns exactly one value.
    pub fn call_one(&mut self, function: &str, args: Vec<Value>) -> Result<Value, Failure> {
        let call = describe_call(function, &args);
        let mut out = self.call(function, args)?;
        if out.len() != 1 {
            return Err(Failure::Grader(format!("`{call}` returned {} values where the runner should send one", out.len())));
        }
        Ok(out.remove(0))
    }

    /// Calls a student function that returns one tensor, as a CPU tensor.
    pub fn call_tensor(&mut self, function: &str, args: Vec<Value>) -> Result<Tensor, Failure> {
        let call = describe_call(function, &args);
        match self.call_one(function, args)? {
            Value::Tensor(t) => t.to_tensor().map_err(|e| Failure::wrong(format!("`{call}` returned an unreadable tensor: {e}"))),
            other => Err(Failure::Grader(format!("`{call}` returned {} where the runner should send a tensor", other.type_name()))),
        }
    }

    /// Calls a student function that returns an integer.
    pub fn call_i64(&mut self, function: &str, args: Vec<Value>) -> Result<i64, Failure> {
        let call = describe_call(function, &args);
        match self.call_one(function, args)? {
            Value::I64(v) => Ok(v),
            other => Err(Failure::Grader(format!("`{call}` returned {} where the runner should send an integer", other.type_name()))),
        }
    }

    /// Compares a student's tensor with the oracle's, using the rubric's
    /// tolerance for this check (or the dtype's default). `what` names the
    /// value in the message, e.g. "`tridiagonal(5)`".
    pub fn compare(&self, what: &str, expected: &Tensor, actual: &Tensor) -> Result<(), Failure> {
        let options = CompareOptions { tolerance: self.spec.tolerance(), ..CompareOptions::default() };
        self.compare_with(what, expected, actual, &options)
    }

    /// [`Ctx::compare`] with explicit options.
    pub fn compare_with(&self, what: &str, expected: &Tensor, actual: &Tensor, options: &CompareOptions) -> Result<(), Failure> {
        if let Some(used) = crate::compare::tolerance_used(expected, actual, options) {
            self.note_tolerance_used(used);
        }
        compare_tensors(expected, actual, options).map_err(|m| Failure::wrong(format!("{what} is not right. {m}")))
    }

    /// Records an error seen as a fraction of the error allowed (e.g. a
    /// gradient check's largest `|a − n| / (atol + rtol·|n|)`); the check's
    /// result keeps the largest. [`Ctx::compare`] records its own.
    pub fn note_tolerance_used(&self, fraction: f64) {
        if fraction.is_nan() {
            return;
        }
        let worst = self.tolerance_used.get().map_or(fraction, |w| w.max(fraction));
        self.tolerance_used.set(Some(worst));
    }

    /// This check's seed (printed in the report; derived from the run's seed and the check id).
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// A random generator seeded with [`Ctx::seed`], for making inputs.
    pub fn rng(&mut self) -> &mut StdRng {
        &mut self.rng
    }

    /// The device the oracle computes on.
    pub fn device(&self) -> Device {
        self.device
    }

    /// The rubric entry of this check.
    pub fn spec(&self) -> &CheckSpec {
        self.spec
    }

    /// Attaches a file (a plot, say) to this check's result, passed or not.
    /// A student's local run writes no files, so there it keeps nothing.
    pub fn attach(&mut self, file_name: &str, caption: &str, bytes: Vec<u8>) {
        if !self.keep_attachments {
            return;
        }
        let file_name = file_name.replace(['/', '\\'], "_");
        self.attachments.push(crate::result::Attachment { file_name, caption: caption.to_string(), bytes });
    }

    /// Whether attachments reach anyone: false in a student's local run,
    /// where drawing a plot would only slow the edit-and-test loop.
    pub fn keeps_attachments(&self) -> bool {
        self.keep_attachments
    }

    /// The wall-clock limit of this check in seconds.
    pub fn limit_s(&self) -> f64 {
        self.limit_s
    }
}

/// Judges a statistical test at false-alarm rate `alpha`: passes unless the
/// test rejects. `what` names the output, `expectation` the distribution,
/// `details` adds facts (sample mean, ...) to the message.
///
/// ```
/// use gradwork::stats::mean_z_test;
/// use gradwork::suite::judge_test;
/// let test = mean_z_test(&[5.0; 100], 0.0, 1.0);
/// let failure = judge_test("`f(100)`", "N(0, 1)", &test, 1e-6, "").unwrap_err();
/// assert!(format!("{failure:?}").contains("does not look like N(0, 1)"));
/// ```
pub fn judge_test(what: &str, expectation: &str, test: &crate::stats::TestResult, alpha: f64, details: &str) -> Result<(), Failure> {
    if !test.rejects(alpha) {
        return Ok(());
    }
    let details = if details.is_empty() { String::new() } else { format!("\n\n{details}") };
    Err(Failure::wrong(format!(
        "{what} does not look like {expectation}: {test}. A correct sampler fails this test with probability \
         {alpha:e} (the false-alarm rate), so this is almost surely a real difference.{details}"
    )))
}

/// `f(5, tensor[6, 2] f64)`: a call as a student reads it, without tensor contents.
pub fn describe_call(function: &str, args: &[Value]) -> String {
    let parts: Vec<String> = args.iter().map(describe_value).collect();
    format!("{function}({})", parts.join(", "))
}

fn describe_value(v: &Value) -> String {
    match v {
        Value::Tensor(t) => describe_tensor(t),
        Value::F64(x) => crate::compare::num(*x),
        Value::I64(x) => x.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Str(s) => format!("{s:?}"),
        Value::List(items) if items.len() <= 8 => {
            format!("[{}]", items.iter().map(describe_value).collect::<Vec<_>>().join(", "))
        }
        Value::List(items) => format!("[… {} items]", items.len()),
        Value::Unit => "()".into(),
    }
}

fn describe_tensor(t: &TensorData) -> String {
    format!("tensor{:?} {:?}", t.shape, t.dtype).to_lowercase()
}
