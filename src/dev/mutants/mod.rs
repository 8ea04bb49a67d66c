//! `gradwork dev mutants`: would the grader notice a wrong program?
//!
//! Mutants of the reference's **solution code** (the lines `gradwork dev
//! stubs` turns into `todo!()`) are made by two tools: cargo-mutants'
//! generic operators, from its listing mode ([`cargo_mutants`]), and
//! gradwork's own tensor-aware ones ([`operators`]). Each mutant becomes a
//! submission (the reference's `src/` with one edit) graded by the real
//! batch path, `gradwork grade`, with every check, hidden ones included.
//! A mutant is *killed* when a check the reference passes fails on it, *did
//! not build* when it does not compile, and *survives* otherwise: then the
//! grader gives full marks to a wrong program, unless the mutant is
//! recorded as equivalent, with a reason, in `graders/<id>/mutants.toml`
//! ([`equivalent`]).
//!
//! This module lists, samples and materialises mutants and judges graded
//! ones; `gradwork dev mutants` (and the sample `gradwork dev check
//! --mutants N` grades) drives it.

pub mod cargo_mutants;
pub mod equivalent;
pub mod mutant;
pub mod operators;
pub mod reach;
pub mod regions;
pub mod report;
pub mod verdict;

use crate::course::Course;
use cargo_mutants::{CargoMutants, CargoMutantsError};
use equivalent::{EquivalentError, Equivalents};
use mutant::Mutant;
use regions::Regions;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Problems listing or materialising mutants.
#[derive(Debug, thiserror::Error)]
pub enum MutantsError {
    /// cargo-mutants is missing or failed.
    #[error(transparent)]
    CargoMutants(#[from] CargoMutantsError),
    /// mutants.toml is invalid.
    #[error(transparent)]
    Equivalent(#[from] EquivalentError),
    /// A reference file has malformed solution markers.
    #[error("{}: {error}", file.display())]
    Markers {
        /// the file
        file: PathBuf,
        /// what is wrong
        error: crate::dev::stubs::MarkerError,
    },
    /// A reference file does not parse (gradwork's operators need it to).
    #[error("{}: does not parse as Rust: {message}", file.display())]
    Parse {
        /// the file
        file: PathBuf,
        /// syn's message
        message: String,
    },
    /// Reading or writing failed.
    #[error("{}: {source}", path.display())]
    Io {
        /// the path
        path: PathBuf,
        /// the error
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> MutantsError + '_ {
    move |source| MutantsError::Io { path: path.to_path_buf(), source }
}

/// The mutants of one assignment's reference.
#[derive(Debug, Clone)]
pub struct Listing {
    /// Assignment id.
    pub assignment: String,
    /// Mutants in solution code, cargo-mutants' first, then gradwork's, each in file order.
    pub mutants: Vec<Mutant>,
    /// How many mutants the tools made outside solution code (left out).
    pub outside: usize,
    /// The reference's `src/` files by path relative to the crate (`src/lib.rs`).
    pub sources: BTreeMap<String, String>,
    /// mutants.toml.
    pub equivalents: Equivalents,
    /// Whether cargo-mutants' operators are in (it was installed).
    pub cargo_mutants: bool,
}

impl Listing {
    /// The entries of mutants.toml whose mutant is no longer listed; `None`
    /// without cargo-mutants, whose mutants could not be listed to compare.
    pub fn stale(&self) -> Option<Vec<&equivalent::Equivalent>> {
        let names: std::collections::HashSet<&str> = self.mutants.iter().map(|m| m.name.as_str()).collect();
        self.cargo_mutants.then(|| self.equivalents.stale(&names))
    }

    /// Listed mutants of the same file and description as `name`, at another
    /// place: where a stale entry's mutant went when lines above it moved.
    pub fn moved(&self, name: &str) -> Vec<&str> {
        let Some(key) = place_free(name) else { return Vec::new() };
        self.mutants.iter().filter(|m| m.name != name && place_free(&m.name) == Some(key)).map(|m| m.name.as_str()).collect()
    }

    /// ` (now `…`?)` after a stale entry's message when its mutant moved, else "".
    pub fn moved_hint(&self, name: &str) -> String {
        let moved = self.moved(name);
        if moved.is_empty() {
            String::new()
        } else {
            format!(" (moved? now {})", moved.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or "))
        }
    }

    /// Mutants not recorded as equivalent: those to grade.
    pub fn candidates(&self) -> Vec<&Mutant> {
        self.mutants.iter().filter(|m| self.equivalents.get(&m.name).is_none()).collect()
    }
}

/// A mutant's name without its line and column: (`path`, `description`).
fn place_free(name: &str) -> Option<(&str, &str)> {
    let (head, description) = name.split_once(": ")?;
    let mut parts = head.rsplitn(3, ':');
    let (_col, _line, path) = (parts.next()?, parts.next()?, parts.next()?);
    Some((path, description))
}

/// The reference crate's path from the workspace root, as cargo-mutants
/// writes it in front of file names (`reference/a01-tensors`).
pub fn name_prefix(course: &Course, id: &str) -> String {
    let dir = course.reference_dir(id);
    dir.strip_prefix(course.root()).unwrap_or(&dir).to_string_lossy().replace('\\', "/")
}

/// `graders/<id>/mutants.toml`.
pub fn equivalents_path(course: &Course, id: &str) -> PathBuf {
    course.grader_dir(id).join("mutants.toml")
}

/// Lists the mutants of `id`'s solution code: cargo-mutants' (when
/// `tool` is given) and gradwork's.
pub fn list(course: &Course, id: &str, tool: Option<&CargoMutants>) -> Result<Listing, MutantsError> {
    let reference = course.reference_dir(id);
    let src = reference.join("src");
    let files = crate::workspace::list_files(&src).map_err(|e| MutantsError::Io { path: src.clone(), source: std::io::Error::other(e.to_string()) })?;
    let prefix = name_prefix(course, id);
    let mut sources = BTreeMap::new();
    let mut regions = BTreeMap::new();
    let mut all = Vec::new();
    for rel in files.iter().filter(|f| f.ends_with(".rs")) {
        let path = src.join(rel);
        let text = std::fs::read_to_string(&path).map_err(io(&path))?;
        let file = format!("src/{rel}");
        regions.insert(file.clone(), Regions::of(&text).map_err(|error| MutantsError::Markers { file: path.clone(), error })?);
        sources.insert(file, text);
    }
    if let Some(tool) = tool {
        all.extend(tool.list(&reference, &prefix)?);
    }
    for (file, text) in &sources {
        if regions.get(file).is_some_and(Regions::any) {
            let path = src.join(file.trim_start_matches("src/"));
            all.extend(operators::list(file, &prefix, text).map_err(|e| MutantsError::Parse { file: path, message: e.to_string() })?);
        }
    }
    let total = all.len();
    let mutants: Vec<Mutant> = all.into_iter().filter(|m| regions.get(&m.file).is_some_and(|r| r.contains(m))).collect();
    let equivalents = Equivalents::load(&equivalents_path(course, id))?;
    Ok(Listing { assignment: id.to_string(), outside: total - mutants.len(), mutants, sources, equivalents, cargo_mutants: tool.is_some() })
}

/// At most `max` of `mutants`, chosen by `seed`, in their listed order; all when `max` is `None`.
pub fn sample<'m>(mutants: &[&'m Mutant], max: Option<usize>, seed: u64) -> Vec<&'m Mutant> {
    match max {
        Some(n) if n < mutants.len() => {
            use rand::SeedableRng;
            let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
            let mut picked = rand::seq::index::sample(&mut rng, mutants.len(), n).into_vec();
            picked.sort_unstable();
            picked.into_iter().map(|i| mutants[i]).collect()
        }
        _ => mutants.to_vec(),
    }
}

/// The submission folder name of a mutant: stable across runs (a hash of
/// its name), so a second run into the same folder grades only what changed.
pub fn dir_name(m: &Mutant) -> String {
    use sha2::Digest;
    let hash = sha2::Sha256::digest(m.name.as_bytes());
    let hex: String = hash.iter().take(5).map(|b| format!("{b:02x}")).collect();
    let tool = match m.tool {
        mutant::Tool::CargoMutants => "cm",
        mutant::Tool::Gradwork => "gw",
    };
    format!("mutant-{tool}-{hex}")
}

/// Writes the mutant as a submission folder `dest`: the reference's `src/`
/// with the one edit applied.
pub fn materialize(course: &Course, id: &str, listing: &Listing, m: &Mutant, dest: &Path) -> Result<(), MutantsError> {
    crate::samples::copy_src(&course.reference_dir(id), dest).map_err(|e| MutantsError::Io { path: dest.to_path_buf(), source: std::io::Error::other(e.to_string()) })?;
    let source = listing.sources.get(&m.file).ok_or_else(|| MutantsError::Io {
        path: dest.join(&m.file),
        source: std::io::Error::other(format!("{} is not a reference source file", m.file)),
    })?;
    let mutated = m.apply(source).ok_or_else(|| MutantsError::Io {
        path: dest.join(&m.file),
        source: std::io::Error::other(format!("the span of `{}` is outside the file: list the mutants again", m.name)),
    })?;
    let path = dest.join(&m.file);
    std::fs::write(&path, mutated).map_err(io(&path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(name: &str) -> Mutant {
        Mutant {
            name: name.into(),
            tool: mutant::Tool::Gradwork,
            operator: "op".into(),
            file: "src/lib.rs".into(),
            function: None,
            line: 1,
            last_line: 1,
            start: 0,
            end: 0,
            replacement: String::new(),
        }
    }

    #[test]
    fn a_sample_is_fixed_by_its_seed_and_keeps_the_listed_order() {
        let all: Vec<Mutant> = (0..20).map(|i| m(&format!("m{i:02}"))).collect();
        let refs: Vec<&Mutant> = all.iter().collect();
        let a: Vec<&str> = sample(&refs, Some(4), 7).iter().map(|m| m.name.as_str()).collect();
        let b: Vec<&str> = sample(&refs, Some(4), 7).iter().map(|m| m.name.as_str()).collect();
        let c: Vec<&str> = sample(&refs, Some(4), 8).iter().map(|m| m.name.as_str()).collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert_eq!(a.len(), 4);
        assert!(a.windows(2).all(|w| w[0] < w[1]));
        assert_eq!(sample(&refs, None, 7).len(), 20);
        assert_eq!(sample(&refs, Some(50), 7).len(), 20);
    }

    #[test]
    fn a_stale_name_finds_where_its_mutant_moved() {
        let listing = Listing {
            assignment: "a00".into(),
            mutants: vec![m("reference/a00/src/lib.rs:12:5: replace + with - in f"), m("reference/a00/src/lib.rs:12:9: replace * with + in f")],
            outside: 0,
            sources: BTreeMap::new(),
            equivalents: Equivalents::default(),
            cargo_mutants: true,
        };
        assert_eq!(listing.moved("reference/a00/src/lib.rs:10:5: replace + with - in f"), ["reference/a00/src/lib.rs:12:5: replace + with - in f"]);
        assert!(listing.moved("reference/a00/src/other.rs:10:5: replace + with - in f").is_empty());
        assert!(listing.moved_hint("reference/a00/src/lib.rs:1:1: replace - with + in f").is_empty());
        assert!(listing.moved_hint("reference/a00/src/lib.rs:1:1: replace + with - in f").contains("moved? now `reference/a00/src/lib.rs:12:5"));
    }

    #[test]
    fn folder_names_are_stable_and_distinct() {
        assert_eq!(dir_name(&m("a")), dir_name(&m("a")));
        assert_ne!(dir_name(&m("a")), dir_name(&m("b")));
        assert!(dir_name(&m("a")).starts_with("mutant-gw-"));
    }
}
