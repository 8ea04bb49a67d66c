//! What grading did to a mutant: killed, survived, did not build.

use crate::grade::record::{BuildOutcome, Record};
use crate::result::Status;
use serde::Serialize;

/// The verdict on one graded mutant.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "outcome")]
pub enum Verdict {
    /// A check that the reference passes did not pass.
    Killed {
        /// The checks that caught it, with how they ended (`failed`, `error`, `timed_out`, …).
        by: Vec<(String, Status)>,
    },
    /// Every check the reference passes passed: the grader gives full marks to a wrong program.
    Survived,
    /// It does not compile, so it says nothing about the checks.
    DidNotBuild {
        /// Where the first error is (`src/lib.rs:12`).
        location: Option<String>,
    },
    /// It could not be graded, for a reason of the grader's own.
    NotGraded {
        /// Why.
        reason: String,
    },
}

impl Verdict {
    /// The word reports use: `killed`, `survived`, `did not build`, `not graded`.
    pub fn word(&self) -> &'static str {
        match self {
            Verdict::Killed { .. } => "killed",
            Verdict::Survived => "survived",
            Verdict::DidNotBuild { .. } => "did not build",
            Verdict::NotGraded { .. } => "not graded",
        }
    }
}

/// Judges a graded mutant. `unreliable` are the checks the reference itself
/// does not pass under this seed: failing them proves nothing.
pub fn judge(record: Option<&Record>, unreliable: &[String]) -> Verdict {
    let Some(record) = record else {
        return Verdict::NotGraded { reason: "the grader wrote no report for it".into() };
    };
    match &record.build {
        BuildOutcome::CompileError { location } => return Verdict::DidNotBuild { location: location.clone() },
        BuildOutcome::NotGradable { reason, .. } => return Verdict::NotGraded { reason: reason.clone() },
        BuildOutcome::Built => {}
    }
    let by: Vec<(String, Status)> = record
        .report
        .checks
        .iter()
        .filter(|c| !matches!(c.status, Status::Passed | Status::NotRun) && !unreliable.contains(&c.id))
        .map(|c| (c.id.clone(), c.status))
        .collect();
    if by.is_empty() {
        Verdict::Survived
    } else {
        Verdict::Killed { by }
    }
}

/// The checks the reference's report does not pass.
pub fn failing_checks(reference: &crate::result::SubmissionReport) -> Vec<String> {
    reference.checks.iter().filter(|c| !matches!(c.status, Status::Passed | Status::NotRun)).map(|c| c.id.clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::result::{CheckResult, ReportHeader, SubmissionReport, Visibility};

    fn record(build: BuildOutcome, statuses: &[(&str, Status)]) -> Record {
        let header = ReportHeader {
            assignment: "a00".into(),
            gradwork_version: String::new(),
            grader_version: String::new(),
            libtorch_version: String::new(),
            libtorch_cuda: None,
            device: "cpu".into(),
            seed: 1,
            limits: String::new(),
            mode: "isolated".into(),
            reproduce: String::new(),
        };
        let checks = statuses
            .iter()
            .map(|(id, status)| CheckResult {
                id: id.to_string(),
                title: id.to_string(),
                max_score: 1.0,
                score: if *status == Status::Passed { 1.0 } else { 0.0 },
                status: *status,
                visibility: Visibility::Hidden,
                message: String::new(),
                seconds: 0.0,
                attachments: Vec::new(),
                tolerance_used: None,
                calls: Vec::new(),
            })
            .collect();
        Record {
            format_version: crate::grade::record::RECORD_FORMAT,
            key: String::new(),
            source: String::new(),
            build,
            build_seconds: 0.0,
            run_seconds: 0.0,
            report: SubmissionReport { name: "m".into(), header, checks, notes: Vec::new(), seconds: 0.0 },
        }
    }

    #[test]
    fn killed_survived_and_did_not_build() {
        let killed = record(BuildOutcome::Built, &[("a", Status::Passed), ("b", Status::TimedOut), ("c", Status::NotRun)]);
        assert_eq!(judge(Some(&killed), &[]), Verdict::Killed { by: vec![("b".into(), Status::TimedOut)] });
        assert_eq!(judge(Some(&killed), &["b".into()]), Verdict::Survived, "a check the reference fails proves nothing");
        let broken = record(BuildOutcome::CompileError { location: Some("src/lib.rs:3".into()) }, &[("a", Status::Error)]);
        assert_eq!(judge(Some(&broken), &[]), Verdict::DidNotBuild { location: Some("src/lib.rs:3".into()) });
        let harness = record(BuildOutcome::NotGradable { reason: "no sandbox".into(), harness: true }, &[]);
        assert_eq!(judge(Some(&harness), &[]).word(), "not graded");
        assert_eq!(judge(None, &[]).word(), "not graded");
        assert_eq!(failing_checks(&killed.report), ["b"]);
    }
}
