//! What batch grading costs per submission, what its isolation adds, and
//! what building submissions in parallel gains.
//!
//! ```text
//! cargo bench --bench batch                # 20 copies (half reference, half stub) + the hostile fixtures
//! cargo bench --bench batch -- 40          # 40 copies
//! cargo bench --bench batch -- parallel    # only --jobs 1 against --jobs 2, compile only
//! ```
//!
//! It grades, with a warm build cache and `--force` (so that nothing is
//! skipped as up to date):
//!
//! - two fifths of the copies (an even number, at least 4) with one cheap check
//!   (`--check two-pi`), so that compiling is nearly all of the time, with
//!   `--jobs 1` and `--jobs 2` in turn, six times: small batches side by side,
//!   so that both see the same load on a shared machine whose load changes
//!   by the minute. It prints each pair's wall clocks, median compile seconds
//!   per submission and load average, and the speed-ups of `--jobs 2` over
//!   `--jobs 1`: of the wall clock (the median of the pairs' ratios, and the
//!   ratio of their sums), and of the compile throughput (`2 × t₁ / t₂`, with
//!   `t_N` the median compile seconds of one submission while N build at once),
//!   and how many cores each run kept busy (its CPU seconds, gradwork's and
//!   those of every process it waited for, over its wall clock): a build that
//!   alone keeps c₁ cores busy gains at most 2 / c₁ from a second build slot on
//!   two cores;
//! - every copy alone, twice in a row: with `--no-sandbox` (the floor: the
//!   crate compiled in a plain temporary workspace and its checks run in one
//!   plain runner process) and sandboxed. Alternating keeps the two under the
//!   same load, which matters on a shared machine;
//! - the copies and the hostile submissions of `tests/fixtures/adversarial.toml`
//!   in one batch with `--jobs 1`, then `--jobs 2`, sandboxed.
//!
//! and prints, per batch, seconds per submission (wall clock / submissions)
//! and the share of the time spent compiling and running checks, with the
//! speed-up of the compile share (the summed compile seconds over `--jobs`),
//! over the whole batch and over the copies only;
//! per copy, the median compile and check seconds without and with the
//! sandbox, and their ratio. The hostile submissions time out on purpose
//! (`--time-limit 2`, `--build-time-limit 20`, `--build-memory-limit 1024`).

use gradwork::grade::record::Record;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

#[path = "support/children_cpu.rs"]
mod children_cpu;

#[path = "../tests/support/hostile.rs"]
#[allow(dead_code)]
mod hostile;

use children_cpu::children_cpu_seconds;
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
    let load_at_start = loadavg();

    eprintln!("warming the build cache and two build slots…");
    run(&names[..2], &root.join("warm"), &["--jobs", "2", "--force"]);
    // An even number, so that --jobs 2 is never left with one build alone at the end.
    let subset = (copies * 2 / 5).max(4) / 2 * 2;
    let small = root.join("small");
    for copy in names.iter().take(subset) {
        copy_tree(copy, &small.join(copy.file_name().expect("a copy's name")));
    }
    eprintln!("{subset} copies, compile only, --jobs 1 and --jobs 2 in turn, {ROUNDS} times…");
    let mut pairs: Vec<(Run, Run)> = Vec::new();
    for round in 0..ROUNDS {
        let compile_only = |jobs: &str| {
            let out = root.join(format!("compile-{round}-jobs{jobs}"));
            run(std::slice::from_ref(&small), &out, &["--jobs", jobs, "--force", "--check", "two-pi", "--submissions"])
        };
        pairs.push((compile_only("1"), compile_only("2")));
    }
    if std::env::args().any(|a| a == "parallel") {
        print_parallel(&pairs);
        return;
    }
    // The floor and the sandbox, one copy at a time and alternating, so that
    // both see the same load on the machine.
    eprintln!("{copies} copies one at a time, without and with the sandbox…");
    let (mut floor, mut sandboxed) = (Vec::new(), Vec::new());
    for (i, copy) in names.iter().enumerate() {
        floor.extend(run(std::slice::from_ref(copy), &root.join(format!("floor-{i}")), &["--jobs", "1", "--force", "--no-sandbox"]).records);
        sandboxed.extend(run(std::slice::from_ref(copy), &root.join(format!("sandboxed-{i}")), &["--jobs", "1", "--force"]).records);
    }
    let hostile_limits = ["--build-time-limit", "20", "--build-memory-limit", "1024"];
    eprintln!("{copies} copies + {hostile} hostile submissions, --jobs 1…");
    let one = run(std::slice::from_ref(&all), &root.join("jobs1"), &[&["--jobs", "1", "--force"][..], &hostile_limits, &["--submissions"]].concat());
    eprintln!("{copies} copies + {hostile} hostile submissions, --jobs 2…");
    let two = run(std::slice::from_ref(&all), &root.join("jobs2"), &[&["--jobs", "2", "--force"][..], &hostile_limits, &["--submissions"]].concat());

    print_parallel(&pairs);
    println!("\nbatch grading of {ASSIGNMENT}: {copies} copies (half reference, half stub) + {hostile} hostile submissions");
    println!("machine: {} cores; load average (1, 5, 15 min) {load_at_start} at the start, {} at the end", cores(), loadavg());
    println!("sandbox here: {}", gradwork::sandbox::capabilities().describe(64));
    println!("builds here: {}\n", gradwork::sandbox::capabilities().describe_build());

    println!("\n| batch | submissions | wall s | s / submission | compile | checks | compile speed-up | of the copies only |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    // The hostile builds' time-outs wait rather than compute, and overlap at --jobs 2:
    // the copies' own compile seconds say what the second build slot gains on real work.
    let compile_wall = |r: &Run, jobs: f64, copies_only: bool| {
        r.records.iter().filter(|r| !copies_only || !is_hostile(r)).map(|r| r.build_seconds).sum::<f64>() / jobs
    };
    for (label, r, jobs) in [("--jobs 1", &one, 1.0), ("--jobs 2", &two, 2.0)] {
        let (build, checks) = shares(&r.records);
        println!(
            "| {label} | {} | {:.1} | {:.2} | {:.0} % | {:.0} % | {:.2}× | {:.2}× |",
            r.records.len(),
            r.wall,
            r.wall / r.records.len() as f64,
            100.0 * build,
            100.0 * checks,
            compile_wall(&one, 1.0, false) / compile_wall(r, jobs, false),
            compile_wall(&one, 1.0, true) / compile_wall(r, jobs, true)
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
        "\ncompile / checks: shares of the summed per-submission build and check time. Compile speed-up: the summed \
         compile seconds of --jobs 1 over those of the batch divided by its --jobs (N builds at once); of the copies \
         only: the same without the hostile submissions, whose builds that time out wait rather than compute \
         (--time-limit 2, --build-time-limit 20)."
    );
}

/// Rounds of `--jobs 1` then `--jobs 2` in the compile-only comparison.
const ROUNDS: usize = 6;

/// The compile-only comparison of `--jobs 1` and `--jobs 2`, pair by pair.
fn print_parallel(pairs: &[(Run, Run)]) {
    println!("\nmachine: {} cores, load average now {}", cores(), loadavg());
    println!(
        "\n| compile only (`--check two-pi`), {} submissions | --jobs 1 wall s | --jobs 2 wall s | wall speed-up | median compile s, --jobs 1 | --jobs 2 | cores busy, --jobs 1 | --jobs 2 | load at start (1, 5, 15 min) |",
        pairs.first().map_or(0, |p| p.0.records.len())
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|---|");
    for (i, (one, two)) in pairs.iter().enumerate() {
        println!(
            "| round {} | {:.1} | {:.1} | {:.2}× | {:.2} | {:.2} | {:.2} | {:.2} | {} |",
            i + 1,
            one.wall,
            two.wall,
            one.wall / two.wall,
            median(one.records.iter().map(|r| r.build_seconds)),
            median(two.records.iter().map(|r| r.build_seconds)),
            one.cpu / one.wall,
            two.cpu / two.wall,
            one.load_before
        );
    }
    let sum = |f: &dyn Fn(&(Run, Run)) -> f64| pairs.iter().map(f).sum::<f64>();
    let t = |second: bool| median(pairs.iter().flat_map(|(a, b)| if second { &b.records } else { &a.records }).map(|r| r.build_seconds));
    println!(
        "\n--jobs 2 over --jobs 1, compile only: wall clock {:.2}× (median of the rounds), {:.2}× (their sums); \
         compile throughput 2 × t₁ / t₂ = 2 × {:.2} / {:.2} = {:.2}×",
        median(pairs.iter().map(|(a, b)| a.wall / b.wall)),
        sum(&|p| p.0.wall) / sum(&|p| p.1.wall),
        t(false),
        t(true),
        2.0 * t(false) / t(true)
    );
    // A run that already keeps more than one core busy cannot gain 2× from a second build:
    // with c₁ cores busy at --jobs 1, C cores give two builds at most C / c₁ (and never over 2×).
    let busy = sum(&|p| p.0.cpu) / sum(&|p| p.0.wall);
    println!(
        "CPU: --jobs 1 kept {busy:.2} cores busy on average ({:.2} CPU s per submission), --jobs 2 {:.2} ({:.2} CPU s per submission); \
         the most two builds at once can gain on {} cores, as CPU-bound as this, is {:.2}×",
        sum(&|p| p.0.cpu) / sum(&|p| p.0.records.len() as f64),
        sum(&|p| p.1.cpu) / sum(&|p| p.1.wall),
        sum(&|p| p.1.cpu) / sum(&|p| p.1.records.len() as f64),
        cores(),
        (cores() as f64 / busy).min(2.0)
    );
}

/// Whether `record` is one of the hostile fixtures' (named `hostile-…`) rather than a copy's.
fn is_hostile(record: &Record) -> bool {
    Path::new(&record.source).file_name().is_some_and(|n| n.to_string_lossy().starts_with("hostile-"))
}

/// `/proc/loadavg`'s first three fields.
fn loadavg() -> String {
    std::fs::read_to_string("/proc/loadavg").map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" ")).unwrap_or_else(|_| "?".into())
}

fn cores() -> usize {
    std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1)
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
    /// CPU seconds of gradwork and everything it waited for, on all cores.
    cpu: f64,
    records: Vec<Record>,
    load_before: String,
}

/// `gradwork grade a01-tensors --time-limit 2 EXTRA... PATHS... --out OUT`, timed.
fn run(paths: &[PathBuf], out: &Path, extra: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gradwork"));
    cmd.args(["grade", ASSIGNMENT, "--time-limit", "2"]).args(extra).args(paths).arg("--out").arg(out);
    let load_before = loadavg();
    let (started, cpu_before) = (Instant::now(), children_cpu_seconds());
    let output = cmd.output().expect("gradwork runs");
    let (wall, cpu) = (started.elapsed().as_secs_f64(), children_cpu_seconds() - cpu_before);
    assert!(output.status.success(), "gradwork grade failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let mut records = Vec::new();
    for e in std::fs::read_dir(out).expect("out").flatten() {
        if let Some(r) = Record::read(&e.path().join(gradwork::grade::record::RECORD_FILE)) {
            records.push(r);
        }
    }
    Run { wall, cpu, records, load_before }
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
