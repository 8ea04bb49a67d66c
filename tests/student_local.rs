//! What a student sees from `cargo test -p a01-tensors` on the stub: one line
//! per check with points, the messages, the total, and the hidden checks
//! that did not run.

use gradwork::course::Course;

#[test]
fn the_stub_report_lists_every_check_and_the_hidden_count() {
    let course = Course::at(env!("CARGO_MANIFEST_DIR"));
    // Its own target directory: this test runs inside `cargo test`, which holds `target/`.
    // That one is shared with graders, whose lock keeps them from removing what this build makes.
    let build_dir = course.build_dir();
    std::fs::create_dir_all(&build_dir).expect("build directory");
    let lock = gradwork::workspace::BuildLock::acquire(&build_dir).expect("build lock");
    let output = gradwork::cargo::command(&course.build_dir())
        .current_dir(course.root())
        .args(["test", "--quiet", "-p", "a01-tensors", "--", "--seed", "7"])
        .env("NO_COLOR", "1")
        .output()
        .expect("cargo runs");
    drop(lock);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success(), "the stub must fail its checks:\n{stdout}");
    // The first line names versions and the device, which differ between machines.
    let body: Vec<&str> = stdout.lines().skip(1).collect();
    insta::assert_snapshot!(body.join("\n"));
}
