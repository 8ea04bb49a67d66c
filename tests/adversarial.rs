//! Hostile submissions, graded by the real `gradwork grade` command in one
//! batch together with two honest ones (the reference and the stub).
//!
//! Every hostile submission (`tests/fixtures/adversarial.toml`) is the
//! reference solution with one function replaced by an attack. For each one
//! the batch must complete, its score must be exactly what its honest
//! functions earn (never more), the honest submissions must get exactly the
//! scores they get when graded alone, and the machine must be left clean: no
//! process of a sandbox user, no process the attacks started, no file outside
//! the output folder, nothing left in the grader's temporary directory.
//!
//! The attacks need the sandbox this machine gives: the fork bomb runs only
//! where each runner gets its own user (root), so that its process count is
//! limited, and the memory-tree attack only where runners get a memory
//! cgroup; elsewhere they are left out and the test says so.

use gradwork::course::Course;
use gradwork::grade::record::{BuildOutcome, Record};
use gradwork::report::summary::Summary;
use gradwork::result::Status;
use gradwork::sandbox::{self, UidSlot};
use std::io::Read;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;

mod support;
use support::hostile::{self, ASSIGNMENT};

/// Wall-clock limit per check: an infinite loop costs this, not the rubric's 20 s.
const TIME_LIMIT: &str = "4";

/// Memory limit of a runner in MiB, below the rubric's 8 GiB so that the
/// memory-tree attack (three processes of 512 MiB) shows the cap quickly.
const MEMORY_LIMIT: &str = "1024";

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
    Expect { name: "infinite-loop", lost: Some(&["two-pi"]), status: Some((Status::TimedOut, &["did not finish within the 4 s"])) },
    Expect { name: "memory-hog", lost: Some(&["two-pi"]), status: Some((Status::Crashed, &["ran out of memory"])) },
    Expect { name: "fork-bomb", lost: Some(&["two-pi"]), status: Some((Status::TimedOut, &["did not finish"])) },
    Expect { name: "memory-tree", lost: Some(&["two-pi"]), status: Some((Status::Error, &["children:", "killed"])) },
    Expect { name: "include-reference", lost: None, status: Some((Status::Error, &["does not compile", "couldn't read"])) },
    Expect { name: "read-outside", lost: Some(&["two-pi"]), status: Some((Status::Error, &["panicked", "found:"])) },
    Expect { name: "tcp-connect", lost: Some(&["two-pi"]), status: Some((Status::Error, &["connect: Err"])) },
    Expect { name: "stdout-flood", lost: Some(&[]), status: None },
    Expect { name: "build-rs", lost: Some(&[]), status: None },
    Expect { name: "cargo-toml-and-tests", lost: Some(&["two-pi"]), status: Some((Status::Failed, &["not right"])) },
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

fn grade(root: &Path, subs: &Path, label: &str) -> Run {
    let out = root.join(format!("out-{label}"));
    let tmp = root.join(format!("grader-tmp-{label}"));
    std::fs::create_dir_all(&tmp).expect("grader tmp");
    let output = Command::new(env!("CARGO_BIN_EXE_gradwork"))
        .args(["grade", ASSIGNMENT, "--jobs", "2", "--time-limit", TIME_LIMIT, "--memory-limit", MEMORY_LIMIT, "--submissions"])
        .arg(subs)
        .arg("--out")
        .arg(&out)
        .env("TMPDIR", &tmp)
        .output()
        .expect("gradwork runs");
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
    let stray = stray_processes();
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
