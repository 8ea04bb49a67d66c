//! The reports of a mutants run: `mutants.md` for people, `mutants.json`
//! for tools, and the table printed at the end.

use super::mutant::Mutant;
use super::verdict::Verdict;
use serde::Serialize;
use std::collections::BTreeMap;

/// A check that should have caught a mutant.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckRef {
    /// Check id.
    pub id: String,
    /// Its title.
    pub title: String,
}

/// One graded mutant.
#[derive(Debug, Clone, Serialize)]
pub struct Graded {
    /// The mutant.
    #[serde(flatten)]
    pub mutant: Mutant,
    /// The submission folder it was graded as.
    pub submission: String,
    /// What grading did to it.
    pub verdict: Verdict,
    /// The checks that reach the mutated function (for a survivor: those
    /// that should have caught it).
    pub should_have_caught: Vec<CheckRef>,
    /// The mutation as a unified diff.
    pub diff: String,
}

/// A mutant recorded as equivalent in mutants.toml.
#[derive(Debug, Clone, Serialize)]
pub struct Recorded {
    /// Its name.
    pub mutant: String,
    /// Why it is equivalent.
    pub why: String,
    /// Its line in mutants.toml.
    pub line: usize,
    /// For a stale entry: listed mutants of the same file and description
    /// elsewhere (where it went when lines above it moved).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub moved_to: Vec<String>,
}

impl Recorded {
    /// ` (moved? now `…`)` when it has somewhere it went, else "".
    pub fn moved_hint(&self) -> String {
        if self.moved_to.is_empty() {
            String::new()
        } else {
            format!(" (moved? now {})", self.moved_to.iter().map(|n| format!("`{n}`")).collect::<Vec<_>>().join(" or "))
        }
    }
}

/// Counts of one assignment (or one operator).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Counts {
    /// Graded.
    pub graded: usize,
    /// Killed.
    pub killed: usize,
    /// Survived.
    pub survived: usize,
    /// Did not build.
    pub did_not_build: usize,
    /// Not graded (the grader's problem).
    pub not_graded: usize,
}

impl Counts {
    fn add(&mut self, v: &Verdict) {
        self.graded += 1;
        match v {
            Verdict::Killed { .. } => self.killed += 1,
            Verdict::Survived => self.survived += 1,
            Verdict::DidNotBuild { .. } => self.did_not_build += 1,
            Verdict::NotGraded { .. } => self.not_graded += 1,
        }
    }

    /// Killed over viable (killed + survived); `None` when nothing viable was graded.
    pub fn kill_rate(&self) -> Option<f64> {
        let viable = self.killed + self.survived;
        (viable > 0).then(|| self.killed as f64 / viable as f64)
    }
}

/// One assignment's run.
#[derive(Debug, Clone, Serialize)]
pub struct AssignmentRun {
    /// Assignment id.
    pub assignment: String,
    /// Mutants in solution code (both tools, equivalents included).
    pub listed: usize,
    /// Mutants the tools made outside solution code (left out).
    pub outside_solution: usize,
    /// Listed mutants recorded as equivalent (not graded).
    pub equivalent: Vec<Recorded>,
    /// Mutants that could be graded (listed, not equivalent); `graded` is a
    /// sample of them when `--max` is below.
    pub candidates: usize,
    /// Totals over the graded mutants.
    pub counts: Counts,
    /// The same per operator (`cargo-mutants BinaryOperator`, `gradwork loop-move`, …).
    pub by_operator: BTreeMap<String, Counts>,
    /// Killed over viable graded mutants.
    pub kill_rate: Option<f64>,
    /// Entries of mutants.toml whose mutant no longer exists (`None`: not
    /// checked, cargo-mutants was missing).
    pub stale: Option<Vec<Recorded>>,
    /// Checks the reference itself does not pass under this seed (their failures kill nothing).
    pub reference_fails: Vec<String>,
    /// Wall-clock seconds for this assignment (listing, building, grading).
    pub seconds: f64,
    /// Every graded mutant.
    pub mutants: Vec<Graded>,
}

impl AssignmentRun {
    /// Builds the run of one assignment from its graded mutants.
    pub fn new(assignment: &str, listed: usize, outside_solution: usize, equivalent: Vec<Recorded>, candidates: usize, mutants: Vec<Graded>) -> AssignmentRun {
        let mut counts = Counts::default();
        let mut by_operator: BTreeMap<String, Counts> = BTreeMap::new();
        for g in &mutants {
            counts.add(&g.verdict);
            by_operator.entry(format!("{} {}", g.mutant.tool.as_str(), g.mutant.operator)).or_default().add(&g.verdict);
        }
        AssignmentRun {
            assignment: assignment.to_string(),
            listed,
            outside_solution,
            equivalent,
            candidates,
            kill_rate: counts.kill_rate(),
            counts,
            by_operator,
            stale: None,
            reference_fails: Vec::new(),
            seconds: 0.0,
            mutants,
        }
    }

    /// The survivors.
    pub fn survivors(&self) -> impl Iterator<Item = &Graded> {
        self.mutants.iter().filter(|g| g.verdict == Verdict::Survived)
    }
}

/// A whole run.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// gradwork's version.
    pub gradwork_version: String,
    /// The seed of the sample and of every check's inputs.
    pub seed: u64,
    /// `--max`: at most this many mutants per assignment.
    pub max: Option<usize>,
    /// The cargo-mutants version used; `None` when it was missing (gradwork's operators only).
    pub cargo_mutants: Option<String>,
    /// The command that reproduces this run.
    pub command: String,
    /// Wall-clock seconds of the whole run.
    pub seconds: f64,
    /// Per assignment.
    pub assignments: Vec<AssignmentRun>,
}

fn percent(rate: Option<f64>) -> String {
    rate.map_or("–".into(), |r| format!("{:.1} %", r * 100.0))
}

fn duration(seconds: f64) -> String {
    if seconds < 120.0 {
        format!("{seconds:.0} s")
    } else {
        format!("{:.1} min", seconds / 60.0)
    }
}

const HEADER: [&str; 10] = ["assignment", "listed", "equivalent", "graded", "killed", "survived", "did not build", "not graded", "kill rate", "time"];

fn row(a: &AssignmentRun) -> [String; 10] {
    let c = &a.counts;
    let graded = if c.graded < a.candidates { format!("{} of {}", c.graded, a.candidates) } else { c.graded.to_string() };
    [
        a.assignment.clone(),
        a.listed.to_string(),
        a.equivalent.len().to_string(),
        graded,
        c.killed.to_string(),
        c.survived.to_string(),
        c.did_not_build.to_string(),
        c.not_graded.to_string(),
        percent(a.kill_rate),
        duration(a.seconds),
    ]
}

/// The table printed at the end of a run.
pub fn table(run: &Run) -> String {
    let rows: Vec<[String; 10]> = run.assignments.iter().map(row).collect();
    let widths: Vec<usize> = (0..10).map(|i| rows.iter().map(|r| r[i].chars().count()).chain([HEADER[i].len()]).max().unwrap_or(0)).collect();
    let line = |cells: Vec<String>| {
        cells.iter().enumerate().map(|(i, c)| if i == 0 { format!("{c:<w$}", w = widths[i]) } else { format!("{c:>w$}", w = widths[i]) }).collect::<Vec<_>>().join("  ")
    };
    let mut out = line(HEADER.iter().map(|s| s.to_string()).collect());
    out.push('\n');
    for r in rows {
        out.push_str(&line(r.to_vec()));
        out.push('\n');
    }
    out
}

/// `mutants.json`.
pub fn json(run: &Run) -> String {
    serde_json::to_string_pretty(run).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}")) + "\n"
}

fn fence(diff: &str) -> String {
    format!("```diff\n{}\n```\n", diff.trim_end())
}

/// `mutants.md`.
pub fn markdown(run: &Run) -> String {
    let mut out = String::from("# Mutants: would the grader notice a wrong program?\n\n");
    let tools = match &run.cargo_mutants {
        Some(v) => format!("cargo-mutants {v} and gradwork's tensor-aware operators"),
        None => "**gradwork's operators only: cargo-mutants was not installed** (`make install-mutants`)".into(),
    };
    let max = run.max.map_or("every mutant".into(), |n| format!("at most {n} mutants per assignment, chosen by the seed"));
    out.push_str(&format!(
        "Mutants of the references' solution code from {tools}; {max}; each graded by `gradwork grade` with every check, hidden ones included, under seed {}. \
         A mutant is killed when a check the reference passes fails on it. Reproduce: `{}`. Total time {}.\n\n",
        run.seed,
        run.command,
        duration(run.seconds)
    ));
    out.push_str(&format!("| {} |\n|{}|\n", HEADER.join(" | "), ["---"].repeat(10).join("|")));
    for a in &run.assignments {
        out.push_str(&format!("| {} |\n", row(a).join(" | ")));
    }
    for a in &run.assignments {
        out.push_str(&format!("\n## {}\n\n", a.assignment));
        if !a.reference_fails.is_empty() {
            out.push_str(&format!(
                "⚠️ The reference itself does not pass {} under this seed; failing them kills no mutant.\n\n",
                a.reference_fails.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            ));
        }
        let survivors: Vec<&Graded> = a.survivors().collect();
        if survivors.is_empty() {
            out.push_str("No graded mutant survived.\n");
        } else {
            out.push_str(&format!("### {} survived\n\nEach gets full marks: a check should catch it, or mutants.toml should say why it is equivalent.\n", survivors.len()));
            for g in survivors {
                out.push_str(&format!("\n#### `{}`\n\n", g.mutant.name));
                if g.should_have_caught.is_empty() {
                    out.push_str("No check reaches this function (through the runner and the reference's calls): it needs a check of its own.\n\n");
                } else {
                    let checks: Vec<String> = g.should_have_caught.iter().map(|c| format!("`{}` ({})", c.id, c.title)).collect();
                    out.push_str(&format!("Should have been caught by: {}.\n\n", checks.join(", ")));
                }
                out.push_str(&fence(&g.diff));
            }
        }
        let broken: Vec<&Graded> = a.mutants.iter().filter(|g| matches!(g.verdict, Verdict::DidNotBuild { .. } | Verdict::NotGraded { .. })).collect();
        if !broken.is_empty() {
            out.push_str(&format!("\n### {} not judged\n\n", broken.len()));
            for g in broken {
                let why = match &g.verdict {
                    Verdict::DidNotBuild { location } => format!("did not build{}", location.as_ref().map(|l| format!(" (`{l}`)")).unwrap_or_default()),
                    Verdict::NotGraded { reason } => format!("not graded: {reason}"),
                    _ => String::new(),
                };
                out.push_str(&format!("- `{}`: {why}\n", g.mutant.name));
            }
        }
        if !a.by_operator.is_empty() {
            out.push_str("\n### By operator\n\n| operator | graded | killed | survived | did not build | kill rate |\n|---|---:|---:|---:|---:|---:|\n");
            for (op, c) in &a.by_operator {
                out.push_str(&format!("| {op} | {} | {} | {} | {} | {} |\n", c.graded, c.killed, c.survived, c.did_not_build, percent(c.kill_rate())));
            }
        }
        if !a.equivalent.is_empty() {
            out.push_str(&format!("\n### {} recorded as equivalent (mutants.toml)\n\n", a.equivalent.len()));
            for e in &a.equivalent {
                out.push_str(&format!("- `{}`: {}\n", e.mutant, e.why));
            }
        }
        match &a.stale {
            Some(stale) if !stale.is_empty() => {
                out.push_str(&format!("\n### {} stale entries in mutants.toml\n\nThese mutants no longer exist (the reference changed): update or remove them.\n\n", stale.len()));
                for e in stale {
                    out.push_str(&format!("- line {}: `{}`{}\n", e.line, e.mutant, e.moved_hint()));
                }
            }
            Some(_) => {}
            None => out.push_str("\nmutants.toml was not checked for stale entries: cargo-mutants was not installed.\n"),
        }
    }
    out
}
