use super::grade::{build_grader, grader_args};
use super::CliError;
use crate::compare::num;
use crate::course::Course;
use crate::dev::calibration::{self, CheckCalibration, Verdict};
use crate::grade::GradeArgs;
use crate::report::output::ReportSpec;
use crate::report::summary::Summary;
use crate::result::{Status, SubmissionReport};
use std::path::Path;
use std::process::{ExitCode, Stdio};

/// What `dev check` found about one assignment.
struct Findings {
    id: String,
    reference: Option<(f64, f64)>,
    stub: Option<(f64, f64)>,
    drift: usize,
    calibration: Vec<CheckCalibration>,
}

/// `gradwork dev check [<assignment>] [--seeds N] [--mutants M]`: every stub
/// matches what `dev stubs` would write, every reference gets full marks and
/// every stub zero; the reference is graded under `seeds` seeds to find flaky
/// checks and loose tolerances; with `mutants` above 0, that many mutants of
/// each reference's solution code are graded too, and every one must be
/// killed (or not build). With `$GITHUB_STEP_SUMMARY` set, a table of it all
/// is appended to the job summary.
pub fn run(course: &Course, only: Option<&str>, seeds: usize, mutants: usize) -> Result<ExitCode, CliError> {
    let ids = match only {
        Some(id) => {
            course.require(id)?;
            vec![id.to_string()]
        }
        None => course.assignments(),
    };
    let mut problems = Vec::new();
    let mut warnings = Vec::new();
    let mut all = Vec::new();
    let mut references = std::collections::BTreeMap::new();
    for id in &ids {
        let drift = crate::dev::stubs::drift(course, id)?;
        for d in &drift {
            problems.push(format!("{id}: the stub is out of date: {d}\n     run `gradwork dev stubs {id}` to regenerate it from the reference"));
        }
        let runs = grade_over_seeds(course, id, seeds.max(1))?;
        let first = runs.first().map(|(_, reports)| reports.as_slice()).unwrap_or_default();
        problems.extend(judge(id, first));
        let rubric = course.rubric(id)?;
        let reference_runs: Vec<(u64, SubmissionReport)> = runs
            .iter()
            .filter_map(|(seed, reports)| reports.iter().find(|r| r.name == "reference").map(|r| (*seed, r.clone())))
            .collect();
        let calibration = calibration::calibrate(&rubric, &reference_runs);
        for c in &calibration {
            match c.verdict {
                Verdict::Flaky => problems.push(format!("{id}: {}", c.describe())),
                Verdict::Loose => warnings.push(format!("{id}: {}", c.describe())),
                // `Fails` is reported by `judge` already.
                Verdict::Ok | Verdict::Fails => {}
            }
        }
        if let Some(r) = first.iter().find(|r| r.name == "reference") {
            references.insert(id.clone(), r.clone());
        }
        let points = |name: &str| first.iter().find(|r| r.name == name).map(|r| (r.score(), r.max_score()));
        all.push(Findings { id: id.clone(), reference: points("reference"), stub: points("stub"), drift: drift.len(), calibration });
    }
    print_calibration(&all);
    let gate = if mutants > 0 { Some(mutants_gate(course, &ids, &references, mutants, &mut problems, &mut warnings)?) } else { None };
    if let Some(path) = std::env::var_os(crate::report::github::STEP_SUMMARY_VAR).filter(|v| !v.is_empty()) {
        let path = std::path::PathBuf::from(path);
        crate::report::github::append_summary(&path, &job_summary(&all, &problems, &warnings))
            .map_err(|source| CliError::Io { path, source })?;
    }
    for w in &warnings {
        println!("WARN {w}");
    }
    if problems.is_empty() {
        let killed = gate.map(|n| format!(", {n} sampled mutant(s) caught")).unwrap_or_default();
        println!(
            "dev check passed: {} assignment(s), stubs match their references, every reference full marks under {} seed(s), every stub zero{killed}",
            ids.len(),
            seeds.max(1)
        );
        Ok(ExitCode::SUCCESS)
    } else {
        for p in &problems {
            println!("FAIL {p}");
        }
        Ok(ExitCode::from(crate::exit_codes::POLICY_FAILURE))
    }
}

/// The CI gate of `gradwork dev mutants`: grades `per_assignment` mutants of
/// each reference, chosen by the default seed; a survivor is a problem. Without
/// cargo-mutants only gradwork's own operators run, and a warning says so.
/// The reference's reports under the default seed (`references`, from the
/// first grading run) are the control. Returns how many mutants were graded
/// and did not survive.
fn mutants_gate(
    course: &Course,
    ids: &[String],
    references: &std::collections::BTreeMap<String, SubmissionReport>,
    per_assignment: usize,
    problems: &mut Vec<String>,
    warnings: &mut Vec<String>,
) -> Result<usize, CliError> {
    use super::mutants::{caught_by, grade_assignment, write_reports, MutantsOptions};
    use crate::dev::mutants::cargo_mutants::CargoMutants;
    let started = std::time::Instant::now();
    let tool = match CargoMutants::locate(course.root()) {
        Ok(tool) => {
            warnings.extend(tool.version_warning());
            Some(tool)
        }
        Err(e) => {
            let message = format!("the mutants gate ran gradwork's own operators only: {e}");
            eprintln!("WARNING: {message}");
            warnings.push(message);
            None
        }
    };
    let options = MutantsOptions {
        max: Some(per_assignment),
        seed: crate::grade::DEFAULT_SEED,
        jobs: None,
        out: course.build_dir().join("dev-check-mutants"),
        matching: Vec::new(),
    };
    let mut runs = Vec::new();
    for id in ids {
        let run = grade_assignment(course, id, tool.as_ref(), &options, references.get(id))?;
        for g in run.survivors() {
            let diff: String = g.diff.lines().map(|l| format!("     {l}
")).collect();
            problems.push(format!(
                "{id}: mutant `{}` survived{}: a wrong program gets full marks. Catch it with a check, or record it in graders/{id}/mutants.toml with why it is equivalent
{}",
                g.mutant.name,
                caught_by(g),
                diff.trim_end()
            ));
        }
        for g in run.mutants.iter().filter(|g| matches!(g.verdict, crate::dev::mutants::verdict::Verdict::NotGraded { .. })) {
            problems.push(format!("{id}: mutant `{}` could not be graded: {:?}", g.mutant.name, g.verdict));
        }
        for e in run.stale.iter().flatten() {
            warnings.push(format!("{id}: graders/{id}/mutants.toml line {} records `{}`, which no longer exists{}: update or remove it", e.line, e.mutant, e.moved_hint()));
        }
        runs.push(run);
    }
    let run = crate::dev::mutants::report::Run {
        gradwork_version: crate::VERSION.to_string(),
        seed: options.seed,
        max: options.max,
        cargo_mutants: tool.map(|t| t.version),
        command: format!("gradwork dev check --mutants {per_assignment}"),
        seconds: started.elapsed().as_secs_f64(),
        assignments: runs,
    };
    write_reports(&run, &options.out)?;
    println!("mutants gate ({} per assignment, seed {}, {:.0} s):
{}", per_assignment, options.seed, run.seconds, crate::dev::mutants::report::table(&run));
    Ok(run.assignments.iter().map(|a| a.counts.killed + a.counts.did_not_build).sum())
}

/// The seeds of a calibration run: the default seed first, then the next ones.
pub fn seeds(count: usize) -> Vec<u64> {
    (0..count as u64).map(|k| crate::grade::DEFAULT_SEED + k).collect()
}

/// Grades the reference and the stub under the first seed, and the reference
/// alone under the others; the full reports of each run.
fn grade_over_seeds(course: &Course, id: &str, count: usize) -> Result<Vec<(u64, Vec<SubmissionReport>)>, CliError> {
    let grader = build_grader(course, id)?;
    let tmp = crate::scratch::tempdir("dev-check").map_err(|source| CliError::Io { path: std::env::temp_dir(), source })?;
    let link = |dir: &Path, name: &str, target: &Path| {
        std::fs::create_dir_all(dir)
            .and_then(|_| std::os::unix::fs::symlink(target, dir.join(name)))
            .map_err(|source| CliError::Io { path: dir.join(name), source })
    };
    let both = tmp.path().join("both");
    link(&both, "reference", &course.reference_dir(id))?;
    link(&both, "stub", &course.stub_dir(id))?;
    let reference_only = tmp.path().join("reference-only");
    link(&reference_only, "reference", &course.reference_dir(id))?;
    let mut runs = Vec::new();
    for (k, seed) in seeds(count).into_iter().enumerate() {
        let subs = if k == 0 { &both } else { &reference_only };
        let out = tmp.path().join(format!("out-{seed}"));
        let json = out.join("reports.json");
        let args = GradeArgs {
            submissions: Vec::new(),
            submissions_dir: Some(subs.clone()),
            out: out.clone(),
            seed,
            device: crate::libtorch::DeviceChoice::Auto,
            only: Vec::new(),
            jobs: None,
            verbose: false,
            report: crate::report::output::ReportArgs {
                reports: vec![ReportSpec { format: crate::report::output::Format::Json, path: Some(json.clone()) }],
                ..Default::default()
            },
            ..GradeArgs::default()
        };
        eprintln!("{id}: grading {} under seed {seed}…", if k == 0 { "the reference and the stub" } else { "the reference" });
        let status = std::process::Command::new(&grader)
            .args(grader_args(course, &args))
            .stdout(Stdio::null())
            .status()
            .map_err(|e| CliError::GraderRun { assignment: id.into(), message: e.to_string() })?;
        if !status.success() {
            return Err(CliError::GraderRun { assignment: id.into(), message: format!("it exited with {status}") });
        }
        let text = std::fs::read_to_string(&json).map_err(|source| CliError::Io { path: json.clone(), source })?;
        let reports: Vec<SubmissionReport> = serde_json::from_str(&text)
            .map_err(|e| CliError::GraderRun { assignment: id.into(), message: format!("{}: {e}", json.display()) })?;
        runs.push((seed, reports));
    }
    Ok(runs)
}

/// Runs a grader binary to completion with its stdout (the score table) discarded.
pub fn run_grader_quietly(grader: &Path, course: &Course, id: &str, args: &GradeArgs) -> Result<(), CliError> {
    let status = std::process::Command::new(grader)
        .args(grader_args(course, args))
        .stdout(Stdio::null())
        .status()
        .map_err(|e| CliError::GraderRun { assignment: id.into(), message: e.to_string() })?;
    if !status.success() {
        return Err(CliError::GraderRun { assignment: id.into(), message: format!("it exited with {status}") });
    }
    Ok(())
}

/// Runs a grader binary to completion.
pub fn run_grader(grader: &Path, course: &Course, id: &str, args: &GradeArgs) -> Result<(), CliError> {
    let status = std::process::Command::new(grader)
        .args(grader_args(course, args))
        .status()
        .map_err(|e| CliError::GraderRun { assignment: id.into(), message: e.to_string() })?;
    if !status.success() {
        return Err(CliError::GraderRun { assignment: id.into(), message: format!("it exited with {status}") });
    }
    Ok(())
}

/// Reads OUT/summary.json.
pub fn read_summary(out: &Path, id: &str) -> Result<Summary, CliError> {
    let path = out.join("summary.json");
    let text = std::fs::read_to_string(&path).map_err(|source| CliError::Io { path: path.clone(), source })?;
    serde_json::from_str(&text).map_err(|e| CliError::GraderRun { assignment: id.into(), message: format!("{}: {e}", path.display()) })
}

fn judge(id: &str, reports: &[SubmissionReport]) -> Vec<String> {
    let mut problems = Vec::new();
    let find = |name: &str| reports.iter().find(|s| s.name == name);
    match find("reference") {
        Some(r) => {
            println!("{id}: reference {} / {}", num(r.score()), num(r.max_score()));
            problems.extend(failing(r, |s| s != Status::Passed).into_iter().map(|c| format!("{id}: the reference does not pass `{c}`")));
        }
        None => problems.push(format!("{id}: the reference was not graded")),
    }
    match find("stub") {
        Some(s) => {
            println!("{id}: stub      {} / {}", num(s.score()), num(s.max_score()));
            problems.extend(failing(s, |st| st == Status::Passed).into_iter().map(|c| format!("{id}: the stub passes `{c}` (a check that cannot fail?)")));
        }
        None => problems.push(format!("{id}: the stub was not graded")),
    }
    problems
}

/// Checks whose status is `bad`, or whose score disagrees with their status.
fn failing(s: &SubmissionReport, bad: impl Fn(Status) -> bool) -> Vec<String> {
    s.checks
        .iter()
        .filter(|c| bad(c.status) || (c.status == Status::Passed) != (c.score == c.max_score))
        .map(|c| c.id.clone())
        .collect()
}

fn worst_text(c: &CheckCalibration) -> String {
    match c.worst {
        Some(w) => format!("{}%", num(w * 100.0)),
        None => "–".into(),
    }
}

fn print_calibration(all: &[Findings]) {
    for f in all {
        println!("{}: calibration over the reference (largest error as a share of the tolerance):", f.id);
        let width = f.calibration.iter().map(|c| c.id.len()).max().unwrap_or(0);
        for c in &f.calibration {
            let verdict = match c.verdict {
                Verdict::Ok if c.why.is_some() => "  widened on purpose (tolerance_why)",
                Verdict::Ok => "",
                Verdict::Flaky => "  FLAKY",
                Verdict::Fails => "  FAILS",
                Verdict::Loose => "  LOOSE",
            };
            println!("  {:<width$}  {:>10}  {} seed(s){verdict}", c.id, worst_text(c), c.seeds);
        }
    }
}

fn job_summary(all: &[Findings], problems: &[String], warnings: &[String]) -> String {
    let pair = |p: Option<(f64, f64)>| p.map(|(s, m)| format!("{} / {}", num(s), num(m))).unwrap_or_else(|| "not graded".into());
    let mut out = String::from("## gradwork dev check\n\n| Assignment | Reference | Stub | Stub in sync | Flaky checks | Loose tolerances |\n|---|---:|---:|---|---:|---:|\n");
    for f in all {
        let count = |v: Verdict| f.calibration.iter().filter(|c| c.verdict == v).count();
        out.push_str(&format!(
            "| {} | {} | {} | {} | {} | {} |\n",
            f.id,
            pair(f.reference),
            pair(f.stub),
            if f.drift == 0 { "yes".to_string() } else { format!("no ({} files)", f.drift) },
            count(Verdict::Flaky),
            count(Verdict::Loose)
        ));
    }
    out.push('\n');
    if problems.is_empty() {
        out.push_str("**Passed**: every stub in sync, every reference full marks, every stub zero.\n\n");
    } else {
        out.push_str("**Failed**:\n\n");
        for p in problems {
            out.push_str(&format!("- {}\n", p.replace('\n', " ")));
        }
        out.push('\n');
    }
    for w in warnings {
        out.push_str(&format!("- ⚠️ {w}\n"));
    }
    for f in all {
        out.push_str(&format!(
            "\n<details><summary>{}: calibration (largest error as a share of the tolerance)</summary>\n\n| Check | Largest error | Seeds | Verdict |\n|---|---:|---:|---|\n",
            f.id
        ));
        for c in &f.calibration {
            out.push_str(&format!("| {} | {} | {} | {:?} |\n", c.id, worst_text(c), c.seeds, c.verdict));
        }
        out.push_str("\n</details>\n");
    }
    out
}
