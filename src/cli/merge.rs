use super::CliError;
use crate::grade::{self, Record};
use crate::report::summary::Summary;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// `gradwork merge OUT1 OUT2 ... --out OUT`: puts the outputs of
/// `gradwork grade --shard i/N` runs together into the files one unsharded
/// run writes: every submission's folder is copied as it is, and
/// `scores.csv`, `summary.json` and `summary.md` are written again from all
/// the submissions' `report.json`.
pub fn run(inputs: &[PathBuf], out: &Path) -> Result<ExitCode, CliError> {
    let merge_err = |m: String| CliError::Merge(m);
    let mut batch: Option<(Summary, PathBuf)> = None;
    let mut records: Vec<(Record, PathBuf)> = Vec::new();
    for input in inputs {
        let summary_path = input.join("summary.json");
        let text = std::fs::read_to_string(&summary_path).map_err(|source| CliError::Io { path: summary_path.clone(), source })?;
        let summary: Summary = serde_json::from_str(&text)
            .map_err(|e| merge_err(format!("{}: {e} (is it a `gradwork grade` output folder?)", summary_path.display())))?;
        if let Some((first, from)) = &batch {
            if (first.assignment.as_str(), first.seed) != (summary.assignment.as_str(), summary.seed) {
                return Err(merge_err(format!(
                    "{} graded {} with seed {} but {} graded {} with seed {}: only shards of one run can be merged",
                    from.display(),
                    first.assignment,
                    first.seed,
                    input.display(),
                    summary.assignment,
                    summary.seed
                )));
            }
        }
        for s in &summary.submissions {
            let path = Record::path(input, &s.name);
            let record = Record::read(&path).ok_or_else(|| {
                merge_err(format!("{} is missing or unreadable: was that shard's run interrupted? run it again", path.display()))
            })?;
            if let Some((_, other)) = records.iter().find(|(r, _)| r.report.name == s.name) {
                return Err(merge_err(format!(
                    "`{}` was graded in both {} and {}: merge the outputs of different shards",
                    s.name,
                    other.display(),
                    input.display()
                )));
            }
            records.push((record, input.clone()));
        }
        batch.get_or_insert((summary, input.clone()));
    }
    let Some((summary, _)) = batch else { return Err(merge_err("give the output folders of the shards to merge".into())) };
    records.sort_by(|a, b| a.0.report.name.cmp(&b.0.report.name));
    let out_canonical = out.canonicalize().ok();
    for (record, from) in &records {
        if from.canonicalize().ok() == out_canonical && out_canonical.is_some() {
            continue;
        }
        let name = &record.report.name;
        copy_dir(&from.join(name), &out.join(name))?;
    }
    let records: Vec<Record> = records.into_iter().map(|(r, _)| r).collect();
    let ids: Vec<String> = records.first().map(|r| r.report.checks.iter().map(|c| c.id.clone()).collect()).unwrap_or_default();
    grade::write_batch_files(out, &summary.assignment, summary.seed, &ids, &records).map_err(|e| merge_err(e.to_string()))?;
    let reports: Vec<_> = records.into_iter().map(|r| r.report).collect();
    print!("{}", grade::score_table(&reports));
    println!("merged {} submissions from {} outputs into {}", reports.len(), inputs.len(), out.display());
    Ok(ExitCode::SUCCESS)
}

/// Copies the files of `from` into `to` (recursively), replacing files of the same name.
fn copy_dir(from: &Path, to: &Path) -> Result<(), CliError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| CliError::Io { path, source }
    };
    std::fs::create_dir_all(to).map_err(io(to))?;
    for entry in std::fs::read_dir(from).map_err(io(from))?.flatten() {
        let (src, dst) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(io(&src))?;
        if kind.is_dir() {
            copy_dir(&src, &dst)?;
        } else if kind.is_file() {
            let bytes = std::fs::read(&src).map_err(io(&src))?;
            crate::report::write_atomic(&dst, &bytes).map_err(io(&dst))?;
        }
    }
    Ok(())
}
