use super::dev_check::{read_summary, run_grader};
use super::grade::build_grader;
use super::CliError;
use crate::compare::num;
use crate::course::Course;
use crate::grade::GradeArgs;
use crate::samples;
use std::path::PathBuf;
use std::process::ExitCode;

/// `gradwork demo`: makes each assignment's sample submissions (reference,
/// stub, planted bugs), grades them in isolation and prints one score table.
pub fn run(course: &Course, out: Option<PathBuf>) -> Result<ExitCode, CliError> {
    let root = out.unwrap_or_else(|| course.build_dir().join("demo"));
    let mut rows = Vec::new();
    for id in course.assignments() {
        let subs = root.join(&id).join("submissions");
        let _ = std::fs::remove_dir_all(&subs);
        samples::copy_src(&course.reference_dir(&id), &subs.join("reference"))?;
        samples::copy_src(&course.stub_dir(&id), &subs.join("stub"))?;
        let list = samples::load(course, &id)?;
        for s in &list {
            samples::materialize(course, &id, s, &subs.join(&s.name))?;
        }
        eprintln!("{id}: grading {} sample submissions…", list.len() + 2);
        let grader = build_grader(course, &id)?;
        let reports = root.join(&id).join("reports");
        let args = GradeArgs {
            submissions: Vec::new(),
            submissions_dir: Some(subs),
            out: reports.clone(),
            seed: crate::grade::DEFAULT_SEED,
            device: crate::libtorch::DeviceChoice::Auto,
            only: Vec::new(),
            jobs: None,
            verbose: false,
            report: Default::default(),
            ..GradeArgs::default()
        };
        run_grader(&grader, course, &id, &args)?;
        let summary = read_summary(&reports, &id)?;
        for s in summary.submissions {
            let about = match s.name.as_str() {
                "reference" => "the reference solution".to_string(),
                "stub" => "the stub as handed out".to_string(),
                name => list.iter().find(|x| x.name == name).map(|x| x.about.clone()).unwrap_or_default(),
            };
            rows.push((id.clone(), s.name, format!("{} / {}", num(s.score), num(s.max_score)), about));
        }
    }
    let w0 = rows.iter().map(|r| r.0.len()).max().unwrap_or(10).max(10);
    let w1 = rows.iter().map(|r| r.1.len()).max().unwrap_or(10).max(10);
    println!("\n{:<w0$}  {:<w1$}  {:>9}  what it is", "assignment", "submission", "score");
    for (a, n, s, about) in &rows {
        println!("{a:<w0$}  {n:<w1$}  {s:>9}  {about}");
    }
    println!("\nreports (results.json, scores.csv, summary.json) are in {}", root.display());
    Ok(ExitCode::SUCCESS)
}
