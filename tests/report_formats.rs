//! Every output format, written from one report that holds every class of
//! failure message the harness produces: terminal (plain and coloured),
//! Gradescope results.json (validated against Gradescope's schema), GitHub
//! Classroom's result (validated against what its reporter reads), JUnit
//! XML, the GitHub job summary and annotations, CSV, JSON, and the
//! `--min-score` policy. The messages are made by the real message code
//! (`suite::describe`, `grade::build_failure_message`, forbidden-API
//! violations), so a change of wording shows up here as a snapshot diff.

use gradwork::cargo::CargoError;
use gradwork::compare::{compare_tensors, CompareOptions};
use gradwork::forbidden::Violation;
use gradwork::report::output::{self, Context, Format, ReportArgs, ReportSpec};
use gradwork::report::policy::MinScore;
use gradwork::report::terminal::{ColorChoice, Style};
use gradwork::report::{classroom, csv, github, gradescope, junit};
use gradwork::result::{CheckResult, ReportHeader, Status, SubmissionReport, Visibility};
use gradwork::rubric::CheckSpec;
use gradwork::submission::CallError;
use gradwork::suite::{describe, judge_test, Failure};
use gradwork::workspace::BuildError;
use std::collections::BTreeMap;
use tch::Tensor;

fn header() -> ReportHeader {
    ReportHeader {
        assignment: "a01-tensors".into(),
        gradwork_version: "0.1.0".into(),
        grader_version: "0.1.0".into(),
        libtorch_version: "2.13.0".into(),
        libtorch_cuda: None,
        device: "cpu".into(),
        seed: 2026,
        limits: "20 s per check, 8192 MiB memory, 600 s CPU, 64 MiB per file".into(),
        mode: "isolated".into(),
        reproduce: "gradwork grade a01-tensors subs/alice --seed 2026".into(),
    }
}

fn spec(id: &str, points: f64, visibility: Visibility, hint: Option<&str>) -> CheckSpec {
    CheckSpec {
        id: id.into(),
        title: format!("Exercise {id}"),
        points,
        visibility,
        rtol: None,
        atol: None,
        tolerance_why: None,
        time_limit_s: None,
        hint: hint.map(String::from),
    }
}

fn result(spec: &CheckSpec, failure: Option<Failure>) -> CheckResult {
    let (status, message) = match &failure {
        None => (Status::Passed, String::new()),
        Some(f) => describe(f, spec, 20.0),
    };
    CheckResult {
        id: spec.id.clone(),
        title: spec.title.clone(),
        max_score: spec.points,
        score: if status == Status::Passed { spec.points } else { 0.0 },
        status,
        visibility: spec.visibility,
        message,
        seconds: 0.125,
        attachments: Vec::new(),
        tolerance_used: None,
        calls: Vec::new(),
    }
}

fn call(call: &str, error: CallError) -> Option<Failure> {
    Some(Failure::Call { call: call.into(), error })
}

/// One check of every message class, in a fixed order.
fn every_class() -> Vec<CheckResult> {
    let v = Visibility::Visible;
    let expected = Tensor::from_slice(&[1.0f32, -2.0, 0.0, -2.0]).view([2, 2]);
    let actual = Tensor::from_slice(&[1.0f32, -2.0, 0.0, -3.0]).view([2, 2]);
    let mismatch = compare_tensors(&expected, &actual, &CompareOptions::default()).unwrap_err();
    let z = gradwork::stats::mean_z_test(&[6.0; 100], 4.5, 4.5);
    let statistical = judge_test("`poisson_samples(4.5, 100)`", "Poisson(4.5)", &z, 1e-6, "sample mean 6").unwrap_err();
    let mut checks = vec![
        result(&spec("passes", 1.0, v, None), None),
        result(
            &spec("wrong-values", 2.0, v, Some("Only the diagonal and the two bands next to it are non-zero.")),
            Some(Failure::wrong(format!("`tridiagonal(2)` is not right. {mismatch}"))),
        ),
        result(&spec("wrong-distribution", 2.0, v, None), Some(statistical)),
        result(&spec("todo", 1.0, v, None), call("two_pi()", CallError::NotImplemented { location: Some("src/lib.rs:42:5".into()) })),
        result(
            &spec("panics", 1.0, v, None),
            call(
                "count_true(tensor[6, 6] bool)",
                CallError::Panicked {
                    message: "index out of bounds: the len is 3 but the index is 7 at `src/fake.rs:1`".into(),
                    location: Some("src/lib.rs:69:27".into()),
                },
            ),
        ),
        result(&spec("times-out", 2.0, v, None), call("index_grid(3, 4)", CallError::TimedOut { limit_s: 20.0 })),
        result(
            &spec("crashes", 1.0, v, None),
            call(
                "two_pi()",
                CallError::Crashed {
                    reason: "the process aborted (SIGABRT): `std::process::abort`, a double panic, or a fatal libtorch error".into(),
                    stderr_tail: "fatal runtime error: stack overflow".into(),
                },
            ),
        ),
        result(
            &spec("out-of-memory", 1.0, v, None),
            call("filled(100000, 100000, 1)", CallError::OutOfMemory { limit_mb: 8192, stderr_tail: String::new() }),
        ),
        result(
            &spec("unreadable-output", 1.0, v, None),
            call("matrix_3x3()", CallError::Dispatch("the returned value could not be read: undefined tensor".into())),
        ),
        result(&spec("protocol", 1.0, v, None), call("shape_of(tensor[3] f32)", CallError::Protocol("expected value at line 1 column 1".into()))),
        result(&spec("grader-bug", 1.0, v, None), Some(Failure::Grader("index out of range in the oracle".into()))),
        result(&spec("forbidden", 2.0, v, None), None),
        result(&spec("hidden-passes", 2.0, Visibility::Hidden, None), None),
        result(&spec("hidden-fails", 2.0, Visibility::Hidden, None), Some(Failure::wrong("hidden detail"))),
        result(&spec("after-due-date", 1.0, Visibility::AfterDueDate, None), None),
    ];
    let violation = Violation {
        api: "cdist".into(),
        reason: "the point of exercise 9 is to build the distance matrix by broadcasting yourself.".into(),
        file: "src/lib.rs".into(),
        line: 51,
        text: "Tensor::cdist(x, x, 2.0, 2i64)".into(),
        checks: vec!["forbidden".into()],
    };
    gradwork::grade::apply_violations(&mut checks, &[violation]);
    checks
}

fn report(name: &str, checks: Vec<CheckResult>) -> SubmissionReport {
    SubmissionReport {
        name: name.into(),
        header: header(),
        checks,
        notes: vec!["These files of your submission were ignored: `Cargo.toml`.".into()],
        seconds: 3.5,
    }
}

fn alice() -> SubmissionReport {
    report("alice", every_class())
}

/// A submission that does not compile: every check carries the compiler's first error.
fn bob() -> SubmissionReport {
    let message = gradwork::grade::build_failure_message(&BuildError::Compile(CargoError::Failed {
        summary: "error[E0369]: cannot add `{integer}` to `Vec<i64>`\n  --> src/lib.rs:13:14".into(),
        location: Some(("src/lib.rs".into(), 13)),
    }));
    let checks = every_class()
        .into_iter()
        .map(|mut c| {
            c.status = Status::Error;
            c.score = 0.0;
            c.message = message.clone();
            c
        })
        .collect();
    report("bob", checks)
}

/// The student's local run: hidden checks not run.
fn local() -> SubmissionReport {
    let mut r = alice();
    r.name = "local".into();
    r.header.mode = "in-process".into();
    r.header.reproduce = "cargo test -p a01-tensors -- --seed 2026".into();
    for c in r.checks.iter_mut().filter(|c| !c.visibility.runs_locally()) {
        c.status = Status::NotRun;
        c.score = 0.0;
        c.message.clear();
    }
    r
}

#[test]
fn terminal_plain() {
    insta::assert_snapshot!(gradwork::report::terminal::render(&local(), Style::PLAIN));
}

#[test]
fn terminal_colours_only_marks_gutters_and_the_total() {
    let coloured = gradwork::report::terminal::render(&local(), Style { color: true });
    let plain = gradwork::report::terminal::render(&local(), Style::PLAIN);
    assert!(coloured.contains("\x1b[32m✓\x1b[0m"), "a passed check is green");
    assert!(coloured.contains("\x1b[31m✗\x1b[0m"), "a failed check is red");
    // Removing the escape codes gives back the plain text, character for character.
    let mut stripped = String::new();
    let mut rest = coloured.as_str();
    while let Some(i) = rest.find('\x1b') {
        stripped.push_str(&rest[..i]);
        let end = rest[i..].find('m').map(|e| i + e + 1).unwrap_or(rest.len());
        rest = &rest[end..];
    }
    stripped.push_str(rest);
    assert_eq!(stripped, plain);
}

#[test]
fn colour_follows_no_color_force_color_and_the_terminal() {
    // (environment, --color, stdout is a terminal, colour expected)
    type Case = (&'static [(&'static str, &'static str)], ColorChoice, bool, bool);
    let cases: [Case; 9] = [
        (&[], ColorChoice::Auto, true, true),
        (&[], ColorChoice::Auto, false, false),
        (&[("NO_COLOR", "1")], ColorChoice::Auto, true, false),
        (&[("NO_COLOR", "")], ColorChoice::Auto, true, true),
        (&[("FORCE_COLOR", "1")], ColorChoice::Auto, false, true),
        (&[("CLICOLOR_FORCE", "0")], ColorChoice::Auto, false, false),
        (&[("TERM", "dumb")], ColorChoice::Auto, true, false),
        (&[("NO_COLOR", "1")], ColorChoice::Always, false, true),
        (&[("FORCE_COLOR", "1")], ColorChoice::Never, true, false),
    ];
    for (vars, choice, tty, want) in cases {
        let env = |name: &str| vars.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string());
        assert_eq!(Style::decide(choice, &env, tty).color, want, "{vars:?} {choice:?} tty={tty}");
    }
}

fn schema_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/gradescope-results.schema.json")).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

fn schema_errors(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    validator.iter_errors(value).map(|e| format!("{} at {}", e, e.instance_path)).collect()
}

#[test]
fn gradescope_results_follow_the_schema_and_sum_up() {
    let validator = schema_validator();
    for r in [alice(), bob(), local()] {
        let value: serde_json::Value = serde_json::from_str(&gradescope::to_json(&r)).unwrap();
        let errors = schema_errors(&validator, &value);
        assert!(errors.is_empty(), "{}: {errors:#?}", r.name);
        let tests = value["tests"].as_array().unwrap();
        assert_eq!(tests.len(), r.checks.len());
        let sum: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert_eq!(value["score"].as_f64().unwrap(), sum, "{}: the total is the sum of the tests", r.name);
        assert_eq!(sum, r.score());
        for (t, c) in tests.iter().zip(&r.checks) {
            assert_eq!(t["visibility"], serde_json::to_value(c.visibility).unwrap(), "{}: visibility kept", c.id);
            assert_eq!(t["status"] == "passed", c.status == Status::Passed);
            assert!(t["score"].as_f64().unwrap() <= t["max_score"].as_f64().unwrap());
        }
    }
}

#[test]
fn the_gradescope_summary_does_not_reveal_hidden_points() {
    let results = gradescope::results(&alice());
    // Visible checks only: hidden and after-due-date ones are counted, not scored.
    assert!(results.output.starts_with("**a01-tensors**: 1 / 16 points on the 12 checks shown here (1 passed)."), "{}", results.output);
    assert!(results.output.contains("3 more checks (5 points) count toward your grade"));
    assert!(!results.output.contains("hidden detail"));
}

#[test]
fn the_schema_rejects_what_gradescope_would() {
    let validator = schema_validator();
    let good: serde_json::Value = serde_json::from_str(&gradescope::to_json(&alice())).unwrap();
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        schema_errors(&validator, &v)
    };
    assert!(!broken(&|v| v["tests"][0]["status"] = "error".into()).is_empty(), "status is passed or failed");
    assert!(!broken(&|v| v["tests"][1]["visibility"] = "secret".into()).is_empty(), "visibility is one of four");
    assert!(!broken(&|v| v["output_format"] = "markdown".into()).is_empty(), "the format is `md`");
    assert!(!broken(&|v| v["tests"][0]["points"] = 1.into()).is_empty(), "no unknown fields");
    assert!(!broken(&|v| v["number"] = 1.into()).is_empty(), "no unknown top-level fields");
    assert!(
        !broken(&|v| {
            v.as_object_mut().unwrap().remove("score");
            v["tests"][0].as_object_mut().unwrap().remove("score");
        })
        .is_empty(),
        "a score on top or on every test"
    );
    assert!(broken(&|v| { v.as_object_mut().unwrap().remove("score"); }).is_empty(), "scores on every test suffice");
}

#[test]
fn gradescope_json() {
    insta::assert_snapshot!(gradescope::to_json(&alice()));
}

fn classroom_validator() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(include_str!("fixtures/classroom-results.schema.json")).expect("the schema is JSON");
    jsonschema::validator_for(&schema).expect("the schema is a valid JSON Schema")
}

/// What the reporter does with the step output: base64, then JSON.
fn decode_classroom(encoded: &str) -> serde_json::Value {
    use base64::Engine as _;
    let json = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap_or_else(|e| panic!("not base64 ({e}): {encoded}"));
    serde_json::from_slice(&json).expect("base64 of JSON")
}

fn classroom_document(report: &SubmissionReport) -> serde_json::Value {
    decode_classroom(&classroom::encode(&classroom::results(report, "")))
}

#[test]
fn classroom_results_have_the_fields_the_reporter_reads() {
    let validator = classroom_validator();
    for r in [alice(), bob(), local()] {
        let document = classroom_document(&r);
        let errors = schema_errors(&validator, &document);
        assert!(errors.is_empty(), "{}: {errors:#?}", r.name);
        let ran: Vec<&CheckResult> = r.checks.iter().filter(|c| c.status != Status::NotRun).collect();
        let tests = document["tests"].as_array().unwrap();
        assert_eq!(tests.len(), ran.len(), "{}: one test per check that ran", r.name);
        // The dashboard shows Σ tests[].score / max_score.
        let score: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
        assert_eq!(score, ran.iter().map(|c| c.score).sum::<f64>(), "{}", r.name);
        assert_eq!(document["max_score"].as_f64().unwrap(), ran.iter().map(|c| c.max_score).sum::<f64>(), "{}", r.name);
        for (t, c) in tests.iter().zip(&ran) {
            let want = match c.status {
                Status::Passed => "pass",
                Status::Failed => "fail",
                _ => "error",
            };
            assert_eq!(t["status"], want, "{}: {}", r.name, c.id);
            if c.visibility.runs_locally() {
                assert_eq!(t["name"], c.title.as_str());
                assert_eq!(t["test_code"], format!("{} --check {}", r.header.reproduce, c.id), "runs the check alone");
                let message = t["message"].as_str().unwrap();
                match message.strip_suffix(classroom::CUT_NOTE) {
                    Some(start) => assert!(c.message.starts_with(start), "{}", c.id),
                    None => assert_eq!(message, c.message, "{}", c.id),
                }
            } else {
                // The reporter prints names and messages in the job log, which the student reads.
                assert!(t["name"].as_str().unwrap().starts_with("hidden check "), "{}: {t}", c.id);
                assert_eq!((t["message"].as_str(), t["test_code"].as_str()), (Some(""), Some("")), "{}", c.id);
            }
        }
        let any = |s: &str| tests.iter().any(|t| t["status"] == s);
        let want = if any("fail") { "fail" } else if any("error") { "error" } else { "pass" };
        assert_eq!(document["status"], want, "{}", r.name);
    }
    // A line the message points at goes with its file; none is 0, which the reporter leaves out.
    let alice = classroom::results(&alice(), "submissions/alice");
    let todo = alice.tests.iter().find(|t| t.message.contains("not implemented yet")).unwrap();
    assert_eq!((todo.filename.as_str(), todo.line_no), ("submissions/alice/src/lib.rs", 42));
    assert_eq!((alice.tests[0].filename.as_str(), alice.tests[0].line_no), ("", 0));
    let passing = report("carol", every_class().into_iter().filter(|c| c.status == Status::Passed).collect());
    assert_eq!(classroom_document(&passing)["status"], "pass");
}

#[test]
fn the_classroom_schema_rejects_what_the_reporter_misreads() {
    let validator = classroom_validator();
    let good = classroom_document(&alice());
    let broken = |edit: &dyn Fn(&mut serde_json::Value)| {
        let mut v = good.clone();
        edit(&mut v);
        schema_errors(&validator, &v)
    };
    assert!(!broken(&|v| v["tests"][0]["status"] = "passed".into()).is_empty(), "the reporter counts only `pass`");
    assert!(!broken(&|v| v["status"] = "failed".into()).is_empty(), "the job fails only on `fail` or `error`");
    assert!(!broken(&|v| v["tests"][0]["score"] = "1".into()).is_empty(), "scores are summed as numbers");
    assert!(!broken(&|v| { v["tests"][0].as_object_mut().unwrap().remove("line_no"); }).is_empty(), "a missing line_no prints `line undefined`");
    assert!(!broken(&|v| { v.as_object_mut().unwrap().remove("max_score"); }).is_empty(), "no max_score, no points in Classroom");
    assert!(!broken(&|v| v["version"] = 2.into()).is_empty());
}

#[test]
fn classroom_results_fit_in_one_environment_variable() {
    // The reporter gets the document in one environment variable, which Linux caps at 128 KiB.
    let huge = "error[E0308]: mismatched types × \"quoted\"\n".repeat(3000);
    let checks: Vec<CheckResult> = (0..100)
        .map(|i| {
            let mut c = result(&spec(&format!("check-{i}"), 1.0, Visibility::Visible, None), Some(Failure::wrong(huge.clone())));
            c.title = format!("Exercise {i}: {}", "a long title ".repeat(10));
            c
        })
        .collect();
    let encoded = classroom::encode(&classroom::results(&report("mallory", checks), ""));
    assert!(encoded.len() < 128 * 1024, "{} bytes", encoded.len());
    let document = decode_classroom(&encoded);
    let message = document["tests"][0]["message"].as_str().unwrap();
    assert!(message.ends_with(classroom::CUT_NOTE) && message.len() > 200, "{message}");
}

#[test]
fn classroom_json() {
    insta::assert_snapshot!(serde_json::to_string_pretty(&classroom_document(&alice())).unwrap());
}

#[test]
fn junit_parses_and_counts() {
    let xml = junit::render(&[alice(), bob()]);
    let doc = roxmltree::Document::parse(&xml).expect("well-formed XML");
    let root = doc.root_element();
    assert_eq!(root.tag_name().name(), "testsuites");
    let suites: Vec<_> = root.children().filter(|n| n.has_tag_name("testsuite")).collect();
    assert_eq!(suites.len(), 2);
    for (suite, r) in suites.iter().zip([alice(), bob()]) {
        let cases: Vec<_> = suite.children().filter(|n| n.has_tag_name("testcase")).collect();
        assert_eq!(cases.len(), r.checks.len());
        assert_eq!(suite.attribute("tests"), Some(r.checks.len().to_string().as_str()));
        for (case, c) in cases.iter().zip(&r.checks) {
            let child = |tag: &str| case.children().find(|n| n.has_tag_name(tag));
            let want = match c.status {
                Status::Passed => None,
                Status::Failed => Some("failure"),
                Status::NotRun => Some("skipped"),
                _ => Some("error"),
            };
            for tag in ["failure", "error", "skipped"] {
                assert_eq!(child(tag).is_some(), want == Some(tag), "{}: <{tag}>", c.id);
            }
            if let Some(f) = child("failure").or_else(|| child("error")) {
                assert_eq!(f.text().unwrap_or(""), c.message, "{}: the failure text is the message", c.id);
            }
            let props: BTreeMap<&str, &str> = child("properties")
                .unwrap()
                .children()
                .filter(|n| n.has_tag_name("property"))
                .map(|n| (n.attribute("name").unwrap(), n.attribute("value").unwrap()))
                .collect();
            assert_eq!(props["check_id"], c.id);
            assert_eq!(props["score"].parse::<f64>().unwrap(), c.score);
            assert_eq!(props["max_score"].parse::<f64>().unwrap(), c.max_score);
        }
    }
    let failures: usize = [alice(), bob()].iter().flat_map(|r| r.checks.clone()).filter(|c| c.status == Status::Failed).count();
    assert_eq!(root.attribute("failures"), Some(failures.to_string().as_str()));
}

#[test]
fn junit_survives_control_characters() {
    let mut r = alice();
    r.checks[1].message = "bell \x07, escape \x1b[31m, nul \0, and ]]> <tag> & \"quotes\"".into();
    let xml = junit::render(&[r.clone()]);
    let doc = roxmltree::Document::parse(&xml).expect("still well-formed");
    let failure = doc.descendants().find(|n| n.has_tag_name("failure")).unwrap();
    assert_eq!(failure.text(), Some("bell \u{FFFD}, escape \u{FFFD}[31m, nul \u{FFFD}, and ]]> <tag> & \"quotes\""));
}

fn redact_times(xml: &str) -> String {
    let mut out = String::new();
    let mut rest = xml;
    while let Some(i) = rest.find("time=\"") {
        out.push_str(&rest[..i + 6]);
        rest = &rest[i + 6..];
        let end = rest.find('"').unwrap_or(0);
        out.push_str("[t]");
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

#[test]
fn junit_xml() {
    insta::assert_snapshot!(redact_times(&junit::render(&[local()])));
}

#[test]
fn github_summary_of_one_submission() {
    insta::assert_snapshot!(github::summary(&[local()]));
}

#[test]
fn github_summary_of_a_batch() {
    insta::assert_snapshot!(github::summary(&[alice(), bob()]));
}

#[test]
fn github_annotations_point_at_the_students_lines() {
    let lines: Vec<String> = github::annotations(&alice(), "submissions/alice").iter().map(|a| a.to_string()).collect();
    insta::assert_snapshot!(lines.join("\n"));
    // A compile error shared by every check is one annotation, not fifteen.
    let bob = github::annotations(&bob(), "");
    assert_eq!(bob.len(), 1, "{bob:?}");
    assert_eq!((bob[0].file.as_str(), bob[0].line, bob[0].level), ("src/lib.rs", 13, github::Level::Error));
    assert!(bob[0].title.ends_with("(and 14 more checks)"), "{}", bob[0].title);
}

#[test]
fn locations_skip_code_blocks_and_unlikely_paths() {
    assert_eq!(github::locations("at `src/a.rs:3` and `src/b.rs:4:9`, `src/a.rs:3` again"), vec![
        ("src/a.rs".to_string(), 3, None),
        ("src/b.rs".to_string(), 4, Some(9))
    ]);
    assert!(github::locations("```text\npanicked at `src/lib.rs:1:1`\n```").is_empty());
    assert!(github::locations("`/etc/passwd.rs:1`, `a b.rs:2`, `src/lib.rs:0`, `lib.rs:x`, `v1:2`").is_empty());
}

#[test]
fn csv_of_a_batch() {
    let ids: Vec<String> = alice().checks.iter().map(|c| c.id.clone()).collect();
    insta::assert_snapshot!(csv::scores(&ids, &[alice(), bob()]));
}

#[test]
fn min_score_counts_the_checks_that_ran() {
    let local = local();
    // 1 of the 16 points that ran locally; the 5 hidden points do not count.
    let judge = |mark: &str| mark.parse::<MinScore>().unwrap().judge(&local);
    assert!(judge("1").is_ok());
    assert!(judge("6.25%").is_ok());
    assert!(judge("0").is_ok());
    insta::assert_snapshot!(judge("50%").unwrap_err(), @"local: 1 / 16 points is below the minimum score of 50% (8 points)");
    insta::assert_snapshot!(judge("1.5").unwrap_err(), @"local: 1 / 16 points is below the minimum score of 1.5 points");
    for bad in ["", "abc", "-1", "101%", "NaN"] {
        assert!(bad.parse::<MinScore>().is_err(), "{bad}");
    }
}

#[test]
fn report_flags_parse_and_forward() {
    let spec: ReportSpec = "junit=out/j.xml".parse().unwrap();
    assert_eq!((spec.format, spec.path.as_deref()), (Format::Junit, Some(std::path::Path::new("out/j.xml"))));
    assert_eq!("github".parse::<ReportSpec>().unwrap(), ReportSpec { format: Format::Github, path: None });
    insta::assert_snapshot!("junit".parse::<ReportSpec>().unwrap_err(), @"--report junit needs a file: --report junit=PATH");
    insta::assert_snapshot!("yaml=x".parse::<ReportSpec>().unwrap_err(), @"unknown format `yaml`: use one of human, json, junit, markdown, github, gradescope, csv, classroom");
    assert_eq!("classroom".parse::<ReportSpec>().unwrap(), ReportSpec { format: Format::Classroom, path: None }, "$GITHUB_OUTPUT by default");
    let args = ReportArgs {
        format: Format::Junit,
        reports: vec![spec, "github".parse().unwrap()],
        min_score: Some("60%".parse().unwrap()),
    };
    assert_eq!(args.to_args(), ["--format", "junit", "--report", "junit=out/j.xml", "--report", "github", "--min-score", "60%"]);
}

#[test]
fn emit_writes_every_requested_file() {
    let tmp = tempfile::tempdir().unwrap();
    let file = |name: &str| tmp.path().join(name);
    let args = ReportArgs {
        format: Format::Json,
        reports: ["junit", "json", "markdown", "csv", "gradescope", "human", "classroom"]
            .iter()
            .map(|f| format!("{f}={}", file(f).display()).parse().unwrap())
            .chain(std::iter::once(format!("github={}", file("summary.md").display()).parse().unwrap()))
            .collect(),
        min_score: Some("50%".parse().unwrap()),
    };
    let ctx = Context { batch: false, style: Style::PLAIN, source_prefix: BTreeMap::new() };
    std::fs::write(file("summary.md"), "earlier step\n").unwrap();
    let outcome = output::emit(&args, &[local()], &ctx).unwrap();
    assert_eq!(outcome.below_min_score, ["local: 1 / 16 points is below the minimum score of 50% (8 points)"]);
    let read = |name: &str| std::fs::read_to_string(file(name)).unwrap();
    roxmltree::Document::parse(&read("junit")).unwrap();
    let json: Vec<SubmissionReport> = serde_json::from_str(&read("json")).unwrap();
    assert_eq!(json, vec![local()]);
    assert_eq!(read("markdown"), github::summary(&[local()]));
    assert!(read("csv").starts_with("name,score,max_score,passes,"));
    assert!(schema_errors(&schema_validator(), &serde_json::from_str(&read("gradescope")).unwrap()).is_empty());
    assert!(!read("human").contains('\x1b'));
    let document = decode_classroom(read("classroom").trim());
    assert!(schema_errors(&classroom_validator(), &document).is_empty());
    assert_eq!(document["max_score"], 16.0, "the points of the checks that ran");
    // The job summary is appended to what earlier steps wrote.
    assert_eq!(read("summary.md"), format!("earlier step\n{}", github::summary(&[local()])));
    // Gradescope's format holds one submission.
    let args = ReportArgs { reports: vec![format!("gradescope={}", file("g").display()).parse().unwrap()], ..Default::default() };
    let err = output::emit(&args, &[alice(), bob()], &Context { batch: true, ..ctx }).unwrap_err();
    insta::assert_snapshot!(err, @"the gradescope format holds one submission, but 2 were graded: grade one submission, or use OUT/<name>/results.json");
}

/// Decodes a PNG into (width, height, RGB bytes).
fn decode_png(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().expect("a PNG header");
    let mut buf = vec![0; reader.output_buffer_size().expect("a size")];
    let info = reader.next_frame(&mut buf).expect("a PNG frame");
    assert_eq!(info.color_type, png::ColorType::Rgb);
    buf.truncate(info.buffer_size());
    (info.width, info.height, buf)
}

fn count_color(rgb: &[u8], color: [u8; 3]) -> usize {
    rgb.chunks_exact(3).filter(|p| *p == color).count()
}

/// Pixels within 4 of `color` in every channel (blended colours round either way).
fn count_near(rgb: &[u8], color: [u8; 3]) -> usize {
    rgb.chunks_exact(3).filter(|p| p.iter().zip(color).all(|(&a, b)| a.abs_diff(b) <= 4)).count()
}

/// Where the plots of these tests are kept, for a person to look at.
fn plot_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target/gradwork-plots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

#[test]
fn training_curves_render_as_svg_and_png() {
    use gradwork::plot::{training_curves, Plot};
    let student: Vec<f64> = (0..20).map(|e| 2.3 * (-0.08 * e as f64).exp() + 0.4).collect();
    let reference: Vec<f64> = (0..20).map(|e| 2.3 * (-0.25 * e as f64).exp() + 0.05).collect();
    let plot = training_curves("loss", &student, &reference);
    let svg = plot.svg().unwrap();
    for text in ["Loss per epoch: your model and the reference", "your model", "reference", "epoch"] {
        assert!(svg.contains(text), "the SVG shows `{text}`");
    }
    let png = plot.png().unwrap();
    std::fs::write(plot_dir().join("training-loss.png"), &png).unwrap();
    let (w, h, rgb) = decode_png(&png);
    assert_eq!((w, h), (800, 480));
    // Both lines are drawn: the student's in blue, the reference's as a faded blue band under it.
    assert!(count_color(&rgb, [31, 119, 180]) > 500, "the student's line");
    assert!(count_near(&rgb, [188, 214, 233]) > 300, "the reference's band");
    // Text is drawn with the bundled font: dark pixels that are not lines exist in the title band.
    let title_band = &rgb[..(w as usize * 30 * 3)];
    assert!(title_band.chunks_exact(3).any(|p| p[0] < 100 && p[1] < 100 && p[2] < 100), "the title is drawn");
}

#[test]
fn a_diverged_curve_still_plots_and_says_what_was_left_out() {
    use gradwork::plot::{training_curves, Plot};
    let plot = training_curves("loss", &[2.0, 1.5, f64::NAN, f64::INFINITY], &[2.0, 1.0, 0.5, 0.25]);
    let svg = plot.svg().unwrap();
    assert!(svg.contains("(2 NaN/inf values left out)"));
    assert!(plot.png().is_ok());
    let empty = training_curves("loss", &[f64::NAN], &[]);
    insta::assert_snapshot!(empty.svg().unwrap_err(), @"nothing to plot: `Loss per epoch: your model and the reference` has no finite points");
}

#[test]
fn decision_boundaries_render_side_by_side() {
    use gradwork::plot::{BoundaryPlot, Grid, Plot};
    // Two moons-like classes split by a curve; the student's model splits them by a straight line.
    let (nx, ny) = (60, 40);
    let cell = |i: usize, j: usize| (-1.5 + 4.0 * (i as f64 + 0.5) / nx as f64, -1.0 + 2.5 * (j as f64 + 0.5) / ny as f64);
    let grid = |f: &dyn Fn(f64, f64) -> i64| Grid {
        nx,
        ny,
        classes: (0..nx * ny).map(|k| {
            let (x, y) = cell(k % nx, k / nx);
            f(x, y)
        }).collect(),
    };
    let reference = grid(&|x, y| i64::from(y < 0.6 * (x - 0.5).powi(2) - 0.3));
    let student = grid(&|_, y| i64::from(y < 0.2));
    let mut rng = 7u64;
    let mut next = || {
        rng = rng.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        (rng >> 11) as f64 / (1u64 << 53) as f64
    };
    let points: Vec<(f64, f64, i64)> = (0..120)
        .map(|k| {
            let t = std::f64::consts::PI * next();
            let class = (k % 2) as i64;
            let (x, y) = if class == 0 { (t.cos(), t.sin()) } else { (1.0 - t.cos(), 0.5 - t.sin()) };
            (x + 0.1 * (next() - 0.5), y + 0.1 * (next() - 0.5), class)
        })
        .collect();
    let plot = BoundaryPlot {
        title: "Decision boundary on the validation set".into(),
        x_range: (-1.5, 2.5),
        y_range: (-1.0, 1.5),
        panels: vec![("your model".into(), student), ("reference".into(), reference)],
        points,
    };
    let png = plot.png().unwrap();
    std::fs::write(plot_dir().join("decision-boundary.png"), &png).unwrap();
    let (w, h, rgb) = decode_png(&png);
    assert_eq!((w, h), (920, 500));
    assert!(count_color(&rgb, [31, 119, 180]) > 100 && count_color(&rgb, [255, 127, 14]) > 100, "points of both classes");
    assert!(plot.svg().unwrap().contains("your model"));
    let broken = BoundaryPlot { panels: vec![("x".into(), Grid { nx: 2, ny: 2, classes: vec![0; 3] })], ..plot };
    insta::assert_snapshot!(broken.png().unwrap_err(), @"panel `x`: 3 classes for a 2×2 grid");
}

/// Holds gradwork's build lock (`<build dir>/.gradwork-build.lock`, the one
/// `workspace::build` takes) while cargo builds a student crate into the
/// shared build directory: grading removes the artifacts a submission build
/// leaves there, and must not remove this build's while it runs.
fn build_lock(build_dir: &std::path::Path) -> std::fs::File {
    use std::os::fd::AsRawFd;
    std::fs::create_dir_all(build_dir).unwrap();
    let file = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(build_dir.join(".gradwork-build.lock")).unwrap();
    // SAFETY: flock on a descriptor we own; released when the file is closed.
    assert_eq!(unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) }, 0);
    file
}

/// The tests that build and grade take turns: grading has wall-clock limits
/// per check, which a parallel build on a small machine could eat.
static TURNS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// The course and a command of cargo that builds into the shared `target/gradwork`.
fn course_cargo() -> (gradwork::course::Course, std::process::Command) {
    let course = gradwork::course::Course::at(env!("CARGO_MANIFEST_DIR"));
    let mut cmd = gradwork::cargo::command(&course.build_dir());
    cmd.current_dir(course.root());
    (course, cmd)
}

#[test]
fn a_students_cargo_test_speaks_junit_github_and_min_score() {
    let _turn = TURNS.lock().unwrap_or_else(|e| e.into_inner());
    let (course, mut cargo) = course_cargo();
    let tmp = tempfile::tempdir().unwrap();
    let summary = tmp.path().join("summary.md");
    let step_output = tmp.path().join("output");
    let _lock = build_lock(&course.build_dir());
    let output = cargo
        .args(["test", "--quiet", "-p", "a01-tensors", "--", "--format", "junit", "--report", "github", "--report", "classroom", "--min-score", "10%"])
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_OUTPUT", &step_output)
        .env("GITHUB_WORKSPACE", course.root())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    // The stub scores 0 of the 31 visible points: below 10%, so the policy fails the run.
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("local: 0 / 31 points is below the minimum score of 10% (3.1 points)"), "{stderr}");
    // stdout is nothing but the JUnit document.
    let doc = roxmltree::Document::parse(&stdout).unwrap_or_else(|e| panic!("{e}:\n{stdout}"));
    let cases = doc.descendants().filter(|n| n.has_tag_name("testcase")).count();
    let skipped = doc.descendants().filter(|n| n.has_tag_name("skipped")).count();
    assert_eq!((cases, skipped), (33, 14));
    // The annotations (on stderr here) point into the student's crate from the repository root.
    let notice = stderr.lines().find(|l| l.starts_with("::notice file=assignments/a01-tensors/src/lib.rs,line=")).unwrap_or_else(|| panic!("{stderr}"));
    assert!(notice.contains("is not implemented yet"), "{notice}");
    let summary = std::fs::read_to_string(&summary).unwrap();
    assert!(summary.starts_with("## a01-tensors · local: 0 / 31 points\n"), "{summary}");
    // GitHub Classroom's reporter reads the step output `result`: 0 of the 31 visible points.
    let step_output = std::fs::read_to_string(&step_output).unwrap();
    let encoded = step_output.strip_prefix("result=").unwrap_or_else(|| panic!("{step_output}"));
    let document = decode_classroom(encoded.trim_end());
    assert!(schema_errors(&classroom_validator(), &document).is_empty());
    assert_eq!((document["max_score"].as_f64(), document["tests"].as_array().map(Vec::len)), (Some(31.0), Some(19)));
    let first = &document["tests"][0];
    assert_eq!((first["status"].as_str(), first["filename"].as_str()), (Some("error"), Some("assignments/a01-tensors/src/lib.rs")));
    assert!(first["line_no"].as_u64().is_some_and(|l| l > 0), "the line of the `todo!()`: {first}");
}

#[test]
fn gradwork_grade_speaks_github_and_min_score() {
    let _turn = TURNS.lock().unwrap_or_else(|e| e.into_inner());
    let (course, _) = course_cargo();
    let tmp = tempfile::tempdir().unwrap();
    let list = gradwork::samples::load(&course, "a01-tensors").unwrap();
    let sample = list.iter().find(|s| s.name == "panics").unwrap();
    gradwork::samples::materialize(&course, "a01-tensors", sample, &tmp.path().join("subs/panics")).unwrap();
    let summary = tmp.path().join("summary.md");
    let junit = tmp.path().join("junit.xml");
    let classroom_file = tmp.path().join("classroom.b64");
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_gradwork"))
        .current_dir(tmp.path())
        // A generous time limit: this test is about the reports, not about speed on a busy machine.
        .args(["grade", "a01-tensors", "subs/panics", "--out", "out", "--time-limit", "120", "--format", "github", "--min-score", "100%", "--report"])
        .arg(format!("junit={}", junit.display()))
        .arg("--report")
        .arg(format!("classroom={}", classroom_file.display()))
        .env("GITHUB_STEP_SUMMARY", &summary)
        .env("GITHUB_WORKSPACE", tmp.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "below 100%: {stderr}");
    let results = std::fs::read_to_string(tmp.path().join("out/panics/results.json")).unwrap();
    let value: serde_json::Value = serde_json::from_str(&results).unwrap();
    let not_passed: Vec<String> = value["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] != "passed")
        .map(|t| format!("{}: {}", t["extra_data"]["check_id"].as_str().unwrap(), t["output"].as_str().unwrap()))
        .collect();
    assert_eq!(not_passed.len(), 1, "only count-true fails: {not_passed:#?}");
    assert!(stderr.contains("panics: 51 / 52 points is below the minimum score of 100% (52 points)"), "{stderr}");
    let line = gradwork::report::github::locations(&results)
        .into_iter()
        .next()
        .map(|(_, line, _)| line)
        .expect("the panic's location is in results.json");
    let annotation = format!("::error file=subs/panics/src/lib.rs,line={line},");
    assert!(stdout.starts_with(&annotation), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("panics ") && l.contains(" 51 / 52 ")), "the score table follows:\n{stdout}");
    assert!(std::fs::read_to_string(&summary).unwrap().contains("| ⚠️ | Exercise 12: counts the true entries of a mask (12 for arange(36)) | 0 / 1 | error |"));
    roxmltree::Document::parse(&std::fs::read_to_string(&junit).unwrap()).unwrap();
    // Every check ran: the hidden ones count, unnamed, and only count-true lost its point.
    let document = decode_classroom(std::fs::read_to_string(&classroom_file).unwrap().trim());
    assert!(schema_errors(&classroom_validator(), &document).is_empty());
    let tests = document["tests"].as_array().unwrap();
    let score: f64 = tests.iter().map(|t| t["score"].as_f64().unwrap()).sum();
    let rubric = gradwork::course::Course::at(env!("CARGO_MANIFEST_DIR")).rubric("a01-tensors").expect("a01's rubric");
    let lost = rubric.check("count-true").expect("count-true").points;
    let hidden = rubric.checks.iter().filter(|c| !c.visibility.runs_locally()).count();
    assert_eq!((score, document["max_score"].as_f64(), tests.len()), (rubric.max_score() - lost, Some(rubric.max_score()), rubric.checks.len()));
    assert_eq!(tests.iter().filter(|t| t["name"].as_str().unwrap().starts_with("hidden check ")).count(), hidden);
    assert_eq!(document["status"], "error", "a panic is an error, not a wrong answer");
}

#[test]
fn feedback_embeds_the_plots_a_check_attached() {
    use gradwork::result::Attachment;
    let mut r = alice();
    let png = |name: &str| Attachment { file_name: name.into(), caption: "Training loss: yours | the reference's".into(), bytes: vec![1] };
    r.checks[0].attachments = vec![png("loss.png"), Attachment { file_name: "loss.svg".into(), caption: String::new(), bytes: vec![2] }, png("curves.csv")];
    // A hidden check's plot is not shown.
    r.checks[12].attachments = vec![png("secret.png")];
    let md = gradwork::report::feedback::render(&r);
    let plots = &md[md.find("## Plots").expect("a plots section")..];
    insta::assert_snapshot!(plots, @r"
    ## Plots

    ### Exercise passes

    ![Training loss: yours \| the reference's](loss.png) ([SVG](loss.svg))
    ");
}
