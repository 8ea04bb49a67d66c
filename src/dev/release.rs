//! `gradwork release`: what leaves the course repository.
//!
//! - [`student`] writes the student distribution of one assignment: a small
//!   course repository with the harness, the stub crate (regenerated from
//!   the reference's markers), its README and data, and the grader with its
//!   **public** checks only, so that `cargo test -p <id>` works. No reference
//!   code, no samples, no hidden checks: a hidden check's code is removed and
//!   its rubric entry renamed (`hidden-1`, ...), so the student still sees
//!   how many points wait in hidden checks, but not what they test. Two
//!   workflows come with it: `grade.yml` (the checks in the job summary) and
//!   `classroom.yml` (the same, with the points sent to GitHub Classroom;
//!   `grade.yml` stands down while it is there).
//! - [`gradescope`] writes a Gradescope autograder zip: `setup.sh` (Rust, the
//!   torch wheel, a warm build), `run_autograder` (grades
//!   `/autograder/submission` into `/autograder/results/results.json`), and
//!   the harness with the full grader, but no reference code.
//!
//! Both scan what they wrote and refuse to finish if a hidden check's id,
//! title or function, or a `reference/` path, is in it.
//!
//! Hidden-check code the release cannot find by itself (helpers only hidden
//! checks use) goes between `// BEGIN HIDDEN` and `// END HIDDEN` lines in
//! the grader's source; those lines and everything between are left out of
//! the student release.

use crate::course::Course;
use crate::dev::stubs::{self, StubError};
use crate::result::Visibility;
use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

/// Environment variable that moves the autograder's root away from `/autograder` (for tests).
pub const AUTOGRADER_ROOT_VAR: &str = "GRADWORK_AUTOGRADER_ROOT";

/// The student workflow template, relative to the course root; a release
/// writes it to `.github/workflows/grade.yml`.
pub const STUDENT_WORKFLOW: &str = "templates/student-workflow.yml";

/// The GitHub Classroom workflow template, relative to the course root; a
/// release writes it to `.github/workflows/classroom.yml`, next to
/// `grade.yml`, which stands down while it is there.
pub const CLASSROOM_WORKFLOW: &str = "templates/classroom.yml";

/// Each workflow template and where a student release puts it.
pub const STUDENT_WORKFLOWS: [(&str, &str); 2] =
    [(STUDENT_WORKFLOW, ".github/workflows/grade.yml"), (CLASSROOM_WORKFLOW, ".github/workflows/classroom.yml")];

/// The placeholder for the assignment id in templates.
pub const ASSIGNMENT_PLACEHOLDER: &str = "__ASSIGNMENT__";

/// Errors making a release.
#[derive(Debug, thiserror::Error)]
pub enum ReleaseError {
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// the path
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
    /// The stubs could not be generated.
    #[error(transparent)]
    Stubs(#[from] StubError),
    /// The course's rubric is broken.
    #[error(transparent)]
    Course(#[from] crate::course::CourseError),
    /// A manifest, rubric or source file is not shaped as the release expects.
    #[error("{path}: {message}")]
    Source {
        /// the file
        path: PathBuf,
        /// what is wrong and what to do
        message: String,
    },
    /// The output directory is not empty.
    #[error("{0} exists and is not empty: give a new directory")]
    NotEmpty(PathBuf),
    /// Something secret is in the output.
    #[error("the release would leak {what} in {file}:{line}: {hint}")]
    Leak {
        /// what leaked
        what: String,
        /// file relative to the release
        file: String,
        /// 1-based line
        line: usize,
        /// how to fix it
        hint: String,
    },
    /// The zip file could not be written.
    #[error("cannot write {path}: {message}")]
    Zip {
        /// the zip file
        path: PathBuf,
        /// what happened
        message: String,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ReleaseError + '_ {
    move |source| ReleaseError::Io { path: path.to_path_buf(), source }
}

fn source_error(path: &Path, message: impl Into<String>) -> ReleaseError {
    ReleaseError::Source { path: path.to_path_buf(), message: message.into() }
}

/// A release being assembled: relative path → contents and Unix mode.
#[derive(Debug, Default, Clone)]
pub struct Tree {
    files: BTreeMap<String, (Vec<u8>, u32)>,
}

impl Tree {
    /// Adds a file (mode 0644).
    pub fn add(&mut self, rel: &str, bytes: Vec<u8>) {
        self.files.insert(rel.to_string(), (bytes, 0o644));
    }

    /// Adds an executable file (mode 0755).
    pub fn add_executable(&mut self, rel: &str, bytes: Vec<u8>) {
        self.files.insert(rel.to_string(), (bytes, 0o755));
    }

    /// Copies every file under `from` (skipping `target/` and names in `skip`) to `to`.
    pub fn add_dir(&mut self, from: &Path, to: &str, skip: &[&str]) -> Result<(), ReleaseError> {
        let files = crate::workspace::list_files(from).map_err(|e| source_error(from, e.to_string()))?;
        for rel in files {
            if skip.iter().any(|s| rel == *s || rel.starts_with(&format!("{s}/"))) {
                continue;
            }
            let path = from.join(&rel);
            let bytes = fs::read(&path).map_err(io(&path))?;
            let executable = fs::metadata(&path).map(|m| std::os::unix::fs::PermissionsExt::mode(&m.permissions()) & 0o111 != 0).unwrap_or(false);
            let dest = if to.is_empty() { rel.clone() } else { format!("{to}/{rel}") };
            if executable {
                self.add_executable(&dest, bytes);
            } else {
                self.add(&dest, bytes);
            }
        }
        Ok(())
    }

    /// Removes every file under `dir` (relative).
    pub fn remove_dir(&mut self, dir: &str) {
        let prefix = format!("{}/", dir.trim_end_matches('/'));
        self.files.retain(|rel, _| !rel.starts_with(&prefix));
    }

    /// The paths, sorted.
    pub fn paths(&self) -> impl Iterator<Item = &str> {
        self.files.keys().map(String::as_str)
    }

    /// A file's contents.
    pub fn get(&self, rel: &str) -> Option<&[u8]> {
        self.files.get(rel).map(|(b, _)| b.as_slice())
    }

    /// Writes the tree under `dest`.
    pub fn write(&self, dest: &Path) -> Result<(), ReleaseError> {
        for (rel, (bytes, mode)) in &self.files {
            let path = dest.join(rel);
            if let Some(parent) = path.parent() {
                fs::create_dir_all(parent).map_err(io(parent))?;
            }
            fs::write(&path, bytes).map_err(io(&path))?;
            fs::set_permissions(&path, std::os::unix::fs::PermissionsExt::from_mode(*mode)).map_err(io(&path))?;
        }
        Ok(())
    }

    /// Writes the tree as a zip file (entries sorted, timestamps fixed, so the same tree gives the same bytes).
    pub fn write_zip(&self, path: &Path) -> Result<(), ReleaseError> {
        use std::io::Write;
        let zip_err = |e: &dyn std::fmt::Display| ReleaseError::Zip { path: path.to_path_buf(), message: e.to_string() };
        if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        let file = fs::File::create(path).map_err(io(path))?;
        let mut zip = zip::ZipWriter::new(file);
        for (rel, (bytes, mode)) in &self.files {
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .last_modified_time(zip::DateTime::default())
                .unix_permissions(*mode);
            zip.start_file(rel.as_str(), options).map_err(|e| zip_err(&e))?;
            zip.write_all(bytes).map_err(|e| zip_err(&e))?;
        }
        zip.finish().map_err(|e| zip_err(&e))?;
        Ok(())
    }
}

/// Which checks are hidden from students: every check a student's local
/// run does not run (visibility other than `visible`), in rubric order,
/// with the name each gets in the student release.
#[derive(Debug, Clone, PartialEq)]
pub struct Withheld {
    /// The check id.
    pub id: String,
    /// Its title.
    pub title: String,
    /// Its name in the student release, `hidden-1`, ...
    pub public_id: String,
}

/// The checks the student release withholds.
pub fn withheld_checks(course: &Course, id: &str) -> Result<Vec<Withheld>, ReleaseError> {
    let rubric = course.rubric(id)?;
    Ok(rubric
        .checks
        .iter()
        .filter(|c| c.visibility != Visibility::Visible)
        .enumerate()
        .map(|(i, c)| Withheld { id: c.id.clone(), title: c.title.clone(), public_id: format!("hidden-{}", i + 1) })
        .collect())
}

/// The check function registered for withheld checks in a student release.
/// Local runs never call it (hidden checks do not run locally); if a run
/// does, the check is reported as the grader's problem, not the student's.
pub fn withheld(_ctx: &mut crate::suite::Ctx) -> Result<(), crate::suite::Failure> {
    Err(crate::suite::Failure::Grader(
        "this check is withheld from the student release: it runs when your work is graded".into(),
    ))
}

/// The root manifest for a release: the harness package and a workspace of
/// exactly `members`; tests, benches, examples and dev-dependencies of the
/// harness left out (their files are not shipped).
pub fn root_manifest(text: &str, path: &Path, members: &[String], default_members: &[String]) -> Result<String, ReleaseError> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| source_error(path, format!("not valid TOML: {e}")))?;
    for key in ["bench", "test", "example", "dev-dependencies"] {
        doc.remove(key);
    }
    let workspace = doc
        .get_mut("workspace")
        .and_then(|w| w.as_table_mut())
        .ok_or_else(|| source_error(path, "no [workspace] table"))?;
    let list = |items: &[String]| {
        let mut a = toml_edit::Array::new();
        for m in items {
            a.push(m.as_str());
        }
        toml_edit::value(a)
    };
    workspace["members"] = list(members);
    workspace["default-members"] = list(default_members);
    // Comments on these keys described the course's layout, not this one.
    for key in ["members", "default-members"] {
        if let Some(mut k) = workspace.key_mut(key) {
            k.leaf_decor_mut().clear();
        }
    }
    Ok(doc.to_string())
}

/// The rubric for students: withheld checks renamed `hidden-N`, titled
/// "Hidden check N", their hints, tolerances and comments removed; points
/// and visibility kept. Forbidden-API entries that name them follow the rename.
pub fn public_rubric(text: &str, path: &Path, withheld: &[Withheld]) -> Result<String, ReleaseError> {
    let mut doc: toml_edit::DocumentMut = text.parse().map_err(|e| source_error(path, format!("not valid TOML: {e}")))?;
    let rename = |id: &str| withheld.iter().find(|w| w.id == id).map(|w| w.public_id.clone());
    if let Some(checks) = doc.get_mut("check").and_then(|c| c.as_array_of_tables_mut()) {
        for table in checks.iter_mut() {
            let id = table.get("id").and_then(|v| v.as_str()).map(String::from);
            let Some(public) = id.as_deref().and_then(rename) else { continue };
            let number = public.trim_start_matches("hidden-").to_string();
            let keep: Vec<String> = table.iter().map(|(k, _)| k.to_string()).filter(|k| k == "points" || k == "visibility").collect();
            let kept: Vec<(String, toml_edit::Item)> = keep.iter().filter_map(|k| table.get(k).map(|v| (k.clone(), v.clone()))).collect();
            table.clear();
            table.decor_mut().clear();
            table["id"] = toml_edit::value(public.clone());
            table["title"] = toml_edit::value(format!("Hidden check {number}"));
            for (k, mut v) in kept {
                if let Some(value) = v.as_value_mut() {
                    value.decor_mut().clear();
                }
                table[k.as_str()] = v;
            }
        }
    }
    if let Some(forbidden) = doc.get_mut("forbidden").and_then(|c| c.as_array_of_tables_mut()) {
        for table in forbidden.iter_mut() {
            if let Some(list) = table.get_mut("checks").and_then(|c| c.as_array_mut()) {
                for v in list.iter_mut() {
                    if let Some(public) = v.as_str().and_then(rename) {
                        *v = public.into();
                    }
                }
            }
        }
    }
    Ok(doc.to_string())
}

/// `.check("id", path::to::function)` calls in `source`: (byte range of the
/// call, check id, function path).
fn check_calls(source: &str) -> Vec<(std::ops::Range<usize>, String, String)> {
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(pos) = source[from..].find(".check(") {
        let start = from + pos;
        let args_start = start + ".check(".len();
        from = args_start;
        // The arguments end at the matching parenthesis.
        let mut depth = 1;
        let mut end = None;
        for (i, ch) in source[args_start..].char_indices() {
            match ch {
                '(' => depth += 1,
                ')' => {
                    depth -= 1;
                    if depth == 0 {
                        end = Some(args_start + i);
                        break;
                    }
                }
                _ => {}
            }
        }
        let Some(end) = end else { break };
        let args = &source[args_start..end];
        let Some((id, function)) = args.split_once(',') else { continue };
        let id = id.trim();
        if !(id.starts_with('"') && id.ends_with('"') && id.len() >= 2) {
            continue;
        }
        found.push((start..end + 1, id[1..id.len() - 1].to_string(), function.trim().trim_end_matches(',').trim().to_string()));
    }
    found
}

/// The files (relative to `src/`) that may hold module `module` of a
/// function path as written in `from` (`network`, `crate::net::mlp`,
/// `self`, or "" for the registering file itself).
fn module_file(module: &str, from: &str) -> Vec<String> {
    let parts: Vec<&str> = module.split("::").filter(|p| !p.is_empty() && *p != "crate" && *p != "self").collect();
    if parts.is_empty() {
        return vec![from.to_string(), "lib.rs".to_string()];
    }
    let path = parts.join("/");
    vec![format!("{path}.rs"), format!("{path}/mod.rs")]
}

/// The source with the item `fn name` (at the start of a line, with its doc
/// comments and attributes, up to the first line that is exactly `}`) removed.
fn remove_fn(source: &str, name: &str) -> Option<String> {
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let is_start = |l: &str| {
        let l = l.trim_end();
        ["fn ", "pub fn ", "pub(crate) fn "].iter().any(|p| l.strip_prefix(p).is_some_and(|rest| rest.starts_with(name) && rest[name.len()..].starts_with(['(', '<'])))
    };
    let start = lines.iter().position(|l| is_start(l))?;
    let end = start + lines[start..].iter().position(|l| l.trim_end() == "}")?;
    let mut first = start;
    while first > 0 && (lines[first - 1].trim_start().starts_with("///") || lines[first - 1].trim_start().starts_with("#[")) {
        first -= 1;
    }
    // Also the blank line after it, so no double blank is left.
    let last = if lines.get(end + 1).is_some_and(|l| l.trim().is_empty()) { end + 1 } else { end };
    let mut out: String = lines[..first].concat();
    out.push_str(&lines[last + 1..].concat());
    Some(out)
}

/// The source without `// BEGIN HIDDEN` … `// END HIDDEN` regions.
fn remove_hidden_regions(source: &str, path: &Path) -> Result<String, ReleaseError> {
    let mut out = String::with_capacity(source.len());
    let mut open: Option<usize> = None;
    for (i, line) in source.split_inclusive('\n').enumerate() {
        let t = line.trim();
        if t == "// BEGIN HIDDEN" {
            if let Some(o) = open {
                return Err(source_error(path, format!("line {}: `// BEGIN HIDDEN` inside the region opened on line {o}", i + 1)));
            }
            open = Some(i + 1);
        } else if t == "// END HIDDEN" {
            if open.take().is_none() {
                return Err(source_error(path, format!("line {}: `// END HIDDEN` without `// BEGIN HIDDEN`", i + 1)));
            }
        } else if open.is_none() {
            out.push_str(line);
        }
    }
    if let Some(o) = open {
        return Err(source_error(path, format!("line {o}: `// BEGIN HIDDEN` is never closed")));
    }
    Ok(out)
}

/// Puts `attribute` after the crate's leading `//!` docs.
fn add_inner_attribute(source: &str, attribute: &str) -> String {
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let at = lines.iter().position(|l| !l.trim_start().starts_with("//!")).unwrap_or(lines.len());
    let mut out: String = lines[..at].concat();
    if at > 0 {
        out.push('\n');
    }
    out.push_str(attribute);
    out.push('\n');
    if lines.get(at).is_some_and(|l| !l.trim().is_empty()) {
        out.push('\n');
    }
    out.push_str(&lines[at..].concat());
    out
}

/// The grader's `src/` for students, as (path relative to `src/`, text):
/// registrations of withheld checks point at [`withheld`] under their public
/// ids, their functions and `// BEGIN HIDDEN` regions are gone.
pub fn public_grader_sources(src_dir: &Path, withheld_checks: &[Withheld]) -> Result<Vec<(String, String)>, ReleaseError> {
    let files = crate::workspace::list_files(src_dir).map_err(|e| source_error(src_dir, e.to_string()))?;
    let mut sources = Vec::new();
    // Functions that `// BEGIN HIDDEN` regions held: already gone.
    let mut in_hidden_regions = String::new();
    for rel in files.into_iter().filter(|f| f.ends_with(".rs")) {
        let path = src_dir.join(&rel);
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        let public = remove_hidden_regions(&text, &path)?;
        if public.len() != text.len() {
            in_hidden_regions.push_str(&text);
        }
        sources.push((rel, public));
    }
    // (function name, check id, the file its path points at)
    let mut functions = Vec::new();
    for (rel, text) in sources.iter_mut() {
        let calls = check_calls(text);
        for (range, id, function) in calls.into_iter().rev() {
            if let Some(w) = withheld_checks.iter().find(|w| w.id == id) {
                let (module, name) = function.rsplit_once("::").unwrap_or(("", function.as_str()));
                functions.push((name.to_string(), w.id.clone(), module_file(module, rel)));
                text.replace_range(range, &format!(".check(\"{}\", gradwork::dev::release::withheld)", w.public_id));
            }
        }
    }
    for w in withheld_checks {
        if !functions.iter().any(|(_, id, _)| id == &w.id) {
            return Err(source_error(src_dir, format!(
                "no `.check(\"{}\", ...)` registration found for the hidden check `{}`: register it with a string literal id",
                w.id, w.id
            )));
        }
    }
    for (name, id, file) in &functions {
        // The file the registration's path names, else the first that has the function.
        let mut order: Vec<usize> = (0..sources.len()).collect();
        order.sort_by_key(|&i| !file.iter().any(|f| f == &sources[i].0));
        let mut removed = false;
        for i in order {
            if let Some(stripped) = remove_fn(&sources[i].1, name) {
                sources[i].1 = stripped;
                removed = true;
                break;
            }
        }
        if !removed && remove_fn(&in_hidden_regions, name).is_none() {
            return Err(source_error(src_dir, format!(
                "the function `{name}` of the hidden check `{id}` was not found as a top-level `fn {name}(` ending in a line `}}`: \
                 format the grader with rustfmt, or wrap it in `// BEGIN HIDDEN` / `// END HIDDEN`"
            )));
        }
    }
    for (rel, text) in sources.iter_mut() {
        if rel == "lib.rs" {
            *text = add_inner_attribute(
                text,
                "// `gradwork release` removed the hidden checks; what only they used is left unused.\n#![allow(dead_code, unused_imports)]",
            );
        }
    }
    Ok(sources)
}

/// Fails if `tree` holds a file of `reference/`, if a withheld check's id,
/// title or function name appears in one of its text files, or if the
/// assignment's or grader's files name a path into `reference/`.
pub fn scan_for_leaks(tree: &Tree, withheld_checks: &[Withheld], function_names: &[String]) -> Result<(), ReleaseError> {
    let mut needles: Vec<(String, String)> = Vec::new();
    for w in withheld_checks {
        needles.push((format!("\"{}\"", w.id), format!("the hidden check id `{}`", w.id)));
        needles.push((w.title.clone(), format!("the hidden check title \"{}\"", w.title)));
    }
    // Function names are looked for in grader code only: a student function
    // or a runner entry may share a hidden check's name without leaking it.
    let mut grader_needles: Vec<(String, String)> = Vec::new();
    for f in function_names {
        grader_needles.push((format!("fn {f}("), format!("the hidden check function `{f}`")));
    }
    for rel in tree.paths() {
        if rel.starts_with("reference/") {
            return Err(ReleaseError::Leak {
                what: "a reference file".into(),
                file: rel.to_string(),
                line: 0,
                hint: "reference solutions never leave the course repository".into(),
            });
        }
        let Some(bytes) = tree.get(rel) else { continue };
        let Ok(text) = std::str::from_utf8(bytes) else { continue };
        // The assignment's and the grader's code and manifests must not reach
        // into reference/ (an `include_str!` or a path dependency would build the
        // solution in); comments and the harness's docs may name it.
        let course_code = (rel.starts_with("assignments/") || rel.starts_with("graders/")) && (rel.ends_with(".rs") || rel.ends_with("Cargo.toml"));
        if course_code {
            for (i, line) in text.lines().enumerate() {
                let code = line.trim_start();
                if !(code.starts_with("//") || code.starts_with('#')) && line.contains("reference/") {
                    return Err(ReleaseError::Leak {
                        what: "a path into reference/".into(),
                        file: rel.to_string(),
                        line: i + 1,
                        hint: "the assignment and its grader must build without the reference".into(),
                    });
                }
            }
        }
        let grader_code = rel.starts_with("graders/") && !rel.contains("/runner/") && rel.ends_with(".rs");
        let here = needles.iter().chain(grader_needles.iter().filter(|_| grader_code));
        for (needle, what) in here {
            if let Some(pos) = text.find(needle.as_str()) {
                let line = text[..pos].matches('\n').count() + 1;
                return Err(ReleaseError::Leak {
                    what: what.clone(),
                    file: rel.to_string(),
                    line,
                    hint: "remove it, or wrap hidden-only grader code in `// BEGIN HIDDEN` / `// END HIDDEN`".into(),
                });
            }
        }
    }
    Ok(())
}

/// The harness: root manifest (rewritten), lock file, build script, sources, assets and the libtorch setup.
fn add_harness(tree: &mut Tree, course: &Course, members: &[String], default_members: &[String]) -> Result<(), ReleaseError> {
    let root = course.root();
    let manifest_path = root.join("Cargo.toml");
    let manifest = fs::read_to_string(&manifest_path).map_err(io(&manifest_path))?;
    tree.add("Cargo.toml", root_manifest(&manifest, &manifest_path, members, default_members)?.into_bytes());
    for file in ["Cargo.lock", "build.rs", "tools/setup_libtorch.py"] {
        let path = root.join(file);
        if path.is_file() {
            tree.add(file, fs::read(&path).map_err(io(&path))?);
        }
    }
    tree.add_dir(&root.join("src"), "src", &[])?;
    if root.join("assets").is_dir() {
        tree.add_dir(&root.join("assets"), "assets", &[])?;
    }
    tree.add(".gitignore", b"/target\n# written by `make setup` for this machine\n/.cargo/config.toml\n".to_vec());
    Ok(())
}

/// The assignment crate with stubs generated from the reference (not the files on disk).
fn add_assignment(tree: &mut Tree, course: &Course, id: &str) -> Result<(), ReleaseError> {
    let dir = format!("assignments/{id}");
    tree.add_dir(&course.stub_dir(id), &dir, &["src"])?;
    for file in stubs::generate(course, id)? {
        tree.add(&format!("{dir}/src/{}", file.rel), file.contents);
    }
    Ok(())
}

fn members(id: &str) -> Vec<String> {
    vec![".".into(), format!("assignments/{id}"), format!("graders/{id}"), format!("graders/{id}/runner")]
}

fn ensure_empty(dir: &Path) -> Result<(), ReleaseError> {
    let has_entries = fs::read_dir(dir).map(|mut entries| entries.next().is_some()).unwrap_or(false);
    if has_entries {
        return Err(ReleaseError::NotEmpty(dir.to_path_buf()));
    }
    Ok(())
}

/// The student distribution of assignment `id`, in memory.
pub fn student_tree(course: &Course, id: &str) -> Result<Tree, ReleaseError> {
    let rubric = course.rubric(id)?;
    let withheld_checks = withheld_checks(course, id)?;
    let mut tree = Tree::default();
    add_harness(&mut tree, course, &members(id), &[format!("assignments/{id}")])?;
    add_assignment(&mut tree, course, id)?;
    let grader = course.grader_dir(id);
    let grader_rel = format!("graders/{id}");
    // samples.toml and mutants.toml describe the reference's code: they stay home.
    tree.add_dir(&grader, &grader_rel, &["src", "samples.toml", "mutants.toml", "rubric.toml", "tests"])?;
    let rubric_path = grader.join("rubric.toml");
    let rubric_text = fs::read_to_string(&rubric_path).map_err(io(&rubric_path))?;
    tree.add(&format!("{grader_rel}/rubric.toml"), public_rubric(&rubric_text, &rubric_path, &withheld_checks)?.into_bytes());
    for (rel, text) in public_grader_sources(&grader.join("src"), &withheld_checks)? {
        tree.add(&format!("{grader_rel}/src/{rel}"), text.into_bytes());
    }
    // The functions of the withheld checks, to make sure none is left.
    let mut removed_functions = Vec::new();
    let original = crate::workspace::list_files(&grader.join("src")).map_err(|e| source_error(&grader, e.to_string()))?;
    for rel in original.iter().filter(|f| f.ends_with(".rs")) {
        let path = grader.join("src").join(rel);
        let text = fs::read_to_string(&path).map_err(io(&path))?;
        for (_, check, function) in check_calls(&text) {
            if withheld_checks.iter().any(|w| w.id == check) {
                removed_functions.push(function.rsplit("::").next().unwrap_or(&function).to_string());
            }
        }
    }
    let handout = course.stub_dir(id).join("README.md");
    let handout_text = fs::read_to_string(&handout).unwrap_or_default();
    tree.add("README.md", student_readme(id, &rubric.title, &handout_text).into_bytes());
    tree.add("Makefile", student_makefile(id).into_bytes());
    for (template, dest) in STUDENT_WORKFLOWS {
        let workflow = course.root().join(template);
        if workflow.is_file() {
            let text = fs::read_to_string(&workflow).map_err(io(&workflow))?;
            tree.add(dest, text.replace(ASSIGNMENT_PLACEHOLDER, id).into_bytes());
        }
    }
    scan_for_leaks(&tree, &withheld_checks, &removed_functions)?;
    Ok(tree)
}

/// Writes the student distribution of `id` into `dest` (new or empty).
pub fn student(course: &Course, id: &str, dest: &Path) -> Result<Tree, ReleaseError> {
    ensure_empty(dest)?;
    let tree = student_tree(course, id)?;
    tree.write(dest)?;
    Ok(tree)
}

fn student_readme(id: &str, title: &str, handout: &str) -> String {
    format!(
        "# {id}: {title}\n\n\
         This folder is your copy of the assignment. Your code goes in `assignments/{id}/src/`;\n\
         the exercises are in [`assignments/{id}/README.md`](assignments/{id}/README.md).\n\n\
         ## Getting started\n\n\
         ```sh\n\
         make setup                 # once: installs libtorch 2.13.0 (needs Python 3 and Rust)\n\
         cargo test -p {id}         # runs the checks you can see, with points and hints\n\
         cargo test -p {id} -- --list     # the checks, with the ids --check takes\n\
         cargo test -p {id} -- --check ID   # one check\n\
         cargo test -p {id} -- --help     # every option\n\
         ```\n\n\
         Some checks are hidden: they run only when your work is graded. `cargo test` tells you\n\
         how many there are and how many points they are worth.\n\n\
         Only the files under `assignments/{id}/src/` are graded; changes anywhere else are ignored.\n\n\
         On GitHub every push runs the checks (`.github/workflows/classroom.yml`): the job summary\n\
         shows them, and in GitHub Classroom their points appear in the dashboard.\n\n\
         ---\n\n{handout}"
    )
}

fn student_makefile(id: &str) -> String {
    format!(
        "# make setup: install libtorch once; make test: run the checks of {id}.\n\
         .PHONY: setup test\n\n\
         setup:\n\
         \t@python3 tools/setup_libtorch.py\n\n\
         test: setup\n\
         \tcargo test -p {id}\n"
    )
}

/// The Gradescope autograder bundle of `id`, in memory.
pub fn gradescope_tree(course: &Course, id: &str) -> Result<Tree, ReleaseError> {
    course.require(id)?;
    let mut tree = Tree::default();
    add_harness(&mut tree, course, &members(id), &[".".into(), format!("graders/{id}"), format!("graders/{id}/runner")])?;
    add_assignment(&mut tree, course, id)?;
    // The full grader, hidden checks included (the bundle stays with the instructor
    // and Gradescope); samples and recorded mutants hold reference code, so they stay home.
    tree.add_dir(&course.grader_dir(id), &format!("graders/{id}"), &["samples.toml", "mutants.toml", "tests"])?;
    tree.add_executable("setup.sh", setup_sh(id).into_bytes());
    tree.add_executable("run_autograder", run_autograder(id).into_bytes());
    scan_for_leaks(&tree, &[], &[])?;
    Ok(tree)
}

/// Writes the Gradescope autograder zip of `id` to `zip_path`.
pub fn gradescope(course: &Course, id: &str, zip_path: &Path) -> Result<Tree, ReleaseError> {
    let tree = gradescope_tree(course, id)?;
    tree.write_zip(zip_path)?;
    Ok(tree)
}

fn setup_sh(id: &str) -> String {
    format!(
        r#"#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image for
# {id}: Rust, libtorch (PyPI's torch 2.13.0 CPU wheel) and a warm build, so
# that grading a submission compiles only the submission.
set -euo pipefail
ROOT="${{{AUTOGRADER_ROOT_VAR}:-/autograder}}"
SOURCE="$ROOT/source"
export GRADWORK_CACHE="${{GRADWORK_CACHE:-$ROOT/cache}}"

if command -v apt-get >/dev/null 2>&1; then
  apt-get install -y --no-install-recommends build-essential ca-certificates curl python3 python3-venv
fi
if ! command -v cargo >/dev/null 2>&1 && [ ! -x "$HOME/.cargo/bin/cargo" ]; then
  curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
fi
export PATH="$HOME/.cargo/bin:$PATH"

cd "$SOURCE"
# The torch wheel into a virtualenv under $GRADWORK_CACHE; writes .cargo/config.toml.
python3 tools/setup_libtorch.py --cuda no
cargo build --release --bin gradwork
# Grade the stub once: builds the grader and every dependency of the runner.
./target/release/gradwork --course "$SOURCE" grade {id} "assignments/{id}" --out /tmp/gradwork-warm-up >/dev/null || true
"#
    )
}

fn run_autograder(id: &str) -> String {
    format!(
        r#"#!/usr/bin/env bash
# Gradescope runs this for every submission of {id}: it grades
# $ROOT/submission and writes $ROOT/results/results.json. It always writes a
# results.json, so a broken run shows the student a reason, not a blank page.
set -uo pipefail
ROOT="${{{AUTOGRADER_ROOT_VAR}:-/autograder}}"
SOURCE="$ROOT/source"
ASSIGNMENT="{id}"
RESULTS="$ROOT/results/results.json"
export PATH="$HOME/.cargo/bin:$PATH"
export GRADWORK_CACHE="${{GRADWORK_CACHE:-$ROOT/cache}}"
GRADWORK="${{GRADWORK_BIN:-$SOURCE/target/release/gradwork}}"
mkdir -p "$ROOT/results"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

fail() {{
  printf '{{"score": 0, "output": "%s", "output_format": "md", "visibility": "visible", "stdout_visibility": "hidden", "tests": []}}\n' "$1" > "$RESULTS"
  echo "run_autograder: $1" >&2
  exit 0
}}

# A submission is the crate folder (with src/), the whole repository
# (assignments/{id}/src), or the bare .rs files of src/.
sub="$ROOT/submission"
if [ -d "$sub/src" ]; then
  crate="$sub"
elif [ -d "$sub/assignments/$ASSIGNMENT/src" ]; then
  crate="$sub/assignments/$ASSIGNMENT"
elif compgen -G "$sub/*.rs" >/dev/null; then
  crate="$work/submission"
  mkdir -p "$crate/src"
  cp "$sub"/*.rs "$crate/src/"
else
  fail "No Rust source found in your submission: upload your src folder (with lib.rs), or the .rs files in it."
fi

"$GRADWORK" --course "$SOURCE" grade "$ASSIGNMENT" "$crate" --out "$work/out" --jobs 1 --report "gradescope=$RESULTS" \
  || fail "The autograder could not grade this submission (a problem on our side, not in your code): please tell your instructor."
[ -s "$RESULTS" ] || fail "The autograder wrote no results (a problem on our side, not in your code): please tell your instructor."
"#
    )
}
