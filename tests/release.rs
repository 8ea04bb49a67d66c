//! `gradwork release`: the student folder holds no reference code and no
//! hidden checks, and still runs its public checks; the Gradescope bundle's
//! `run_autograder` grades a submission in a fake `/autograder` layout.

use gradwork::course::Course;
use gradwork::dev::release::{self, ReleaseError, Withheld};
use gradwork::dev::stubs;
use gradwork::result::{Status, SubmissionReport, Visibility};
use gradwork::rubric::Rubric;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

const ID: &str = "a01-tensors";

fn course() -> Course {
    Course::at(env!("CARGO_MANIFEST_DIR"))
}

/// Every file under `dir` with its text (binary files skipped).
fn texts(dir: &Path) -> Vec<(String, String)> {
    gradwork::workspace::list_files(dir)
        .unwrap()
        .into_iter()
        .filter_map(|rel| fs::read_to_string(dir.join(&rel)).ok().map(|t| (rel, t)))
        .collect()
}

/// Lines of the reference's solution regions that no grader source contains
/// (an oracle may compute the same expression; that is not reference-only).
fn reference_only_lines(course: &Course) -> Vec<String> {
    // Planted bugs quote the reference as they edit it, but samples.toml is never released.
    let graders: String =
        texts(&course.root().join("graders")).into_iter().filter(|(rel, _)| !rel.ends_with("samples.toml")).map(|(_, t)| t).collect();
    let mut lines = Vec::new();
    for (_, text) in texts(&course.reference_dir(ID).join("src")) {
        let mut inside = false;
        for line in text.lines() {
            let t = line.trim();
            if t.starts_with("// BEGIN SOLUTION") {
                inside = true;
            } else if t.starts_with("// END SOLUTION") {
                inside = false;
            } else if inside {
                lines.push(t.to_string());
            } else if let Some((code, _)) = line.split_once("// SOLUTION") {
                lines.push(code.trim().to_string());
            }
        }
    }
    lines.retain(|l| l.len() >= 12 && !graders.contains(l.as_str()));
    lines
}

/// Names of the functions registered for hidden checks in the course's grader.
fn hidden_functions(course: &Course, withheld: &[Withheld]) -> Vec<String> {
    let lib = fs::read_to_string(course.grader_dir(ID).join("src/lib.rs")).unwrap();
    withheld
        .iter()
        .map(|w| {
            let call = format!(".check(\"{}\", ", w.id);
            let at = lib.find(&call).unwrap_or_else(|| panic!("`{call}` in the grader")) + call.len();
            let path = &lib[at..at + lib[at..].find(')').unwrap()];
            path.rsplit("::").next().unwrap().to_string()
        })
        .collect()
}

#[test]
fn the_student_release_holds_no_reference_code_and_no_hidden_checks() {
    let course = course();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("a01");
    release::student(&course, ID, &dest).unwrap();
    let files = texts(&dest);
    let withheld = release::withheld_checks(&course, ID).unwrap();
    assert_eq!(withheld.len(), 14, "a01 has fourteen hidden checks");
    let functions = hidden_functions(&course, &withheld);
    let solution = reference_only_lines(&course);
    assert!(solution.len() >= 15, "only {} reference-only lines to look for", solution.len());
    for (rel, text) in &files {
        assert!(!rel.starts_with("reference/") && !rel.ends_with("samples.toml") && !rel.ends_with("mutants.toml"), "{rel} must not be released");
        for w in &withheld {
            assert!(!text.contains(&format!("\"{}\"", w.id)), "{rel} names the hidden check `{}`", w.id);
            assert!(!text.contains(&w.title), "{rel} holds the title of `{}`", w.id);
        }
        for f in &functions {
            assert!(!text.contains(&format!("fn {f}(")), "{rel} holds the hidden check function `{f}`");
        }
        for line in &solution {
            assert!(!text.contains(line.as_str()), "{rel} holds reference code: `{line}`");
        }
    }
    // The stubs are what `dev stubs` writes, and they differ from the reference.
    for file in stubs::generate(&course, ID).unwrap() {
        let shipped = fs::read(dest.join("assignments").join(ID).join("src").join(&file.rel)).unwrap();
        assert_eq!(shipped, file.contents, "{}", file.rel);
    }
    // The public rubric is valid, worth the same, and shows the hidden checks only as such.
    let original = course.rubric(ID).unwrap();
    let public = Rubric::load(&dest.join("graders").join(ID).join("rubric.toml")).unwrap();
    assert_eq!(public.max_score(), original.max_score());
    let hidden: Vec<(&str, f64, Visibility)> =
        public.checks.iter().filter(|c| c.visibility != Visibility::Visible).map(|c| (c.id.as_str(), c.points, c.visibility)).collect();
    let points = [1.0, 1.0, 1.0, 2.0, 2.0, 2.0, 1.0, 2.0, 1.0, 2.0, 2.0, 2.0, 1.0, 1.0];
    let names: Vec<String> = (1..=points.len()).map(|i| format!("hidden-{i}")).collect();
    let want: Vec<(&str, f64, Visibility)> = names.iter().zip(points).map(|(n, p)| (n.as_str(), p, Visibility::Hidden)).collect();
    assert_eq!(hidden, want);
    // The handout, the harness and the student workflow are there.
    for rel in ["README.md", "Makefile", "Cargo.lock", "tools/setup_libtorch.py", "assignments/a01-tensors/README.md", "assignments/a01-tensors/tests/checks.rs"] {
        assert!(dest.join(rel).is_file(), "{rel} is missing");
    }
    // Both workflows: the checks in the job summary, and the same with the points sent to GitHub Classroom.
    for (template, rel) in release::STUDENT_WORKFLOWS {
        let workflow = fs::read_to_string(dest.join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"));
        let expected = fs::read_to_string(course.root().join(template)).unwrap().replace(release::ASSIGNMENT_PLACEHOLDER, ID);
        assert_eq!(workflow, expected, "{rel} is {template} for {ID}");
        assert!(workflow.contains("cargo test -p a01-tensors --") && !workflow.contains(release::ASSIGNMENT_PLACEHOLDER));
    }
    // A second release into the same folder is refused.
    let again = release::student(&course, ID, &dest).unwrap_err();
    assert!(matches!(again, ReleaseError::NotEmpty(_)), "{again}");
}

/// A course whose grader has a hidden check, a hidden-only helper and a visible check.
fn demo_grader(root: &Path, lib: &str) -> PathBuf {
    let src = root.join("src");
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join("lib.rs"), lib).unwrap();
    src
}

#[test]
fn hidden_checks_are_cut_out_of_the_grader_source() {
    let tmp = tempfile::tempdir().unwrap();
    let lib = r#"//! Demo checks.

use gradwork::suite::{Ctx, Failure, Suite};

pub fn suite() -> Suite {
    Suite::new("a00-demo", "", "0.1.0", ".")
        .check("ones", ones)
        .check(
            "ones-large",
            self::ones_large,
        )
}

/// Visible.
pub fn ones(ctx: &mut Ctx) -> Result<(), Failure> {
    Ok(())
}

/// Hidden: large inputs.
#[allow(unused)]
pub fn ones_large(ctx: &mut Ctx) -> Result<(), Failure> {
    if big() {
        return Ok(());
    }
    Ok(())
}

// BEGIN HIDDEN
fn big() -> bool {
    true
}
// END HIDDEN
"#;
    let src = demo_grader(tmp.path(), lib);
    let withheld = vec![Withheld { id: "ones-large".into(), title: "large".into(), public_id: "hidden-1".into() }];
    let sources = release::public_grader_sources(&src, &withheld).unwrap();
    insta::assert_snapshot!(sources[0].1, @r#"
    //! Demo checks.

    // `gradwork release` removed the hidden checks; what only they used is left unused.
    #![allow(dead_code, unused_imports)]

    use gradwork::suite::{Ctx, Failure, Suite};

    pub fn suite() -> Suite {
        Suite::new("a00-demo", "", "0.1.0", ".")
            .check("ones", ones)
            .check("hidden-1", gradwork::dev::release::withheld)
    }

    /// Visible.
    pub fn ones(ctx: &mut Ctx) -> Result<(), Failure> {
        Ok(())
    }

    "#);
    // A hidden check the release cannot find is an error that says what to do.
    demo_grader(tmp.path(), &lib.replace("pub fn ones_large(ctx: &mut Ctx)", "pub  fn ones_large(ctx: &mut Ctx)"));
    let err = release::public_grader_sources(&src, &withheld).unwrap_err().to_string();
    assert!(err.contains("the function `ones_large` of the hidden check `ones-large` was not found"), "{err}");
    assert!(err.contains("`// BEGIN HIDDEN` / `// END HIDDEN`"), "{err}");
    // ... as the message says: a hidden check whose function is in a `// BEGIN HIDDEN` region is cut with it.
    let wrapped = lib.replace("/// Hidden: large inputs.", "// BEGIN HIDDEN\n/// Hidden: large inputs.").replace("// BEGIN HIDDEN\nfn big()", "fn big()");
    demo_grader(tmp.path(), &wrapped);
    let sources = release::public_grader_sources(&src, &withheld).unwrap();
    assert!(!sources[0].1.contains("ones_large") && !sources[0].1.contains("fn big"), "{}", sources[0].1);
}

#[test]
fn a_student_function_may_share_a_hidden_check_functions_name() {
    let mut tree = release::Tree::default();
    tree.add("assignments/a00/src/lib.rs", b"pub fn unbroadcast(x: i64) -> i64 { x }\n".to_vec());
    tree.add("graders/a00/runner/src/lib.rs", b"fn unbroadcast(args: &Args) {}\n".to_vec());
    let withheld = vec![Withheld { id: "unbroadcast-other".into(), title: "unbroadcast alone".into(), public_id: "hidden-1".into() }];
    release::scan_for_leaks(&tree, &withheld, &["unbroadcast".to_string()]).unwrap();
    tree.add("graders/a00/src/checks.rs", b"pub fn unbroadcast(ctx: &mut Ctx) {}\n".to_vec());
    let err = release::scan_for_leaks(&tree, &withheld, &["unbroadcast".to_string()]).unwrap_err().to_string();
    assert!(err.contains("the hidden check function `unbroadcast`") && err.contains("graders/a00/src/checks.rs"), "{err}");
}

#[test]
fn the_function_is_cut_from_the_module_its_path_names() {
    let tmp = tempfile::tempdir().unwrap();
    let src = demo_grader(tmp.path(), "mod net;\nmod checks;\n\npub fn suite() -> Suite {\n    Suite::new(\"a\", \"\", \"0\", \".\").check(\"big\", net::big)\n}\n");
    // `checks::big` has the same name, but the registration names `net::big`.
    fs::write(src.join("checks.rs"), "pub fn big(ctx: &mut Ctx) -> Result<(), Failure> {\n    Ok(())\n}\n").unwrap();
    fs::write(src.join("net.rs"), "pub fn big(ctx: &mut Ctx) -> Result<(), Failure> {\n    crate::checks::big(ctx)\n}\n").unwrap();
    let withheld = vec![Withheld { id: "big".into(), title: "big".into(), public_id: "hidden-1".into() }];
    let sources = release::public_grader_sources(&src, &withheld).unwrap();
    let file = |name: &str| sources.iter().find(|(rel, _)| rel == name).map(|(_, t)| t.as_str()).unwrap();
    assert_eq!(file("net.rs"), "");
    assert!(file("checks.rs").contains("pub fn big("), "left for the leak scan to report");
}

#[test]
fn every_assignment_of_the_course_can_be_released() {
    let course = course();
    for id in course.assignments() {
        let student = release::student_tree(&course, &id).unwrap_or_else(|e| panic!("{id}: {e}"));
        assert!(student.paths().all(|p| !p.starts_with("reference/")), "{id}");
        release::gradescope_tree(&course, &id).unwrap_or_else(|e| panic!("{id}: {e}"));
    }
}

#[test]
fn the_public_rubric_renames_hidden_checks_everywhere() {
    let text = r#"format_version = 1
assignment = "a00-demo"
title = "Demo"

[[forbidden]]
api = "cdist"
reason = "no"
checks = ["secret", "ones"]

[[check]]
id = "ones"
title = "makes ones"
points = 1

# Large inputs: n = 10^6, where the naive loop times out.
[[check]]
id = "secret"
title = "makes a million ones"
points = 3
visibility = "after_due_date"
hint = "think big"
rtol = 1e-3
"#;
    let withheld = vec![Withheld { id: "secret".into(), title: "makes a million ones".into(), public_id: "hidden-1".into() }];
    let public = release::public_rubric(text, Path::new("rubric.toml"), &withheld).unwrap();
    insta::assert_snapshot!(public, @r#"
    format_version = 1
    assignment = "a00-demo"
    title = "Demo"

    [[forbidden]]
    api = "cdist"
    reason = "no"
    checks = ["hidden-1", "ones"]

    [[check]]
    id = "ones"
    title = "makes ones"
    points = 1

    [[check]]
    id = "hidden-1"
    title = "Hidden check 1"
    points = 3
    visibility = "after_due_date"
    "#);
    Rubric::parse(&public, "rubric.toml").unwrap();
}

/// The two tests that build and grade take turns: grading has wall-clock
/// limits per check, which a parallel build on a small machine could eat, and
/// it removes the artifacts a submission build leaves, which must not be the
/// other test's.
static BUILDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Where released trees are built: never the course's own build directory.
/// A release has the course's layout, and cargo names the artifacts of path
/// packages by their path from the workspace root, so a released grader built
/// there would take the place of the course's own (hidden checks withheld).
///
/// It is seeded from the course's warm build cache first (as a build slot
/// is), so that only the release's own packages are compiled, not libtorch's
/// crates again (once, whichever test asks first; the others wait for it).
fn release_build_dir() -> PathBuf {
    static SEEDED: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    SEEDED
        .get_or_init(|| {
            let course = course();
            let dir = course.root().join("target").join("gradwork-release-tests");
            gradwork::workspace::seed_target_dir(&course.build_dir(), &dir).expect("seed the release build directory");
            dir
        })
        .clone()
}

/// The cargo command the harness uses, building into [`release_build_dir`].
fn cargo(dir: &Path) -> Command {
    let mut cmd = gradwork::cargo::command(&release_build_dir());
    cmd.current_dir(dir);
    cmd
}

#[test]
fn the_student_release_builds_and_runs_its_public_checks() {
    let _turn = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let course = course();
    let tmp = tempfile::tempdir().unwrap();
    let dest = tmp.path().join("a01");
    release::student(&course, ID, &dest).unwrap();
    let json = tmp.path().join("report.json");
    let output = cargo(&dest)
        .args(["test", "--quiet", "-p", ID, "--", "--format", "human", "--report"])
        .arg(format!("json={}", json.display()))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "the stub fails its checks:\n{stdout}\n{}", String::from_utf8_lossy(&output.stderr));
    let reports: Vec<SubmissionReport> = serde_json::from_str(&fs::read_to_string(&json).unwrap()).unwrap();
    let report = &reports[0];
    let rubric = course.rubric(ID).unwrap();
    assert_eq!(report.checks.len(), rubric.checks.len());
    assert_eq!(report.max_score(), rubric.max_score());
    for c in &report.checks {
        if c.id.starts_with("hidden-") {
            assert_eq!(c.status, Status::NotRun, "{}", c.id);
        } else {
            assert_eq!(c.status, Status::Error, "{}: {}", c.id, c.message);
            assert!(c.message.contains("is not implemented yet"), "{}: {}", c.id, c.message);
        }
    }
    assert!(stdout.contains("14 hidden checks are not run locally (21 points)"), "{stdout}");
}

/// Unpacks the bundle like Gradescope does: into `<root>/source`, modes kept.
fn unpack(zip_path: &Path, source: &Path) -> Vec<(String, u32)> {
    let mut archive = zip::ZipArchive::new(fs::File::open(zip_path).unwrap()).unwrap();
    let mut entries = Vec::new();
    for i in 0..archive.len() {
        let mut file = archive.by_index(i).unwrap();
        let rel = file.enclosed_name().expect("no entry escapes the folder");
        let mode = file.unix_mode().unwrap_or(0o644);
        let dest = source.join(&rel);
        fs::create_dir_all(dest.parent().unwrap()).unwrap();
        let mut out = fs::File::create(&dest).unwrap();
        std::io::copy(&mut file, &mut out).unwrap();
        fs::set_permissions(&dest, std::os::unix::fs::PermissionsExt::from_mode(mode)).unwrap();
        entries.push((rel.to_string_lossy().into_owned(), mode));
    }
    entries
}

fn run_autograder(root: &Path) -> std::process::Output {
    Command::new("bash")
        .arg(root.join("source/run_autograder"))
        .current_dir(root)
        .env(release::AUTOGRADER_ROOT_VAR, root)
        .env("GRADWORK_BIN", env!("CARGO_BIN_EXE_gradwork"))
        .env("GRADWORK_TARGET_DIR", release_build_dir())
        .output()
        .unwrap()
}

fn results(root: &Path) -> serde_json::Value {
    let text = fs::read_to_string(root.join("results/results.json")).expect("run_autograder wrote results.json");
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let schema: serde_json::Value = serde_json::from_str(include_str!("fixtures/gradescope-results.schema.json")).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let errors: Vec<String> = validator.iter_errors(&value).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "results.json breaks Gradescope's schema: {errors:?}");
    value
}

#[test]
fn the_gradescope_bundle_grades_a_submission() {
    let _turn = BUILDS.lock().unwrap_or_else(|e| e.into_inner());
    let course = course();
    let tmp = tempfile::tempdir().unwrap();
    let zip_path = tmp.path().join("autograder.zip");
    release::gradescope(&course, ID, &zip_path).unwrap();
    let root = tmp.path().join("autograder");
    let entries = unpack(&zip_path, &root.join("source"));
    let mode = |name: &str| entries.iter().find(|(n, _)| n == name).map(|(_, m)| *m).unwrap_or_else(|| panic!("{name} is in the zip"));
    assert_eq!(mode("setup.sh") & 0o111, 0o111, "setup.sh is executable");
    assert_eq!(mode("run_autograder") & 0o111, 0o111, "run_autograder is executable");
    for (name, _) in &entries {
        assert!(!name.starts_with("reference/") && !name.ends_with("samples.toml") && !name.ends_with("mutants.toml"), "{name} must stay home");
    }
    let setup = fs::read_to_string(root.join("source/setup.sh")).unwrap();
    assert!(setup.contains("sh.rustup.rs") && setup.contains("tools/setup_libtorch.py --cuda no"), "{setup}");
    // The bundle keeps the hidden checks: Gradescope grades with all of them.
    let withheld = release::withheld_checks(&course, ID).unwrap();
    let lib = fs::read_to_string(root.join("source/graders/a01-tensors/src/lib.rs")).unwrap();
    assert!(withheld.iter().all(|w| lib.contains(&format!("\"{}\"", w.id))));

    // A submission with one planted bug: X[i, j] = i + 2j.
    let list = gradwork::samples::load(&course, ID).unwrap();
    let sample = list.iter().find(|s| s.name == "grid-transposed").unwrap();
    gradwork::samples::materialize(&course, ID, sample, &root.join("submission")).unwrap();
    fs::create_dir_all(root.join("results")).unwrap();
    let output = run_autograder(&root);
    assert!(output.status.success(), "run_autograder failed:\n{}", String::from_utf8_lossy(&output.stderr));
    let value = results(&root);
    let max = course.rubric(ID).unwrap().max_score();
    let failed: Vec<String> = value["tests"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["status"] == "failed")
        .map(|t| format!("{}: {}", t["extra_data"]["check_id"].as_str().unwrap(), t["output"].as_str().unwrap()))
        .collect();
    assert_eq!(failed.len(), 1, "only index-grid fails: {failed:#?}");
    assert!(failed[0].starts_with("index-grid: `index_grid(3, 4)` is not right."), "{failed:#?}");
    assert_eq!(value["score"].as_f64().unwrap(), max - 2.0, "index-grid is worth 2 points");

    // Bare .rs files (no src/ folder) are graded too: the reference's lib.rs gets full marks.
    fs::remove_dir_all(root.join("submission")).unwrap();
    fs::create_dir_all(root.join("submission")).unwrap();
    fs::copy(course.reference_dir(ID).join("src/lib.rs"), root.join("submission/lib.rs")).unwrap();
    let output = run_autograder(&root);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(results(&root)["score"].as_f64().unwrap(), max);
}

#[test]
fn run_autograder_explains_an_empty_submission() {
    let course = course();
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().join("autograder");
    release::gradescope_tree(&course, ID).unwrap().write(&root.join("source")).unwrap();
    fs::create_dir_all(root.join("submission")).unwrap();
    fs::write(root.join("submission/notes.txt"), "I did it on paper").unwrap();
    let output = run_autograder(&root);
    assert!(output.status.success());
    let value = results(&root);
    assert_eq!(value["score"], 0);
    insta::assert_snapshot!(value["output"].as_str().unwrap(), @"No Rust source found in your submission: upload your src folder (with lib.rs), or the .rs files in it.");
}
