//! Which mutants lie in solution code: the lines `gradwork dev stubs` turns
//! into `todo!()` (read with its own parser, [`crate::dev::stubs::solution_lines`]).
//! Code the students are given is not theirs to get wrong, so mutants there
//! say nothing about the grader.

use super::mutant::Mutant;
use crate::dev::stubs::{solution_lines, LineRole, MarkerError};

/// The line roles of one reference file.
#[derive(Debug, Clone)]
pub struct Regions {
    roles: Vec<LineRole>,
}

impl Regions {
    /// The regions of a reference source file.
    pub fn of(source: &str) -> Result<Regions, MarkerError> {
        Ok(Regions { roles: solution_lines(source)? })
    }

    /// Whether any line is solution code.
    pub fn any(&self) -> bool {
        self.roles.contains(&LineRole::Solution)
    }

    /// Whether lines `first..=last` (1-based) are all solution code: a
    /// mutant that touches one line the student is given, or a marker, is
    /// outside the solution.
    pub fn covers(&self, first: usize, last: usize) -> bool {
        first >= 1 && first <= last && (first..=last).all(|l| self.roles.get(l - 1) == Some(&LineRole::Solution))
    }

    /// Whether `mutant` lies wholly in solution code.
    pub fn contains(&self, mutant: &Mutant) -> bool {
        self.covers(mutant.line, mutant.last_line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCE: &str = "\
pub fn given() -> i64 {
    1 + 1
}
pub fn solved(x: i64) -> i64 {
    let y = x + 1; // given to the student
    // BEGIN SOLUTION: add
    let z = y * 2;
    z + 1
    // END SOLUTION
}
pub fn inline(x: i64) -> i64 {
    x - 1 // SOLUTION: subtract
}
";

    #[test]
    fn only_solution_lines_are_covered() {
        let r = Regions::of(SOURCE).unwrap();
        assert!(r.any());
        assert!(!r.covers(2, 2), "given code");
        assert!(!r.covers(5, 5), "a given line inside a solved function");
        assert!(!r.covers(6, 6), "the BEGIN marker");
        assert!(r.covers(7, 8), "the region");
        assert!(!r.covers(7, 9), "a span reaching the END marker");
        assert!(!r.covers(5, 8), "a span starting on a given line");
        assert!(r.covers(12, 12), "a `// SOLUTION` line");
        assert!(!r.covers(13, 13), "the closing brace");
        assert!(!r.covers(0, 1) && !r.covers(8, 7) && !r.covers(40, 40));
    }

    #[test]
    fn a_file_without_markers_has_no_solution() {
        assert!(!Regions::of("fn f() {}\n").unwrap().any());
    }

    #[test]
    fn malformed_markers_are_errors() {
        assert!(Regions::of("// BEGIN SOLUTION\nfn f() {}\n").is_err());
    }
}
