//! What batch grading costs per submission, and what its isolation adds.
//!
//! ```text
//! cargo bench --bench batch            # 20 copies (half reference, half stub) + the hostile fixtures
//! cargo bench --bench batch -- 40      # 40 copies
//! ```
//!
//! It grades, with a warm build cache and `--force` (so that nothing is
//! skipped as up to date):
//!
//! - the copies with `--jobs 1 --no-sandbox`: the floor, each crate compiled
//!   in a plain temporary workspace and its checks run in one plain runner
//!   process, with nothing else around them;
//! - the copies and the hostile submissions of `tests/fixtures/adversarial`
//!   with `--jobs 1`, then `--jobs 2`, fully sandboxed.
//!
//! and prints, per run, seconds per submission (wall clock / submissions),
//! the share of the graded time spent compiling and running checks, and the
//! sandboxed copies' mean time per submission over the floor's. The hostile
//! submissions time out on purpose (`--time-limit 2`), so they are counted
//! apart from the copies.

use gradwork::grade::record::Record;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

const ASSIGNMENT: &str = "a01-tensors";

fn main() {
    let copies: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(20);
    let course = gradwork::course::Course::at(env!("CARGO_MANIFEST_DIR"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("tempdir");
    let plain = root.join("copies");
    for i in 0..copies {
        let (name, from) = if i % 2 == 0 { ("reference", course.reference_dir(ASSIGNMENT)) } else { ("stub", course.stub_dir(ASSIGNMENT)) };
        gradwork::samples::copy_src(&from, &plain.join(format!("{name}-{i:03}"))).expect("copy");
    }
    let all = root.join("all");
    copy_tree(&plain, &all);
    let hostile = hostile_fixtures(&course, &all, &root);

    // Each run starts with a warm cache: one submission graded just before it
    // builds the grader and anything of the harness that changed.
    let warm = |extra: &[&str]| {
        let mut args = vec!["--jobs", "1", "--force"];
        args.extend_from_slice(extra);
        run(&plain, &root.join("warm"), &args, Some(1));
    };
    eprintln!("floor: {copies} copies, --jobs 1, no sandbox…");
    warm(&["--no-sandbox"]);
    let floor = run(&plain, &root.join("floor"), &["--jobs", "1", "--force", "--no-sandbox"], None);
    eprintln!("sandboxed: {copies} copies + {hostile} hostile submissions, --jobs 1…");
    warm(&[]);
    let one = run(&all, &root.join("jobs1"), &["--jobs", "1", "--force"], None);
    eprintln!("sandboxed: {copies} copies + {hostile} hostile submissions, --jobs 2…");
    warm(&[]);
    let two = run(&all, &root.join("jobs2"), &["--jobs", "2", "--force"], None);

    let floor_mean = floor.copies_mean();
    println!("\nbatch grading of {ASSIGNMENT}: {copies} copies (half reference, half stub) + {hostile} hostile submissions");
    println!("sandbox here: {}\n", gradwork::sandbox::capabilities().describe(64));
    println!("| run | submissions | wall s | s / submission | compile | checks | copies: s each | × floor |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (label, r) in [("floor: --jobs 1 --no-sandbox", &floor), ("--jobs 1", &one), ("--jobs 2", &two)] {
        let (build, checks) = r.shares();
        println!(
            "| {label} | {} | {:.1} | {:.2} | {:.0} % | {:.0} % | {:.2} | {:.2} |",
            r.records.len(),
            r.wall,
            r.wall / r.records.len() as f64,
            100.0 * build,
            100.0 * checks,
            r.copies_mean(),
            r.copies_mean() / floor_mean
        );
    }
    println!(
        "\ncompile / checks: shares of the summed per-submission build and check time. \
         copies: s each: mean build + check seconds of one copy (jobs 2 runs two at once, so its copies take longer each but the batch less)."
    );
}

/// One timed `gradwork grade` run.
struct Run {
    wall: f64,
    records: Vec<Record>,
}

impl Run {
    fn shares(&self) -> (f64, f64) {
        let build: f64 = self.records.iter().map(|r| r.build_seconds).sum();
        let checks: f64 = self.records.iter().map(|r| r.run_seconds).sum();
        let total = (build + checks).max(1e-9);
        (build / total, checks / total)
    }

    /// Mean build + check seconds of the reference and stub copies.
    fn copies_mean(&self) -> f64 {
        let copies: Vec<&Record> = self.records.iter().filter(|r| r.report.name.starts_with("reference-") || r.report.name.starts_with("stub-")).collect();
        copies.iter().map(|r| r.build_seconds + r.run_seconds).sum::<f64>() / copies.len().max(1) as f64
    }
}

fn run(subs: &Path, out: &Path, extra: &[&str], only: Option<usize>) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gradwork"));
    cmd.args(["grade", ASSIGNMENT, "--time-limit", "2"]).args(extra).arg("--out").arg(out);
    match only {
        Some(n) => {
            let mut names: Vec<PathBuf> = std::fs::read_dir(subs).expect("subs").flatten().map(|e| e.path()).collect();
            names.sort();
            cmd.args(names.into_iter().take(n));
        }
        None => {
            cmd.arg("--submissions").arg(subs);
        }
    }
    let started = Instant::now();
    let output = cmd.output().expect("gradwork runs");
    let wall = started.elapsed().as_secs_f64();
    assert!(output.status.success(), "gradwork grade failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let mut records = Vec::new();
    for e in std::fs::read_dir(out).expect("out").flatten() {
        if let Some(r) = Record::read(&e.path().join(gradwork::grade::record::RECORD_FILE)) {
            records.push(r);
        }
    }
    Run { wall, records }
}

/// Copies the hostile fixtures into `subs` (placeholders filled so that the
/// attacks aim at real paths); returns how many. The fork bomb is left out
/// where runners cannot get a user of their own.
fn hostile_fixtures(course: &gradwork::course::Course, subs: &Path, root: &Path) -> usize {
    let fixtures = course.root().join("tests/fixtures/adversarial");
    let fill = [
        ("@COURSE@", course.root().display().to_string()),
        ("@SUBMISSIONS@", subs.display().to_string()),
        ("@OUT@", root.join("jobs1").display().to_string()),
        ("@HOME@", std::env::var("HOME").unwrap_or_default()),
        ("@PORT@", "9".to_string()),
        ("@MARKER@", root.join("build-rs-marker").display().to_string()),
    ];
    let mut n = 0;
    for e in std::fs::read_dir(&fixtures).expect("fixtures").flatten() {
        if e.file_name() == "fork-bomb" && gradwork::sandbox::capabilities().users.is_err() {
            continue;
        }
        copy_filled(&e.path(), &subs.join(format!("hostile-{}", e.file_name().to_string_lossy())), &fill);
        n += 1;
    }
    n
}

fn copy_filled(from: &Path, to: &Path, fill: &[(&str, String)]) {
    std::fs::create_dir_all(to).expect("mkdir");
    for e in std::fs::read_dir(from).expect("read").flatten() {
        let (src, dst) = (e.path(), to.join(e.file_name()));
        if src.is_dir() {
            copy_filled(&src, &dst, fill);
        } else {
            let mut text = std::fs::read_to_string(&src).expect("text");
            for (k, v) in fill {
                text = text.replace(k, v);
            }
            std::fs::write(&dst, text).expect("write");
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    copy_filled(from, to, &[]);
}
