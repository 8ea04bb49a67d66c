//! Every output format, written from one report that holds every class of
//! failure message the harness produces: terminal (plain and coloured),
//! Gradescope results.json (validated against Gradescope's schema),
//! JUnit XML, the GitHub job summary and annotations, CSV, JSON, and the
//! `--min-score` policy. The messages are made by the real message code
//! (`suite::describe`, `grade::build_failure_message`, forbidden-API
//! violations), so a change of wording shows up here as a snapshot diff.

use gradwork::cargo::CargoError;
use gradwork::compare::{compare_tensors, CompareOptions};
use gradwork::forbidden::Violation;
use gradwork::report::output::{self, Context, Format, ReportArgs, ReportSpec};
use gradwork::report::policy::MinScore;
use gradwork::report::terminal::{ColorChoice, Style};
use gradwork::report::{csv, github, gradescope, junit};
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
    let cases: [(&[(&str, &str)], ColorChoice, bool, bool); 9] = [
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
    insta::assert_snapshot!("yaml=x".parse::<ReportSpec>().unwrap_err(), @"unknown format `yaml`: use one of human, json, junit, markdown, github, gradescope, csv");
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
        reports: ["junit", "json", "markdown", "csv", "gradescope", "human"]
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
    // The job summary is appended to what earlier steps wrote.
    assert_eq!(read("summary.md"), format!("earlier step\n{}", github::summary(&[local()])));
    // Gradescope's format holds one submission.
    let args = ReportArgs { reports: vec![format!("gradescope={}", file("g").display()).parse().unwrap()], ..Default::default() };
    let err = output::emit(&args, &[alice(), bob()], &Context { batch: true, ..ctx }).unwrap_err();
    insta::assert_snapshot!(err, @"the gradescope format holds one submission, but 2 were graded: grade one submission, or use OUT/<name>/results.json");
}
