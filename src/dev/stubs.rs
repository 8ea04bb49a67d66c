//! Stubs from solution markers: one source, `reference/<id>/src`, makes
//! both the solution and the student's stub `assignments/<id>/src`.
//!
//! A region between `// BEGIN SOLUTION: text` and `// END SOLUTION` becomes
//! `// TODO: text` and `todo!()`, indented like the BEGIN line; a line that
//! ends in `// SOLUTION: text` becomes the same two lines, indented like it.
//! Every other line is copied unchanged. The text after the colon is
//! optional; without it, only `todo!()` is written.
//!
//! ```
//! use gradwork::dev::stubs::stub_source;
//! let reference = "\
//! pub fn two() -> i64 {
//!     // BEGIN SOLUTION: add one and one
//!     let one = 1;
//!     one + one
//!     // END SOLUTION
//! }
//! pub fn three() -> i64 {
//!     3 // SOLUTION: the number after two
//! }
//! ";
//! let stub = "\
//! pub fn two() -> i64 {
//!     // TODO: add one and one
//!     todo!()
//! }
//! pub fn three() -> i64 {
//!     // TODO: the number after two
//!     todo!()
//! }
//! ";
//! assert_eq!(stub_source(reference).unwrap(), stub);
//! ```

use crate::course::Course;
use std::fs;
use std::path::{Path, PathBuf};

const BEGIN: &str = "// BEGIN SOLUTION";
const END: &str = "// END SOLUTION";
const ONE_LINE: &str = "// SOLUTION";

/// A malformed marker, with its 1-based line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MarkerError {
    /// `// BEGIN SOLUTION` without a matching `// END SOLUTION`.
    #[error("line {line}: `// BEGIN SOLUTION` is never closed: add `// END SOLUTION` after the solution")]
    Unclosed {
        /// line of the BEGIN marker
        line: usize,
    },
    /// `// END SOLUTION` outside a region.
    #[error("line {line}: `// END SOLUTION` without a `// BEGIN SOLUTION` before it")]
    UnexpectedEnd {
        /// line of the END marker
        line: usize,
    },
    /// A region opened inside another.
    #[error("line {line}: `// BEGIN SOLUTION` inside the region opened on line {open}: regions cannot nest")]
    Nested {
        /// line of the inner BEGIN marker
        line: usize,
        /// line of the outer BEGIN marker
        open: usize,
    },
    /// A BEGIN or END marker with code before it on the same line.
    #[error("line {line}: `{marker}` must be alone on its line (only indentation before it)")]
    NotAlone {
        /// the line
        line: usize,
        /// the marker
        marker: &'static str,
    },
}

/// Errors generating or comparing an assignment's stubs.
#[derive(Debug, thiserror::Error)]
pub enum StubError {
    /// A reference file has a malformed marker.
    #[error("{file}: {error}")]
    Marker {
        /// the reference file
        file: PathBuf,
        /// what is wrong
        error: MarkerError,
    },
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    Io {
        /// the path
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> StubError + '_ {
    move |source| StubError::Io { path: path.to_path_buf(), source }
}

/// One line, classified.
enum Line<'a> {
    Begin { indent: &'a str, text: &'a str },
    End,
    Inline { indent: &'a str, text: &'a str },
    Other,
}

/// The text after a marker: `: text` gives `text`; nothing gives "".
/// `None` when the marker is followed by something else (`// SOLUTIONS`).
fn marker_text(rest: &str) -> Option<&str> {
    let rest = rest.trim();
    if rest.is_empty() {
        Some("")
    } else {
        rest.strip_prefix(':').map(str::trim)
    }
}

fn classify(line: &str, number: usize) -> Result<Line<'_>, MarkerError> {
    let trimmed = line.trim_start();
    let indent = &line[..line.len() - trimmed.len()];
    if let Some(text) = trimmed.strip_prefix(BEGIN).and_then(marker_text) {
        return Ok(Line::Begin { indent, text });
    }
    if trimmed.strip_prefix(END).and_then(marker_text).is_some() {
        return Ok(Line::End);
    }
    for marker in [BEGIN, END] {
        if let Some(at) = line.find(marker) {
            if marker_text(&line[at + marker.len()..]).is_some() {
                return Err(MarkerError::NotAlone { line: number, marker });
            }
        }
    }
    // The one-line form: `code // SOLUTION: text`, the last such comment on the line.
    if let Some(at) = line.rfind(ONE_LINE) {
        if let Some(text) = marker_text(&line[at + ONE_LINE.len()..]) {
            return Ok(Line::Inline { indent, text });
        }
    }
    Ok(Line::Other)
}

fn push_todo(out: &mut String, indent: &str, text: &str) {
    if !text.is_empty() {
        out.push_str(indent);
        out.push_str("// TODO: ");
        out.push_str(text);
        out.push('\n');
    }
    out.push_str(indent);
    out.push_str("todo!()\n");
}

/// The stub of one reference source file.
pub fn stub_source(reference: &str) -> Result<String, MarkerError> {
    let mut out = String::with_capacity(reference.len());
    let mut open: Option<usize> = None;
    for (i, line) in reference.split_inclusive('\n').enumerate() {
        let number = i + 1;
        let bare = line.strip_suffix('\n').unwrap_or(line);
        let bare = bare.strip_suffix('\r').unwrap_or(bare);
        match (classify(bare, number)?, open) {
            (Line::Begin { .. }, Some(open)) => return Err(MarkerError::Nested { line: number, open }),
            (Line::Begin { indent, text }, None) => {
                push_todo(&mut out, indent, text);
                open = Some(number);
            }
            (Line::End, Some(_)) => open = None,
            (Line::End, None) => return Err(MarkerError::UnexpectedEnd { line: number }),
            (_, Some(_)) => {}
            (Line::Inline { indent, text }, None) => push_todo(&mut out, indent, text),
            (Line::Other, None) => out.push_str(line),
        }
    }
    if let Some(line) = open {
        return Err(MarkerError::Unclosed { line });
    }
    Ok(out)
}

/// What one line of a reference file is to the stub generator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineRole {
    /// Solution code: inside a `BEGIN/END SOLUTION` region, or ending in `// SOLUTION`.
    Solution,
    /// A `// BEGIN SOLUTION` or `// END SOLUTION` line.
    Marker,
    /// Code the student is given: copied into the stub unchanged.
    Given,
}

/// The role of every line of a reference source file, in order (index 0 is
/// line 1), by the same rules [`stub_source`] follows: the lines it replaces
/// with `todo!()` are [`LineRole::Solution`].
///
/// ```
/// use gradwork::dev::stubs::{solution_lines, LineRole::*};
/// let reference = "fn f() -> i64 {\n    // BEGIN SOLUTION\n    1\n    // END SOLUTION\n}\nfn g() -> i64 { 2 } // SOLUTION\n";
/// assert_eq!(solution_lines(reference).unwrap(), [Given, Marker, Solution, Marker, Given, Solution]);
/// ```
pub fn solution_lines(reference: &str) -> Result<Vec<LineRole>, MarkerError> {
    let mut roles = Vec::new();
    let mut open: Option<usize> = None;
    for (i, line) in reference.lines().enumerate() {
        let number = i + 1;
        let role = match (classify(line, number)?, open) {
            (Line::Begin { .. }, Some(open)) => return Err(MarkerError::Nested { line: number, open }),
            (Line::Begin { .. }, None) => {
                open = Some(number);
                LineRole::Marker
            }
            (Line::End, Some(_)) => {
                open = None;
                LineRole::Marker
            }
            (Line::End, None) => return Err(MarkerError::UnexpectedEnd { line: number }),
            (_, Some(_)) | (Line::Inline { .. }, None) => LineRole::Solution,
            (Line::Other, None) => LineRole::Given,
        };
        roles.push(role);
    }
    if let Some(line) = open {
        return Err(MarkerError::Unclosed { line });
    }
    Ok(roles)
}

/// Whether a source file has any solution marker.
pub fn has_markers(source: &str) -> bool {
    source.lines().enumerate().any(|(i, l)| !matches!(classify(l, i + 1), Ok(Line::Other)))
}

/// One generated stub file: its path relative to `src/`, and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StubFile {
    /// Path relative to the crate's `src/`, `/`-separated.
    pub rel: String,
    /// The stub's contents (bytes for files that are not Rust source).
    pub contents: Vec<u8>,
}

/// The stubs of every file under `reference/<id>/src`: `.rs` files through
/// [`stub_source`], other files copied as they are.
pub fn generate(course: &Course, id: &str) -> Result<Vec<StubFile>, StubError> {
    let src = course.reference_dir(id).join("src");
    let files = crate::workspace::list_files(&src).map_err(|e| StubError::Io {
        path: src.clone(),
        source: std::io::Error::other(e.to_string()),
    })?;
    let mut out = Vec::new();
    for rel in files {
        let path = src.join(&rel);
        let bytes = fs::read(&path).map_err(io(&path))?;
        let contents = if rel.ends_with(".rs") {
            let text = String::from_utf8_lossy(&bytes);
            stub_source(&text).map_err(|error| StubError::Marker { file: path.clone(), error })?.into_bytes()
        } else {
            bytes
        };
        out.push(StubFile { rel, contents });
    }
    Ok(out)
}

/// How a stub on disk differs from what [`generate`] makes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Drift {
    /// The file differs; `diff` is a unified diff from the file on disk to the generated one.
    Changed {
        /// path relative to the repository
        path: String,
        /// unified diff, `---` on disk, `+++` generated
        diff: String,
    },
    /// The reference has the file; the stub does not.
    Missing {
        /// path relative to the repository
        path: String,
    },
    /// The stub has a file the reference does not.
    Extra {
        /// path relative to the repository
        path: String,
    },
}

impl std::fmt::Display for Drift {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Drift::Changed { path, diff } => write!(f, "{path} differs from what `gradwork dev stubs` writes:\n{diff}"),
            Drift::Missing { path } => write!(f, "{path} is missing (the reference has it)"),
            Drift::Extra { path } => write!(f, "{path} exists but the reference has no such file"),
        }
    }
}

/// Differences between `assignments/<id>/src` and the stubs generated from the reference.
pub fn drift(course: &Course, id: &str) -> Result<Vec<Drift>, StubError> {
    let generated = generate(course, id)?;
    let stub_src = course.stub_dir(id).join("src");
    let shown = |rel: &str| format!("assignments/{id}/src/{rel}");
    let mut found = Vec::new();
    for file in &generated {
        let path = stub_src.join(&file.rel);
        match fs::read(&path) {
            Ok(on_disk) if on_disk == file.contents => {}
            Ok(on_disk) => found.push(Drift::Changed {
                path: shown(&file.rel),
                diff: unified_diff(&String::from_utf8_lossy(&on_disk), &String::from_utf8_lossy(&file.contents), &shown(&file.rel)),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => found.push(Drift::Missing { path: shown(&file.rel) }),
            Err(e) => return Err(io(&path)(e)),
        }
    }
    if stub_src.is_dir() {
        let on_disk = crate::workspace::list_files(&stub_src).map_err(|e| StubError::Io {
            path: stub_src.clone(),
            source: std::io::Error::other(e.to_string()),
        })?;
        for rel in on_disk {
            if !generated.iter().any(|g| g.rel == rel) {
                found.push(Drift::Extra { path: shown(&rel) });
            }
        }
    }
    Ok(found)
}

/// What [`write`] did to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Written {
    /// Created or rewritten.
    Updated(PathBuf),
    /// Removed: the reference has no such file.
    Removed(PathBuf),
}

/// Writes the generated stubs into `assignments/<id>/src`, removing files the
/// reference does not have. Files already up to date are not touched.
pub fn write(course: &Course, id: &str) -> Result<Vec<Written>, StubError> {
    let generated = generate(course, id)?;
    let stub_src = course.stub_dir(id).join("src");
    write_into(&generated, &stub_src)
}

/// Writes `files` into `dir` (a crate's `src/`), removing every other file there.
pub fn write_into(files: &[StubFile], dir: &Path) -> Result<Vec<Written>, StubError> {
    let mut done = Vec::new();
    for file in files {
        let path = dir.join(&file.rel);
        if fs::read(&path).is_ok_and(|old| old == file.contents) {
            continue;
        }
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(io(parent))?;
        }
        fs::write(&path, &file.contents).map_err(io(&path))?;
        done.push(Written::Updated(path));
    }
    if dir.is_dir() {
        let on_disk = crate::workspace::list_files(dir)
            .map_err(|e| StubError::Io { path: dir.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
        for rel in on_disk {
            if !files.iter().any(|g| g.rel == rel) {
                let path = dir.join(&rel);
                fs::remove_file(&path).map_err(io(&path))?;
                done.push(Written::Removed(path));
            }
        }
    }
    Ok(done)
}

/// A unified diff from `old` (on disk) to `new` (generated), three lines of context.
pub fn unified_diff(old: &str, new: &str, path: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{path} (on disk)"), &format!("{path} (generated by `gradwork dev stubs`)"))
        .to_string()
}
