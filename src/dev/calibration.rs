//! Tolerance calibration: the reference graded under several seeds, and per
//! check the largest error seen as a fraction of the error allowed
//! ([`crate::result::CheckResult::tolerance_used`]).
//!
//! A check is **flaky** when the reference passes it under some seeds and
//! not others: a student would lose points by chance. A check's tolerance is
//! **loose** when the rubric widens it beyond the dtype's default and the
//! reference never uses more than 1/[`LOOSE_FACTOR`] of it: a planted bug that
//! small would pass. Default tolerances (`assert_close`'s) are not flagged,
//! nor are those whose rubric entry says why they are wide (`tolerance_why`):
//! students may compute a value another, equally right way that loses digits.
//!
//! ```
//! use gradwork::dev::calibration::{Verdict, LOOSE_FACTOR};
//! assert_eq!(Verdict::of(Some(1e-5), true, &[]), Verdict::Loose);
//! assert_eq!(Verdict::of(Some(0.3), true, &[]), Verdict::Ok);
//! assert_eq!(Verdict::of(Some(1e-5), false, &[]), Verdict::Ok);
//! assert_eq!(Verdict::of(None, true, &[7]), Verdict::Flaky);
//! ```

use crate::compare::num;
use crate::result::{Status, SubmissionReport};
use crate::rubric::Rubric;

/// A widened tolerance is loose when the reference uses less than `1 / LOOSE_FACTOR` of it.
pub const LOOSE_FACTOR: f64 = 1000.0;

/// What the calibration says about one check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Passes under every seed, tolerance not loose.
    Ok,
    /// The reference failed under some seeds.
    Flaky,
    /// The reference failed under every seed.
    Fails,
    /// The rubric's widened tolerance is over [`LOOSE_FACTOR`] times what the reference needs.
    Loose,
}

impl Verdict {
    /// The verdict from the worst fraction seen, whether the rubric widens the
    /// tolerance, and the seeds under which the reference failed (out of the
    /// ones run; `Fails` is decided by the caller, who knows how many ran).
    pub fn of(worst: Option<f64>, widened: bool, failed_seeds: &[u64]) -> Verdict {
        if !failed_seeds.is_empty() {
            return Verdict::Flaky;
        }
        match worst {
            Some(w) if widened && w < 1.0 / LOOSE_FACTOR => Verdict::Loose,
            _ => Verdict::Ok,
        }
    }
}

/// One check, over all seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct CheckCalibration {
    /// The check id.
    pub id: String,
    /// Largest fraction of the allowed error the reference used, over all seeds.
    pub worst: Option<f64>,
    /// Whether the rubric widens the dtype's default tolerance without
    /// saying why (`tolerance_why`).
    pub widened: bool,
    /// Seeds under which the reference did not pass, with the first line of the message.
    pub failures: Vec<(u64, String)>,
    /// How many seeds ran the check.
    pub seeds: usize,
    /// The verdict.
    pub verdict: Verdict,
    /// The rubric's reason for a tolerance wider than the reference needs.
    pub why: Option<String>,
}

impl CheckCalibration {
    /// One line for the dev check's output.
    pub fn describe(&self) -> String {
        let worst = self.worst.map(|w| format!("{} of the tolerance", percent(w))).unwrap_or_else(|| "no float comparison".into());
        match self.verdict {
            Verdict::Ok => match &self.why {
                Some(why) => format!("{}: ok, worst {worst} over {} seeds; tolerance widened on purpose: {why}", self.id, self.seeds),
                None => format!("{}: ok, worst {worst} over {} seeds", self.id, self.seeds),
            },
            Verdict::Loose if self.worst == Some(0.0) => format!(
                "{}: the reference matches the oracle exactly under {} seeds, so the rubric's widened tolerance is over {}× \
                 looser than needed: drop rtol/atol from rubric.toml (the dtype's default applies) or tighten them",
                self.id,
                self.seeds,
                num(LOOSE_FACTOR)
            ),
            Verdict::Loose => format!(
                "{}: the rubric's tolerance is over {}× looser than needed (worst {worst} over {} seeds): tighten rtol/atol in rubric.toml",
                self.id,
                num(LOOSE_FACTOR),
                self.seeds
            ),
            Verdict::Flaky | Verdict::Fails => {
                let seeds: Vec<String> = self.failures.iter().map(|(s, m)| format!("seed {s}: {m}")).collect();
                let what = if self.verdict == Verdict::Flaky { "flaky" } else { "fails" };
                format!(
                    "{}: {what}: the reference fails under {} of {} seeds ({})",
                    self.id,
                    self.failures.len(),
                    self.seeds,
                    seeds.join("; ")
                )
            }
        }
    }
}

fn percent(fraction: f64) -> String {
    if fraction == 0.0 {
        "0%".into()
    } else {
        format!("{}%", num(fraction * 100.0))
    }
}

/// Calibrates every check of `rubric` from the reference's reports, one per seed.
pub fn calibrate(rubric: &Rubric, runs: &[(u64, SubmissionReport)]) -> Vec<CheckCalibration> {
    rubric
        .checks
        .iter()
        .map(|spec| {
            let mut worst: Option<f64> = None;
            let mut failures = Vec::new();
            let mut seeds = 0;
            for (seed, report) in runs {
                let Some(c) = report.checks.iter().find(|c| c.id == spec.id) else { continue };
                if c.status == Status::NotRun {
                    continue;
                }
                seeds += 1;
                if let Some(t) = c.tolerance_used {
                    worst = Some(worst.map_or(t, |w| w.max(t)));
                }
                if c.status != Status::Passed {
                    let first = c.message.lines().find(|l| !l.trim().is_empty()).unwrap_or(c.status.as_str());
                    failures.push((*seed, first.trim().to_string()));
                }
            }
            let failed: Vec<u64> = failures.iter().map(|(s, _)| *s).collect();
            // A tolerance the rubric explains is widened on purpose, not loose.
            let widened = spec.tolerance().is_some() && spec.tolerance_why.is_none();
            let mut verdict = Verdict::of(worst, widened, &failed);
            if seeds > 0 && failures.len() == seeds {
                verdict = Verdict::Fails;
            }
            CheckCalibration { id: spec.id.clone(), worst, widened, failures, seeds, verdict, why: spec.tolerance_why.clone() }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{CheckResult, ReportHeader, Visibility};

    const RUBRIC: &str = r#"
format_version = 1
assignment = "a00-demo"
title = "Demo"
[[check]]
id = "exact"
title = "exact"
points = 1
rtol = 1e-3
[[check]]
id = "tight"
title = "tight"
points = 1
atol = 1e-6
[[check]]
id = "default"
title = "default tolerance"
points = 1
[[check]]
id = "sampler"
title = "sampler"
points = 1
[[check]]
id = "explained"
title = "explained"
points = 1
atol = 1e-6
tolerance_why = "students may expand the squares"
"#;

    fn report(results: &[(&str, Status, Option<f64>)]) -> SubmissionReport {
        let header = ReportHeader {
            assignment: "a00-demo".into(),
            gradwork_version: String::new(),
            grader_version: String::new(),
            libtorch_version: String::new(),
            libtorch_cuda: None,
            device: "cpu".into(),
            seed: 0,
            limits: String::new(),
            mode: String::new(),
            reproduce: String::new(),
        };
        let checks = results
            .iter()
            .map(|(id, status, used)| CheckResult {
                id: id.to_string(),
                title: id.to_string(),
                max_score: 1.0,
                score: if *status == Status::Passed { 1.0 } else { 0.0 },
                status: *status,
                visibility: Visibility::Visible,
                message: if *status == Status::Passed { String::new() } else { "the p-value is 1e-9\n\nmore".into() },
                seconds: 0.0,
                attachments: Vec::new(),
                tolerance_used: *used,
                calls: Vec::new(),
            })
            .collect();
        SubmissionReport { name: "reference".into(), header, checks, notes: Vec::new(), seconds: 0.0 }
    }

    #[test]
    fn flaky_loose_and_fine_checks_are_told_apart() {
        let rubric = Rubric::parse(RUBRIC, "rubric.toml").unwrap();
        let runs = vec![
            (1, report(&[("exact", Status::Passed, Some(0.0)), ("tight", Status::Passed, Some(0.2)), ("default", Status::Passed, Some(1e-6)), ("sampler", Status::Passed, None), ("explained", Status::Passed, Some(0.0))])),
            (2, report(&[("exact", Status::Passed, Some(0.0)), ("tight", Status::Passed, Some(0.7)), ("default", Status::Passed, Some(0.0)), ("sampler", Status::Failed, None), ("explained", Status::Passed, Some(0.0))])),
        ];
        let found = calibrate(&rubric, &runs);
        let verdicts: Vec<(&str, Verdict, Option<f64>)> = found.iter().map(|c| (c.id.as_str(), c.verdict, c.worst)).collect();
        assert_eq!(
            verdicts,
            [
                ("exact", Verdict::Loose, Some(0.0)),
                ("tight", Verdict::Ok, Some(0.7)),
                // Default tolerances are assert_close's: never flagged as loose.
                ("default", Verdict::Ok, Some(1e-6)),
                ("sampler", Verdict::Flaky, None),
                // Widened, but the rubric says why.
                ("explained", Verdict::Ok, Some(0.0)),
            ]
        );
        assert_eq!(found[4].describe(), "explained: ok, worst 0% of the tolerance over 2 seeds; tolerance widened on purpose: students may expand the squares");
        assert_eq!(
            found[3].describe(),
            "sampler: flaky: the reference fails under 1 of 2 seeds (seed 2: the p-value is 1e-9)"
        );
        assert!(found[0].describe().starts_with("exact: the reference matches the oracle exactly under 2 seeds"));
        assert_eq!(found[1].describe(), "tight: ok, worst 70% of the tolerance over 2 seeds");
    }

    #[test]
    fn a_check_that_always_fails_is_not_called_flaky() {
        let rubric = Rubric::parse(RUBRIC, "rubric.toml").unwrap();
        let runs: Vec<(u64, SubmissionReport)> = (0..3).map(|s| (s, report(&[("sampler", Status::Failed, None)]))).collect();
        let sampler = calibrate(&rubric, &runs).into_iter().find(|c| c.id == "sampler").unwrap();
        assert_eq!((sampler.verdict, sampler.seeds, sampler.failures.len()), (Verdict::Fails, 3, 3));
    }
}
