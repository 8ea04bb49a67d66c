//! Batch grading through the real grader binary that `gradwork grade` runs
//! (a private copy, so that its resume keys hold for the whole test): folders
//! and archives in one submissions folder, a bad archive reported as not
//! gradable, the per-student `feedback.md` and the class `summary.md`
//! (snapshots), a re-run that grades only what changed, `--force`, and three
//! shards merged with `gradwork merge` into the same files as one run.

use gradwork::grade::record::{BuildOutcome, Record};
use gradwork::report::summary::Summary;
use gradwork::report::summary_md::TIME_HEADING;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

const ASSIGNMENT: &str = "a01-tensors";

fn course() -> gradwork::course::Course {
    gradwork::course::Course::at(env!("CARGO_MANIFEST_DIR"))
}

fn gradwork(args: &[&str], paths: &[&Path]) -> (bool, String) {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_gradwork"));
    cmd.args(args);
    for p in paths {
        cmd.arg(p);
    }
    let output = cmd.output().expect("gradwork runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.success(), text)
}

/// A private copy of the assignment's grader, built by `gradwork grade` on a
/// first submission: every run of the test then has the same grader (and so
/// the same resume keys), even while someone rebuilds the course's own.
fn private_grader(root: &Path) -> PathBuf {
    let first = root.join("first");
    gradwork::samples::copy_src(&course().stub_dir(ASSIGNMENT), &first.join("stub")).expect("stub");
    let (ok, text) = gradwork(&["grade", ASSIGNMENT, "--check", "two-pi"], &[&first.join("stub"), Path::new("--out"), &first.join("out")]);
    assert!(ok, "gradwork grade failed:\n{text}");
    let built = course().build_dir().join("debug").join(format!("{ASSIGNMENT}-grader"));
    let copy = root.join("grader");
    std::fs::copy(&built, &copy).unwrap_or_else(|e| panic!("copy {}: {e}", built.display()));
    copy
}

/// `<grader> grade --course COURSE --submissions SUBS --out OUT [extra...]` (what
/// `gradwork grade a01-tensors ...` runs), which must succeed.
fn grade(grader: &Path, subs: &Path, out: &Path, extra: &[&str]) -> String {
    let output = Command::new(grader)
        .args(["grade", "--course"])
        .arg(course().root())
        .args(["--jobs", "2"])
        .args(extra)
        .arg("--submissions")
        .arg(subs)
        .arg("--out")
        .arg(out)
        .output()
        .expect("the grader runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(output.status.success(), "grading failed:\n{text}");
    text
}

fn reference_lib() -> String {
    std::fs::read_to_string(course().reference_dir(ASSIGNMENT).join("src/lib.rs")).expect("reference lib.rs")
}

fn zip(path: &Path, files: &[(&str, &str)]) {
    let mut w = zip::ZipWriter::new(std::fs::File::create(path).expect("create zip"));
    for (name, text) in files {
        w.start_file(*name, zip::write::SimpleFileOptions::default()).expect("zip entry");
        w.write_all(text.as_bytes()).expect("zip write");
    }
    w.finish().expect("zip finish");
}

fn tar_gz(path: &Path, files: &[(&str, &str)]) {
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(path).expect("create tar.gz"), flate2::Compression::fast());
    let mut b = tar::Builder::new(gz);
    for (name, text) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(text.len() as u64);
        h.set_mode(0o644);
        b.append_data(&mut h, name, text.as_bytes()).expect("tar entry");
    }
    b.into_inner().expect("tar finish").finish().expect("gzip finish");
}

/// alice: the reference (a folder); bob: the reference zipped from its parent
/// folder, with macOS metadata; carol: the stub as a .tar.gz; dave: a folder
/// with a wrong `two_pi`; eve: a zip with a path out of the folder; and a
/// stray text file.
fn make_submissions(subs: &Path) {
    let reference = reference_lib();
    let stub = std::fs::read_to_string(course().stub_dir(ASSIGNMENT).join("src/lib.rs")).expect("stub lib.rs");
    gradwork::samples::copy_src(&course().reference_dir(ASSIGNMENT), &subs.join("alice")).expect("alice");
    zip(&subs.join("bob.zip"), &[("bob/src/lib.rs", &reference), ("bob/Cargo.toml", "[package]\nname = \"bob\"\n"), ("__MACOSX/bob/._lib.rs", "")]);
    tar_gz(&subs.join("carol.tar.gz"), &[("src/lib.rs", &stub)]);
    let wrong = reference.replacen("Tensor::from(2.0 * std::f64::consts::PI)", "Tensor::from(6.0f64)", 1);
    assert_ne!(wrong, reference, "the reference's two_pi changed: update this test's planted bug");
    std::fs::create_dir_all(subs.join("dave/src")).expect("dave");
    std::fs::write(subs.join("dave/src/lib.rs"), wrong).expect("dave lib.rs");
    zip(&subs.join("eve.zip"), &[("src/lib.rs", &reference), ("../../escaped.rs", "pub fn gotcha() {}")]);
    std::fs::write(subs.join("notes.txt"), "not a submission").expect("notes");
}

/// Text with this run's temporary folder and this machine's particulars made neutral.
fn redact(text: &str, root: &Path) -> String {
    let text = text.replace(&root.display().to_string(), "[tmp]");
    let text = text.replace(gradwork::libtorch::VERSION, "[libtorch]");
    let text = match text.find(TIME_HEADING) {
        Some(i) => format!("{}{TIME_HEADING}\n\n[timings]\n", &text[..i]),
        None => text,
    };
    text.lines()
        .map(|l| match l.find(" MiB per file; ") {
            Some(i) => format!("{} MiB per file; [isolation]", &l[..i]),
            None => l.to_string(),
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A file with its timings removed (JSON: `execution_time` and `*seconds` fields; summary.md: the time section).
fn without_timings(path: &Path) -> String {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    if path.extension().is_some_and(|e| e == "json") {
        let mut value: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        strip_timings(&mut value);
        return serde_json::to_string_pretty(&value).expect("JSON text");
    }
    match text.find(TIME_HEADING) {
        Some(i) => text[..i].to_string(),
        None => text,
    }
}

fn strip_timings(v: &mut serde_json::Value) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| k != "execution_time" && !k.ends_with("seconds"));
            map.values_mut().for_each(strip_timings);
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(strip_timings),
        _ => {}
    }
}

/// Every file under `dir`, relative, sorted.
fn files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).expect("read dir").flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path().strip_prefix(dir).expect("under dir").to_path_buf());
            }
        }
    }
    out.sort();
    out
}

fn summary(out: &Path) -> Summary {
    serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).expect("summary.json")).expect("summary parses")
}

fn scores(out: &Path) -> Vec<(String, f64)> {
    summary(out).submissions.iter().map(|s| (s.name.clone(), s.score)).collect()
}

#[test]
fn a_batch_is_graded_resumed_sharded_and_merged() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let root = tmp.path().canonicalize().expect("canonical tempdir");
    let subs = root.join("subs");
    make_submissions(&subs);
    let grader = private_grader(&root);
    let full = course().rubric(ASSIGNMENT).expect("rubric").max_score();

    // One run over folders and archives.
    let out = root.join("out");
    let log = grade(&grader, &subs, &out, &[]);
    assert!(log.contains("notes.txt is neither a folder nor a .zip/.tar.gz/.tgz archive; skipped"), "{log}");
    let expected = vec![("alice".to_string(), full), ("bob".into(), full), ("carol".into(), 0.0), ("dave".into(), full - 1.0), ("eve".into(), 0.0)];
    assert_eq!(scores(&out), expected, "{log}");
    let eve = Record::read(&Record::path(&out, "eve")).expect("eve's report.json");
    assert!(matches!(&eve.build, BuildOutcome::NotGradable { reason, harness: false } if reason.contains("`../../escaped.rs`")), "{:?}", eve.build);
    assert!(!root.join("escaped.rs").exists() && !subs.join("escaped.rs").exists(), "the zip wrote outside its folder");
    assert_eq!(Record::read(&Record::path(&out, "carol")).expect("carol").build, BuildOutcome::Built);
    for name in ["alice", "bob", "carol", "dave", "eve"] {
        for file in ["results.json", "feedback.md", "report.json"] {
            assert!(out.join(name).join(file).is_file(), "{name}/{file} is missing");
        }
    }
    insta::assert_snapshot!("summary_md", redact(&std::fs::read_to_string(out.join("summary.md")).expect("summary.md"), &root));
    insta::assert_snapshot!("feedback_dave", redact(&std::fs::read_to_string(out.join("dave/feedback.md")).expect("feedback"), &root));
    insta::assert_snapshot!("feedback_bob", redact(&std::fs::read_to_string(out.join("bob/feedback.md")).expect("feedback"), &root));
    insta::assert_snapshot!("feedback_eve", redact(&std::fs::read_to_string(out.join("eve/feedback.md")).expect("feedback"), &root));

    // A second run grades nothing and changes no file.
    let before: Vec<(PathBuf, Vec<u8>)> = files(&out).into_iter().map(|f| (f.clone(), std::fs::read(out.join(&f)).expect("read"))).collect();
    let log = grade(&grader, &subs, &out, &[]);
    assert_eq!(log.matches("(up to date)").count(), 5, "{log}");
    for (f, bytes) in &before {
        if f.starts_with("summary.md") {
            continue; // its time section is recomputed from the same records: same text
        }
        assert_eq!(&std::fs::read(out.join(f)).expect("read"), bytes, "{} changed on a run with nothing to do", f.display());
    }

    // A changed submission is graded again, and only it.
    std::fs::write(subs.join("dave/src/lib.rs"), reference_lib()).expect("fix dave");
    let log = grade(&grader, &subs, &out, &[]);
    assert_eq!(log.matches("(up to date)").count(), 4, "{log}");
    assert!(log.contains("dave: 52 / 52"), "{log}");

    // Three shards, merged, give the files of one run (timings aside).
    let mut shard_outs = Vec::new();
    let mut graded = Vec::new();
    for i in 1..=3 {
        let shard_out = root.join(format!("shard-{i}"));
        grade(&grader, &subs, &shard_out, &["--shard", &format!("{i}/3")]);
        graded.extend(scores(&shard_out).into_iter().map(|(n, _)| n));
        shard_outs.push(shard_out);
    }
    graded.sort();
    assert_eq!(graded, vec!["alice", "bob", "carol", "dave", "eve"], "shards must split the batch without overlap");
    let merged = root.join("merged");
    let shard_paths: Vec<&Path> = shard_outs.iter().map(|p| p.as_path()).collect();
    let mut args: Vec<&Path> = shard_paths.clone();
    args.extend([Path::new("--out"), merged.as_path()]);
    let (ok, text) = gradwork(&["merge"], &args);
    assert!(ok, "gradwork merge failed:\n{text}");
    assert_eq!(files(&merged), files(&out), "merged and unsharded outputs hold different files");
    for f in files(&out) {
        assert_eq!(without_timings(&merged.join(&f)), without_timings(&out.join(&f)), "{} differs after merging", f.display());
    }

    // Shards that overlap are refused.
    let (ok, text) = gradwork(&["merge"], &[&out, &shard_outs[0], Path::new("--out"), &root.join("bad-merge")]);
    assert!(!ok && text.contains("was graded in both"), "{text}");

    // --force grades again what is up to date.
    let log = grade(&grader, &subs, &shard_outs[0], &["--shard", "1/3", "--force"]);
    assert_eq!(log.matches("(up to date)").count(), 0, "{log}");
}

/// The gradwork commands of a script, with its variables filled in.
fn gradwork_commands(script: &str, vars: &[(&str, &str)]) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    for line in script.lines().map(str::trim).filter(|l| !l.starts_with('#')) {
        let Some(at) = line.find("gradwork ").filter(|_| !line.contains("build --release")) else { continue };
        let mut rest = line[at + "gradwork ".len()..].to_string();
        if let Some(args) = rest.strip_prefix("-- ") {
            rest = args.to_string();
        }
        let mut vars = vars.to_vec();
        vars.sort_by_key(|(k, _)| std::cmp::Reverse(k.len()));
        for (k, v) in vars {
            rest = rest.replace(k, v);
        }
        assert!(!rest.contains('$'), "a variable is left in `{rest}`");
        let words: Vec<String> = rest.split_whitespace().map(|w| w.trim_matches('"').to_string()).collect();
        out.push(words);
    }
    out
}

fn parses(words: &[String]) -> Result<(), String> {
    use clap::Parser;
    let argv = std::iter::once("gradwork".to_string()).chain(words.iter().cloned());
    gradwork::cli::Cli::try_parse_from(argv).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn the_scale_out_recipes_call_commands_that_exist() {
    let root = course().root().to_path_buf();
    let read = |p: &str| std::fs::read_to_string(root.join(p)).unwrap_or_else(|e| panic!("{p}: {e}"));

    let text = read("docs/github/grade-sharded.yml");
    let workflow: serde_yaml::Value = serde_yaml::from_str(&text).expect("the workflow is YAML");
    let shards = workflow["jobs"]["grade"]["strategy"]["matrix"]["shard"].as_sequence().expect("a matrix of shards");
    assert_eq!(workflow["env"]["SHARDS"].as_str(), Some(shards.len().to_string().as_str()), "SHARDS must match the matrix");
    assert_eq!(workflow["jobs"]["merge"]["needs"].as_str(), Some("grade"));
    let mut commands = Vec::new();
    for shard in shards {
        let shard = shard.as_u64().expect("shard numbers").to_string();
        let vars = [("$ASSIGNMENT", ASSIGNMENT), ("$SHARDS", "4"), ("$SHARD", shard.as_str()), ("$RUNNER_TEMP", "/tmp/runner")];
        for job in ["grade", "merge"] {
            for step in workflow["jobs"][job]["steps"].as_sequence().expect("steps") {
                commands.extend(gradwork_commands(step["run"].as_str().unwrap_or(""), &vars));
            }
        }
    }
    let vars = [
        ("$ASSIGNMENT", ASSIGNMENT),
        ("$SUBMISSIONS", "/scratch/subs"),
        ("$OUT", "/scratch/out"),
        ("$SHARDS", "8"),
        ("$SHARD", "3"),
        ("${SLURM_CPUS_PER_TASK:-1}", "4"),
    ];
    for script in ["docs/slurm/grade-array.sh", "docs/slurm/merge.sh"] {
        commands.extend(gradwork_commands(&read(script), &vars));
    }
    let kinds: Vec<&str> = commands.iter().map(|c| c[0].as_str()).collect();
    assert!(kinds.contains(&"grade") && kinds.contains(&"merge"), "{commands:?}");
    for c in &commands {
        if let Err(e) = parses(c) {
            panic!("`gradwork {}` does not parse:\n{e}", c.join(" "));
        }
    }
    assert!(parses(&["grade".into(), ASSIGNMENT.into(), "--shard".into(), "4/3".into()]).is_err(), "a bad shard is refused");
}
