//! cargo-mutants' generic operators, from its listing mode only:
//! `cargo mutants --list --json --diff` in the reference crate. gradwork never
//! runs its test mode; every mutant is graded by `gradwork grade` instead.

use super::mutant::{LineIndex, Mutant, Tool};
use serde::Deserialize;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The cargo-mutants version gradwork is tested with. Mutant names (and so
/// the entries of `mutants.toml`) come from its operators.
pub const PINNED_VERSION: &str = "27.1.0";

/// What cargo-mutants writes next to every mutation, kept so that a graded
/// mutant is byte for byte what cargo-mutants itself would build.
pub const MARKER_COMMENT: &str = "/* ~ changed by cargo-mutants ~ */";

/// How to install the pinned cargo-mutants, for messages.
pub fn install_hint() -> String {
    format!(
        "run `make install-mutants` (it runs `cargo install cargo-mutants --locked --version {PINNED_VERSION} --root target/tools`), \
         or install it for your user with `cargo install cargo-mutants --locked --version {PINNED_VERSION}`"
    )
}

/// Problems finding or running cargo-mutants.
#[derive(Debug, thiserror::Error)]
pub enum CargoMutantsError {
    /// Not installed where gradwork looks.
    #[error("cargo-mutants is not installed (looked in {} and on PATH): {}", .looked.display(), install_hint())]
    Missing {
        /// the project-local install folder looked in
        looked: PathBuf,
    },
    /// It ran and failed, or printed something that is not its JSON listing.
    #[error("`cargo mutants --list --json` in {dir} failed: {message}")]
    Failed {
        /// the crate it ran in
        dir: PathBuf,
        /// what went wrong
        message: String,
    },
}

/// An installed cargo-mutants.
#[derive(Debug, Clone)]
pub struct CargoMutants {
    /// Its executable.
    pub program: PathBuf,
    /// The version it reports (`27.1.0`).
    pub version: String,
}

impl CargoMutants {
    /// Finds cargo-mutants: first the project-local install of `make
    /// install-mutants` (`<course>/target/tools/bin`), then `PATH`.
    pub fn locate(course_root: &Path) -> Result<CargoMutants, CargoMutantsError> {
        let local = course_root.join("target").join("tools").join("bin").join("cargo-mutants");
        let on_path = std::env::var_os("PATH")
            .into_iter()
            .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
            .map(|dir| dir.join("cargo-mutants"));
        for program in std::iter::once(local.clone()).chain(on_path) {
            if !program.is_file() {
                continue;
            }
            if let Some(version) = version_of(&program) {
                return Ok(CargoMutants { program, version });
            }
        }
        Err(CargoMutantsError::Missing { looked: local.parent().map(Path::to_path_buf).unwrap_or(local) })
    }

    /// A warning when this is not the pinned version (its names may differ from `mutants.toml`'s).
    pub fn version_warning(&self) -> Option<String> {
        (self.version != PINNED_VERSION).then(|| {
            format!(
                "cargo-mutants {} found at {}, but gradwork pins {PINNED_VERSION}: mutant names (and so mutants.toml) may differ; {}",
                self.version,
                self.program.display(),
                install_hint()
            )
        })
    }

    /// Lists the mutants of the crate in `crate_dir` (its `src/` files);
    /// `name_prefix` is the crate's path from the workspace root, which
    /// cargo-mutants puts in front of every file name (`reference/a01-tensors`).
    pub fn list(&self, crate_dir: &Path, name_prefix: &str) -> Result<Vec<Mutant>, CargoMutantsError> {
        let failed = |message: String| CargoMutantsError::Failed { dir: crate_dir.to_path_buf(), message };
        let output = Command::new(&self.program)
            .args(["mutants", "--list", "--json", "--diff", "--no-config", "--colors", "never", "--dir"])
            .arg(crate_dir)
            .current_dir(crate_dir)
            .env("CARGO_TERM_COLOR", "never")
            .output()
            .map_err(|e| failed(format!("cannot start {}: {e}", self.program.display())))?;
        if !output.status.success() {
            let stderr = String::from_utf8_lossy(&output.stderr);
            let tail: Vec<&str> = stderr.lines().rev().take(10).collect::<Vec<_>>().into_iter().rev().collect();
            return Err(failed(format!("it exited with {}:\n{}", output.status, tail.join("\n"))));
        }
        let json = String::from_utf8_lossy(&output.stdout);
        parse_listing(&json, name_prefix, |file| std::fs::read_to_string(crate_dir.join(file)).ok()).map_err(failed)
    }
}

fn version_of(program: &Path) -> Option<String> {
    let output = Command::new(program).args(["mutants", "--version"]).output().ok()?;
    let text = String::from_utf8_lossy(&output.stdout);
    output.status.success().then(|| text.split_whitespace().last().unwrap_or_default().to_string()).filter(|v| !v.is_empty())
}

/// `reference/a01-tensors/src/lib.rs` → `src/lib.rs`.
fn crate_relative(file: &str, prefix: &str) -> String {
    let prefix = prefix.trim_end_matches('/');
    match file.strip_prefix(prefix).and_then(|f| f.strip_prefix('/')) {
        Some(rest) if !prefix.is_empty() => rest.to_string(),
        _ => file.to_string(),
    }
}

/// One entry of cargo-mutants' JSON listing (the fields gradwork reads).
#[derive(Debug, Deserialize)]
struct Listed {
    name: String,
    file: String,
    function: Option<Function>,
    span: Span,
    replacement: String,
    genre: String,
}

#[derive(Debug, Deserialize)]
struct Function {
    function_name: String,
}

#[derive(Debug, Deserialize)]
struct Span {
    start: LineColumn,
    end: LineColumn,
}

/// 1-based line, 1-based column in chars (the end is exclusive).
#[derive(Debug, Deserialize)]
struct LineColumn {
    line: usize,
    column: usize,
}

impl Listed {
    fn to_mutant(&self, file: String, source: &str) -> Option<Mutant> {
        let index = LineIndex::new(source);
        let start = index.offset(self.span.start.line, self.span.start.column.checked_sub(1)?)?;
        let end = index.offset(self.span.end.line, self.span.end.column.checked_sub(1)?)?;
        let last_line = if self.span.end.column == 1 && self.span.end.line > self.span.start.line { self.span.end.line - 1 } else { self.span.end.line };
        Some(Mutant {
            name: self.name.clone(),
            tool: Tool::CargoMutants,
            operator: self.genre.clone(),
            file,
            function: self.function.as_ref().map(|f| f.function_name.clone()),
            line: self.span.start.line,
            last_line,
            start,
            end,
            replacement: format!("{} {MARKER_COMMENT}", self.replacement),
        })
    }
}

/// Parses a `cargo mutants --list --json` listing; `source_of` gives each
/// file's text by its path relative to the crate.
pub fn parse_listing(json: &str, name_prefix: &str, source_of: impl Fn(&str) -> Option<String>) -> Result<Vec<Mutant>, String> {
    let listed: Vec<Listed> = serde_json::from_str(json).map_err(|e| format!("its JSON is not what gradwork reads: {e}"))?;
    let mut sources = std::collections::BTreeMap::new();
    listed
        .iter()
        .map(|l| {
            let file = crate_relative(&l.file, name_prefix);
            if !sources.contains_key(&file) {
                let text = source_of(&file).ok_or_else(|| format!("cannot read {file}"))?;
                sources.insert(file.clone(), text);
            }
            let source = &sources[&file];
            l.to_mutant(file, source).ok_or_else(|| format!("the span of `{}` is outside its file", l.name))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "pub fn f(a: i64, b: i64) -> i64 {\n    a + b // SOLUTION\n}\n";
    const LISTING: &str = r#"[{"name": "reference/a00/src/lib.rs:2:7: replace + with - in f", "package": "a00", "file": "reference/a00/src/lib.rs",
        "function": {"function_name": "f", "return_type": "-> i64", "span": {"start": {"line": 1, "column": 1}, "end": {"line": 3, "column": 2}}},
        "span": {"start": {"line": 2, "column": 7}, "end": {"line": 2, "column": 8}}, "replacement": "-", "genre": "BinaryOperator",
        "diff": "…"}]"#;

    #[test]
    fn a_listing_becomes_mutants_that_apply_like_cargo_mutants() {
        let mutants = parse_listing(LISTING, "reference/a00", |f| (f == "src/lib.rs").then(|| SOURCE.to_string())).unwrap();
        assert_eq!(mutants.len(), 1);
        let m = &mutants[0];
        assert_eq!(m.file, "src/lib.rs");
        assert_eq!(m.function.as_deref(), Some("f"));
        assert_eq!((m.line, m.last_line), (2, 2));
        assert_eq!(m.original(SOURCE), "+");
        assert_eq!(m.apply(SOURCE).unwrap(), format!("pub fn f(a: i64, b: i64) -> i64 {{\n    a - {MARKER_COMMENT} b // SOLUTION\n}}\n"));
    }

    #[test]
    fn crate_relative_paths() {
        assert_eq!(crate_relative("reference/a01-tensors/src/lib.rs", "reference/a01-tensors"), "src/lib.rs");
        assert_eq!(crate_relative("src/lib.rs", ""), "src/lib.rs");
        assert_eq!(crate_relative("other/src/lib.rs", "reference/a01"), "other/src/lib.rs");
    }

    #[test]
    fn a_missing_tool_says_how_to_install_the_pinned_version() {
        let e = CargoMutantsError::Missing { looked: PathBuf::from("/x/target/tools/bin") };
        let text = e.to_string();
        assert!(text.contains("make install-mutants"), "{text}");
        assert!(text.contains(&format!("cargo install cargo-mutants --locked --version {PINNED_VERSION}")), "{text}");
    }
}
