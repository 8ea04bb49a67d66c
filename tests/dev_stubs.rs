//! Stubs from solution markers: the transformation, its errors, drift
//! detection, `gradwork dev stubs` on a course, and the real course in sync.

use gradwork::course::Course;
use gradwork::dev::stubs::{self, drift, stub_source, Drift, MarkerError};
use std::fs;
use std::path::Path;
use std::process::Command;

#[test]
fn a_region_becomes_todo_with_the_begin_lines_indentation() {
    let reference = "\
fn f(x: i64) -> i64 {
    if x > 0 {
        // BEGIN SOLUTION: double it
        let y = x * 2;
        y
        // END SOLUTION
    } else {
        0
    }
}
";
    insta::assert_snapshot!(stub_source(reference).unwrap(), @r"
    fn f(x: i64) -> i64 {
        if x > 0 {
            // TODO: double it
            todo!()
        } else {
            0
        }
    }
    ");
}

#[test]
fn the_one_line_form_and_markers_without_text() {
    let reference = "\
fn a() -> i64 {
    1 + 1 // SOLUTION: add
}
fn b() -> i64 {
\t2 // SOLUTION
}
fn c() -> i64 {
    // BEGIN SOLUTION
    3
    // END SOLUTION
}
";
    let expected = "\
fn a() -> i64 {
    // TODO: add
    todo!()
}
fn b() -> i64 {
\ttodo!()
}
fn c() -> i64 {
    todo!()
}
";
    assert_eq!(stub_source(reference).unwrap(), expected);
}

#[test]
fn other_lines_are_copied_byte_for_byte() {
    // CRLF line ends, no final newline, comments that only look like markers.
    let reference = "//! docs\r\n// SOLUTIONS are elsewhere\r\nfn x() {}\r\nconst S: &str = \"a\";";
    assert_eq!(stub_source(reference).unwrap(), reference);
    assert!(!stubs::has_markers(reference));
    assert!(stubs::has_markers("    y // SOLUTION: z"));
}

#[test]
fn malformed_markers_name_the_line() {
    let cases = [
        ("fn f() {\n    // BEGIN SOLUTION: x\n    1\n}\n", MarkerError::Unclosed { line: 2 }),
        ("fn f() {\n    1\n    // END SOLUTION\n}\n", MarkerError::UnexpectedEnd { line: 3 }),
        ("// BEGIN SOLUTION\n// BEGIN SOLUTION\n// END SOLUTION\n", MarkerError::Nested { line: 2, open: 1 }),
        ("let x = 1; // BEGIN SOLUTION: y\n", MarkerError::NotAlone { line: 1, marker: "// BEGIN SOLUTION" }),
    ];
    let mut messages = String::new();
    for (source, expected) in cases {
        let err = stub_source(source).unwrap_err();
        assert_eq!(err, expected);
        messages.push_str(&format!("{err}\n"));
    }
    insta::assert_snapshot!(messages, @r"
    line 2: `// BEGIN SOLUTION` is never closed: add `// END SOLUTION` after the solution
    line 3: `// END SOLUTION` without a `// BEGIN SOLUTION` before it
    line 2: `// BEGIN SOLUTION` inside the region opened on line 1: regions cannot nest
    line 1: `// BEGIN SOLUTION` must be alone on its line (only indentation before it)
    ");
}

/// A course with one assignment `a00-demo`: a reference with markers and its stub.
fn demo_course(root: &Path) -> Course {
    let write = |rel: &str, text: &str| {
        let path = root.join(rel);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, text).unwrap();
    };
    write("Cargo.toml", "[workspace]\n");
    write(
        "graders/a00-demo/rubric.toml",
        "format_version = 1\nassignment = \"a00-demo\"\ntitle = \"Demo\"\n[[check]]\nid = \"two\"\ntitle = \"two\"\npoints = 1\n",
    );
    write("reference/a00-demo/src/lib.rs", "pub fn two() -> i64 {\n    1 + 1 // SOLUTION: add one and one\n}\n");
    write("reference/a00-demo/src/net/mod.rs", "pub fn three() -> i64 {\n    // BEGIN SOLUTION\n    3\n    // END SOLUTION\n}\n");
    write("reference/a00-demo/src/data.txt", "1 2 3\n");
    write("assignments/a00-demo/src/lib.rs", "pub fn two() -> i64 {\n    // TODO: add one and one\n    todo!()\n}\n");
    write("assignments/a00-demo/src/net/mod.rs", "pub fn three() -> i64 {\n    todo!()\n}\n");
    write("assignments/a00-demo/src/data.txt", "1 2 3\n");
    Course::at(root)
}

#[test]
fn drift_names_the_file_and_shows_a_diff() {
    let tmp = tempfile::tempdir().unwrap();
    let course = demo_course(tmp.path());
    assert_eq!(drift(&course, "a00-demo").unwrap(), vec![]);

    // A hand edit of a stub, a missing file and a stray file.
    fs::write(tmp.path().join("assignments/a00-demo/src/lib.rs"), "pub fn two() -> i64 {\n    todo!()\n}\n").unwrap();
    fs::remove_file(tmp.path().join("assignments/a00-demo/src/data.txt")).unwrap();
    fs::write(tmp.path().join("assignments/a00-demo/src/extra.rs"), "").unwrap();
    let found = drift(&course, "a00-demo").unwrap();
    assert_eq!(found.len(), 3, "{found:?}");
    assert!(matches!(&found[0], Drift::Missing { path } if path == "assignments/a00-demo/src/data.txt"));
    assert!(matches!(&found[1], Drift::Changed { path, .. } if path == "assignments/a00-demo/src/lib.rs"));
    assert!(matches!(&found[2], Drift::Extra { path } if path == "assignments/a00-demo/src/extra.rs"));
    let text: Vec<String> = found.iter().map(|d| d.to_string()).collect();
    insta::assert_snapshot!(text.join("\n"), @r"
    assignments/a00-demo/src/data.txt is missing (the reference has it)
    assignments/a00-demo/src/lib.rs differs from what `gradwork dev stubs` writes:
    --- assignments/a00-demo/src/lib.rs (on disk)
    +++ assignments/a00-demo/src/lib.rs (generated by `gradwork dev stubs`)
    @@ -1,3 +1,4 @@
     pub fn two() -> i64 {
    +    // TODO: add one and one
         todo!()
     }

    assignments/a00-demo/src/extra.rs exists but the reference has no such file
    ");
}

#[test]
fn dev_stubs_rewrites_the_stub_and_removes_stray_files() {
    let tmp = tempfile::tempdir().unwrap();
    let course = demo_course(tmp.path());
    fs::write(tmp.path().join("assignments/a00-demo/src/lib.rs"), "stale").unwrap();
    fs::write(tmp.path().join("assignments/a00-demo/src/extra.rs"), "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_gradwork"))
        .arg("--course")
        .arg(tmp.path())
        .args(["dev", "stubs", "a00-demo"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stdout), @r"
    a00-demo: wrote assignments/a00-demo/src/lib.rs
    a00-demo: removed assignments/a00-demo/src/extra.rs (the reference has no such file)
    ");
    assert_eq!(drift(&course, "a00-demo").unwrap(), vec![]);
}

#[test]
fn dev_stubs_refuses_a_malformed_reference_and_names_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    demo_course(tmp.path());
    fs::write(tmp.path().join("reference/a00-demo/src/lib.rs"), "fn f() {\n    // BEGIN SOLUTION\n}\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_gradwork"))
        .arg("--course")
        .arg(tmp.path())
        .args(["dev", "stubs"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr).replace(&tmp.path().display().to_string(), "[course]");
    insta::assert_snapshot!(stderr, @"error: [course]/reference/a00-demo/src/lib.rs: line 2: `// BEGIN SOLUTION` is never closed: add `// END SOLUTION` after the solution");
    // Nothing was written.
    let stub = fs::read_to_string(tmp.path().join("assignments/a00-demo/src/lib.rs")).unwrap();
    assert!(stub.contains("TODO: add one and one"));
}

#[test]
fn every_assignment_of_the_course_has_its_stub_in_sync() {
    let course = Course::at(env!("CARGO_MANIFEST_DIR"));
    for id in course.assignments() {
        let src = course.reference_dir(&id).join("src");
        let marked = gradwork::workspace::list_files(&src)
            .unwrap()
            .iter()
            .any(|rel| stubs::has_markers(&fs::read_to_string(src.join(rel)).unwrap_or_default()));
        assert!(marked, "{id}: reference/{id}/src has no solution markers, so its stub would be the solution");
        let found = drift(&course, &id).unwrap();
        let text: Vec<String> = found.iter().map(|d| d.to_string()).collect();
        assert!(found.is_empty(), "{id}: run `gradwork dev stubs {id}`:\n{}", text.join("\n"));
    }
}
