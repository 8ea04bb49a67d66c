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
//! - every copy alone, twice in a row: with `--no-sandbox` (the floor: the
//!   crate compiled in a plain temporary workspace and its checks run in one
//!   plain runner process) and sandboxed. Alternating keeps the two under the
//!   same load, which matters on a shared machine;
//! - the copies and the hostile submissions of `tests/fixtures/adversarial.toml`
//!   in one batch with `--jobs 1`, then `--jobs 2`, sandboxed.
//!
//! and prints, per batch, seconds per submission (wall clock / submissions)
//! and the share of the time spent compiling and running checks; per copy,
//! the median compile and check seconds without and with the sandbox, and
//! their ratio. The hostile submissions time out on purpose
//! (`--time-limit 2`).

use gradwork::grade::record::Record;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "../tests/support/hostile.rs"]
#[allow(dead_code)]
mod hostile;

use hostile::{copy_tree, ASSIGNMENT};

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
    let mut names: Vec<PathBuf> = std::fs::read_dir(&plain).expect("copies").flatten().map(|e| e.path()).collect();
    names.sort();

    eprintln!("warming the build cache…");
    run(&names[..1], &root.join("warm"), &["--jobs", "1", "--force"]);
    // The floor and the sandbox, one copy at a time and alternating, so that
    // both see the same load on the machine.
    eprintln!("{copies} copies one at a time, without and with the sandbox…");
    let (mut floor, mut sandboxed) = (Vec::new(), Vec::new());
    for (i, copy) in names.iter().enumerate() {
        floor.extend(run(std::slice::from_ref(copy), &root.join(format!("floor-{i}")), &["--jobs", "1", "--force", "--no-sandbox"]).records);
        sandboxed.extend(run(std::slice::from_ref(copy), &root.join(format!("sandboxed-{i}")), &["--jobs", "1", "--force"]).records);
    }
    eprintln!("{copies} copies + {hostile} hostile submissions, --jobs 1…");
    let one = run(std::slice::from_ref(&all), &root.join("jobs1"), &["--jobs", "1", "--force", "--submissions"]);
    eprintln!("{copies} copies + {hostile} hostile submissions, --jobs 2…");
    let two = run(std::slice::from_ref(&all), &root.join("jobs2"), &["--jobs", "2", "--force", "--submissions"]);

    println!("\nbatch grading of {ASSIGNMENT}: {copies} copies (half reference, half stub) + {hostile} hostile submissions");
    println!("sandbox here: {}\n", gradwork::sandbox::capabilities().describe(64));
    println!("| batch | submissions | wall s | s / submission | compile | checks |");
    println!("|---|---:|---:|---:|---:|---:|");
    for (label, r) in [("--jobs 1", &one), ("--jobs 2", &two)] {
        let (build, checks) = shares(&r.records);
        println!(
            "| {label} | {} | {:.1} | {:.2} | {:.0} % | {:.0} % |",
            r.records.len(),
            r.wall,
            r.wall / r.records.len() as f64,
            100.0 * build,
            100.0 * checks
        );
    }
    println!("\n| one copy at a time (median of {copies}) | compile s | checks s | total s | × floor |");
    println!("|---|---:|---:|---:|---:|");
    let floor_total = median(floor.iter().map(|r| r.build_seconds + r.run_seconds));
    for (label, records) in [("floor: --no-sandbox", &floor), ("sandboxed", &sandboxed)] {
        let total = median(records.iter().map(|r| r.build_seconds + r.run_seconds));
        println!(
            "| {label} | {:.2} | {:.2} | {:.2} | {:.2} |",
            median(records.iter().map(|r| r.build_seconds)),
            median(records.iter().map(|r| r.run_seconds)),
            total,
            total / floor_total
        );
    }
    println!(
        "\ncompile / checks: shares of the summed per-submission build and check time (with --jobs 2 a build \
         also waits for the other's, builds take turns). The hostile submissions time out on purpose (--time-limit 2)."
    );
}

/// The share of build and of check time over `records`.
fn shares(records: &[Record]) -> (f64, f64) {
    let build: f64 = records.iter().map(|r| r.build_seconds).sum();
    let checks: f64 = records.iter().map(|r| r.run_seconds).sum();
    let total = (build + checks).max(1e-9);
    (build / total, checks / total)
}

fn median(values: impl Iterator<Item = f64>) -> f64 {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(|a, b| a.total_cmp(b));
    match v.len() {
        0 => 0.0,
        n if n % 2 == 1 => v[n / 2],
        n => (v[n / 2 - 1] + v[n / 2]) / 2.0,
    }
}

/// One timed `gradwork grade` run.
struct Run {
    wall: f64,
    records: Vec<Record>,
}

/// `gradwork grade a01-tensors --time-limit 2 EXTRA... PATHS... --out OUT`, timed.
fn run(paths: &[PathBuf], out: &Path, extra: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gradwork"));
    cmd.args(["grade", ASSIGNMENT, "--time-limit", "2"]).args(extra).args(paths).arg("--out").arg(out);
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

/// Makes the hostile submissions in `subs` (placeholders filled so that the
/// attacks aim at real paths); returns how many. The fork bomb is left out
/// where runners cannot get a user of their own.
fn hostile_fixtures(course: &gradwork::course::Course, subs: &Path, root: &Path) -> usize {
    let fill = [
        ("@COURSE@", course.root().display().to_string()),
        ("@SUBMISSIONS@", subs.display().to_string()),
        ("@OUT@", root.join("jobs1").display().to_string()),
        ("@HOME@", std::env::var("HOME").unwrap_or_default()),
        ("@PORT@", "9".to_string()),
        ("@MARKER@", root.join("build-rs-marker").display().to_string()),
    ];
    let mut n = 0;
    for sample in hostile::samples(course) {
        // memory-tree is left out always: under the rubric's 8 GiB its 1.5 GiB is not capped, only spent.
        if (sample.name == "fork-bomb" && gradwork::sandbox::capabilities().users.is_err()) || sample.name == "memory-tree" {
            continue;
        }
        hostile::make(course, &sample, &subs.join(format!("hostile-{}", sample.name)), &fill);
        n += 1;
    }
    n
}
