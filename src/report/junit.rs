//! JUnit XML, the format CI test views read (GitHub test reporters, GitLab,
//! Jenkins): one `<testsuite>` per submission, one `<testcase>` per check.
//!
//! A wrong answer is a `<failure>`, a check that could not judge (compile
//! error, panic, timeout, crash) an `<error>`, a check that did not run
//! `<skipped>`. The failure text is the check's message; points, the check
//! id and gradwork's status are `<properties>`.
//!
//! ```
//! # use gradwork::result::*;
//! # let header = ReportHeader { assignment: "a00-demo".into(), gradwork_version: "0.1.0".into(),
//! #   grader_version: "0.1.0".into(), libtorch_version: "2.13.0".into(), libtorch_cuda: None, device: "cpu".into(), seed: 1,
//! #   limits: "20 s per check".into(), mode: "isolated".into(), reproduce: "gradwork grade a00-demo alice".into() };
//! let check = CheckResult { id: "ones".into(), title: "returns ones".into(), max_score: 2.0, score: 0.0,
//!     status: Status::Failed, visibility: Visibility::Visible, message: "expected 1 < 2".into(),
//!     seconds: 0.25, attachments: vec![], tolerance_used: None, calls: vec![] };
//! let report = SubmissionReport { name: "alice".into(), header, checks: vec![check], notes: vec![], seconds: 1.0 };
//! let xml = gradwork::report::junit::render(&[report]);
//! assert!(xml.contains(r#"<failure message="expected 1 &lt; 2" type="failed">"#));
//! ```

use crate::compare::num;
use crate::result::{CheckResult, Status, SubmissionReport};
use std::fmt::Write as _;

/// Text made safe for XML attribute values and element content: markup
/// characters escaped, characters XML 1.0 cannot hold (most control
/// characters) replaced by U+FFFD.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' => out.push(c),
            '\r' => out.push_str("&#13;"),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// Tests, failures, errors and skipped among `checks`.
fn counts<'a>(checks: impl IntoIterator<Item = &'a CheckResult>) -> (usize, usize, usize, usize) {
    let (mut tests, mut failures, mut errors, mut skipped) = (0, 0, 0, 0);
    for c in checks {
        tests += 1;
        match c.status {
            Status::Passed => {}
            Status::Failed => failures += 1,
            Status::NotRun => skipped += 1,
            Status::Error | Status::TimedOut | Status::Crashed => errors += 1,
        }
    }
    (tests, failures, errors, skipped)
}

fn property(out: &mut String, indent: &str, name: &str, value: &str) {
    let _ = writeln!(out, "{indent}<property name=\"{}\" value=\"{}\"/>", escape(name), escape(value));
}

fn first_line(message: &str) -> &str {
    message.lines().find(|l| !l.trim().is_empty()).unwrap_or("").trim()
}

fn testcase(out: &mut String, suite_name: &str, c: &CheckResult) {
    let _ = writeln!(
        out,
        "    <testcase name=\"{}\" classname=\"{}\" time=\"{:.3}\">",
        escape(&c.title),
        escape(suite_name),
        c.seconds
    );
    out.push_str("      <properties>\n");
    property(out, "        ", "check_id", &c.id);
    property(out, "        ", "status", c.status.as_str());
    property(out, "        ", "score", &num(c.score));
    property(out, "        ", "max_score", &num(c.max_score));
    property(out, "        ", "visibility", visibility_name(c));
    out.push_str("      </properties>\n");
    match c.status {
        Status::Passed => {}
        Status::NotRun => {
            let why = if c.visibility.runs_locally() { "not selected in this run" } else { "hidden: runs only when graded" };
            let _ = writeln!(out, "      <skipped message=\"{}\"/>", escape(why));
        }
        status => {
            let element = if status == Status::Failed { "failure" } else { "error" };
            let _ = writeln!(
                out,
                "      <{element} message=\"{}\" type=\"{}\">{}</{element}>",
                escape(first_line(&c.message)),
                status.as_str(),
                escape(&c.message)
            );
        }
    }
    out.push_str("    </testcase>\n");
}

fn visibility_name(c: &CheckResult) -> &'static str {
    match c.visibility {
        crate::result::Visibility::Visible => "visible",
        crate::result::Visibility::Hidden => "hidden",
        crate::result::Visibility::AfterDueDate => "after_due_date",
        crate::result::Visibility::AfterPublished => "after_published",
    }
}

/// The JUnit XML document for these reports (one `<testsuite>` each).
pub fn render(reports: &[SubmissionReport]) -> String {
    let (tests, failures, errors, skipped) = counts(reports.iter().flat_map(|r| &r.checks));
    let seconds: f64 = reports.iter().map(|r| r.seconds).sum();
    let name = reports.first().map(|r| format!("gradwork {}", r.header.assignment)).unwrap_or_else(|| "gradwork".into());
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{seconds:.3}\">",
        escape(&name)
    );
    for r in reports {
        let suite_name = format!("{}.{}", r.header.assignment, r.name);
        let (tests, failures, errors, skipped) = counts(&r.checks);
        let _ = writeln!(
            out,
            "  <testsuite name=\"{}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"{errors}\" skipped=\"{skipped}\" time=\"{:.3}\">",
            escape(&suite_name),
            r.seconds
        );
        out.push_str("    <properties>\n");
        let h = &r.header;
        for (key, value) in [
            ("score", num(r.score())),
            ("max_score", num(r.max_score())),
            ("seed", h.seed.to_string()),
            ("device", h.device.clone()),
            ("gradwork_version", h.gradwork_version.clone()),
            ("grader_version", h.grader_version.clone()),
            ("libtorch_version", h.libtorch_version.clone()),
            ("reproduce", h.reproduce.clone()),
        ] {
            property(&mut out, "      ", key, &value);
        }
        out.push_str("    </properties>\n");
        for c in &r.checks {
            testcase(&mut out, &suite_name, c);
        }
        if !r.notes.is_empty() {
            let _ = writeln!(out, "    <system-out>{}</system-out>", escape(&r.notes.join("\n")));
        }
        out.push_str("  </testsuite>\n");
    }
    out.push_str("</testsuites>\n");
    out
}
