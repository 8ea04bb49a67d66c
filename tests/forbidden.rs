//! Forbidden APIs are found in code, with file and line, and not in comments or strings.

use gradwork::forbidden::{find_identifier, scan};
use gradwork::glob::matches;
use gradwork::rubric::ForbiddenApi;

#[test]
fn identifiers_are_found_only_in_code() {
    let src = "\
// backward is forbidden here
/* and here: x.backward()
   nested /* backward */ still comment */
let s = \"backward\";
let t = loss.backward(); // the real one
let u = backward_pass(x);
x.backward()";
    assert_eq!(find_identifier(src, "backward"), vec![5, 7]);
}

#[test]
fn scan_reports_file_line_and_scope() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::create_dir_all(dir.path().join("src")).expect("mkdir");
    std::fs::write(dir.path().join("src/mlp.rs"), "fn f() {\n    loss.backward();\n}\n").expect("write");
    std::fs::write(dir.path().join("src/warmup.rs"), "fn g() { y.backward(); }\n").expect("write");
    let rule = ForbiddenApi {
        api: "backward".into(),
        reason: "write the backward pass by hand".into(),
        files: vec!["src/mlp.rs".into()],
        checks: vec!["mlp-grads".into()],
    };
    let files = vec!["src/mlp.rs".to_string(), "src/warmup.rs".to_string()];
    let found = scan(dir.path(), &files, &[rule]);
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!((found[0].file.as_str(), found[0].line), ("src/mlp.rs", 2));
    assert!(found[0].affects("mlp-grads") && !found[0].affects("warmup"));
    insta::assert_snapshot!(found[0].message(), @"Uses `backward` at `src/mlp.rs:2` (`loss.backward();`), which this assignment forbids: write the backward pass by hand");
}

#[test]
fn globs_match_components() {
    assert!(matches("src/**/*.rs", "src/a/b/c.rs"));
    assert!(matches("src/*.rs", "src/lib.rs"));
    assert!(!matches("src/*.rs", "src/a/lib.rs"));
    assert!(!matches("src/**/*.rs", "tests/x.rs"));
    assert!(matches("**/build.rs", "build.rs"));
    assert!(matches("data/?.csv", "data/a.csv"));
}
