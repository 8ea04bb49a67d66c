//! `gradwork dev mutants`: the real command on a sample of a01's mutants,
//! its reports, the pinned cargo-mutants, and the `mutants.toml` files of
//! the course.

use gradwork::course::Course;
use gradwork::dev::mutants::cargo_mutants::{CargoMutants, PINNED_VERSION};
use gradwork::dev::mutants::equivalent::Equivalents;
use gradwork::dev::mutants::mutant::{Mutant, Tool};
use gradwork::dev::mutants::report::{self, AssignmentRun, CheckRef, Graded, Recorded, Run};
use gradwork::dev::mutants::verdict::Verdict;
use gradwork::result::Status;
use std::process::Command;

fn course() -> Course {
    Course::at(env!("CARGO_MANIFEST_DIR"))
}

#[test]
fn make_install_mutants_installs_the_pinned_version() {
    let makefile = std::fs::read_to_string(course().root().join("Makefile")).unwrap();
    let pinned = makefile.lines().find_map(|l| l.strip_prefix("MUTANTS_VERSION := ")).expect("the Makefile pins MUTANTS_VERSION");
    assert_eq!(pinned.trim(), PINNED_VERSION, "the Makefile and gradwork must pin the same cargo-mutants");
    assert!(makefile.contains("$(CARGO) install cargo-mutants --locked --debug --version $(MUTANTS_VERSION) --root target/tools"));
}

#[test]
fn an_unknown_assignment_is_refused_before_anything_is_built() {
    let out = Command::new(env!("CARGO_BIN_EXE_gradwork")).args(["dev", "mutants", "a99-nothing", "--max", "1"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("a99-nothing"), "{stderr}");
}

/// One survivor, one killed mutant, one that did not build, an equivalent and a stale entry.
fn a_run() -> Run {
    let source = "pub fn add(a: i64, b: i64) -> i64 {\n    a + b // SOLUTION\n}\n";
    let mutant = |name: &str, tool: Tool, operator: &str, replacement: &str| Mutant {
        name: name.into(),
        tool,
        operator: operator.into(),
        file: "src/lib.rs".into(),
        function: Some("add".into()),
        line: 2,
        last_line: 2,
        start: 42,
        end: 43,
        replacement: replacement.into(),
    };
    let graded = |m: Mutant, verdict: Verdict, caught: &[(&str, &str)]| Graded {
        diff: m.diff(source, "reference/a00/src/lib.rs"),
        submission: gradwork::dev::mutants::dir_name(&m),
        mutant: m,
        verdict,
        should_have_caught: caught.iter().map(|(id, title)| CheckRef { id: id.to_string(), title: title.to_string() }).collect(),
    };
    let survivor = graded(
        mutant("reference/a00/src/lib.rs:2:7: replace + with * in add", Tool::CargoMutants, "BinaryOperator", "* /* ~ changed by cargo-mutants ~ */"),
        Verdict::Survived,
        &[("add-small", "adds two small numbers")],
    );
    let killed = graded(
        mutant("reference/a00/src/lib.rs:2:7: replace + with - in add", Tool::CargoMutants, "BinaryOperator", "- /* ~ changed by cargo-mutants ~ */"),
        Verdict::Killed { by: vec![("add-small".into(), Status::Failed)] },
        &[("add-small", "adds two small numbers")],
    );
    let broken = graded(mutant("reference/a00/src/lib.rs:2:7: index 1 instead of 0 in add", Tool::Gradwork, "off-by-one", "+ +"), Verdict::DidNotBuild { location: Some("src/lib.rs:2".into()) }, &[]);
    let equivalent = vec![Recorded { mutant: "reference/a00/src/lib.rs:2:5: replace add -> i64 with 1".into(), why: "never graded".into(), line: 2, moved_to: Vec::new() }];
    let mut a = AssignmentRun::new("a00-demo", 5, 1, equivalent, 4, vec![survivor, killed, broken]);
    a.stale = Some(vec![Recorded { mutant: "reference/a00/src/lib.rs:9:1: replace gone -> i64 with 0".into(), why: "gone".into(), line: 6, moved_to: vec!["reference/a00/src/lib.rs:11:1: replace gone -> i64 with 0".into()] }]);
    a.seconds = 42.0;
    Run {
        gradwork_version: "0.1.0".into(),
        seed: 7,
        max: Some(3),
        cargo_mutants: Some(PINNED_VERSION.into()),
        command: "gradwork dev mutants a00-demo --max 3 --seed 7".into(),
        seconds: 42.0,
        assignments: vec![a],
    }
}

#[test]
fn a_survivor_is_reported_with_its_diff_and_the_checks_that_should_have_caught_it() {
    let run = a_run();
    insta::assert_snapshot!("mutants_md", report::markdown(&run));
    insta::assert_snapshot!("mutants_table", report::table(&run));
    let json: serde_json::Value = serde_json::from_str(&report::json(&run)).unwrap();
    let a = &json["assignments"][0];
    assert_eq!(a["counts"]["graded"], 3);
    assert_eq!(a["counts"]["survived"], 1);
    assert_eq!(a["kill_rate"], 0.5, "one killed of two viable: the one that did not build does not count");
    assert_eq!(a["mutants"][0]["verdict"]["outcome"], "survived");
    assert_eq!(a["mutants"][0]["should_have_caught"][0]["id"], "add-small");
    assert!(a["mutants"][0]["diff"].as_str().unwrap().contains("+    a * /* ~ changed by cargo-mutants ~ */ b // SOLUTION"));
    assert_eq!(a["stale"][0]["line"], 6);
}

#[test]
fn every_mutants_toml_parses_and_records_only_mutants_that_exist() {
    let course = course();
    let tool = CargoMutants::locate(course.root()).ok();
    for id in course.assignments() {
        let path = gradwork::dev::mutants::equivalents_path(&course, &id);
        let recorded = Equivalents::load(&path).unwrap_or_else(|e| panic!("{e}"));
        if recorded.entries.is_empty() {
            continue;
        }
        // Names come from cargo-mutants: without it only the file's syntax can be checked.
        let Some(tool) = &tool else { continue };
        let listing = gradwork::dev::mutants::list(&course, &id, Some(tool)).unwrap();
        let stale: Vec<String> = listing.stale().unwrap_or_default().iter().map(|e| format!("line {}: {}{}", e.line, e.mutant, listing.moved_hint(&e.mutant))).collect();
        assert!(stale.is_empty(), "{}: these recorded mutants no longer exist (update their names):\n{}", path.display(), stale.join("\n"));
    }
}

/// The real command, through the real batch path, on two of a01's mutants.
#[test]
fn dev_mutants_grades_a_sample_of_a01_and_writes_both_reports() {
    let course = course();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let run = Command::new(env!("CARGO_BIN_EXE_gradwork"))
        .args(["dev", "mutants", "a01-tensors", "--max", "2", "--seed", "11", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    if CargoMutants::locate(course.root()).is_err() {
        // Without cargo-mutants the command stops and says how to install the pinned version.
        assert_eq!(run.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("make install-mutants") && stderr.contains(PINNED_VERSION), "{stderr}");
        return;
    }
    assert!(matches!(run.status.code(), Some(0 | 1)), "exit {:?}\n{stdout}\n{stderr}", run.status.code());
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(out.join("mutants.json")).unwrap()).unwrap();
    let md = std::fs::read_to_string(out.join("mutants.md")).unwrap();
    let a = &json["assignments"][0];
    assert_eq!(a["assignment"], "a01-tensors");
    assert_eq!(a["counts"]["graded"], 2);
    assert!(a["listed"].as_u64().unwrap() > 20, "{a}");
    assert_eq!(a["reference_fails"].as_array().unwrap().len(), 0, "the reference passes every check");
    let mutants = a["mutants"].as_array().unwrap();
    for m in mutants {
        let outcome = m["verdict"]["outcome"].as_str().unwrap();
        assert!(["killed", "survived", "did_not_build"].contains(&outcome), "{m}");
        if outcome == "killed" {
            assert!(!m["verdict"]["by"].as_array().unwrap().is_empty(), "{m}");
        }
        // The graded submission is the reference with exactly this edit.
        let file = m["file"].as_str().unwrap();
        let reference = std::fs::read_to_string(course.reference_dir("a01-tensors").join(file)).unwrap();
        let submitted = std::fs::read_to_string(out.join("a01-tensors/submissions").join(m["submission"].as_str().unwrap()).join(file)).unwrap();
        let (start, end) = (m["start"].as_u64().unwrap() as usize, m["end"].as_u64().unwrap() as usize);
        assert_eq!(submitted, format!("{}{}{}", &reference[..start], m["replacement"].as_str().unwrap(), &reference[end..]));
        assert!(m["diff"].as_str().unwrap().lines().any(|l| l.starts_with('+') && !l.starts_with("+++")), "{m}");
        assert!(!m["should_have_caught"].as_array().unwrap().is_empty(), "every a01 function is called by a check: {m}");
        assert!(md.contains(m["name"].as_str().unwrap()) || outcome == "killed", "survivors and broken mutants are listed in mutants.md");
    }
    assert!(md.contains("| a01-tensors | "), "{md}");
    assert!(stdout.contains("kill rate"), "{stdout}");
}

/// The CI gate: `dev check --mutants N` grades N mutants per assignment after
/// its usual checks, with the reference's reports of that run as the control.
#[test]
fn dev_check_grades_a_sample_of_mutants_as_its_gate() {
    let run = Command::new(env!("CARGO_BIN_EXE_gradwork")).args(["dev", "check", "a01-tensors", "--seeds", "1", "--mutants", "1"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&run.stdout);
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(stdout.contains("mutants gate (1 per assignment, seed 2026"), "{stdout}\n{stderr}");
    let row = stdout.lines().find(|l| l.starts_with("a01-tensors ") && l.contains(" of ")).unwrap_or_else(|| panic!("no gate row:\n{stdout}"));
    assert!(row.contains(" 1 of "), "one mutant graded: {row}");
    let subs = course().build_dir().join("dev-check-mutants/a01-tensors/submissions");
    assert_eq!(std::fs::read_dir(&subs).unwrap().count(), 1, "one mutant, and no second grading of the reference: dev check's own run is the control");
    if CargoMutants::locate(course().root()).is_err() {
        assert!(stdout.contains("gradwork's own operators only") || stderr.contains("gradwork's own operators only"), "a missing cargo-mutants is said loudly");
    }
    match run.status.code() {
        Some(0) => assert!(stdout.contains("1 sampled mutant(s) caught"), "{stdout}"),
        Some(1) => assert!(stdout.contains("survived") && stdout.contains("mutants.toml"), "a failing gate names the survivor: {stdout}"),
        other => panic!("exit {other:?}\n{stdout}\n{stderr}"),
    }
}
