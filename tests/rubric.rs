//! Rubric files: valid ones load, broken ones get an error that names the
//! file, the place and what to fix.

use gradwork::rubric::Rubric;

const GOOD: &str = r#"
format_version = 1
assignment = "a00-demo"
title = "Demo"

[limits]
time_per_check_s = 5

[[forbidden]]
api = "cdist"
reason = "build it yourself"
checks = ["b"]

[[check]]
id = "a"
title = "first"
points = 2

[[check]]
id = "b"
title = "second"
points = 3
visibility = "hidden"
rtol = 1e-3
time_limit_s = 9
"#;

fn error(text: &str) -> String {
    Rubric::parse(text, "graders/a00-demo/rubric.toml").expect_err("invalid rubric").to_string()
}

#[test]
fn a_valid_rubric_loads_with_defaults() {
    let r = Rubric::parse(GOOD, "rubric.toml").expect("valid");
    assert_eq!(r.max_score(), 5.0);
    assert_eq!(r.allowed_files, vec!["src/**/*.rs".to_string()]);
    let b = r.check("b").expect("b");
    assert_eq!(r.time_limit(b), 9.0);
    assert_eq!(r.time_limit(r.check("a").expect("a")), 5.0);
    assert_eq!(b.tolerance().map(|t| (t.rtol, t.atol)), Some((1e-3, 0.0)));
    assert!(!b.visibility.runs_locally());
}

#[test]
fn every_course_rubric_is_valid() {
    let course = gradwork::course::Course::at(env!("CARGO_MANIFEST_DIR"));
    for id in course.assignments() {
        course.rubric(&id).unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn toml_syntax_errors_name_file_and_line() {
    let text = error("format_version = 1\nassignment = \"x\"\ntitle = \n");
    assert!(text.starts_with("graders/a00-demo/rubric.toml: "), "{text}");
    assert!(text.contains("line 3"), "{text}");
}

#[test]
fn unknown_fields_are_rejected_not_ignored() {
    let text = error(&GOOD.replace("points = 2", "points = 2\npoints_bonus = 1"));
    assert!(text.contains("points_bonus"), "{text}");
}

#[test]
fn semantic_errors_say_what_to_fix() {
    insta::assert_snapshot!(error(&GOOD.replace("id = \"b\"", "id = \"a\"")), @"graders/a00-demo/rubric.toml: check id `a` appears twice: ids must be unique");
    insta::assert_snapshot!(error(&GOOD.replace("points = 3", "points = -1")), @"graders/a00-demo/rubric.toml: check `b` has points = -1: points must be a number ≥ 0");
    insta::assert_snapshot!(error(&GOOD.replace("checks = [\"b\"]", "checks = [\"c\"]")), @"graders/a00-demo/rubric.toml: [[forbidden]] `cdist` names check `c`, which the rubric does not define");
    insta::assert_snapshot!(error(&GOOD.replace("format_version = 1", "format_version = 2")), @"graders/a00-demo/rubric.toml: format_version = 2 but this gradwork reads version 1: update gradwork or the rubric");
    insta::assert_snapshot!(error(&GOOD.replace("points = 2", "points = 2\ntolerance_why = \"students may expand the squares\"")), @"graders/a00-demo/rubric.toml: check `a` has tolerance_why but no rtol or atol: give the tolerance it explains, or drop it");
}
