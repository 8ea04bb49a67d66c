//! Hostile submissions, graded by the real `gradwork grade` command in one
//! batch together with two honest ones (the reference and the stub); and a
//! grader killed in the middle of a batch.
//!
//! Every hostile submission (`tests/fixtures/adversarial.toml`) is the
//! reference solution with one function replaced by an attack. For each one
//! the batch must complete, its score must be exactly what its honest
//! functions earn (never more), the honest submissions must get exactly the
//! scores they get when graded alone, and the machine must be left clean: no
//! process of a sandbox user, no process the attacks started, no file outside
//! the output folder, nothing left in the grader's temporary directory.
//!
//! Three attack the build rather than the runner: a constant whose
//! evaluation never ends, a 3 GiB static array, a flood of compiler errors.
//! Each must be stopped at its limit (`--build-time-limit`,
//! `--build-memory-limit`, the rubric's output cap), with every check an
//! error saying which, while the other builds go on.
//!
//! The attacks need the sandbox this machine gives: the fork bomb runs only
//! where each runner gets its own user (root), so that its process count is
//! limited, and the memory-tree attack only where runners get a memory
//! cgroup; elsewhere they are left out and the test says so.
//!
//! Every `gradwork grade` here carries an environment variable of its own,
//! which cargo, rustc and the linker inherit, so that the processes of its
//! builds can be told from those of other graders on the machine.

use gradwork::course::Course;
use gradwork::grade::record::{BuildOutcome, Record};
use gradwork::report::summary::Summary;
use gradwork::result::Status;
use gradwork::sandbox::{self, UidSlot};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;
use support::hostile::{self, ASSIGNMENT};

/// Wall-clock limit per check: an infinite loop costs this, not the rubric's
/// 20 s. The memory-tree attack must reach its cap within it: its children
/// fault in over 1 GiB between them, which took over 4 s on two loaded cores
/// (the kill test and a never-ending build run beside this batch).
const TIME_LIMIT: &str = "10";

/// Memory limit of a runner in MiB, below the rubric's 8 GiB so that the
/// memory-tree attack (three processes of 512 MiB) shows the cap quickly.
const MEMORY_LIMIT: &str = "1024";

/// Wall-clock limit of a build: a never-ending one costs this, not the
/// rubric's 120 s; an honest one takes well under 20 s even on a busy machine.
const BUILD_TIME_LIMIT: &str = "60";

/// Memory limit of a build in MiB: an honest build peaks near 200 MiB, the
/// 3 GiB static array is stopped at this (and the machine stays safe).
const BUILD_MEMORY_LIMIT: &str = "1024";

/// The environment variable that marks this test's graders and their builds.
const MARK: &str = "GRADWORK_ADVERSARIAL_TEST";

/// What one hostile submission must end with.
struct Expect {
    /// Fixture folder name.
    name: &'static str,
    /// Checks its attack must lose (all others must pass); `None`: every check.
    lost: Option<&'static [&'static str]>,
    /// The status of the first lost check, and words its message must hold.
    status: Option<(Status, &'static [&'static str])>,
}

const EXPECTED: &[Expect] = &[
    Expect { name: "fake-gradescope-json", lost: Some(&["two-pi"]), status: Some((Status::Crashed, &["exited with status 0"])) },
    Expect { name: "exit-mid-check", lost: Some(&["matrix-3x3"]), status: Some((Status::Crashed, &["exited with status 0"])) },
    Expect { name: "abort", lost: Some(&["count-true"]), status: Some((Status::Crashed, &["SIGABRT"])) },
    Expect { name: "segfault", lost: Some(&["two-pi"]), status: Some((Status::Crashed, &["SIGSEGV"])) },
    Expect { name: "infinite-loop", lost: Some(&["two-pi"]), status: Some((Status::TimedOut, &["did not finish within the 10 s"])) },
    Expect { name: "memory-hog", lost: Some(&["two-pi"]), status: Some((Status::Crashed, &["ran out of memory"])) },
    Expect { name: "fork-bomb", lost: Some(&["two-pi"]), status: Some((Status::TimedOut, &["did not finish"])) },
    Expect { name: "memory-tree", lost: Some(&["two-pi"]), status: Some((Status::Error, &["children:", "killed"])) },
    Expect { name: "include-reference", lost: None, status: Some((Status::Error, &["does not compile", "couldn't read"])) },
    Expect { name: "read-outside", lost: Some(&["two-pi"]), status: Some((Status::Error, &["panicked", "found:"])) },
    Expect { name: "tcp-connect", lost: Some(&["two-pi"]), status: Some((Status::Error, &["connect: Err"])) },
    Expect { name: "stdout-flood", lost: Some(&[]), status: None },
    Expect { name: "build-rs", lost: Some(&[]), status: None },
    Expect { name: "cargo-toml-and-tests", lost: Some(&["two-pi"]), status: Some((Status::Failed, &["not right"])) },
    Expect {
        name: "build-forever",
        lost: None,
        status: Some((Status::Error, &["The build did not finish within 60 s", "it was stopped", "constant evaluation is taking a long time"])),
    },
    Expect { name: "build-memory-hog", lost: None, status: Some((Status::Error, &["The build ran out of memory (limit 1024 MiB)", "it was stopped"])) },
    Expect {
        name: "build-flood",
        lost: None,
        status: Some((Status::Error, &["The build printed more than 8 MiB of compiler messages", "mismatched types", "more compiler messages"])),
    },
];

/// The honest submissions graded alone and in the hostile batch.
const HONEST: &[&str] = &["honest", "stub"];

fn course() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn build_dir() -> PathBuf {
    std::env::var_os("GRADWORK_TARGET_DIR").map(PathBuf::from).unwrap_or_else(|| course().join("target").join("gradwork"))
}

fn copy_src(from: &Path, to: &Path) {
    gradwork::samples::copy_src(from, to).expect("copy a crate's src/");
}

#[test]
fn every_hostile_submission_has_an_expectation_and_back() {
    let course = Course::at(course());
    let mut made: Vec<String> = hostile::samples(&course).into_iter().map(|s| s.name).collect();
    let mut expected: Vec<String> = EXPECTED.iter().map(|e| e.name.to_string()).collect();
    made.sort();
    expected.sort();
    assert_eq!(made, expected, "tests/fixtures/adversarial.toml and EXPECTED in tests/adversarial.rs must list the same submissions");
    for name in hostile::own_file_folders(&course) {
        assert!(made.contains(&name), "tests/fixtures/adversarial/{name} belongs to no submission of adversarial.toml");
    }
}

/// A finished `gradwork grade` run.
struct Run {
    out: PathBuf,
    summary: Summary,
    stderr: String,
    /// What was left in the grader's TMPDIR afterwards.
    temp_left: Vec<String>,
}

impl Run {
    fn record(&self, name: &str) -> Record {
        Record::read(&Record::path(&self.out, name)).unwrap_or_else(|| panic!("{name}: no report.json\n{}", self.stderr))
    }
}

/// `gradwork grade` with this test's limits (`--jobs` and
/// `--build-time-limit` as given), marked with `MARK=<mark>`.
fn gradwork_grade(subs: &Path, out: &Path, tmp: &Path, mark: &str, jobs: &str, build_time_limit: &str) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gradwork"));
    cmd.args(["grade", ASSIGNMENT, "--jobs", jobs, "--time-limit", TIME_LIMIT, "--memory-limit", MEMORY_LIMIT])
        .args(["--build-time-limit", build_time_limit, "--build-memory-limit", BUILD_MEMORY_LIMIT, "--submissions"])
        .arg(subs)
        .arg("--out")
        .arg(out)
        .env("TMPDIR", tmp)
        .env(MARK, mark);
    cmd
}

fn grade(root: &Path, subs: &Path, label: &str) -> Run {
    let out = root.join(format!("out-{label}"));
    let tmp = root.join(format!("grader-tmp-{label}"));
    std::fs::create_dir_all(&tmp).expect("grader tmp");
    let output = gradwork_grade(subs, &out, &tmp, &mark(label), "2", BUILD_TIME_LIMIT).output().expect("gradwork runs");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "gradwork grade failed ({}):\n{stderr}", output.status);
    let summary: Summary = serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json"))
        .expect("summary.json parses");
    let temp_left = std::fs::read_dir(&tmp).expect("grader tmp").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    Run { out, summary, stderr, temp_left }
}

/// A TCP listener on 127.0.0.1 that counts the connections and bytes it gets.
struct Listener {
    port: u16,
    connections: Arc<AtomicUsize>,
    bytes: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl Listener {
    fn start() -> Listener {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind a listener");
        listener.set_nonblocking(true).expect("non-blocking listener");
        let port = listener.local_addr().expect("listener address").port();
        let (connections, bytes, stop) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)), Arc::new(AtomicBool::new(false)));
        let (c, b, s) = (Arc::clone(&connections), Arc::clone(&bytes), Arc::clone(&stop));
        std::thread::spawn(move || {
            while !s.load(Ordering::SeqCst) {
                match listener.accept() {
                    Ok((mut stream, _)) => {
                        c.fetch_add(1, Ordering::SeqCst);
                        let _ = stream.set_nonblocking(false);
                        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
                        let mut buf = Vec::new();
                        let _ = stream.read_to_end(&mut buf);
                        b.fetch_add(buf.len(), Ordering::SeqCst);
                    }
                    Err(_) => std::thread::sleep(std::time::Duration::from_millis(20)),
                }
            }
        });
        Listener { port, connections, bytes, stop }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

/// The mark of this test process's graders labelled `label`.
fn mark(label: &str) -> String {
    format!("{}-{label}", std::process::id())
}

/// Processes that carry `MARK=<mark>` in their environment (a grader, its
/// watchdog, cargo, rustc, the linker) or whose command names a file under
/// `root` (a runner, which gets a clean environment), zombies left out.
fn marked_processes(mark: &str, root: &Path) -> Vec<String> {
    let wanted = format!("{MARK}={mark}");
    let root = root.display().to_string();
    let mut out = Vec::new();
    for p in sandbox::all_processes().into_iter().filter(|p| !p.zombie) {
        let environ = std::fs::read(format!("/proc/{}/environ", p.pid)).unwrap_or_default();
        let marked = environ.split(|&b| b == 0).any(|v| v == wanted.as_bytes());
        let cmdline = String::from_utf8_lossy(&std::fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap_or_default()).replace('\0', " ");
        if marked || cmdline.starts_with(&root) {
            out.push(format!("pid {} (uid {}): {}", p.pid, p.uid, cmdline.chars().take(200).collect::<String>()));
        }
    }
    out
}

/// Processes that must not outlive a batch: any of a sandbox user that no
/// running grader owns (other graders may be at work on this machine), and
/// the attacks' `sleep`s.
fn stray_processes() -> Vec<String> {
    let all = sandbox::all_processes();
    let parent = |pid: i32| all.iter().find(|p| p.pid == pid);
    // A runner's ancestors lead to its grader, a process of another user;
    // what a dead grader left behind leads to init through sandbox users only.
    let owned = |p: &sandbox::ProcInfo| {
        let mut cur = parent(p.ppid);
        for _ in 0..64 {
            match cur {
                Some(q) if q.pid > 1 && UidSlot::in_range(q.uid) => cur = parent(q.ppid),
                Some(q) => return q.pid > 1,
                None => return false,
            }
        }
        false
    };
    let mut out: Vec<String> = all
        .iter()
        .filter(|p| UidSlot::in_range(p.uid) && !owned(p))
        .map(|p| format!("pid {} of sandbox uid {}{}", p.pid, p.uid, if p.zombie { " (zombie)" } else { "" }))
        .collect();
    for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.starts_with("sleep 7351") || cmdline.starts_with("sleep 7352") {
            out.push(format!("pid {}: {cmdline}", entry.file_name().to_string_lossy()));
        }
    }
    out
}

#[test]
fn hostile_submissions_earn_only_their_honest_checks_and_touch_nothing_else() {
    let fork_bomb_allowed = sandbox::capabilities().users.is_ok();
    if !fork_bomb_allowed {
        eprintln!(
            "note: the fork-bomb submission is left out: {}",
            sandbox::capabilities().describe(64)
        );
    }
    let course = course();
    let rubric = Course::at(&course).rubric(ASSIGNMENT).expect("rubric");
    let points = |id: &str| rubric.check(id).map(|c| c.points).unwrap_or_else(|| panic!("no check {id}"));
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical tempdir");

    // The honest submissions alone.
    let alone_subs = root.join("alone");
    copy_src(&Course::at(&course).reference_dir(ASSIGNMENT), &alone_subs.join("honest"));
    copy_src(&Course::at(&course).stub_dir(ASSIGNMENT), &alone_subs.join("stub"));
    let alone = grade(&root, &alone_subs, "alone");

    // The same two among the hostile ones.
    let listener = Listener::start();
    let subs = root.join("submissions");
    let out = root.join("out-batch");
    let marker = build_dir().join(format!("adversarial-build-rs-ran-{}", std::process::id()));
    let fill = [
        ("@COURSE@", course.display().to_string()),
        ("@SUBMISSIONS@", subs.display().to_string()),
        ("@OUT@", out.display().to_string()),
        ("@HOME@", std::env::var("HOME").unwrap_or_else(|_| "/root".into())),
        ("@PORT@", listener.port.to_string()),
        ("@MARKER@", marker.display().to_string()),
    ];
    // Without a memory cgroup the three processes of the memory-tree attack would all
    // get their 512 MiB: it is left out where runners get none.
    let memory_tree_capped = sandbox::capabilities().memory.is_ok();
    if let Err(why) = &sandbox::capabilities().memory {
        eprintln!("note: the memory-tree submission is left out: {why}");
    }
    let expected: Vec<&Expect> = EXPECTED
        .iter()
        .filter(|e| (fork_bomb_allowed || e.name != "fork-bomb") && (memory_tree_capped || e.name != "memory-tree"))
        .collect();
    let course_files = Course::at(&course);
    for sample in hostile::samples(&course_files).iter().filter(|s| expected.iter().any(|e| e.name == s.name)) {
        hostile::make(&course_files, sample, &subs.join(&sample.name), &fill);
    }
    for name in HONEST {
        copy_src(&alone_subs.join(name), &subs.join(name));
    }
    let batch = grade(&root, &subs, "batch");
    let connections = listener.connections.load(Ordering::SeqCst);
    let bytes = listener.bytes.load(Ordering::SeqCst);
    drop(listener);

    let mut problems = Vec::new();
    let max = rubric.max_score();
    for e in &expected {
        let record = batch.record(e.name);
        let report = &record.report;
        let lost: Vec<&str> = match e.lost {
            Some(l) => l.to_vec(),
            None => rubric.checks.iter().map(|c| c.id.as_str()).collect(),
        };
        let honest_score = max - lost.iter().map(|id| points(id)).sum::<f64>();
        if report.score() != honest_score {
            problems.push(format!("{}: score {} but its honest checks earn {honest_score}", e.name, report.score()));
        }
        for c in &report.checks {
            let should_pass = !lost.contains(&c.id.as_str());
            if should_pass != (c.status == Status::Passed) {
                problems.push(format!("{}: check `{}` is {} ({})", e.name, c.id, c.status.as_str(), c.message.lines().next().unwrap_or("")));
            }
        }
        if let (Some((status, words)), Some(first)) = (&e.status, lost.first()) {
            let c = report.checks.iter().find(|c| c.id == *first).expect("lost check is in the report");
            if c.status != *status {
                problems.push(format!("{}: `{}` is {} not {}: {}", e.name, c.id, c.status.as_str(), status.as_str(), c.message));
            }
            for w in *words {
                if !c.message.contains(w) {
                    problems.push(format!("{}: the message of `{}` does not say `{w}`:\n{}", e.name, c.id, c.message));
                }
            }
        }
    }

    // Case by case: what each attack must not have achieved.
    let fake = std::fs::read_to_string(batch.out.join("fake-gradescope-json/results.json")).expect("results.json");
    let fake: serde_json::Value = serde_json::from_str(&fake).expect("results.json is JSON");
    if fake["score"].as_f64() != Some(max - 1.0) {
        problems.push(format!("fake-gradescope-json: results.json says score {}", fake["score"]));
    }
    for planted in ["planted-by-fake-gradescope-json.json", "results.json"] {
        if batch.out.join(planted).exists() {
            problems.push(format!("fake-gradescope-json: wrote {planted} into the output folder"));
        }
    }
    let hog = batch.record("memory-hog").report;
    let limit = format!("the limit is {MEMORY_LIMIT} MiB");
    if !hog.checks.iter().any(|c| c.id == "two-pi" && c.message.contains(&limit)) {
        problems.push(format!("memory-hog: the message does not say `{limit}`"));
    }
    if !matches!(batch.record("include-reference").build, BuildOutcome::CompileError { .. }) {
        problems.push(format!("include-reference: built as {:?}", batch.record("include-reference").build));
    }
    let found = &batch.record("read-outside").report;
    let message = &found.checks.iter().find(|c| c.id == "two-pi").expect("two-pi").message;
    for line in message.lines().filter(|l| l.contains(" => ")) {
        let secret = line.starts_with(&course.display().to_string()) || line.starts_with(&subs.display().to_string()) || line.starts_with(&out.display().to_string());
        let nothing = line.contains("=> error") || line.contains("=> listed 0 entries");
        if secret && !nothing {
            problems.push(format!("read-outside: found something: {line}"));
        }
        if line.contains("credentials.toml") && line.contains("read ") {
            problems.push(format!("read-outside: read the grader's credentials: {line}"));
        }
    }
    if message.lines().filter(|l| l.contains(" => ")).count() < 4 {
        problems.push(format!("read-outside: its report does not list what it looked for:\n{message}"));
    }
    if connections != 0 || bytes != 0 {
        problems.push(format!("tcp-connect: the listener on 127.0.0.1 got {connections} connections and {bytes} bytes"));
    }
    if marker.exists() {
        let _ = std::fs::remove_file(&marker);
        problems.push("build-rs: the submitted build script ran (it wrote its marker file)".into());
    }
    let feedback = |name: &str| std::fs::read_to_string(batch.out.join(name).join("feedback.md")).expect("feedback.md");
    if !feedback("build-rs").contains("`build.rs`") {
        problems.push(format!("build-rs: feedback.md does not list build.rs as ignored:\n{}", feedback("build-rs")));
    }
    for ignored in ["`Cargo.toml`", "`tests/cheat.rs`"] {
        if !feedback("cargo-toml-and-tests").contains(ignored) {
            problems.push(format!("cargo-toml-and-tests: feedback.md does not list {ignored} as ignored"));
        }
    }

    // The honest ones: exactly as when graded alone.
    for name in HONEST {
        let (a, b) = (alone.record(name).report, batch.record(name).report);
        let verdicts = |r: &gradwork::result::SubmissionReport| r.checks.iter().map(|c| (c.id.clone(), c.status, c.score)).collect::<Vec<_>>();
        if verdicts(&a) != verdicts(&b) {
            problems.push(format!("{name}: graded alone {:?}\n  in the hostile batch {:?}", verdicts(&a), verdicts(&b)));
        }
    }
    let names: Vec<&str> = batch.summary.submissions.iter().map(|s| s.name.as_str()).collect();
    if names.len() != expected.len() + HONEST.len() {
        problems.push(format!("the batch summary lists {names:?}"));
    }

    // The machine is clean.
    for (label, run) in [("alone", &alone), ("batch", &batch)] {
        if !run.temp_left.is_empty() {
            problems.push(format!("{label}: left in the grader's temporary directory: {:?}", run.temp_left));
        }
    }
    let mut stray = stray_processes();
    stray.extend(marked_processes(&mark("batch"), &root));
    stray.extend(marked_processes(&mark("alone"), &root));
    if !stray.is_empty() {
        problems.push(format!("processes left behind: {stray:#?}"));
    }
    let mut outside: Vec<String> = std::fs::read_dir(&root).expect("test root").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    outside.sort();
    let allowed = ["alone", "grader-tmp-alone", "grader-tmp-batch", "out-alone", "out-batch", "submissions"];
    if outside != allowed {
        problems.push(format!("files appeared beside the submissions and outputs: {outside:?}"));
    }

    assert!(problems.is_empty(), "{} problems:\n- {}\n\ngradwork's output:\n{}", problems.len(), problems.join("\n- "), batch.stderr);
}

/// Waits up to `limit` for `ready` to return something; `None` on time out.
fn wait_for<T>(limit: Duration, mut ready: impl FnMut() -> Option<T>) -> Option<T> {
    let started = Instant::now();
    while started.elapsed() < limit {
        if let Some(t) = ready() {
            return Some(t);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    None
}

/// A `rustc` of this mark that has spent 3 s of CPU on the student crate, if
/// one runs.
fn busy_student_rustc(mark: &str, root: &Path) -> Option<String> {
    marked_processes(mark, root).into_iter().find(|p| {
        let pid = p.split_whitespace().nth(1).and_then(|n| n.parse::<i32>().ok());
        p.contains("rustc") && p.contains("--crate-name a01_tensors ") && pid.and_then(cpu_seconds).is_some_and(|s| s >= 3.0)
    })
}

/// Makes in `dest` the reference with a macro whose expansion never ends and
/// says nothing meanwhile (2^40 expansions; its memory grows by tens of MiB a
/// second until the build's memory limit stops it). A never-ending constant
/// would not do here: rustc warns about it from time to time, and a rustc
/// whose cargo is gone dies at its next warning (its pipe is broken); this
/// rustc would outlive a killed grader that did not kill it.
fn silent_endless_build(dest: &Path) {
    copy_src(&Course::at(course()).reference_dir(ASSIGNMENT), dest);
    let lib = dest.join("src/lib.rs");
    let text = std::fs::read_to_string(&lib).expect("lib.rs");
    let anchor = "/// Exercise 7: 2π as a 0-dimensional f64 tensor.";
    assert!(text.contains(anchor), "the reference's two_pi moved: update this test");
    let endless = "macro_rules! twice { () => {}; (x $($rest:tt)*) => { twice!($($rest)*); twice!($($rest)*); }; }\n\
                   twice!(x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x x);\n\n";
    std::fs::write(&lib, text.replacen(anchor, &format!("{endless}{anchor}"), 1)).expect("write lib.rs");
}

/// CPU seconds process `pid` has used (fields 14 and 15 of `/proc/<pid>/stat`).
fn cpu_seconds(pid: i32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let fields: Vec<&str> = stat[stat.rfind(')')? + 2..].split_whitespace().collect();
    let ticks: f64 = fields.get(11)?.parse::<f64>().ok()? + fields.get(12)?.parse::<f64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    Some(ticks / unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64)
}

/// A runner under `root` that has started processes of its own (the fork
/// bomb's `sleep`s, some in sessions of their own), if one runs; where the
/// fork bomb is left out, any runner.
fn busy_runner(mark: &str, root: &Path) -> Option<String> {
    let runner = marked_processes(mark, root).into_iter().find(|p| p.contains("/sandbox/runner"))?;
    if sandbox::capabilities().users.is_err() {
        return Some(runner);
    }
    let sleeps = stray_processes().iter().filter(|p| p.contains("sleep 7351")).count() + children_sleeping();
    (sleeps >= 3).then_some(runner)
}

/// Processes running `sleep 7351` or `sleep 7352` (the fork bomb's).
fn children_sleeping() -> usize {
    sandbox::all_processes()
        .iter()
        .filter(|p| !p.zombie)
        .filter(|p| {
            let cmdline = std::fs::read(format!("/proc/{}/cmdline", p.pid)).unwrap_or_default();
            cmdline.starts_with(b"sleep\x007351") || cmdline.starts_with(b"sleep\x007352")
        })
        .count()
}

/// Starts `gradwork grade` on `subs` in a process group of its own (as a
/// shell starts a job), waits for `moment`, and sends `signal` to the grader
/// alone or to its whole group (a terminal's Ctrl-C); then expects every
/// process of it, its builds and its runners to be gone within seconds.
fn kill_in_the_middle(root: &Path, subs: &Path, label: &str, moment: fn(&str, &Path) -> Option<String>, signal: i32, group: bool) -> Vec<String> {
    use std::os::unix::process::CommandExt;
    let tmp = root.join(format!("grader-tmp-{label}"));
    std::fs::create_dir_all(&tmp).expect("grader tmp");
    let mark = mark(label);
    // One at a time, so that the build in flight is the first submission's; no build time limit to speak of.
    let mut cmd = gradwork_grade(subs, &root.join(format!("out-{label}")), &tmp, &mark, "1", "600");
    cmd.stdout(Stdio::null()).stderr(Stdio::null()).process_group(0);
    let mut grader = cmd.spawn().expect("gradwork runs");
    let mut problems = Vec::new();
    // The build may wait for a slot while the hostile batch beside this test
    // holds every one (a slot per core: two on a CI runner) for minutes.
    match wait_for(Duration::from_secs(900), || moment(&mark, root)) {
        None => problems.push(format!("{label}: the moment to kill the grader never came")),
        Some(process) => {
            eprintln!("{label}: signal {signal} to the grader{} while {process} runs", if group { "'s process group" } else { "" });
            let pid = grader.id() as i32;
            // SAFETY: kill(2) of the grader this test started (or its process group).
            unsafe {
                libc::kill(if group { -pid } else { pid }, signal);
            }
        }
    }
    let _ = grader.kill();
    let _ = grader.wait();
    let running = || {
        let mut left = marked_processes(&mark, root);
        left.extend(stray_processes().into_iter().filter(|p| !p.contains("zombie")));
        left
    };
    if wait_for(Duration::from_secs(8), || running().is_empty().then_some(())).is_none() {
        problems.push(format!("{label}: left running 8 s after the grader died: {:#?}", running()));
    }
    problems
}

#[test]
fn a_grader_killed_in_the_middle_of_a_batch_leaves_nothing_running() {
    let course = Course::at(course());
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical tempdir");
    let fill = [
        ("@COURSE@", course.root().display().to_string()),
        ("@SUBMISSIONS@", root.join("subs").display().to_string()),
        ("@OUT@", root.join("out").display().to_string()),
        ("@HOME@", String::new()),
        ("@PORT@", "9".to_string()),
        ("@MARKER@", root.join("marker").display().to_string()),
    ];
    let samples = hostile::samples(&course);
    let make = |dir: &str, name: &str| {
        let sample = samples.iter().find(|s| s.name == name).expect("the hostile submission exists");
        hostile::make(&course, sample, &root.join(dir).join(name), &fill);
    };
    // In the middle of a build that would not end for a long time: SIGKILL,
    // which nothing in the grader sees.
    silent_endless_build(&root.join("mid-build/build-endless"));
    make("mid-build", "infinite-loop");
    let mut problems = kill_in_the_middle(&root, &root.join("mid-build"), "mid-build", busy_student_rustc, libc::SIGKILL, false);
    // In the middle of a runner's endless check that has started processes of
    // its own: Ctrl-C, to the grader's whole process group.
    let mid_run = if sandbox::capabilities().users.is_ok() { "fork-bomb" } else { "infinite-loop" };
    make("mid-run", mid_run);
    problems.extend(kill_in_the_middle(&root, &root.join("mid-run"), "mid-run", busy_runner, libc::SIGINT, true));
    // A killed runner whose grader died is reaped by init, in its own time.
    if wait_for(Duration::from_secs(15), || stray_processes().is_empty().then_some(())).is_none() {
        problems.extend(stray_processes().into_iter().map(|p| format!("stray: {p}")));
    }

    // What SIGKILL could not prevent (temporary folders, the build's cgroup)
    // the next grader using the same temporary folder sweeps.
    let tmp_dir = root.join("grader-tmp-mid-build");
    let left_before: Vec<String> = std::fs::read_dir(&tmp_dir).expect("grader tmp").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    let honest = root.join("honest");
    copy_src(&course.reference_dir(ASSIGNMENT), &honest.join("honest"));
    let output = gradwork_grade(&honest, &root.join("out-after"), &tmp_dir, &mark("after"), "1", BUILD_TIME_LIMIT).output().expect("gradwork runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    if !output.status.success() {
        problems.push(format!("the grader after the kills failed:\n{stderr}"));
    }
    let left_after: Vec<String> = std::fs::read_dir(&tmp_dir).expect("grader tmp").flatten().map(|e| e.file_name().to_string_lossy().into_owned()).collect();
    if left_before.is_empty() {
        problems.push("the killed grader left no temporary folder: was it killed in the middle of a build?".into());
    }
    if !left_after.is_empty() {
        problems.push(format!("the next grader left {left_after:?} of {left_before:?} in the temporary folder"));
    }
    if let Ok(parent) = &sandbox::capabilities().memory {
        let dead: Vec<String> = std::fs::read_dir(parent.dir())
            .into_iter()
            .flatten()
            .flatten()
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("gradwork-") && n.split('-').nth(2).and_then(|p| p.parse::<i32>().ok()).is_some_and(|p| !process_runs(p)))
            .collect();
        if !dead.is_empty() {
            problems.push(format!("cgroups of dead graders are left in {}: {dead:?}", parent.dir().display()));
        }
    }
    assert!(problems.is_empty(), "{} problems:\n- {}\n\nthe last grader's output:\n{stderr}", problems.len(), problems.join("\n- "));
}

/// Whether process `pid` exists.
fn process_runs(pid: i32) -> bool {
    // SAFETY: signal 0 only checks that the process exists.
    unsafe { libc::kill(pid, 0) == 0 || std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH) }
}
