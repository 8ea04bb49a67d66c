//! `scores.csv`: one row per submission: name, score, max_score, then one
//! column of points per check (in rubric order).

use crate::compare::num;
use crate::result::SubmissionReport;

/// The CSV text for a batch (rows in the order given).
pub fn scores(check_ids: &[String], reports: &[SubmissionReport]) -> String {
    let mut out = String::new();
    let mut header = vec!["name".to_string(), "score".into(), "max_score".into()];
    header.extend(check_ids.iter().cloned());
    push_row(&mut out, &header);
    for r in reports {
        let mut row = vec![r.name.clone(), num(r.score()), num(r.max_score())];
        for id in check_ids {
            row.push(r.checks.iter().find(|c| &c.id == id).map(|c| num(c.score)).unwrap_or_default());
        }
        push_row(&mut out, &row);
    }
    out
}

fn push_row(out: &mut String, cells: &[String]) {
    let cells: Vec<String> = cells.iter().map(|c| escape(c)).collect();
    out.push_str(&cells.join(","));
    out.push('\n');
}

/// RFC 4180 quoting, and a leading `'` for cells a spreadsheet would run as a formula.
fn escape(cell: &str) -> String {
    let cell = if cell.starts_with(['=', '+', '@']) || (cell.starts_with('-') && cell.parse::<f64>().is_err()) {
        format!("'{cell}")
    } else {
        cell.to_string()
    };
    if cell.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", cell.replace('"', "\"\""))
    } else {
        cell
    }
}
