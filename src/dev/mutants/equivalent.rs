//! `graders/<id>/mutants.toml`: mutants recorded as equivalent, each under
//! the exact name its tool gives it and with the reason no check can (or
//! should) tell it from the reference.
//!
//! ```toml
//! [[equivalent]]
//! mutant = "reference/a01-tensors/src/lib.rs:153:27: replace + with - in normal_around"
//! why = "the noise is a standard normal, symmetric about 0: mean + z and mean - z have the same distribution"
//! ```

use serde::Deserialize;
use std::path::{Path, PathBuf};

/// Problems with a mutants.toml.
#[derive(Debug, thiserror::Error)]
pub enum EquivalentError {
    /// It could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// the file
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
    /// It is not valid, at this line.
    #[error("{}:{line}: {message}", path.display())]
    Invalid {
        /// the file
        path: PathBuf,
        /// 1-based line of the problem
        line: usize,
        /// what is wrong and what to do
        message: String,
    },
}

/// One recorded equivalent mutant.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Equivalent {
    /// The mutant's exact name.
    pub mutant: String,
    /// Why no check can tell it from the reference, one line.
    pub why: String,
    /// Its line in mutants.toml.
    pub line: usize,
}

/// The recorded equivalent mutants of one assignment.
#[derive(Debug, Clone, Default)]
pub struct Equivalents {
    /// The file they come from.
    pub path: PathBuf,
    /// The entries, in file order.
    pub entries: Vec<Equivalent>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    equivalent: Vec<Entry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Entry {
    mutant: toml::Spanned<String>,
    why: toml::Spanned<String>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

impl Equivalents {
    /// Reads `path`; a missing file records nothing.
    pub fn load(path: &Path) -> Result<Equivalents, EquivalentError> {
        match std::fs::read_to_string(path) {
            Ok(text) => Equivalents::parse(&text, path),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Equivalents { path: path.to_path_buf(), entries: Vec::new() }),
            Err(source) => Err(EquivalentError::Io { path: path.to_path_buf(), source }),
        }
    }

    /// Parses the text of a mutants.toml at `path` (named in errors).
    pub fn parse(text: &str, path: &Path) -> Result<Equivalents, EquivalentError> {
        let invalid = |line: usize, message: String| EquivalentError::Invalid { path: path.to_path_buf(), line, message };
        let file: File = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| line_of(text, s.start));
            invalid(line, format!("{}: each entry is `[[equivalent]]` with `mutant = \"<exact name>\"` and `why = \"<one line>\"`", e.message()))
        })?;
        let mut entries: Vec<Equivalent> = Vec::new();
        for e in file.equivalent {
            let line = line_of(text, e.mutant.span().start);
            let (mutant, why) = (e.mutant.into_inner(), e.why.into_inner());
            if mutant.trim().is_empty() {
                return Err(invalid(line, "`mutant` is empty: give the mutant's exact name as `gradwork dev mutants` lists it".into()));
            }
            if why.trim().is_empty() || why.contains('\n') {
                return Err(invalid(line, format!("`{mutant}`: `why` must say in one line why no check can tell it from the reference")));
            }
            if let Some(first) = entries.iter().find(|x| x.mutant == mutant) {
                return Err(invalid(line, format!("`{mutant}` is recorded twice (also on line {}): keep one", first.line)));
            }
            entries.push(Equivalent { mutant, why, line });
        }
        Ok(Equivalents { path: path.to_path_buf(), entries })
    }

    /// The entry recording `name`, if any.
    pub fn get(&self, name: &str) -> Option<&Equivalent> {
        self.entries.iter().find(|e| e.mutant == name)
    }

    /// Entries whose mutant is not among `listed` (the reference changed, or
    /// the tool names it differently now).
    pub fn stale<'a>(&'a self, listed: &std::collections::HashSet<&str>) -> Vec<&'a Equivalent> {
        self.entries.iter().filter(|e| !listed.contains(e.mutant.as_str())).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Equivalents, EquivalentError> {
        Equivalents::parse(text, Path::new("graders/a00/mutants.toml"))
    }

    #[test]
    fn entries_with_their_lines() {
        let e = parse("# why these survive\n\n[[equivalent]]\nmutant = \"src/lib.rs:3:5: replace + with - in f\"\nwhy = \"symmetric noise\"\n\n[[equivalent]]\nmutant = \"src/lib.rs:9:1: replace g -> i64 with 0\"\nwhy = \"g is never called\"\n").unwrap();
        assert_eq!(e.entries.len(), 2);
        assert_eq!(e.entries[1].line, 8);
        assert_eq!(e.get("src/lib.rs:3:5: replace + with - in f").map(|x| x.why.as_str()), Some("symmetric noise"));
        let listed = std::collections::HashSet::from(["src/lib.rs:3:5: replace + with - in f"]);
        let stale: Vec<&str> = e.stale(&listed).iter().map(|x| x.mutant.as_str()).collect();
        assert_eq!(stale, ["src/lib.rs:9:1: replace g -> i64 with 0"]);
        assert!(parse("").unwrap().entries.is_empty());
    }

    #[test]
    fn bad_toml_names_the_file_and_line() {
        let e = parse("[[equivalent]]\nmutant = \"x\"\nwhy = unquoted\n").unwrap_err().to_string();
        assert!(e.starts_with("graders/a00/mutants.toml:3: "), "{e}");
        let e = parse("[[equivalent]]\nmutant = \"x\"\nwhy = \"y\"\nbecause = \"z\"\n").unwrap_err().to_string();
        assert!(e.starts_with("graders/a00/mutants.toml:4: ") && e.contains("because"), "{e}");
        let e = parse("[[equivalent]]\nmutant = \"x\"\n").unwrap_err().to_string();
        assert!(e.starts_with("graders/a00/mutants.toml:1: ") && e.contains("why"), "{e}");
    }

    #[test]
    fn empty_reasons_and_duplicates_are_refused_with_their_line() {
        let e = parse("[[equivalent]]\nmutant = \"x\"\nwhy = \" \"\n").unwrap_err().to_string();
        assert_eq!(e, "graders/a00/mutants.toml:2: `x`: `why` must say in one line why no check can tell it from the reference");
        let e = parse("[[equivalent]]\nmutant = \"x\"\nwhy = \"a\"\n[[equivalent]]\nmutant = \"x\"\nwhy = \"b\"\n").unwrap_err().to_string();
        assert_eq!(e, "graders/a00/mutants.toml:5: `x` is recorded twice (also on line 2): keep one");
    }
}
