//! `--min-score`: a pass mark that sets the exit status, for CI policies
//! ("the build is red below 60 %"). Without it, grading exits 0 whatever the
//! scores, and a student's `cargo test` fails unless every check passed.
//!
//! ```
//! use gradwork::report::policy::MinScore;
//! let mark: MinScore = "60%".parse().unwrap();
//! assert_eq!(mark.threshold(30.0), 18.0);
//! let mark: MinScore = "12.5".parse().unwrap();
//! assert_eq!(mark.threshold(30.0), 12.5);
//! assert!("150%".parse::<MinScore>().is_err());
//! ```

use crate::compare::num;
use crate::result::{Status, SubmissionReport};
use std::fmt;
use std::str::FromStr;

/// The least score that passes: points, or a percentage of the points available.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MinScore {
    /// Points, e.g. `--min-score 18`.
    Points(f64),
    /// Percent of the points of the checks that ran, e.g. `--min-score 60%`.
    Percent(f64),
}

impl FromStr for MinScore {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let (number, percent) = match text.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (text, false),
        };
        let value: f64 = number
            .parse()
            .map_err(|_| format!("`{text}` is not a score: give points (`18`) or a percentage (`60%`)"))?;
        if !(value.is_finite() && value >= 0.0) {
            return Err(format!("`{text}`: the minimum score must be a number ≥ 0"));
        }
        if percent && value > 100.0 {
            return Err(format!("`{text}`: a percentage is at most 100%"));
        }
        Ok(if percent { MinScore::Percent(value) } else { MinScore::Points(value) })
    }
}

impl fmt::Display for MinScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MinScore::Points(p) => write!(f, "{}", num(*p)),
            MinScore::Percent(p) => write!(f, "{}%", num(*p)),
        }
    }
}

impl MinScore {
    /// The points needed when `max` points are available.
    pub fn threshold(&self, max: f64) -> f64 {
        match *self {
            MinScore::Points(p) => p,
            MinScore::Percent(p) => max * p / 100.0,
        }
    }

    /// `Ok` when the report reaches the mark, else the sentence that says
    /// by how much it misses. Counts only the checks that ran, so a
    /// student's local run (hidden checks not run) is judged on what it can
    /// see.
    pub fn judge(&self, report: &SubmissionReport) -> Result<(), String> {
        let ran = report.checks.iter().filter(|c| c.status != Status::NotRun);
        let (score, max) = ran.fold((0.0, 0.0), |(s, m), c| (s + c.score, m + c.max_score));
        let needed = self.threshold(max);
        // A tolerance for sums of fractional points (0.1 + 0.2).
        if score + 1e-9 * max.max(1.0) >= needed {
            return Ok(());
        }
        let mark = match self {
            MinScore::Points(_) => format!("{} points", num(needed)),
            MinScore::Percent(p) => format!("{}% ({} points)", num(*p), num(needed)),
        };
        Err(format!(
            "{}: {} / {} points is below the minimum score of {mark}",
            report.name,
            num(score),
            num(max)
        ))
    }
}
