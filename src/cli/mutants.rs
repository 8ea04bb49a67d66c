use super::dev_check::run_grader_quietly;
use super::grade::build_grader;
use super::CliError;
use crate::course::Course;
use crate::dev::mutants::cargo_mutants::CargoMutants;
use crate::dev::mutants::reach::CallGraph;
use crate::dev::mutants::report::{self, AssignmentRun, CheckRef, Graded, Recorded, Run};
use crate::dev::mutants::{self, verdict};
use crate::grade::record::Record;
use crate::grade::GradeArgs;
use crate::result::SubmissionReport;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// What to grade: `gradwork dev mutants`' options.
#[derive(Debug, Clone)]
pub struct MutantsOptions {
    /// At most this many mutants per assignment (all when `None`).
    pub max: Option<usize>,
    /// Seed of the sample and of every check's inputs.
    pub seed: u64,
    /// Submissions graded at the same time (`gradwork grade --jobs`).
    pub jobs: Option<usize>,
    /// Where the submissions, the grading reports, mutants.md and mutants.json go.
    pub out: PathBuf,
    /// Only mutants whose name contains one of these (all when empty): to
    /// grade again the survivors a change to the checks should now kill.
    pub matching: Vec<String>,
}

/// `gradwork dev mutants [<assignment>…] [--max N] [--seed S] [--jobs J] [--out DIR] [--mutant TEXT…]`.
pub fn run(course: &Course, only: &[String], options: &MutantsOptions) -> Result<ExitCode, CliError> {
    let started = Instant::now();
    let ids = if only.is_empty() { course.assignments() } else { only.to_vec() };
    for id in &ids {
        course.require(id)?;
    }
    let tool = CargoMutants::locate(course.root()).map_err(mutants::MutantsError::from)?;
    if let Some(w) = tool.version_warning() {
        eprintln!("warning: {w}");
    }
    let mut run = Run {
        gradwork_version: crate::VERSION.to_string(),
        seed: options.seed,
        max: options.max,
        cargo_mutants: Some(tool.version.clone()),
        command: command(&ids, options),
        seconds: 0.0,
        assignments: Vec::new(),
    };
    for id in &ids {
        run.assignments.push(grade_assignment(course, id, Some(&tool), options, None)?);
        run.seconds = started.elapsed().as_secs_f64();
        // After each assignment, so that a run of hours stopped half-way keeps what it graded.
        write_reports(&run, &options.out)?;
    }
    println!("\n{}", report::table(&run));
    let mut failed = false;
    for a in &run.assignments {
        for g in a.survivors() {
            failed = true;
            println!("SURVIVED {}{}", g.mutant.name, caught_by(g));
        }
        if a.counts.not_graded > 0 {
            failed = true;
            println!("FAIL {}: {} mutants could not be graded (see mutants.md)", a.assignment, a.counts.not_graded);
        }
        for e in a.stale.iter().flatten() {
            println!("WARN {}: mutants.toml line {} records `{}`, which no longer exists{}: update or remove it", a.assignment, e.line, e.mutant, e.moved_hint());
        }
    }
    println!("\nreports: {} and {}", options.out.join("mutants.md").display(), options.out.join("mutants.json").display());
    Ok(if failed { ExitCode::from(crate::exit_codes::POLICY_FAILURE) } else { ExitCode::SUCCESS })
}

/// `gradwork dev mutants --list`: every mutant in solution code, one a line,
/// `[equivalent]` after those mutants.toml records, then stale entries.
pub fn list(course: &Course, only: &[String]) -> Result<ExitCode, CliError> {
    let ids = if only.is_empty() { course.assignments() } else { only.to_vec() };
    for id in &ids {
        course.require(id)?;
    }
    let tool = CargoMutants::locate(course.root()).map_err(mutants::MutantsError::from)?;
    for id in &ids {
        let listing = mutants::list(course, id, Some(&tool))?;
        for m in &listing.mutants {
            let recorded = if listing.equivalents.get(&m.name).is_some() { "  [equivalent]" } else { "" };
            println!("{}{recorded}", m.name);
        }
        for e in listing.stale().unwrap_or_default() {
            println!("WARN {}: mutants.toml line {} records `{}`, which no longer exists{}", id, e.line, e.mutant, listing.moved_hint(&e.mutant));
        }
        eprintln!("{id}: {} mutants in solution code ({} outside it left out)", listing.mutants.len(), listing.outside);
    }
    Ok(ExitCode::SUCCESS)
}

/// ` (should have been caught by `a`, `b`)`, or a note that no check reaches it.
pub fn caught_by(g: &Graded) -> String {
    if g.should_have_caught.is_empty() {
        " (no check reaches this function)".into()
    } else {
        let ids: Vec<String> = g.should_have_caught.iter().map(|c| format!("`{}`", c.id)).collect();
        format!(" (should have been caught by {})", ids.join(", "))
    }
}

fn command(ids: &[String], o: &MutantsOptions) -> String {
    let mut parts = vec!["gradwork dev mutants".to_string()];
    parts.extend(ids.iter().cloned());
    if let Some(n) = o.max {
        parts.push(format!("--max {n}"));
    }
    for m in &o.matching {
        parts.push(format!("--mutant '{}'", m.replace('\'', "'\\''")));
    }
    parts.push(format!("--seed {}", o.seed));
    parts.join(" ")
}

/// Writes `mutants.md` and `mutants.json` into `out`.
pub fn write_reports(run: &Run, out: &Path) -> Result<(), CliError> {
    std::fs::create_dir_all(out).map_err(|source| CliError::Io { path: out.to_path_buf(), source })?;
    for (name, text) in [("mutants.md", report::markdown(run)), ("mutants.json", report::json(run))] {
        let path = out.join(name);
        std::fs::write(&path, text).map_err(|source| CliError::Io { path, source })?;
    }
    Ok(())
}

/// Lists, samples, materialises and grades the mutants of one assignment
/// (cargo-mutants' only when `tool` is given), and judges them. The
/// reference is graded beside them, as the control, unless `reference` is
/// its report under the same seed already.
pub fn grade_assignment(
    course: &Course,
    id: &str,
    tool: Option<&CargoMutants>,
    options: &MutantsOptions,
    reference: Option<&SubmissionReport>,
) -> Result<AssignmentRun, CliError> {
    let started = Instant::now();
    let listing = mutants::list(course, id, tool)?;
    let mut candidates = listing.candidates();
    let equivalent = listing.mutants.len() - candidates.len();
    let filtered = if options.matching.is_empty() {
        String::new()
    } else {
        candidates.retain(|m| options.matching.iter().any(|s| m.name.contains(s.as_str())));
        format!(", {} matching --mutant", candidates.len())
    };
    let chosen = mutants::sample(&candidates, options.max, options.seed);
    eprintln!(
        "{id}: {} mutants in solution code ({} outside it left out, {equivalent} recorded as equivalent{filtered}); grading {}…",
        listing.mutants.len(),
        listing.outside,
        chosen.len()
    );
    let dir = options.out.join(id);
    let subs = dir.join("submissions");
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CliError::Io { path, source }
    };
    if subs.exists() {
        std::fs::remove_dir_all(&subs).map_err(io(&subs))?;
    }
    std::fs::create_dir_all(&subs).map_err(io(&subs))?;
    // A check the reference fails under this seed kills nothing: the
    // reference is graded beside its mutants unless its report is known.
    if reference.is_none() {
        crate::samples::copy_src(&course.reference_dir(id), &subs.join("reference"))?;
    }
    for m in &chosen {
        mutants::materialize(course, id, &listing, m, &subs.join(mutants::dir_name(m)))?;
    }
    let grader = build_grader(course, id)?;
    let graded = dir.join("graded");
    let args = GradeArgs { submissions_dir: Some(subs.clone()), out: graded.clone(), seed: options.seed, jobs: options.jobs, ..GradeArgs::default() };
    run_grader_quietly(&grader, course, id, &args)?;
    let control = match reference {
        Some(r) => r.clone(),
        None => match Record::read(&Record::path(&graded, "reference")) {
            Some(r) if r.build == crate::grade::record::BuildOutcome::Built => r.report,
            _ => {
                return Err(CliError::GraderRun {
                    assignment: id.into(),
                    message: format!("the reference did not build or was not graded (see {}): run `gradwork dev check {id}`", graded.join("reference").display()),
                })
            }
        },
    };
    let unreliable = verdict::failing_checks(&control);
    let graph = call_graph(course, id, &listing);
    let prefix = mutants::name_prefix(course, id);
    let checks: Vec<(String, String, Vec<String>)> = control.checks.iter().map(|c| (c.id.clone(), c.title.clone(), c.calls.clone())).collect();
    let results: Vec<Graded> = chosen
        .iter()
        .map(|m| {
            let submission = mutants::dir_name(m);
            let record = Record::read(&Record::path(&graded, &submission));
            let should_have_caught = m
                .function
                .as_deref()
                .map(|f| graph.checks_reaching(f, checks.iter().map(|(i, t, c)| (i.as_str(), t.as_str(), c.as_slice()))))
                .unwrap_or_default()
                .into_iter()
                .map(|(id, title)| CheckRef { id, title })
                .collect();
            let source = listing.sources.get(&m.file).map(String::as_str).unwrap_or_default();
            Graded {
                mutant: (*m).clone(),
                submission,
                verdict: verdict::judge(record.as_ref(), &unreliable),
                should_have_caught,
                diff: m.diff(source, &format!("{prefix}/{}", m.file)),
            }
        })
        .collect();
    let equivalent: Vec<Recorded> = listing
        .mutants
        .iter()
        .filter_map(|m| listing.equivalents.get(&m.name))
        .map(|e| Recorded { mutant: e.mutant.clone(), why: e.why.clone(), line: e.line, moved_to: Vec::new() })
        .collect();
    let mut run = AssignmentRun::new(id, listing.mutants.len(), listing.outside, equivalent, candidates.len(), results);
    run.stale = listing.stale().map(|s| {
        s.into_iter()
            .map(|e| Recorded {
                mutant: e.mutant.clone(),
                why: e.why.clone(),
                line: e.line,
                moved_to: listing.moved(&e.mutant).into_iter().map(String::from).collect(),
            })
            .collect()
    });
    run.reference_fails = unreliable;
    run.seconds = started.elapsed().as_secs_f64();
    let c = &run.counts;
    eprintln!(
        "{id}: {} graded: {} killed, {} survived, {} did not build, {} not graded; kill rate {} ({:.0} s)",
        c.graded,
        c.killed,
        c.survived,
        c.did_not_build,
        c.not_graded,
        run.kill_rate.map_or("–".into(), |r| format!("{:.1} %", r * 100.0)),
        run.seconds
    );
    Ok(run)
}

/// The reference's call graph and the runner's dispatch, for naming the checks that should catch a mutant.
fn call_graph(course: &Course, id: &str, listing: &mutants::Listing) -> CallGraph {
    let mut graph = CallGraph::default();
    for text in listing.sources.values() {
        graph.add_reference(text);
    }
    let runner_src = course.runner_dir(id).join("src");
    for rel in crate::workspace::list_files(&runner_src).unwrap_or_default().into_iter().filter(|f| f.ends_with(".rs")) {
        if let Ok(text) = std::fs::read_to_string(runner_src.join(rel)) {
            graph.add_runner(&text);
        }
    }
    graph
}
