//! The student's edit-and-test loop, per assignment: edit one function of a
//! solved crate, then `cargo test -p <id>`. How long the compile takes, and
//! how long the visible checks take.
//!
//! ```text
//! cargo bench --bench student_loop                   # every assignment, 3 repetitions
//! cargo bench --bench student_loop -- 5 a04-training # 5 repetitions of one assignment
//! ```
//!
//! It copies the course as it is in the working tree (the files git would
//! see, so work in progress counts) to `target/gradwork-bench/student-loop/`,
//! with each reference solution in place of its assignment's `src/` (a
//! student who has solved everything: every check runs to the end and
//! passes), and builds that copy once in its own target directory. Both are
//! kept between runs, so that only the first run compiles libtorch's
//! bindings (about 10 minutes on 2 cores) and later ones only what changed. The real
//! `assignments/` tree is never touched. Then, per repetition and
//! assignment, it appends a comment to the assignment's `src/lib.rs` (an
//! edit cargo must recompile) and times
//!
//! - **compile**: `cargo test -p <id> --no-run` (the crate, its runner and
//!   the checks binary relinked against libtorch);
//! - **checks**: the checks binary, run as `cargo test` runs it (in the
//!   crate's folder), with the default seed.
//!
//! and prints the medians (and the range) of wall-clock and CPU seconds, with
//! the machine's load average before and after: on a shared machine the
//! wall-clock seconds grow with the load, the CPU seconds hardly do.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "support/children_cpu.rs"]
mod children_cpu;

use children_cpu::children_cpu_seconds;

const DEFAULT_REPETITIONS: usize = 3;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| !a.starts_with('-')).collect();
    let repetitions = args.iter().find_map(|a| a.parse::<usize>().ok()).unwrap_or(DEFAULT_REPETITIONS).max(1);
    let course = gradwork::course::Course::at(env!("CARGO_MANIFEST_DIR"));
    let wanted: Vec<&String> = args.iter().filter(|a| a.parse::<usize>().is_err()).collect();
    let ids: Vec<String> = course.assignments().into_iter().filter(|id| wanted.is_empty() || wanted.contains(&id)).collect();
    assert!(!ids.is_empty(), "no such assignment: {wanted:?} (there are {:?})", course.assignments());

    let root = course.root().join("target").join("gradwork-bench").join("student-loop");
    let copy = root.join("course");
    let target = root.join("target");
    eprintln!("copying the course to {} with the reference solutions over the stubs…", copy.display());
    sync_course(&course, &ids, &copy);
    let load_before = load_average();
    eprintln!("building every assignment once (warm-up; the first run also builds libtorch's bindings)…");
    let started = Instant::now();
    let mut warm = cargo(&target, &copy);
    warm.args(["test", "--no-run", "--message-format=json"]);
    for id in &ids {
        warm.args(["-p", id]);
    }
    let output = warm.output().expect("cargo runs");
    assert!(output.status.success(), "the solved course does not build:\n{}", String::from_utf8_lossy(&output.stderr));
    eprintln!("warm-up took {:.0} s", started.elapsed().as_secs_f64());

    let mut rows = Vec::new();
    for id in &ids {
        let crate_dir = copy.join("assignments").join(id);
        let (mut compile, mut checks) = (Vec::new(), Vec::new());
        let (mut compile_cpu, mut checks_cpu) = (Vec::new(), Vec::new());
        let mut verdict = String::from("passed");
        for rep in 0..repetitions {
            append_comment(&crate_dir.join("src").join("lib.rs"), rep);
            let (started, cpu) = (Instant::now(), children_cpu_seconds());
            let output = cargo(&target, &copy).args(["test", "--no-run", "--message-format=json", "-p", id]).output().expect("cargo runs");
            compile.push(started.elapsed().as_secs_f64());
            compile_cpu.push(children_cpu_seconds() - cpu);
            assert!(output.status.success(), "{id} does not build:\n{}", String::from_utf8_lossy(&output.stderr));
            let binary = checks_binary(&String::from_utf8_lossy(&output.stdout)).unwrap_or_else(|| panic!("{id}: cargo named no checks binary"));
            let (started, cpu) = (Instant::now(), children_cpu_seconds());
            let run = Command::new(&binary).current_dir(&crate_dir).env("NO_COLOR", "1").output().expect("the checks run");
            checks.push(started.elapsed().as_secs_f64());
            checks_cpu.push(children_cpu_seconds() - cpu);
            if !run.status.success() {
                // The reference must pass: a failure here is a grader or harness bug, not a speed.
                verdict = format!("FAILED (exit {:?})", run.status.code());
                eprintln!("{id}: the reference failed its checks:\n{}", String::from_utf8_lossy(&run.stdout));
            }
            eprintln!("{id} #{}: compile {:.1} s ({:.1} s CPU), checks {:.1} s ({:.1} s CPU)", rep + 1, compile[rep], compile_cpu[rep], checks[rep], checks_cpu[rep]);
        }
        rows.push(Row { id: id.clone(), compile, compile_cpu, checks, checks_cpu, verdict });
    }
    let load_after = load_average();

    println!("\nThe edit-and-test loop of a student with a solved crate: {repetitions} repetition(s), medians (range).");
    println!("Machine: {} cores; load average (1, 5, 15 min) before {load_before}, after {load_after}.\n", cores());
    println!("Wall-clock seconds are what the student waits; CPU seconds (all processes) barely change with the load.\n");
    println!("| assignment | compile (s) | checks (s) | loop (s) | compile CPU (s) | checks CPU (s) | checks |");
    println!("|---|---:|---:|---:|---:|---:|---|");
    for r in &rows {
        let loop_s: Vec<f64> = r.compile.iter().zip(&r.checks).map(|(a, b)| a + b).collect();
        println!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            r.id,
            cell(&r.compile),
            cell(&r.checks),
            cell(&loop_s),
            cell(&r.compile_cpu),
            cell(&r.checks_cpu),
            r.verdict
        );
    }
}

/// One assignment's measurements, one value per repetition.
struct Row {
    id: String,
    compile: Vec<f64>,
    compile_cpu: Vec<f64>,
    checks: Vec<f64>,
    checks_cpu: Vec<f64>,
    verdict: String,
}

/// A cargo command for the copy, building into `target` with gradwork's libtorch settings.
fn cargo(target: &Path, copy: &Path) -> Command {
    let mut cmd = gradwork::cargo::command(target);
    cmd.current_dir(copy);
    cmd
}

/// Makes `to` the course as git sees it (tracked files, and new ones it does
/// not ignore), with each of `ids`' `src/` taken from its reference. Files
/// that are already right are left alone, so that cargo, which goes by
/// modification times, rebuilds only what changed since the last run.
fn sync_course(course: &gradwork::course::Course, ids: &[String], to: &Path) {
    let from = course.root();
    let listed = Command::new("git")
        .args(["ls-files", "-z", "--cached", "--others", "--exclude-standard"])
        .current_dir(from)
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files: {}", String::from_utf8_lossy(&listed.stderr));
    let solved: Vec<PathBuf> = ids.iter().map(|id| PathBuf::from("assignments").join(id).join("src")).collect();
    let mut files: Vec<(PathBuf, PathBuf)> = listed
        .stdout
        .split(|b| *b == 0)
        .filter(|r| !r.is_empty())
        .map(|r| PathBuf::from(String::from_utf8_lossy(r).into_owned()))
        .filter(|rel| !solved.iter().any(|s| rel.starts_with(s)))
        .map(|rel| (from.join(&rel), rel))
        .collect();
    for (id, src) in ids.iter().zip(&solved) {
        let reference = course.reference_dir(id).join("src");
        for rel in gradwork::workspace::list_files(&reference).expect("the reference's src/") {
            files.push((reference.join(&rel), src.join(rel)));
        }
        // Files of the stub that the reference lacks go, as in a solved crate.
        for rel in gradwork::workspace::list_files(&to.join(src)).unwrap_or_default() {
            if !reference.join(&rel).is_file() {
                let _ = std::fs::remove_file(to.join(src).join(rel));
            }
        }
    }
    for (source, rel) in files {
        // Deleted but not yet committed files are listed too.
        let Ok(bytes) = std::fs::read(&source) else { continue };
        let dest = to.join(&rel);
        if std::fs::read(&dest).is_ok_and(|old| old == bytes) {
            continue;
        }
        std::fs::create_dir_all(dest.parent().expect("a parent")).expect("create folder");
        std::fs::write(&dest, bytes).unwrap_or_else(|e| panic!("{}: {e}", dest.display()));
    }
}

/// An edit cargo has to recompile, as a student's would be.
fn append_comment(file: &Path, rep: usize) {
    use std::io::Write;
    let mut f = std::fs::OpenOptions::new().append(true).open(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    writeln!(f, "// student_loop bench: edit {rep}").expect("append");
}

/// The `checks` test executable named in cargo's JSON messages.
fn checks_binary(messages: &str) -> Option<PathBuf> {
    messages
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|m| m["target"]["name"] == "checks")
        .find_map(|m| m["executable"].as_str().map(PathBuf::from))
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let n = sorted.len();
    if n % 2 == 1 { sorted[n / 2] } else { (sorted[n / 2 - 1] + sorted[n / 2]) / 2.0 }
}

fn cell(values: &[f64]) -> String {
    let (lo, hi) = values.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), v| (lo.min(*v), hi.max(*v)));
    if values.len() == 1 { format!("{:.1}", values[0]) } else { format!("{:.1} ({lo:.1}–{hi:.1})", median(values)) }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn cores() -> usize {
    std::thread::available_parallelism().map(usize::from).unwrap_or(1)
}
