//! Lints the GitHub Actions workflows (`.github/workflows/*.yml`, the
//! student workflow template `templates/*.yml`, and the documented ones in
//! `docs/github/`): valid YAML, the shape
//! GitHub needs (triggers, jobs with `runs-on` and steps that `run` or `uses`
//! a pinned action), and every gradwork command they call parses with the
//! real command line: `gradwork ...` and `cargo run --bin gradwork -- ...`
//! through clap (and `gradwork <subcommand> --help` succeeds), `cargo test -p
//! <assignment> -- ...` through the student flags' parser.

use clap::Parser;
use gradwork::course::Course;
use serde_yaml::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn course() -> Course {
    Course::at(env!("CARGO_MANIFEST_DIR"))
}

fn workflow_files() -> Vec<PathBuf> {
    let root = course().root().to_path_buf();
    let mut files = Vec::new();
    // The course's CI, the student template, and the documented sharded-grading workflow.
    for dir in [root.join(".github/workflows"), root.join("templates"), root.join("docs/github")] {
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if matches!(path.extension().and_then(|e| e.to_str()), Some("yml" | "yaml")) {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

fn load(path: &Path) -> (String, Value) {
    let text = std::fs::read_to_string(path).unwrap();
    // The template is instantiated the way `gradwork release` does it.
    let text = text.replace(gradwork::dev::release::ASSIGNMENT_PLACEHOLDER, "a01-tensors");
    let value = serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: not valid YAML: {e}", path.display()));
    (text, value)
}

/// Shell words of one command line: quotes removed, `${{ ... }}` expressions,
/// `$(...)` substitutions and `$VAR`s replaced by `1` (a placeholder that is
/// also a valid number, path and id, so typed flags like `--shard $I/$N` parse).
fn words(line: &str) -> Vec<String> {
    let mut line = line.to_string();
    while let Some(start) = line.find("${{") {
        let end = line[start..].find("}}").map(|e| start + e + 2).unwrap_or(line.len());
        line.replace_range(start..end, "1");
    }
    let mut out = Vec::new();
    let mut word = String::new();
    let mut quote: Option<char> = None;
    let mut chars = line.chars().peekable();
    let mut in_word = false;
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '#') if !in_word => break,
            (None, c) if c.is_whitespace() => {
                if in_word {
                    out.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (q, '$') if q != Some('\'') => {
                in_word = true;
                word.push('1');
                if chars.peek() == Some(&'(') {
                    let mut depth = 0;
                    for d in chars.by_ref() {
                        depth += match d {
                            '(' => 1,
                            ')' => -1,
                            _ => 0,
                        };
                        if depth == 0 {
                            break;
                        }
                    }
                } else if chars.peek() == Some(&'{') {
                    for d in chars.by_ref() {
                        if d == '}' {
                            break;
                        }
                    }
                } else {
                    while chars.peek().is_some_and(|d| d.is_ascii_alphanumeric() || *d == '_') {
                        chars.next();
                    }
                }
            }
            (_, c) => {
                in_word = true;
                word.push(c);
            }
        }
    }
    if in_word {
        out.push(word);
    }
    out
}

/// One invocation found in a `run:` script.
#[derive(Debug)]
enum Invocation {
    /// Arguments after `gradwork`.
    Gradwork(Vec<String>),
    /// `cargo test -p <package> -- <args>`.
    StudentTest { package: String, args: Vec<String> },
}

fn invocations(script: &str) -> Vec<Invocation> {
    let joined = script.replace("\\\n", " ");
    let mut found = Vec::new();
    for line in joined.lines() {
        for command in line.split("&&").flat_map(|c| c.split(';')) {
            let w = words(command);
            // `sudo [--options] command ...` runs `command ...`.
            let w: Vec<String> = if w.first().map(String::as_str) == Some("sudo") {
                w.into_iter().skip(1).skip_while(|x| x.starts_with('-')).collect()
            } else {
                w
            };
            let Some(first) = w.first() else { continue };
            if first.ends_with("gradwork") && !first.starts_with('-') {
                found.push(Invocation::Gradwork(w[1..].to_vec()));
            } else if first == "cargo" && w.get(1).map(String::as_str) == Some("run") {
                let dash = w.iter().position(|x| x == "--");
                let bin = w.windows(2).any(|p| p[0] == "--bin" && p[1] == "gradwork");
                if bin {
                    found.push(Invocation::Gradwork(dash.map(|d| w[d + 1..].to_vec()).unwrap_or_default()));
                }
            } else if first == "cargo" && w.get(1).map(String::as_str) == Some("test") {
                let package = w.windows(2).find(|p| p[0] == "-p").map(|p| p[1].clone());
                if let Some(package) = package {
                    let args = w.iter().position(|x| x == "--").map(|d| w[d + 1..].to_vec()).unwrap_or_default();
                    found.push(Invocation::StudentTest { package, args });
                }
            }
        }
    }
    found
}

fn steps(workflow: &Value) -> Vec<(String, &Value)> {
    let mut out = Vec::new();
    let jobs = workflow["jobs"].as_mapping().expect("`jobs` is a mapping");
    for (name, job) in jobs {
        let name = name.as_str().unwrap_or("?").to_string();
        for step in job["steps"].as_sequence().expect("a job has `steps`") {
            out.push((name.clone(), step));
        }
    }
    out
}

#[test]
fn the_workflows_exist() {
    let names: Vec<String> = workflow_files().iter().map(|p| p.strip_prefix(course().root()).unwrap().display().to_string()).collect();
    assert!(names.contains(&".github/workflows/course.yml".to_string()), "{names:?}");
    assert!(names.contains(&gradwork::dev::release::STUDENT_WORKFLOW.to_string()), "{names:?}");
}

#[test]
fn every_workflow_has_the_shape_github_needs() {
    for path in workflow_files() {
        let (_, workflow) = load(&path);
        let shown = path.display();
        assert!(workflow["name"].is_string(), "{shown}: a name");
        assert!(!workflow["on"].is_null(), "{shown}: triggers under `on`");
        let jobs = workflow["jobs"].as_mapping().unwrap_or_else(|| panic!("{shown}: `jobs`"));
        assert!(!jobs.is_empty(), "{shown}: at least one job");
        for (name, job) in jobs {
            assert!(job["runs-on"].is_string(), "{shown}: job {name:?} needs `runs-on`");
            assert!(job["steps"].as_sequence().is_some_and(|s| !s.is_empty()), "{shown}: job {name:?} needs steps");
        }
        for (job, step) in steps(&workflow) {
            let run = step["run"].as_str();
            let uses = step["uses"].as_str();
            assert!(run.is_some() != uses.is_some(), "{shown}: a step of {job} must have exactly one of `run` and `uses`: {step:?}");
            if let Some(action) = uses {
                let (_, version) = action.split_once('@').unwrap_or_else(|| panic!("{shown}: `{action}` is not pinned to a version"));
                assert!(version.starts_with('v') || version.len() == 40 || version == "stable", "{shown}: pin `{action}` to a release tag");
            }
        }
    }
}

#[test]
fn every_gradwork_command_in_a_workflow_parses() {
    let course = course();
    let assignments = course.assignments();
    let mut seen = 0;
    for path in workflow_files() {
        let (_, workflow) = load(&path);
        for (job, step) in steps(&workflow) {
            let Some(script) = step["run"].as_str() else { continue };
            for invocation in invocations(script) {
                seen += 1;
                match invocation {
                    Invocation::Gradwork(args) => {
                        let argv = std::iter::once("gradwork".to_string()).chain(args.iter().cloned());
                        if let Err(e) = gradwork::cli::Cli::try_parse_from(argv) {
                            panic!("{} ({job}): `gradwork {}` does not parse:\n{e}", path.display(), args.join(" "));
                        }
                        // The subcommand path (words before the first flag or placeholder) has help.
                        let sub: Vec<&String> = args.iter().take_while(|a| !a.starts_with('-') && a.as_str() != "1").collect();
                        let sub: Vec<&String> = sub.into_iter().filter(|a| !assignments.contains(a)).collect();
                        let status = Command::new(env!("CARGO_BIN_EXE_gradwork")).args(&sub).arg("--help").output().unwrap();
                        assert!(status.status.success(), "`gradwork {} --help` fails", sub.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "));
                    }
                    Invocation::StudentTest { package, args } => {
                        assert!(assignments.contains(&package), "{}: `cargo test -p {package}`: no such assignment", path.display());
                        if let Err(e) = gradwork::student::parse_args(args.clone().into_iter()) {
                            panic!("{} ({job}): `cargo test -p {package} -- {}`: {e}", path.display(), args.join(" "));
                        }
                    }
                }
            }
        }
    }
    assert!(seen >= 5, "found only {seen} gradwork commands: is the command extraction broken?");
}

#[test]
fn the_command_extraction_sees_what_it_should() {
    let found = invocations("make setup\ncargo run --release --bin gradwork -- dev check --seeds 3 # calibrate\nfor id in $(ls graders); do\n  gradwork release \"$id\" \\\n    --student \"$RUNNER_TEMP/s/$id\"\ndone\ncargo test -p a01-tensors -- --format github\nsudo --preserve-env=PATH ./target/release/gradwork grade a01-tensors --shard \"$I/$N\"");
    let text = format!("{found:?}");
    assert_eq!(
        text,
        r#"[Gradwork(["dev", "check", "--seeds", "3"]), Gradwork(["release", "1", "--student", "1/s/1"]), StudentTest { package: "a01-tensors", args: ["--format", "github"] }, Gradwork(["grade", "a01-tensors", "--shard", "1/1"])]"#
    );
    // A typo is caught.
    assert!(gradwork::cli::Cli::try_parse_from(["gradwork", "dev", "chek"]).is_err());
    assert!(gradwork::student::parse_args(["--formt", "github"].map(String::from).into_iter()).is_err());
}

#[test]
fn the_setup_the_workflows_use_exists() {
    let root = course().root().to_path_buf();
    for path in workflow_files() {
        let (text, _) = load(&path);
        if text.contains("tools/setup_libtorch.py") {
            assert!(root.join("tools/setup_libtorch.py").is_file());
        }
        if text.contains("make setup") {
            let makefile = std::fs::read_to_string(root.join("Makefile")).unwrap();
            assert!(makefile.lines().any(|l| l.starts_with("setup:")), "the Makefile has no `setup` target");
        }
    }
}

/// `templates/classroom.yml`, instantiated as a release writes it.
fn classroom_workflow() -> (String, Value) {
    load(&course().root().join(gradwork::dev::release::CLASSROOM_WORKFLOW))
}

fn find_step<'a>(job: &'a Value, id: &str) -> &'a Value {
    job["steps"].as_sequence().unwrap().iter().find(|s| s["id"].as_str() == Some(id)).unwrap_or_else(|| panic!("no step `{id}`"))
}

/// What GitHub Classroom and its reporter (classroom-resources/autograding-grading-reporter@v1)
/// need: the permissions and job id of Classroom's starter workflow (the reporter updates the
/// check run `run-autograding-tests` with the points); for each id in `runners`, an environment
/// variable `<ID>_RESULTS` holding that step's output `result`, which `--report classroom` writes.
#[test]
fn the_classroom_workflow_hands_the_points_to_the_reporter() {
    let (_, workflow) = classroom_workflow();
    for (scope, level) in [("checks", "write"), ("actions", "read"), ("contents", "read")] {
        assert_eq!(workflow["permissions"][scope].as_str(), Some(level), "permissions: {scope}: {level}");
    }
    let job = &workflow["jobs"]["run-autograding-tests"];
    assert!(job.is_mapping(), "the job id is `run-autograding-tests`");
    assert!(job["name"].is_null(), "the check run takes the job's name: leave it the id");
    let steps = job["steps"].as_sequence().unwrap();
    let reporter = steps
        .iter()
        .find(|s| s["uses"].as_str().is_some_and(|u| u.starts_with("classroom-resources/autograding-grading-reporter@")))
        .expect("a step uses Classroom's reporter");
    assert_eq!(reporter["if"].as_str(), Some("always()"), "the reporter runs when a check fails too");
    let runners = reporter["with"]["runners"].as_str().expect("`runners`");
    for id in runners.split(',') {
        // The reporter's own check of `runners`: ids of letters and digits, separated by commas.
        assert!(!id.is_empty() && id.chars().all(|c| c.is_ascii_alphanumeric()), "runner id `{id}`");
        let variable = format!("{}_RESULTS", id.to_uppercase());
        let value = reporter["env"][variable.as_str()].as_str().unwrap_or_else(|| panic!("the reporter reads ${variable}"));
        assert!(value.contains(&format!("steps.{id}.outputs.result")), "{variable}: {value}");
        // The step runs the checks and writes its output `result`.
        let script = find_step(job, id)["run"].as_str().unwrap();
        let tests: Vec<_> = invocations(script)
            .into_iter()
            .filter_map(|i| match i {
                Invocation::StudentTest { package, args } => Some((package, args)),
                Invocation::Gradwork(_) => None,
            })
            .collect();
        let [(package, args)] = tests.as_slice() else { panic!("step `{id}` runs one `cargo test -p`: {script}") };
        assert_eq!(package, "a01-tensors");
        let args = gradwork::student::parse_args(args.clone().into_iter()).unwrap();
        let to_output = gradwork::report::output::ReportSpec { format: gradwork::report::output::Format::Classroom, path: None };
        assert!(args.report.reports.contains(&to_output), "step `{id}` writes `result` with --report classroom: {script}");
    }
}

/// When the crate does not compile, `cargo test` writes no result: the
/// workflow's fallback reports 0 of the visible points, in the document's
/// shape, with the visible points counted as the harness counts them.
#[test]
fn the_classroom_fallback_scores_zero_of_the_visible_points() {
    use base64::Engine as _;
    let course = course();
    let (_, workflow) = classroom_workflow();
    let job = &workflow["jobs"]["run-autograding-tests"];
    let fallback = find_step(job, "unbuilt");
    assert_eq!(fallback["if"].as_str(), Some("always() && steps.gradwork.outputs.result == ''"));
    let reporter_env = job["steps"].as_sequence().unwrap().iter().find_map(|s| s["env"]["GRADWORK_RESULTS"].as_str()).unwrap();
    assert!(reporter_env.contains("steps.unbuilt.outputs.result"), "the reporter falls back to it: {reporter_env}");
    // Run its script as the runner would, in a copy of the repository's rubric.
    let tmp = tempfile::tempdir().unwrap();
    let rubric = course.grader_dir("a01-tensors").join("rubric.toml");
    std::fs::create_dir_all(tmp.path().join("graders/a01-tensors")).unwrap();
    std::fs::copy(&rubric, tmp.path().join("graders/a01-tensors/rubric.toml")).unwrap();
    let output_file = tmp.path().join("output");
    let mut command = Command::new("bash");
    command.args(["-e", "-c", fallback["run"].as_str().unwrap()]).current_dir(tmp.path()).env("GITHUB_OUTPUT", &output_file);
    for (key, value) in fallback["env"].as_mapping().unwrap() {
        command.env(key.as_str().unwrap(), value.as_str().unwrap());
    }
    let run = command.output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));
    let written = std::fs::read_to_string(&output_file).unwrap();
    let encoded = written.trim_end().strip_prefix("result=").unwrap_or_else(|| panic!("{written}"));
    let json = base64::engine::general_purpose::STANDARD.decode(encoded).unwrap();
    let results: gradwork::report::classroom::Results = serde_json::from_slice(&json).expect("the shape --report classroom writes");
    let visible: f64 = course.rubric("a01-tensors").unwrap().checks.iter().filter(|c| c.visibility.runs_locally()).map(|c| c.points).sum();
    assert_eq!((results.version, results.status, results.max_score), (1, gradwork::report::classroom::Verdict::Error, visible));
    assert_eq!(results.tests.len(), 1);
    assert_eq!((results.tests[0].score, results.tests[0].status), (0.0, gradwork::report::classroom::Verdict::Error));
    assert!(results.tests[0].message.contains("does not compile"), "{}", results.tests[0].message);
}

/// Where a release writes classroom.yml, grade.yml stands down, so a push
/// runs the checks once.
#[test]
fn the_student_workflow_stands_down_next_to_the_classroom_one() {
    let (_, grade) = load(&course().root().join(gradwork::dev::release::STUDENT_WORKFLOW));
    let checks = &grade["jobs"]["checks"];
    assert_eq!(checks["needs"].as_str(), Some("classroom"));
    assert_eq!(checks["if"].as_str(), Some("needs.classroom.outputs.present != 'true'"));
    let look = find_step(&grade["jobs"]["classroom"], "look")["run"].as_str().unwrap();
    let classroom_dest = gradwork::dev::release::STUDENT_WORKFLOWS.iter().find(|(t, _)| *t == gradwork::dev::release::CLASSROOM_WORKFLOW).unwrap().1;
    assert!(look.contains(&format!("-f {classroom_dest}")), "the gate looks where a release writes it: {look}");
    assert_eq!(grade["jobs"]["classroom"]["outputs"]["present"].as_str(), Some("${{ steps.look.outputs.present }}"));
}
