//! Which checks `--check CHECK` (or a bare word) names.
//!
//! Students reach for what they have at hand: the id printed after the
//! points, the name of the function they are writing, or a word of the
//! title. So a selector is, in this order:
//!
//! 1. a function name (`pairwise_distances`, with `_`): every check whose
//!    id is the name with `_` → `-`, or starts with it and a `-`
//!    (`pairwise-distances`, `pairwise-distances-random`); else the check
//!    whose id the name starts with, up to a `-` (`poisson_pmf_matrix` →
//!    `poisson-pmf`), the longest if several;
//! 2. a check id (`pairwise-distances`): that check alone;
//! 3. a prefix of exactly one id (`pair`); a prefix of several is an error
//!    that lists them.
//!
//! Anything else is an error that lists the checks closest first. Only the
//! checks a student can run locally are candidates: a hidden check is never
//! named, selected or suggested.
//!
//! ```
//! use gradwork::student::select::{resolve, Candidate};
//! let checks = [Candidate::new("pairwise-distances", "distances of six points"),
//!               Candidate::new("pairwise-distances-large", "distances of many points"),
//!               Candidate::new("poisson-pmf", "the Poisson pmf")];
//! let ids = |s: &[&str]| resolve(&s.iter().map(|x| x.to_string()).collect::<Vec<_>>(), &checks);
//! assert_eq!(ids(&["pairwise_distances"]).unwrap(), ["pairwise-distances", "pairwise-distances-large"]);
//! assert_eq!(ids(&["pairwise-distances"]).unwrap(), ["pairwise-distances"]);
//! assert_eq!(ids(&["poi"]).unwrap(), ["poisson-pmf"]);
//! assert!(ids(&["pair"]).is_err()); // two checks start with it
//! assert!(ids(&["distances"]).unwrap_err().to_string().contains("  pairwise-distances "));
//! ```

use std::fmt::Write as _;

/// A check a student can select: its id and title.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Candidate {
    /// The check id.
    pub id: String,
    /// The check's title.
    pub title: String,
}

impl Candidate {
    /// A candidate with this id and title.
    pub fn new(id: &str, title: &str) -> Candidate {
        Candidate { id: id.to_string(), title: title.to_string() }
    }
}

/// A selector that names no check, or more than one by a prefix.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SelectError {
    /// It names no check.
    #[error("{}", unknown_text(selector, closest))]
    Unknown {
        /// What the student wrote.
        selector: String,
        /// Every check the student can run, closest first.
        closest: Vec<Candidate>,
    },
    /// It is a prefix of several ids.
    #[error("{}", ambiguous_text(selector, matches))]
    Ambiguous {
        /// What the student wrote.
        selector: String,
        /// The checks whose id starts with it, in rubric order.
        matches: Vec<Candidate>,
    },
}

fn table(out: &mut String, candidates: &[Candidate]) {
    let width = candidates.iter().map(|c| c.id.chars().count()).max().unwrap_or(0);
    for c in candidates {
        let _ = writeln!(out, "  {:<width$}  {}", c.id, c.title);
    }
}

fn unknown_text(selector: &str, closest: &[Candidate]) -> String {
    let mut out = format!("no check is called `{selector}`");
    if closest.is_empty() {
        out.push_str(": this assignment has no checks you can run locally");
        return out;
    }
    let _ = writeln!(out, ". The checks you can run, closest first:");
    table(&mut out, closest);
    out.push_str(
        "`--check` takes a check id (printed after each check's points), a prefix of exactly one id, \
         or a function name such as `pairwise_distances` (all of its checks)",
    );
    out
}

fn ambiguous_text(selector: &str, matches: &[Candidate]) -> String {
    let mut out = format!("`{selector}` is the start of {} check ids; say which:\n", matches.len());
    table(&mut out, matches);
    out.push_str("Give one id in full, or `--check` once per check");
    out
}

/// The ids the selectors name, in the candidates' order, each once.
/// `candidates` are the checks a student can run, in rubric order.
pub fn resolve(selectors: &[String], candidates: &[Candidate]) -> Result<Vec<String>, SelectError> {
    let mut chosen = vec![false; candidates.len()];
    for selector in selectors {
        for i in resolve_one(selector, candidates)? {
            chosen[i] = true;
        }
    }
    Ok(candidates.iter().zip(chosen).filter(|(_, c)| *c).map(|(c, _)| c.id.clone()).collect())
}

/// The indices of the candidates one selector names.
fn resolve_one(selector: &str, candidates: &[Candidate]) -> Result<Vec<usize>, SelectError> {
    let key = selector.trim().to_lowercase().replace('_', "-");
    let indices = |keep: &dyn Fn(&str) -> bool| -> Vec<usize> {
        candidates.iter().enumerate().filter(|(_, c)| keep(&c.id)).map(|(i, _)| i).collect()
    };
    if selector.contains('_') {
        // A function name: every check of the function, the one named like it included.
        let function = indices(&|id| id.strip_prefix(key.as_str()).is_some_and(|rest| rest.is_empty() || rest.starts_with('-')));
        if !function.is_empty() {
            return Ok(function);
        }
        // The function's name says more than the check's id.
        let shorter = indices(&|id| key.strip_prefix(id).is_some_and(|rest| rest.starts_with('-')));
        if let Some(&longest) = shorter.iter().max_by_key(|&&i| candidates[i].id.len()) {
            return Ok(vec![longest]);
        }
    }
    let exact = indices(&|id| id == key);
    if !exact.is_empty() {
        return Ok(exact);
    }
    let prefixed = indices(&|id| !key.is_empty() && id.starts_with(key.as_str()));
    match prefixed.len() {
        1 => Ok(prefixed),
        0 => Err(SelectError::Unknown { selector: selector.to_string(), closest: closest_first(selector, candidates) }),
        _ => Err(SelectError::Ambiguous {
            selector: selector.to_string(),
            matches: prefixed.into_iter().map(|i| candidates[i].clone()).collect(),
        }),
    }
}

/// The candidates ordered by how likely the student meant them: ids that
/// contain the selector (or are contained in it: `poisson_pmf_matrix` →
/// `poisson-pmf`), then titles that contain it as a word, then the rest; each
/// group by the similarity of the id to the selector.
pub fn closest_first(selector: &str, candidates: &[Candidate]) -> Vec<Candidate> {
    let key = selector.trim().to_lowercase().replace('_', "-");
    let word = selector.trim().to_lowercase();
    let group = |c: &Candidate| {
        if !key.is_empty() && (c.id.contains(key.as_str()) || key.contains(c.id.as_str())) {
            0
        } else if !word.is_empty() && c.title.to_lowercase().contains(word.as_str()) {
            1
        } else {
            2
        }
    };
    let mut ranked: Vec<(u8, f64, usize)> =
        candidates.iter().enumerate().map(|(i, c)| (group(c), strsim::jaro_winkler(&key, &c.id), i)).collect();
    // Best group first; within it the most similar id; ties keep rubric order.
    ranked.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    ranked.into_iter().map(|(_, _, i)| candidates[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a01() -> Vec<Candidate> {
        [
            ("matrix-3x3", "Exercise 1: builds the 3×3 tensor"),
            ("tridiagonal", "Exercise 6: builds the 4×4 tridiagonal matrix"),
            ("index-grid", "Exercise 8: builds X[i, j] = 2i + j by broadcasting"),
            ("pairwise-distances", "Exercise 9: computes the distance matrix of the notebook's six points"),
            ("poisson-samples", "Exercise 14: draws samples that follow Poisson(4.5)"),
            ("poisson-pmf", "Exercise 15: builds the Poisson pmf matrix"),
            ("poisson-mixture", "Exercise 17: draws from the mixture of Poisson(2) and Poisson(7)"),
            ("train-step-sgd", "one SGD step"),
            ("train-step-adam", "one Adam step"),
            ("train-sgd", "trains with SGD"),
        ]
        .iter()
        .map(|(id, title)| Candidate::new(id, title))
        .collect()
    }

    fn pick(selectors: &[&str]) -> Result<Vec<String>, SelectError> {
        resolve(&selectors.iter().map(|s| s.to_string()).collect::<Vec<_>>(), &a01())
    }

    #[test]
    fn ids_function_names_and_unique_prefixes_select() {
        assert_eq!(pick(&["tridiagonal"]).unwrap(), ["tridiagonal"]);
        assert_eq!(pick(&["Index-Grid"]).unwrap(), ["index-grid"], "case does not matter");
        assert_eq!(pick(&["index_grid"]).unwrap(), ["index-grid"], "a function name that is an id");
        assert_eq!(pick(&["train_step"]).unwrap(), ["train-step-sgd", "train-step-adam"], "every check of a function");
        assert_eq!(pick(&["train_sgd"]).unwrap(), ["train-sgd"]);
        assert_eq!(pick(&["train-sgd"]).unwrap(), ["train-sgd"], "an id is exact even where it starts others");
        assert_eq!(pick(&["poisson_pmf_matrix"]).unwrap(), ["poisson-pmf"], "a function whose check's id is shorter");
        assert!(pick(&["poisson-pmf-matrix"]).is_err(), "only a function name, with `_`, says more than the id");
        assert_eq!(pick(&["pairw"]).unwrap(), ["pairwise-distances"]);
        assert_eq!(pick(&["matrix"]).unwrap(), ["matrix-3x3"]);
        // Several selectors: a union in rubric order, each check once.
        assert_eq!(pick(&["poisson-pmf", "tridiagonal", "tridiagonal"]).unwrap(), ["tridiagonal", "poisson-pmf"]);
        assert_eq!(pick(&[]).unwrap(), Vec::<String>::new());
    }

    #[test]
    fn a_prefix_of_several_ids_is_ambiguous() {
        let err = pick(&["poisson"]).unwrap_err();
        let SelectError::Ambiguous { matches, .. } = &err else { panic!("{err:?}") };
        let ids: Vec<&str> = matches.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids, ["poisson-samples", "poisson-pmf", "poisson-mixture"]);
        // A dashed word is a prefix, not a function name: `train-step` would also be `train-s…`.
        assert!(matches!(pick(&["train-step"]), Err(SelectError::Ambiguous { .. })));
        assert!(matches!(pick(&["train_s"]), Err(SelectError::Ambiguous { .. })), "a function name that maps to nothing falls back to a prefix");
    }

    #[test]
    fn an_unknown_selector_lists_every_check_closest_first() {
        let closest = |s: &str| match pick(&[s]).unwrap_err() {
            SelectError::Unknown { closest, .. } => closest.into_iter().map(|c| c.id).collect::<Vec<_>>(),
            other => panic!("{other:?}"),
        };
        assert_eq!(closest("distances")[0], "pairwise-distances", "a part of an id");
        assert_eq!(closest("poisson-pmf-matrix")[0], "poisson-pmf", "an id that says more than the check's");
        assert_eq!(closest("broadcasting")[0], "index-grid", "a word of the title");
        assert_eq!(closest("tridiagnal")[0], "tridiagonal", "a typo");
        assert_eq!(closest("").len(), a01().len(), "every check is listed");
        assert!(matches!(pick(&[""]), Err(SelectError::Unknown { .. })), "an empty selector selects nothing");
    }
}
