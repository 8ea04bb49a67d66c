//! What a student sees from `cargo test -p a01-tensors` on the stub: one line
//! per check with points and the id `--check` takes, the messages, the
//! total, and the hidden checks that did not run; and what `-- --help`,
//! `-- --list` and a `--check` that names no check print.
//!
//! The checks binary is built once (through cargo, as a student builds it)
//! and then run directly, as `cargo test` runs it: in the crate's folder.

use gradwork::course::Course;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::sync::OnceLock;

const ID: &str = "a01-tensors";

fn course() -> Course {
    Course::at(env!("CARGO_MANIFEST_DIR"))
}

/// The `checks` test binary of the a01 stub.
fn checks_binary() -> &'static PathBuf {
    static BINARY: OnceLock<PathBuf> = OnceLock::new();
    BINARY.get_or_init(|| {
        let course = course();
        // Its own target directory: this test runs inside `cargo test`, which holds `target/`.
        // That one is shared with graders, whose lock keeps them from removing what this build makes.
        let build_dir = course.build_dir();
        std::fs::create_dir_all(&build_dir).expect("build directory");
        let lock = gradwork::workspace::BuildLock::acquire(&build_dir).expect("build lock");
        let output = gradwork::cargo::command(&build_dir)
            .current_dir(course.root())
            .args(["test", "--no-run", "--message-format=json", "-p", ID])
            .output()
            .expect("cargo runs");
        drop(lock);
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "the stub's checks build:\n{}", String::from_utf8_lossy(&output.stderr));
        stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|m| m["target"]["name"] == "checks")
            .find_map(|m| m["executable"].as_str().map(PathBuf::from))
            .unwrap_or_else(|| panic!("no `checks` executable in cargo's messages:\n{stdout}"))
    })
}

/// Runs the checks binary with `args`, as `cargo test -p a01-tensors -- ARGS` does.
fn run(args: &[&str]) -> Output {
    Command::new(checks_binary())
        .current_dir(course().root().join("assignments").join(ID))
        .args(args)
        .env("NO_COLOR", "1")
        .env_remove("GITHUB_WORKSPACE")
        .output()
        .expect("the checks binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn the_stub_report_lists_every_check_with_its_id_and_the_hidden_count() {
    let output = run(&["--seed", "7"]);
    let stdout = text(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "the stub fails its checks:\n{stdout}");
    let first = stdout.lines().next().unwrap_or_default();
    // The first line names versions, which differ between machines: it says what libtorch runs on.
    let libtorch = if gradwork::libtorch::LINKS_CUDA { "build, running on cpu) ·" } else { "(CPU runtime) ·" };
    assert!(first.starts_with("a01-tensors · grader ") && first.contains(libtorch), "{first}");
    assert!(!first.contains('+'), "the wheel's build tag is for machines, not for the header: {first}");
    let body: Vec<&str> = stdout.lines().skip(1).collect();
    insta::assert_snapshot!(body.join("\n"));
}

#[test]
fn help_prints_the_options_and_runs_nothing() {
    for flag in ["--help", "-h"] {
        let output = run(&[flag]);
        assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
        let stdout = text(&output.stdout);
        assert!(!stdout.contains("points ·"), "no check ran");
        insta::assert_snapshot!("help", stdout);
    }
}

#[test]
fn list_names_the_visible_checks_and_counts_the_hidden_ones() {
    let output = run(&["--list"]);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output.stderr));
    let stdout = text(&output.stdout);
    for hidden in gradwork::dev::release::withheld_checks(&course(), ID).unwrap() {
        assert!(!stdout.contains(&hidden.id) && !stdout.contains(&hidden.title), "{} is named:\n{stdout}", hidden.id);
    }
    insta::assert_snapshot!(stdout);
}

#[test]
fn a_check_that_does_not_exist_is_an_error_that_lists_the_checks() {
    let output = run(&["--check", "distances"]);
    // Not 0 (nothing ran) and not 1 (a check failed): a mistake in the options.
    assert_eq!(output.status.code(), Some(i32::from(gradwork::exit_codes::HARNESS_FAILURE)));
    assert!(output.stdout.is_empty(), "{}", text(&output.stdout));
    let stderr = text(&output.stderr);
    let first_listed = stderr.lines().nth(1).unwrap_or_default();
    assert!(first_listed.trim_start().starts_with("pairwise-distances "), "closest first:\n{stderr}");
    for hidden in gradwork::dev::release::withheld_checks(&course(), ID).unwrap() {
        assert!(!stderr.contains(&hidden.id), "{} is named:\n{stderr}", hidden.id);
    }
    insta::assert_snapshot!(stderr);
    // A prefix of several ids is as much a mistake.
    let output = run(&["--check", "poisson"]);
    assert_eq!(output.status.code(), Some(i32::from(gradwork::exit_codes::HARNESS_FAILURE)));
    insta::assert_snapshot!("ambiguous", text(&output.stderr));
    // A hidden check cannot be asked for by its id, and is not confirmed to exist.
    let hidden = gradwork::dev::release::withheld_checks(&course(), ID).unwrap().remove(0);
    let output = run(&["--check", &hidden.id]);
    assert_eq!(output.status.code(), Some(i32::from(gradwork::exit_codes::HARNESS_FAILURE)), "{}", text(&output.stdout));
    assert!(text(&output.stderr).starts_with(&format!("error: no check is called `{}`", hidden.id)));
}

#[test]
fn function_names_and_prefixes_select_checks() {
    let ran = |args: &[&str]| -> Vec<String> {
        let output = run(&[args, &["--format", "json"]].concat());
        let reports: Vec<gradwork::result::SubmissionReport> =
            serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {}{}", text(&output.stdout), text(&output.stderr)));
        reports[0].checks.iter().filter(|c| c.status != gradwork::result::Status::NotRun).map(|c| c.id.clone()).collect()
    };
    assert_eq!(ran(&["--check", "pairwise_distances"]), ["pairwise-distances"], "the hidden check of that function stays hidden");
    assert_eq!(ran(&["--check", "poisson_pmf_matrix"]), ["poisson-pmf"], "a function name longer than its check's id");
    assert_eq!(ran(&["gamma", "--check", "two-pi"]), ["two-pi", "gamma-log-prob"], "a bare word is a selector too");
}
